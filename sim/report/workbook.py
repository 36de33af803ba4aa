"""The run as an Excel workbook laid out as the municipal accounts are.

It opens with a summary sheet: the headline tiles, the verdicts over the
period, the spend year by year and in total over the period per variant
with the paired difference from the baseline and P(saving), and a native
Excel chart of the headline spend's paired difference per year. Then one
sheet per account table (items down, years across, median and 90%
interval side by side, a block per variant), one with the paired
differences from the baseline, the published figures where the experiment
has them, the parameters with their sources, the dated decisions, and the
manifest. Every figure is a number cell with a number format, never text,
so a planner can sum and chart it; a probability is a number from 0 to 1
shown as a percentage; headers are frozen and carry the units. Titles and
headings are in the report's language; what the experiment's author wrote
(its title, the variant labels, the scenarios' sources) stands as written.
Written with xlsxwriter, which writes files Excel opens without repair
warnings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import xlsxwriter

from ..montecarlo.period import headline_spend
from ..montecarlo.registry import KRONER, Display, describe, outcome_label
from ..output.meanings import meaning
from ..output.words import Labels
from .accounts import DIFFERENCE_STATS, account_table, layouts
from .assumptions import in_units_of, parameter_table, timeline_table
from .budget import budget_layout, budget_sources, has_budget
from .headline import headline_tiles
from .plan import has_plan, plan_table, verdict
from .run import Run
from .sensitivity import has_sensitivity, workbook_table

WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
"""Text is written as text: a label or note a user typed (``=1+1``, ``=HYPERLINK(...)``, a web address)
never becomes a formula or a link in a planner's Excel (formula injection)."""

HEADER_ROWS = 4
"""Title, note, year row and statistic row above the first figure of an account sheet."""
LABEL_COLUMNS = 3
"""Variant, item and unit left of the figures."""
PROBABILITIES = ("p_lower", "p_higher", "p_above_zero", "p_overspend", "paid_back", "noise_share")
"""Statistics and columns written as a probability or share: a number from 0 to 1 shown as a percentage."""
VERDICT_KINDS = ("verdict", "budget", "period")
"""The key answers the summary sheet repeats: those over the period, not of the last year alone."""


def sheet_name(text: str, taken: set[str]) -> str:
    """``text`` as Excel allows a sheet name (31 characters, none of ``[]:*?/`` or backslash), unique."""
    name = re.sub(r"[\[\]:*?/\\]", "-", text)[:31]
    base, n = name, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:28]} {n}"
    taken.add(name.lower())
    return name


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4", "text_wrap": True,
                                       "valign": "top"})
        self.year = book.add_format({"bold": True, "align": "center", "bg_color": "#D0DCE8", "border": 1})
        self.text = book.add_format({"valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.numbers = {decimals: book.add_format({"num_format": "#,##0" + ("." + "0" * decimals
                                                                           if decimals else "")})
                        for decimals in (0, 1, 2)}
        self.probability = book.add_format({"num_format": "0%"})
        self.subheading = book.add_format({"bold": True, "font_size": 12})


def run_name(run: Run, labels: Labels) -> str:
    """The experiment and its baseline scenario, as the workbook's titles name the run: identifiers only.

    Not the experiment's title, which its author wrote in one language.
    """
    scenario = labels.word("baseline_scenario").format(scenario=run.scenario)
    return f"{run.manifest['experiment']['name']}, {scenario}"


