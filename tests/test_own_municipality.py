"""A municipality from its population, without Ballerup inside: the national profile, provenance, timelines.

A file with a name, a title, a start date and ``[municipality]
children_0_22`` is a complete scenario. It must place about the national
share of its children, stand still, and name no other municipality; a
caseload must give the caseworkers that make it; an extending file may
drop an inherited decision, and one inherited from before its start is in
force from it and listed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.errors import ScenarioError
from sim.model.initial_stock import start_caseload
from sim.scenario import extend_scenario
from sim.scenario.provenance import borrowed_lines, origins, render
from sim.scenario.schema import Caseworkers

EKSEMPELBY = """\
[scenario]
name = "eksempelby"
title = "Eksempelby Kommune"
start_date = 2019-01-01
[municipality]
children_0_22 = {children}
"""

NATIONAL_PLACED_SHARE = (0.008, 0.010)
"""0.9% of 0-22-year-olds placed at 31 December every year 2011-2022 (Danmarks Statistik), rounded."""


NOTIFICATIONS = {2015: 97_000, 2017: 118_900, 2018: 127_182, 2019: 137_986, 2020: 136_000, 2021: 138_000,
                 2022: 152_700}
"""Notifications nationally (Danmarks Statistik), the years the profile scales."""
NATIONAL_0_22 = {2015: 1_541_800, 2017: 1_545_700, 2018: 1_541_500, 2019: 1_535_300, 2020: 1_525_500,
                 2021: 1_515_800, 2022: 1_514_800}
"""Children aged 0-22 nationally on 1 January (FOLK1A) of the same years."""


def profile_file(tmp_path, children: int = 20_000, extra: str = "") -> str:
    path = tmp_path / f"eksempelby_{children}.toml"
    path.write_text(EKSEMPELBY.format(children=children) + extra, encoding="utf-8")
    return str(path)


def placed(scenario) -> int:
    return sum(count.value for _, count in scenario.initial.placements)


@pytest.mark.unit
def test_a_population_alone_is_a_complete_scenario_that_names_no_other_municipality(tmp_path):
    file = profile_file(tmp_path)
    scenario = sim.load_scenario(file)
    low, high = NATIONAL_PLACED_SHARE
    assert low <= placed(scenario) / 20_000 <= high
    assert scenario.small_children_special is None
    rows = origins(scenario)
    assert {row.kind for row in rows} <= {"this file", "national scaled", "national default", "derived"}
    assert all("ballerup" not in f"{row.where} {row.source}".lower() for row in rows)
    assert scenario.caseworkers.count.source.startswith("derived:")
    printed = subprocess.run([sys.executable, "-m", "sim", "provenance", file], capture_output=True,
                             text=True, check=True).stdout
    assert "ballerup" not in printed.lower()
    assert "national default" in printed and "national scaled" in printed and "derived" in printed


@pytest.mark.property
@given(children=st.integers(1_000, 2_000_000), year=st.integers(2010, 2035))
def test_any_population_and_start_gives_a_profile_at_national_rates_from_national_sources(children, year):
    """Counts scale with the children, notifications with the year's national rate, and nothing is another
    municipality's, whatever the size and start."""
    data = {"scenario": {"name": "any", "start_date": dt.date(year, 1, 1)},
            "municipality": {"children_0_22": children}}
    scenario = extend_scenario(None, data, "any")
    low, high = NATIONAL_PLACED_SHARE
    assert low - 4 / children <= placed(scenario) / children <= high + 4 / children  # 7 types rounded
    per_child = scenario.notification.per_year.value / children
    rates = [count / NATIONAL_0_22[year] for year, count in NOTIFICATIONS.items()]
    # the share aged 0-17 is taken in the year before the start, the count in the nearest year published
    assert 0.99 * min(rates) - 1 / children <= per_child <= 1.01 * max(rates) + 1 / children, per_child
    rows = origins(scenario)
    assert {row.kind for row in rows} <= {"this file", "national scaled", "national default", "derived"}
    assert not any("ballerup" in row.source.lower() for row in rows)
    assert start_caseload(scenario) == pytest.approx(scenario.caseworkers.caseload.value, rel=0.02)


@pytest.mark.unit
def test_notifications_scale_to_the_children_aged_0_17_and_to_the_year_before_the_start(tmp_path):
    bands = "by_age = { \"0-5\" = 4000, \"6-11\" = 4000, \"12-17\" = 4000, \"18-22\" = 8000 }\n"
    young = sim.load_scenario(profile_file(tmp_path, extra=bands))
    national = sim.load_scenario(profile_file(tmp_path))
    share = young.notification.per_year.value / national.notification.per_year.value
    assert share == pytest.approx(12_000 / (20_000 * 1_168_200 / 1_541_500), rel=0.01)
    later = extend_scenario(profile_file(tmp_path), {"scenario": {"start_date": dt.date(2023, 1, 1)}}, "l")
    assert later.notification.per_year.value > 1.15 * national.notification.per_year.value  # 2022, not 2018
    assert "(2022)" in later.notification.per_year.source


@pytest.mark.functional
@pytest.mark.parametrize("children, replications", [
    (5_000, 8), (20_000, 3), pytest.param(150_000, 1, marks=pytest.mark.slow)])
