"""The planner's web app, driven in a real Chromium: levers, a run, the comparison, downloads, uploads.

The app is started as a user starts it, ``python -m sim.app``, on a free
loopback port with a workspace of its own. What the browser downloads is
checked against the run folder the app wrote: the workbook's numbers are
the run's, and the scenario files run again give the same outcomes.
Screenshots of the main screens go to ``results/screenshots/app_*.png``.
The browser tests share one app; each opens a session of its own, and
those that look at a finished run or download from it ask for
``planner_run``, made once in the app as a planner makes it. So any one of
them runs alone and in any order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import io
import json
import re
import signal
import socket
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SCREENSHOTS
from hypothesis import given
from hypothesis import strategies as st
from test_report import sheet_cells, value

import sim
from sim.app.cli import main as app_main
from sim.app.levers import Setting, changes, levers, settings
from sim.app.template import population_scenario, read_template, write_template
from sim.app.workspace import RunRequest, Workspace
from sim.errors import InputError
from sim.experiments import load_experiment, run_experiment
from sim.output.words import Labels
from sim.scenario import extend_scenario, load_scenario
from sim.scenario.provenance import origins

TIMEOUT = 120_000
"""Milliseconds a browser step may wait for a run or a report."""


# -- levers, template and workspace without a browser ---------------------------------------------


@pytest.fixture(scope="module")
def base() -> sim.Scenario:
    return sim.load_scenario("ballerup_2017")


@pytest.mark.property
@given(count=st.integers(1, 60), places=st.integers(0, 400), day=st.integers(0, 4 * 365),
       growth=st.floats(0.0, 0.08), drift=st.floats(0.02, 0.08))
def test_levers_written_as_changes_read_back_as_set(base, count, places, day, growth, drift):
    chosen = levers(base)
    wanted = settings(base, chosen)
    start = base.scenario.start_date + dt.timedelta(days=day)
    wanted["caseworkers.count"] = Setting(count, start)
    wanted["services.familiehus.places"] = Setting(places, start)
    wanted["reporting.growth_per_year"] = Setting(growth)
    wanted["placement.residential_institution.price_drift_per_year"] = Setting(drift)
    overrides = {**changes(base, chosen, wanted), "scenario": {"name": "x"}}
    scenario = extend_scenario("ballerup_2017", overrides, "app")
    read = settings(scenario, chosen)
    dated = {"caseworkers.count", "services.familiehus.places"}
    assert {k: v for k, v in read.items() if k not in dated} == \
        {k: v for k, v in wanted.items() if k not in dated}
    for path, number in (("caseworkers.count", count), ("services.familiehus.places", places)):
        # the decision holds from its date to the end, whatever steps the base had after it; it is read back
        # from an earlier date only when the value held already then
        assert read[path].value == number and read[path].start <= start
        schedule = scenario.schedule(path)
        assert all(v == number for d, v in schedule if d >= start)
        assert [s for s in schedule if s[0] < start] == [s for s in base.schedule(path) if s[0] < start]


@pytest.mark.unit
def test_levers_allow_what_the_scenario_format_allows(base):
    by_path = {lever.path: lever for lever in levers(base)}
    assert by_path["caseworkers.count"].allowed() == "> 0" and by_path["caseworkers.count"].dated
    assert by_path["services.dut.places"].allowed() == ">= 0" and by_path["services.dut.places"].whole
    assert by_path["reporting.growth_per_year"].allowed() == "[0, 8] %"  # a rate per year, typed in per cent
    assert len([lever for lever in by_path.values() if lever.group == "prices"]) == 7
    # every ranged assumption is a lever, and no lever is listed twice
    from sim.montecarlo.draws import assumptions
    assert set(assumptions(base)) <= set(by_path) and len(by_path) == len(levers(base))


@pytest.mark.unit
def test_unchanged_levers_change_nothing(base):
    chosen = levers(base)
    assert changes(base, chosen, settings(base, chosen)) == {}


@pytest.mark.property
@given(hundredths=st.integers(0, 10_000), places=st.integers(0, 4))
def test_a_rate_per_year_is_typed_in_per_cent_and_written_back_exactly(base, hundredths, places):
    by_path = {lever.path: lever for lever in levers(base)}
    growth = by_path["reporting.growth_per_year"]
    assert growth.percent and not by_path["caseworkers.count"].percent
    assert not by_path["need.by_application"].percent  # a share of children, not a rate per year
    assert by_path["home_based.step_up_per_year"].percent and by_path["exits.move_away_per_year"].percent
    fraction = float(Decimal(hundredths).scaleb(-places - 2))  # 0.0205, as a scenario file writes it
    typed = growth.shown(fraction)
    assert typed == float(Decimal(hundredths).scaleb(-places)) and growth.typed(typed) == fraction
    assert growth.shown(0.04) == 4 and growth.typed(4) == 0.04 and growth.typed(3.5) == 0.035
    wanted = settings(base, list(by_path.values())) | {growth.path: Setting(growth.typed(typed))}
    assert changes(base, list(by_path.values()), wanted).get("reporting", {}) == (
        {"growth_per_year": {"value": fraction}} if fraction != 0 else {})


@pytest.mark.unit
def test_a_linear_ramp_is_written_as_monthly_steps_on_the_timeline(base):
    chosen = levers(base)
    wanted = settings(base, chosen)
    day = dt.date
    # 32 caseworkers (from February 2017) to 44, linearly from 1 January to 1 July 2018, then held
    wanted["caseworkers.count"] = Setting(44, day(2018, 1, 1), day(2018, 7, 1))
    # places are whole: 215 to 250 from the start to 15 April 2017
    wanted["services.familiehus.places"] = Setting(250, day(2017, 1, 1), day(2017, 4, 15))
    # a ramp over a step of the base replaces it: 20 to 28 caseworkers by May 2017, not 32 in February
    overrides = {**changes(base, chosen, wanted), "scenario": {"name": "ramps"}}
    scenario = extend_scenario("ballerup_2017", overrides, "app")
    assert scenario.schedule("caseworkers.count") == [
        (day(2017, 1, 1), 20), (day(2017, 2, 1), 32), (day(2018, 2, 1), 34.06), (day(2018, 3, 1), 35.91),
        (day(2018, 4, 1), 37.97), (day(2018, 5, 1), 39.96), (day(2018, 6, 1), 42.01), (day(2018, 7, 1), 44)]
    places = scenario.schedule("services.familiehus.places")
    assert [value for _, value in places] == [215, 225, 235, 245, 250]
    assert settings(scenario, chosen)["caseworkers.count"] == Setting(44, day(2018, 7, 1))  # read as a step
    wanted["caseworkers.count"] = Setting(28, day(2017, 1, 1), day(2017, 5, 1))
    scenario = extend_scenario("ballerup_2017", {**changes(base, chosen, wanted), "scenario": {"name": "r"}},
                               "app")
    assert scenario.schedule("caseworkers.count") == [
        (day(2017, 1, 1), 20), (day(2017, 2, 1), 22.07), (day(2017, 3, 1), 23.93), (day(2017, 4, 1), 26),
        (day(2017, 5, 1), 28)]


@pytest.mark.unit
def test_the_run_shows_a_report_step_and_the_time_left():
    import threading

    from sim.app.server import Progress, _duration
    now = [100.0]
    progress = Progress(threading.Event(), clock=lambda: now[0])
    progress.begin(24)
    assert progress.step() == "runs" and progress.seconds_left() is None  # nothing done: no pace yet
    now[0] += 60
    progress.update(6, 24)
    assert progress.seconds_left() == 180  # 6 in a minute: 18 more in three
    assert (_duration(180, "da"), _duration(42, "en")) == ("3 min", "40 s")
    progress.update(24, 24)
    assert progress.step() == "report" and progress.seconds_left() is None  # the tables and the report
    progress.begin(4)
    progress.report()
    assert progress.step() == "report"


def fake_run(folder: Path, status: str, comparison: pd.DataFrame | None = None) -> Path:
    """A run folder with a manifest of ``status`` (cw24 against ballerup_2017) and the summary written."""
    folder.mkdir(parents=True)
    manifest = {"experiment": {"name": folder.name, "file": "x.toml"}, "scenarios": {"ballerup_2017": {},
                "cw24": {}}, "baseline": "ballerup_2017", "outcomes": [], "seed": 0, "replications": 3,
                "years": 2, "started": "2026-11-30T07:22:45+00:00", "status": status}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "summary.parquet").write_bytes(b"")  # the summary is written before the run is complete
    if comparison is not None:
        comparison.to_parquet(folder / "comparison.parquet")
    return folder


@pytest.mark.unit
def test_a_run_is_shown_only_once_its_manifest_says_complete(tmp_path):
    # issue 25, bug 1: a run was listed once its summary was written, before it was complete and reported
    workspace = Workspace(tmp_path)
    running = fake_run(tmp_path / "runs" / "app_20261130_072245", "running")
    fake_run(tmp_path / "runs" / "app_20261130_072200", "interrupted")
    assert workspace.runs() == []
    manifest = json.loads((running / "manifest.json").read_text())
    (running / "manifest.json").write_text(json.dumps(manifest | {"status": "complete"}))
    assert workspace.runs() == [running]


def comparison_of(variant: str, medians: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame([{"scenario": variant, "year": year, "outcome": "spend_kr.total_with_authority",
                          "median": median, "p5": median - 1e6, "p95": median + 1e6, "p_lower": 0.75}
                         for year, median in medians.items()])


@pytest.mark.unit
def test_the_comparison_has_the_years_as_columns_in_mio_kr():
    from sim.app.server import _comparison
    from sim.app.text import text
    period = comparison_of("cw24", {2017: -3_400_000, 2018: -6_100_000}).assign(p_lower=0.5)
    html = re.sub(r">\s+<", "><", str(_comparison(
        comparison_of("cw24", {2017: -3_400_000, 2018: -1_900_000}), period, "spend_kr.total_with_authority",
        "ballerup_2017", Labels("da"), lambda key, **v: text("da", key, **v))))
    assert "(mio. kr.)" in html and "<th>2017</th><th>2018</th><th>2017–2018 i alt</th>" in html
    assert re.search(r'data-stat="median">.*<td data-year="2017">−3,4</td><td data-year="2018">−1,9</td>'
                     r'<td class="fw-bold" data-year="period">−6,1</td>', html)
    assert '<td data-year="2018">−2,9 – −0,9</td>' in html and "P(besparelse &gt; 0)" in html
    assert '<td class="fw-bold" data-year="period">50 %</td>' in html  # over the period, not in 2018

    counts = comparison_of("cw24", {2017: -3.0}).assign(outcome="placements_31_dec.total")
    html = str(_comparison(counts, period.assign(outcome="placements_31_dec.total").iloc[:0],
                           "placements_31_dec.total", "ballerup_2017", Labels("da"),
                           lambda key, **v: text("da", key, **v)))
    assert "i alt</th>" not in html  # a count at 31 December has no total over the years


@pytest.mark.unit
def test_saved_runs_are_named_by_their_scenarios_and_compared_year_by_year(tmp_path):
    from sim.app.server import _run_label, _runs_table
    from sim.app.text import text
    first = fake_run(tmp_path / "app_20261130_072245", "complete", comparison_of("cw24", {2017: -3e6}))
    second = fake_run(tmp_path / "app_20261130_081000", "complete",
                      comparison_of("cw24", {2017: -2e6, 2018: -1e6}))
    label = _run_label(first, Labels("en"))
    assert label.startswith("cw24 against ballerup_2017 · 2 years · 3 replications · 2026-11-30 ")
    assert "app_2026" not in label
    html = re.sub(r">\s+", ">", str(_runs_table([first, second], "spend_kr.total_with_authority",
                                                Labels("en"), lambda key, **v: text("en", key, **v))))
    assert "<th>2017</th><th>2018</th>" in html and html.count("cw24 against ballerup_2017</td>") == 2
    first_row, second_row = html.split('data-run="app_20261130_081000"')
    assert '<td data-year="2018">−1.0<br/>' in second_row and '<td data-year="2018"></td>' in first_row


@pytest.mark.unit
def test_the_template_reads_back_as_the_scenario_it_was_written_from(base, tmp_path):
    data = read_template("t.xlsx", write_template(base, "ballerup_2017"))
    assert data["scenario"]["extends"] == "ballerup_2017"
    scenario = extend_scenario("ballerup_2017", {k: v for k, v in data.items() if k != "scenario"}, "t.xlsx")
    written = {p.path: p.value for p in sim.scenario.parameters.parameters(scenario)}
    for p in sim.scenario.parameters.parameters(base):
        if hasattr(p.value, "range"):
            assert (written[p.path].value, written[p.path].range) == (p.value.value, p.value.range), p.path


@pytest.mark.unit
def test_a_bad_template_names_each_cell(base):
    book = openpyxl.load_workbook(io.BytesIO(write_template(base, "ballerup_2017")))
    sheet = book["parameters"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    rows["caseworkers.count"][3].value = "twenty"
    rows["reporting.growth_per_year"][3].value = 0.02
    rows["reporting.growth_per_year"][4].value = 0.01  # a low end without a high end
    rows["services.dut.places"][3].value = -5  # not allowed by the scenario format
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(InputError) as raised:
        read_template("mine.xlsx", buffer.getvalue())
    text = str(raised.value)
    assert re.search(r"mine.xlsx: parameters row \d+ \(caseworkers.count\): got 'twenty': "
                     "value must be a number", text)
    assert "(reporting.growth_per_year): give both low and high" in text
    # the scenario format's problems are named by their cell too, in the same message
    assert re.search(r"parameters row \d+ \(services.dut.places\): got -5: must be at least 0", text)
    with pytest.raises(InputError, match="is not an Excel workbook"):
        read_template("mine.xlsx", b"not a workbook")


def filled(template: bytes, scenario_sheet: dict[str, object], values: dict[str, object]) -> bytes:
    """``template`` with the scenario sheet's ``scenario_sheet`` and the parameters' ``values`` typed in."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    for row in book["scenario"].iter_rows(min_row=2):
        if row[0].value in scenario_sheet:
            row[1].value = scenario_sheet[row[0].value]
    for row in book["parameters"].iter_rows(min_row=2):
        if row[0].value in values:
            row[3].value = values[row[0].value]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.unit
