"""Amounts in fixed prices (faste priser): every krone of year y in the price level of one chosen year.

A run's kroner are current prices: each year's spend at that year's prices,
which drift at the scenario's general index (``prices.general_index_per_year``)
and at each placement type's own drift. Municipalities report and budget in
the prices of one year (p/l), so a planner can ask for every amount in the
prices of ``price_year``: an amount of year y is divided by
(1 + g)^(y - price_year), g the scenario's general index. The general index
deflates, not a type's own drift: a residential home whose price rises faster
than the index costs more in fixed prices too, which is what the accounts
show. ``price_year`` None leaves every amount as it is (current prices).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import Problem
from ..scenario import Scenario

YEARS = (2000, 2100)
"""The years a price level may be given in: those a scenario's dates and a plan's years may take."""


def price_year_problems(price_year: object, where: str = "price_year") -> list[Problem]:
    """What is wrong with ``price_year`` (None, or a whole year in :data:`YEARS`), named as ``where``."""
    if price_year is None:
        return []
    whole = isinstance(price_year, int) and not isinstance(price_year, bool)
    if not whole or not YEARS[0] <= price_year <= YEARS[1]:
        return [Problem(where, "", f"must be a year from {YEARS[0]} to {YEARS[1]}", price_year)]
    return []


def deflator(scenario: Scenario, year: int, price_year: int | None) -> float:
    """What an amount of ``year`` is divided by to be in the prices of ``price_year`` (1 for None)."""
    if price_year is None:
        return 1.0
    return (1.0 + scenario.prices.general_index_per_year.value) ** (year - price_year)


def price_level(scenario: Scenario, price_year: int | None) -> dict[str, Any]:
    """The price level a manifest records: ``current`` or ``fixed`` with its year and the index used."""
    if price_year is None:
        return {"prices": "current"}
    return {"prices": "fixed", "price_year": price_year,
            "general_index_per_year": scenario.prices.general_index_per_year.value}


def in_prices_of(table: pd.DataFrame, scenario: Scenario, price_year: int | None) -> pd.DataFrame:
    """``table`` with each column ending in ``_kr`` in the prices of ``price_year``, by its ``year``.

    Every kroner column of a run's tables ends in ``_kr`` (docs/tables.md);
    a table without a ``year`` column holds none. None returns the table.
    """
    columns = [column for column in table.columns if column.endswith("_kr")]
    if price_year is None or "year" not in table.columns or not columns:
        return table
    factors = table["year"].map(lambda year: deflator(scenario, int(year), price_year))
    return table.assign(**{column: table[column] / factors for column in columns})
