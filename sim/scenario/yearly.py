"""A figure per year, or one figure for every year: the shape of a budget and of a plan's activity.

Municipalities publish budgets and plans as a row per year (``{ 2019 =
8000, 2020 = 8200 }``), and often one figure that holds for every year
(``95000``). A scenario's ``[budget]`` and an experiment's ``[plan]`` both
take either form, so they share this one type and its reading: a value
that is not a finite number, not at least 0, or a key that is not a year is
refused with the field's path.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Discriminator, Field, Tag

Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""One figure: finite and not negative."""


def _years(table: dict[str, float]) -> dict[str, float]:
    """The table itself, once every key is a year written as four digits."""
    wrong = [key for key in table if not re.fullmatch(r"[0-9]{4}", key)]
    if wrong:
        raise ValueError(f"keys must be years such as 2019 = ...; not {', '.join(map(repr, wrong))}")
    return table


def _form(value: object) -> str:
    return "tagged-table" if isinstance(value, dict) else "tagged-number"


PerYear = Annotated[
    Annotated[Amount, Tag("tagged-number")]
    | Annotated[Annotated[dict[str, Amount], AfterValidator(_years)], Tag("tagged-table")],
    Discriminator(_form),
]
"""A number for every year, or a table year -> number. The tags are named ``tagged-...`` so that a
problem's path leaves them out (:func:`sim.scenario.messages.problems_from`): ``budget.placement``,
``budget.placement.2019``."""


def in_year(value: float | dict[str, float], year: int) -> float | None:
    """The figure of ``year``: the constant, the table's entry, or None when the table has none."""
    return value.get(str(year)) if isinstance(value, dict) else value


def years_of(value: float | dict[str, float]) -> set[int] | None:
    """The years a table names; None for a constant, which holds every year."""
    return {int(year) for year in value} if isinstance(value, dict) else None
