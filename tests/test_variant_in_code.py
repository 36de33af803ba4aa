"""A variant built in Python is the variant a file extending the scenario would be, checked the same way.

``Scenario.with_values`` and ``Scenario.with_decision`` lay their changes
over the files the scenario was loaded from, through the code an
experiment's variants go through, so the resolved values are the file's and
a bad value is refused with the file's problem (only where it is named
differs: the code, not a file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sim
from sim.scenario.schema import Scenario

pytestmark = pytest.mark.unit

HEAD = '[scenario]\nextends = "ballerup_2017"\nname = "variant"\n'


def without_sources(node: Any) -> Any:
    """``node`` (a dumped scenario) without the notes that say where each value was set."""
    if isinstance(node, dict):
        return {key: without_sources(value) for key, value in node.items() if key not in ("source", "note")}
    if isinstance(node, list):
        return [without_sources(value) for value in node]
    return node


def from_file(folder: Path, text: str) -> Scenario:
    path = folder / "variant.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    return sim.load_scenario(path)


def file_problems(folder: Path, text: str) -> list[tuple[str, str, Any]]:
    with pytest.raises(sim.ScenarioError) as caught:
        from_file(folder, text)
    return [(p.path, p.message, p.value) for p in caught.value.problems]


def code_problems(build) -> list[tuple[str, str, Any]]:
    with pytest.raises(sim.ScenarioError) as caught:
        build()
    return [(p.path, p.message, p.value) for p in caught.value.problems]


def test_a_variant_in_code_resolves_to_the_values_of_the_same_variant_from_a_file(tmp_path, default):
    text = ("[caseworkers]\ncount = 22\n[investigation]\nwork_days = { value = 80 }\n"
            '[timeline.2017-02-01]\nnote = "24 hired"\ncaseworkers.count = 24\n'
            "[timeline.2019-01-01]\nservices.dut.places = 12\n")
    in_file = from_file(tmp_path, text)
    in_code = (default.with_values({"caseworkers.count": 22, "investigation.work_days": {"value": 80}},
                                   name="variant")
               .with_decision("2017-02-01", {"caseworkers.count": 24}, note="24 hired", name="variant")
               .with_decision("2019-01-01", {"services.dut.places": 12}, name="variant"))
    dumped = [without_sources(s.model_dump(mode="json")) for s in (in_code, in_file)]
    assert dumped[0] == dumped[1]
    assert in_code.investigation.work_days.range == in_file.investigation.work_days.range is not None
    assert in_code.caseworkers.count.range is None  # a plain number is a choice, as in a file
    assert in_code.caseworkers.count.source.startswith("set in code (Scenario.with_values")
    decided = {(c.date.isoformat(), c.path): c.note for c in in_code.timeline}
    assert decided[("2017-02-01", "caseworkers.count")] == "24 hired"
    assert decided[("2019-01-01", "services.dut.places")].startswith("set in code (Scenario.with_decision")
    assert in_code.origins["caseworkers.count"].startswith("code (")
    assert default.caseworkers.count.value != 22  # the scenario it came from is unchanged


@pytest.mark.parametrize(("values", "text"), [
    ({"caseworkers.count": -3}, "[caseworkers]\ncount = -3\n"),
    ({"caseworkers.cont": 30}, "[caseworkers]\ncont = 30\n"),
    ({"caseworkrs.count": 30}, "[caseworkrs]\ncount = 30\n"),
    ({"investigation.work_days": {"value": 500}}, "[investigation]\nwork_days = { value = 500 }\n"),
])
def test_a_bad_value_in_code_gets_the_problem_a_file_gets(tmp_path, default, values, text):
    expected = file_problems(tmp_path, text)
    assert code_problems(lambda: default.with_values(values, name="variant")) == expected
    assert expected and expected[0][1]  # names the parameter and what is allowed


@pytest.mark.parametrize(("date", "values", "text"), [
    ("2018-01-01", {"population.children": 3}, "[timeline.2018-01-01]\npopulation.children = 3\n"),
    ("2018-01-01", {"caseworkers.count": -1}, "[timeline.2018-01-01]\ncaseworkers.count = -1\n"),
    ("2016-01-01", {"caseworkers.count": 30}, "[timeline.2016-01-01]\ncaseworkers.count = 30\n"),
])
def test_a_bad_decision_in_code_gets_the_problem_a_file_gets(tmp_path, default, date, values, text):
    expected = file_problems(tmp_path, text)
    assert code_problems(lambda: default.with_decision(date, values, name="variant")) == expected


def test_a_variant_in_code_is_named_after_its_values_unless_named(default):
    assert default.with_values({"caseworkers.count": 28}).name == "ballerup_2017.caseworkers.count_28"
    decided = default.with_decision("2017-02-01", {"caseworkers.count": 28})
    assert decided.name == "ballerup_2017.2017-02-01.caseworkers.count_28"
    assert decided.scenario.title == default.scenario.title
    assert default.with_values({"caseworkers.count": 28}, title="28").scenario.title == "28"


def test_a_scenario_not_loaded_from_files_says_how_to_vary_it(default):
    rebuilt = Scenario.model_validate_json(default.model_dump_json())
    with pytest.raises(sim.ScenarioError, match="load it with sim.load_scenario"):
        rebuilt.with_values({"caseworkers.count": 28})
    with pytest.raises(sim.ScenarioError, match="dotted parameter paths"):
        default.with_values({"": 28})
