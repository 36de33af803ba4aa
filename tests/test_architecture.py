"""The package keeps its layers: each imports only from the layers below it, and the root stays small.

The layers, from the bottom (docs/architecture.md): the vocabulary and
errors every layer shares; the scenario format; the engine (sim.model); what
a replication gives (sim.output, and the public face sim.run in
sim/__init__.py); the Monte Carlo engine; sensitivity; experiments and
calibration; the report; the app. A module may import its own layer and
those below. Command-line entry points (``cli.py``, ``__main__.py`` and the
tools at the root) stand on top and may import anything, so ``python -m
sim.experiments NAME --report`` can make a report without the experiments
depending on the report. Imports only for type hints (under
``TYPE_CHECKING``) do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SIM = Path(__file__).resolve().parent.parent / "sim"

LAYERS = {
    "sim.errors": 0, "sim.measures": 0,
    "sim.scenario": 1, "sim.scenarios": 1,
    "sim.model": 2,
    "sim.output": 3, "sim": 3,
    "sim.montecarlo": 4,
    "sim.sensitivity": 5,
    "sim.experiments": 6, "sim.calibration": 6, "sim.region": 6,
    "sim.report": 7,
    "sim.app": 8,
}
"""The layer of each package (and of the vocabulary and errors, and the public face sim/__init__.py)."""

ENTRY_POINTS = {"cli.py", "__main__.py"}
ROOT_TOOLS = {"bench.py", "flowchart.py", "calibrate.py", "validate.py"}
"""Root modules that are commands (python -m sim.bench ...): entry points too."""

MAX_ROOT_MODULES = 12


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    """The layer of a module of sim: its longest prefix in LAYERS."""
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise AssertionError(f"{module} belongs to no layer: add its package to LAYERS")


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module of sim) of each import outside ``if TYPE_CHECKING:``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
               for node in ast.walk(block)}
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            if node.module is None:  # from . import tables: each name may be a module
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


def library_modules() -> list[Path]:
    return [path for path in sorted(SIM.rglob("*.py")) if path.name not in ENTRY_POINTS
            and not (path.parent == SIM and path.name in ROOT_TOOLS)]


def test_the_root_of_sim_keeps_only_the_public_face():
    modules = sorted(path.name for path in SIM.glob("*.py"))
    assert len(modules) <= MAX_ROOT_MODULES, modules


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in library_modules():
        mine = layer(module_name(path))
        upward += [f"{path.relative_to(SIM.parent)}:{line} imports {target} (layer {layer(target)} > {mine})"
                   for line, target in runtime_imports(path) if layer(target) > mine]
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The rule is not vacuous: a model module importing the report is caught."""
    package = tmp_path / "sim" / "model"
    package.mkdir(parents=True)
    bad = package / "ladder.py"
    bad.write_text("from ..report import make_report\nfrom . import records\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "SIM", tmp_path / "sim")
    assert runtime_imports(bad) == [(1, "sim.report"), (2, "sim.model.records")]
    assert layer("sim.report") > layer(module_name(bad))
