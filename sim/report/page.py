"""The report as one self-contained HTML file: what was run, the answer, tables, plots, assumptions, manifest.

One file with its plots embedded as data URIs, so it can be mailed to a
committee or printed; it loads nothing from the network. The key answer is
one sentence per variant and key outcome with its uncertainty: for a
variant, the paired difference from the baseline with its 90% interval and
the probability that it is lower (for spend, that it saves money). Every
figure in the text is read off the run's tables by the same code as the
workbook's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
import pandas as pd

from ..montecarlo.period import headline_spend
from ..montecarlo.registry import KRONER, describe, outcome_label
from ..output.words import Labels
from .accounts import DIFFERENCE_STATS, LEVEL_STATS, account_table, layouts
from .assumptions import in_units_of, levers, parameter_table, ranged
from .budget import budget_answers, budget_layout, has_budget
from .headline import headline_tiles
from .plan import has_plan, plan_table, verdict
from .plots import Figure
from .run import Run
from .sensitivity import answer_blocks, has_sensitivity


@dataclass(frozen=True)
class Answer:
    """One sentence of the key answer."""

    variant: str
    outcome: str
    kind: str
    """``level`` (the baseline's value in the last year), ``difference`` (a variant's paired difference
    in the last year), ``period`` (its paired difference summed over the run's years), ``verdict``
    (against the plan) or ``budget``."""
    text: str


def key_outcomes(run: Run) -> list[str]:
    """The outcomes the answer speaks of: the headline spend, and the experiment's first other outcome."""
    spend = [found] if (found := headline_spend(run.outcomes)) else []
    other = [outcome for outcome in run.outcomes if not outcome.startswith("spend_kr.")][:1]
    return spend + other or run.outcomes[:1]


def key_answers(run: Run, labels: Labels) -> list[Answer]:
    """The verdicts over the period (against a plan, the budgets, the headline spend), then the last year.

    The verdict against the plan is over the plan's years and the period's
    over the run's; the rest speaks of each key outcome in the last year.
    """
    summary, comparison, year = run.tables["summary"], run.tables["comparison"], run.last_year
    answers = []
    if has_plan(run):
        answers.append(Answer(run.plan.variant, "against_plan", "verdict", verdict(run, labels)))
    if has_budget(run):
        answers += [Answer(variant, "budget", "budget", text)
                    for variant, text in budget_answers(run, labels)]
    spend = headline_spend(run.outcomes)
    if spend is not None:
        period = labels.word("period_total").format(first=run.first_year, last=year)
        answers += [_difference(run, labels, variant, spend, "period", period, row)
                    for variant in run.variants[1:]
                    if (row := _row(run.tables["period_comparison"], variant, spend, year)) is not None]
    for outcome in key_outcomes(run):
        display = describe(outcome).figure  # read at a glance, as the figures show it: kroner in mio kr
        base = _row(summary, run.baseline, outcome, year)
        if base is not None:
            answers.append(Answer(run.baseline, outcome, "level", labels.word("answer_level").format(
                variant=run.baseline, outcome=outcome_label(outcome, labels), year=year,
                median=display.number(base["median"], labels), unit=display.unit_word(labels),
                low=display.number(base["p5"], labels), high=display.number(base["p95"], labels))))
        answers += [_difference(run, labels, variant, outcome, "difference", str(year), row)
                    for variant in run.variants[1:]
                    if (row := _row(comparison, variant, outcome, year)) is not None]
    return answers


def _difference(run: Run, labels: Labels, variant: str, outcome: str, kind: str, when: str,
                diff: pd.Series) -> Answer:
    """The sentence (of ``kind``) of a paired difference ``diff`` in ``when``: a year, or a period."""
    display = describe(outcome).figure
    name = outcome_label(outcome, labels)
    if diff["p5"] == diff["median"] == diff["p95"] == 0:  # paired: no replication differs
        return Answer(variant, outcome, kind, labels.word("answer_same").format(
            variant=variant, outcome=name, year=when, baseline=run.baseline))
    direction = labels.word("lower" if diff["median"] < 0 else "higher")
    return Answer(variant, outcome, kind, labels.word("answer_difference").format(
        variant=variant, outcome=name, year=when, size=display.number(abs(diff["median"]), labels),
        unit=display.unit_word(labels), direction=direction, baseline=run.baseline,
        low=display.number(diff["p5"], labels), high=display.number(diff["p95"], labels),
        p_lower=labels.percent(diff["p_lower"])))


def headings(run: Run, labels: Labels, key: str) -> tuple[str, str]:
    """The page's heading and the line below it, in the page's language.

    Experiments are written with an English title (it has no Danish one),
    so in English the title is the heading and the line below names the
    experiment; in Danish the heading is a Danish lead word and the
    experiment's name (``key``: ``report_heading`` or ``summary_heading``),
    and the title is the line below it.
    """
    named = labels.word(key).format(name=run.manifest["experiment"]["name"])
    return (run.title, named) if labels.lang == "en" else (named, run.title)


def _row(table: pd.DataFrame, variant: str, outcome: str, year: int) -> pd.Series | None:
    found = table[(table["scenario"] == variant) & (table["outcome"] == outcome) & (table["year"] == year)]
    return None if found.empty else found.iloc[0]


def _tables(run: Run, labels: Labels) -> list[dict[str, Any]]:
    """The rows of the account tables that the experiment asks for; differences after levels.

    The page stays short enough to read; the workbook holds every outcome.
    """
    chosen = layouts(set(run.outcomes) & set(run.tables["summary"]["outcome"]))
    kinds = [("level", run.tables["summary"], run.variants, LEVEL_STATS)]
    if len(run.variants) > 1:
        kinds.append(("difference", run.tables["comparison"], run.variants[1:], DIFFERENCE_STATS))
    blocks = []
    for kind, source, variants, stats in kinds:
        for layout in chosen:
            table = account_table(source, layout, variants, labels, stats)
            heading = labels.heading(layout.heading)
            if kind == "difference":
                heading = f"{heading}: {labels.word('paired').lower()} {run.baseline}"
            outcomes = layout.outcome_per_row(variants)
            rows = []
            for (variant, item), outcome in zip(table.index, outcomes, strict=True):
                display = describe(outcome).table
                decimals = display.decimals
                cells = []
                for year in table.columns.get_level_values(0).unique():
                    values = table.loc[(variant, item), year]
                    interval = (f"{labels.number(values['p5'], decimals)} – "
                                f"{labels.number(values['p95'], decimals)}")
                    if kind == "difference":
                        interval += f" · P {labels.percent(values['p_lower'])}"
                    cells.append({"year": year, "median": labels.number(values["median"], decimals),
                                  "interval": interval})
                rows.append({"variant": variant, "item": item, "unit": display.unit_word(labels),
                             "outcome": outcome, "cells": cells})
            blocks.append({"key": layout.key, "kind": kind, "heading": heading,
                           "years": list(table.columns.get_level_values(0).unique()), "rows": rows})
    return blocks


def _against_plan(run: Run, labels: Labels) -> list[dict[str, Any]]:
    """The table against the plan as a block of the tables section (1,000 kr, as the accounts).

    Per year the median, with the interval and the plan's own figure below it.
    """
    if not has_plan(run):
        return []

    def below(values: pd.Series, shown: Callable[[float], str]) -> str:
        parts = [f"{shown(values['p5'])} – {shown(values['p95'])}"]
        if pd.notna(values["plan"]):
            parts.append(f"{labels.word('plan')} {shown(values['plan'])}")
        return " · ".join(parts)

    return _kroner_block(plan_table(run, labels), "against_plan", labels, below)


def _budget(run: Run, labels: Labels) -> list[dict[str, Any]]:
    """The budget table as a block of the tables section (1,000 kr, as the accounts).

    Per year the spend's median, with its interval, the budget and P(overspend) below it.
    """
    if not has_budget(run):
        return []

    def below(values: pd.Series, shown: Callable[[float], str]) -> str | None:
        if pd.isna(values["budget_kr"]):
            return None
        return (f"{shown(values['p5'])} – {shown(values['p95'])} · {labels.word('budget')} "
                f"{shown(values['budget_kr'])} · {labels.word('p_overspend')} "
                f"{labels.percent(values['p_overspend'])}")

    return _kroner_block(budget_layout(run, labels), "budget", labels, below)


def _kroner_block(table: pd.DataFrame, key: str, labels: Labels,
                  below: Callable[[pd.Series, Callable[[float], str]], str | None]) -> list[dict[str, Any]]:
    """A table of rows (variant, item) and columns (year, statistic) in 1,000 kr as one block.

    Each cell is the median with ``below(values, shown)`` under it; a cell
    ``below`` gives None for is left empty (a year the row has no figure).
    """
    display = KRONER.table
    years = list(table.columns.get_level_values(0).unique())

    def shown(value: float) -> str:
        return labels.number(value, display.decimals)

    rows = []
    for variant, item in table.index:
        cells = []
        for year in years:
            values = table.loc[(variant, item), year]
            text = below(values, shown)
            cells.append({"year": year, "median": "" if text is None else shown(values["median"]),
                          "interval": text or ""})
        rows.append({"variant": variant, "item": item, "unit": display.unit_word(labels), "outcome": key,
                     "cells": cells})
    return [{"key": key, "kind": key, "heading": labels.word(key), "years": years, "rows": rows}]


def _plain(table: pd.DataFrame, labels: Labels) -> dict[str, Any]:
    """A table as header and rows of text, numbers written in the report's language."""
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float):
            return labels.number(value, 0 if float(value).is_integer() else 2)
        return str(value)

    return {"columns": [labels.column(str(name)) for name in table.columns],
            "rows": [[cell(value) for value in row] for row in table.itertuples(index=False)]}