def test_a_value_the_timeline_would_override_is_refused_with_every_other_problem(base):
    # ballerup_2017's timeline sets 32 caseworkers from 2017-02-01: 20 typed would give way to it unsaid
    data = filled(write_template(base, "ballerup_2017"), {},
                  {"caseworkers.count": 20, "notification.per_year": "many"})
    with pytest.raises(InputError) as raised:
        read_template("ours.xlsx", data)
    text = str(raised.value)
    assert re.search(r"ours.xlsx: parameters row \d+ \(caseworkers.count\): got 20: the timeline of "
                     r"embedded:ballerup_2017 sets caseworkers.count = 32 from 2017-02-01, so the value "
                     "typed holds only until then", text)
    assert "(notification.per_year): got 'many'" in text
    # the same figure as the timeline's is no conflict, and a start after the decision makes it one from
    # the start
    read_template("ours.xlsx", filled(write_template(base, "ballerup_2017"), {}, {"caseworkers.count": 32}))
    later = filled(write_template(base, "ballerup_2017"), {"start_date": "2018-01-01"},
                   {"caseworkers.count": 20})
    with pytest.raises(InputError, match=r"= 32 from its start \(2018-01-01\), so the value typed is never"):
        read_template("ours.xlsx", later)
    # a figure the timeline does not change is read as typed
    data = read_template("ours.xlsx", filled(write_template(base, "ballerup_2017"), {},
                                             {"services.dut.places": 210}))
    assert data["services"] == {"dut": {"places": {"value": 210, "source": "set in ours.xlsx"}}}


