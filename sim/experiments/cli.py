"""``python -m sim.experiments``: list, run and resume experiments, the shipped ones or a user's own.

Runs use every core of the machine by default (a process pool), or a Dask
cluster given by ``--cluster ADDRESS`` or the ``BARNESIM_CLUSTER``
environment variable. Every mistake in the flags or the experiment file is
reported before anything runs, with exit status 2 and no traceback. Ctrl-C
leaves the finished batches in the run folder; ``--resume FOLDER`` carries
on from them and ends with the tables an uninterrupted run gives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from .. import replications_problems
from ..cli import add_executor_flags, whole_number
from ..errors import InputError, Problem, command_status
from ..model.equilibrium import problems as steady_state_problems
from ..model.work import SAY_FROM, estimate
from ..montecarlo.executors import cluster_problems, executor_for
from ..montecarlo.period import headline_spend
from ..output.folders import check_new_folder, new_run_folder
from ..output.prices import price_level, price_year_problems
from ..report import DEFAULT_LANGUAGE, LANGUAGES, check_report_target, language_problems, make_report
from .definition import USER_FOLDER, LoadedExperiment, experiment_files, load_experiment, shipped_folder
from .plan import planned_payback
from .report import (
    ENGLISH,
    against_plan_text,
    budget_notes,
    budget_text,
    causes_text,
    convergence_note,
    design_text,
    period_text,
    references_text,
    sensitivity_text,
    summary_text,
    verdict_text,
)
from .rerun import compare_runs, experiment_from_manifest, software_changes
from .run import DEFAULT_PRECISION, run_experiment
from .run_folder import MANIFEST, RESULTS, complete_manifest, folder_of, read_manifest


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.experiments``."""
    top = argparse.ArgumentParser(
        prog="python -m sim.experiments",
        description="Run a named experiment: Monte Carlo replications of its variants, compared in pairs.",
    )
    top.add_argument("experiment", nargs="?", metavar="NAME_OR_FILE",
                     help="experiment name (see --list) or path to an experiment TOML file")
    top.add_argument("--list", action="store_true", help="list the experiments and exit")
    top.add_argument("--replications", type=whole_number, default=None, metavar="N",
                     help="replications per variant (default: the experiment's)")
    top.add_argument("--seed", type=whole_number, default=None, metavar="S",
                     help="seed (default: the experiment's)")
    add_executor_flags(top)
    top.add_argument("--force", action="store_true",
                     help="run even when the estimated work is beyond the limits (see docs/errors.md)")
    top.add_argument("--resume", type=Path, default=None, metavar="FOLDER",
                     help="carry on an interrupted run in its folder")
    top.add_argument("--rerun", type=Path, default=None, metavar="MANIFEST",
                     help="run again what a run's manifest.json (or folder) records, into a new folder, "
                          "and say whether every table is identical")
    top.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                     help="new run folder (default: a new folder under results/<experiment>/)")
    top.add_argument("--price-year", type=whole_number, default=None, metavar="YEAR",
                     help="every amount in kr in the prices of YEAR (faste priser), deflated at the "
                          "scenario's general price index (default: current prices; on resume, the run's)")
    top.add_argument("--precision", type=float, default=DEFAULT_PRECISION, metavar="R",
                     help="relative standard error of a mean counted as converged (default: 0.01)")
    top.add_argument("--no-progress", action="store_true", help="no progress bar")
    top.add_argument("--report", action="store_true",
                     help="at the end, write report.html, workbook.xlsx and figures/ into the run folder")
    top.add_argument("--lang", default=DEFAULT_LANGUAGE, metavar="|".join(LANGUAGES),
                     help=f"language of the report (default: {DEFAULT_LANGUAGE})")
    return top


