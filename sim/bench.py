"""``python -m sim.bench``: how fast and how big barnesim is, against baselines measured in the same run.

These machines are shared and noisy, so every speed is also given as a
ratio to a baseline measured in the same process minutes earlier: raw SimPy
throughput for the model's events, one core for the ensemble's speed-up,
the process pool for Dask. The table (figure, value, unit, target, met) is
printed and written with the top of a profile of one replication to
``results/bench/<timestamp>/``, beside a manifest of the software that
produced it. Benchmarks are never timed tests: a slow machine must not turn
the suite red.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pickle
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy

from . import run
from .cli import whole_number
from .errors import InputError, Problem, command_status
from .model import simulate
from .model.equilibrium import derive
from .model.equilibrium import solve as solve_steady_state
from .model.wiring import Model
from .montecarlo import run_ensemble
from .montecarlo.executors import executor_for
from .montecarlo.outcomes import outcomes
from .output.folders import new_folder
from .output.manifest import software
from .scenario import DEFAULT_SCENARIO, Scenario, extend_scenario, load_scenario

RESULTS = Path("results") / "bench"


class Table:
    """The benchmark's rows, printed as they are measured."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, figure: str, value: float, unit: str, target: str = "", met: bool | None = None) -> None:
        """Record and print one figure, with its target and whether it was met when there is one."""
        self.rows.append({"figure": figure, "value": value, "unit": unit, "target": target,
                          "met": "" if met is None else ("yes" if met else "no")})
        verdict = "" if met is None else ("  met" if met else "  NOT MET")
        print(f"  {figure:58} {value:>14,.3f} {unit:14} {target}{verdict}", flush=True)

    def frame(self) -> pd.DataFrame:
        """The rows as a table."""
        return pd.DataFrame(self.rows, columns=["figure", "value", "unit", "target", "met"])


def best_of(repeats: int, action: Callable[[], Any]) -> float:
    """The shortest wall time of ``repeats`` calls: the least disturbed by other work on the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


# -- raw SimPy ------------------------------------------------------------------------------------


def simpy_timeouts(processes: int = 1000, events: int = 300_000) -> float:
    """Timeouts per second with ``processes`` processes waiting at once: SimPy's own ceiling."""
    env = simpy.Environment()
    delays = np.random.default_rng(0).exponential(1.0, size=events).tolist()
    per_process = events // processes

    def waiter(start: int):
        for k in range(per_process):
            yield env.timeout(delays[start + k])

    for p in range(processes):
        env.process(waiter(p * per_process))
    seconds = best_of(1, env.run)
    return processes * per_process / seconds


def simpy_resources(processes: int = 1000, capacity: int = 100, rounds: int = 50) -> float:
    """Request, hold and release cycles per second on a resource that ``processes`` compete for."""
    env = simpy.Environment()
    place = simpy.Resource(env, capacity)

    def user():
        for _ in range(rounds):
            with place.request() as request:
                yield request
                yield env.timeout(1.0)

    for _ in range(processes):
        env.process(user())
    return processes * rounds / best_of(1, env.run)


def model_events(scenario: Scenario, years: int, seed: int) -> int:
    """Events SimPy processes in one replication, counted by wrapping the environment's step.

    The steady state is derived first, so that the probe's own events are not counted.
    """
    derive(scenario)
    counted = [0]
    step = simpy.Environment.step

    def counting(env: simpy.Environment) -> None:
        counted[0] += 1
        step(env)

    simpy.Environment.step = counting  # type: ignore[method-assign]
    try:
        simulate(scenario, years, seed)
    finally:
        simpy.Environment.step = step  # type: ignore[method-assign]
    return counted[0]


# -- sections -------------------------------------------------------------------------------------