PROFILE_ONLY = """
[scenario]
name = "eksempelby_2019"
title = "Eksempelby"
start_date = 2019-01-01

[municipality]
name = "Eksempelby Kommune"
children_0_22 = 17000
"""


@pytest.mark.unit
def test_a_template_filled_with_the_population_alone_is_the_profile_only_file(base, tmp_path):
    from_population = write_template(population_scenario(base), "")
    data = read_template("eks.xlsx", filled(from_population, {
        "name": "eksempelby_2019", "title": "Eksempelby", "start_date": dt.datetime(2019, 1, 1),
        "municipality": "Eksempelby Kommune", "children_0_22": 17000}, {}))
    assert "extends" not in data["scenario"]
    assert data["municipality"] == {"name": "Eksempelby Kommune", "children_0_22": 17000}
    assert "small_children_special" not in data  # the profile has no such level
    (tmp_path / "eks.toml").write_text(PROFILE_ONLY)
    profile_only = load_scenario(tmp_path / "eks.toml")
    from_template = extend_scenario(None, data, "eks.xlsx")
    assert {p.path: p.value for p in sim.scenario.parameters.parameters(from_template)} == \
        {p.path: p.value for p in sim.scenario.parameters.parameters(profile_only)}
    assert [o.kind for o in origins(from_template)] == [o.kind for o in origins(profile_only)]


@pytest.mark.unit
def test_the_template_says_which_value_is_used_and_where_it_comes_from(base):
    def columns(template: bytes) -> dict[str, dict[str, object]]:
        rows = openpyxl.load_workbook(io.BytesIO(template))["parameters"].iter_rows(values_only=True)
        header = next(rows)
        return {row[0]: dict(zip(header, row, strict=True)) for row in rows}

    profile = columns(write_template(population_scenario(base), ""))
    assert profile["caseworkers.caseload"]["origin"] == "national default"
    assert profile["caseworkers.count"]["origin"] == "derived"
    assert profile["notification.per_year"]["origin"] == "national scaled"
    assert profile["notification.per_year"]["value"] is None  # empty: the national figure is in use
    assert not any(path.startswith("small_children_special.") for path in profile)  # no such level
    # the municipality's figures come first: notifications, the caseload or caseworkers (the population is
    # the scenario sheet's children_0_22)
    assert list(profile)[:3] == ["notification.per_year", "caseworkers.caseload", "caseworkers.count"]
    assert "population.children" not in profile
    extending = columns(write_template(base, "ballerup_2017"))
    assert extending["caseworkers.count"]["in_use"] == 20
    assert extending["caseworkers.count"]["origin"] == "extended: embedded:ballerup_2017_steady"
    assert extending["caseworkers.caseload"]["in_use"] is None  # offered: it may replace the count
    assert all(row["value"] is None for row in extending.values())


