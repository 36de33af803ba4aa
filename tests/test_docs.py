"""The documentation cannot drift from the code: parameters, columns and outcome names are all documented."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cached_run

import sim
from sim.calibration.targets import ACCOUNT_LEVELS, SECTIONS
from sim.measures import HOME_BASED, NEEDS, PLACEMENT_TYPES
from sim.montecarlo import convergence, paired_differences, run_ensemble
from sim.montecarlo.outcomes import outcome_names, outcomes
from sim.montecarlo.registry import describe
from sim.scenario.messages import unwrap
from sim.scenario.parameters import parameters
from sim.scenario.quantities import Section, Sourced
from sim.scenario.reference import render
from sim.scenario.schema import Scenario

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.unit
def test_parameter_reference_is_generated_from_the_current_schema():
    written = (DOCS / "parameters.md").read_text(encoding="utf-8")
    regenerate = "python -m sim.scenario.reference > docs/parameters.md"
    assert written == render(), f"docs/parameters.md is stale: {regenerate}"


@pytest.mark.unit
def test_every_parameter_has_a_meaning_and_a_unit(default):
    found = list(parameters(default))
    assert len(found) > 90
    undocumented = [p.path for p in found if not p.meaning.strip() or not p.unit.strip()]
    assert not undocumented, undocumented


@pytest.mark.unit
def test_every_table_column_is_documented(default_run):
    text = (DOCS / "tables.md").read_text(encoding="utf-8")

    def documented(column: str) -> bool:
        # a column by name, or a family of columns such as `state_<state>`
        return f"`{column}`" in text or any(f"`{column[:i]}<" in text for i in range(1, len(column)))

    for table in sim.TABLES:
        assert f"## `{table}`" in text, table
        missing = [c for c in getattr(default_run, table).columns if not documented(c)]
        assert not missing, (table, missing)


def sections(text: str) -> dict[str, str]:
    """Heading ``## `name`...`` -> the text under it, up to the next heading of that level."""
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {found.group(1): part for part in parts if (found := re.match(r"`(\w+)`", part))}


def first_cells(section: str) -> set[str]:
    """Every name in backticks in the first cell of the section's table rows."""
    cells = (line.split("|")[1] for line in section.splitlines() if line.startswith("| `"))
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


@pytest.mark.unit
def test_every_monte_carlo_outcome_and_column_is_documented(default):
    text = (DOCS / "montecarlo.md").read_text(encoding="utf-8")
    # what a run gives, and what outcome_names promises (an outcome without a value in a year has no row)
    produced = set(outcomes(cached_run("ballerup_2017", 1, 0))["outcome"]) | set(outcome_names(default))
    names = [line for line in text.split("### Every outcome name")[1].splitlines() if line.startswith("`")]
    listed = set(re.findall(r"`([\w.]+)`", "\n".join(names)))
    assert produced <= listed, f"outcomes missing from docs/montecarlo.md: {sorted(produced - listed)}"
    assert listed <= produced, f"docs/montecarlo.md lists outcomes no run gives: {sorted(listed - produced)}"

    ensemble = run_ensemble(["ballerup_2017", "ballerup_2017_without_extra_staff"], 2, 0, years=1)
    summary = ensemble.summary()
    tables = {
        "outcomes": ensemble.outcomes,
        "draws": ensemble.draws,
        "summary": summary,
        "compare": ensemble.compare(),
        "paired_differences": paired_differences(ensemble.outcomes, ensemble.baseline),
        "convergence": convergence(summary, 0.01),
    }
    found = sections(text)
    for table, frame in tables.items():
        assert table in found, f"docs/montecarlo.md has no section ## `{table}`"
        documented = first_cells(found[table])
        if table == "convergence":  # the columns of its input, then its own
            documented |= first_cells(found["summary"])
        missing = [c for c in frame.columns if c not in documented]
        assert not missing, (table, missing)


@pytest.mark.unit
def test_the_outcome_table_gives_each_outcome_the_unit_of_its_registry_entry():
    text = (DOCS / "montecarlo.md").read_text(encoding="utf-8")
    table = text.split("## The outcomes")[1].split("### Units and labels")[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.splitlines()
            if line.startswith("| `")]
    assert len(rows) > 15
    examples = {"<level>": "placement", "<type>": "own_room", "<service>": "dut", "<cause>": "other",
                "<measure>": "relief_care"}
    for first, unit, *_ in rows:
        for name in re.findall(r"`([^`]+)`", first):
            outcome = re.sub(r"<\w+>", lambda found: examples[found.group(0)], name)
            assert describe(outcome).unit.name == unit, (name, unit)


