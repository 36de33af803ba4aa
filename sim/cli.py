"""The command line: ``python -m sim run``, ``python -m sim provenance`` and ``python -m sim scenarios``.

``run`` simulates one replication, prints the budget frame per year as the
accounts lay it out (levels down, years across, in 1,000 kr) and writes the
replication's tables to a new folder. Every mistake in the flags or the
scenario is reported before anything runs, with exit status 2 and no
traceback; nothing is written then. ``provenance`` prints every parameter
of a scenario with the value in use and where it comes from.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

import pandas as pd

from . import MAX_YEARS, run, run_argument_problems
from .errors import InputError, command_status
from .output.folders import check_new_folder, new_folder_problems
from .output.prices import in_prices_of, price_level, price_year_problems
from .output.result import Result
from .output.words import Labels
from .scenario import DEFAULT_SCENARIO, embedded_names, load_scenario
from .scenario.provenance import borrowed_lines
from .scenario.provenance import render as render_provenance

RESULTS = Path("results")

ENGLISH = Labels("en")
"""The rows are the levels as the report names them in English (the word table of sim.output.words)."""


def whole_number(text: str) -> int:
    """An argparse type: a whole number flag, refused with the text given."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def add_executor_flags(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--cluster``: where a command's ensembles run (``executor_for`` takes both)."""
    from .montecarlo.executors import CLUSTER_VARIABLE  # here: ``python -m sim`` starts without montecarlo

    parser.add_argument("--workers", type=whole_number, default=None, metavar="N",
                        help="processes on this machine (default: all cores; 1 runs in this process)")
    parser.add_argument("--cluster", default=os.environ.get(CLUSTER_VARIABLE), metavar="ADDRESS",
                        help="Dask scheduler address, e.g. tcp://scheduler:8786 "
                             f"(default: ${CLUSTER_VARIABLE})")


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim``."""
    top = argparse.ArgumentParser(
        prog="python -m sim", description="barnesim: child welfare flows and budgets."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_cmd = commands.add_parser(
        "run", help="simulate one replication and print the budget frame",
        description="Simulate one replication, print the budget frame per year and write its tables.",
    )
    run_cmd.add_argument("--scenario", default=DEFAULT_SCENARIO, metavar="NAME_OR_FILE",
                         help=f"embedded scenario name or TOML file (default: {DEFAULT_SCENARIO})")
    run_cmd.add_argument("--years", type=whole_number, default=10, metavar="N",
                         help=f"horizon in years, 1 to {MAX_YEARS} (default: 10)")
    run_cmd.add_argument("--seed", type=whole_number, default=0, metavar="S",
                         help="random seed, 0 or more (default: 0)")
    run_cmd.add_argument("--price-year", type=whole_number, default=None, metavar="YEAR",
                         help="every amount in kr in the prices of YEAR (faste priser), deflated at the "
                              "scenario's general price index (default: current prices)")
    run_cmd.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="new folder for the tables (default: a new folder under results/)")
    run_cmd.add_argument("--force", action="store_true",
                         help="run even a replication estimated at more than half a minute of one core")
    commands.add_parser("scenarios", help="list the embedded scenarios")
    provenance_cmd = commands.add_parser(
        "provenance", help="print every parameter of a scenario, its value and where it comes from",
        description="Print every parameter of a scenario with the value in use and where it comes from: "
        "the file, a file it extends, national figures scaled to the population, a national default, or "
        "a derived value; then the timeline and any published value taken from another municipality.",
    )
    provenance_cmd.add_argument("scenario", metavar="NAME_OR_FILE",
                                help="embedded scenario name or TOML file")
    return top


def default_folder(scenario: str, seed: int, years: int) -> Path:
    """A new folder under results/ named after the run; never one that exists."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = RESULTS / f"run-{scenario}-seed{seed}-{years}y-{stamp}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def steady_state_line(result: Result) -> str:
    """What the start date's steady state needs: the children found in need a year, and the other reports."""
    steady = result.steady_state
    found = sum(steady.found_per_year.values())
    per_thousand = sum(steady.found_per_1000(result.scenario.population.children.value).values())
    kinds = ", ".join(f"{need} {rate:,.0f}" for need, rate in steady.found_per_year.items())
    return (f"Held still at its start by {found:,.0f} children found in need a year ({per_thousand:.1f} per "
            f"1,000 children: {kinds}) "
            f"and {steady.reports_without_need_per_year:,.0f} reports a year about children without need, "
            f"at a caseload of {steady.caseload:.1f} on the start date.\n")