def test_a_municipality_built_from_its_population_stands_still(tmp_path, children, replications):
    """Each level's count at each 31 December within 15% of the start over 5 years (mean of replications)."""
    scenario = sim.load_scenario(profile_file(tmp_path, children))
    start = {"preventive": scenario.initial.preventive.value, "placement": placed(scenario),
             "home_based": scenario.initial.home_based_measures.value}
    counts = []
    for seed in range(replications):
        frame = sim.run(scenario, years=5, seed=seed).budget_frame.set_index("level")
        for level, count in start.items():
            column = "measures_31_dec" if level == "home_based" else "persons_31_dec"
            years, values = frame.loc[level, "year"], frame.loc[level, column]
            counts += [{"level": level, "year": year, "ratio": value / count}
                       for year, value in zip(years, values, strict=True)]
    ratios = pd.DataFrame(counts).groupby(["level", "year"])["ratio"].mean()
    assert ((ratios - 1).abs() <= 0.15).all(), ratios


@pytest.mark.unit
def test_a_caseload_given_derives_the_caseworkers_that_make_it(tmp_path):
    own = sim.load_scenario(profile_file(tmp_path, extra="[caseworkers]\ncaseload = 25\n"))
    assert start_caseload(own) == pytest.approx(25, rel=0.01)
    ballerup = extend_scenario("ballerup_2017_steady", {"caseworkers": {"caseload": 28}}, "caseload")
    assert start_caseload(ballerup) == pytest.approx(28, rel=0.01)
    assert ballerup.caseworkers.count.value > 20 and "caseload of 28" in ballerup.caseworkers.count.source
    counted = extend_scenario(profile_file(tmp_path), {"caseworkers": {"count": 30}}, "count")
    assert counted.caseworkers.count.value == 30 and counted.caseworkers.caseload is None
    neither = {k: v for k, v in counted.caseworkers.model_dump().items() if k not in ("count", "caseload")}
    with pytest.raises(ValueError, match="give count .* or caseload"):
        Caseworkers.model_validate(neither)


@pytest.mark.unit
def test_an_extending_file_drops_an_inherited_decision_and_says_so():
    kept = sim.load_scenario("ballerup_2017")
    assert {c.path for c in kept.timeline} == {"caseworkers.count", "reform.practised"}
    dropped = extend_scenario("ballerup_2017", {"timeline": {"2017-02-01": {"drop": True}}}, "no_decision")
    assert dropped.timeline == () and dropped.at_start("caseworkers.count") == 20
    assert any("dropped by no_decision" in note for note in dropped.timeline_notes)
    moved = {"2017-02-01": {"drop": True}, "2018-01-01": {"caseworkers": {"count": 26}}}
    replaced = extend_scenario("ballerup_2017", {"timeline": moved}, "r")
    assert [(c.date.isoformat(), c.value) for c in replaced.timeline] == [("2018-01-01", 26.0)]
    with pytest.raises(ScenarioError) as refused:
        extend_scenario("ballerup_2017", {"timeline": {"2019-01-01": {"drop": True},
                                                       "2017-02-01": {"drop": "yes"}}}, "bad")
    message = str(refused.value)
    assert "timeline.2019-01-01.drop" in message and "timeline.2017-02-01.drop" in message


@pytest.mark.unit
def test_an_inherited_decision_before_a_later_start_is_in_force_from_it_and_listed(tmp_path):
    later = extend_scenario("ballerup_2017", {"scenario": {"start_date": dt.date(2019, 1, 1)}}, "from_2019")
    assert later.at_start("caseworkers.count") == 32 and later.at_start("reform.practised") == 1
    assert any("2017-02-01" in note and "in force from it" in note for note in later.timeline_notes)
    assert "in force from it" in render(later)
    (tmp_path / "later.toml").write_text('[scenario]\nextends = "ballerup_2017"\nname = "later"\n'
                                         "start_date = 2019-01-01\n", encoding="utf-8")
    printed = subprocess.run([sys.executable, "-m", "sim", "run", "--scenario", str(tmp_path / "later.toml"),
                              "--years", "1", "--out", str(tmp_path / "run")], capture_output=True, text=True)
    assert printed.returncode == 0 and "note: timeline 2017-02-01 of embedded:ballerup_2017" in printed.stderr
    with pytest.raises(ScenarioError, match="timeline.2018-06-01.*before the start date"):
        extend_scenario("ballerup_2017", {"scenario": {"start_date": dt.date(2019, 1, 1)},
                                          "timeline": {"2018-06-01": {"caseworkers": {"count": 30}}}}, "own")
    with pytest.raises(ScenarioError, match="scenario.start_date.*2010"):
        extend_scenario("ballerup_2017", {"scenario": {"start_date": dt.date(2009, 1, 1)}}, "too_early")


@pytest.mark.unit
def test_a_published_value_from_another_municipality_is_flagged(tmp_path):
    assert sim.load_scenario("ballerup_2017").borrowed == ()
    other = extend_scenario("ballerup_2017_steady", {"municipality": {"name": "Eksempelby Kommune",
                                                                      "children_0_22": 20_000},
                                                     "population": {"children": 20_000}}, "eksempelby")
    flagged = dict(other.borrowed)
    assert flagged["notification.per_year"] == "embedded:ballerup_2017_steady"
    assert "initial.placements.foster_family" in flagged and "need.by_application" not in flagged
    assert any("notification.per_year" in line for line in borrowed_lines(other))
    own = extend_scenario("ballerup_2017_steady", {"municipality": {"children_0_22": 20_000}}, "own_children")
    assert own.population.children.value == 20_000 and own.origins["population.children"] == "own_children"
    with pytest.raises(ScenarioError, match="population.children.*municipality.children_0_22"):
        extend_scenario("ballerup_2017_steady", {"municipality": {"children_0_22": 20_000},
                                                 "population": {"children": 15_000}}, "disagree")
