"""The glossary cannot drift from the code: every name in its `In the code` column must exist in sim/."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

import sim
from sim.montecarlo.outcomes import outcome_names
from sim.scenario.parameters import parameters

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
COLUMNS = ["Danish", "English", "In the code", "Meaning"]


def cells(line: str) -> list[str]:
    """The cells of one Markdown table row, stripped."""
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def glossary() -> list[dict[str, str]]:
    """The rows of the glossary's table, as column -> cell."""
    lines = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert lines and cells(lines[0]) == COLUMNS, f"the table's header must be {COLUMNS}"
    assert set(lines[1]) <= set("|-: "), "the second line of the table must be its separator"
    return [dict(zip(COLUMNS, cells(line), strict=True)) for line in lines[2:]]


def code_names(row: dict[str, str]) -> list[str]:
    """The backticked names of a row's `In the code` cell."""
    return re.findall(r"`([^`]+)`", row["In the code"])


@cache
def source_text() -> str:
    """The text of every file under sim/: modules, embedded scenarios, report templates."""
    files = (p for p in (ROOT / "sim").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(files))


@cache
def known() -> tuple[frozenset[str], frozenset[str], dict[str, frozenset[str]]]:
    """The default scenario's parameter paths, its outcome names, and each table's columns."""
    scenario = sim.load_scenario("ballerup_2017")
    result = sim.run(scenario, years=1, seed=0)
    columns = {table: frozenset(getattr(result, table).columns) for table in sim.TABLES}
    return frozenset(p.path for p in parameters(scenario)), frozenset(outcome_names(scenario)), columns


def is_module(name: str) -> bool:
    try:
        return name.startswith("sim.") and importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def exists(name: str) -> bool:
    """Whether ``name`` is a module, a parameter path, an outcome, a table's column or a word in sim/."""
    paths, outcomes, columns = known()
    table, _, column = name.partition(".")
    if is_module(name) or name in paths or name in outcomes or column in columns.get(table, ()):
        return True
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", source_text()) is not None


def test_the_glossary_is_one_table_with_a_code_name_in_every_row():
    rows = glossary()
    assert len(rows) >= 50
    empty = [row["Danish"] for row in rows if not all(row.values()) or not code_names(row)]
    assert not empty, f"rows without a cell or without a name in backticks: {empty}"
    for term in ("underretning", "børnefaglig undersøgelse", "indsatstrappen", "helårsperson", "efterværn"):
        assert any(term in row["Danish"] for row in rows), term


def test_every_name_in_the_glossary_exists_in_the_code():
    missing = sorted({name for row in glossary() for name in code_names(row) if not exists(name)})
    assert not missing, f"docs/glossary.md names what sim/ does not have: {missing}"


@pytest.mark.parametrize("name", [
    "foster_family", "sim.model.investigation", "caseworkers.count", "full_year_persons.placement",
    "budget_frame.spend_kr", "OPEN_CASE_STATES",
])
def test_a_real_name_is_found(name):
    assert exists(name)


@pytest.mark.parametrize("name", [
    "foster_famly", "sim.model.investigaton", "caseworkers.cont", "full_year_persons.placment",
    "budget_frame.spend", "network_foster_familiy",
])
def test_a_misspelt_or_partial_name_is_not_found(name):
    assert not exists(name)
