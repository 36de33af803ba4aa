"""A calibration run in its folder: the manifest first, the ensemble as it runs, then the tables and file.

``results/calibration/<scenario>/<run-id>/`` holds ``manifest.json``
(status ``running``, then ``complete`` or ``interrupted``), the points'
ensemble as it runs (``ensemble/``, so ``--resume`` carries on; ``run.lock``
refuses a second process in the folder), and at the
end ``posterior``, ``points`` and ``fit`` as Parquet and CSV,
``simulated.parquet``, ``posterior_sample.parquet``, ``posterior.png`` and the calibrated scenario
``<scenario>_calibrated.toml``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..output.folders import new_folder, write_atomically
from ..output.lock import only_process
from ..output.manifest import scenario_entry, software
from ..scenario import Scenario
from .fit import Calibration, Settings, calibrate, check_resume, relative_errors
from .scenario_file import calibrated_name, calibrated_toml
from .targets import Targets

RESULTS = Path("results") / "calibration"
MANIFEST = "manifest.json"
FIT_COLUMNS = ["figure", "published_low", "published_high", "median", "p5", "p95", "at_best",
               "relative_error"]
"""Columns of ``fit.parquet``: each fitted figure, published, and as the accepted points simulate it
(median and 5-95% over them), at the nearest point, and the median's relative error."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the calibration in ``folder``, for ``--resume``."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        settings = Settings(**{**manifest["settings"], "fit_years": tuple(manifest["settings"]["fit_years"]),
                               "parameters": tuple(manifest["settings"]["parameters"]),
                               "figures": tuple(manifest["settings"]["figures"])})
        manifest["settings"] = settings
        for key in ("scenario_ref", "targets_ref"):
            if not isinstance(manifest[key], str):
                raise TypeError(key)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise InputError([Problem("--resume", "", f"is not a calibration run folder ({MANIFEST} missing or "
                                  f"unreadable: {error})", str(folder))], "cannot resume") from None
    return manifest


def run_calibration(scenario: Scenario, targets: Targets, settings: Settings, folder: Path, *,
                    refs: tuple[str, str], executor: Any = None, executor_name: str = "this process",
                    progress: bool = False) -> tuple[Calibration, Path]:
    """Calibrate into ``folder`` (or resume the calibration there); the result and the calibrated file."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = {
        "kind": "calibration", "scenario_ref": refs[0], "targets_ref": refs[1], "targets": targets.label,
        "scenario": scenario_entry(scenario), "settings": dataclasses.asdict(settings),
        "executor": executor_name, **software(), "started": started, "finished": None, "status": "running",
    }
    resuming = (folder / MANIFEST).is_file()
    if resuming:
        check_resume(scenario, targets, settings, folder / "ensemble")
    else:
        with new_folder(folder, "--out") as staging:
            _write(staging / MANIFEST, json.dumps(manifest, indent=2))
    with only_process(folder, "--resume"):  # a second resume of the folder is refused, naming the first
        if resuming:
            manifest["started"] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["started"]
            manifest["resumed"] = started
            _write(folder / MANIFEST, json.dumps(manifest, indent=2))
        try:
            calibration = calibrate(scenario, targets, settings, executor=executor,
                                    folder=folder / "ensemble", progress=progress)
        except BaseException:
            manifest["status"] = "interrupted"
            with contextlib.suppress(OSError):
                _write(folder / MANIFEST, json.dumps(manifest, indent=2))
            raise
    tables = {"posterior": calibration.posterior, "points": calibration.points, "fit": fit_table(calibration)}
    for name, table in tables.items():
        write_atomically(folder / f"{name}.parquet", table.to_parquet(index=False))
        _write(folder / f"{name}.csv", table.to_csv(index=False))
    write_atomically(folder / "simulated.parquet", calibration.simulated.to_parquet(index=False))
    write_atomically(folder / "posterior_sample.parquet", calibration.sample.to_parquet(index=False))
    plot_posterior(calibration, folder / "posterior.png")
    scenario_file = folder / f"{calibrated_name(scenario)}.toml"
    _write(scenario_file, calibrated_toml(scenario, calibration, targets.label))
    manifest.update(status="complete", finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    _write(folder / MANIFEST, json.dumps(manifest, indent=2))
    return calibration, scenario_file


def fit_table(calibration: Calibration) -> pd.DataFrame:
    """Each fitted figure as the accepted points simulate it: see :data:`FIT_COLUMNS`."""
    points = calibration.points
    accepted = set(points.loc[points["accepted"], "point"])
    best = int(points.loc[points["rank"] == 1, "point"].iloc[0])
    simulated = calibration.simulated
    rows = []
    for figure in calibration.figures:
        mine = simulated[simulated["figure"] == figure.key]
        values = mine.loc[mine["point"].isin(accepted), "value"].to_numpy(float)
        p5, median, p95 = np.nanpercentile(values, [5, 50, 95])
        at_best = float(mine.loc[mine["point"] == best, "value"].iloc[0])
        error = float(relative_errors(np.array([median]), figure)[0])
        rows.append((figure.key, figure.low, figure.high, median, p5, p95, at_best, error))
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def plot_posterior(calibration: Calibration, path: Path) -> None:
    """One panel per assumption: the weighted posterior sample over the prior range, the median marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    posterior = calibration.posterior
    columns = 2
    rows = -(-len(posterior) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(9, 1.9 * rows), squeeze=False)
    sample = calibration.sample
    for ax, row in zip(axes.flat, posterior.itertuples(), strict=False):
        ax.hist(sample[row.parameter], bins=15, range=(row.low, row.high), weights=sample["weight"],
                color="#4c72b0")
        ax.axvline(row.median, color="black", linewidth=1.5, label="posterior median")
        ax.axvline(row.value, color="#c44e52", linestyle="--", linewidth=1, label="before")
        ax.set_xlim(row.low, row.high)
        ax.set_title(row.parameter, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(posterior):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    figure.suptitle(f"Posterior sample ({len(sample)} of {len(calibration.points)} points) over each prior "
                    "range", fontsize=9)
    figure.tight_layout()
    partial = path.with_name(path.name + ".partial.png")
    figure.savefig(partial, dpi=110)
    plt.close(figure)
    partial.replace(path)


def _write(path: Path, text: str) -> None:
    write_atomically(path, text.encode("utf-8"))
