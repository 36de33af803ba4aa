"""The levers a planner moves in the app, read from a scenario and written back as its changes.

A lever is a parameter of the scenario file. The staffing, capacity, practice
and reporting levers are set from a date, as a decision is ("32 caseworkers
from 1 February 2017", "practising the reform from then"); the rest (the
trends of need and reporting, price drift per placement type and every
other ranged assumption) hold for the whole run. What a
lever allows is what the scenario format allows: the schema's bounds for a
decision, the assumption's own range for an assumption. The app checks
nothing itself: :func:`changes` gives the overrides in the shape of a
scenario file extending the base, and loading that reports any problem with
the same messages as the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..measures import PLACEMENT_TYPES
from ..montecarlo.draws import assumptions
from ..scenario import Scenario
from ..scenario.parameters import parameters
from ..scenario.paths import put
from ..scenario.quantities import Quantity

DATED = ("caseworkers.count", "services.familiehus.places", "services.dut.places", "reform.practised",
         "reporting.intensity")
"""Decisions set from a date: the staffing, the in-house capacity, the practice, and the reporting."""
DEMAND = ("need.growth_per_year", "reporting.growth_per_year")
PRICES = tuple(f"placement.{kind}.price_drift_per_year" for kind in PLACEMENT_TYPES)
GROUPS = {"decisions": DATED, "demand": DEMAND, "prices": PRICES}
"""The levers shown first, by group; every other ranged assumption follows in the group ``assumptions``."""
PERCENT_UNITS = ("fraction per year", "per child per year")
"""Units of a rate per year (a growth, a price drift, a step-up or move-away rate): typed in per cent."""


@dataclass(frozen=True)
class Lever:
    """One parameter the app lets a planner set, with what it allows."""

    path: str
    group: str
    meaning: str
    unit: str
    dated: bool
    """Set from a date (a decision), or for the whole run."""
    whole: bool
    """A whole number (places, counts)."""
    low: float | None
    high: float | None
    low_open: bool
    """The low end itself is not allowed (a count of caseworkers above 0)."""

    @property
    def percent(self) -> bool:
        """Shown and typed in per cent (4 for 0.04): a rate per year, as a planner says it."""
        return self.unit in PERCENT_UNITS

    def shown(self, value: float | None) -> float | None:
        """``value`` as the app shows it: in per cent for a rate per year, else as it is."""
        return to_percent(value) if self.percent and value is not None else value

    def typed(self, value: float | None) -> float | None:
        """What the app's input ``value`` stands for in the scenario: a per cent typed back to a fraction."""
        return from_percent(value) if self.percent and value is not None else value

    def allowed(self) -> str:
        """What is allowed, as the scenario format says it: '[0.0, 0.11]', '> 0', '>= 0'; in % if typed so."""
        low, high = self.shown(self.low), self.shown(self.high)
        percent = " %" if self.percent else ""
        if low is not None and high is not None:
            return f"[{_number(low)}, {_number(high)}]{percent}"
        if low is not None:
            return f"{'>' if self.low_open else '>='} {_number(low)}{percent}"
        return f"<= {_number(high)}{percent}" if high is not None else ""


@dataclass(frozen=True)
class Setting:
    """A lever's value, and for a decision the date it holds from, or the ramp that leads to it."""

    value: float
    start: dt.date | None = None
    until: dt.date | None = None
    """For a linear ramp: the date the value is reached, moving from the value in force at ``start``."""


def levers(scenario: Scenario) -> list[Lever]:
    """The levers of ``scenario``: the decisions, demand and prices, then its other ranged assumptions."""
    found = {p.path: p for p in parameters(scenario)}
    chosen = [(group, path) for group, paths in GROUPS.items() for path in paths if path in found]
    shown = {path for _, path in chosen}
    chosen += [("assumptions", path) for path in assumptions(scenario) if path not in shown]
    result = []
    for group, path in chosen:
        parameter, quantity = found[path], found[path].value
        assert isinstance(quantity, Quantity)
        low, high, low_open = _bounds(quantity)
        dated = path in DATED
        if quantity.range is not None and not dated:  # an assumption stays within its range
            low, high, low_open = *quantity.range, False
        result.append(Lever(path, group, parameter.meaning, parameter.unit, dated,
                            isinstance(quantity.value, int), low, high, low_open))
    return result


