"""Running an experiment into a run folder, and resuming one that was interrupted.

A run folder (its format is :mod:`sim.experiments.run_folder`) gets its
``manifest.json`` first, with status ``running``, then the ensemble's
batches as they finish, and at the end the tables, a plot per outcome and
the status ``complete`` (or ``interrupted``). An existing folder is never
overwritten: a new run gets a new folder, and ``resume`` continues in the
folder it is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, Problem
from ..model.equilibrium import problems as steady_state_problems
from ..model.work import estimate, work_problems
from ..montecarlo import Ensemble, compare, convergence, run_ensemble, summarise
from ..montecarlo.budget import budget_table
from ..montecarlo.ensemble import check_store, open_store
from ..montecarlo.period import period_tables
from ..montecarlo.prices import fixed_prices
from ..output.folders import new_folder, write_atomically
from ..output.lock import only_process
from ..output.manifest import scenario_entry, software
from ..output.prices import deflator, price_level, price_year_problems
from ..sensitivity import FOLDER as SENSITIVITY_FOLDER
from ..sensitivity import run_sensitivity
from .definition import LoadedExperiment, experiment_of_text
from .plan import against_plan, payback_years
from .plan import summary as plan_summary
from .report import plot_outcomes, references
from .run_folder import (
    COMPLETE,
    INTERRUPTED,
    MANIFEST,
    PLOTS,
    RUNNING,
    read_manifest,
    write_manifest,
    write_tables,
)

DEFAULT_PRECISION = 0.01
"""Relative Monte Carlo standard error of a mean counted as enough (1%)."""


def run_experiment(
    experiment: LoadedExperiment,
    folder: Path,
    *,
    replications: int,
    seed: int,
    executor: Any = None,
    executor_name: str = "this process",
    progress: bool | Callable[[int, int], None] = False,
    precision: float = DEFAULT_PRECISION,
    rerun_of: str | None = None,
    price_year: int | None = None,
    force: bool = False,
) -> tuple[Ensemble, dict[str, Any]]:
    """Run (or resume, if ``folder`` holds a run) ``experiment`` and write its tables to ``folder``.

    A new run's folder appears whole with its manifest (status ``running``),
    so a run killed at any moment leaves either nothing or a folder that
    ``--resume`` carries on. ``rerun_of`` names the run this one repeats.
    With ``price_year`` every kroner amount of every table is in that year's
    prices (the batches in ``chunks/`` stay in current prices); the
    manifest's ``price_level`` says which. A run whose estimated work is
    beyond the limits of :mod:`sim.model.work` is refused, before its
    folder is made, unless ``force``.
    """
    definition = experiment.definition
    problems = price_year_problems(price_year)
    if not force:  # before the folder is made: a run of days or of more memory than there is is asked for
        problems += work_problems(estimate(experiment.scenarios, definition.years, replications), "--force")
    if problems:
        raise InputError(problems, "cannot run")
    manifest = _manifest(experiment, seed, replications, price_year, executor_name, rerun_of)
    with contextlib.ExitStack() as held:
        if (folder / MANIFEST).is_file():
            # a resume with other settings is refused first, before anything in the folder is touched
            check_store(folder, experiment.scenarios, seed, definition.years, definition.uncertainty)
            held.enter_context(only_process(folder, "--resume"))  # a second resume of it is refused
            store = open_store(folder, experiment.scenarios, seed, definition.years, definition.uncertainty)
            earlier = read_manifest(folder)
            if set_aside := [*earlier.get("set_aside", []), *store.set_aside]:  # damaged batches run again
                manifest["set_aside"] = set_aside
            manifest["resumed"] = [*earlier.get("resumed", []), manifest["started"]]
            manifest["started"] = earlier["started"]
            write_manifest(folder, manifest)
        else:
            with new_folder(folder, "--out") as staging:  # appears whole, with its manifest and lock
                held.enter_context(only_process(staging, "--out"))
                write_manifest(staging, manifest)
        try:
            ensemble = run_ensemble(
                experiment.scenarios, replications, seed, years=definition.years,
                uncertainty=definition.uncertainty, executor=executor, folder=folder, progress=progress,
                force=True,  # asked above
            )
            tables = _tables(experiment, ensemble, price_year, precision)
            if definition.sensitivity is not None:
                tables.update(_sensitivity(experiment, folder, seed, executor, progress, manifest))
        except BaseException:
            manifest["status"] = INTERRUPTED
            with contextlib.suppress(OSError):  # a full disk must not hide why the run stopped
                write_manifest(folder, manifest)
            raise
        _finish(folder, experiment, ensemble, tables, manifest, precision)
    return ensemble, tables


def write_ensemble_run(ensemble: Ensemble, folder: Path, *, outcomes: list[str], title: str,
                       description: str = "", price_year: int | None = None,
                       precision: float = DEFAULT_PRECISION) -> LoadedExperiment:
    """Write the finished ``ensemble`` as the run folder an experiment of its scenarios would write.

    The folder (new; it appears whole) gets the tables, plots and manifest
    of :func:`run_experiment`, computed by the same code, so that the
    report (``sim.report.make_report``) and ``--rerun`` read it as any
    run: the manifest records the scenarios as run (``ensemble.resolved``)
    and an experiment file naming them, with ``outcomes`` (names or
    patterns such as ``spend_kr.*``) and ``title``. The batches are not
    kept (the ensemble ran in memory), so the run cannot be resumed.
    Returns the experiment the manifest records.
    """
    experiment = ensemble_experiment(ensemble, outcomes, title, description)
    problems = price_year_problems(price_year)
    if problems:
        raise InputError(problems, "cannot write the run")
    manifest = _manifest(experiment, ensemble.seed, ensemble.replications, price_year,
                         "run_ensemble in Python, outside this folder", None)
    tables = _tables(experiment, ensemble, price_year, precision)
    with new_folder(folder, "out") as staging:
        _finish(staging, experiment, ensemble, tables, manifest, precision)
    return experiment


ENSEMBLE_FILE = "(an ensemble run in Python: sim.montecarlo.run_ensemble)"
"""What a run folder written from an ensemble records as its experiment's file: there is none on disk."""