def _assumptions(run: Run, labels: Labels) -> list[dict[str, Any]]:
    parameters = parameter_table(run)
    differing = parameters[parameters["differs"]][["path", "meaning", *run.variants, "source", "origin"]]
    blocks = []
    for key, table in (("levers", levers(run)), ("lever_parameters", differing), ("ranged", ranged(run))):
        if "unit" in table.columns:
            table = in_units_of(table, labels)
        if len(table):
            heading = labels.word("ranged" if key == "ranged" else "levers")
            blocks.append({"key": key, "heading": heading, **_plain(table, labels)})
    return blocks


def _facts(run: Run, labels: Labels) -> list[tuple[str, str]]:
    manifest = run.manifest
    return [
        (labels.word("variants"), ", ".join(run.variants)),
        (labels.word("replications"), labels.number(manifest["replications"])),
        (labels.word("years"),
         f"{manifest.get('years')} ({run.tables['summary']['year'].min()}–{run.last_year})"),
        (labels.word("seed"), str(manifest["seed"])),
        (labels.word("uncertainty"), labels.uncertainty(manifest["uncertainty"])),
        (labels.word("prices"), labels.prices(manifest.get("price_level", {}))),
        (labels.word("started"), manifest["started"]),
        (labels.word("version"), f"{manifest.get('barnesim_version')} ({manifest.get('git_commit')})"),
    ]


