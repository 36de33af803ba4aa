"""docs/odd.md keeps the ODD protocol's order, covers every model module and names only real parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.scenario.parameters import parameters

pytestmark = pytest.mark.unit

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

# The model is the engine (sim/model/, its mechanisms included), the money and tables derived from its
# records (sim/output/ledger.py, sim/output/tables.py) and the vocabulary they share (sim/measures.py).
MODEL_FILES = ("output/ledger.py", "output/tables.py", "measures.py")

SUBMODEL = re.compile(r"^### .*\((sim(?:\.\w+)+)\)\s*$", re.MULTILINE)
DOTTED = re.compile(r"[a-z_][a-z0-9_]*(?:\.(?:[a-z0-9_]+|<[a-z_ ]+>))+")


def prose(text: str) -> str:
    """The text without fenced code blocks (a ``## `` inside one is no heading)."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.MULTILINE | re.DOTALL)


def odd_text() -> str:
    return prose(ODD.read_text(encoding="utf-8"))


def dotted(path: Path) -> str:
    """The module name of a file of sim/ (a package's __init__.py is the package)."""
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def model_modules() -> set[str]:
    """Every module of the engine, and the modules of money, tables and vocabulary."""
    engine = {dotted(path) for path in (SIM / "model").rglob("*.py")} - {"sim.model"}
    return engine | {dotted(SIM / name) for name in MODEL_FILES}


def submodels() -> dict[str, str]:
    """Module -> the text of its submodel under ## Submodels."""
    text = odd_text().split("\n## Submodels\n", 1)[1].split("\n## ", 1)[0]
    heads = list(SUBMODEL.finditer(text))
    return {head.group(1): text[head.end(): nxt.start() if nxt else len(text)]
            for head, nxt in zip(heads, [*heads[1:], None], strict=True)}


def test_level_two_headings_are_the_seven_odd_sections_in_order():
    headings = re.findall(r"^## (.+?)\s*$", odd_text(), flags=re.MULTILINE)
    assert headings == ODD_SECTIONS


def test_every_model_module_has_a_submodel_and_every_parameter_path_exists():
    text = odd_text()
    described = set(submodels())
    modules = model_modules()
    assert {"sim.model.ladder", "sim.model.register", "sim.model.mechanisms.review_pace"} <= modules
    undescribed = sorted(modules - described)
    assert not undescribed, f"no ### ... (sim.<module>) under ## Submodels: {undescribed}"
    unknown = sorted(described - modules)
    assert not unknown, f"submodels of modules that are not part of the model: {unknown}"

    paths = {p.path for p in parameters(sim.load_scenario("ballerup_2017"))}
    sections = {path.split(".")[0] for path in paths}
    spans = [span for span in re.findall(r"`([^`\n]+)`", text) if DOTTED.fullmatch(span)]
    checked, wrong = 0, []
    for span in spans:
        if span.split(".")[0] not in sections:
            continue  # code (sim.model.ladder), outcomes (spend_kr.total), not a parameter
        # a placeholder such as <type> stands for any one name; a section prefix of real paths is fine
        parts = [r"[a-z0-9_]+" if part.startswith("<") else re.escape(part) for part in span.split(".")]
        pattern = re.compile(r"\.".join(parts) + r"(?:\..+)?")
        checked += 1
        if not any(pattern.fullmatch(path) for path in paths):
            wrong.append(span)
    assert checked > 50, f"only {checked} parameter paths found in docs/odd.md"
    assert not wrong, f"docs/odd.md names parameters the default scenario does not have: {sorted(set(wrong))}"


def test_each_registered_mechanism_has_a_submodel_saying_what_it_reads_changes_and_rests_on():
    from sim.model.mechanisms import MECHANISMS

    described = submodels()
    for mechanism in MECHANISMS:
        module = f"sim.model.mechanisms.{mechanism.name}"
        assert module in described, f"no submodel for the mechanism {mechanism.name}"
        text = described[module]
        reads = ", ".join(f"`{signal}`" for signal in mechanism.reads)
        assert f"Reads: {reads}." in text, module
        assert f"Section: `{mechanism.section}`." in text, module
        assert "Changes:" in text and "Evidence:" in text, module
