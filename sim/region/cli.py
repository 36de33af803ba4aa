"""``python -m sim.region``: run a region, every municipality in every variant, as one ensemble.

The flags mean what they mean for ``python -m sim.experiments``: runs use
every core (a process pool), or a Dask cluster given by ``--cluster
ADDRESS`` or ``BARNESIM_CLUSTER``; every mistake in the flags or the region
file is reported before anything runs, with exit status 2 and no
traceback; Ctrl-C keeps the finished batches and ``--resume FOLDER``
carries on from them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from .. import replications_problems, run_argument_problems
from ..cli import add_executor_flags, whole_number
from ..errors import InputError, Problem, command_status
from ..experiments.report import summary_text
from ..model.work import SAY_FROM
from ..montecarlo import Ensemble
from ..montecarlo.executors import cluster_problems, executor_for
from ..output.folders import check_new_folder, new_run_folder
from .definition import BASELINE, LoadedRegion, load_region, region_names, shipped_folder
from .run import COMPLETE, MANIFEST, read_manifest, run_region

RESULTS = Path("results")
"""Where a run goes when no ``--out`` is given: ``results/region-<name>/<run-id>/``."""
SHOWN = ("spend_kr.total_with_authority", "spend_kr.placement", "spend_kr.home_based",
         "placements_31_dec.total", "full_year_persons.placement", "notifications", "investigations_decided")
"""The region's outcomes printed at the end (every table holds them all)."""


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.region``."""
    top = argparse.ArgumentParser(
        prog="python -m sim.region",
        description="Run a region: Monte Carlo replications of every municipality in every variant, summed.",
    )
    top.add_argument("region", nargs="?", metavar="NAME_OR_FILE",
                     help="a shipped region's name (see --list) or the path of a region TOML file")
    top.add_argument("--list", action="store_true", help="list the shipped regions and exit")
    top.add_argument("--replications", type=whole_number, default=None, metavar="N",
                     help="replications of every municipality and variant (default: the region file's)")
    top.add_argument("--years", type=whole_number, default=None, metavar="Y",
                     help="years simulated (default: the region file's)")
    top.add_argument("--seed", type=whole_number, default=None, metavar="S",
                     help="seed (default: the region file's)")
    add_executor_flags(top)
    top.add_argument("--force", action="store_true",
                     help="run even when the estimated work is beyond the limits (see docs/errors.md)")
    top.add_argument("--resume", type=Path, default=None, metavar="FOLDER",
                     help="carry on an interrupted run in its folder")
    top.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                     help="new run folder (default: a new folder under results/region-<name>/)")
    top.add_argument("--no-progress", action="store_true", help="no progress bar")
    return top


def _check_flags(args: argparse.Namespace) -> list[Problem]:
    problems = []
    if args.region is None and args.resume is None:
        problems.append(Problem("region", "", "name a region (see --list) or --resume a run"))
    if args.replications is not None:
        problems += replications_problems(args.replications, "--replications")
    if args.years is not None:
        problems += run_argument_problems(args.years, 0, "--")
    for flag, value, low in (("--seed", args.seed, 0), ("--workers", args.workers, 1)):
        if value is not None and value < low:
            problems.append(Problem(flag, "", f"must be {low} or more", value))
    problems += cluster_problems(args.cluster)
    if args.resume is not None:
        for flag, value in (("--out", args.out), ("--replications", args.replications),
                            ("--years", args.years), ("--seed", args.seed)):
            if value is not None:
                problems.append(Problem(flag, "", "a resumed run keeps its folder and settings; give "
                                        f"--resume without {flag}", value if flag != "--out" else str(value)))
    if args.out is not None and args.resume is None:
        try:
            check_new_folder(args.out, "--out")
        except InputError as error:
            problems += error.problems
    return problems


def _run(args: argparse.Namespace) -> int:
    problems = _check_flags(args)
    if problems:
        raise InputError(problems, "cannot run")
    previous: dict[str, Any] = {}
    if args.resume is not None:
        previous = read_manifest(args.resume)
        if previous.get("status") == COMPLETE:
            raise InputError([Problem("--resume", "", "the run is complete already", str(args.resume))],
                             "cannot resume")
        if args.region and args.region not in (previous["region"]["name"], previous["region"]["file"]):
            raise InputError([Problem("--resume", "", f"holds a run of {previous['region']['name']!r}",
                                      args.region)], "cannot resume")
    region = load_region(args.region or previous["region"]["file"])
    info = region.definition.region
    replications = args.replications or previous.get("replications") or info.replications
    years = args.years or previous.get("years") or info.years
    seed = args.seed if args.seed is not None else previous.get("seed", info.seed)
    folder = args.resume or args.out or new_run_folder(RESULTS / f"region-{region.name}")
    print(f"{region.name}: {info.title}\n{len(region.municipalities)} municipalities x "
          f"{len(region.variants)} variants x {replications} replications x {years} years, seed {seed}; "
          f"run folder {folder}/", flush=True)
    if region.shared_families:
        print("foster families shared: the municipalities of a variant run together, one task a replication",
              flush=True)
    work = region.work(years, replications)
    if work.seconds >= SAY_FROM:
        print(f"{work.text()}, shared among the workers", flush=True)
    try:
        with executor_for(args.workers, args.cluster) as (executor, name):
            tables = run_region(region, folder, replications=replications, seed=seed, years=years,
                                executor=executor, executor_name=name, progress=not args.no_progress,
                                force=args.force)
    except KeyboardInterrupt:
        print(f"\ninterrupted; the finished batches are kept. Carry on with:\n"
              f"  python -m sim.region --resume {folder}", file=sys.stderr)
        return 130
    print()
    print(region_text(region, tables, replications, seed, years))
    print(f"\nTables in {folder}/ (the region's and each municipality's; {MANIFEST} says what ran)")
    return 0


def region_text(region: LoadedRegion, tables: dict[str, pd.DataFrame], replications: int, seed: int,
                years: int) -> str:
    """The region's last year in a few outcomes: each variant's level, then its paired difference."""
    summed = tables["region_outcomes"].rename(columns={"variant": "scenario"})
    ensemble = Ensemble(summed, pd.DataFrame(), tuple(region.variants), replications, seed, years,
                        "stochastic")
    summary = tables["region_summary"].rename(columns={"variant": "scenario"})
    comparison = tables["region_comparison"].rename(columns={"variant": "scenario"})
    shown = [name for name in SHOWN if name in set(summary["outcome"])]
    text = summary_text(ensemble, shown, summary, comparison).replace("\nscenario ", "\nvariant  ")
    return (f"The region, {len(region.municipalities)} municipalities summed (baseline: {BASELINE!r}, "
            f"the municipalities as given)\n{text}")


def _list() -> int:
    for name in region_names():
        definition = load_region(name).definition
        print(f"{name:24} {len(definition.municipality):3} municipalities  {definition.region.title}")
    print(f"\nShipped regions are in {shipped_folder()}/; give a path to run a region file of your own.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    return command_status(lambda: _list() if args.list else _run(args))
