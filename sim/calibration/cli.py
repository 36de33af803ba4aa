"""``python -m sim.calibrate`` and ``python -m sim.validate``: fit a scenario to published figures, test it.

Both run on the Monte Carlo engine: every core of this machine by
default, or a Dask cluster (``--cluster``). Every mistake in the flags, the
scenario or the targets file is reported before anything runs, with exit
status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import replications_problems
from ..cli import add_executor_flags, whole_number
from ..errors import InputError, Problem, command_status
from ..montecarlo.executors import cluster_problems, executor_for
from ..output.folders import check_new_folder, new_run_folder, write_atomically
from ..scenario import load_scenario
from .fit import DEFAULT_FIGURES, DEFAULT_FIT_YEARS, DEFAULT_PARAMETERS, Settings, plan
from .run import RESULTS, read_manifest, run_calibration
from .targets import DEFAULT_TARGETS, load_targets
from .validation import VALIDATION_RESULTS, markdown, not_used, validate, write_validation


def year_span(text: str) -> tuple[int, int]:
    """An argparse type: ``2016-2017`` or ``2017``."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"must be a year or two years such as 2016-2017, got {text!r}")
    return int(match[1]), int(match[2] or match[1])


def share(text: str) -> float:
    """An argparse type: a number."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 0.05, got {text!r}") from None


def _common(top: argparse.ArgumentParser) -> None:
    top.add_argument("--targets", default=DEFAULT_TARGETS, metavar="FILE",
                     help=f"published figures, a targets TOML file (default: the shipped {DEFAULT_TARGETS})")
    top.add_argument("--fit-years", type=year_span, default=DEFAULT_FIT_YEARS, metavar="YYYY-YYYY",
                     help="years whose figures are fitted; later ones are out of sample (default: 2016-2017)")
    top.add_argument("--seed", type=whole_number, default=0, metavar="S", help="seed (default: 0)")
    add_executor_flags(top)
    top.add_argument("--out", type=Path, default=None, metavar="FOLDER", help="new folder for the results")
    top.add_argument("--no-progress", action="store_true", help="no progress bar")


def calibrate_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.calibrate``."""
    top = argparse.ArgumentParser(
        prog="python -m sim.calibrate",
        description="Fit a scenario's unpublished assumptions to published figures by approximate Bayesian "
                    "computation, and write a calibrated scenario file that extends it.")
    top.add_argument("scenario", nargs="?", metavar="NAME_OR_FILE", help="the scenario to calibrate")
    _common(top)
    top.add_argument("--parameters", nargs="+", default=list(DEFAULT_PARAMETERS), metavar="PATTERN",
                     help="assumptions to fit, dotted paths with * and ? (default: the ten docs/"
                          "calibration.md lists)")
    top.add_argument("--figures", nargs="+", default=list(DEFAULT_FIGURES), metavar="PATTERN",
                     help="quantities to fit, such as units_31_dec.* (default: counts, flows and spend; not "
                          "placement spend or prices)")
    top.add_argument("--points", type=whole_number, default=Settings.points, metavar="N",
                     help=f"candidate points, a power of 2 (default: {Settings.points})")
    top.add_argument("--replications", type=whole_number, default=Settings.replications, metavar="N",
                     help=f"replications per point (default: {Settings.replications})")
    top.add_argument("--accept", type=share, default=Settings.accept, metavar="SHARE",
                     help=f"share of points kept as the posterior (default: {Settings.accept})")
    top.add_argument("--no-adjust", action="store_true",
                     help="plain rejection: no local-linear regression correction of the accepted values")
    top.add_argument("--resume", type=Path, default=None, metavar="FOLDER",
                     help="carry on an interrupted calibration in its folder")
    return top


def validate_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.validate``."""
    top = argparse.ArgumentParser(
        prog="python -m sim.validate",
        description="Run scenarios and compare them with every published figure, in and out of sample.")
    top.add_argument("scenarios", nargs="+", metavar="NAME_OR_FILE", help="scenarios to validate")
    _common(top)
    top.add_argument("--replications", type=whole_number, default=100, metavar="N",
                     help="replications per scenario (default: 100)")
    top.add_argument("--page", type=Path, default=None, metavar="FILE",
                     help="also write the Markdown page here, replacing it (docs/validation.md is made so)")
    return top


def calibrate_main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim.calibrate``; returns the exit status."""
    return command_status(lambda: _calibrate(calibrate_parser().parse_args(argv)))