def _check_flags(args: argparse.Namespace) -> list[Problem]:
    problems = []
    if args.rerun is not None:
        given = [flag for flag, value in (("NAME_OR_FILE", args.experiment), ("--resume", args.resume),
                                           ("--replications", args.replications), ("--seed", args.seed),
                                           ("--price-year", args.price_year))
                 if value is not None]
        if given:
            problems.append(Problem("--rerun", "", "repeats a run exactly as its manifest says; it takes no "
                                    + ", ".join(given)))
    elif args.experiment is None and args.resume is None:
        problems.append(Problem("experiment", "", "name an experiment (see --list), --resume a run or "
                                "--rerun one"))
    if args.replications is not None:
        problems += replications_problems(args.replications, "--replications")
    for flag, value, low in (("--seed", args.seed, 0), ("--workers", args.workers, 1)):
        if value is not None and value < low:
            problems.append(Problem(flag, "", f"must be {low} or more", value))
    problems += language_problems(args.lang)
    problems += price_year_problems(args.price_year, "--price-year")
    problems += cluster_problems(args.cluster)
    if args.report and args.resume is not None and args.lang in LANGUAGES:  # an earlier report stays
        try:
            check_report_target(args.resume, None, args.lang, "python -m sim.report --out")
        except InputError as error:
            problems += error.problems
    if not 0 < args.precision < 1:
        problems.append(Problem("--precision", "", "must be between 0 and 1", args.precision))
    if args.resume is not None and args.out is not None:
        problems.append(Problem("--out", "", "a resumed run stays in its folder; give --out or --resume"))
    if args.out is not None:
        try:
            check_new_folder(args.out, "--out")
        except InputError as error:
            problems += error.problems
    return problems


def _run(args: argparse.Namespace) -> int:
    problems = _check_flags(args)
    if problems:
        raise InputError(problems, "cannot run")
    if args.rerun is not None:
        return _rerun(args)
    previous: dict[str, Any] = {}
    if args.resume is not None:
        previous = read_manifest(args.resume)
        if args.experiment and args.experiment not in (previous["experiment"]["name"],
                                                       previous["experiment"]["file"]):
            raise InputError([Problem("--resume", "", f"holds a run of {previous['experiment']['name']!r}",
                                      args.experiment)], "cannot resume")
    experiment = load_experiment(args.experiment or previous["experiment"]["file"])
    for label, scenario in experiment.scenarios.items():  # a variant's own world, reported, not refused
        for problem in steady_state_problems(scenario):
            print(f"note: variant {label!r} cannot stand still at its start, and runs from the nearest "
                  f"steady state: {problem.message}")
    if previous:  # batches from two versions of the model would mix silently
        for change in software_changes(previous):
            print(f"note: the software differs from the run's: {change}")
    definition = experiment.definition
    replications = args.replications or previous.get("replications") or definition.replications
    seed = args.seed if args.seed is not None else previous.get("seed", definition.seed)
    price_year = args.price_year if args.price_year is not None else recorded_price_year(previous)
    folder = args.resume or args.out or new_run_folder(RESULTS / experiment.name)
    outcome = _execute(args, experiment, folder, replications, seed, price_year=price_year)
    if outcome is None:
        return 130
    ensemble, tables = outcome
    if args.resume is not None and (set_aside := read_manifest(folder).get("set_aside")):
        print(f"note: batch files that could not be read were renamed *.damaged and their replications "
              f"run again (the manifest's set_aside lists them): {', '.join(set_aside)}")
    prices = ENGLISH.prices(price_level(experiment.scenarios[experiment.baseline], price_year))
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.max_colwidth", 60):
        print()
        print(summary_text(ensemble, experiment.outcomes, tables["summary"], tables["comparison"]))
        spend = headline_spend(experiment.outcomes)
        if spend is not None and len(tables["period_comparison"]):
            print()
            print(period_text(tables["comparison"], tables["period_comparison"], spend, experiment.baseline))
        print(f"Amounts in kr are in {prices}.")
        if "budget" in tables:
            print()
            print(budget_text(tables["budget"], experiment.scenarios, prices))
        years = sorted(int(year) for year in tables["summary"]["year"].unique())
        for note in budget_notes(experiment.scenarios, years):
            print(note)
        plan = definition.plan
        if plan is not None and len(tables["against_plan"]):
            print()
            print(against_plan_text(tables["against_plan"], tables["payback"]["payback_year"],
                                    planned_payback(plan), plan.label, plan.variant))
            print()
            print(causes_text(tables["summary"], plan.variant))
        if len(tables["references"]):
            print("\nPublished figures beside the simulation\n")
            print(references_text(tables["references"], experiment.baseline))
        if "sensitivity" in tables:
            print("\nWhich assumptions drive the answers (Morris mu*, Sobol total order ST, and the answer "
                  "with the assumption at the low and the high end of its range)\n")
            print(sensitivity_text(tables["sensitivity"], tables["sensitivity_answers"]))
    print(convergence_note(tables["summary"], experiment.outcomes, args.precision))
    print(f"\nTables and plots in {folder}/")
    _report(args, folder)
    if spend is not None and len(tables["period_comparison"]):  # what a planner reads last stays in view
        print()
        print(verdict_text(tables["period_comparison"], spend, experiment.baseline))
    return 0