def ensemble_experiment(ensemble: Ensemble, outcomes: list[str], title: str, description: str = ""
                        ) -> LoadedExperiment:
    """The experiment an ensemble run in Python stands for: its scenarios, settings and ``outcomes``.

    Its file text (what a manifest records) names each variant's scenario
    by name, and ``scenarios`` are the ensemble's as run; an experiment
    file is checked as one loaded from disk is, outcomes included.
    """
    missing = [label for label in ensemble.scenarios if label not in ensemble.resolved]
    if missing:
        raise InputError([Problem("ensemble", "resolved", "holds no scenario for these labels; an ensemble "
                                  "made by run_ensemble keeps its scenarios", missing)],
                         "cannot write the run")
    text = "\n".join([
        "# Written from an ensemble run in Python (sim.montecarlo.run_ensemble): each variant names its",
        "# scenario; the scenarios as run are in the manifest's inputs.",
        f"name = {_toml(_ENSEMBLE_NAME)}",
        f"title = {_toml(title)}",
        f"description = {_toml(description)}",
        f"scenario = {_toml(ensemble.resolved[ensemble.baseline].name)}",
        f"years = {ensemble.years}",
        f"replications = {ensemble.replications}",
        f"seed = {ensemble.seed}",
        f"uncertainty = {_toml(ensemble.uncertainty)}",
        f"outcomes = {_toml(list(outcomes))}",
        *(line for label in ensemble.scenarios for line in (
            "", "[[variant]]", f"label = {_toml(label)}",
            f"scenario = {_toml(ensemble.resolved[label].name)}")),
        "",
    ])
    return experiment_of_text(text, ENSEMBLE_FILE, {label: ensemble.resolved[label]
                                                    for label in ensemble.scenarios})


_ENSEMBLE_NAME = "ensemble"


def _toml(value: Any) -> str:
    """``value`` (text, or a list of text) as TOML writes it: JSON's strings are TOML's basic strings."""
    return json.dumps(value, ensure_ascii=False)


