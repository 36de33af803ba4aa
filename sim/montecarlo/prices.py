"""An ensemble's outcomes in fixed prices: every kroner outcome of year y in the prices of one year.

The store keeps what each replication gave, in current prices; a planner
who reports in the prices of one year (p/l) asks for the outcomes in them
before they are summarised, compared or measured against a budget, so every
table made from them agrees. Which outcomes are kroner is the outcome
registry's to say; the deflator is :func:`sim.output.prices.deflator`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..output.prices import deflator
from ..scenario import Scenario
from .registry import KRONER, describe


def fixed_prices(outcomes: pd.DataFrame, scenarios: Mapping[str, Scenario],
                 price_year: int | None) -> pd.DataFrame:
    """``outcomes`` with each kroner value in the prices of ``price_year``; None returns them unchanged.

    ``scenarios`` maps each label of the ``scenario`` column to its
    scenario, whose general index deflates its own rows.
    """
    if price_year is None or outcomes.empty:
        return outcomes
    kroner = outcomes["outcome"].map({name: describe(name).unit is KRONER
                                      for name in outcomes["outcome"].unique()})
    keys = outcomes[["scenario", "year"]].drop_duplicates()
    factors = {(label, year): deflator(scenarios[label], int(year), price_year)
               for label, year in keys.itertuples(index=False)}
    divisor = [factors[key] if is_kr else 1.0 for key, is_kr in
               zip(zip(outcomes["scenario"], outcomes["year"], strict=True), kroner, strict=True)]
    return outcomes.assign(value=outcomes["value"] / divisor)
