"""The period: what an outcome adds up to over the run's years, and how sure that is.

An investment case is judged over its period ("net over 2017-2021"), not in
its last year. The total over the period of the paired difference is summed
replication by replication first and summarised after, so its interval and
the probability that the variant saves money over the period are those of
the total itself; adding up each year's median and interval would not give
them. A total is only made of outcomes whose years add up (spend, events,
full-year persons: :attr:`~sim.montecarlo.registry.Unit.adds_up`); a count
at 31 December has no total over the years.

The tables have the columns of :func:`~sim.montecarlo.summary.summarise` and
:func:`~sim.montecarlo.summary.compare`: the row of a year holds the running
total from the first year of the run through that year, so the row of the
last year is the total over the whole period, and ``first_year`` says where
the total starts.
"""

from __future__ import annotations

import pandas as pd

from .registry import describe
from .summary import compare, summarise

RUN_KEYS = ["scenario", "replication", "outcome"]
"""One replication's series of an outcome, year after year."""
SPEND_HEADLINES = ("spend_kr.total_with_authority", "spend_kr.total")
"""The spend a verdict speaks of: the first of these the run measured. With the authority's own cost
(caseworkers' salaries and overhead), when the run has it, so that an investment in staff is net of it."""


def headline_spend(outcomes: list[str]) -> str | None:
    """The spend outcome of :data:`SPEND_HEADLINES` that ``outcomes`` hold first, if any."""
    return next((outcome for outcome in SPEND_HEADLINES if outcome in outcomes), None)


def running_totals(outcomes: pd.DataFrame) -> pd.DataFrame:
    """``outcomes`` of the outcomes that add up, each ``value`` the total from the first year through its own.

    Rows keep their order; a replication's years are added in calendar order
    whatever the order of the rows.
    """
    names = outcomes["outcome"].unique()
    adding = outcomes["outcome"].map({name: describe(name).adds_up for name in names}).astype(bool)
    kept = outcomes[adding]
    in_years = kept.sort_values("year", kind="stable")
    totals = in_years.groupby(RUN_KEYS, sort=False)["value"].cumsum()
    return kept.assign(value=totals.reindex(kept.index))


def period_summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, year and outcome that adds up: the running total's distribution, from ``first_year``."""
    return _from_first_year(summarise(running_totals(outcomes)), outcomes)


def period_comparison(outcomes: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per variant, year and outcome that adds up: the paired difference of the running totals.

    The row of the last year is the period's verdict: the total difference
    over the run's years with its interval, and ``p_lower``, the probability
    that the variant is lower over the period (for spend, that it saves money).
    """
    return _from_first_year(compare(running_totals(outcomes), baseline), outcomes)


def period_tables(outcomes: pd.DataFrame, baseline: str) -> dict[str, pd.DataFrame]:
    """The run folder's tables of the period: ``period_summary`` and ``period_comparison``."""
    return {"period_summary": period_summary(outcomes),
            "period_comparison": period_comparison(outcomes, baseline)}


def _from_first_year(table: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    first = int(outcomes["year"].min()) if len(outcomes) else 0
    return table.assign(first_year=first)
