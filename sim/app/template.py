"""The scenario as an Excel template: written from a scenario, filled in from the accounts, read back.

A planner who lives in Excel downloads a template, types the municipality's
own figures into the ``value`` column (and a ``source`` saying where each
comes from), and uploads it. The template starts from the population: the
``scenario`` sheet holds the name, the start date and the municipality's
children aged 0-22, from which the national profile gives every value the
planner leaves empty. The ``parameters`` sheet then lists the figures a
municipality has (notifications, caseload or caseworkers, placements by
type, persons at 31 December, prices, places) before every other number,
and beside each the value that will be used and where it comes from
(:attr:`sim.scenario.provenance.Origin.origin`) for the scenario as the
template stands when written.

A template either extends a scenario (``extends``: its values are in use
where the planner types nothing) or holds the values of its scenario's files
itself, with the national profile under them. Reading it back gives the
data of a scenario file, checked as the scenario format checks a TOML file.
A value typed where the extended scenario's timeline sets another from a
date is refused: the planner's figure would give way to the decision
without a word. Mixes (shares that must sum to 1) and decisions from a date
are not in the template; the app's levers set the latter.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import itertools
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem, ScenarioError
from ..output.meanings import meaning
from ..output.words import LANGUAGES, Labels
from ..report.workbook import WORKBOOK_OPTIONS
from ..scenario import Scenario, extend_scenario, load_scenario
from ..scenario.parameters import parameters
from ..scenario.paths import put
from ..scenario.provenance import origins
from ..scenario.quantities import Quantity
from ..scenario.schema import Caseworkers

PARAMETERS = "parameters"
SCENARIO = "scenario"
COLUMNS = ("path", "meaning", "unit", "value", "low", "high", "source", "in_use", "origin", "in_use_source")
"""The columns of the parameters sheet, in order. The planner fills ``value``, ``low`` and ``high`` (an
assumption's range) and ``source``; ``in_use``, ``origin`` and ``in_use_source`` say what is used where
they are empty."""
FILLED = ("path", "value", "low", "high", "source")
"""The columns read back."""
SCENARIO_COLUMNS = ("key", "value", "in_use", "meaning")
SCENARIO_KEYS = {
    "extends": "scenario.extends", "name": "scenario.name", "title": "scenario.title",
    "start_date": "scenario.start_date", "municipality": "municipality.name",
    "children_0_22": "municipality.children_0_22",
}
"""The rows of the scenario sheet and where they go in the scenario file: the base it extends (or none),
the new scenario's name and title, its start date, and the municipality with its children aged 0-22."""
FIGURES = ("population.children", "notification.per_year", "caseworkers.caseload", "caseworkers.count",
           "caseworkers.salary_per_year", "initial.placements.*", "initial.*",
           "small_children_special.persons_at_start", "*.price_per_year", "*.price_per_place_year",
           "services.*.places")
"""The figures a municipality has, in the order the parameters sheet lists them first."""
CASELOAD = "caseworkers.caseload"
HEADER_WORDS = {"path": "parameter", "in_use_source": "in_use_source"}
"""The word a column's header is written with where it is not the column's own name (:data:`COLUMNS`)."""
ORIGINS = {"this file": "origin_this_file", "extended": "origin_extended",
           "national scaled": "origin_national_scaled", "national default": "origin_national_default",
           "derived": "origin_derived"}
"""The word of each kind of origin (:mod:`sim.scenario.provenance`)."""


def header(column: str, labels: Labels) -> str:
    """The header of a template column in ``labels``' language: the name itself in English.

    The English template keeps the names the scenario format uses; the
    Danish one writes them in Danish. Either is read back (:func:`read_template`).
    """
    return column if labels.lang == "en" else labels.column(HEADER_WORDS.get(column, column))


def write_template(scenario: Scenario, base: str, lang: str = "en") -> bytes:
    """The template of ``scenario`` in ``lang``, as the bytes of an .xlsx file.

    With ``base`` (how files name ``scenario``) the template extends it and
    its value cells are empty: what ``scenario`` gives is in use. With
    ``base`` empty it holds the values ``scenario``'s files set, and the
    national profile gives the rest. In Danish the headers, the notes, the
    units, the kinds of origin and the meanings of the municipality's
    figures and the decisions are Danish (:mod:`sim.output.meanings`); the
    sheet names, the parameters' paths and the sources stand as written.
    """
    import xlsxwriter

    own = not base
    labels = Labels(lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    head = book.add_worksheet(SCENARIO)
    head.write_row(0, 0, [header(column, labels) for column in SCENARIO_COLUMNS], bold)
    municipality = scenario.municipality
    in_use = {"extends": "", "name": scenario.name, "title": scenario.scenario.title,
              "start_date": scenario.scenario.start_date,
              "municipality": municipality.name if municipality else "",
              "children_0_22": municipality.children_0_22 if municipality else ""}
    given = {**in_use, "extends": base, "name": scenario.name if own else f"{scenario.name}_own"}
    for row, key in enumerate(SCENARIO_KEYS, 1):
        head.write(row, 0, key)
        for column, value in ((1, given[key] if own or key in ("extends", "name", "title") else ""),
                              (2, in_use[key])):
            head.write_datetime(row, column, dt.datetime.combine(value, dt.time()), date) \
                if isinstance(value, dt.date) else head.write(row, column, value)
        head.write(row, 3, labels.word(f"template_{key}"))
    head.write(len(SCENARIO_KEYS) + 2, 0, labels.word("template_note"))
    for column, width in enumerate((16, 40, 40, 100)):
        head.set_column(column, column, width)
    sheet = book.add_worksheet(PARAMETERS)
    sheet.write_row(0, 0, [header(column, labels) for column in COLUMNS], bold)
    rows = _rows(scenario, own, labels)
    for row, cells in enumerate(rows, 1):
        sheet.write_row(row, 0, cells)
    sheet.freeze_panes(1, 1)
    sheet.autofilter(0, 0, len(rows), len(COLUMNS) - 1)
    for column, width in enumerate((42, 60, 16, 12, 10, 10, 40, 12, 40, 60)):
        sheet.set_column(column, column, width)
    book.close()
    return buffer.getvalue()


def _rows(scenario: Scenario, own: bool, labels: Labels) -> list[list[Any]]:
    """A row per single number of ``scenario`` (not mixes): the municipality's figures first.

    The value cells hold what the template itself sets (the files' values
    when it extends nothing); the origin is the template's (the values of
    the scenario it extends are ``extended``). With a municipality the
    population is the scenario sheet's ``children_0_22``, not a row here.
    Meaning, unit and origin are in ``labels``' language.
    """
    where = {row.path: row for row in origins(scenario)}
    numbers = [p for p in parameters(scenario) if isinstance(p.value, Quantity)
               and not (p.path == "population.children" and scenario.municipality is not None)]
    rows = []
    for parameter in numbers:
        quantity, origin = parameter.value, where[parameter.path]
        kind = "extended" if origin.kind == "this file" and not own else origin.kind
        word = labels.word(ORIGINS[kind]) if kind in ORIGINS else kind
        shown = f"{word}: {origin.where}" if kind == "extended" else word
        filled = own and kind in ("this file", "extended")
        low, high = quantity.range if quantity.range is not None and filled else ("", "")
        rows.append([parameter.path, meaning(parameter.path, parameter.meaning, labels),
                     labels.unit(parameter.unit),
                     quantity.value if filled else "", low, high, quantity.source if filled else "",
                     quantity.value, shown, quantity.source])
    if CASELOAD not in where:  # a caseload may be given instead of the count, which is then derived
        field = Caseworkers.model_fields["caseload"]
        rows.append([CASELOAD, meaning(CASELOAD, field.description, labels),
                     labels.unit(field.json_schema_extra["unit"]), "", "", "", "", "", "", ""])

    def rank(row: list[Any]) -> int:
        return next((i for i, pattern in enumerate(FIGURES) if fnmatch.fnmatchcase(row[0], pattern)),
                    len(FIGURES))

    return sorted(rows, key=rank)


MAX_UNPACKED = 20_000_000
"""Bytes a template workbook may unpack to: the app's own template unpacks to well under 1 MB; a
workbook of 3.6 MB that unpacked to 831 MB once froze the app."""
MAX_ROWS = 5_000
"""Rows of the parameter sheet read at most: the template has one per parameter, about 130."""


def _unpacked_problems(label: str, data: bytes) -> list[Problem]:
    """Why the workbook ``data`` must not be opened: it unpacks to more than :data:`MAX_UNPACKED`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return []  # not a zip: openpyxl says it is no workbook
    if unpacked > MAX_UNPACKED:
        return [Problem(label, "", f"unpacks to {unpacked:,} bytes; a filled-in template is well under "
                                   f"{MAX_UNPACKED:,}")]
    return []


def read_template(label: str, data: bytes, locate: Callable[[str], str | Path] = str) -> dict[str, Any]:
    """The scenario file data of a filled-in template; ``label`` names the file in every problem.

    ``locate`` turns the template's ``extends`` into what
    :func:`~sim.scenario.extend_scenario` takes, raising
    :class:`InputError` for a scenario it does not know. Raises
    :class:`ScenarioError` listing every problem at once: a sheet or column
    missing, a cell that cannot be read, a value the scenario format does
    not allow (named by its cell), and a value the extended scenario's
    timeline would override from a date.
    """
    import openpyxl

    def refuse(problems: list[Problem]) -> ScenarioError:
        return ScenarioError(problems, f"cannot read the template {label}")

    if problems := _unpacked_problems(label, data):
        raise refuse(problems)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise refuse([Problem(label, "", f"is not an Excel workbook (.xlsx): {type(error).__name__}")]) \
            from None
    missing = [name for name in (SCENARIO, PARAMETERS) if name not in book.sheetnames]
    if missing:
        raise refuse([Problem(label, "", f"has no sheet {name!r}; start from the template the app offers")
                      for name in missing])
    result: dict[str, Any] = {}
    cells: dict[str, tuple[str, Any]] = {}  # scenario path -> (the cell, as problems name it; its value)
    problems = _read_scenario_sheet(book[SCENARIO], label, result, cells)
    rows = list(itertools.islice(book[PARAMETERS].iter_rows(values_only=True), MAX_ROWS + 1))
    if len(rows) > MAX_ROWS:
        raise refuse([*problems, Problem(label, PARAMETERS, f"has more than {MAX_ROWS:,} rows; the "
                                         "template has one per parameter")])
    named = {header(column, Labels(lang)): column for lang in LANGUAGES for column in COLUMNS}
    header_row = [named.get(str(cell).strip(), str(cell).strip()) if cell is not None else ""
                  for cell in rows[0]] if rows else []
    absent = [name for name in FILLED if name not in header_row]
    if absent:
        raise refuse([*problems, Problem(label, PARAMETERS, f"lacks the columns {absent}", header_row)])
    at = {name: header_row.index(name) for name in FILLED}
    for number, row in enumerate(rows[1:], 2):
        path = row[at["path"]]
        if path in (None, "") or all(row[at[c]] in (None, "") for c in FILLED[1:]):
            continue  # not set: what the scenario it extends or the national profile gives is used
        where = f"{PARAMETERS} row {number} ({path})"
        problems += _read_row(label, where, {c: row[at[c]] for c in FILLED[1:]}, result, str(path))
        cells[str(path)] = (where, row[at["value"]])
    base = result.get("scenario", {}).pop("extends", None)
    problems += _checked(label, base, locate, result, cells)
    if problems:
        raise refuse(problems)
    if base is not None:
        result["scenario"] = {"extends": base, **result["scenario"]}
    return result


def _read_scenario_sheet(sheet: Any, label: str, result: dict[str, Any],
                         cells: dict[str, tuple[str, Any]]) -> list[Problem]:
    """The scenario sheet's values put into ``result``; the problems of those that cannot be read."""
    problems = []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=2, values_only=True), 2):
        key, value = row if len(row) == 2 else (*row, None)
        if key not in SCENARIO_KEYS or value in (None, ""):
            continue
        path = SCENARIO_KEYS[key]
        where = f"{SCENARIO} row {number} ({key})"
        if key == "start_date":
            value = _date(value)
            if value is None:
                problems.append(Problem(label, where, "must be a date (YYYY-MM-DD)", row[1]))
                continue
        elif key == "children_0_22":
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                problems.append(Problem(label, where, "must be a whole number of children aged 0-22", value))
                continue
            value = int(value)
        else:
            value = str(value)
        put(result, path, value)
        cells[path] = (where, value)
    return problems