def _manifest(experiment: LoadedExperiment, seed: int, replications: int, price_year: int | None,
              executor_name: str, rerun_of: str | None) -> dict[str, Any]:
    """The manifest of a run starting now, with status ``running``."""
    definition = experiment.definition
    return {
        "experiment": {"name": experiment.name, "file": str(experiment.path), "sha256": experiment.sha256},
        "scenarios": {label: scenario_entry(s) for label, s in experiment.scenarios.items()},
        "baseline": experiment.baseline,
        "outcomes": experiment.outcomes,
        "seed": seed,
        "replications": replications,
        "years": definition.years,
        "uncertainty": definition.uncertainty,
        "price_level": price_level(experiment.scenarios[experiment.baseline], price_year),
        "executor": executor_name,
        **software(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "status": RUNNING,
        **({"rerun_of": rerun_of} if rerun_of else {}),
        "inputs": inputs(experiment),
        "contradictions": {label: [problem.message for problem in problems]
                           for label, scenario in experiment.scenarios.items()
                           if (problems := steady_state_problems(scenario))},
    }


def _tables(experiment: LoadedExperiment, ensemble: Ensemble, price_year: int | None, precision: float
            ) -> dict[str, pd.DataFrame]:
    """The tables of a run of ``experiment`` whose ensemble is ``ensemble`` (the sensitivity's aside)."""
    definition = experiment.definition
    outcomes = fixed_prices(ensemble.outcomes, experiment.scenarios, price_year)
    summary = convergence(summarise(outcomes), precision)
    comparison = compare(outcomes, ensemble.baseline)
    tables = {"outcomes": outcomes, "draws": ensemble.draws, "summary": summary, "comparison": comparison,
              **period_tables(outcomes, ensemble.baseline)}
    plan = definition.plan
    if plan is not None:
        scenario = experiment.scenarios[plan.variant]
        deflate = None if price_year is None else lambda year: deflator(scenario, year, price_year)
        measured = against_plan(ensemble.outcomes, plan, deflate)
        tables["against_plan"] = plan_summary(measured, plan, deflate)
        tables["payback"] = payback_years(measured).rename("payback_year").reset_index()
    budget = budget_table(outcomes, experiment.scenarios, price_year)
    if len(budget):
        tables["budget"] = budget
    tables["references"] = references(summary, comparison, experiment, tables.get("against_plan"), price_year)
    return tables


def _finish(folder: Path, experiment: LoadedExperiment, ensemble: Ensemble, tables: dict[str, pd.DataFrame],
            manifest: dict[str, Any], precision: float) -> None:
    """Write the tables and plots into ``folder`` and mark its manifest complete."""
    summary = tables["summary"]
    write_tables(folder, tables)
    plot_outcomes(summary, experiment.outcomes, ensemble.scenarios, folder / PLOTS)
    manifest.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), status=COMPLETE,
                    precision=precision, converged=bool(
                        summary[summary["outcome"].isin(experiment.outcomes)]["converged"].all()))
    write_manifest(folder, manifest)


def _sensitivity(experiment: LoadedExperiment, folder: Path, seed: int, executor: Any, progress: Any,
                 manifest: dict[str, Any]) -> dict[str, Any]:
    """Run the experiment's sensitivity analysis into ``folder``; its tables, and a note in the manifest."""
    found = run_sensitivity(experiment, seed, folder=folder, executor=executor, progress=progress)
    for name, table in (("design", found.design), ("values", found.values)):
        write_atomically(folder / SENSITIVITY_FOLDER / f"{name}.parquet", table.to_parquet(index=False))
    points = found.design.groupby("stage")["point"].nunique()
    manifest["sensitivity"] = {
        "assumptions": int(found.indices["parameter"].nunique()),
        "sobol_assumptions": int(found.design[found.design["stage"] == "sobol"]["parameter"].nunique()),
        "points": {stage: int(n) for stage, n in points.items()},
    }
    return {"sensitivity": found.indices, "sensitivity_answers": found.answers}


def inputs(experiment: LoadedExperiment) -> dict[str, Any]:
    """What ``--rerun`` needs even when the files are gone: the experiment's text and resolved scenarios."""
    return {
        "experiment_toml": experiment.text,
        "scenarios": {label: s.model_dump(mode="json") for label, s in experiment.scenarios.items()},
    }