@pytest.mark.unit
def test_the_danish_template_writes_its_columns_in_danish_and_reads_back_as_the_english(base):
    """Issue 25, bug 9: the Danish planner's template had English headers, units, origins and meanings."""
    from sim.output.meanings import MEANINGS_DA
    from sim.output.words import UNITS

    def table(template: bytes) -> list[tuple]:
        return list(openpyxl.load_workbook(io.BytesIO(template))["parameters"].iter_rows(values_only=True))

    danish, english = table(write_template(base, "ballerup_2017", "da")), table(write_template(base,
                                                                                             "ballerup_2017"))
    da = Labels("da")
    assert danish[0][:4] == ("Parameter", da.word("meaning"), da.word("unit"), da.word("value"))
    rows = {row[0]: row for row in danish[1:]}
    english_units = {unit for unit, word in UNITS.items() if word != unit}
    assert not {row[2] for row in rows.values()} & english_units
    assert {row[8].split(":")[0] for row in rows.values() if row[8]} <= {
        da.word(f"origin_{kind}") for kind in ("this_file", "extended", "national_scaled", "national_default",
                                               "derived")}
    translated = [path for path in rows if any(fnmatch.fnmatchcase(path, p) for p in MEANINGS_DA)]
    by_path = {row[0]: row for row in english[1:]}
    assert len(translated) >= 30 and all(rows[path][1] != by_path[path][1] for path in translated)
    assert rows["initial.placements.residential_home"][1].endswith("socialpædagogisk opholdssted.")
    # read back, a Danish template filled in gives what the English one gives
    typed = {"services.dut.places": 210, "caseworkers.salary_per_year": 500_000}
    assert read_template("da.xlsx", filled(write_template(base, "ballerup_2017", "da"), {}, typed)) == \
        read_template("da.xlsx", filled(write_template(base, "ballerup_2017"), {}, typed))


@pytest.mark.unit
def test_a_template_of_an_uploaded_scenario_uploads_on_top_of_it(tmp_path):
    workspace = Workspace(tmp_path)
    start = workspace.upload("ours.toml", b'[scenario]\nextends = "ballerup_2017"\nname = "ours"\n'
                                          b'[caseworkers]\ncount = 26\n')
    book = openpyxl.load_workbook(io.BytesIO(write_template(workspace.load(start), start)))
    rows = {row[0].value: row for row in book["parameters"].iter_rows(min_row=2)}
    rows["services.dut.places"][3].value = 210
    buffer = io.BytesIO()
    book.save(buffer)
    again = workspace.upload("ours_2018.xlsx", buffer.getvalue())
    scenario = workspace.load(again)
    assert (scenario.caseworkers.count.value, scenario.services.dut.places.value) == (26, 210)
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["ours.toml", "ours_2018.toml"]


@pytest.mark.unit
def test_saving_never_overwrites_and_a_bad_name_is_named(tmp_path, base):
    workspace = Workspace(tmp_path)
    workspace.save("ballerup_2017", "plus_four", {"caseworkers": {"count": 24}})
    with pytest.raises(InputError, match="saved already"):
        workspace.save("ballerup_2017", "plus_four", {})
    with pytest.raises(InputError, match="name: got 'two words'"):
        workspace.save("ballerup_2017", "two words", {})
    start, scenario = workspace.load_saved("plus_four")
    assert start == "ballerup_2017" and scenario.caseworkers.count.value == 24


@pytest.mark.unit
def test_runs_prepared_in_the_same_second_get_names_of_their_own(tmp_path):
    workspace = Workspace(tmp_path)
    request = RunRequest("ballerup_2017", "mine", {}, years=1, replications=1)
    folders = [workspace.prepare(request)[1] for _ in range(3)]
    assert len(set(folders)) == 3
    assert all((tmp_path / "experiments" / f"{folder.name}.toml").is_file() for folder in folders)


@pytest.mark.unit
@pytest.mark.parametrize(("lang", "title"), [("da", "mine mod ballerup_2017"),
                                             ("en", "mine against ballerup_2017")])
def test_a_run_is_titled_in_the_planners_language(tmp_path, lang, title):
    """Issue 25, bug 9: the Danish workbook and report titled an app run '... against ballerup_2017'."""
    experiment, _ = Workspace(tmp_path).prepare(RunRequest("ballerup_2017", "mine", {}, years=1, lang=lang))
    assert experiment.definition.title == title


@pytest.mark.unit
def test_a_run_that_cannot_be_run_leaves_no_experiment(tmp_path):
    workspace = Workspace(tmp_path)
    with pytest.raises(InputError, match="levers of mine: caseworkers.count.value: got -1: must be above 0"):
        workspace.prepare(RunRequest("ballerup_2017", "mine", {"caseworkers": {"count": -1}}))
    with pytest.raises(InputError, match="run settings: years: got 0: must be at least 1"):
        workspace.prepare(RunRequest("ballerup_2017", "mine", {}, years=0))
    assert not list((tmp_path / "experiments").glob("*.toml"))


@pytest.mark.functional
@pytest.mark.slow
def test_an_app_run_stopped_part_way_resumes_from_the_command_line(tmp_path):
    workspace = Workspace(tmp_path)
    request = RunRequest("ballerup_2017", "cw24", {"caseworkers": {"count": 24}}, years=1, replications=3)

    def stop(done: int, total: int) -> None:
        if done >= 2:
            raise KeyboardInterrupt

    experiment, folder = workspace.prepare(request)
    with pytest.raises(KeyboardInterrupt):
        workspace.run(experiment, folder, progress=stop)
    assert not workspace.runs()  # an unfinished run is not offered
    from sim.experiments.cli import main as experiments_main
    assert experiments_main(["--resume", str(folder)]) == 0
    assert workspace.runs() == [folder]
    whole, again = workspace.prepare(request)
    workspace.run(whole, again)
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "outcomes.parquet"),
                                  pd.read_parquet(again / "outcomes.parquet"))


@pytest.mark.unit
def test_the_levers_say_where_each_value_comes_from_and_borrowed_figures_are_warned_of(base, tmp_path):
    from sim.app.server import _borrowed, _lever_input, _origins

    profile = population_scenario(base)

    def note(scenario, path: str, lang: str = "en") -> str:
        by_path = {lever.path: lever for lever in levers(scenario)}
        now = settings(scenario, list(by_path.values()))
        return str(_lever_input(0, by_path[path], now[path], scenario.scenario.start_date, lang, Labels(lang),
                                _origins(scenario, now)[path]))

    assert "Comes from: national default" in note(profile, "reporting.growth_per_year")
    assert "Kommer fra: derived" in note(profile, "caseworkers.count", "da")
    # Ballerup's 32 caseworkers are decided on its timeline; its growth of need comes from the file it extends
    assert "Comes from: timeline of embedded:ballerup_2017<" in note(base, "caseworkers.count")
    assert "Comes from: extended: embedded:ballerup_2017_steady<" in note(base, "need.growth_per_year")
    assert str(_borrowed(profile, "en")) == "<div></div>"  # the profile borrows no municipality's figure
    # a municipality of its own laid over Ballerup's file uses Ballerup's published figures: warned of
    (tmp_path / "ours.toml").write_text('[scenario]\nextends = "ballerup_2017_steady"\nname = "ours"\n'
                                        '[municipality]\nname = "Eksempelby"\nchildren_0_22 = 17000\n')
    warning = str(_borrowed(load_scenario(tmp_path / "ours.toml"), "en"))
    assert "Published figures from another municipality" in warning
    assert "notification.per_year = 410 is marked published but comes from " \
           "embedded:ballerup_2017_steady" in warning


