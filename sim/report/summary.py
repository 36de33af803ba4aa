"""The one-page summary (``summary.html``): what a committee reads when it reads one page.

The question, the decisions the variants stand for, the headline over the
period, one chart (each variant's paired difference per year with its 90%
interval), the spend per level with years as columns, and the three
assumptions the answer depends on most. Everything else is in the report
beside it. One self-contained file that prints on one A4 page. Its figures
come from the same code as the report's: the tiles
(:func:`~sim.report.headline.headline_tiles`), the period's sentences
(:func:`~sim.report.page.key_answers`) and the chart
(:func:`~sim.report.plots.summary_chart`), so the two cannot disagree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import jinja2
import pandas as pd

from ..montecarlo.outcomes import ACCOUNTS_LEVELS
from ..montecarlo.period import headline_spend
from ..montecarlo.registry import describe, outcome_label
from ..output.words import WORDS, Labels
from .assumptions import levers, parameter_table
from .headline import headline_tiles
from .page import headings, key_answers
from .run import Run
from .sensitivity import answer_outcomes, has_sensitivity

QUESTION_CHARACTERS = 320
"""Of the experiment's description, about what the page has room for: whole sentences up to this length."""
SUMMARY_SENTENCES = ("verdict", "budget", "period")
"""The kinds of the key answer's sentences the summary gives: those over the period."""
ASSUMPTIONS_SHOWN = 3
"""The assumptions the answer depends on most, from the ranked table of the sensitivity analysis."""
FULL_BLOCKS = 3
"""Variants beside the baseline whose every level the table shows; with more, each shows its total alone."""


@dataclass(frozen=True)
class Decision:
    """What one variant sets: its label and its levers in words."""

    variant: str
    parts: list[tuple[str, str]]
    """Each lever and its value, and from when (empty for a parameter set from the start)."""


def question(run: Run) -> str:
    """The experiment's description cut to the whole sentences the page has room for; empty without one.

    The title stands in the page's heading already.
    """
    text = run.description
    if not text:
        return ""
    sentences = [part.strip() for part in text.replace(". ", ".\n").splitlines() if part.strip()]
    kept = sentences[:1]
    for sentence in sentences[1:]:
        if len(" ".join([*kept, sentence])) > QUESTION_CHARACTERS:
            break
        kept.append(sentence)
    shortened = " ".join(kept)
    if len(shortened) > QUESTION_CHARACTERS:  # one long sentence: cut at a word
        shortened = shortened[:QUESTION_CHARACTERS].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return shortened


def decisions(run: Run, labels: Labels) -> list[Decision]:
    """Per variant what it sets that others do not: its dated decisions, then parameters set differently."""
    dated = levers(run)
    parameters = parameter_table(run)
    differing = parameters[parameters["differs"]]
    found = []
    for variant in run.variants:
        mine = dated[dated["variant"] == variant]
        parts = [(f"{_lever(row['path'], labels)} {_value(row['value'], labels)}",
                  f"{labels.word('from')} {row['date']}") for _, row in mine.iterrows()]
        parts += [(f"{_lever(row['path'], labels)} {_value(row[variant], labels)}", "")
                  for _, row in differing.iterrows()]
        found.append(Decision(variant, parts or [(labels.word("no_change"), "")]))
    return found


def _lever(path: str, labels: Labels) -> str:
    """A lever as the app names it, when it has a name; else its dotted path."""
    return labels.word(f"parameter_{path}") if f"parameter_{path}" in WORDS else path


