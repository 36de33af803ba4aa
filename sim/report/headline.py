"""The headline: a few tiles a planner reads before anything else, over the run's whole period.

The baseline's spend over the period, then per variant its paired
difference from the baseline summed over the same years with the
probability that it saves money, and, for an investment case, the net
saving against the plan and the payback year. The report, the one-page
summary and the app show the same tiles, read off the run's tables here,
so they cannot disagree. Kroner are in mio kr, as the key answer's
sentences write them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..experiments.plan import planned_payback
from ..montecarlo.period import headline_spend
from ..montecarlo.registry import describe, outcome_label
from ..output.words import Labels
from .plan import has_plan
from .run import Run


@dataclass(frozen=True)
class Tile:
    """One headline figure: what it is, the figure, and its uncertainty in a line below it."""

    key: str
    """``level``, ``difference``, ``net_saving`` or ``payback``: what the figure is."""
    variant: str
    title: str
    value: str
    detail: str


def headline_tiles(run: Run, labels: Labels) -> list[Tile]:
    """The tiles of ``run``: none when it measured no spend (nothing adds up to a verdict)."""
    outcome = headline_spend(run.outcomes)
    if outcome is None:
        return []
    display = describe(outcome).figure
    period = labels.word("period_total").format(first=run.first_year, last=run.last_year)
    name = outcome_label(outcome, labels)

    def amount(value: float, signed: bool = False) -> str:
        sign = "+" if signed and value > 0 else ""
        return f"{sign}{display.number(value, labels)} {display.unit_word(labels)}"

    def interval(row) -> str:
        return labels.word("tile_interval").format(low=display.number(row["p5"], labels),
                                                   high=display.number(row["p95"], labels))

    tiles = []
    totals = run.tables["period_summary"]
    base = totals[(totals["scenario"] == run.baseline) & (totals["outcome"] == outcome)
                  & (totals["year"] == run.last_year)]
    if len(base):
        tiles.append(Tile("level", run.baseline, labels.word("tile_level").format(
            variant=run.baseline, outcome=name, period=period), amount(base.iloc[0]["median"]),
            interval(base.iloc[0])))
    differences = run.tables["period_comparison"]
    for variant in run.variants[1:]:
        found = differences[(differences["scenario"] == variant) & (differences["outcome"] == outcome)
                            & (differences["year"] == run.last_year)]
        if found.empty:
            continue
        row = found.iloc[0]
        tiles.append(Tile("difference", variant, labels.word("tile_difference").format(
            variant=variant, baseline=run.baseline, period=period), amount(row["median"], signed=True),
            f"{interval(row)} · {labels.word('p_saving')} {labels.percent(row['p_lower'])}"))
    if has_plan(run):
        tiles += _plan_tiles(run, labels, amount)
    return tiles


def _plan_tiles(run: Run, labels: Labels, amount) -> list[Tile]:
    """The net saving against the plan over its years, and the payback year, as tiles."""
    table = run.tables["against_plan"].set_index(["line", "year"])
    years = sorted(table.index.get_level_values("year").unique())
    last = table.loc[("cumulative_net_saving", years[-1])]
    paybacks = run.tables["payback"]["payback_year"]
    median = float(np.median(paybacks)) if len(paybacks) else math.nan
    planned = planned_payback(run.plan)

    def year(value: float) -> str:
        return str(int(value)) if math.isfinite(value) else labels.word("not_within")

    return [
        Tile("net_saving", run.plan.variant, labels.word("tile_net_saving").format(
            plan=run.plan.label, first=years[0], last=years[-1]), amount(last["median"], signed=True),
            f"{labels.word('p_above_zero')} {labels.percent(last['p_above_zero'])}"),
        Tile("payback", run.plan.variant, labels.word("tile_payback"), year(median),
             labels.word("tile_planned").format(planned=year(planned))),
    ]