def _date(value: Any) -> dt.date | None:
    """A date cell (Excel gives a datetime) or a date written as text; None when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _read_row(label: str, where: str, row: dict[str, Any], result: dict[str, Any], path: str
              ) -> list[Problem]:
    """One filled row of the parameters sheet put into ``result``; the problems of its cells."""
    problems = []
    entry: dict[str, Any] = {}
    for column in ("value", "low", "high"):
        cell = row[column]
        if cell in (None, "") and column != "value":
            continue
        if cell in (None, ""):
            problems.append(Problem(label, where, "a range or source needs its value: give the value, or "
                                                  "empty the row to keep the value in use"))
        elif isinstance(cell, bool) or not isinstance(cell, int | float):
            problems.append(Problem(label, where, f"{column} must be a number", cell))
        else:
            entry[column] = int(cell) if isinstance(cell, float) and cell.is_integer() else cell
    if (row["low"] in (None, "")) != (row["high"] in (None, "")):
        problems.append(Problem(label, where, "give both low and high (an assumption's range), or neither"))
    if problems:
        return problems
    quantity: dict[str, Any] = {"value": entry["value"], "source": str(row["source"] or f"set in {label}")}
    if "low" in entry and "high" in entry:
        quantity["range"] = [entry["low"], entry["high"]]
    put(result, path, quantity)
    return []


def _checked(label: str, base: str | None, locate: Callable[[str], str | Path], result: dict[str, Any],
             cells: dict[str, tuple[str, Any]]) -> list[Problem]:
    """The problems of the template's scenario, each named by its cell where it has one.

    They are the scenario format's problems, and one per value typed where
    the extended scenario's timeline sets another from a date (in force
    from the start when dated before it).
    """
    located: str | Path | None = None
    if base is not None:
        try:
            located = locate(base)
            extended = load_scenario(located)
        except InputError as error:
            return [Problem(label, f"{SCENARIO} (extends)", f"cannot be loaded: {error.problems[0]}", base)]
    problems = []
    if located is not None:
        start = result.get("scenario", {}).get("start_date", extended.scenario.start_date)
        for change, file in zip(extended.timeline, extended.timeline_files, strict=True):
            if change.path not in cells or cells[change.path][1] == change.value:
                continue
            where, value = cells[change.path]
            when = (f"from its start ({start}), so the value typed is never used" if change.date <= start
                    else f"from {change.date}, so the value typed holds only until then")
            problems.append(Problem(label, where, (
                f"the timeline of {file} sets {change.path} = {change.value:g} {when}; empty the cell and "
                "set the decision from a date with the app's levers, or extend a scenario without that "
                "decision (or none: the national profile)"), value))
    try:
        extend_scenario(located, result, label)
    except ScenarioError as error:
        problems += [_at_cell(problem, label, cells) for problem in error.problems]
    return problems


def _at_cell(problem: Problem, label: str, cells: dict[str, tuple[str, Any]]) -> Problem:
    """``problem`` named by the template's cell that set its parameter, when it is the template's."""
    if problem.where != label:
        return problem
    path = next((p for p in sorted(cells, key=len, reverse=True)
                 if problem.path == p or problem.path.startswith(f"{p}.")), None)
    if path is None:
        return problem
    return Problem(label, cells[path][0], problem.message, problem.value)


def population_scenario(scenario: Scenario) -> Scenario:
    """The national profile alone for ``scenario``'s children aged 0-22, start date and municipality.

    What the template from the population is written from: nothing of
    ``scenario`` but its size and start, not even its name, so no other
    municipality's figure lies in it.
    """
    return extend_scenario(None, {
        "scenario": {"name": f"{scenario.name}_own", "title": "",
                     "start_date": scenario.scenario.start_date},
        "municipality": {"children_0_22": scenario.population.children.value},
    }, f"the population of {scenario.name}")
