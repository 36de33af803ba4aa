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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model.equilibrium import problems as steady_state_problems
from ..montecarlo import Ensemble, compare, convergence, run_ensemble, summarise
from ..montecarlo.budget import budget_table
from ..montecarlo.ensemble import open_store
from ..montecarlo.period import period_tables
from ..montecarlo.prices import fixed_prices
from ..output.folders import new_folder, write_atomically
from ..output.manifest import scenario_entry, software
from ..output.prices import deflator, price_level, price_year_problems
from ..sensitivity import FOLDER as SENSITIVITY_FOLDER
from ..sensitivity import run_sensitivity
from .definition import LoadedExperiment
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
) -> tuple[Ensemble, dict[str, Any]]:
    """Run (or resume, if ``folder`` holds a run) ``experiment`` and write its tables to ``folder``.

    A new run's folder appears whole with its manifest (status ``running``),
    so a run killed at any moment leaves either nothing or a folder that
    ``--resume`` carries on. ``rerun_of`` names the run this one repeats.
    With ``price_year`` every kroner amount of every table is in that year's
    prices (the batches in ``chunks/`` stay in current prices); the
    manifest's ``price_level`` says which.
    """
    problems = price_year_problems(price_year)
    if problems:
        raise InputError(problems, "cannot run")
    definition = experiment.definition
    started = dt.datetime.now(dt.UTC)
    manifest = {
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
        "started": started.isoformat(timespec="seconds"),
        "finished": None,
        "status": RUNNING,
        **({"rerun_of": rerun_of} if rerun_of else {}),
        "inputs": inputs(experiment),
        "contradictions": {label: [problem.message for problem in problems]
                           for label, scenario in experiment.scenarios.items()
                           if (problems := steady_state_problems(scenario))},
    }
    if (folder / MANIFEST).is_file():
        # a resume with other settings is refused here, before the run's manifest is touched
        open_store(folder, experiment.scenarios, seed, definition.years, definition.uncertainty)
        earlier = read_manifest(folder)
        manifest["started"] = earlier["started"]
        manifest["resumed"] = [*earlier.get("resumed", []), started.isoformat(timespec="seconds")]
        write_manifest(folder, manifest)
    else:
        with new_folder(folder, "--out") as staging:  # appears whole, with its manifest
            write_manifest(staging, manifest)
    try:
        ensemble = run_ensemble(
            experiment.scenarios, replications, seed, years=definition.years,
            uncertainty=definition.uncertainty, executor=executor, folder=folder, progress=progress,
        )
        outcomes = fixed_prices(ensemble.outcomes, experiment.scenarios, price_year)
        summary = convergence(summarise(outcomes), precision)
        comparison = compare(outcomes, ensemble.baseline)
        tables = {"outcomes": outcomes, "draws": ensemble.draws, "summary": summary,
                  "comparison": comparison, **period_tables(outcomes, ensemble.baseline)}
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
        tables["references"] = references(summary, comparison, experiment, tables.get("against_plan"),
                                          price_year)
        if definition.sensitivity is not None:
            tables.update(_sensitivity(experiment, folder, seed, executor, progress, manifest))
    except BaseException:
        manifest["status"] = INTERRUPTED
        with contextlib.suppress(OSError):  # a full disk must not hide why the run stopped
            write_manifest(folder, manifest)
        raise
    write_tables(folder, tables)
    plot_outcomes(summary, experiment.outcomes, ensemble.scenarios, folder / PLOTS)
    manifest.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), status=COMPLETE,
                    precision=precision, converged=bool(
                        summary[summary["outcome"].isin(experiment.outcomes)]["converged"].all()))
    write_manifest(folder, manifest)
    return ensemble, tables


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
