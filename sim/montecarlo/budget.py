"""The simulated spend against the municipality's own budget: P(overspend) per level and year.

A planner with a budget asks "how likely is it that we overspend, and
where?". A scenario's ``[budget]`` (:class:`sim.scenario.schema.Budget`)
gives an amount per accounts level and year; each replication's spend of
that level and year (the outcome ``spend_kr.<level>``) either exceeds it or
not, and the share that does is the probability of overspending. The
``total`` row sums, per year, the levels the budget holds that year, budget
and spend alike. The table's columns are documented in docs/tables.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..measures import LEVELS
from ..output.prices import deflator
from ..scenario import Scenario
from ..scenario.yearly import years_of
from .summary import summarise

KEYS = ["scenario", "level", "year"]


def budget_table(outcomes: pd.DataFrame, scenarios: Mapping[str, Scenario],
                 price_year: int | None = None) -> pd.DataFrame:
    """Per scenario with a budget, level (and ``total``) and year of the run the budget holds.

    ``outcomes`` has the columns of an ensemble's (``scenario``,
    ``replication``, ``year``, ``outcome``, ``value``) with its kroner in the
    prices of ``price_year`` (None: current prices); the budget is put in the
    same prices. Columns: ``scenario``, ``level``, ``year``, ``budget_kr``,
    the summary of the spend (``replications``, ``mean`` ... ``median``) and
    ``p_overspend``, the share of replications whose spend exceeds the budget.
    """
    spends, budgets = [], []
    for label, scenario in scenarios.items():
        budget = scenario.budget
        if budget is None:
            continue
        mine = outcomes[(outcomes["scenario"] == label) & outcomes["outcome"].str.startswith("spend_kr.")]
        index = scenario.prices.general_index_per_year.value
        for year in sorted(mine["year"].unique()):
            held = {level: amount / deflator(scenario, int(year), price_year) for level in budget.levels
                    if (amount := budget.amount_kr(level, int(year), index)) is not None}
            if not held:
                continue
            rows = mine[(mine["year"] == year) & mine["outcome"].isin([f"spend_kr.{lv}" for lv in held])]
            spend = rows.assign(level=rows["outcome"].str.partition(".")[2])
            total = spend.groupby(["scenario", "replication", "year"], as_index=False)["value"].sum()
            spends += [spend, total.assign(level="total")]
            budgets += [{"scenario": label, "level": level, "year": year, "budget_kr": kr}
                        for level, kr in [*held.items(), ("total", sum(held.values()))]]
    if not budgets:
        return pd.DataFrame(columns=[*KEYS, "budget_kr", "replications", "p_overspend"])
    spend = pd.concat(spends, ignore_index=True).merge(pd.DataFrame(budgets), on=KEYS)
    stats = summarise(spend, by=KEYS)
    over = (spend["value"] > spend["budget_kr"]).groupby([spend[key] for key in KEYS]).mean()
    table = pd.DataFrame(budgets).merge(stats, on=KEYS).join(over.rename("p_overspend"), on=KEYS)
    order = {"scenario": {label: i for i, label in enumerate(scenarios)},
             "level": {level: i for i, level in enumerate([*LEVELS, "total"])}}
    return table.sort_values(KEYS, key=lambda c: c.map(order[c.name]) if c.name in order else c,
                             kind="stable", ignore_index=True)


def outside_years(scenario: Scenario, years: list[int]) -> list[int]:
    """The years the scenario's budget names that the run does not simulate (not measured; a note)."""
    budget = scenario.budget
    named = set() if budget is None else set().union(
        *(found for level in budget.levels if (found := years_of(getattr(budget, level))) is not None))
    return sorted(named - set(years))