@pytest.mark.unit
@pytest.mark.parametrize("query, default, chosen", [
    ("lang=en", "da", "en"), ("?lang=da", "en", "da"), ("", "en", "en"), ("lang=fr&x=1", "da", "da"),
])
def test_the_address_chooses_the_language_else_the_flag_does(query, default, chosen):
    from sim.app.server import language
    assert language(query, default) == chosen


@pytest.mark.functional
@pytest.mark.parametrize("argv, named", [
    (["--lang", "fr"], "--lang: got 'fr'"), (["--port", "0"], "--port: got 0"),
    (["--host", "localhost:80"], "--host"), (["--workers", "0"], "--workers: got 0"),
])
def test_bad_flags_are_named_before_anything_starts(argv, named, capsys, tmp_path):
    assert app_main([*argv, "--folder", str(tmp_path / "ws")]) == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


# -- the app in a browser -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(folder: Path) -> tuple[subprocess.Popen, str]:
    """``python -m sim.app`` on a free loopback port, on 2 spawned processes as the default on 2 cores."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.app", "--port", str(free_port()), "--folder", str(folder),
         "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    found = re.match(r"barnesim app: (http://127\.0\.0\.1:\d+/)", line)
    if not found:
        process.kill()
        pytest.fail(f"the app did not print its address: {line!r} {process.stderr.read()}")
    port = int(found.group(1).rsplit(":", 1)[1].strip("/"))
    # the address is printed as the server starts; on a busy machine it listens a moment later
    for _ in range(300):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return process, found.group(1)
        if process.poll() is not None:
            pytest.fail(f"the app stopped before it listened: {process.stderr.read()}")
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"the app printed {found.group(1)} but did not listen there within 30 s")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app serving a workspace of its own: (address, workspace folder)."""
    folder = tmp_path_factory.mktemp("app") / "workspace"
    process, address = start_app(folder)
    yield address, folder
    process.terminate()
    process.wait(10)


@contextlib.contextmanager
def new_page(browser):
    """A page in a browser context of its own: a new session of the app, with no other test's state."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, app):
    with new_page(browser) as page:
        yield page


@pytest.fixture(scope="module")
def planner_run(browser, app) -> Path:
    """A planner's run made in the app: 24 caseworkers from February 2017, 2 years, 3 replications.

    Made once in a session of its own, for every test that looks at a
    finished run or downloads from it; a screenshot shows it running.
    """
    address, folder = app
    before = set(Workspace(folder).runs())
    with new_page(browser) as page:
        open_app(page, address)
        ask_for_run(page, caseworkers=24, name="cw24", years=2, replications=3)
        page.wait_for_selector("#lever_problems:has-text('gyldigt')")
        page.locator("#run").click()
        page.wait_for_selector("#run_progress progress")
        # the time left, from the pace of the replications done (issue 25)
        page.wait_for_selector("#run_eta:has-text('tilbage')")
        shot(page, "running")
        # then the step that writes the tables and makes the report, during which the results show no error
        # (issue 25, bug 1: a run whose summary was written was shown, with four errors, before it was done)
        page.wait_for_selector("#making_report")
        page.get_by_role("tab", name="Resultater").click()
        page.wait_for_selector("#answers:has-text('Ingen kørsel endnu')")
        assert page.locator(".shiny-output-error").count() == 0 and page.locator("#shown_run").count() == 0
        page.get_by_role("tab", name="Håndtag").click()
        finished = page.wait_for_selector("#run_finished")
        # issue 25, bug 2: once the run is finished the results show it at once, on their tab
        assert "cw24 mod ballerup_2017 · 2 år · 3 gentagelser" in finished.inner_text()
        assert page.get_by_role("tab", name="Resultater").get_attribute("aria-selected") == "true"
        page.wait_for_selector("#comparison_table", timeout=3_000)
    [run] = set(Workspace(folder).runs()) - before
    return run


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"app_{name}.png"), full_page=True)


def set_number(page, element: str, number: object) -> None:
    field = page.locator(f"#{element}")
    field.fill(str(number))
    field.press("Tab")


def ask_for_run(page, *, caseworkers: int, name: str, years: int, replications: int) -> None:
    """Set the caseworkers lever, the scenario's name, the years and the replications, as a planner does."""
    set_number(page, lever_id(page, "caseworkers.count"), caseworkers)
    page.locator("#name").fill(name)
    set_number(page, "years", years)
    set_number(page, "replications", replications)


def type_date(page, element: str, date: str) -> None:
    """Type ``date`` into the date input ``element`` as a planner does (the date picker ignores a fill)."""
    field = page.locator(f"#{element} input")
    field.click()
    field.press("Control+a")
    field.press_sequentially(date)
    field.press("Enter")


def downloaded(page, element: str, folder: Path) -> Path:
    """Click the download button ``element`` and keep the file under the name the app gives it."""
    with page.expect_download() as download:
        page.locator(f"#{element}").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def lever_id(page, path: str) -> str:
    """The input id of the lever for ``path``."""
    return page.locator(f"[data-path='{path}'] input[type=number]").get_attribute("id")


def open_app(page, address: str) -> None:
    """Open the app at ``address`` and wait until its session is up: the levers bound, the start found valid.

    What a test types before then races the session's first values (a lever
    set to 0.5 was once read back as valid).
    """
    page.goto(address)
    page.wait_for_selector("#lever_problems.text-success")


def show_results(page, address: str, run: Path) -> None:
    """Open the app's results tab (in Danish) on ``run``, chosen under Show run unless it is the newest."""
    open_app(page, address)
    page.get_by_role("tab", name="Resultater").click()
    page.wait_for_selector("#comparison_table")
    if page.locator("#shown_run").input_value() != str(run):
        page.locator("#shown_run").select_option(str(run))
    page.wait_for_selector(f"[data-run='{run.name}'] #comparison_table")