def _value(value: object, labels: Labels) -> str:
    """A lever's value: a number as the language writes it, with the decimals it needs."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return labels.number(value, _decimals(value))


def _decimals(value: float) -> int:
    return next((d for d in range(4) if abs(round(value, d) - value) < 1e-9), 3)


def spend_table(run: Run, labels: Labels) -> dict[str, Any] | None:
    """The spend per level, years as columns, in mio kr: the baseline, then each variant's paired difference.

    Medians, and the median of the total over the period in the last
    column. Rows: the accounts' levels the run holds, the authority and the
    headline total in the accounts' order (the total with authority last,
    the total before the authority). ``None`` without spend outcomes.
    """
    total = headline_spend(run.outcomes)
    if total is None:
        return None
    held = set(run.tables["summary"]["outcome"])
    names = (*ACCOUNTS_LEVELS, "total", "authority", "total_with_authority")  # the accounts' order
    rows = [f"spend_kr.{name}" for name in names
            if f"spend_kr.{name}" in held and (not name.startswith("total") or f"spend_kr.{name}" == total)]
    years = sorted(int(year) for year in run.tables["summary"]["year"].unique())
    blocks = [{"heading": run.baseline, "kind": "level", "variant": run.baseline,
               "rows": _rows(run, labels, run.baseline, rows, years, "summary")}]
    for variant in run.variants[1:]:
        shown = rows if len(run.variants) - 1 <= FULL_BLOCKS else [total]
        blocks.append({"heading": labels.word("variant_minus").format(variant=variant, baseline=run.baseline),
                       "kind": "difference", "variant": variant,
                       "rows": _rows(run, labels, variant, shown, years, "comparison")})
    return {"years": years, "blocks": blocks, "unit": labels.word("mio_kr"),
            "total": labels.word("period_total").format(first=run.first_year, last=run.last_year),
            "caption": labels.word("summary_table").format(baseline=run.baseline)}


def _rows(run: Run, labels: Labels, variant: str, outcomes: list[str], years: list[int],
          table: str) -> list[dict[str, Any]]:
    """One variant's rows of the spend table from ``table`` (summary or comparison) and its period's."""
    by_year = _medians(run.tables[table], variant)
    over_period = _medians(run.tables[f"period_{table}"], variant)
    found = []
    for outcome in outcomes:
        display = describe(outcome).figure
        cells = [{"year": year, "text": display.number(by_year.get((outcome, year), math.nan), labels)}
                 for year in years]
        cells.append({"year": "period",
                      "text": display.number(over_period.get((outcome, run.last_year), math.nan), labels)})
        found.append({"outcome": outcome, "item": labels.row(outcome.partition(".")[2]), "cells": cells})
    return found


def _medians(table: pd.DataFrame, variant: str) -> dict[tuple[str, int], float]:
    mine = table[table["scenario"] == variant]
    return {(outcome, int(year)): median
            for outcome, year, median in zip(mine["outcome"], mine["year"], mine["median"], strict=True)}


def strongest_assumptions(run: Run, labels: Labels) -> dict[str, Any] | None:
    """The three assumptions the headline answer depends on most, from the sensitivity analysis (if any).

    The answer is the one about the headline spend when the analysis has
    one (a difference before a level), else its first. Each assumption is
    named with its range and the answer at the two ends of it, in mio kr
    for kroner.
    """
    if not has_sensitivity(run):
        return None
    outcomes = answer_outcomes(run)
    about = run.tables["sensitivity_answers"].drop_duplicates("answer").set_index("answer")
    spend = headline_spend(list(outcomes.values()))
    chosen = sorted(outcomes, key=lambda answer: (outcomes[answer] != spend,
                                                  about.loc[answer, "kind"] != "difference"))[0]
    display = describe(outcomes[chosen]).figure
    table = run.tables["sensitivity"]
    top = table[table["answer"] == chosen].sort_values("rank").head(ASSUMPTIONS_SHOWN)
    meanings = parameter_table(run).set_index("path")["meaning"]
    lines = []
    for _, row in top.iterrows():
        meaning = re.split(r"[.:;(]", meanings.get(row["parameter"], ""), maxsplit=1)[0].strip()
        name = f"{row['parameter']}" + (f" – {meaning}" if meaning else "")  # what it is, its first words
        lines.append(labels.word("assumption_line").format(
            parameter=name, low=_value(row["low"], labels), high=_value(row["high"], labels),
            low_end=display.number(row["low_end"], labels), high_end=display.number(row["high_end"], labels),
            unit=display.unit_word(labels)))
    return {"intro": labels.word("assumptions_of").format(answer=chosen), "lines": lines}


def render_summary(run: Run, labels: Labels) -> str:
    """The one-page summary of ``run`` as HTML text."""
    from .plots import difference_outcome, summary_chart  # imported here: matplotlib is slow to load

    environment = jinja2.Environment(loader=jinja2.PackageLoader("sim.report", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    heading, subheading = headings(run, labels, "summary_heading")
    charted = difference_outcome(run)
    manifest = run.manifest
    version, commit = manifest.get("barnesim_version"), manifest.get("git_commit")
    if commit:  # shortened as git shortens it; the report gives it whole
        version = f"{version} ({commit[:12]}{'+dirty' if commit.endswith('+dirty') else ''})"
    footer = [f"{labels.word('experiment')} {manifest['experiment']['name']}",
              f"{labels.word('replications')} {labels.number(manifest['replications'])}",
              f"{labels.word('seed')} {manifest['seed']}", f"{labels.word('version')} {version}",
              str(manifest.get("finished") or manifest["started"])[:10]]
    return environment.get_template("summary.html.j2").render(
        lang=labels.lang, heading=heading, subheading=subheading, question=question(run),
        words={key: labels.word(key) for key in (
            "question", "decisions", "headline", "summary_assumptions", "summary_more", "variant", "row")},
        decisions=decisions(run, labels), tiles=headline_tiles(run, labels),
        sentences=[answer for answer in key_answers(run, labels) if answer.kind in SUMMARY_SENTENCES],
        chart=summary_chart(run, labels),
        chart_title=labels.word("summary_chart").format(
            baseline=run.baseline, outcome=outcome_label(charted, labels)) if charted else "",
        table=spend_table(run, labels), assumptions=strongest_assumptions(run, labels),
        not_analysed=labels.word("not_analysed"), footer=footer, generator=manifest.get("barnesim_version"),
    )