def render_html(run: Run, labels: Labels, figures: list[Figure]) -> str:
    """The report of ``run`` as HTML text."""
    environment = jinja2.Environment(loader=jinja2.PackageLoader("sim.report", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined)
    references = run.tables["references"]
    manifest_shown = {key: value for key, value in run.manifest.items() if key != "inputs"}
    embedded = [{"name": f.name, "title": f.title, "data": base64.b64encode(f.png.read_bytes()).decode()}
                for f in figures]
    heading, subheading = headings(run, labels, "report_heading")
    return environment.get_template("report.html.j2").render(
        lang=labels.lang, heading=heading, subheading=subheading, description=run.description,
        manifest=run.manifest,
        words={key: labels.word(key) for key in (
            "experiment", "what_was_run", "key_answer", "tables", "plots", "assumptions", "manifest",
            "published", "variant", "row", "unit", "generated", "headline")},
        facts=_facts(run, labels), answers=key_answers(run, labels), tiles=headline_tiles(run, labels),
        tables=[*_against_plan(run, labels), *_budget(run, labels), *_tables(run, labels)],
        table_note=labels.word("table_note"),
        references=_plain(references, labels) if len(references) else None,
        figures=[f for f in embedded if f["name"] != "tornado"],
        sensitivity={
            "heading": labels.word("sensitivity"), "intro": labels.word("sensitivity_intro"),
            "figures": [f for f in embedded if f["name"] == "tornado"], "answers": answer_blocks(run, labels),
        } if has_sensitivity(run) else None,
        assumptions=_assumptions(run, labels),
        manifest_text=json.dumps(manifest_shown, indent=2, ensure_ascii=False),
    )
