"""The kinds of value a scenario holds, each with where it comes from.

Every number in a scenario is either a published figure or a named
assumption:

- a **figure** is ``{ value = 454, source = "..." }``;
- an **assumption** also has a plausible range,
  ``{ value = 0.3, range = [0.1, 0.5], source = "..." }``; Monte Carlo and
  sensitivity runs draw from these ranges;
- a **mix** of shares that must sum to 1, ``{ value = { a = 0.6, b = 0.4 }, source = "..." }``.

Bounds (a share lies in [0, 1], a capacity is not negative) apply to the
value and to both ends of the range.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from .plausible import implausible

SUM_TOLERANCE = 1e-6
"""How far the shares of a mix may sum from 1."""

MAX_WHOLE = 2**53
"""The largest whole number a count may be: every one up to it is exact as a float, as the timeline and
the simulation hold it (10**400 would not even convert)."""


class Section(BaseModel):
    """A part of the scenario: unknown keys and loose types are errors, values are frozen.

    A number above the plausible bound of its unit (:mod:`sim.scenario.plausible`) is refused.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plausible(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, Quantity) and info.field_name is not None:
            extra = cls.model_fields[info.field_name].json_schema_extra
            unit = extra.get("unit", "") if isinstance(extra, dict) else ""
            why = implausible(str(unit), [value.value, *(value.range or [])])
            if why is not None:
                raise ValueError(why)
        return value


class Sourced(Section):
    """A value with a note on where it comes from."""

    source: str = Field(min_length=1, description="Where the value comes from.")


class Quantity(Sourced):
    """A number: a published figure, or an assumption when it has a range."""

    value: float
    range: list[float] | None = None

    @property
    def is_assumption(self) -> bool:
        """True when the value is an assumption with a plausible range."""
        return self.range is not None

    @model_validator(mode="after")
    def _value_within_range(self) -> Quantity:
        if self.range is not None:
            low, high = self.range
            if low > high:
                raise ValueError(f"range [{low}, {high}] has its low end above its high end")
            if not low <= self.value <= high:
                raise ValueError(f"value {self.value} lies outside its range [{low}, {high}]")
        return self


@cache
def quantity(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    integer: bool = False,
) -> type[Quantity]:
    """A Quantity type whose value and range obey the given bounds.

    A float must be finite, a whole number at most :data:`MAX_WHOLE` (the
    check for infinity would convert it to a float and overflow on 10**400).
    """
    if integer:
        number = Annotated[int, Field(ge=ge, gt=gt, le=MAX_WHOLE if le is None else min(le, MAX_WHOLE))]
    else:
        number = Annotated[float, Field(ge=ge, gt=gt, le=le, allow_inf_nan=False)]
    bounds = "_".join(f"{k}{v}" for k, v in (("ge", ge), ("gt", gt), ("le", le)) if v is not None)
    return create_model(
        f"Quantity_{'int' if integer else 'float'}_{bounds}",
        __base__=Quantity,
        value=(number, ...),
        range=(Annotated[list[number], Field(min_length=2, max_length=2)] | None, None),
    )


Share = quantity(ge=0, le=1)
"""A share or probability in [0, 1]."""
Rate = quantity(ge=0)
"""A rate per year, not negative."""
Days = quantity(gt=0)
"""A duration in days, positive."""
Positive = quantity(gt=0)
"""A positive number."""
Kroner = quantity(ge=0)
"""An amount of money in kr, not negative."""
Count = quantity(ge=0, integer=True)
"""A whole number of children, places or families, not negative."""
Growth = quantity(ge=-0.5, le=1)
"""A yearly growth or price drift, as a fraction (0.02 is 2% a year)."""
Variation = quantity(gt=0, le=3)
"""A coefficient of variation (standard deviation over mean) of a duration."""


def _check_sum(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        listed = ", ".join(f"{k} = {v:g}" for k, v in shares.items())
        raise ValueError(f"{what} must sum to 1, they sum to {total:.6g} ({listed})")


class Mix(Sourced):
    """Shares over a fixed set of names; names left out have share 0."""

    value: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]]

    @model_validator(mode="after")
    def _sums_to_one(self) -> Mix:
        _check_sum(self.value, "shares")
        return self

    def share(self, name: str) -> float:
        """Share of ``name`` (0 when not listed)."""
        return self.value.get(name, 0.0)


@cache
def mix_of(names: tuple[str, ...]) -> type[Mix]:
    """A Mix type whose keys must be among ``names``."""
    key = Literal[names]  # type: ignore[valid-type]
    share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    return create_model(f"Mix_{'_'.join(names)}", __base__=Mix, value=(dict[key, share], ...))


_BAND = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")


@lru_cache(maxsize=256)
def parse_band(band: str) -> tuple[int, int]:
    """``"12-17"`` -> (12, 17): ages 12.0 up to (not including) 18.0.

    Kept for the few bands a scenario has: a practice for an age band asks whether it applies to a child
    at most events.
    """
    match = _BAND.fullmatch(band)
    if not match:
        raise ValueError(f"age band {band!r} should look like '12-17'")
    low, high = int(match.group(1)), int(match.group(2))
    if low > high:
        raise ValueError(f"age band {band!r} starts after it ends")
    return low, high


def check_bands(bands: list[str], first: int, last: int) -> list[tuple[int, int]]:
    """Parse age bands and check that they cover ages ``first``-``last`` without gaps or overlaps."""
    parsed = sorted(parse_band(b) for b in bands)
    expected = first
    for low, high in parsed:
        if low != expected:
            problem = "overlap" if low < expected else "leave a gap"
            raise ValueError(
                f"age bands {sorted(bands)} {problem} at age {min(low, expected)}; "
                f"they must cover ages {first}-{last} exactly once"
            )
        expected = high + 1
    if expected != last + 1:
        raise ValueError(f"age bands {sorted(bands)} must cover ages {first}-{last}, up to {last}")
    return parsed


class AgeMix(Sourced):
    """Shares of age bands (``"0-5" = 0.3``), each age uniform within its band."""

    value: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]]

    @model_validator(mode="after")
    def _bands_and_sum(self) -> AgeMix:
        check_bands(list(self.value), 0, 17)
        _check_sum(self.value, "shares of the age bands")
        return self

    def bands(self) -> list[tuple[int, int, float]]:
        """(first age, last age, share) of each band, youngest first."""
        return sorted((*parse_band(b), s) for b, s in self.value.items())



class AgeBand(Sourced):
    """An age band such as ``"0-17"``: ages from its first year up to the year after its last."""

    value: str

    @model_validator(mode="after")
    def _is_a_band(self) -> AgeBand:
        low, high = parse_band(self.value)
        if high > 22:
            raise ValueError(f"age band {self.value!r} goes past 22, the oldest age the model follows")
        return self

    def contains(self, age: float) -> bool:
        """Whether a child of ``age`` years falls in the band."""
        low, high = parse_band(self.value)
        return low <= age < high + 1


class CaseScope(Sourced):
    """Which cases a practice applies to: those opened while it is practised, or all."""

    value: Literal["new", "all"]
