"""The scenario as an Excel template: written from a scenario, filled in from the accounts, read back.

A planner who lives in Excel downloads the template of a scenario (the
embedded default, say), types the municipality's own figures into the
``value`` column (and a ``source`` saying where each comes from), and
uploads it. The template holds one row per number of the scenario: path,
meaning, unit, value, low and high end of an assumption's range, source.
Reading it back gives the data of a scenario file extending the template's
base, so the scenario format checks it exactly as it checks a TOML file.
Mixes (shares that must sum to 1) and decisions from a date stay those of
the base; the app's levers set the latter.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import Problem, ScenarioError
from ..scenario import Scenario
from ..scenario.parameters import parameters
from ..scenario.paths import put
from ..scenario.quantities import Quantity

PARAMETERS = "parameters"
SCENARIO = "scenario"
COLUMNS = ("path", "meaning", "unit", "value", "low", "high", "source")
"""The columns of the parameters sheet, in order; ``low`` and ``high`` are empty for a published figure."""
SCENARIO_KEYS = ("extends", "name", "title")
"""The rows of the scenario sheet: the base it extends, the new scenario's name and title."""


def write_template(scenario: Scenario, base: str) -> bytes:
    """The template of ``scenario`` (which files extend as ``base``), as the bytes of an .xlsx file."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    head = book.add_worksheet(SCENARIO)
    head.write_row(0, 0, ["key", "value"], bold)
    for row, (key, value) in enumerate(zip(SCENARIO_KEYS, (base, f"{scenario.name}_own",
                                                            scenario.scenario.title), strict=True), 1):
        head.write_row(row, 0, [key, value])
    head.write(5, 0, "Fill in the sheet 'parameters': value (and low and high for an assumption) and "
                     "source. Leave path as it is. / Udfyld arket 'parameters': value (og low og high for en "
                     "antagelse) og source. Lad path stå.")
    head.set_column(0, 0, 12)
    head.set_column(1, 1, 40)
    sheet = book.add_worksheet(PARAMETERS)
    sheet.write_row(0, 0, COLUMNS, bold)
    for row, parameter in enumerate(_numbers(scenario), 1):
        quantity = parameter.value
        low, high = quantity.range if quantity.range is not None else ("", "")
        sheet.write_row(row, 0, [parameter.path, parameter.meaning, parameter.unit, quantity.value, low, high,
                                 quantity.source])
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, row, len(COLUMNS) - 1)
    for column, width in enumerate((42, 60, 16, 12, 10, 10, 60)):
        sheet.set_column(column, column, width)
    book.close()
    return buffer.getvalue()


def _numbers(scenario: Scenario) -> list[Any]:
    """The parameters of ``scenario`` that are single numbers (figures and assumptions, not mixes)."""
    return [p for p in parameters(scenario) if isinstance(p.value, Quantity)]


def read_template(label: str, data: bytes) -> dict[str, Any]:
    """The scenario file data of a filled-in template; ``label`` names the file in every problem.

    Raises :class:`ScenarioError` listing every cell that cannot be read (a
    sheet or column missing, a value that is not a number). Whether the
    numbers are allowed is for the scenario format to say when it is loaded.
    """
    import openpyxl

    def refuse(problems: list[Problem]) -> ScenarioError:
        return ScenarioError(problems, f"cannot read the template {label}")

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise refuse([Problem(label, "", f"is not an Excel workbook (.xlsx): {type(error).__name__}")]) \
            from None
    missing = [name for name in (SCENARIO, PARAMETERS) if name not in book.sheetnames]
    if missing:
        raise refuse([Problem(label, "", f"has no sheet {name!r}; start from the template the app offers")
                      for name in missing])
    problems: list[Problem] = []
    info = {str(row[0]): row[1] for row in book[SCENARIO].iter_rows(min_row=2, max_col=2, values_only=True)
            if row[0] in SCENARIO_KEYS and row[1] not in (None, "")}
    if "extends" not in info:
        problems.append(Problem(label, "scenario.extends", "is required: the scenario the template extends"))
    rows = list(book[PARAMETERS].iter_rows(values_only=True))
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]] if rows else []
    absent = [name for name in COLUMNS if name not in header]
    if absent:
        raise refuse([*problems, Problem(label, PARAMETERS, f"lacks the columns {absent}", header)])
    at = {name: header.index(name) for name in COLUMNS}
    result: dict[str, Any] = {"scenario": dict(info)}
    for number, row in enumerate(rows[1:], 2):
        path = row[at["path"]]
        if path in (None, ""):
            continue
        where = f"{PARAMETERS} row {number} ({path})"
        entry: dict[str, Any] = {}
        for column in ("value", "low", "high"):
            cell = row[at[column]]
            if cell in (None, "") and column != "value":
                continue
            if isinstance(cell, bool) or not isinstance(cell, int | float):
                problems.append(Problem(label, where, f"{column} must be a number", cell))
                continue
            entry[column] = int(cell) if isinstance(cell, float) and cell.is_integer() else cell
        if ("low" in entry) != ("high" in entry):
            problems.append(Problem(label, where,
                                    "give both low and high (an assumption's range), or neither"))
        source = row[at["source"]]
        quantity: dict[str, Any] = {"value": entry.get("value"), "source": str(source or "")}
        if "low" in entry and "high" in entry:
            quantity["range"] = [entry["low"], entry["high"]]
        put(result, str(path), quantity)
    if problems:
        raise refuse(problems)
    return result

