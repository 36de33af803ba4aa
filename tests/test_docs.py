"""The documentation cannot drift from the code: parameters and table columns are all documented."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.scenario.parameters import parameters
from sim.scenario.reference import render

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_parameter_reference_is_generated_from_the_current_schema():
    written = (DOCS / "parameters.md").read_text(encoding="utf-8")
    regenerate = "python -m sim.scenario.reference > docs/parameters.md"
    assert written == render(), f"docs/parameters.md is stale: {regenerate}"


def test_every_parameter_has_a_meaning_and_a_unit(default):
    found = list(parameters(default))
    assert len(found) > 90
    undocumented = [p.path for p in found if not p.meaning.strip() or not p.unit.strip()]
    assert not undocumented, undocumented


def test_every_table_column_is_documented(default_run):
    text = (DOCS / "tables.md").read_text(encoding="utf-8")

    def documented(column: str) -> bool:
        # a column by name, or a family of columns such as `state_<state>`
        return f"`{column}`" in text or any(f"`{column[:i]}<" in text for i in range(1, len(column)))

    for table in sim.TABLES:
        assert f"## `{table}`" in text, table
        missing = [c for c in getattr(default_run, table).columns if not documented(c)]
        assert not missing, (table, missing)