def write_workbook(run: Run, labels: Labels, target: Path | BinaryIO) -> None:
    """Write the workbook of ``run`` in ``labels``' language to ``target``, a new file or a buffer."""
    book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target),
                               WORKBOOK_OPTIONS)
    formats = _Formats(book)
    book.set_properties({"title": f"{labels.word('title')}: {run_name(run, labels)}", "subject": run.title,
                         "comments": labels.word("generated")})
    taken: set[str] = set()
    summary, comparison = run.tables["summary"], run.tables["comparison"]
    present = set(summary["outcome"])
    _summary_sheet(book.add_worksheet(sheet_name(labels.word("summary_sheet"), taken)), book, formats, labels,
                   run)
    for layout in layouts(present):
        table = account_table(summary, layout, run.variants, labels)
        sheet = book.add_worksheet(sheet_name(labels.heading(layout.heading), taken))
        title = f"{labels.heading(layout.heading)} – {run_name(run, labels)}"
        displays = [describe(outcome).table for outcome in layout.outcome_per_row(run.variants)]
        _account_sheet(sheet, formats, labels, displays, table, title, _level_note(run, labels))
    if has_plan(run):
        table = plan_table(run, labels)
        sheet = book.add_worksheet(sheet_name(labels.word("against_plan"), taken))
        _account_sheet(sheet, formats, labels, [KRONER.table] * len(table), table,
                       f"{labels.word('against_plan')} – {run.plan.label}",
                       f"{verdict(run, labels)} {labels.word('against_plan_note')}")
    if has_budget(run):
        table = budget_layout(run, labels)
        sheet = book.add_worksheet(sheet_name(labels.word("budget"), taken))
        note = labels.word("budget_note").format(source=budget_sources(run),
                                                 prices=labels.prices(run.manifest.get("price_level", {})))
        _account_sheet(sheet, formats, labels, [KRONER.table] * len(table), table,
                       f"{labels.word('budget')} – {run_name(run, labels)}", note)
    if len(run.variants) > 1:
        sheet = book.add_worksheet(sheet_name(f"{labels.word('difference')} {run.baseline}", taken))
        _difference_sheet(sheet, formats, labels, run, comparison, present)
    plain = [
        ("published", run.tables["references"], set()),
        *((("sensitivity_sheet", workbook_table(run, labels), set()),
           ("sensitivity_answers_sheet", run.tables["sensitivity_answers"], set()))
          if has_sensitivity(run) else ()),
        ("parameters", _in_words_of(parameter_table(run).drop(columns="differs"), labels),
         {"meaning", "source", "origin"}),
        ("timeline", timeline_table(run), {"note"}),
        ("manifest", pd.DataFrame(flatten(run.manifest), columns=["field", "value"]), {"value"}),
    ]
    for word, table, wide in plain:
        if len(table):  # a run without published figures or dated decisions gets no empty sheet
            sheet = book.add_worksheet(sheet_name(labels.word(word), taken))
            _plain_sheet(sheet, formats, labels, table, wide)
    book.close()


def _in_words_of(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """The parameter table with its units, and the meanings :mod:`sim.output.meanings` has, in Danish."""
    meanings = [meaning(path, text, labels)
                for path, text in zip(table["path"], table["meaning"], strict=True)]
    return in_units_of(table, labels).assign(meaning=meanings)


def _level_note(run: Run, labels: Labels) -> str:
    return (f"{labels.word('median')} {labels.word('and_interval')} – {run.manifest['replications']} "
            f"{labels.word('replications').lower()}; {labels.uncertainty(run.manifest['uncertainty'])}; "
            f"{labels.prices(run.manifest.get('price_level', {}))}")


def _summary_sheet(sheet: Any, book: xlsxwriter.Workbook, formats: _Formats, labels: Labels,
                   run: Run) -> None:
    """What a planner reads first: the headline tiles, the verdicts and the spend over the period.

    The tiles and the sentences are the report's own (:func:`headline_tiles`,
    :func:`key_answers` of the kinds in :data:`VERDICT_KINDS`); the table of
    the period and the chart are read off the run's tables in the accounts'
    unit (1,000 kr).
    """
    from .page import key_answers  # the page imports jinja2, which the workbook alone does not need

    sheet.write(0, 0, f"{labels.word('summary_sheet')} – {run_name(run, labels)}", formats.title)
    sheet.write(1, 0, f"{labels.word('experiment_title')}: {run.title}", formats.note)
    sheet.write(2, 0, _level_note(run, labels), formats.note)
    row = 4
    tiles = headline_tiles(run, labels)
    if tiles:
        sheet.write(row, 0, labels.word("headline"), formats.subheading)
        for column, word in enumerate(("title_column", "value", "uncertainty")):
            sheet.write(row + 1, column, labels.word(word), formats.header)
        for i, tile in enumerate(tiles, row + 2):
            sheet.write_row(i, 0, (tile.title, tile.value, tile.detail), formats.wrap)
        row += len(tiles) + 3
    answers = [answer for answer in key_answers(run, labels) if answer.kind in VERDICT_KINDS]
    if answers:
        sheet.write(row, 0, labels.word("verdicts"), formats.subheading)
        for i, answer in enumerate(answers, row + 1):
            sheet.merge_range(i, 0, i, 8, answer.text, formats.wrap)
            sheet.set_row(i, 45)
        row += len(answers) + 2
    outcome = headline_spend(run.outcomes)
    if outcome is not None:
        row = _period_table(sheet, formats, labels, run, outcome, row)
        if len(run.variants) > 1:
            _difference_chart(sheet, book, formats, labels, run, outcome, row + 1)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 44)
    sheet.set_column(3, 30, 12)


