"""Calibration and validation: the targets file, the mapping of figures to output, the fit, its recovery."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.calibration.cli import calibrate_main, validate_main
from sim.calibration.counterparts import counterparts
from sim.calibration.fit import Settings, calibrate, relative_errors
from sim.calibration.targets import SECTIONS, Figure, leaf_keys, load_targets, read_targets
from sim.calibration.validation import not_used, validate
from sim.errors import InputError
from sim.model.calendar import DAYS_PER_MONTH

DOCS = Path(__file__).parent.parent / "docs"
SHARED = Path(__file__).parent.parent.parent / "shared" / "data" / "ballerup_published.toml"
EMBEDDED = Path(sim.__file__).parent / "calibration" / "published" / "ballerup_published.toml"


# --- the targets file -------------------------------------------------------------------------------------

@pytest.mark.unit
def test_the_shipped_targets_give_the_published_figures_in_their_units():
    targets = {f.key: f for f in load_targets("ballerup_published").figures}
    assert targets["notifications.2017"].low == 454
    assert targets["open_cases.2018"].low == 770
    assert targets["caseload_per_worker.2018"].low == 24
    assert (targets["placements.total.2018-01"].low, targets["placements.total.2018-03"].low) == (131, 129)
    assert targets["placements.residential_home.2017-09"].source == "placements.count.residential_home[1]"
    assert targets["spend_1000kr.placement.2017"].low == 95_717
    assert targets["price_1000kr.home_based.2017"].low == 69
    wait = targets["wait_months.familiehus.2018"]
    assert (wait.low, wait.high, wait.is_range) == (2, 3, True)
    assert not any(key.startswith("caseload_per_worker") and key.endswith("target") for key in targets)


@pytest.mark.unit
def test_keys_without_a_counterpart_are_listed_as_unused_not_read():
    targets = load_targets("ballerup_published")
    assert "a plan, not an observation" in targets.unused["cases.caseload_per_worker.target"]
    assert "preventive, home_based" in targets.unused["spend_1000kr.2017.other"]
    assert "[population] is not a section" in targets.unused["population.children_0_22"]
    assert not any(u.startswith(("notifications.per_year", "levels.units_31_dec")) for u in targets.unused)
    assert {"placements.count.dates", "levels.years"} <= targets.used


# One key of each kind a targets file can hold that gives no figure, or a figure that is not compared
# (for ballerup_2017, starting on 1 January 2017), and the words its reason must hold.
EVERY_KIND_NOT_USED = {
    "population.children_0_22": "[population] is not a section",
    "notifications.assessment_deadline_hours": "not a key barnesim reads in [notifications]",
    "cases.caseload_per_worker.target": "a target caseload is a plan",
    "placements.count.foster_familie": "not a placement type",
    "placements.price_per_year.years": "not a key barnesim reads in [placements]",
    "spend_1000kr.2017.other": "not a budget level",
    "spend_1000kr.budget_2017_total": "not a key barnesim reads in [spend_1000kr]",
    "in_house_services.nowhere_wait_months_2017": "not a key barnesim reads in [in_house_services]",
    "levels.years": "no list of figures",
    "notifications.per_year.2016": "at or before the scenario's start",
    "placements.count.total[0]": "at or before the scenario's start",
    "notifications.per_year.2150": "after the last year a run reaches",
}
EVERY_KIND = {
    "population": {"children_0_22": 13710},
    "notifications": {"per_year": {"2016": 410, "2017": 454, "2150": 500}, "assessment_deadline_hours": 24},
    "cases": {"caseload_per_worker": {"observed_2017": 22, "target": 20}},
    "placements": {"count": {"dates": ["2017-01", "2017-09"], "total": [149, 137], "foster_familie": [1, 2]},
                   "price_per_year": {"years": [2017]}},
    "spend_1000kr": {"2017": {"placement": 95_717, "other": 270}, "budget_2017_total": 181_064},
    "levels": {"years": [2017]},
    "in_house_services": {"familiehus_wait_months_2017": 2, "nowhere_wait_months_2017": 3},
}


@pytest.mark.unit
def test_every_key_not_used_is_listed_with_its_reason_and_none_is_dropped():
    targets = read_targets(EVERY_KIND, "every_kind.toml")
    assert targets.used.isdisjoint(targets.unused)
    assert targets.used | set(targets.unused) == set(leaf_keys(EVERY_KIND))
    table = validate(sim.load_scenario("ballerup_2017"), targets, replications=2, fit_years=(2017, 2017))
    listed = not_used(targets, table).set_index("key")
    for key, words in EVERY_KIND_NOT_USED.items():
        assert words in listed.loc[key, "reason"], (key, listed.loc[key, "reason"])
    compared = table.loc[table["median"].notna(), "source"]
    assert set(compared) == {"notifications.per_year.2017", "cases.caseload_per_worker.observed_2017",
                             "placements.count.total[1]", "spend_1000kr.2017.placement",
                             "in_house_services.familiehus_wait_months_2017"}
    assert set(listed.index) == set(EVERY_KIND_NOT_USED)
    assert set(compared) | set(listed.index) == {f.source for f in targets.figures} | set(targets.unused)
    assert set(table.loc[table["sample"] == "beyond the run", "figure"]) == {"notifications.2150"}


@pytest.mark.unit
def test_a_figure_the_runs_give_no_value_for_is_listed_as_not_used():
    targets = read_targets({"notifications": {"per_year": {"2017": 454}}}, "t")
    table = pd.DataFrame([["s", "notifications.2017", "notifications.per_year.2017", "in sample", np.nan]],
                         columns=["scenario", "figure", "source", "sample", "median"])
    listed = not_used(targets, table)
    assert list(listed["key"]) == ["notifications.per_year.2017"]
    assert "the runs give no value for it" in listed["reason"].iloc[0]


_NAMES = st.from_regex(r"x_[a-z0-9_]{1,8}", fullmatch=True)
_VALUES = st.recursive(st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=3) | st.booleans()
                       | st.lists(st.integers(0, 9), max_size=3),
                       lambda inner: st.dictionaries(_NAMES, inner, max_size=3), max_leaves=6)


@pytest.mark.property
@given(extra=st.dictionaries(st.sampled_from([*SECTIONS, "x_section"]), st.dictionaries(_NAMES, _VALUES,
                                                                                         max_size=3)))
def test_the_keys_used_and_the_keys_listed_are_every_key_of_the_file(extra):
    data = tomllib.loads(EMBEDDED.read_text())
    for section, keys in extra.items():
        data.setdefault(section, {}).update(keys)
    targets = read_targets(data, "t")
    assert targets.used.isdisjoint(targets.unused)
    assert targets.used | set(targets.unused) == set(leaf_keys(data))
    added = set(leaf_keys(extra))
    assert added <= set(targets.unused), added - set(targets.unused)
    assert all(reason for reason in targets.unused.values())


@pytest.mark.unit
@pytest.mark.skipif(not SHARED.is_file(), reason="the shared data folder is not beside this checkout")
def test_the_embedded_copy_holds_the_shared_data_files_figures():
    assert tomllib.loads(EMBEDDED.read_text()) == tomllib.loads(SHARED.read_text())


@pytest.mark.unit
def test_every_unusable_value_in_a_targets_file_is_named_at_once():
    data = {
        "notifications": {"per_year": {"2017": "many", "20x8": 4}},
        "placements": {"count": {"dates": ["2017-01", "2017-02"], "total": [10]}},
        "levels": {"years": [2017], "units_31_dec": {"nonsense": [1]}},
        "in_house_services": {"dut_wait_months_2018": [3, 2]},
    }
    with pytest.raises(InputError) as caught:
        read_targets(data, "mine.toml")
    paths = {p.path for p in caught.value.problems}
    assert paths == {"notifications.per_year.2017", "notifications.per_year.20x8", "placements.count.total",
                     "levels.units_31_dec.nonsense", "in_house_services.dut_wait_months_2018"}
    assert all(p.where == "mine.toml" for p in caught.value.problems)


@pytest.mark.unit
def test_a_value_where_a_table_belongs_is_an_error_not_skipped():
    data = {
        "notifications": 454,
        "cases": {"caseload_per_worker": 24},
        "placements": {"count": [149]},
        "levels": {"years": [2017], "units_31_dec": [774]},
        "spend_1000kr": {"2017": 181_064},
    }
    with pytest.raises(InputError) as caught:
        read_targets(data, "mine.toml")
    assert {p.path for p in caught.value.problems} == {"notifications", "cases.caseload_per_worker",
                                                       "placements.count", "levels.units_31_dec",
                                                       "spend_1000kr.2017"}
    assert all("must be a table" in p.message for p in caught.value.problems)


@pytest.mark.unit
def test_a_targets_file_that_cannot_be_found_names_the_flag():
    with pytest.raises(InputError) as caught:
        load_targets("no_such_targets")
    assert caught.value.problems[0].where == "--targets"


# --- the mapping from model output to each figure ---------------------------------------------------------

@pytest.mark.unit
def test_each_counterpart_is_the_runs_own_table_value_in_the_published_unit(default_run):
    found = counterparts(default_run).set_index("outcome")["value"]
    flows = default_run.flows.set_index("year")
    counts = default_run.counts.set_index("date")
    frame = default_run.budget_frame.set_index(["year", "level"])
    services = default_run.services.set_index(["year", "service"])
    assert found["notifications.2018"] == flows.loc[2018, "notifications"]
    assert found["share_to_investigation.2017"] == flows.loc[2017, "share_notifications_to_investigation"]
    in_2018 = counts[counts.index.year == 2018]
    assert found["open_cases.2018"] == pytest.approx(in_2018["open_cases"].mean(), rel=1e-12)
    caseload = in_2018["caseload_per_worker"].mean()
    assert found["caseload_per_worker.2018"] == pytest.approx(caseload, rel=1e-12)
    assert found["placements.total.2017-09"] == counts.loc[pd.Timestamp("2017-08-31"), "placements_total"]
    own_room = counts.loc[pd.Timestamp("2018-02-28"), "placement_own_room"]
    assert found["placements.own_room.2018-03"] == own_room
    assert found["units_31_dec.home_based.2017"] == frame.loc[(2017, "home_based"), "measures_31_dec"]
    spend = frame.loc[(2017, "placement"), "spend_kr"]
    assert found["spend_1000kr.placement.2017"] == pytest.approx(spend / 1000)
    assert found["price_1000kr.home_based.2017"] == pytest.approx(
        frame.loc[(2017, "home_based"), "price_per_full_year_measure_kr"] / 1000)
    assert found["wait_months.dut.2018"] == pytest.approx(services.loc[(2018, "dut"), "max_wait_days"]
                                                          / DAYS_PER_MONTH)
    assert found["external_contact_person_1000kr.2017"] == pytest.approx(
        services.loc[(2017, "dut"), "external_spend_kr"] / 1000)
    assert not any(key.startswith("units_31_dec.authority") for key in found.index)


@pytest.mark.unit
def test_every_published_figure_after_the_start_has_a_counterpart(default_run):
    found = set(counterparts(default_run)["outcome"])
    start = default_run.scenario.scenario.start_date
    wanted = {f.key for f in load_targets("ballerup_published").figures if start < f.date <= pd.Timestamp(
        "2019-12-31").date()}
    assert wanted and wanted <= found, wanted - found


@pytest.mark.property
@given(value=st.floats(0, 1e6), low=st.floats(0, 1e5), width=st.floats(0, 1e5))
def test_a_relative_error_is_zero_exactly_inside_the_published_range_and_signed_outside(value, low, width):
    figure = Figure("notifications", 2017, None, low, low + width, "x")
    error = float(relative_errors(np.array([value]), figure)[0])
    if low <= value <= low + width:
        assert error == 0
    elif value > low + width:
        assert error > 0 or (low + width == 0 and value == 0)
    else:
        assert error < 0
        assert error >= -1


# --- the command lines ------------------------------------------------------------------------------------

@pytest.mark.functional
def test_every_bad_flag_of_calibrate_is_named_before_anything_runs(tmp_path, capsys):
    status = calibrate_main(["ballerup_2017", "--points", "100", "--accept", "2", "--parameters", "no.such.*",
                             "--out", str(tmp_path / "cal")])
    error = capsys.readouterr().err
    assert status == 2
    for flag in ("--points", "--accept", "--parameters"):
        assert flag in error
    assert "no.such.*" in error and "100" in error
    assert not (tmp_path / "cal").exists()


@pytest.mark.functional
def test_a_bad_scenario_targets_file_and_flag_are_named_together(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = calibrate_main(["no_such_scenario", "--targets", "none.toml", "--points", "3"])
    error = capsys.readouterr().err
    assert status == 2
    assert "no_such_scenario" in error and "none.toml" in error and "--points" in error
    assert not (tmp_path / "results").exists()


@pytest.mark.functional
def test_calibrate_refuses_figures_of_years_before_the_start(tmp_path, capsys):
    status = calibrate_main(["ballerup_2017", "--fit-years", "2014-2016", "--out", str(tmp_path / "cal")])
    assert status == 2
    assert "--figures" in capsys.readouterr().err
    assert not (tmp_path / "cal").exists()


@pytest.mark.functional
def test_validate_writes_the_table_the_page_and_a_manifest(tmp_path, capsys):
    page = tmp_path / "docs" / "validation.md"
    status = validate_main(["ballerup_2017", "--replications", "2", "--workers", "1", "--no-progress",
                            "--out", str(tmp_path / "v"), "--page", str(page)])
    assert status == 0
    table = pd.read_parquet(tmp_path / "v" / "validation.parquet")
    assert (tmp_path / "v" / "validation.md").read_text() == page.read_text()
    simulated = table[table["sample"] != "before the start"]
    assert set(simulated["sample"]) == {"in sample", "out of sample"}
    assert simulated["median"].notna().all()
    assert table.loc[table["sample"] == "before the start", "median"].isna().all()
    out_of_sample = table.loc[table["sample"] == "out of sample", "date"]
    assert set(pd.to_datetime(out_of_sample).dt.year) == {2018}
    text = page.read_text()
    assert text.count("\n| ") == len(simulated) + 2  # and a header per table
    listed = pd.read_parquet(tmp_path / "v" / "not_used.parquet")
    before = table.loc[table["sample"] == "before the start", "source"]
    assert set(before) | set(load_targets("ballerup_published").unused) == set(listed["key"])
    assert listed["reason"].str.len().gt(0).all()
    assert all(f"`{key}`" in text for key in listed["key"])
    printed = capsys.readouterr().out
    assert f"ballerup_2017: {len(listed)} keys of embedded:ballerup_published not used" in printed
    row = simulated.set_index("figure").loc["open_cases.2018"]
    assert f"| Open cases (mean over the year) | 770 | {row['median']:,.0f} |" in text
    assert bool(row["inside"]) == (row["p5"] <= 770 <= row["p95"])


@pytest.mark.functional
def test_validate_names_a_scenario_it_cannot_load_and_writes_nothing(tmp_path, capsys):
    status = validate_main(["no_such_scenario", "--replications", "1", "--out", str(tmp_path / "v")])
    error = capsys.readouterr().err
    assert status == 2
    assert "no_such_scenario" in error and "--replications" in error
    assert not (tmp_path / "v").exists()


@pytest.mark.unit
def test_a_figure_outside_the_interval_is_reported_outside():
    scenario = sim.load_scenario("ballerup_2017")
    targets = read_targets({"notifications": {"per_year": {"2017": 10, "2016": 410}},
                            "cases": {"open": {"2017": [0, 100_000]}}}, "t")
    table = validate(scenario, targets, replications=2, fit_years=(2017, 2017)).set_index("figure")
    assert table.loc["notifications.2016", "sample"] == "before the start"
    assert not table.loc["notifications.2017", "inside"]
    assert table.loc["notifications.2017", "relative_error"] > 10
    assert table.loc["open_cases.2017", "relative_error"] == 0
    assert table.loc["open_cases.2017", "inside"]


@pytest.mark.unit
def test_the_validation_page_is_generated_and_lists_every_compared_figure():
    text = (DOCS / "validation.md").read_text()
    assert "Made by `python -m sim.validate" in text
    compared = [f for f in load_targets("ballerup_published").figures if f.date.year >= 2017
                and f.date > pd.Timestamp("2017-01-01").date()]
    sections = text.count("\n### In sample")
    assert sections >= 2
    assert text.count("\n| ") == sections * (len(compared) + 2)
    unused = text.split("## Keys of the targets file that give no figure")[1].split("\n## ")[0]
    assert all(f"`{key}`" in unused for key in load_targets("ballerup_published").unused)
    assert text.count("### Figures not compared") == sections


TINY = ["--parameters", "preventive.duration_days", "--figures", "units_31_dec.preventive", "--fit-years",
        "2017", "--points", "8", "--replications", "1", "--accept", "0.7", "--workers", "1", "--no-progress"]


@pytest.mark.functional
@pytest.mark.slow
def test_an_interrupted_calibration_resumes_from_its_folder_to_the_same_result(tmp_path, capsys):
    """... and a resume is refused while another process runs the folder, or once its scenario file changed.

    (Issue 26: a calibration's folder had no lock, and its resume rewrote the manifest before checking.)
    """
    from sim.output.lock import only_process

    scenario, folder = tmp_path / "mine.toml", tmp_path / "cal"
    scenario.write_text('[scenario]\nextends = "ballerup_2017"\nname = "mine"\n', encoding="utf-8")
    assert calibrate_main([str(scenario), *TINY, "--out", str(folder)]) == 0
    first = pd.read_csv(folder / "posterior.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["settings"]["points"] == 8
    (folder / "posterior.csv").unlink()
    for chunk in (folder / "ensemble" / "chunks").rglob("batch-*.parquet"):  # as if killed in the first
        chunk.unlink()
    resume = ["--resume", str(folder), "--workers", "1", "--no-progress"]
    capsys.readouterr()
    with only_process(folder, "--resume"):
        assert calibrate_main(resume) == 2
    assert f"is being run by process {os.getpid()}" in capsys.readouterr().err
    assert calibrate_main(resume) == 0
    pd.testing.assert_frame_equal(pd.read_csv(folder / "posterior.csv"), first)
    assert "resumed" in json.loads((folder / "manifest.json").read_text())
    assert sim.load_scenario(folder / "mine_calibrated.toml").name == "mine_calibrated"
    manifest = (folder / "manifest.json").read_bytes()
    scenario.write_text('[scenario]\nextends = "ballerup_2017"\nname = "mine"\n[caseworkers]\ncount = 30\n',
                        encoding="utf-8")
    assert calibrate_main(resume) == 2
    assert "this folder holds another ensemble" in capsys.readouterr().err
    assert (folder / "manifest.json").read_bytes() == manifest  # refused before anything in it changed


@pytest.mark.functional
@pytest.mark.slow
def test_a_calibration_on_dask_equals_the_one_in_this_process():
    distributed = pytest.importorskip("distributed")
    targets = read_targets({"levels": {"years": [2017], "units_31_dec": {"preventive": [150]}}}, "t")
    settings = Settings(parameters=("preventive.duration_days",), figures=("units_31_dec.*",),
                        fit_years=(2017, 2017), points=8, replications=1, accept=0.7)
    scenario = sim.load_scenario("ballerup_2017")
    alone = calibrate(scenario, targets, settings)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = calibrate(scenario, targets, settings, executor=client)
    pd.testing.assert_frame_equal(alone.points, on_dask.points)
    pd.testing.assert_frame_equal(alone.posterior, on_dask.posterior)
