"""docs/odd.md keeps the ODD protocol's order, covers every model module and names only real parameters."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sim
from sim.scenario.parameters import parameters

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "odd.md"
SIM = ROOT / "sim"

ODD_SECTIONS = [
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialisation",
    "Input data",
    "Submodels",
]

# Modules the ODD page must describe whatever the import graph says.
REQUIRED = (
    "notification", "assessment", "investigation", "caseworkers", "ladder", "placement", "services",
    "small_children", "initial_stock", "ledger", "decisions", "streams", "capacity", "distributions",
)
# One replication (sim.model), its money (sim.ledger) and its tables (sim.tables): the model's parts
# are these and every module of sim/ they import, directly or not.
ROOTS = ("model", "ledger", "tables")

SUBMODEL = re.compile(r"^### .*\(sim\.(\w+)\)\s*$", re.MULTILINE)
DOTTED = re.compile(r"[a-z_][a-z0-9_]*(?:\.(?:[a-z0-9_]+|<[a-z_ ]+>))+")


def prose(text: str) -> str:
    """The text without fenced code blocks (a ``## `` inside one is no heading)."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def odd_text() -> str:
    return prose(ODD.read_text(encoding="utf-8"))


def model_modules() -> set[str]:
    """Modules of sim/ (single files) reachable by relative imports from ROOTS."""

    def imported(name: str) -> set[str]:
        found = set()
        for node in ast.walk(ast.parse((SIM / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        return found

    seen: set[str] = set()
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name not in seen and (SIM / f"{name}.py").is_file():
            seen.add(name)
            todo.extend(imported(name))
    return seen


def test_level_two_headings_are_the_seven_odd_sections_in_order():
    headings = re.findall(r"^## (.+?)\s*$", odd_text(), flags=re.MULTILINE)
    assert headings == ODD_SECTIONS


def test_every_model_module_has_a_submodel_and_every_parameter_path_exists():
    text = odd_text()
    submodels = text.split("\n## Submodels\n", 1)[1].split("\n## ", 1)[0]
    described = set(SUBMODEL.findall(submodels))
    modules = model_modules()
    missing_files = [name for name in REQUIRED if not (SIM / f"{name}.py").is_file()]
    assert not missing_files, f"modules named in this test no longer exist: {missing_files}"
    assert set(REQUIRED) <= modules, f"not reached from {ROOTS}: {sorted(set(REQUIRED) - modules)}"
    undescribed = sorted(modules - described)
    assert not undescribed, f"no ### ... (sim.<module>) under ## Submodels: {undescribed}"
    unknown = [name for name in described if not (SIM / f"{name}.py").is_file()]
    assert not unknown, f"submodels of modules that do not exist: {unknown}"

    paths = {p.path for p in parameters(sim.load_scenario("ballerup_2017"))}
    sections = {path.split(".")[0] for path in paths}
    spans = [span for span in re.findall(r"`([^`\n]+)`", text) if DOTTED.fullmatch(span)]
    checked, wrong = 0, []
    for span in spans:
        if span.split(".")[0] not in sections:
            continue  # code (sim.ladder), outcomes (spend_kr.total), not a parameter
        # a placeholder such as <type> stands for any one name; a section prefix of real paths is fine
        parts = [r"[a-z0-9_]+" if part.startswith("<") else re.escape(part) for part in span.split(".")]
        pattern = re.compile(r"\.".join(parts) + r"(?:\..+)?")
        checked += 1
        if not any(pattern.fullmatch(path) for path in paths):
            wrong.append(span)
    assert checked > 50, f"only {checked} parameter paths found in docs/odd.md"
    assert not wrong, f"docs/odd.md names parameters the default scenario does not have: {sorted(set(wrong))}"
