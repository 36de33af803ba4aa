"""Running an experiment into a run folder, and resuming one that was interrupted.

A run folder ``results/<experiment>/<run-id>/`` holds ``manifest.json``
(written first with status ``running``, then ``complete`` or
``interrupted``), the ensemble's batches as they finish (``chunks/``), and
at the end the tidy tables in Parquet and the summaries also in CSV, and a
plot per outcome. An existing folder is never overwritten: a new run gets a
new folder, and ``resume`` continues in the folder it is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..montecarlo import Ensemble, convergence, run_ensemble
from ..montecarlo.ensemble import open_store
from ..output.folders import new_folder, write_atomically
from ..output.manifest import scenario_entry, software
from ..sensitivity import FOLDER as SENSITIVITY_FOLDER
from ..sensitivity import run_sensitivity
from .definition import LoadedExperiment
from .report import plot_outcomes, references

RESULTS = Path("results")
MANIFEST = "manifest.json"
MANIFEST_KEYS = {"experiment": dict, "scenarios": dict, "outcomes": list, "seed": int, "replications": int,
                 "started": str, "status": str}
"""What ``--resume`` and ``--rerun`` read from a manifest, with its type."""
DEFAULT_PRECISION = 0.01
"""Relative Monte Carlo standard error of a mean counted as enough (1%)."""
TABLES = ("outcomes", "draws", "summary", "comparison", "references")
"""The tables a complete run folder holds, each as Parquet."""
SENSITIVITY_TABLES = ("sensitivity", "sensitivity_answers")
"""The tables a complete run of an experiment with ``[sensitivity]`` holds as well."""
CSV_TABLES = ("summary", "comparison", "references", *SENSITIVITY_TABLES)
"""Those also written as CSV (when the run has them)."""


def table_names(folder: Path) -> list[str]:
    """The tables a complete run in ``folder`` holds: :data:`TABLES`, and any sensitivity tables."""
    return [*TABLES, *(name for name in SENSITIVITY_TABLES if (folder / f"{name}.parquet").is_file())]


def read_manifest(folder: Path, flag: str = "--resume") -> dict[str, Any]:
    """The manifest of the run in ``folder`` (or the file itself), for ``--resume`` and ``--rerun``."""
    path = folder if folder.name == MANIFEST else folder / MANIFEST
    title = f"cannot {flag.removeprefix('--')}"
    if not path.is_file():
        raise InputError([Problem(flag, "", f"is not an experiment run folder (no {MANIFEST})", str(folder))],
                         title)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([Problem(str(path), "", f"cannot be read as a manifest: {error}")], title) from None
    missing = [key for key, kind in MANIFEST_KEYS.items()
               if not isinstance(manifest, dict) or not isinstance(manifest.get(key), kind)]
    missing += [f"experiment.{key}" for key in ("name", "file")
                if "experiment" not in missing and not isinstance(manifest["experiment"].get(key), str)]
    if missing:
        raise InputError([Problem(str(path), key, "is missing: not an experiment run's manifest")
                          for key in missing], title)
    return manifest


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
) -> tuple[Ensemble, dict[str, Any]]:
    """Run (or resume, if ``folder`` holds a run) ``experiment`` and write its tables to ``folder``.

    A new run's folder appears whole with its manifest (status ``running``),
    so a run killed at any moment leaves either nothing or a folder that
    ``--resume`` carries on. ``rerun_of`` names the run this one repeats.
    """
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
        **({"rerun_of": rerun_of} if rerun_of else {}),
        "inputs": inputs(experiment),
    }
    if (folder / MANIFEST).is_file():
        # a resume with other settings is refused here, before the run's manifest is touched
        open_store(folder, experiment.scenarios, seed, definition.years, definition.uncertainty)
        earlier = read_manifest(folder)
        manifest["started"] = earlier["started"]
        manifest["resumed"] = [*earlier.get("resumed", []), started.isoformat(timespec="seconds")]
        _write_manifest(folder, manifest)
    else:
        with new_folder(folder, "--out") as staging:  # appears whole, with its manifest
            _write_manifest(staging, manifest)
    try:
        ensemble = run_ensemble(
            experiment.scenarios, replications, seed, years=definition.years,
            uncertainty=definition.uncertainty, executor=executor, folder=folder, progress=progress,
        )
        summary = convergence(ensemble.summary(), precision)
        comparison = ensemble.compare()
        tables = {"outcomes": ensemble.outcomes, "draws": ensemble.draws, "summary": summary,
                  "comparison": comparison, "references": references(summary, comparison, experiment)}
        if definition.sensitivity is not None:
            tables.update(_sensitivity(experiment, folder, seed, executor, progress, manifest))
    except BaseException:
        manifest["status"] = "interrupted"
        with contextlib.suppress(OSError):  # a full disk must not hide why the run stopped
            _write_manifest(folder, manifest)
        raise
    for name, table in tables.items():
        write_atomically(folder / f"{name}.parquet", table.to_parquet(index=False))
    for name in CSV_TABLES:
        if name in tables:
            write_atomically(folder / f"{name}.csv", tables[name].to_csv(index=False).encode("utf-8"))
    plot_outcomes(summary, experiment.outcomes, ensemble.scenarios, folder / "plots")
    manifest.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), status="complete",
                    precision=precision, converged=bool(
                        summary[summary["outcome"].isin(experiment.outcomes)]["converged"].all()))
    _write_manifest(folder, manifest)
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


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
