"""Municipalities run together, sharing their foster families (sim.model.together, a region's option).

Run alone, a municipality short of foster families places its children in
the substitute types while its neighbour's families stand free; run
together, each type is one pool. These tests check the pool's rules, that
one municipality together is exactly the municipality alone, the
invariants across municipalities, the direction of the effect, and the
option through a region file and an ensemble.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from municipalities import municipality
from strategies import scenarios
from test_invariants import check_conservation, max_over_capacity
from test_region import write

import sim
from sim.bench import profile_scenario
from sim.errors import InputError
from sim.model import simulate
from sim.model.placement import FAMILY_TYPES
from sim.model.streams import Streams
from sim.model.together import shared_pools, simulate_together, together_problems
from sim.model.work import work_problems
from sim.montecarlo import run_ensemble
from sim.output.result import Result
from sim.region import load_region, region_tables, run_region_ensemble
from sim.scenario.schema import Scenario


def with_pool(scenario: Scenario, name: str, free: int, recruited: float, leaving: float | None = None
              ) -> Scenario:
    """``scenario`` named ``name``: ``free`` foster families free on the start date, ``recruited`` a year."""
    data = json.loads(scenario.model_dump_json())
    data["scenario"]["name"] = name
    pool = data["placement"]["foster_family"]["pool"]
    for key, value in (("free_at_start", free), ("recruited_per_year", recruited),
                       ("free_leaving_per_year", leaving)):
        if value is not None:
            pool[key]["value"] = value
            pool[key].pop("range", None)
    data["timeline"] = [change for change in data["timeline"]
                        if not change["path"].startswith("placement.foster_family.pool")]
    return Scenario.model_validate_json(json.dumps(data))


def starting_on(scenario: Scenario, day: dt.date) -> Scenario:
    """``scenario`` moved to start on ``day``, its timeline moved with it."""
    data = json.loads(scenario.model_dump_json())
    shift = day - scenario.scenario.start_date
    data["scenario"]["start_date"] = day.isoformat()
    for change in data["timeline"]:
        change["date"] = (dt.date.fromisoformat(change["date"]) + shift).isoformat()
    return Scenario.model_validate_json(json.dumps(data))


def records_of(records: sim.model.records.Records) -> dict[str, pd.DataFrame]:
    return {name: records.table(name) for name in ("children", "states", "spells", "waits", "placements",
                                                   "reviews", "exits")}


# -- the pool's rules ---------------------------------------------------------------


@pytest.mark.unit
def test_a_shared_pool_holds_every_municipalitys_families_and_recruits_their_sum():
    small = with_pool(municipality(0.5, 29.0), "small", free=4, recruited=6.0, leaving=0.1)
    large = with_pool(municipality(1.0, 29.0), "large", free=12, recruited=18.0, leaving=0.3)
    env = simpy.Environment()
    pools = shared_pools(env, [small, large], 2, Streams(0))
    assert set(pools) == {kind for kind in FAMILY_TYPES if small.placement.type(kind).pool is not None}
    families = [s.initial.placements.foster_family.value + s.placement.foster_family.pool.free_at_start.value
                for s in (small, large)]
    foster = pools["foster_family"]
    assert foster.families.capacity == sum(families)
    assert foster.recruitment.at(0.0) == pytest.approx(24.0)
    weighted = (0.1 * families[0] + 0.3 * families[1]) / sum(families)
    assert foster.turnover.free_leaving_per_year == pytest.approx(weighted)
    assert 0.1 < weighted < 0.3


@pytest.mark.unit
def test_municipalities_that_start_on_other_dates_cannot_run_together():
    default, other = sim.load_scenario("ballerup_2017"), profile_scenario(3_000)  # 2017 and 2022
    assert together_problems({"a": default, "b": default}) == []
    [problem] = together_problems({"a": default, "b": other})
    assert "same date" in problem and "2017-01-01" in problem and "2022-01-01" in problem
    with pytest.raises(ValueError, match="same date"):
        simulate_together([(default, 0), (other, 0)], 1, 0)


# -- together, a municipality is what it is alone ------------------------------------


@pytest.mark.functional
@pytest.mark.parametrize("name", ["ballerup_2017", "ballerup_2016"])
def test_one_municipality_together_with_its_own_seed_is_exactly_the_municipality_alone(name):
    scenario = sim.load_scenario(name)
    [together] = simulate_together([(scenario, 7)], 2, 7)
    alone = simulate(scenario, 2, 7)[1]
    for table, frame in records_of(together).items():
        pd.testing.assert_frame_equal(frame, records_of(alone)[table], check_exact=True, obj=table)


@pytest.mark.functional
def test_together_the_same_seeds_give_the_same_result_and_each_municipality_keeps_its_own_stock():
    a = with_pool(municipality(0.5, 29.0), "a", free=0, recruited=0.0)
    b = with_pool(municipality(0.5, 29.0), "b", free=30, recruited=20.0)
    first = simulate_together([(a, 1), (b, 2)], 2, 9)
    again = simulate_together([(a, 1), (b, 2)], 2, 9)
    for one, other in zip(first, again, strict=True):
        for table, frame in records_of(one).items():
            pd.testing.assert_frame_equal(frame, records_of(other)[table], check_exact=True, obj=table)
    # Each municipality draws from its own seed as it would alone: the stock of the start date is the same.
    for own, (scenario, seed) in zip(first, [(a, 1), (b, 2)], strict=True):
        alone = simulate(scenario, 2, seed)[1].table("children")
        together = own.table("children")
        pd.testing.assert_frame_equal(together[together["entered_day"] <= 0],
                                      alone[alone["entered_day"] <= 0], check_exact=True)


# -- invariants across the municipalities ---------------------------------------------


@pytest.mark.property
@pytest.mark.slow
@settings(max_examples=5)
@given(scenarios(), scenarios(), st.integers(0, 2**32 - 1))
def test_together_children_are_conserved_and_no_shared_family_holds_two_children(first, second, seed):
    second = starting_on(second, first.scenario.start_date)
    results = Result.together([(first, seed), (second, seed ^ 1)], 2, seed)
    for result in results:
        check_conservation(result)
    for kind in FAMILY_TYPES:
        if kind not in results[0].records.capacity:
            continue
        assert results[0].records.capacity[kind] is results[1].records.capacity[kind]  # one pool
        placed = pd.concat([r.spells[r.spells["measure"] == kind] for r in results])
        assert max_over_capacity(placed["start_day"], placed["end_day"],
                                 results[0].records.capacity[kind]) <= 0, kind


# -- the direction: a municipality short of families places fewer children elsewhere ----------


def substituted(records: sim.model.records.Records) -> tuple[int, int]:
    """(children wanted in a foster family, those placed in another type)."""
    placements = records.table("placements")
    wanted = placements[placements["wanted"] == "foster_family"]
    return len(wanted), int((wanted["placed"] != "foster_family").sum())


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("size", [0.5, 1.0])
def test_sharing_lets_a_municipality_without_free_families_place_in_its_neighbours(size):
    short = with_pool(municipality(size, 29.0), "short", free=0, recruited=0.0)
    rich = with_pool(municipality(size, 29.0), "rich", free=round(40 * size), recruited=30.0 * size)
    alone = together = np.zeros(2)
    for seed in range(3):
        alone = alone + substituted(simulate(short, 3, seed)[1])
        together = together + substituted(simulate_together([(short, seed), (rich, seed + 100)], 3, seed)[0])
    assert min(alone[0], together[0]) > 20
    assert together[1] / together[0] < 0.5 * alone[1] / alone[0]  # far fewer placed in another type


# -- through a region file and an ensemble ---------------------------------------------------------

SHARED = """\
[region]
name = "shared"
title = "Two small municipalities sharing their foster families"
start_date = 2022-01-01
foster_families = "shared"

