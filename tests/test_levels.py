"""The accounts' levels of a run: which levels there are, and what each counts.

A municipality whose accounts have no small-children level leaves
``[small_children_special]`` out of its scenario; the run then has no such
stock, its budget frame no such row and its outcomes no such names, and
nothing in them is NaN. The home-based level is read measure by measure,
and the authority's spend carries its other staff and overheads.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from conftest import cached_run
from variants import with_values, without

import sim
from sim.errors import InputError
from sim.experiments import load_experiment
from sim.measures import HOME_BASED
from sim.montecarlo.outcomes import outcome_names, outcomes
from sim.montecarlo.summary import summarise

SMALL = "small_children_special"
ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def without_small_children() -> sim.Result:
    return sim.Result.of(without(SMALL), 2, 0)


@pytest.mark.unit
def test_a_scenario_may_leave_the_small_children_level_out():
    scenario = without(SMALL)
    assert scenario.small_children_special is None
    assert SMALL not in scenario.levels
    assert SMALL in sim.load_scenario("ballerup_2017_steady").levels
    assert not any(name.endswith(f".{SMALL}") for name in outcome_names(scenario))


@pytest.mark.functional
def test_a_municipality_without_the_level_has_no_stock_no_row_and_no_nan():
    result = without_small_children()
    assert SMALL not in set(result.spells["measure"]) and SMALL not in set(result.states["state"])
    frame = result.budget_frame
    assert set(frame["level"]) == {"preventive", "home_based", "placement", "authority"}
    assert not frame.isna().any().any()
    kept = outcomes(result)
    assert set(kept["outcome"]) == set(outcome_names(result.scenario))
    assert np.isfinite(kept["value"]).all()
    total = kept[kept["outcome"] == "spend_kr.total"].set_index("year")["value"]
    levels = frame[frame["level"] != "authority"].groupby("year")["spend_kr"].sum()
    assert np.allclose(total.sort_index(), levels.sort_index())
    summary = summarise(kept.assign(scenario=result.scenario.name))
    assert not summary[["mean", "median", "p5", "p95"]].isna().any().any()


@pytest.mark.functional
def test_the_default_keeps_its_small_children_level_with_a_price():
    frame = cached_run("ballerup_2017", 1, 0).budget_frame.set_index("level")
    assert frame.loc[SMALL, "persons_31_dec"] > 0
    assert frame.loc[SMALL, "price_per_full_year_kr"] == pytest.approx(434_000, rel=1e-9)


@pytest.mark.unit
def test_a_plan_of_a_level_the_scenario_lacks_is_refused_naming_it(tmp_path):
    steady = (ROOT / "sim" / "scenarios" / "ballerup_2017_steady.toml").read_text("utf-8")
    start, end = steady.index(f"[{SMALL}]"), steady.index("[prices]")
    (tmp_path / "no_small.toml").write_text(steady[:start] + steady[end:], "utf-8")
    text = (ROOT / "sim" / "experiments" / "shipped" / "investment_replay.toml").read_text("utf-8")
    (tmp_path / "replay.toml").write_text(text.replace('scenario = "ballerup_2016"',
                                                       'scenario = "no_small.toml"', 1), "utf-8")
    with pytest.raises(InputError) as caught:
        load_experiment(tmp_path / "replay.toml")
    refused = [p for p in caught.value.problems if p.path == f"plan.level.{SMALL}"]
    assert refused and all(SMALL in p.message for p in refused)


@pytest.mark.functional
def test_home_based_measures_add_up_to_the_levels_units_and_cost_their_days_at_their_price(default):
    result = cached_run("ballerup_2017", 1, 0)
    kept = outcomes(result).set_index("outcome")["value"]
    frame = result.budget_frame.set_index("level")
    year = default.scenario.start_date.year
    persons = [kept[f"home_based_full_year_persons.{m}"] for m in HOME_BASED]
    assert sum(persons) == pytest.approx(frame.loc["home_based", "full_year_measures"], rel=1e-9)
    assert sum(persons) > frame.loc["home_based", "full_year_persons"]  # some children have two measures
    spent = sum(kept[f"home_based_spend_kr.{m}"] for m in HOME_BASED)
    level = frame.loc["home_based", "spend_kr"]
    assert spent + result.idle_place_cost[year] == pytest.approx(level, rel=1e-9)
    by_measure = result.spend_by_measure.set_index(["measure", "provider"])["full_year_measures"]
    in_house = {service.measure: name for name, service in default.services}
    for measure in HOME_BASED:  # the start year: every price as the scenario sets it
        external = by_measure.get((measure, "external"), 0.0) * default.get(
            f"home_based.{measure}.price_per_year").value
        own = by_measure.get((measure, "in_house"), 0.0) * (default.get(
            f"services.{in_house[measure]}.price_per_place_year").value if measure in in_house else 0.0)
        assert kept[f"home_based_spend_kr.{measure}"] == pytest.approx(external + own, rel=1e-9), measure
        assert kept[f"home_based_full_year_persons.{measure}"] > 0


@pytest.mark.functional
def test_the_authoritys_overheads_scale_its_spend_and_price_and_nothing_else():
    share = 0.25
    plain = cached_run("ballerup_2017", 1, 0).budget_frame.set_index("level")
    assert sim.load_scenario("ballerup_2017").caseworkers.overhead_share.value == 0.0
    scenario = with_values(("caseworkers.overhead_share", share))
    loaded = sim.Result.of(scenario, 1, 0).budget_frame.set_index("level")
    salary = scenario.caseworkers.salary_per_year.value
    authority = plain.loc["authority", "spend_kr"]
    assert loaded.loc["authority", "spend_kr"] == pytest.approx(authority * (1 + share), rel=1e-12)
    # a caseworker-year costs the salary and its overheads: days times that price
    assert loaded.loc["authority", "price_per_full_year_kr"] == pytest.approx(salary * (1 + share), rel=1e-12)
    assert loaded.loc["authority", "full_year_persons"] == plain.loc["authority", "full_year_persons"]
    others = [level for level in plain.index if level != "authority"]
    assert loaded.loc[others].equals(plain.loc[others])
