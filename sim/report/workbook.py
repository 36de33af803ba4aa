"""The run as an Excel workbook laid out as the municipal accounts are.

One sheet per account table (items down, years across, median and 90%
interval side by side, a block per variant), one with the paired
differences from the baseline, the published figures where the experiment
has them, the parameters with their sources, the dated decisions, and the
manifest. Every figure is a number cell with a number format, never text,
so a planner can sum and chart it; headers are frozen and carry the units.
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

from ..montecarlo.registry import KRONER, Display, describe
from ..output.words import Labels
from .accounts import DIFFERENCE_STATS, account_table, layouts
from .assumptions import in_units_of, parameter_table, timeline_table
from .budget import budget_layout, budget_sources, has_budget
from .plan import has_plan, plan_table, verdict
from .run import Run
from .sensitivity import has_sensitivity, workbook_table

HEADER_ROWS = 4
"""Title, note, year row and statistic row above the first figure of an account sheet."""
LABEL_COLUMNS = 3
"""Variant, item and unit left of the figures."""
PROBABILITIES = ("p_lower", "p_overspend")
"""Statistics written as a probability (0.00), not in the row's unit."""


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
        self.probability = book.add_format({"num_format": "0.00"})


def write_workbook(run: Run, labels: Labels, target: Path | BinaryIO) -> None:
    """Write the workbook of ``run`` in ``labels``' language to ``target``, a new file or a buffer."""
    book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target), {"in_memory": True})
    formats = _Formats(book)
    taken: set[str] = set()
    summary, comparison = run.tables["summary"], run.tables["comparison"]
    present = set(summary["outcome"])
    for layout in layouts(present):
        table = account_table(summary, layout, run.variants, labels)
        sheet = book.add_worksheet(sheet_name(labels.heading(layout.heading), taken))
        title = f"{labels.heading(layout.heading)} – {run.title}"
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
                       f"{labels.word('budget')} – {run.title}", note)
    if len(run.variants) > 1:
        sheet = book.add_worksheet(sheet_name(f"{labels.word('difference')} {run.baseline}", taken))
        _difference_sheet(sheet, formats, labels, run, comparison, present)
    plain = [
        ("published", run.tables["references"], set()),
        *((("sensitivity_sheet", workbook_table(run, labels), set()),
           ("sensitivity_answers_sheet", run.tables["sensitivity_answers"], set()))
          if has_sensitivity(run) else ()),
        ("parameters", in_units_of(parameter_table(run).drop(columns="differs"), labels),
         {"meaning", "source", "origin"}),
        ("timeline", timeline_table(run), {"note"}),
        ("manifest", pd.DataFrame(flatten(run.manifest), columns=["field", "value"]), {"value"}),
    ]
    for word, table, wide in plain:
        if len(table):  # a run without published figures or dated decisions gets no empty sheet
            sheet = book.add_worksheet(sheet_name(labels.word(word), taken))
            _plain_sheet(sheet, formats, labels, table, wide)
    book.close()


def _level_note(run: Run, labels: Labels) -> str:
    return (f"{labels.word('median')} {labels.word('and_interval')} – {run.manifest['replications']} "
            f"{labels.word('replications').lower()}; {labels.uncertainty(run.manifest['uncertainty'])}; "
            f"{labels.prices(run.manifest.get('price_level', {}))}")


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
                sheet.write_number(r, c, float(value), formats.numbers[0 if float(value).is_integer() else 2])
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