def budget_frame_text(result: Result, price_year: int | None = None) -> str:
    """The budget frame as planners read it: spend, persons at 31 Dec, full-year persons, price.

    The accounts count home-based measures, not children, as units; the
    units and price rows do the same. Only the scenario's levels are rows,
    and a level without full-year units in a year has its price left blank.
    Kroner are in the prices of ``price_year`` (None: current prices).
    """
    frame = in_prices_of(result.budget_frame, result.scenario, price_year)
    blocks = []
    for column, title, scale, digits in (
        ("spend_kr", "Spend (1,000 kr)", 1000.0, 0),
        ("persons_31_dec", "Persons at 31 December (authority: caseworkers)", 1.0, 0),
        ("measures_31_dec", "Units at 31 December (home-based: measures)", 1.0, 0),
        ("full_year_persons", "Full-year persons (helårspersoner)", 1.0, 1),
        ("price_per_full_year_measure_kr", "Price per full-year unit (1,000 kr; home-based: per measure)",
         1000.0, 0),
    ):
        levels = result.scenario.levels
        table = frame.pivot(index="level", columns="year", values=column).reindex(list(levels)) / scale
        if column == "spend_kr":
            table.loc["total"] = table.drop(index="authority").sum()
            table.loc["total_with_authority"] = table.loc[list(levels)].sum()
        table.index = [ENGLISH.row(name) for name in table.index]
        table.columns = [str(year) for year in table.columns]
        shown = table.round(digits).to_string(float_format=f"{{:,.{digits}f}}".format, na_rep="")
        blocks.append(f"{title}\n{shown}")
    return "\n\n".join(blocks)


def _scenarios() -> int:
    print("\n".join(embedded_names()))
    return 0


def against_budget(result: Result, price_year: int | None, prices: str) -> tuple[pd.DataFrame, list[str]]:
    """The budget table of the run (one replication, so P(overspend) is 0 or 1) and what to print of it.

    The Monte Carlo summaries are imported here, so that a run of a
    scenario without a budget starts without them.
    """
    from .experiments.report import budget_notes, budget_text
    from .montecarlo.budget import budget_table
    from .montecarlo.outcomes import outcomes
    from .montecarlo.prices import fixed_prices

    scenarios = {result.scenario.name: result.scenario}
    mine = outcomes(result).assign(scenario=result.scenario.name, replication=0)
    table = budget_table(fixed_prices(mine, scenarios, price_year), scenarios, price_year)
    printed = ["", budget_text(table, scenarios, prices)] if len(table) else []
    return table, printed + budget_notes(scenarios, result.calendar.year_list)


def _run(args: argparse.Namespace) -> int:
    problems = run_argument_problems(args.years, args.seed, prefix="--")
    problems += price_year_problems(args.price_year, "--price-year")
    if args.out is not None:  # every flag's problem at once, the scenario's and the folder's too
        problems += new_folder_problems(args.out, "--out")
    try:
        scenario = load_scenario(args.scenario)
    except InputError as error:
        raise InputError([*problems, *error.problems], "cannot run") from None
    if problems:
        raise InputError(problems, "cannot run")
    for line in borrowed_lines(scenario):
        print(f"warning: {line}", file=sys.stderr)
    for note in scenario.timeline_notes:
        print(f"note: {note}", file=sys.stderr)
    folder = args.out or default_folder(scenario.name, args.seed, args.years)
    check_new_folder(folder, "--out")
    result = run(scenario, years=args.years, seed=args.seed, force=args.force)
    prices = ENGLISH.prices(price_level(scenario, args.price_year))
    budget, budget_lines = against_budget(result, args.price_year, prices) if scenario.budget else (None, [])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"barnesim: {scenario.name}, {args.years} years from {scenario.scenario.start_date}, "
              f"seed {args.seed}; amounts in kr in {prices}\n")
        print(steady_state_line(result))
        print(budget_frame_text(result, args.price_year))
        for line in budget_lines:
            print(line)
    written = result.write(folder, args.price_year, {"budget": budget} if budget is not None and len(budget)
                           else None)
    print(f"\nTables written to {written}/")
    return 0


def _provenance(args: argparse.Namespace) -> int:
    sys.stdout.write(render_provenance(load_scenario(args.scenario)))
    return 0


COMMANDS = {"run": _run, "scenarios": lambda args: _scenarios(), "provenance": _provenance}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    return command_status(lambda: COMMANDS[args.command](args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
