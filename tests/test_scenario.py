"""Loading scenarios: the embedded default, variants that extend it, and every kind of mistake.

A scenario file is a public interface: a planner's mistake must come back as
one report naming the file, the parameter path, the value given and what is
allowed, before anything runs.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest

import sim
from sim.scenario.schema import Scenario

pytestmark = pytest.mark.unit

VARIANT_HEAD = '[scenario]\nextends = "ballerup_2017"\nname = "variant"\n'


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | str) -> list[sim.Problem]:
    """The problems loading ``path`` reports (failing the test if it loads)."""
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load_scenario(path)
    return caught.value.problems


def only(path: Path | str) -> sim.Problem:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def by_path(found: list[sim.Problem]) -> dict[str, sim.Problem]:
    return {p.path: p for p in found}


# --- loading what is valid -------------------------------------------------------------


def test_embedded_default_loads_by_name_by_path_and_as_a_scenario(default):
    assert default.name == "ballerup_2017"
    assert default.scenario.start_date == dt.date(2017, 1, 1)
    assert default.notification.per_year.value == 410  # the year before the start: 2016
    path = Path(str(resources.files("sim.scenarios") / "ballerup_2017.toml"))
    assert sim.load_scenario(path).fingerprint() == default.fingerprint()
    assert sim.load_scenario(default) is default


def test_every_embedded_scenario_loads_and_is_listed():
    names = sim.embedded_names()
    assert {"ballerup_2017", "ballerup_2017_without_extra_staff", "ballerup_2017_familiehus_plus_10"} <= set(
        names
    )
    for name in names:
        assert sim.load_scenario(name).name == name


def test_a_variant_overrides_a_few_fields_and_says_which_file_set_them(tmp_path, default):
    path = write(tmp_path, "more_staff.toml", VARIANT_HEAD + (
        "[timeline.2017-02-01]\n"
        'note = "16 extra instead of 12"\n'
        "caseworkers.count = 36\n"
        "[investigation]\n"
        "work_days = 60\n"
    ))
    variant = sim.load_scenario(path)
    assert variant.name == "variant"
    # a plain number is a choice: it replaces the value, drops the range and names the file
    assert variant.investigation.work_days.value == 60
    assert variant.investigation.work_days.range is None
    assert variant.investigation.work_days.source == f"set in {path}"
    # the timeline change of the same date and parameter replaces the base's
    assert variant.schedule("caseworkers.count") == [(dt.date(2017, 1, 1), 20), (dt.date(2017, 2, 1), 36)]
    # everything else is the base's
    assert variant.placement == default.placement
    assert [label for label, _ in variant.files] == [
        "embedded:ballerup_2017_steady", "embedded:ballerup_2017", str(path)]


def test_a_value_table_without_source_keeps_the_range_it_overrides(tmp_path, default):
    path = write(tmp_path, "v.toml", VARIANT_HEAD + "[investigation]\nwork_days = { value = 80 }\n")
    work_days = sim.load_scenario(path).investigation.work_days
    assert work_days.value == 80
    assert work_days.range == default.investigation.work_days.range


def test_a_variant_name_defaults_to_its_file_name(tmp_path):
    path = write(tmp_path, "staffing_plan.toml", '[scenario]\nextends = "ballerup_2017"\n')
    assert sim.load_scenario(path).name == "staffing_plan"


def test_extends_is_found_beside_the_file_wherever_the_user_stands(tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    folder.mkdir()
    write(folder, "base.toml", VARIANT_HEAD.replace('"variant"', '"base"') + "[caseworkers]\ncount = 25\n")
    write(folder, "child.toml", '[scenario]\nextends = "base.toml"\nname = "child"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    child = sim.load_scenario(folder / "child.toml")
    assert child.caseworkers.count.value == 25
    assert len(child.files) == 4  # steady, the default, the parent and the child


def test_the_resolved_scenario_round_trips_through_json(default, tmp_path):
    again = Scenario.model_validate_json(default.model_dump_json())
    assert again.model_dump() == default.model_dump()
    assert again.fingerprint() == default.fingerprint()
    changed = write(tmp_path, "v.toml", VARIANT_HEAD.replace('"variant"', '"ballerup_2017"')
                    + "[notification]\nper_year = 455\n")
    assert sim.load_scenario(changed).fingerprint() != default.fingerprint()


# --- mistakes, one at a time -----------------------------------------------------------


def test_unknown_key_is_named_with_the_nearest_valid_one(tmp_path):
    problem = only(write(tmp_path, "v.toml", VARIANT_HEAD + "[notification]\nper_yer = 400\n"))
    assert problem.path == "notification.per_yer"
    assert "unknown parameter" in problem.message and "'per_year'" in problem.message
    section = only(write(tmp_path, "w.toml", VARIANT_HEAD + "[caseworker]\ncount = 3\n"))
    assert section.path == "caseworker" and "'caseworkers'" in section.message


@pytest.mark.parametrize(
    ("override", "path", "allowed"),
    [
        ('[caseworkers]\ncount = "many"\n', "caseworkers.count.value", "must be a number"),
        ("[services.familiehus]\nplaces = -3\n", "services.familiehus.places.value", "at least 0"),
        ("[services.dut]\nplaces = 2.5\n", "services.dut.places.value", "whole number"),
        ("[notification]\nreported_again_share = 1.4\n", "notification.reported_again_share.value",
         "at most 1"),
        ("[assessment.investigated]\nnone = -0.1\n", "assessment.investigated.none.value", "at least 0"),
        ("start_date = 2017\n", "scenario.start_date", "a date"),
        ("[reporting]\ngrowth_per_year = { value = 0.5 }\n", "reporting.growth_per_year",
         "outside its range [0.0, 0.08]"),
        ('[notification]\nper_year = { value = 400, source = "x", range = [500, 300] }\n',
         "notification.per_year", "low end above its high end"),
    ],
)
def test_a_wrong_value_names_its_path_the_value_and_what_is_allowed(tmp_path, override, path, allowed):
    file = write(tmp_path, "v.toml", VARIANT_HEAD + override)
    problem = only(file)
    assert problem.where == str(file)
    assert problem.path == path
    assert allowed in problem.message
    assert str(problem).startswith(f"{file}: {path}: ")


def test_a_mix_that_does_not_sum_to_one_shows_its_sum_and_shares(tmp_path):
    problem = only(write(tmp_path, "v.toml", VARIANT_HEAD + (
        '[age]\nat_first_contact = { value = { "0-5" = 0.5, "6-11" = 0.30, "12-17" = 0.45 } }\n'
    )))
    assert problem.path == "age.at_first_contact"
    assert "sum to 1" in problem.message and "1.25" in problem.message


def test_a_problem_in_an_extended_file_names_that_file(tmp_path):
    base = write(tmp_path, "base.toml", VARIANT_HEAD + "[services.dut]\nplaces = -1\n")
    child = write(tmp_path, "child.toml", '[scenario]\nextends = "base.toml"\n')
    problem = only(child)
    assert problem.where == str(base)


def test_a_missing_extended_scenario_is_named(tmp_path):
    problem = only(write(tmp_path, "v.toml", '[scenario]\nextends = "balerup_2017"\n'))
    assert problem.path == "scenario.extends"
    assert "balerup_2017" in str(problem) and "'ballerup_2017'" in problem.message


def test_scenarios_that_extend_each_other_in_a_circle_are_refused(tmp_path):
    write(tmp_path, "a.toml", '[scenario]\nextends = "b.toml"\n')
    write(tmp_path, "b.toml", '[scenario]\nextends = "a.toml"\n')
    problem = only(tmp_path / "a.toml")
    assert "circle" in problem.message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("[scenario]\nname = 'æøå'\n".encode("latin-1"), "UTF-8"),
        (b'[scenario]\nname = "x"\nstart_date = \n', "line 3"),
        ("[scenario]\nname = 'x'\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_file_that_is_not_a_scenario_says_why(tmp_path, content, says):
    assert says in only(write(tmp_path, "v.toml", content)).message


def test_a_utf8_byte_order_mark_is_harmless(tmp_path, default):
    text = (Path(sim.__file__).parent / "scenarios" / "ballerup_2017.toml").read_bytes()
    marked = write(tmp_path, "ballerup_2017.toml", codecs.BOM_UTF8 + text)
    assert sim.load_scenario(marked).fingerprint() == default.fingerprint()


def test_a_missing_file_is_named_with_the_embedded_names(tmp_path):
    problem = only(tmp_path / "nowhere.toml")
    assert "no such file" in problem.message and "ballerup_2017" in problem.message


# --- the timeline ----------------------------------------------------------------------


def test_timeline_mistakes_name_their_date_and_parameter(tmp_path):
    found = by_path(problems(write(tmp_path, "v.toml", VARIANT_HEAD + (
        "[timeline.2016-06-01]\ncaseworkers.count = 40\n"
        "[timeline.2018-01-01]\n"
        "services.familyhus.places = 3\n"
        "services.familiehus.places = 1.5\n"
        "investigation.work_days = 50\n"
        "services.dut.places = -4\n"
        '[timeline.2019-01-01]\ncaseworkers.count = "many"\n'
        "[timeline.soon]\ncaseworkers.count = 40\n"
    ))))
    assert "before the start date 2017-01-01" in found["timeline.2016-06-01"].message
    assert "did you mean 'services.familiehus.places'" in found[
        "timeline.2018-01-01.services.familyhus.places"].message
    assert "must be a whole number" in found["timeline.2018-01-01.services.familiehus.places"].message
    assert found["timeline.2018-01-01.investigation.work_days"].message == "cannot change during a run"
    assert "at least 0" in found["timeline.2018-01-01.services.dut.places"].message
    assert "must be a number" in found["timeline.2019-01-01.caseworkers.count"].message
    assert "must be a date" in found["timeline.soon"].message
    assert len(found) == 7


def test_a_timeline_change_is_a_choice_not_bound_by_the_assumed_range(tmp_path, default):
    _, high = default.services.familiehus.places.range
    places = int(high) * 2
    change = f"[timeline.2019-01-01]\nservices.familiehus.places = {places}\n"
    path = write(tmp_path, "v.toml", VARIANT_HEAD + change)
    schedule = sim.load_scenario(path).schedule("services.familiehus.places")
    assert schedule[-1] == (dt.date(2019, 1, 1), places)


# --- several mistakes at once ----------------------------------------------------------


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    found = by_path(problems(write(tmp_path, "v.toml", VARIANT_HEAD + (
        "[notification]\nper_yer = 400\nreported_again_share = 1.4\n"
        '[caseworkers]\ncount = "many"\n'
        "[services.familiehus]\nplaces = -3\n"
        "[timeline.2018-01-01]\nservices.familiehus.places = 1.5\n"
    ))))
    assert set(found) == {
        "notification.per_yer", "notification.reported_again_share.value", "caseworkers.count.value",
        "services.familiehus.places.value", "timeline.2018-01-01.services.familiehus.places",
    }


def test_checks_across_fields(tmp_path):
    reachable = only(write(tmp_path, "a.toml", VARIANT_HEAD + (
        "[notification]\nreported_again_share = 0.5\nper_notified_child = 1.2\n"
    )))
    assert reachable.path == "notification.per_notified_child" and "at least 1.5" in reachable.message
    fading = only(write(tmp_path, "f.toml", VARIANT_HEAD + "[reform]\nno_effect_caseload = 18\n"))
    assert fading.path == "reform.no_effect_caseload"
    assert "above reform.full_effect_caseload" in fading.message
    circles = problems(write(tmp_path, "b.toml", VARIANT_HEAD + (
        "[placement.substitutes]\n"
        'value = { foster_family = "network_foster_family", network_foster_family = "foster_family",'
        ' municipal_foster_family = "foster_family" }\n'
    )))
    assert circles and all(p.path == "placement.substitutes" and "circle" in p.message for p in circles)
    same = by_path(problems(write(tmp_path, "c.toml", VARIANT_HEAD + (
        '[services.dut]\nmeasure = "family_treatment"\n'
    ))))
    assert set(same) == {"services.familiehus.measure", "services.dut.measure"}
    assert all("same measure" in p.message for p in same.values())


def test_the_strict_schema_refuses_what_the_loader_would_refuse(default):
    data = json.loads(default.model_dump_json())
    data["services"]["dut"]["places"]["value"] = -1
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Scenario.model_validate_json(json.dumps(data))
