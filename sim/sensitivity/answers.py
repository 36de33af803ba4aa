"""The answers a sensitivity analysis explains, read off a design's ensemble.

An answer is one number a decision hangs on: an outcome of a variant in a
year ("placements at 31 December 2021 with 32 caseworkers"), or the paired
difference of a variant from the baseline ("what +12 caseworkers change in
total spend in 2021"). At each design point it is computed per replication
(a difference between two variants that share their seed) and then
averaged over the point's replications.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..errors import InputError, Problem
from .design import SEPARATOR
from .settings import Answer

COLUMNS = ["point", "replication", "answer", "value"]
"""Columns of the answers table: one value per design point, replication and answer."""


def variants_needed(answers: Sequence[Answer], variants: Sequence[str]) -> list[str]:
    """The variants the answers read, in the experiment's order, the baseline too if a difference needs it."""
    needed = {a.variant for a in answers} | {variants[0] for a in answers if a.kind == "difference"}
    return [v for v in variants if v in needed]


def answer_values(outcomes: pd.DataFrame, answers: Sequence[Answer], baseline: str, last_year: int,
                  stage: str) -> pd.DataFrame:
    """Each answer at each design point and replication, from the design's outcomes table."""
    point_variant = outcomes["scenario"].str.split(SEPARATOR, n=1, expand=True)
    table = outcomes.assign(point=point_variant[0].astype("int64"), variant=point_variant[1])
    parts = []
    for answer in answers:
        year = answer.year or last_year
        rows = table[(table["outcome"] == answer.outcome) & (table["year"] == year)]

        def of(variant: str, rows: pd.DataFrame = rows) -> pd.Series:
            return rows[rows["variant"] == variant].set_index(["point", "replication"])["value"]

        value = of(answer.variant)
        if answer.kind == "difference":
            value = value - of(baseline)
        parts.append(value.rename("value").reset_index().assign(answer=answer.label))
    found = pd.concat(parts, ignore_index=True)[COLUMNS]
    _check_every_point(found, answers, table["point"].nunique(), stage)
    return found.sort_values(["answer", "point", "replication"], kind="stable").reset_index(drop=True)


def point_means(values: pd.DataFrame, answer: str) -> pd.Series:
    """The answer's mean over the replications of each point, by point."""
    rows = values[values["answer"] == answer]
    return rows.groupby("point")["value"].mean().sort_index()


def _check_every_point(found: pd.DataFrame, answers: Sequence[Answer], points: int, stage: str) -> None:
    """Refuse an answer that has no value at some point (a wait where nobody waited, say)."""
    problems = []
    for answer in answers:
        rows = found[found["answer"] == answer.label].dropna(subset=["value"])
        missing = points - rows["point"].nunique()
        if missing:
            problems.append(Problem(
                "sensitivity.answer", answer.label, f"has no value at {missing} of the {points} {stage} "
                "design points (an outcome that can be empty, such as a wait where nobody waited); "
                "choose another outcome or year", answer.outcome))
    if problems:
        raise InputError(problems, "cannot analyse the sensitivity")