def throughput(table: Table, scenario: Scenario) -> None:
    """The model's events per second against raw SimPy's, and events per replication."""
    print("Event throughput", flush=True)
    timeouts = simpy_timeouts()
    table.add("raw SimPy: timeouts per second, 1,000 processes", timeouts, "events/s")
    table.add("raw SimPy: resource request/release cycles per second", simpy_resources(), "cycles/s")
    events = model_events(scenario, 10, 0)
    table.add("model: events in a 10-year replication", events, "events", "< 150,000", events < 150_000)
    seconds = best_of(3, lambda: simulate(scenario, 10, 0))
    rate = events / seconds
    table.add("model: events per second", rate, "events/s")
    ratio = rate / timeouts
    table.add("model throughput / raw SimPy timeouts", ratio, "ratio", ">= 0.5", ratio >= 0.5)


def one_replication(table: Table, scenario: Scenario) -> None:
    """Wall time, traced peak memory and pickled size of one 10-year replication."""
    print("One replication (10 years of the default)", flush=True)
    derived = best_of(1, lambda: solve_steady_state(scenario))
    table.add("steady state derived (the probe and the solve), wall time", derived, "s",
              "< 2 s", derived < 2.0)
    simulate_only = best_of(3, lambda: simulate(scenario, 10, 0))
    table.add("simulation, wall time", simulate_only, "s", "< 0.3 s", simulate_only < 0.3)
    with_tables = best_of(3, lambda: run(scenario, 10, 0).tables)
    table.add("simulation and its tables, wall time", with_tables, "s")
    tracemalloc.start()
    result = run(scenario, 10, 0)
    peak_run = tracemalloc.get_traced_memory()[1]
    result.tables  # noqa: B018 - building the tables is part of a replication's cost
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    table.add("simulation, traced peak memory", peak_run / 1e6, "MB", "< 5 MB", peak_run < 5e6)
    table.add("simulation and its tables, traced peak memory", peak / 1e6, "MB")
    size = len(pickle.dumps((result.records, result.tables)))  # the scenario is shared, not per replication
    table.add("result (records and tables) pickled", size / 1e3, "KB", "< 100 KB", size < 100e3)
    size = len(pickle.dumps(outcomes(result)))
    table.add("outcomes of the replication pickled (what an ensemble keeps)", size / 1e3, "KB")


def scaling(table: Table, scenario: Scenario, volumes: list[int], horizons: list[int], fixed: float) -> None:
    """Wall time as notification volume and horizon grow, with the fitted exponent of each.

    The exponents are fitted to the wall time as it is, and to the wall time
    less ``fixed``, the cost of the stock built on the start date, which is
    the same for every volume and horizon.
    """
    print("Scaling", flush=True)
    per_year = scenario.notification.per_year.value
    volume_times = []
    for factor in volumes:
        bigger = extend_scenario(DEFAULT_SCENARIO, {"notification": {"per_year": per_year * factor}},
                                 f"x{factor}")
        derive(bigger)  # the steady state is derived once per scenario: time the simulation alone
        seconds = best_of(1, lambda bigger=bigger: simulate(bigger, 5, 0))
        volume_times.append(seconds)
        table.add(f"5 years at {factor}x the notifications, wall time", seconds, "s")
    horizon_times = []
    for years in horizons:
        seconds = best_of(1, lambda years=years: simulate(scenario, years, 0))
        horizon_times.append(seconds)
        table.add(f"{years} years, wall time", seconds, "s")
    for what, sizes, times in (("notification volume", volumes, volume_times),
                               ("horizon", horizons, horizon_times)):
        exponent = float(np.polyfit(np.log(sizes), np.log(times), 1)[0])
        table.add(f"fitted exponent of wall time in {what}", exponent, "", "<= 1.1", exponent <= 1.1)
        less = np.maximum(np.array(times) - fixed, 1e-6)
        exponent = float(np.polyfit(np.log(sizes), np.log(less), 1)[0])
        table.add(f"fitted exponent of wall time less the fixed cost in {what}", exponent, "")


