"""The sensitivity analysis in the report and workbook: which assumptions drive each answer.

A planner reads it as: "the net saving hangs on these assumptions, in this
order; with the caseload effect at the low end of its range the saving is
X, at the high end Y". So each answer gets its ranked table, in the
answer's own unit (kroner in 1,000 kr, as everywhere in the report), and
the tornado chart of the same assumptions. The Monte Carlo noise is stated
beside it, since indices computed from noisy answers are inflated.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..montecarlo.registry import describe, outcome_label
from ..output.words import Labels
from .run import Run

SHOWN = 10
"""Assumptions per answer in the HTML report and the tornado chart; the workbook holds all."""
IN_ANSWER_UNIT = ("mu_star", "mu_star_conf", "mu", "sigma", "low_end", "high_end")
"""Columns of the ranked table in the answer's unit; the Sobol indices are shares."""
WORKBOOK_COLUMNS = ("answer", "unit", "rank", "parameter", "value", "low", "high", *IN_ANSWER_UNIT[:4],
                    "S1", "S1_conf", "ST", "ST_conf", *IN_ANSWER_UNIT[4:])
"""Columns of the workbook's sensitivity sheet, in order."""


def has_sensitivity(run: Run) -> bool:
    """Whether the run holds a sensitivity analysis."""
    return "sensitivity" in run.tables


def answer_outcomes(run: Run) -> dict[str, str]:
    """Answer label -> the outcome it reads, in the experiment's order."""
    answers = run.tables["sensitivity_answers"].drop_duplicates("answer")
    return dict(zip(answers["answer"], answers["outcome"], strict=True))


def in_answer_unit(run: Run) -> pd.DataFrame:
    """The ranked table with each answer's figures divided as the report shows them, and a ``unit`` column."""
    table = run.tables["sensitivity"].copy()
    outcomes = table["answer"].map(answer_outcomes(run))
    divisors = outcomes.map(lambda outcome: describe(outcome).table.divisor)
    for column in IN_ANSWER_UNIT:
        table[column] = table[column] / divisors
    return table.assign(outcome=outcomes)


def workbook_table(run: Run, labels: Labels) -> pd.DataFrame:
    """The whole ranked table for the workbook, every answer and assumption, with units."""
    table = in_answer_unit(run)
    table["unit"] = table["outcome"].map(lambda outcome: describe(outcome).table.unit_word(labels))
    return table[list(WORKBOOK_COLUMNS)]


ANSWER_COLUMNS = ("rank", "parameter", "range", "mu", "mu_star", "S1", "ST", "low_end", "high_end")
"""Columns of an answer's table in the HTML report."""


def answer_blocks(run: Run, labels: Labels) -> list[dict[str, Any]]:
    """Per answer: heading, a note (what it is, its unit, the noise) and the top assumptions as text."""
    table = in_answer_unit(run)
    answers = run.tables["sensitivity_answers"]
    blocks = []
    for label, outcome in answer_outcomes(run).items():
        about = answers[answers["answer"] == label]
        first = about.iloc[0]
        noise = [labels.word("noise_note").format(stage=r["stage"].capitalize(), share=labels.percent(
            r["noise_share"]), replications=r["replications"]) for _, r in about.iterrows()
            if pd.notna(r["noise_share"])]
        difference = labels.word("minus_baseline") if first["kind"] == "difference" else ""
        display = describe(outcome).table
        note = labels.word("sensitivity_answer_note").format(
            outcome=outcome_label(outcome, labels), variant=first["variant"], year=first["year"],
            unit=display.unit_word(labels), difference=difference)
        rows = table[table["answer"] == label].head(SHOWN)
        blocks.append({
            "answer": label, "note": " ".join([note, *noise]),
            "columns": [labels.word(key) for key in ANSWER_COLUMNS],
            "rows": [_cells(row, labels, display.decimals) for _, row in rows.iterrows()],
        })
    return blocks


def _cells(row: pd.Series, labels: Labels, decimals: int) -> list[str]:
    """One assumption's row of an answer's table, as text in the report's language."""
    def share(value: float, spread: float) -> str:
        return "" if pd.isna(value) else f"{labels.number(value, 2)} ± {labels.number(spread, 2)}"

    ends = [labels.number(row[end], _decimals(row[end])) for end in ("low", "high")]
    return [str(row["rank"]), row["parameter"], " – ".join(ends),
            *(labels.number(row[column], decimals) for column in ("mu", "mu_star")),
            share(row["S1"], row["S1_conf"]), share(row["ST"], row["ST_conf"]),
            *(labels.number(row[column], decimals) for column in ("low_end", "high_end"))]


def _decimals(value: float) -> int:
    """Decimals a range end needs: none for whole numbers, else up to three."""
    return next((d for d in range(4) if abs(round(value, d) - value) < 1e-9), 3)