def _report(args: argparse.Namespace, folder: Path) -> None:
    """The report of the finished run, when ``--report`` asks for it."""
    if args.report:
        files = make_report(folder, args.lang)
        print(f"Report in {files.html}, its summary in {files.summary}, workbook in {files.workbook}")


def _rerun(args: argparse.Namespace) -> int:
    """Repeat the run a manifest records into a new folder; 0 when every table is identical, else 1."""
    manifest = complete_manifest(args.rerun, "--rerun", "cannot rerun")
    original = folder_of(args.rerun)
    experiment = experiment_from_manifest(manifest, str(original / MANIFEST))
    for change in software_changes(manifest):
        print(f"note: the software differs from the run's: {change}")
    folder = args.out or new_run_folder(RESULTS / experiment.name)
    if _execute(args, experiment, folder, manifest["replications"], manifest["seed"],
                rerun_of=str(original), price_year=recorded_price_year(manifest)) is None:
        return 130
    differences = compare_runs(original, folder)
    print(f"\nThe rerun in {folder}/ against {original}/:")
    for name, difference in differences.items():
        verdict = "identical" if difference is None else f"DIFFERS: {difference}"
        print(f"  {name + '.parquet':22} {verdict}")
    same = all(difference is None for difference in differences.values())
    print("Every table is identical." if same else "The tables differ.")
    _report(args, folder)
    return 0 if same else 1


def recorded_price_year(manifest: dict[str, Any]) -> int | None:
    """The price year a run's manifest records (None: current prices, or a run from before price levels)."""
    return manifest.get("price_level", {}).get("price_year")


def _execute(args: argparse.Namespace, experiment: LoadedExperiment, folder: Path, replications: int,
             seed: int, rerun_of: str | None = None, price_year: int | None = None
             ) -> tuple[Any, dict[str, Any]] | None:
    """Run ``experiment`` into ``folder`` on the executor the flags ask for; None when interrupted."""
    definition = experiment.definition
    print(f"{experiment.name}: {definition.title}\n{len(experiment.scenarios)} variants x {replications} "
          f"replications x {definition.years} years, seed {seed}; run folder {folder}/", flush=True)
    if definition.sensitivity is not None:
        print(design_text(experiment), flush=True)
    work = estimate(experiment.scenarios, definition.years, replications)
    if work.seconds >= SAY_FROM:
        print(f"{work.text()}, shared among the workers", flush=True)
    try:  # outside the executor, which ends its workers on the way out rather than wait for them
        with executor_for(args.workers, args.cluster) as (executor, name):
            return run_experiment(
                experiment, folder, replications=replications, seed=seed, executor=executor,
                executor_name=name, progress=not args.no_progress, precision=args.precision,
                rerun_of=rerun_of, price_year=price_year, force=args.force,
            )
    except KeyboardInterrupt:
        print(f"\ninterrupted; the finished batches are kept. Carry on with:\n"
              f"  python -m sim.experiments --resume {folder}", file=sys.stderr)
        return None
    except OSError as error:
        if not (folder / MANIFEST).is_file():
            raise
        raise OSError(error.errno, f"{error.strerror}; the finished batches are kept in {folder}/, "
                      f"carry on with: python -m sim.experiments --resume {folder}",
                      error.filename) from None


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    return command_status(lambda: _list() if args.list else _run(args))


def _list() -> int:
    """Each experiment a name finds, with where it comes from and its title."""
    shipped = shipped_folder()
    rows = []
    for name, files in experiment_files().items():
        found = "shipped" if files[0].parent == shipped else str(files[0])
        if len(files) > 1:
            found += " (instead of the shipped one)"
        rows.append((name, found, load_experiment(files[0]).definition.title))
    width = max((len(found) for _, found, _ in rows), default=0)
    for name, found, title in rows:
        print(f"{name:24} {found:{width}}  {title}")
    print(f"\nA name is looked up in {USER_FOLDER}/ of this folder first, then among the shipped "
          f"experiments in {shipped}/.\nTo start from a shipped one, copy its file into {USER_FOLDER}/: "
          "under a new file name (with the name inside changed to match), or under its own to use yours "
          "instead.")
    return 0