def _period_table(sheet: Any, formats: _Formats, labels: Labels, run: Run, headline: str, row: int) -> int:
    """Per variant and spend item: each year's median, the period's total, and the paired total difference.

    The headline spend first, then the accounts' levels. Returns the row below the table.
    """
    display = KRONER.table
    unit = display.unit_word(labels)
    first, last = run.first_year, run.last_year
    years = list(range(first, last + 1))
    summary, totals, differences = (run.tables[name] for name in ("summary", "period_summary",
                                                                  "period_comparison"))
    spends = [outcome for layout in layouts(set(summary["outcome"])) if layout.key == "spend"
              for _, outcome in layout.rows]
    items = [headline, *(outcome for outcome in spends if outcome != headline)]
    sheet.write(row, 0, labels.word("period_totals").format(unit=unit), formats.subheading)
    sheet.write(row + 1, 0, labels.word("period_totals_note").format(baseline=run.baseline), formats.note)
    period = labels.word("period_total").format(first=first, last=last)
    difference = labels.word("difference_column").format(baseline=run.baseline, first=first, last=last)
    header = [labels.word("variant"), labels.word("row"), labels.word("unit"),
              *(f"{year}, {labels.word('median')}" for year in years),
              *(f"{period}, {labels.word(stat)}" for stat in ("median", "p5", "p95")),
              *(f"{difference}, {labels.word(stat)}" for stat in ("median", "p5", "p95")),
              labels.word("p_saving")]
    head = row + 2
    sheet.set_row(head, 48)
    for column, text in enumerate(header):
        sheet.write(head, column, text, formats.header)
    number = formats.numbers[display.decimals]

    def found(table: pd.DataFrame, variant: str, outcome: str, year: int) -> pd.Series | None:
        rows = table[(table["scenario"] == variant) & (table["outcome"] == outcome) & (table["year"] == year)]
        return None if rows.empty else rows.iloc[0]

    row = head + 1
    for variant in run.variants:
        for outcome in items:
            sheet.write_row(row, 0, (variant, outcome_label(outcome, labels), unit), formats.text)
            cells: list[tuple[float | None, Any]] = []
            for year in years:
                yearly = found(summary, variant, outcome, year)
                cells.append((None if yearly is None else yearly["median"] / display.divisor, number))
            total = found(totals, variant, outcome, last)
            cells += [(None if total is None else total[stat] / display.divisor, number)
                      for stat in ("median", "p5", "p95")]
            paired = found(differences, variant, outcome, last) if variant != run.baseline else None
            cells += [(None if paired is None else paired[stat] / display.divisor, number)
                      for stat in ("median", "p5", "p95")]
            cells.append((None if paired is None else paired["p_lower"], formats.probability))
            for column, (value, cell_format) in enumerate(cells, LABEL_COLUMNS):
                if value is None or pd.isna(value):
                    sheet.write_blank(row, column, None, cell_format)
                else:
                    sheet.write_number(row, column, float(value), cell_format)
            row += 1
    return row