def profile_scenario(children: int, start: dt.date = dt.date(2022, 1, 1)) -> Scenario:
    """A municipality of ``children`` aged 0-22 from the national profile alone (no figure of its own)."""
    return extend_scenario(None, {
        "scenario": {"name": f"profile_{children}", "title": f"{children:,} children aged 0-22",
                     "start_date": start},
        "municipality": {"name": f"{children:,} children", "children_0_22": children},
    }, f"{children:,} children aged 0-22")


def start_only(scenario: Scenario) -> None:
    """A replication up to its first day: the model built, the stock on the start date, arrivals started."""
    Model(scenario, 10, 0).start()


def fixed_and_per_child(table: Table, scenario: Scenario, sizes: list[int], years: int) -> float:
    """The fixed cost of a replication, part by part, and the cost per child; returns the fixed seconds.

    The fixed cost is what a replication costs whatever its length: the
    scenario resolved (once per scenario in an ensemble), its steady state
    derived (once per scenario and process), the stock built on the start
    date (every replication). The cost per child is fitted from
    municipalities of several sizes, from their wall time less the stock's
    build and the children they met; the exponent of that wall time in the
    children says whether the cost per child stays the same as they grow.
    """
    print("Fixed cost and cost per child", flush=True)
    resolve = best_of(3, lambda: load_scenario(DEFAULT_SCENARIO))
    table.add("fixed: the default resolved (read, profile, checks)", resolve, "s")
    start = best_of(3, lambda: start_only(scenario))
    table.add("fixed: the stock on the start date built (every replication)", start, "s")
    with_tables = best_of(1, lambda: run(scenario, 10, 0).tables)
    alone = best_of(1, lambda: simulate(scenario, 10, 0))
    table.add("tables of a 10-year replication built (with it less without)", with_tables - alone, "s")
    children, seconds, derived = [], [], []
    for size in sizes:
        bigger = profile_scenario(size)
        derived.append(best_of(1, lambda bigger=bigger: derive(bigger)))
        stock = best_of(1, lambda bigger=bigger: start_only(bigger))
        began = time.perf_counter()
        met = len(simulate(bigger, years, 0)[1].children)
        took = time.perf_counter() - began
        children.append(met)
        seconds.append(took - stock)
        table.add(f"{size:,} children aged 0-22: {years} years, less the stock's build", took - stock, "s")
        table.add(f"{size:,} children aged 0-22: children met in {years} years", met, "children")
    table.add("fixed: steady state derived, mean over those municipalities (once per process)",
              float(np.mean(derived)), "s")
    slope, intercept = np.polyfit(children, seconds, 1)
    table.add("cost per child met (fitted slope)", slope * 1e6, "µs/child")
    table.add("intercept of that fit (0 when the stock's build is all the fixed cost)", intercept, "s")
    exponent = float(np.polyfit(np.log(children), np.log(seconds), 1)[0])
    table.add("exponent of wall time less the stock's build, in children met", exponent, "", "0.9 to 1.1",
              0.9 <= exponent <= 1.1)
    return start


def large_municipality(table: Table, children: int = 150_000) -> None:
    """One 10-year replication of a municipality of ``children`` aged 0-22 (København has about 150,000)."""
    print(f"A municipality of {children:,} children aged 0-22", flush=True)
    large = profile_scenario(children)
    derived = best_of(1, lambda: derive(large))
    table.add(f"{children:,} children: steady state derived (once per process)", derived, "s")
    seconds = best_of(1, lambda: simulate(large, 10, 0))
    table.add(f"{children:,} children: one 10-year replication, wall time", seconds, "s", "<= 3 s",
              seconds <= 3.0)


def projected_wall(derive_seconds: list[float], simulate_seconds: list[float], replications: int,
                   workers: int) -> float:
    """Projected wall time of a region's ensemble on ``workers`` workers, from each municipality's costs.

    First each municipality's steady state is derived once, the derivations
    spread over the workers; then a task is one replication of one
    municipality, the tasks spread evenly. No stage is shorter than its
    longest task.
    """
    deriving = max(sum(derive_seconds) / workers, max(derive_seconds))
    simulating = max(replications * sum(simulate_seconds) / workers, max(simulate_seconds))
    return deriving + simulating


