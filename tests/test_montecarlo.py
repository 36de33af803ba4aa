"""The Monte Carlo engine: common random numbers, any executor the same, resume, and parameter draws.

Ensembles here are small (a few replications of one to three years), since
each replication is a full run; what they test does not depend on size.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import InputError
from sim.montecarlo import replication_seed, run_ensemble
from sim.montecarlo.draws import assumptions, uncertain_paths, with_values
from sim.montecarlo.outcomes import outcomes
from sim.scenario.schema import Scenario

BASE = "ballerup_2017"
MORE_PLACES = "ballerup_2017_familiehus_plus_10"  # 190 Familiehus places from 2019
FEWER_STAFF = "ballerup_2017_without_extra_staff"  # differs from February 2017


@functools.cache
def ensemble(names: tuple[str, ...], replications: int, seed: int, years: int, uncertainty="stochastic"):
    return run_ensemble(list(names), replications, seed, years=years, uncertainty=uncertainty)


def values(ensemble_, scenario: str, outcome: str, year: int) -> np.ndarray:
    table = ensemble_.outcomes
    rows = table[(table["scenario"] == scenario) & (table["outcome"] == outcome) & (table["year"] == year)]
    return rows.sort_values("replication")["value"].to_numpy()


# -- common random numbers -------------------------------------------------------------


@pytest.mark.functional
@pytest.mark.slow
def test_scenarios_share_their_arrivals_and_the_paired_difference_is_tighter():
    """Adding places changes nothing about who is notified; pairing must then remove most of the noise."""
    pair = ensemble((BASE, MORE_PLACES), 6, 3, 3)
    for year in (2017, 2018, 2019):
        base = values(pair, BASE, "notifications", year)
        more = values(pair, MORE_PLACES, "notifications", year)
        assert len(base) == 6 and np.array_equal(base, more)
        assert len(set(base)) > 1  # and the replications do differ from each other
    base = values(pair, BASE, "spend_kr.total", 2019)
    more = values(pair, MORE_PLACES, "spend_kr.total", 2019)
    paired_sd = np.std(more - base, ddof=1)
    unpaired_sd = np.sqrt(np.var(base, ddof=1) + np.var(more, ddof=1))
    assert 0 < paired_sd < 0.25 * unpaired_sd


@pytest.mark.functional
@pytest.mark.slow
def test_each_replication_is_the_single_run_with_its_seed():
    """Any replication can be rerun alone: its outcomes are those of ``sim.run`` with the seed it records."""
    pair = ensemble((BASE, MORE_PLACES), 6, 3, 3)
    rows = pair.outcomes[(pair.outcomes["scenario"] == BASE) & (pair.outcomes["replication"] == 4)]
    assert rows["seed"].nunique() == 1
    seed = int(rows["seed"].iloc[0])
    assert seed == replication_seed(3, 4)
    single = outcomes(sim.run(BASE, years=3, seed=seed))
    mine = rows[["year", "outcome", "value"]].sort_values(["year", "outcome"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, single.sort_values(["year", "outcome"]).reset_index(drop=True),
                                  check_dtype=False)


@pytest.mark.unit
def test_replication_seeds_differ_and_fit_a_signed_64_bit_column():
    seeds = {replication_seed(seed, k) for seed in range(5) for k in range(200)}
    assert len(seeds) == 1000
    assert all(0 <= s < 2**63 for s in seeds)


# -- the same result on any executor ---------------------------------------------------------

EXECUTOR_RUN = dict(replications=4, seed=11, years=1)


@functools.cache
def sequential():
    return run_ensemble([BASE, FEWER_STAFF], **EXECUTOR_RUN)


def assert_same(first, second) -> None:
    pd.testing.assert_frame_equal(first.outcomes, second.outcomes)
    pd.testing.assert_frame_equal(first.draws, second.draws)


@pytest.mark.functional
@pytest.mark.slow
def test_a_process_pool_gives_the_sequential_result_bit_for_bit():
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        parallel = run_ensemble([BASE, FEWER_STAFF], **EXECUTOR_RUN, executor=pool, batch_size=1)
    assert_same(sequential(), parallel)


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_dask_cluster_gives_the_sequential_result_bit_for_bit(workers):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run_ensemble([BASE, FEWER_STAFF], **EXECUTOR_RUN, executor=client, batch_size=workers)
    assert_same(sequential(), on_dask)


@pytest.mark.functional
@pytest.mark.slow
def test_the_result_is_in_a_fixed_order_whatever_order_batches_finish(monkeypatch):
    """Batches come back in any order from a pool; the tables must not show it."""
    import sim.montecarlo.ensemble as engine

    in_order = engine._execute
    monkeypatch.setattr(engine, "_execute",
                        lambda batches, executor: in_order(reversed(list(batches)), executor))
    reversed_ = run_ensemble([BASE, FEWER_STAFF], **EXECUTOR_RUN, batch_size=1)
    assert_same(sequential(), reversed_)


@pytest.mark.functional
@pytest.mark.slow
def test_batches_of_a_few_scenarios_give_the_result_of_batches_of_all(tmp_path):
    """A sensitivity design has many scenarios and few replications; its grouping must not show."""
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        grouped = run_ensemble([BASE, FEWER_STAFF], **EXECUTOR_RUN, executor=pool, scenarios_per_batch=1)
    assert_same(sequential(), grouped)
    folder = tmp_path / "grouped"
    run_ensemble([BASE, FEWER_STAFF], 1, 5, years=1, folder=folder, scenarios_per_batch=1)
    names = sorted(f.name for f in (folder / "chunks" / "outcomes").iterdir())
    assert names == ["batch-000000-000000.parquet", "batch-000000-000001.parquet"]
    regrouped = run_ensemble([BASE, FEWER_STAFF], 2, 5, years=1, folder=folder)  # resumed, grouped otherwise
    assert_same(run_ensemble([BASE, FEWER_STAFF], 2, 5, years=1), regrouped)


# -- resume -------------------------------------------------------------------------------


@pytest.mark.functional
@pytest.mark.slow
def test_a_folder_keeps_finished_batches_and_more_replications_extend_it(tmp_path):
    folder = tmp_path / "ensemble"
    first = run_ensemble([BASE], 2, 5, years=1, folder=folder, batch_size=1)
    written = sorted((folder / "chunks" / "outcomes").iterdir())
    assert [f.name for f in written] == ["batch-000000.parquet", "batch-000001.parquet"]
    stamps = [f.stat().st_mtime_ns for f in written]
    extended = run_ensemble([BASE], 4, 5, years=1, folder=folder, batch_size=1)
    assert [f.stat().st_mtime_ns for f in written] == stamps  # not run again
    fresh = run_ensemble([BASE], 4, 5, years=1)
    assert_same(fresh, extended)
    pd.testing.assert_frame_equal(first.outcomes, fresh.outcomes[fresh.outcomes["replication"] < 2])


@pytest.mark.functional
@pytest.mark.slow
def test_a_progress_function_is_told_the_runs_done_counting_those_in_the_folder(tmp_path):
    folder = tmp_path / "ensemble"
    run_ensemble([BASE, MORE_PLACES], 1, 5, years=1, folder=folder)
    told: list[tuple[int, int]] = []
    run_ensemble([BASE, MORE_PLACES], 3, 5, years=1, folder=folder, progress=lambda *args: told.append(args))
    assert told[0] == (2, 6) and told[-1] == (6, 6)  # 2 runs were in the folder already
    assert [done for done, _ in told] == sorted({done for done, _ in told})  # one report per batch, rising


@pytest.mark.functional
def test_resuming_with_other_settings_is_refused_and_leaves_the_folder_alone(tmp_path):
    folder = tmp_path / "ensemble"
    run_ensemble([BASE], 1, 5, years=1, folder=folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    with pytest.raises(InputError) as error:
        run_ensemble([BASE], 2, 6, years=2, folder=folder)
    text = str(error.value)
    assert "seed" in text and "years" in text and "got 6" in text and "was 5" in text
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


KILLED_RUN = dict(replications=6, seed=2, years=1, batch_size=1)


@pytest.mark.functional
@pytest.mark.slow
def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    """Kill -9 part-way (no chance to clean up), resume, and get exactly what an unbroken run gives."""
    folder = tmp_path / "killed"
    script = textwrap.dedent(f"""
        from sim.montecarlo import run_ensemble
        run_ensemble({[BASE]!r}, folder={str(folder)!r}, **{KILLED_RUN!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", script])
    chunks = folder / "chunks" / "outcomes"
    deadline = time.monotonic() + 120
    try:
        while len(list(chunks.glob("batch-*.parquet"))) < 2:
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no batch written in time"
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finished = len(list(chunks.glob("batch-*.parquet")))
    assert 2 <= finished < KILLED_RUN["replications"]
    resumed = run_ensemble([BASE], folder=folder, **KILLED_RUN)
    assert_same(run_ensemble([BASE], **KILLED_RUN), resumed)
    assert not list(folder.rglob("*.partial"))


# -- parameter uncertainty ---------------------------------------------------------------------


@pytest.mark.functional
@pytest.mark.slow
def test_parameter_draws_lie_in_their_ranges_are_shared_and_spare_the_levers(default):
    """Replication k draws every assumption, the same in each scenario; levers keep their values."""
    drawn = ensemble((BASE, MORE_PLACES), 3, 9, 1, "parameters")
    draws = drawn.draws
    found = assumptions(default)
    paths = set(draws["path"])
    assert "services.familiehus.places" not in paths  # the variant's timeline changes it: a lever
    assert paths == set(found) - {"services.familiehus.places"}
    for row in draws.itertuples():
        low, high = found[row.path].range
        assert low <= row.value <= high, row
    by_scenario = draws.pivot_table(index=["replication", "path"], columns="scenario", values="value")
    assert (by_scenario[BASE] == by_scenario[MORE_PLACES]).all()
    spread = draws[draws["scenario"] == BASE].groupby("path")["value"].nunique()
    continuous = [p for p in spread.index
                  if not isinstance(found[p].value, int) and np.ptp(found[p].range) > 0]
    assert len(continuous) > 40 and (spread[continuous] == 3).all()  # a new value in each replication
    integers = [p for p in paths if isinstance(found[p].value, int)]
    assert integers and draws[draws["path"].isin(integers)]["value"].apply(float.is_integer).all()


@pytest.mark.functional
@pytest.mark.slow
def test_a_replication_with_drawn_parameters_reruns_from_its_draws_and_seed(default):
    drawn = ensemble((BASE, MORE_PLACES), 3, 9, 1, "parameters")
    draws = drawn.draws[(drawn.draws["scenario"] == BASE) & (drawn.draws["replication"] == 2)]
    scenario = with_values(default, dict(zip(draws["path"], draws["value"], strict=True)), "replication 2")
    rerun = outcomes(sim.run(scenario, years=1, seed=replication_seed(9, 2)))
    rows = drawn.outcomes[(drawn.outcomes["scenario"] == BASE) & (drawn.outcomes["replication"] == 2)]
    assert np.array_equal(rows.sort_values(["year", "outcome"])["value"].to_numpy(),
                          rerun.sort_values(["year", "outcome"])["value"].to_numpy())
    stochastic = ensemble((BASE, MORE_PLACES), 3, 9, 1)
    assert stochastic.draws.empty
    assert not np.array_equal(values(stochastic, BASE, "spend_kr.total", 2017),
                              values(drawn, BASE, "spend_kr.total", 2017))


@pytest.mark.unit
def test_a_parameter_whose_value_differs_between_scenarios_is_a_lever(default):
    data = json.loads(default.model_dump_json())
    data["services"]["dut"]["places"]["value"] = 200
    other = Scenario.model_validate_json(json.dumps(data))
    paths = uncertain_paths([default, other])
    assert "services.dut.places" not in paths
    assert "services.familiehus.places" in paths
    assert "caseworkers.count" not in paths  # no range: a figure, never drawn


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.unit
def test_bad_arguments_are_all_reported_before_anything_runs(tmp_path):
    folder = tmp_path / "never"
    with pytest.raises(InputError) as error:
        run_ensemble([BASE], 0, -1, years=0, uncertainty="both", batch_size=0, folder=folder,
                     scenarios_per_batch=0)
    text = str(error.value)
    for name in ("replications", "seed", "years", "uncertainty", "batch_size", "scenarios_per_batch"):
        assert name in text
    assert "'both'" in text and "stochastic" in text
    assert not folder.exists()


@pytest.mark.unit
def test_a_bad_executor_and_a_missing_scenario_are_reported_with_the_rest(tmp_path):
    with pytest.raises(InputError) as error:
        run_ensemble([BASE, "no_such_scenario"], 0, executor="four cores", folder=tmp_path / "never")
    text = str(error.value)
    assert "executor" in text and "'str'" in text and "no_such_scenario" in text and "replications" in text
    assert not (tmp_path / "never").exists()


@pytest.mark.functional
def test_a_scenario_given_twice_needs_labels():
    with pytest.raises(InputError, match="ballerup_2017"):
        run_ensemble([BASE, BASE], 1)
    labelled = run_ensemble({"a": BASE, "b": BASE}, 1, years=1)
    assert labelled.scenarios == ("a", "b")
    compared = labelled.compare()
    assert (compared["mean"] == 0).all() and (compared["p_higher"] == 0).all()


# -- direction of effect -----------------------------------------------------------------------


@pytest.mark.functional
@pytest.mark.slow
def test_more_familiehus_places_never_lengthen_the_median_wait_in_the_paired_comparison(default):
    """A sweep built in code: the paired difference in median wait must not be above zero."""
    data = json.loads(default.model_dump_json())

    def with_places(places: int) -> Scenario:
        data["services"]["familiehus"]["places"] = {"value": places, "source": "test"}
        return Scenario.model_validate_json(json.dumps(data))

    sweep = run_ensemble({str(p): with_places(p) for p in (160, 180, 200)}, 4, 1, years=2)
    for low, high in (("160", "180"), ("180", "200")):
        compared = sweep.compare(baseline=low)
        wait = compared[(compared["scenario"] == high)
                        & (compared["outcome"] == "median_wait_days.familiehus")]
        assert len(wait) == 2
        assert (wait["median"] <= 0).all() and (wait["mean"] < 0).any(), wait


@pytest.mark.functional
@pytest.mark.slow
def test_without_common_random_numbers_each_scenario_has_its_own_seeds_and_a_measure_of_its_own(tmp_path):
    """Calibration's ensembles: the same scenario under two labels meets different luck, reproducibly."""
    from sim.calibration.counterparts import counterparts

    twins = {"a": BASE, "b": BASE}
    shared = run_ensemble(twins, 2, 4, years=1)
    own = run_ensemble(twins, 2, 4, years=1, common_random_numbers=False, measure=counterparts)
    seeds = own.outcomes.groupby(["scenario", "replication"])["seed"].first().unstack("scenario")
    assert (seeds["a"] != seeds["b"]).all()
    assert seeds.loc[1, "a"] == replication_seed(4, 1, "a")
    by = shared.outcomes.groupby(["scenario", "replication"])["seed"].first().unstack("scenario")
    assert (by["a"] == by["b"]).all()
    assert set(own.outcomes["outcome"]) == set(counterparts(sim.run(BASE, years=1, seed=1))["outcome"])
    again = run_ensemble(twins, 2, 4, years=1, common_random_numbers=False, measure=counterparts,
                         folder=tmp_path / "own")
    pd.testing.assert_frame_equal(again.outcomes, own.outcomes)
    with pytest.raises(InputError) as error:  # a store of one kind does not resume as the other
        run_ensemble(twins, 2, 4, years=1, measure=counterparts, folder=tmp_path / "own")
    assert "common_random_numbers" in str(error.value)


@pytest.mark.functional
def test_a_store_whose_empty_draws_files_are_gone_still_reads(tmp_path):
    """Draws are empty without parameter uncertainty; a folder missing their files is read all the same."""
    first = run_ensemble([BASE], 1, 3, years=1, folder=tmp_path / "e")
    for draws in (tmp_path / "e" / "chunks" / "draws").glob("*.parquet"):
        draws.unlink()
    again = run_ensemble([BASE], 1, 3, years=1, folder=tmp_path / "e")
    pd.testing.assert_frame_equal(again.outcomes, first.outcomes)
    assert list(again.draws.columns) == ["scenario", "replication", "path", "value"] and again.draws.empty


@pytest.mark.unit
def test_an_ensemble_on_workers_derives_each_steady_state_once_and_sends_it_with_the_batches(default,
                                                                                             monkeypatch):
    from sim.model import equilibrium
    from sim.montecarlo.ensemble import _derived_on
    from sim.montecarlo.replication import Batch, run_batch

    priced = with_values(default, {"placement.foster_family.price_drift_per_year": 0.05}, "not probed")
    other = with_values(default, {"caseworkers.count": 30}, "another caseload on the start date")
    named = {"a": default, "b": priced, "c": other}
    solved = []
    solve = equilibrium.solve
    monkeypatch.setattr(equilibrium, "_DERIVED", {})
    monkeypatch.setattr(equilibrium, "solve", lambda scenario: solved.append(1) or solve(scenario))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        steady = _derived_on(pool, named, {("c", 0)}, 2)
    assert len(solved) == 2  # a and b read the same start: one state for both
    assert steady["a"] == steady["b"] and steady["a"][0] != steady["c"][0]
    assert steady["c"][1] == equilibrium.derive(other)
    assert _derived_on(None, named, set(), 2) == {}
    assert _derived_on(concurrent.futures.ThreadPoolExecutor(1), {"c": other}, {("c", 0), ("c", 1)}, 2) == {}

    # a worker given the states derives none
    monkeypatch.setattr(equilibrium, "_DERIVED", {})
    monkeypatch.setattr(equilibrium, "solve", lambda scenario: pytest.fail("derived again"))
    batch = Batch((("a", default.model_dump_json()),), (0,), 1, 0, (), "batch", steady=(steady["a"],))
    found, _ = run_batch(batch)
    expected, _ = run_batch(Batch((("a", default.model_dump_json()),), (0,), 1, 0, (), "batch"))
    pd.testing.assert_frame_equal(found, expected)