def _difference_chart(sheet: Any, book: xlsxwriter.Workbook, formats: _Formats, labels: Labels, run: Run,
                      outcome: str, row: int) -> None:
    """A line chart of ``outcome``'s paired difference per year: per variant the median, p5 and p95.

    Its figures (1,000 kr) stand in a small table beside it, from which
    Excel draws it, so the chart stays live when the planner edits them.
    """
    display = KRONER.table
    unit = display.unit_word(labels)
    comparison = run.tables["comparison"]
    mine = comparison[comparison["outcome"] == outcome]
    years = sorted(int(year) for year in mine["year"].unique())
    variants = [variant for variant in run.variants[1:] if (mine["scenario"] == variant).any()]
    if not years or not variants:
        return
    name = outcome_label(outcome, labels)
    sheet.write(row, 0, labels.word("difference_chart_data").format(outcome=name, baseline=run.baseline,
                                                                       unit=unit), formats.subheading)
    head = row + 1
    sheet.write(head, 0, labels.word("year"), formats.header)
    stats = ("median", "p5", "p95")
    for i, (variant, stat) in enumerate((v, s) for v in variants for s in stats):
        sheet.write(head, 1 + i, f"{variant}, {labels.word(stat)}", formats.header)
    by_key = mine.set_index(["scenario", "year"])
    for r, year in enumerate(years, head + 1):
        sheet.write_number(r, 0, year)
        for i, (variant, stat) in enumerate((v, s) for v in variants for s in stats):
            if (variant, year) in by_key.index:
                sheet.write_number(r, 1 + i, float(by_key.loc[(variant, year), stat]) / display.divisor,
                                   formats.numbers[display.decimals])
    chart = book.add_chart({"type": "line"})
    palette = ("#1F4E79", "#C55A11", "#548235", "#7030A0", "#BF9000", "#2E75B6")
    last = head + len(years)
    for v in range(len(variants)):
        colour = palette[v % len(palette)]
        for s, stat in enumerate(stats):
            column = 1 + v * len(stats) + s
            median = stat == "median"
            line = {"color": colour, "width": 2.25} if median else {"color": colour, "width": 1,
                                                                   "dash_type": "dash"}
            marker = {"type": "circle", "size": 5, "fill": {"color": colour}, "border": {"color": colour}}
            chart.add_series({
                "name": [sheet.name, head, column], "categories": [sheet.name, head + 1, 0, last, 0],
                "values": [sheet.name, head + 1, column, last, column], "line": line,
                "marker": marker if median else {"type": "none"},
            })
    chart.set_title({"name": labels.word("difference_chart").format(outcome=name, baseline=run.baseline,
                                                                     unit=unit),
                     "name_font": {"size": 12}})
    chart.set_x_axis({"name": labels.word("year")})
    chart.set_y_axis({"name": unit, "major_gridlines": {"visible": True, "line": {"color": "#DDDDDD"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    sheet.insert_chart(head, 2 + len(variants) * len(stats), chart)


def _account_sheet(sheet: Any, formats: _Formats, labels: Labels, displays: list[Display],
                   table: pd.DataFrame, title: str, note: str) -> None:
    """One account table: a block of rows per variant, per year the statistics side by side.

    ``displays`` gives each row's unit and number format.
    """
    stats = list(dict.fromkeys(table.columns.get_level_values(1)))
    years = list(dict.fromkeys(table.columns.get_level_values(0)))
    sheet.write(0, 0, title, formats.title)
    sheet.write(1, 0, note, formats.note)
    for column, word in enumerate(("variant", "row", "unit")):
        sheet.write(3, column, labels.word(word), formats.header)
    for i, year in enumerate(years):
        first = LABEL_COLUMNS + i * len(stats)
        sheet.merge_range(2, first, 2, first + len(stats) - 1, year, formats.year)
        for j, stat in enumerate(stats):
            sheet.write(3, first + j, labels.column(stat), formats.header)
    for r, ((variant, item), display) in enumerate(zip(table.index, displays, strict=True)):
        row = HEADER_ROWS + r
        sheet.write(row, 0, variant, formats.text)
        sheet.write(row, 1, item, formats.text)
        sheet.write(row, 2, display.unit_word(labels), formats.text)
        number = formats.numbers[display.decimals]
        for c, value in enumerate(table.iloc[r].to_numpy()):
            cell_format = formats.probability if stats[c % len(stats)] in PROBABILITIES else number
            if pd.isna(value):
                sheet.write_blank(row, LABEL_COLUMNS + c, None, cell_format)
            else:
                sheet.write_number(row, LABEL_COLUMNS + c, float(value), cell_format)
    sheet.freeze_panes(HEADER_ROWS, LABEL_COLUMNS)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 42)
    sheet.set_column(2, 2, 12)
    sheet.set_column(LABEL_COLUMNS, LABEL_COLUMNS + len(years) * len(stats), 10)


def _difference_sheet(sheet: Any, formats: _Formats, labels: Labels, run: Run, comparison: pd.DataFrame,
                      present: set[str]) -> None:
    """Every account table's paired differences from the baseline, one after the other."""
    variants = [variant for variant in run.variants if variant != run.baseline]
    parts, displays = [], []
    for layout in layouts(present):
        table = account_table(comparison, layout, variants, labels, DIFFERENCE_STATS)
        parts.append(table)
        displays += [describe(outcome).table for outcome in layout.outcome_per_row(variants)]
    table = pd.concat(parts)
    title = f"{labels.word('paired')} {run.baseline!r} ({labels.word('variant').lower()} − {run.baseline})"
    _account_sheet(sheet, formats, labels, displays, table, title,
                   f"{labels.word('p_lower')}: {labels.word('p_lower_note')}")


def _plain_sheet(sheet: Any, formats: _Formats, labels: Labels, table: pd.DataFrame,
                 wide_columns: set[str] = frozenset()) -> None:
    """A table as it is: a frozen header row in the report's language, numbers as numbers, text as text."""
    for c, name in enumerate(table.columns):
        sheet.write(0, c, labels.column(str(name)), formats.header)
        sheet.set_column(c, c, 60 if name in wide_columns else 16)
    for r, values in enumerate(table.itertuples(index=False), start=1):
        for c, value in enumerate(values):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                shown = formats.probability if table.columns[c] in PROBABILITIES else \
                    formats.numbers[0 if float(value).is_integer() else 2]
                sheet.write_number(r, c, float(value), shown)
            else:
                sheet.write_string(r, c, str(value), formats.wrap if table.columns[c] in wide_columns
                                   else formats.text)
    sheet.freeze_panes(1, 0)


def flatten(manifest: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``manifest`` as (dotted field, text) pairs.

    The recorded scenarios are left out (the parameter sheet shows them);
    the experiment file's text is kept.
    """
    pairs = []
    for key, value in manifest.items():
        field = f"{prefix}{key}"
        if field == "inputs.scenarios":
            continue
        if isinstance(value, dict):
            pairs += flatten(value, field + ".")
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            pairs += [(f"{field}.{i}", json.dumps(item, ensure_ascii=False)) for i, item in enumerate(value)]
        else:
            pairs.append((field, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    return pairs