@pytest.mark.unit
def test_the_flow_page_lists_every_move_a_run_makes(default_run):
    from sim.flowchart import ENTRIES, EXITS, PLACES, transitions
    from sim.measures import STATES

    assert set(PLACES) == {*ENTRIES, *STATES, *EXITS}  # a new state needs its box
    listed = set(re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", (DOCS / "flow.md").read_text(), re.MULTILINE))
    made = set(transitions(default_run)[["from", "to"]].itertuples(index=False, name=None))
    regenerate = "python -m sim.flowchart --figure docs/figures/flow.svg > docs/flow.md"
    assert made <= listed, f"docs/flow.md lacks {sorted(made - listed)}: {regenerate}"
    assert (DOCS / "figures" / "flow.svg").is_file()


@pytest.mark.functional
def test_the_documentation_site_builds_without_a_warning(tmp_path):
    """MkDocs in strict mode: a broken link or anchor, or a page missing from the navigation, fails."""
    pytest.importorskip("mkdocs")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=DOCS.parent, capture_output=True, text=True, env={**os.environ,
                                                                               "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "index.html").is_file() and (tmp_path / "odd" / "index.html").is_file()


@pytest.mark.unit
@pytest.mark.parametrize(("module", "page", "heading", "least", "name"), [
    ("sim.experiments.cli", "experiments.md", "## Flags", 5, "parser"),
    ("sim.region.cli", "region.md", "## Flags", 5, "parser"),
    ("sim.bench", "benchmark.md", "# Benchmark", 5, "parser"),
    ("sim.report.cli", "report.md", "## Flags", 2, "parser"),
    ("sim.app.cli", "app.md", "## Flags", 5, "parser"),
    ("sim.calibration.cli", "calibration.md", "## Flags of sim.calibrate", 12, "calibrate_parser"),
    ("sim.calibration.cli", "calibration.md", "## Flags of sim.validate", 8, "validate_parser"),
])
def test_every_flag_is_in_its_flags_table(module, page, heading, least, name):
    parser = getattr(importlib.import_module(module), name)
    text = (DOCS / page).read_text(encoding="utf-8").split(heading, 1)[1].split("\n## ", 1)[0]
    flags = [a.option_strings[-1] for a in parser()._actions if a.option_strings and a.dest != "help"]
    missing = [flag for flag in flags if f"| `{flag}" not in text]
    assert len(flags) >= least and not missing, missing


@pytest.mark.unit
def test_every_calibration_column_figure_and_counterpart_is_documented():
    from sim.calibration import fit, run, targets, validation

    text = (DOCS / "calibration.md").read_text(encoding="utf-8")
    columns = {*fit.POSTERIOR_COLUMNS, *fit.POINT_COLUMNS, *fit.SAMPLE_COLUMNS, *run.FIT_COLUMNS,
               *validation.COLUMNS, *validation.NOT_USED_COLUMNS}
    missing = [c for c in columns if f"`{c}`" not in text]
    missing += [kind for kind in targets.UNITS if f"| `{kind}" not in text]  # mapped and named
    missing += [p for p in fit.DEFAULT_PARAMETERS if f"| `{p}` |" not in text]
    assert not missing, missing


PLACEHOLDERS = {"<type>": PLACEMENT_TYPES, "<level>": ACCOUNT_LEVELS, "<measure>": HOME_BASED,
                "<service>": ("familiehus", "dut"), "<need>": NEEDS}


def expanded(name: str) -> list[str]:
    """``name`` with each placeholder replaced by each of its values."""
    found = re.search(r"<\w+>", name)
    if not found:
        return [name]
    return [full for value in PLACEHOLDERS[found.group(0)] for full in expanded(name.replace(found.group(0),
                                                                                             value, 1))]


def schema_paths(model: type, prefix: str = ""):
    """Every dotted path of the scenario schema, whether the default scenario sets it or not."""
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}"
        kind = unwrap(field.annotation)
        if isinstance(kind, type) and issubclass(kind, Section) and not issubclass(kind, Sourced):
            yield from schema_paths(kind, f"{prefix}{name}.")


@pytest.mark.unit
def test_every_published_figure_names_parameters_keys_outcomes_and_columns_that_exist(default, default_run):
    text = (DOCS / "published-figures.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| Published figure")]
    assert len(rows) >= 20
    paths = [p.path for p in parameters(default)] + list(schema_paths(Scenario))
    outcome_set = set(outcome_names(default))
    calibration = (DOCS / "calibration.md").read_text(encoding="utf-8")
    missing = []
    for _, inputs, targets, reported in rows:
        for column, cell in (("input", inputs), ("target", targets), ("reported", reported)):
            for name in re.findall(r"`([^`]+)`", cell):
                for full in expanded(name) if column != "target" else [name]:  # a key as in calibration.md
                    if column == "input":
                        ok = any(p == full or p.startswith(f"{full}.") for p in paths)
                    elif column == "target":
                        ok = full.split(".")[0] in SECTIONS and f"| `{name}` |" in calibration
                    elif full.split(".")[0] in sim.TABLES:
                        table, _, name_of_column = full.partition(".")
                        ok = name_of_column in getattr(default_run, table).columns
                    else:
                        ok = full in outcome_set
                    if not ok:
                        missing.append((column, full))
    assert not missing, missing


@pytest.mark.unit
def test_the_published_figures_page_is_linked_from_the_index_and_the_parameter_reference():
    assert "(published-figures.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
    assert "(published-figures.md)" in render()