@pytest.mark.functional
def test_the_app_serves_on_loopback_only(app):
    address, _ = app
    assert address.startswith("http://127.0.0.1:")


@pytest.mark.browser
def test_the_levers_start_at_the_base_and_show_what_is_allowed(page, app):
    address, _ = app
    open_app(page, address)
    assert page.locator(f"#{lever_id(page, 'caseworkers.count')}").input_value() == "32"
    assert page.get_by_text("tilladt > 0").count() >= 1  # the allowed range is shown
    shot(page, "levers")


@pytest.mark.browser
@pytest.mark.slow
def test_a_planner_changes_the_caseworkers_runs_and_sees_the_comparison(page, app, planner_run):
    address, folder = app
    show_results(page, address, planner_run)
    page.wait_for_selector("#figure_fan_spend")
    table = page.locator("#comparison_table")
    # cw24 against the baseline: the median difference, its interval and P(saving), the years as columns,
    # then the total over the period
    assert table.locator("thead th").all_inner_texts()[2:] == ["2017", "2018", "2017–2018 i alt"]
    assert table.locator("tbody tr").count() == 3 and "(mio. kr.)" in page.inner_text("#comparison")
    shot(page, "results")
    comparison = pd.read_parquet(planner_run / "comparison.parquet")
    chance = table.locator("tr[data-stat='p_lower'] td[data-year='2017']").inner_text()
    expected = value(comparison, "cw24", "spend_kr.total_with_authority", 2017, "p_lower")
    assert chance == Labels("da").percent(expected)
    median = table.locator("tr[data-stat='median'] td[data-year='2018']").inner_text()
    expected = value(comparison, "cw24", "spend_kr.total_with_authority", 2018, "median")
    assert median == Labels("da").number(expected / 1e6, 1)
    scenarios = load_experiment(folder / "experiments" / f"{planner_run.name}.toml").scenarios
    assert scenarios["cw24"].schedule("caseworkers.count")[-1] == (dt.date(2017, 2, 1), 24)
    # another outcome: placed children, whose P column is P(lower)
    page.locator("#compared").select_option("placements_31_dec.total")
    page.wait_for_selector("#comparison_table td:has-text('P(lavere)')")
    cell = table.locator("tr[data-stat='median'] td[data-year='2018']").inner_text()
    median = value(comparison, "cw24", "placements_31_dec.total", 2018, "median")
    assert cell == Labels("da").number(median, 1)


@pytest.mark.browser
@pytest.mark.slow
def test_a_second_run_replaces_the_results_at_once_and_compares_with_the_first(page, app, planner_run):
    # issue 25, bug 2: after a new run the results kept the previous run's numbers for about 12 s
    address, folder = app
    show_results(page, address, planner_run)
    page.get_by_role("tab", name="Håndtag").click()
    ask_for_run(page, caseworkers=28, name="cw28", years=1, replications=1)
    page.wait_for_selector("#changed_levers [data-changed='caseworkers.count']")
    page.locator("#run").click()
    page.wait_for_selector("#run_finished")
    [second] = set(Workspace(folder).runs()) - {planner_run}
    assert page.get_by_role("tab", name="Resultater").get_attribute("aria-selected") == "true"
    page.wait_for_selector(f"[data-run='{second.name}'] #comparison_table", timeout=3_000)
    assert page.locator("#comparison_table [data-variant='cw24']").count() == 0
    # the saved runs, named by their scenarios, side by side
    runs = page.locator("#runs_compared")
    runs.evaluate("(e, v) => e.selectize.setValue(v)", [str(planner_run), str(second)])
    table = page.locator("#runs_compared_table")
    table.wait_for()
    assert table.locator("thead th").all_inner_texts()[2:] == ["2017", "2018"]
    assert "cw24 mod ballerup_2017 · 2 år" in table.inner_text() and "cw28 mod ballerup_2017 · 1 år" in \
        table.inner_text()
    assert table.locator(f"tr[data-run='{second.name}'] td[data-year='2018']").inner_text() == ""
    shot(page, "runs_compared")


@pytest.mark.browser
@pytest.mark.slow
def test_the_downloaded_workbook_holds_the_run_numbers(page, app, planner_run, tmp_path):
    show_results(page, app[0], planner_run)
    workbook = downloaded(page, "workbook", tmp_path)
    assert workbook.name == f"{planner_run.name}_ballerup_2017_da.xlsx"  # the experiment and its scenario
    book = openpyxl.load_workbook(workbook)
    labels, summary = Labels("da"), pd.read_parquet(planner_run / "summary.parquet")
    cells = [c for c in sheet_cells(book[labels.heading("spend")]) if c[1] == labels.row("total")]
    assert {c[0] for c in cells} == {"ballerup_2017", "cw24"}
    stat_of = {labels.word(stat): stat for stat in ("median", "p5", "p95")}
    for variant, _, year, stat, number, _ in cells:
        assert number == pytest.approx(value(summary, variant, "spend_kr.total", year, stat_of[stat]) / 1000)


@pytest.mark.browser
@pytest.mark.slow
def test_the_results_open_with_the_verdict_over_the_period_and_offer_the_one_page_summary(
        page, app, planner_run, tmp_path):
    show_results(page, app[0], planner_run)
    tiles = page.eval_on_selector_all(
        "#tiles .tile", "els => els.map(e => [e.dataset.key, e.dataset.variant, e.innerText])")
    assert [(key, variant) for key, variant, _ in tiles] == [("level", "ballerup_2017"),
                                                             ("difference", "cw24")]
    total = pd.read_parquet(planner_run / "period_comparison.parquet").query(
        "outcome == 'spend_kr.total_with_authority' and year == year.max()").iloc[0]
    labels = Labels("da")
    assert labels.number(total["median"] / 1e6, 1) in tiles[1][2]
    assert labels.percent(total["p_lower"]) in tiles[1][2]
    shot(page, "results_tiles")
    summary = downloaded(page, "summary", tmp_path)
    assert summary.name == f"{planner_run.name}_ballerup_2017_summary_da.html"
    assert summary.read_bytes() == (planner_run / "report_da" / "summary.html").read_bytes()


