"""The investment case in the report and the workbook: the table against the plan and the verdict.

A planner who tests an investment case asks "net over the period, and when
does it pay back?". An experiment with a ``[plan]`` answers it in the run
folder's ``against_plan`` and ``payback`` tables (:mod:`sim.experiments.plan`);
this module words and lays them out for the report's answer and table and
the workbook's sheet, in the accounts' unit (1,000 kr) with years across,
so both read the same numbers the command line prints.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..experiments.plan import planned_payback
from ..montecarlo.registry import KRONER
from ..output.words import Labels
from .run import Run

SHOWN_LINES = (
    "placements", "placements_volume", "placements_price", "preventive", "home_based",
    "small_children_special", "total", "start_gap", "extra_need", "required_savings", "investment",
    "net_saving", "cumulative_net_saving",
)
"""Lines of the table against the plan that the report and the workbook show, in order."""
STATS = ("plan", "median", "p5", "p95")
"""Per year: the plan's own figure, and the median and 90% interval of the simulated line."""


def has_plan(run: Run) -> bool:
    """Whether the run measured a variant against a plan."""
    return run.plan is not None and "against_plan" in run.tables


def plan_table(run: Run, labels: Labels) -> pd.DataFrame:
    """Lines down (the plan's variant and the line's name), (year, statistic) across, in 1,000 kr.

    Scaled as the account tables are (:data:`KRONER`'s table display), so the
    workbook writes and the report formats it alike.
    """
    table = run.tables["against_plan"]
    shown = table[table["line"].isin(SHOWN_LINES)]
    wide = shown.pivot(index="line", columns="year", values=list(STATS))
    wide = wide.swaplevel(axis=1).sort_index(axis=1, level=0, sort_remaining=False)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([sorted(shown["year"].unique()), STATS]))
    wide = wide.reindex([line for line in SHOWN_LINES if line in wide.index])
    wide.index = pd.MultiIndex.from_tuples([(run.plan.variant, labels.row(line)) for line in wide.index])
    return wide / KRONER.table.divisor


def verdict(run: Run, labels: Labels) -> str:
    """The planner's verdict over the plan's years, in one sentence (kroner as the key answer shows them)."""
    table = run.tables["against_plan"].set_index(["line", "year"])
    years = sorted(table.index.get_level_values("year").unique())
    last = table.loc[("cumulative_net_saving", years[-1])]
    paid = table.loc[("paid_back", years[-1]), "mean"]
    paybacks = run.tables["payback"]["payback_year"]
    display = KRONER.figure

    def year_or_never(year: float) -> str:
        return str(int(year)) if math.isfinite(year) else labels.word("not_within")

    return labels.word("verdict").format(
        plan=run.plan.label, first=years[0], last=years[-1], median=display.number(last["median"], labels),
        unit=display.unit_word(labels), low=display.number(last["p5"], labels),
        high=display.number(last["p95"], labels), p=labels.percent(last["p_above_zero"]),
        planned=year_or_never(planned_payback(run.plan)), paid=labels.percent(paid),
        median_year=year_or_never(float(np.median(paybacks))) if len(paybacks) else "–",
    )