def _bounds(quantity: Quantity) -> tuple[float | None, float | None, bool]:
    """(low, high, low end excluded) of the value the schema allows for ``quantity``."""
    low = high = None
    low_open = False
    for rule in type(quantity).model_fields["value"].metadata:
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        if getattr(rule, "gt", None) is not None:
            low, low_open = rule.gt, True
        if getattr(rule, "le", None) is not None and rule.le < 2**53:  # a whole number's technical cap
            high = rule.le
    return low, high, low_open


def settings(scenario: Scenario, chosen: list[Lever]) -> dict[str, Setting]:
    """Path -> the setting of each lever in ``scenario``.

    A decision's setting is its last value, from the first date since which it has held.
    """
    result = {}
    for lever in chosen:
        if lever.dated:
            steps = scenario.schedule(lever.path)
            value = steps[-1][1]
            start = steps[-1][0]
            for step, earlier in reversed(steps):
                if earlier != value:
                    break
                start = step
            result[lever.path] = Setting(value, start)
        else:
            result[lever.path] = Setting(scenario.get(lever.path).value)
    return result


def changes(base: Scenario, chosen: list[Lever], wanted: dict[str, Setting]) -> dict[str, Any]:
    """The overrides, in the shape of a scenario file extending ``base``, that give the ``wanted`` settings.

    Only levers whose setting differs from the base's are written. A decision
    from a date also replaces the base's own later steps of it, so that the
    value holds from that date on; from the start date it is a plain number
    (a choice: the value's range is dropped). A decision with ``until`` is a
    linear ramp (:func:`ramp`) from the value in force at its start to its
    value at ``until``, and holds from then on. An assumption keeps its
    range, so a value outside it is refused as in a scenario file.
    """
    now = settings(base, chosen)
    result: dict[str, Any] = {}
    first = base.scenario.start_date
    for lever in chosen:
        setting = wanted.get(lever.path)
        if setting is None or setting == now[lever.path]:
            continue
        value = _whole(setting.value) if lever.whole else setting.value
        if not lever.dated:
            put(result, lever.path, {"value": value})
            continue
        start = setting.start or first
        if setting.until is not None and setting.until > start:
            for step, between in ramp(base, lever, start, setting.until, value):
                put(result, f"timeline.{step.isoformat()}.{lever.path}", between)
            start = setting.until
            later = [step for step, _ in base.schedule(lever.path) if step > start]
            for step in later:
                put(result, f"timeline.{step.isoformat()}.{lever.path}", value)
            continue
        later = [step for step, _ in base.schedule(lever.path) if step > start]
        if start == first:
            put(result, lever.path, value)
        for step in later if start == first else [start, *later]:
            put(result, f"timeline.{step.isoformat()}.{lever.path}", value)
    return result


def ramp(base: Scenario, lever: Lever, start: dt.date, until: dt.date,
         value: float) -> list[tuple[dt.date, float]]:
    """The monthly steps of a linear ramp of ``lever`` from its value at ``start`` to ``value`` at ``until``.

    One step on the first of each month after ``start``, one on each date
    of the base's own steps in between (which the ramp replaces) and the
    last on ``until``; each is the straight line's value on its date, to
    two decimals, a whole number for a whole lever (places).
    """
    schedule = base.schedule(lever.path)
    before = [amount for since, amount in schedule if since <= start][-1]
    dates = {until, *(since for since, _ in schedule if start < since < until)}
    month = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    while month < until:
        dates.add(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    steps = []
    for date in sorted(dates):
        between = before + (value - before) * (date - start).days / (until - start).days
        steps.append((date, _whole(round(between)) if lever.whole else round(between, 2)))
    steps[-1] = (until, value)
    return steps


def to_percent(value: float) -> float:
    """``value`` times 100, exactly as its decimal digits shift (0.035 gives 3.5, not 3.5000000000000004)."""
    return _shifted(value, 2)


def from_percent(value: float) -> float:
    """``value`` divided by 100, exactly as its decimal digits shift: the inverse of :func:`to_percent`."""
    return _shifted(value, -2)


def _shifted(value: float, places: int) -> float:
    """``value`` with its shortest decimal form (``repr``) moved ``places`` digits: no binary rounding."""
    return float(Decimal(repr(float(value))).scaleb(places))


def _whole(value: float) -> float | int:
    """A whole number as an int (a count must be one); anything else as given, for the check to name."""
    return int(value) if float(value).is_integer() else value


def _number(value: float) -> str:
    return f"{value:g}"
