"""The ensemble's summary laid out as the municipal accounts are: items down, years across.

A planner compares the report with the accounts (regnskab) and the budget,
which list the levels of the ladder and the placement types as rows and
years as columns. Each table here is one such layout: a block of rows per
variant, and per year the median with the 90% interval beside it, in the
unit the accounts use (the outcome registry's table display: kroner in
1,000 kr, shares in per cent). The workbook and the HTML report both show
these tables, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..measures import PLACEMENT_TYPES
from ..montecarlo.outcomes import ACCOUNTS_LEVELS, FLOWS, SERVICE_MEASURES, YEAR_MEANS
from ..montecarlo.registry import describe, outcome_label
from ..output.words import Labels

LEVEL_STATS = ("median", "p5", "p95")
"""Columns per year of a table of levels: the median and the 90% interval."""
DIFFERENCE_STATS = ("median", "p5", "p95", "p_lower")
"""Columns per year of a table of paired differences; p_lower is the probability of a saving in kr."""


@dataclass(frozen=True)
class Layout:
    """One account table: its key (sheet name), heading and (row, outcome) pairs in the accounts' order."""

    key: str
    heading: str
    rows: tuple[tuple[str, str], ...]

    def outcome_per_row(self, variants: list[str]) -> list[str]:
        """The outcome of each row of :func:`account_table` for ``variants``: a block per variant."""
        return [outcome for _ in variants for _, outcome in self.rows]


def layouts(outcomes: list[str] | set[str]) -> list[Layout]:
    """The account tables for the outcomes present, each keeping only its rows that are present."""
    levels = [*ACCOUNTS_LEVELS]
    measures = (*SERVICE_MEASURES, "external_share")
    services = sorted({name.split(".", 1)[1] for name in outcomes if name.split(".", 1)[0] in measures})
    candidates = [
        Layout("spend", "spend", tuple(
            (level, f"spend_kr.{level}") for level in [*levels, "total", "authority", "total_with_authority"]
        )),
        Layout("full_year_persons", "full_year_persons",
               tuple((level, f"full_year_persons.{level}") for level in levels)),
        Layout("persons_31_dec", "persons_31_dec",
               tuple((level, f"persons_31_dec.{level}") for level in levels)),
        Layout("placements_31_dec", "placements_31_dec",
               tuple((kind, f"placements_31_dec.{kind}") for kind in [*PLACEMENT_TYPES, "total"])),
        Layout("flows", "flows", tuple((flow, flow) for flow in FLOWS)),
        Layout("caseworkers", "caseworkers", tuple((mean, mean) for mean in YEAR_MEANS)),
        Layout("services", "services", tuple(
            (f"{measure}.{service}", f"{measure}.{service}")
            for service in services for measure in measures
        )),
    ]
    present = set(outcomes)
    found = [Layout(c.key, c.heading, tuple(r for r in c.rows if r[1] in present)) for c in candidates]
    return [layout for layout in found if layout.rows]


def account_table(summary: pd.DataFrame, layout: Layout, variants: list[str], labels: Labels,
                  stats: tuple[str, ...] = LEVEL_STATS) -> pd.DataFrame:
    """``layout`` filled from ``summary`` (or a comparison): rows (variant, item), columns (year, statistic).

    Values are in the unit of the outcome's table display (:mod:`sim.montecarlo.registry`);
    ``p_lower`` stays a probability. An item a variant lacks is left empty.
    """
    outcomes = [outcome for _, outcome in layout.rows]
    mine = summary[summary["outcome"].isin(outcomes) & summary["scenario"].isin(variants)]
    years = sorted(int(year) for year in mine["year"].unique())
    index = pd.MultiIndex.from_tuples(
        [(variant, outcome_label(outcome, labels) if layout.key == "services" else labels.row(row))
         for variant in variants for row, outcome in layout.rows],
        names=[labels.word("variant"), labels.word("row")],
    )
    columns = pd.MultiIndex.from_product([years, list(stats)], names=[labels.word("year"), ""])
    table = pd.DataFrame(index=index, columns=columns, dtype=float)
    by_key = mine.set_index(["scenario", "outcome", "year"])
    for label, (variant, (_, outcome)) in zip(index, [(v, r) for v in variants for r in layout.rows],
                                              strict=True):
        divisor = describe(outcome).table.divisor
        for year in years:
            if (variant, outcome, year) in by_key.index:
                found = by_key.loc[(variant, outcome, year)]
                for stat in stats:
                    shown = found[stat] if stat == "p_lower" else found[stat] / divisor
                    table.loc[label, (year, stat)] = shown
    return table