@pytest.mark.browser
@pytest.mark.slow
def test_a_finished_run_opens_again_in_a_new_session_in_english(page, app, planner_run):
    address, _ = app
    open_app(page, address + "?lang=en")
    page.get_by_role("tab", name="Results").click()
    page.wait_for_selector("#comparison_table")
    assert str(planner_run) in page.locator("#shown_run option").evaluate_all("os => os.map(o => o.value)")
    assert "Paired comparison with ballerup_2017" in page.locator("#comparison").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_the_downloaded_scenario_files_repeat_the_run(page, app, planner_run, tmp_path):
    show_results(page, app[0], planner_run)
    zipfile.ZipFile(downloaded(page, "bundle", tmp_path)).extractall(tmp_path)
    assert "python -m sim.experiments" in (tmp_path / "README.txt").read_text()
    experiment = load_experiment(next((tmp_path / "experiments").glob("*.toml")))
    again = tmp_path / "again"
    run_experiment(experiment, again, replications=3, seed=0)
    pd.testing.assert_frame_equal(pd.read_parquet(again / "outcomes.parquet"),
                                  pd.read_parquet(planner_run / "outcomes.parquet"))
    alone = load_scenario(tmp_path / "scenarios" / "cw24.toml")
    assert alone.schedule("caseworkers.count")[-1][1] == 24
    report = downloaded(page, "report", tmp_path)
    assert report.suffix == ".html" and "<html" in report.read_text(encoding="utf-8")[:500].lower()


@pytest.mark.browser
def test_a_value_outside_its_range_is_refused_in_the_command_line_words(page, app, tmp_path):
    address, _ = app
    open_app(page, address)
    page.locator("#name").fill("fast_growth")
    set_number(page, lever_id(page, "reporting.growth_per_year"), 50)  # per cent: 0.5 in the scenario file
    problems = page.locator("#lever_problems")
    problems.wait_for()
    page.wait_for_selector("#lever_problems:has-text('growth_per_year')")
    file = tmp_path / "fast_growth.toml"
    file.write_text('[scenario]\nextends = "ballerup_2017"\n'
                    '[reporting]\ngrowth_per_year = { value = 0.5 }\n')
    with pytest.raises(InputError) as raised:
        load_scenario(file)
    cli = next(p for p in raised.value.problems if p.path == "reporting.growth_per_year")
    assert f"reporting.growth_per_year: {cli.message}" in problems.inner_text()
    assert "levers of fast_growth" in problems.inner_text()
    shot(page, "problems")


@pytest.mark.browser
def test_the_language_switches_in_place_keeping_every_edit_and_the_changes_are_marked(page, app):
    # issue 25, bug 3: switching language reloaded the page and threw the planner's edits away
    address, folder = app
    open_app(page, address)
    caseworkers, growth = lever_id(page, "caseworkers.count"), lever_id(page, "reporting.growth_per_year")
    places = lever_id(page, "services.familiehus.places")
    set_number(page, caseworkers, 26)
    set_number(page, places, 230)
    # reached by a linear ramp from the start to 1 April 2017
    profile, until = places.replace("lever_", "profile_"), places.replace("lever_", "until_")
    page.locator(f"#{profile}").select_option("ramp")
    type_date(page, until, "2017-04-01")
    assert page.locator(f"#{growth}").input_value() == "0"
    set_number(page, growth, 4)  # per cent: 4 % a year
    page.locator("#name").fill("growth_four")
    set_number(page, "replications", 7)
    page.locator("#save_name").fill("growth_four")
    page.wait_for_selector("#changed_levers [data-changed='reporting.growth_per_year']")
    page.locator("#language").click()
    page.wait_for_selector("#lever_problems:has-text('The scenario is valid')")
    assert page.get_by_role("tab", name="Levers").count() == 1 and "lang=en" in page.url
    assert page.locator("#language").inner_text() == "Dansk"
    # the explainer of what a run means is in English too, and its link opens the documentation page
    assert page.locator("#explainer summary").inner_text().strip() == "What does a run mean?"
    docs = page.request.get(address + page.locator("#explainer_link").get_attribute("href"))
    assert docs.ok and docs.text().startswith("# Monte Carlo ensembles")
    assert [page.locator(f"#{element}").input_value() for element in (caseworkers, growth, "name",
            "replications", "save_name")] == ["26", "4", "growth_four", "7", "growth_four"]
    assert page.locator(f"#{places}").input_value() == "230"
    assert page.locator(f"#{profile}").input_value() == "ramp"
    assert page.locator(f"#{until} input").input_value() == "2017-04-01"
    # each lever changed from the start scenario is listed and marked, with a reset
    changed = page.locator("#changed_levers")
    assert "Changed from the start scenario ballerup_2017" in changed.inner_text()
    assert "Growth of reporting intensity per year: 0 % → 4 %" in changed.inner_text()
    assert "26 (2017-02-01)" in changed.locator("[data-changed='caseworkers.count']").inner_text()
    assert "230 (2017-01-01 → 2017-04-01)" in changed.inner_text()
    def mark(element: str) -> str:
        return page.evaluate(f"getComputedStyle(document.querySelector('{element}'), '::after').content")

    assert mark(f"#{caseworkers}-label") == '" (changed)"'  # after the lever's name, not its dates'
    assert mark(f"#{caseworkers.replace('lever_', 'date_')}-label") == "none"
    shot(page, "levers_changed")
    changed.locator("[data-reset='caseworkers.count']").click()
    page.wait_for_function(f"document.querySelector('#{caseworkers}').value == '32'")
    page.wait_for_selector("#changed_levers:not(:has([data-changed='caseworkers.count']))")
    page.locator("#save").click()
    page.wait_for_selector("#save_ok")
    saved = load_scenario(folder / "scenarios" / "growth_four.toml")
    assert saved.reporting.growth_per_year.value == 0.04  # 4 % typed is 0.04 in the file, exactly
    assert saved.caseworkers.count.value == 20 and saved.schedule("caseworkers.count")[-1][1] == 32
    assert saved.schedule("services.familiehus.places") == [  # monthly steps on the timeline
        (dt.date(2017, 1, 1), 215), (dt.date(2017, 2, 1), 220), (dt.date(2017, 3, 1), 225),
        (dt.date(2017, 4, 1), 230)]
    changed.locator("[data-reset='*']").click()
    page.wait_for_selector("#changed_levers:has-text('No lever is changed')")
    page.locator("#language").click()  # and back, in Danish
    page.wait_for_selector("#lever_problems:has-text('gyldigt')")
    assert page.locator("#name").input_value() == "growth_four"


