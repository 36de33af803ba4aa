"""Running an experiment into a run folder, and resuming one that was interrupted.

A run folder ``results/<experiment>/<run-id>/`` holds ``manifest.json``
(written first with status ``running``, then ``complete`` or
``interrupted``), the ensemble's batches as they finish (``chunks/``), and
at the end the tidy tables in Parquet and the summaries also in CSV, and a
plot per outcome. An existing folder is never overwritten: a new run gets a
new folder, and ``resume`` continues in the folder it is given.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..manifest import scenario_entry, software
from ..montecarlo import Ensemble, convergence, run_ensemble
from ..montecarlo.ensemble import open_store
from ..montecarlo.store import write_atomically
from .definition import LoadedExperiment
from .report import plot_outcomes, references

RESULTS = Path("results")
MANIFEST = "manifest.json"
DEFAULT_PRECISION = 0.01
"""Relative Monte Carlo standard error of a mean counted as enough (1%)."""


def new_run_folder(experiment: str, results: Path = RESULTS) -> Path:
    """A folder for a new run of ``experiment`` that does not exist yet."""
    base = results / experiment / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the run in ``folder``, for ``--resume``."""
    path = folder / MANIFEST
    if not path.is_file():
        raise InputError([Problem("--resume", "", "is not an experiment run folder (no manifest.json)",
                                  str(folder))], "cannot resume")
    return json.loads(path.read_text(encoding="utf-8"))


def run_experiment(
    experiment: LoadedExperiment,
    folder: Path,
    *,
    replications: int,
    seed: int,
    executor: Any = None,
    executor_name: str = "this process",
    progress: bool = False,
    precision: float = DEFAULT_PRECISION,
) -> tuple[Ensemble, dict[str, Any]]:
    """Run (or resume, if ``folder`` holds batches) ``experiment`` and write its tables to ``folder``."""
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
        "executor": executor_name,
        **software(),
        "started": started.isoformat(timespec="seconds"),
        "finished": None,
        "status": "running",
    }
    # a resume with other settings is refused here, before the run's manifest is touched
    open_store(folder, experiment.scenarios, seed, definition.years, definition.uncertainty)
    if (folder / MANIFEST).is_file():  # resumed: keep when it first started
        earlier = read_manifest(folder)
        manifest["started"] = earlier["started"]
        manifest["resumed"] = [*earlier.get("resumed", []), started.isoformat(timespec="seconds")]
    _write_manifest(folder, manifest)
    try:
        ensemble = run_ensemble(
            experiment.scenarios, replications, seed, years=definition.years,
            uncertainty=definition.uncertainty, executor=executor, folder=folder, progress=progress,
        )
    except BaseException:
        manifest["status"] = "interrupted"
        _write_manifest(folder, manifest)
        raise
    summary = convergence(ensemble.summary(), precision)
    comparison = ensemble.compare()
    tables = {"outcomes": ensemble.outcomes, "draws": ensemble.draws, "summary": summary,
              "comparison": comparison, "references": references(summary, comparison, experiment)}
    for name, table in tables.items():
        write_atomically(folder / f"{name}.parquet", table.to_parquet(index=False))
    for name in ("summary", "comparison", "references"):
        write_atomically(folder / f"{name}.csv", tables[name].to_csv(index=False).encode("utf-8"))
    plot_outcomes(summary, experiment.outcomes, ensemble.scenarios, folder / "plots")
    manifest.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), status="complete",
                    precision=precision, converged=bool(
                        summary[summary["outcome"].isin(experiment.outcomes)]["converged"].all()))
    _write_manifest(folder, manifest)
    return ensemble, tables


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