def region(table: Table, cores: int, dask: bool, sample: int = 8) -> None:
    """One replication of ``denmark_synthetic`` (1 year) on every core and on Dask, and its projection."""
    from .region.definition import load_region
    from .region.run import municipality_outcomes, run_region_ensemble

    print(f"denmark_synthetic: 98 synthetic municipalities, 1 replication of 1 year ({cores} cores)",
          flush=True)
    loaded = load_region("denmark_synthetic")

    def timed(executor: Any) -> tuple[float, pd.DataFrame]:
        start = time.perf_counter()
        ensemble = run_region_ensemble(loaded, 1, 0, 1, executor=executor, force=True)
        return time.perf_counter() - start, municipality_outcomes(loaded, ensemble)

    with executor_for(cores) as (pool, _):
        pool_seconds, on_pool = timed(pool)
    table.add(f"denmark_synthetic on {cores} cores (process pool), wall time", pool_seconds, "s")
    if dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=cores, threads_per_worker=1, dashboard_address=None) as cluster, \
                executor_for(cluster=cluster.scheduler_address) as (client, _):
            dask_seconds, on_dask = timed(client)
        table.add("denmark_synthetic on a Dask LocalCluster, wall time", dask_seconds, "s")
        table.add("denmark_synthetic: Dask time / process pool time", dask_seconds / pool_seconds, "ratio",
                  "<= 1.1", dask_seconds / pool_seconds <= 1.1)
        same = on_pool.equals(on_dask)
        table.add("denmark_synthetic: Dask identical to the pool, bit for bit", float(same), "1 = yes", "1",
                  same)
    # each municipality's costs, measured on a sample across the sizes (the largest among them) and
    # fitted as a power of its children, since the cost per child grows with a municipality's size
    scenarios = {name: variants[loaded.variants[0]] for name, variants in loaded.scenarios.items()}
    size = {name: scenario.municipality.children_0_22 for name, scenario in scenarios.items()
            if scenario.municipality is not None}
    by_size = sorted(size, key=size.__getitem__)
    chosen = [*by_size[:-1:max(1, len(by_size) // sample)], by_size[-1]]
    derive_of, simulated = [], []
    for name in chosen:
        derive_of.append(best_of(1, lambda name=name: derive(scenarios[name])))
        simulated.append(best_of(1, lambda name=name: simulate(scenarios[name], 1, 0)))
    power, scale = np.polyfit(np.log([size[name] for name in chosen]), np.log(simulated), 1)
    simulate_of = [float(np.exp(scale) * size[name] ** power) for name in by_size]
    derive_all = [float(np.mean(derive_of))] * len(by_size)
    table.add(f"denmark_synthetic: steady state derived, mean of {len(chosen)} municipalities",
              float(np.mean(derive_of)), "s")
    table.add("denmark_synthetic: exponent of a year's wall time in children, fitted to them", power, "")
    table.add("denmark_synthetic: one replication of 1 year simulated, all 98 (from the fit)",
              sum(simulate_of), "s")
    for workers in (16, 64, 256):
        table.add(f"PROJECTION: 100 replications of 1 year on {workers} workers",
                  projected_wall(derive_all, simulate_of, 100, workers), "s")


QUICK_SENSITIVITY = {"trajectories": 4, "sobol_parameters": 4, "samples": 8, "replications": 1}
"""The shipped sensitivity analysis (``sensitivity_staffing``) made small enough to time."""
QUICK_CALIBRATION = {"points": 64, "replications": 2, "accept": 0.1}
"""A calibration of the default to its published figures with few points (keeping 6, the posterior needs
5), to time."""


def workflows(table: Table, cores: int) -> None:
    """Wall time of what users run: the app's default run and report, a quick calibration and analysis."""
    import dataclasses
    import tempfile

    from .app.workspace import RunRequest, Workspace
    from .calibration.fit import Settings, calibrate
    from .calibration.targets import DEFAULT_TARGETS, load_targets
    from .experiments import load_experiment
    from .sensitivity.study import run_sensitivity

    print(f"What users run ({cores} cores)", flush=True)
    with tempfile.TemporaryDirectory() as folder, executor_for(cores) as (pool, _):
        workspace = Workspace(Path(folder))
        request = RunRequest(start=DEFAULT_SCENARIO, name="bench", changes={"caseworkers": {"count": 26}})
        start = time.perf_counter()
        experiment, run_folder = workspace.prepare(request)
        workspace.run(experiment, run_folder, workers=cores)
        workspace.report(run_folder, request.lang)
        table.add("the app's default run (2 scenarios x 50 replications x 5 years) and its report",
                  time.perf_counter() - start, "s")
        settings = dataclasses.replace(Settings(), **QUICK_CALIBRATION)
        targets = load_targets(DEFAULT_TARGETS)
        scenario = load_scenario(DEFAULT_SCENARIO)
        seconds = best_of(1, lambda: calibrate(scenario, targets, settings, executor=pool))
        table.add(f"a quick calibration of the default ({settings.points} points x {settings.replications} "
                  "replications)", seconds, "s")
        experiment = load_experiment("sensitivity_staffing")
        study = experiment.definition.sensitivity.model_copy(update=QUICK_SENSITIVITY)
        experiment.definition = experiment.definition.model_copy(update={"sensitivity": study})
        seconds = best_of(1, lambda: run_sensitivity(experiment, 0, executor=pool))
        table.add("a quick sensitivity analysis (sensitivity_staffing with " + ", ".join(
            f"{k} {v}" for k, v in QUICK_SENSITIVITY.items()) + ")", seconds, "s")


def ensembles(table: Table, replications: int, efficiency_replications: int, dask: bool) -> None:
    """Replications per second on every core; speed-up over one core; Dask against the process pool.

    Dask is timed right after the pool, with the same replications, and
    before the big ensemble: timed after several minutes of full load, it
    read 1.19 times the pool where it reads 1.08 on its own.
    """
    cores = os.cpu_count() or 1
    print(f"Ensembles (10 years of the default, {cores} cores)", flush=True)
    scenarios = [DEFAULT_SCENARIO]

    def timed(count: int, executor: Any) -> tuple[float, pd.DataFrame]:
        start = time.perf_counter()
        ensemble = run_ensemble(scenarios, count, 0, years=10, executor=executor)
        return time.perf_counter() - start, ensemble.outcomes

    one_seconds, one = timed(efficiency_replications, None)
    table.add(f"{efficiency_replications} replications on 1 core", one_seconds, "s")
    with executor_for(cores) as (pool, _):  # the pool the commands run on
        all_seconds, everywhere = timed(efficiency_replications, pool)
        speed_up = one_seconds / all_seconds
        table.add(f"{efficiency_replications} replications on {cores} cores", all_seconds, "s")
        table.add(f"speed-up on {cores} cores", speed_up, "x", ">= 1.8 on 2 cores", speed_up >= 0.9 * cores)
        table.add(f"parallel efficiency on {cores} cores", speed_up / cores, "")
        table.add("identical to one core, bit for bit", float(one.equals(everywhere)), "1 = yes", "1",
                  one.equals(everywhere))
        bytes_per = len(everywhere.to_parquet(index=False)) / efficiency_replications
        table.add("outcomes per replication, Parquet", bytes_per / 1e3, "KB")
        table.add("outcomes per replication, in memory",
                  everywhere.memory_usage(deep=True).sum() / efficiency_replications / 1e3, "KB")
    if dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=cores, threads_per_worker=1, dashboard_address=None) as cluster, \
                executor_for(cluster=cluster.scheduler_address) as (client, _):
            dask_seconds, on_dask = timed(efficiency_replications, client)
        table.add(f"{efficiency_replications} replications on a Dask LocalCluster", dask_seconds, "s")
        table.add("Dask time / process pool time", dask_seconds / all_seconds, "ratio", "<= 1.1",
                  dask_seconds / all_seconds <= 1.1)
        table.add("Dask identical to one core, bit for bit", float(one.equals(on_dask)), "1 = yes", "1",
                  one.equals(on_dask))
    with executor_for(cores) as (pool, _):  # last, so that Dask is timed as the pool was
        big_seconds, _ = timed(replications, pool)
    table.add(f"{replications} replications on {cores} cores", big_seconds, "s",
              "< 120 s for 1,000" if replications == 1000 else "", big_seconds < 120
              if replications == 1000 else None)
    table.add("replications per second", replications / big_seconds, "replications/s")


def profile(scenario: Scenario, top: int = 25) -> str:
    """The top of a cProfile of one 10-year replication, by time spent in each function itself."""
    profiler = cProfile.Profile()
    profiler.runcall(simulate, scenario, 10, 0)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


# -- the command ----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.bench``."""
    top = argparse.ArgumentParser(prog="python -m sim.bench", description=__doc__.splitlines()[0])
    top.add_argument("--replications", type=whole_number, default=1000, metavar="N",
                     help="replications of the big ensemble on every core (default: 1000)")
    top.add_argument("--efficiency-replications", type=whole_number, default=100, metavar="N",
                     help="replications timed on one core, on all and on Dask (default: 100)")
    top.add_argument("--quick", action="store_true",
                     help="a smoke run in a few minutes: 20 and 10 replications, smaller scaling, without "
                          "the 150,000-children municipality, denmark_synthetic and the users' runs")
    top.add_argument("--no-dask", action="store_true", help="leave out the Dask LocalCluster")
    top.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                     help="new folder for the table (default: results/bench/<timestamp>/)")
    return top


def _bench(args: argparse.Namespace) -> int:
    problems = [Problem(flag, "", "must be 1 or more", value) for flag, value in
                (("--replications", args.replications),
                 ("--efficiency-replications", args.efficiency_replications)) if value < 1]
    if problems:
        raise InputError(problems, "cannot benchmark")
    folder = args.out or RESULTS / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    with new_folder(folder, "--out") as staging:
        replications, efficiency = ((20, 10) if args.quick
                                    else (args.replications, args.efficiency_replications))
        volumes, horizons = ([1, 4], [5, 10]) if args.quick else ([1, 4, 16], [10, 20, 40])
        sizes, size_years = ([12_500, 50_000], 2) if args.quick else ([12_500, 50_000, 200_000], 5)
        scenario = load_scenario(DEFAULT_SCENARIO)
        table = Table()
        started = dt.datetime.now(dt.UTC)
        cores = os.cpu_count() or 1
        throughput(table, scenario)
        one_replication(table, scenario)
        fixed = fixed_and_per_child(table, scenario, sizes, size_years)
        scaling(table, scenario, volumes, horizons, fixed)
        if not args.quick:
            large_municipality(table)
        ensembles(table, replications, efficiency, dask=not args.no_dask)
        if not args.quick:
            region(table, cores, dask=not args.no_dask)
            workflows(table, cores)
        top = profile(scenario)
        print("\nWhere one replication spends its time (cProfile, top by own time)\n")
        print(top)
        table.frame().to_csv(staging / "bench.csv", index=False)
        (staging / "profile.txt").write_text(top, encoding="utf-8")
        (staging / "manifest.json").write_text(json.dumps({
            "command": " ".join(["python -m sim.bench", *sys.argv[1:]]), "quick": args.quick,
            "cores": os.cpu_count(), **software(),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }, indent=2), encoding="utf-8")
    print(f"Table, profile and manifest in {folder}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    return command_status(lambda: _bench(args))


if __name__ == "__main__":
    sys.exit(main())
