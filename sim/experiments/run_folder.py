"""The run folder of an experiment: its files, its tables and its manifest, named in one place.

``python -m sim.experiments`` writes a run folder (:mod:`sim.experiments.run`
through the functions here); ``--resume``, ``--rerun``, the report and the
app read it through them too, so the format has a single home and a reader
cannot drift from the writer. The layout, file by file, is documented in
docs/experiments.md ("The run folder"). The ensemble's batches
(``ensemble.json``, ``chunks/``) are the Monte Carlo store's
(:mod:`sim.montecarlo.store`), and ``sensitivity/`` the sensitivity
analysis's (:mod:`sim.sensitivity`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, Problem
from ..montecarlo.store import SPEC
from ..output.folders import write_atomically

RESULTS = Path("results")
"""Where a run goes when no ``--out`` is given: ``results/<experiment>/<run-id>/``."""
MANIFEST = "manifest.json"
MANIFEST_KEYS = {"experiment": dict, "scenarios": dict, "outcomes": list, "seed": int, "replications": int,
                 "started": str, "status": str}
"""What ``--resume``, ``--rerun`` and the report read from a manifest, with its type."""
RUNNING, COMPLETE, INTERRUPTED = "running", "complete", "interrupted"
"""A manifest's ``status``: while the run works, once every table is written, after Ctrl-C or an error."""
TABLES = ("outcomes", "draws", "summary", "comparison", "references")
"""The tables a complete run folder holds, each as Parquet."""
SENSITIVITY_TABLES = ("sensitivity", "sensitivity_answers")
"""The tables a complete run of an experiment with ``[sensitivity]`` holds as well."""
PLAN_TABLES = ("against_plan", "payback")
"""The tables a complete run of an experiment with a ``[plan]`` holds as well."""
PERIOD_TABLES = ("period_summary", "period_comparison")
"""The running totals over the run's years (:mod:`sim.montecarlo.period`); a run folder written before
they were is read with them computed from its outcomes."""
BUDGET_TABLES = ("budget",)
"""The table a complete run holds when a variant's scenario has a ``[budget]``: P(overspend)."""
CSV_TABLES = ("summary", "comparison", *PERIOD_TABLES, "references", *SENSITIVITY_TABLES, *PLAN_TABLES,
              *BUDGET_TABLES)
"""Those also written as CSV (when the run has them), for a spreadsheet."""
PLOTS = "plots"
"""The folder of the plot per outcome, ``plots/<outcome>.png``."""


def table_path(folder: Path, name: str) -> Path:
    """The Parquet file of table ``name`` in the run folder ``folder``."""
    return folder / f"{name}.parquet"


def table_names(folder: Path) -> list[str]:
    """The tables a complete run in ``folder`` holds: :data:`TABLES`, and any optional ones it wrote."""
    optional = (*PERIOD_TABLES, *SENSITIVITY_TABLES, *PLAN_TABLES, *BUDGET_TABLES)
    return [*TABLES, *(name for name in optional if table_path(folder, name).is_file())]


def folder_of(path: Path) -> Path:
    """The run folder ``path`` names: the folder itself, or the folder of its ``manifest.json``."""
    return path.parent if path.name == MANIFEST else path


def read_manifest(path: Path, flag: str = "--resume", title: str | None = None) -> dict[str, Any]:
    """The manifest of the run in folder ``path`` (or the file itself), checked to be an experiment run's.

    Problems name ``flag``, the flag or argument that gave the folder;
    ``title`` says what cannot be done (default: ``cannot resume`` for ``--resume``).
    """
    file = folder_of(path) / MANIFEST
    title = title or f"cannot {flag.removeprefix('--')}"
    if not file.is_file():
        why = (f"holds an ensemble written by run_ensemble(folder=...) ({SPEC}), not an experiment run: "
               "a report or resume needs the run folder of an experiment (python -m sim.experiments FILE "
               "--report, or sim.experiments.run_experiment); from Python, make the report of the "
               "ensemble run_ensemble returns with sim.report.make_report(ensemble, out=NEW_FOLDER)"
               ) if (folder_of(path) / SPEC).is_file() else \
            f"is not an experiment run folder (no {MANIFEST})"
        raise InputError([Problem(flag, "", why, str(path))], title)
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([Problem(str(file), "", f"cannot be read as a manifest: {error}")], title) from None
    missing = [key for key, kind in MANIFEST_KEYS.items()
               if not isinstance(manifest, dict) or not isinstance(manifest.get(key), kind)]
    missing += [f"experiment.{key}" for key in ("name", "file")
                if "experiment" not in missing and not isinstance(manifest["experiment"].get(key), str)]
    if missing:
        raise InputError([Problem(str(file), key, "is missing: not an experiment run's manifest")
                          for key in missing], title)
    return manifest


def complete_manifest(path: Path, flag: str, title: str) -> dict[str, Any]:
    """The manifest of the complete run in folder ``path`` (or the file itself); any other run is refused."""
    manifest = read_manifest(path, flag, title)
    if manifest["status"] != COMPLETE:
        raise InputError([Problem(flag, "", f"the run is {manifest['status']}, not {COMPLETE}; finish it "
                                  f"with python -m sim.experiments --resume {folder_of(path)} first",
                                  str(path))], title)
    return manifest


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a complete run: one its manifest marks complete."""
    try:
        return read_manifest(folder)["status"] == COMPLETE
    except InputError:
        return False


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the run's manifest, whole or not at all (a run killed while writing leaves the old one)."""
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write each table as Parquet, and those of :data:`CSV_TABLES` also as CSV."""
    for name, table in tables.items():
        write_atomically(table_path(folder, name), table.to_parquet(index=False))
    for name in CSV_TABLES:
        if name in tables:
            write_atomically(folder / f"{name}.csv", tables[name].to_csv(index=False).encode("utf-8"))


def read_tables(folder: Path, flag: str, title: str) -> dict[str, pd.DataFrame]:
    """The tables of the complete run in ``folder``, by name; a folder lacking one is refused."""
    missing = [name for name in TABLES if not table_path(folder, name).is_file()]
    if missing:
        raise InputError([Problem(flag, "", f"the run folder lacks {', '.join(missing)}", str(folder))],
                         title)
    return {name: pd.read_parquet(table_path(folder, name)) for name in table_names(folder)}