@pytest.mark.browser
def test_a_run_with_a_bad_lever_is_refused_and_runs_nothing(page, app):
    address, folder = app
    def runs() -> set[Path]:
        return set((folder / "runs").glob("*")) | set((folder / "experiments").glob("*"))

    before = runs()
    open_app(page, address)
    set_number(page, lever_id(page, "caseworkers.count"), 0)
    page.locator("#run").click()
    page.get_by_role("tab", name="Resultater").click()
    refused = page.locator("#run_refused")
    refused.wait_for()
    assert "levers of my_scenario: timeline.2017-02-01.caseworkers.count: got 0: must be above 0" \
        in refused.inner_text()
    assert runs() == before


@pytest.mark.browser
def test_a_bad_uploaded_scenario_is_named_with_its_parameter(page, app, tmp_path):
    address, _ = app
    open_app(page, address)
    bad = tmp_path / "bad_staffing.toml"
    bad.write_text('[scenario]\nextends = "ballerup_2017"\nname = "bad_staffing"\n'
                   '[caseworkers]\ncount = -3\n')
    page.locator("#upload").set_input_files(str(bad))
    message = page.locator("#upload_problems")
    message.wait_for()
    assert "bad_staffing.toml: caseworkers.count.value: got -3: must be above 0" in message.inner_text()
    assert "/tmp" not in message.inner_text().replace(str(tmp_path), "")  # named as uploaded
    shot(page, "bad_upload")


@pytest.mark.browser
def test_a_filled_in_template_uploads_as_a_scenario_to_start_from(page, app, tmp_path):
    address, folder = app
    open_app(page, address)
    book = openpyxl.load_workbook(downloaded(page, "template", tmp_path))
    rows = {row[0].value: row for row in book["parameters"].iter_rows(min_row=2)}
    rows["notification.per_year"][3].value = 500
    filled = tmp_path / "our_accounts.xlsx"
    book.save(filled)
    page.locator("#upload").set_input_files(str(filled))
    page.wait_for_selector("#upload_ok")
    assert page.locator("#start").input_value() == "uploads/our_accounts.toml"
    assert load_scenario(folder / "uploads" / "our_accounts.toml").notification.per_year.value == 500


@pytest.mark.browser
def test_saved_scenarios_are_compared_side_by_side_in_english(page, app):
    address, folder = app
    open_app(page, address + "?lang=en")
    assert page.get_by_role("tab", name="Levers").count() == 1
    set_number(page, lever_id(page, "services.familiehus.places"), 200)
    page.locator("#save_name").fill("familiehus_200")
    page.locator("#save").click()
    page.wait_for_selector("#save_ok")
    assert (folder / "scenarios" / "familiehus_200.toml").is_file()
    page.get_by_label("familiehus_200").check()
    page.get_by_role("tab", name="Compare").click()
    table = page.locator("#side_by_side_table")
    table.wait_for()
    assert "familiehus_200" in table.locator("thead").inner_text()
    row = table.locator("tr", has_text="Places at Familiehus").inner_text()
    assert "200 (2017-01-01)" in row and "215 (2017-01-01)" in row
    assert table.locator("tr", has_text="Price drift: Residential institution").count() == 1
    assert table.locator("tr", has_text="need.by_application").count() == 0  # no scenario changes it
    shot(page, "compare")
    open_app(page, address + "?lang=en")  # a new session: the saved scenario loads back into the levers
    page.get_by_label("familiehus_200").check()
    page.locator("#load").click()
    page.wait_for_function("document.querySelector('#name').value == 'familiehus_200'")
    places = page.locator(f"#{lever_id(page, 'services.familiehus.places')}")
    page.wait_for_function(f"document.querySelector('#{places.get_attribute('id')}').value == '200'")


@pytest.mark.unit
def test_an_effects_unforeseen_error_becomes_a_message_and_shinys_own_signals_pass():
    from shiny.types import NotifyException, SilentException

    from sim.app.server import shown_as_message

    async def deep() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    def quiet() -> None:
        raise SilentException()

    guarded = shown_as_message(deep, lambda error: f"no: {error}")()
    with pytest.raises(NotifyException) as shown:  # by hand: a browser loop may run in this thread
        guarded.send(None)
    assert str(shown.value) == "no: maximum recursion depth exceeded" and not shown.value.close
    assert not shown.value.sanitize and isinstance(shown.value.__cause__, RecursionError)
    with pytest.raises(SilentException):
        shown_as_message(quiet, str)()


@pytest.mark.browser
def test_an_error_no_check_foresaw_is_a_message_and_the_session_carries_on(page, app):
    """Shiny closed the session of an effect that raised: the page went grey and every edit was lost."""
    address, folder = app
    open_app(page, address + "?lang=en")
    page.locator("#save_name").fill("damaged_later")
    page.locator("#save").click()
    page.wait_for_selector("#save_ok")
    (folder / "scenarios" / "damaged_later.toml").write_bytes(b"[scenario\n\xff")  # damaged on disk
    set_number(page, "years", 3)  # an edit the planner would lose with the session
    page.get_by_label("damaged_later").check()
    page.locator("#load").click()
    message = page.locator(".shiny-notification-error")
    message.wait_for()
    assert "That did not work (cannot load a scenario" in message.inner_text()
    assert "damaged_later.toml" in message.inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("Shiny.shinyapp.isConnected()")
    assert page.locator("#years").input_value() == "3"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_a_run_in_progress_leaving_it_interrupted_to_resume(browser, tmp_path, stop):
    """Ctrl-C in the terminal, or SIGTERM from a service manager, with a session open and a run going."""
    process, address = start_app(tmp_path / "workspace")
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        open_app(page, address)
        set_number(page, "years", 1)  # the first runs come sooner than at the 5 years the app starts at
        set_number(page, "replications", 200)  # some minutes of work: Ctrl-C comes long before the end
        page.locator("#run").click()
        page.wait_for_function("parseInt(document.querySelector('#run_progress span')?.innerText) >= 4")
        process.send_signal(stop)
        sent = time.monotonic()
        # after its graceful shutdown uvicorn raises the signal again: SIGTERM then ends the process as a
        # service manager expects of it, and the app's Ctrl-C ends it normally
        assert process.wait(60) == (0 if stop == signal.SIGINT else -signal.SIGTERM)
        took = time.monotonic() - sent
        assert took < 10, f"the app took {took:.1f} s to stop"
    finally:
        page.close()
        process.kill()
    folder = next((tmp_path / "workspace" / "runs").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"  # not complete: the run did not go on to the end
    kept = list((folder / "chunks" / "outcomes").iterdir())
    assert 2 <= len(kept) < 200  # a batch is one replication of both scenarios