[[municipality]]
name = "a"
children_0_22 = 2_000

[[municipality]]
name = "b"
children_0_22 = 3_000

[variants.same]
title = "Nothing changed: its paired difference must be zero everywhere"
"""
SHARING = 'foster_families = "shared"'


@pytest.mark.functional
@pytest.mark.slow
def test_a_shared_region_runs_every_variant_together_alike_on_a_process_pool(tmp_path):
    region = load_region(write(tmp_path, "shared", SHARED))
    assert region.shared_families
    assert list(region.labelled()) == ["a/baseline", "b/baseline", "a/same", "b/same"]
    here = run_region_ensemble(region, 2, 0, 1)
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        there = run_region_ensemble(region, 2, 0, 1, executor=pool)
    pd.testing.assert_frame_equal(here.outcomes, there.outcomes, check_exact=True)
    tables = region_tables(region, here)
    assert list(dict.fromkeys(tables["outcomes"]["municipality"])) == ["a", "b"]
    compared = tables["region_comparison"]
    assert len(compared) > 50 and (compared["mean"] == 0).all()  # the pools' luck is common too
    # The same children as run separately: only the placements may differ.
    apart = SHARED.replace(SHARING, 'foster_families = "separate"').replace('"shared"', '"apart"')
    separate = load_region(write(tmp_path, "apart", apart))
    alone = run_region_ensemble(separate, 2, 0, 1).outcomes.set_index(["scenario", "replication", "year",
                                                                        "outcome"])["value"]
    found = here.outcomes.set_index(["scenario", "replication", "year", "outcome"])["value"]
    assert found.loc[("a/baseline", 0, 2022, "notifications")] == alone.loc[("a/baseline", 0, 2022,
                                                                               "notifications")]


@pytest.mark.functional
def test_a_region_that_cannot_share_its_families_is_refused_before_anything_runs(tmp_path):
    text = SHARED + '\n[[municipality]]\nname = "old"\nscenario = "ballerup_2017"\n'
    with pytest.raises(InputError) as refused:
        load_region(write(tmp_path, "shared", text))
    message = str(refused.value)
    assert "region.foster_families" in message and "same date" in message and "2017-01-01" in message
    with pytest.raises(InputError, match="foster_families"):
        load_region(write(tmp_path, "shared", SHARED.replace(SHARING, 'foster_families = "pooled"')))


@pytest.mark.functional
def test_an_ensemble_that_shares_families_checks_its_batches_and_keeps_the_setting_in_its_store(tmp_path):
    default = sim.load_scenario("ballerup_2017")
    with pytest.raises(InputError, match="shared_families.*same date"):
        run_ensemble({"a": default, "b": profile_scenario(3_000)}, 1, years=1, shared_families=True)
    with pytest.raises(InputError, match="shared_families.*True or False"):
        run_ensemble({"a": default}, 1, years=1, shared_families="yes")
    run_ensemble({"a": default}, 1, years=1, folder=tmp_path / "store")
    with pytest.raises(InputError):
        run_ensemble({"a": default}, 1, years=1, folder=tmp_path / "store", shared_families=True)


@pytest.mark.unit
def test_municipalities_run_together_count_as_one_replication_in_the_work_estimate(tmp_path):
    text = SHARED.replace("2_000", "100_000").replace("3_000", "100_000")
    shared = load_region(write(tmp_path, "shared", text))
    separate = text.replace(SHARING, "").replace('"shared"', '"apart"')
    apart = load_region(write(tmp_path, "apart", separate))
    assert shared.work(10, 1).total == apart.work(10, 1).total
    assert work_problems(apart.work(10, 1)) == []  # each municipality alone is within one replication's work
    baseline, variant = work_problems(shared.work(10, 1))  # the two of each variant together are not
    assert "a/baseline .. b/baseline (2 run together)" in str(baseline)
    assert "a/same .. b/same (2 run together)" in str(variant)
    with pytest.raises(InputError, match=r"run together.*more than the 150,000"):
        run_region_ensemble(shared, 1, 0, 10)