def validate_main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim.validate``; returns the exit status."""
    return command_status(lambda: _validate(validate_parser().parse_args(argv)))


def _calibrate(args: argparse.Namespace) -> int:
    if args.resume is not None:
        manifest = read_manifest(args.resume)
        settings, refs, folder = manifest["settings"], (manifest["scenario_ref"], manifest["targets_ref"]), \
            args.resume
    else:
        if args.scenario is None:
            raise InputError([Problem("scenario", "", "name the scenario to calibrate, or --resume a "
                                      "calibration")], "cannot calibrate")
        settings = Settings(tuple(args.parameters), tuple(args.figures), args.fit_years, args.points,
                            args.replications, args.accept, args.seed, not args.no_adjust)
        refs, folder = (args.scenario, args.targets), None
    problems = _executor_problems(args)
    scenario = _attempt(load_scenario, refs[0], problems)
    targets = _attempt(load_targets, refs[1], problems)
    planned = None
    if scenario is None or targets is None:
        problems += settings.problems()
    else:
        try:
            planned = plan(scenario, targets, settings)
        except InputError as error:
            problems += error.problems
    if args.out is not None and folder is None:
        problems += _folder_problems(args.out)
    if problems or scenario is None or targets is None or planned is None:
        raise InputError(problems, "cannot calibrate")
    folder = folder or args.out or new_run_folder(RESULTS / scenario.name)
    chosen, figures, years = planned
    print(f"Calibrating {scenario.name}: {len(chosen)} assumptions to {len(figures)} figures of "
          f"{settings.fit_years[0]}-{settings.fit_years[1]} in {targets.label}; {settings.points} points x "
          f"{settings.replications} replications of {years} year(s) = "
          f"{settings.points * settings.replications:,} runs, keeping the nearest "
          f"{round(settings.accept * settings.points)}.")
    print(f"Folder: {folder}")
    try:  # outside the executor, which ends its workers on the way out rather than wait for them
        with executor_for(args.workers, args.cluster) as (executor, name):
            calibration, scenario_file = run_calibration(
                scenario, targets, settings, folder, refs=refs, executor=executor, executor_name=name,
                progress=not args.no_progress)
    except KeyboardInterrupt:
        print(f"\ninterrupted; the finished points are kept. Carry on with:\n"
              f"  python -m sim.calibrate --resume {folder}", file=sys.stderr)
        return 130
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print("\nPosterior (prior range, posterior median and 5-95% range):")
        print(calibration.posterior.round(4).to_string(index=False))
    print(f"\nCalibrated scenario: {scenario_file}")
    print(f"Test it in and out of sample: python -m sim.validate {scenario_file} --targets {refs[1]} "
          f"--fit-years {settings.fit_years[0]}-{settings.fit_years[1]}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems = _executor_problems(args)
    problems += replications_problems(args.replications, "--replications", low=2)  # 2 for an interval
    loaded = [_attempt(load_scenario, ref, problems) for ref in args.scenarios]
    scenarios = [scenario for scenario in loaded if scenario is not None]
    targets = _attempt(load_targets, args.targets, problems)
    folder = args.out or new_run_folder(VALIDATION_RESULTS)
    if args.out is not None:
        problems += _folder_problems(args.out)
    if problems or targets is None:
        raise InputError(problems, "cannot validate")
    tables = []
    with executor_for(args.workers, args.cluster) as (executor, _):
        for scenario in scenarios:
            print(f"Validating {scenario.name}: {args.replications} replications ...")
            tables.append(validate(scenario, targets, replications=args.replications, seed=args.seed,
                                   fit_years=args.fit_years, executor=executor,
                                   progress=not args.no_progress))
    unused = [not_used(targets, table) for table in tables]
    page = markdown(tables, unused, targets, args)
    write_validation(folder, scenarios, tables, unused, page, args)
    if args.page is not None:
        args.page.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.page, page.encode("utf-8"))
    print(page)
    for keys in unused:
        print(f"{keys['scenario'].iloc[0]}: {len(keys)} keys of {targets.label} not used, each with its "
              f"reason in {folder / 'not_used.csv'}")
    print(f"Written: {folder}" + (f" and {args.page}" if args.page else ""))
    return 0


def _attempt(load: Callable[[str], Any], ref: str, problems: list[Problem]) -> Any:
    """``load(ref)``, or None with its problems added to ``problems``."""
    try:
        return load(ref)
    except InputError as error:
        problems += error.problems
        return None


def _executor_problems(args: argparse.Namespace) -> list[Problem]:
    problems = cluster_problems(args.cluster)
    if args.workers is not None and args.workers < 1:
        problems.append(Problem("--workers", "", "must be 1 or more", args.workers))
    return problems


def _folder_problems(folder: Path) -> list[Problem]:
    try:
        check_new_folder(folder, "--out")
    except InputError as error:
        return error.problems
    return []

