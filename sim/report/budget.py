"""The budget in the report and the workbook: per level and year the budget, the spend and P(overspend).

A planner with a budget asks "how likely is it that we overspend, and
where?". A run whose scenario has a ``[budget]`` answers it in the run
folder's ``budget`` table (:mod:`sim.montecarlo.budget`); this module lays
it out as the accounts are (levels down, years across, 1,000 kr) for the
report's table and the workbook's sheet, so both show the numbers the
command line prints.
"""

from __future__ import annotations

import pandas as pd

from ..montecarlo.registry import KRONER
from ..output.words import Labels
from .run import Run

STATS = ("budget_kr", "median", "p5", "p95", "p_overspend")
"""Per year: the budget, the median and 90% interval of the spend, and the probability of overspending."""


def has_budget(run: Run) -> bool:
    """Whether a variant of the run had a budget to measure its spend against."""
    return "budget" in run.tables and len(run.tables["budget"]) > 0


def budget_answers(run: Run, labels: Labels) -> list[tuple[str, str]]:
    """(variant, sentence) per variant with a budget: P(overspend) of the total by year, worst level.

    The answer a planner reads first then says how likely the budget holds,
    and where it breaks most often.
    """
    answers = []
    for variant, rows in run.tables["budget"].groupby("scenario", sort=False):
        total, levels = rows[rows["level"] == "total"], rows[rows["level"] != "total"]
        if total.empty or levels.empty:
            continue
        worst = levels.sort_values(["p_overspend", "year"], ascending=[False, True]).iloc[0]
        by_year = ", ".join(labels.word("in_year").format(p=labels.percent(row.p_overspend), year=row.year)
                            for row in total.sort_values("year").itertuples())
        answers.append((variant, labels.word("answer_budget").format(
            variant=variant, by_year=by_year, level=labels.row(worst["level"]).lower(),
            p=labels.percent(worst["p_overspend"]), year=int(worst["year"]))))
    return answers


def budget_sources(run: Run) -> str:
    """Where the budgets come from: each distinct source once."""
    return "; ".join(dict.fromkeys(scenario.budget.source for scenario in run.scenarios.values()
                                   if scenario.budget is not None))


def budget_layout(run: Run, labels: Labels) -> pd.DataFrame:
    """Rows (variant, level), columns (year, statistic); kroner in 1,000 kr, ``p_overspend`` a probability."""
    table = run.tables["budget"]
    wide = table.pivot(index=["scenario", "level"], columns="year", values=list(STATS))
    wide = wide.swaplevel(axis=1).reindex(
        columns=pd.MultiIndex.from_product([sorted(table["year"].unique()), STATS]))
    keys = list(dict.fromkeys(zip(table["scenario"], table["level"], strict=True)))
    wide = wide.reindex(pd.MultiIndex.from_tuples(keys))
    kroner = [stat != "p_overspend" for _, stat in wide.columns]
    wide.loc[:, kroner] = wide.loc[:, kroner] / KRONER.table.divisor
    wide.index = pd.MultiIndex.from_tuples([(variant, labels.row(level)) for variant, level in keys])
    return wide
