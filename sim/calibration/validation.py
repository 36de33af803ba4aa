"""Validation: how near a scenario's simulated figures come to every published one, in and out of sample.

A figure of a fitting year is *in sample* (the calibration aimed at it); a
later one is *out of sample*, a prediction the fit never saw; one dated at
or before the scenario's start is *before the start* (the initial stock is
built from such figures, so they test nothing), and one after the longest
run barnesim makes is *beyond the run*. Neither of the last two is
compared, and :func:`not_used` lists them with every key of the targets
file that gives no figure, each with its reason. The simulated median and
90% interval are taken across replications of the scenario as it is, with
its assumptions at their values: the interval is the Monte Carlo spread a
planner would see in a run, not the uncertainty of the assumptions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import MAX_YEARS
from ..montecarlo import run_ensemble
from ..output.folders import new_folder, write_atomically
from ..output.manifest import scenario_entry, software
from ..scenario import Scenario
from .counterparts import counterparts
from .fit import relative_errors
from .targets import DEFAULT_TARGETS, Figure, Targets, describe

VALIDATION_RESULTS = Path("results") / "validation"
COLUMNS = ["scenario", "figure", "source", "date", "description", "unit", "sample", "published_low",
           "published_high", "median", "p5", "p95", "relative_error", "inside"]
"""Columns of ``validation.parquet`` / ``.csv``, documented in docs/calibration.md."""
SAMPLES = ("in sample", "out of sample", "before the start", "beyond the run")
NOT_USED_COLUMNS = ["scenario", "key", "figure", "reason"]
"""Columns of ``not_used.parquet`` / ``.csv``: every key of the targets file not compared, and why."""


def last_year(scenario: Scenario) -> int:
    """The last calendar year a run of ``scenario`` can reach whole: ``MAX_YEARS`` years from its start."""
    return scenario.scenario.start_date.year + MAX_YEARS - 1


def sample_of(figure: Figure, scenario: Scenario, fit_years: tuple[int, int]) -> str:
    """Whether ``figure`` was fitted, is a prediction, predates the scenario's start or is beyond any run."""
    if figure.date <= scenario.scenario.start_date:
        return "before the start"
    if figure.year > last_year(scenario):
        return "beyond the run"
    return "in sample" if fit_years[0] <= figure.year <= fit_years[1] else "out of sample"


def validate(scenario: Scenario, targets: Targets, *, replications: int = 100, seed: int = 0,
             fit_years: tuple[int, int] = (2016, 2017), executor: Any = None,
             progress: bool = False) -> pd.DataFrame:
    """One row per published figure: published, simulated median and 90% interval, error, inside or not."""
    start = scenario.scenario.start_date
    simulated = [f for f in targets.figures if sample_of(f, scenario, fit_years) in SAMPLES[:2]]
    years = max((f.year for f in simulated), default=start.year) - start.year + 1
    ensemble = run_ensemble([scenario], replications, seed, years=years, executor=executor,
                            batch_size=max(1, replications // 16), progress=progress, measure=counterparts)
    values = ensemble.outcomes.groupby("outcome")["value"]
    rows = []
    for figure in targets.figures:
        sample = sample_of(figure, scenario, fit_years)
        found = values.get_group(figure.key).to_numpy(float) if figure.key in values.groups else np.array([])
        if sample not in SAMPLES[:2] or not found.size:
            p5 = median = p95 = error = np.nan
            inside = None
        else:
            p5, median, p95 = np.percentile(found, [5, 50, 95])
            error = float(relative_errors(np.array([median]), figure)[0])
            inside = bool(p5 <= figure.high and p95 >= figure.low)
        rows.append((scenario.name, figure.key, figure.source, figure.date.isoformat(), describe(figure),
                     figure.unit, sample, figure.low, figure.high, median, p5, p95, error, inside))
    return pd.DataFrame(rows, columns=COLUMNS)


NOT_COMPARED = {
    "before the start": "dated at or before the scenario's start: the initial stock is built from such "
                        "figures, so they test nothing",
    "beyond the run": f"after the last year a run reaches, {MAX_YEARS} years from the scenario's start",
}
"""Why a figure of a sample that is not compared is not."""
NOT_SIMULATED = ("the runs give no value for it: the scenario has no such service, level or measure, or no "
                 "caseworker (docs/calibration.md gives each figure's counterpart)")


def not_used(targets: Targets, table: pd.DataFrame) -> pd.DataFrame:
    """Every key of ``targets`` that one scenario's validation ``table`` does not compare, and why.

    First the keys that give no figure (:attr:`Targets.unused`, ``figure`` empty), then the figures
    not compared (``key`` is the figure's source): dated at or before the start, beyond the run, or
    without a simulated value. With the sources of the figures compared, these are all the file's keys.
    """
    name = table["scenario"].iloc[0]
    rows = [(name, key, "", reason) for key, reason in targets.unused.items()]
    for row in table.itertuples():
        if row.sample in NOT_COMPARED:
            rows.append((name, row.source, row.figure, NOT_COMPARED[row.sample]))
        elif np.isnan(row.median):
            rows.append((name, row.source, row.figure, NOT_SIMULATED))
    return pd.DataFrame(rows, columns=NOT_USED_COLUMNS)


HEADINGS = {"in sample": "In sample: the fitting years {years}",
            "out of sample": "Out of sample: later years"}
"""The heading of each sample's table on the page."""


def markdown(tables: list[pd.DataFrame], unused: list[pd.DataFrame], targets: Targets,
             args: argparse.Namespace) -> str:
    """The validation page: the command, the keys of the targets file without a figure, each scenario.

    A scenario has a table in and one out of sample, and the list of the figures it does not compare.
    """
    command = " ".join(["python -m sim.validate", *args.scenarios, "--replications", str(args.replications),
                        "--seed", str(args.seed), "--fit-years", f"{args.fit_years[0]}-{args.fit_years[1]}"])
    lines = [
        "# How near the scenarios come to the published figures",
        "",
        f"Made by `{command}` on {dt.date.today().isoformat()}; do not edit by hand. Published: "
        f"`{targets.label}`. Simulated: median and 5-95% interval over {args.replications} replications, "
        "the assumptions at the scenario's values (Monte Carlo spread only). The relative error is the "
        "median's, from the published value or the nearer end of a published range. "
        "In sample are all figures of the fitting years, fitted or not; [calibration.md](calibration.md) "
        "says which a calibration fits, how each figure maps to model output, and why some do not fit.",
        "",
        *(["The replay of Ballerup's 2016 decision against its own plan, tested on the 2018 follow-up's "
           "figures, is on a page of its own: [replay-2016.md](replay-2016.md).", ""]
          if targets.label.removesuffix(".toml").endswith(DEFAULT_TARGETS) else []),
        f"## Keys of the targets file that give no figure ({len(targets.unused)})",
        "",
        *_by_reason(unused[0][unused[0]["figure"] == ""]),
        "",
    ]
    for table, keys in zip(tables, unused, strict=True):
        name = table["scenario"].iloc[0]
        figures = keys[keys["figure"] != ""]
        lines += [f"## {name}", ""]
        for sample in SAMPLES[:2]:
            rows = table[table["sample"] == sample]
            inside = rows["inside"].dropna()
            heading = HEADINGS[sample].format(years=f"{args.fit_years[0]}-{args.fit_years[1]}")
            lines += [f"### {heading} ({len(rows)} figures, {int(inside.sum())} inside the interval)", ""]
            if rows.empty:
                lines += ["None.", ""]
                continue
            lines += ["| Figure | Published | Simulated median | 90% interval | Relative error | Inside |",
                      "|---|---:|---:|---:|---:|:---:|"]
            lines += [_row(row) for row in rows.itertuples()]
            lines.append("")
        lines += [f"### Figures not compared ({len(figures)})", "", *_by_reason(figures), ""]
    return "\n".join(lines)


def _by_reason(keys: pd.DataFrame) -> list[str]:
    """One bullet per reason, naming every key not used for it; "None." when there is none."""
    if keys.empty:
        return ["None."]
    return [f"- {reason}: " + ", ".join(f"`{key}`" for key in group["key"])
            for reason, group in keys.groupby("reason", sort=False)]


def _row(row: Any) -> str:
    share = row.unit.startswith("share")
    published = _number(row.published_low, share) + ("" if row.published_high == row.published_low else
                                                      "-" + _number(row.published_high, share))
    if np.isnan(row.median):
        return f"| {row.description} | {published} | not simulated | | | |"
    interval = f"{_number(row.p5, share)}-{_number(row.p95, share)}"
    return (f"| {row.description} | {published} | {_number(row.median, share)} | {interval} | "
            f"{row.relative_error:+.0%} | {'yes' if row.inside else 'no'} |")


def _number(value: float, share: bool) -> str:
    if share:
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def write_validation(folder: Path, scenarios: list[Scenario], tables: list[pd.DataFrame],
                     unused: list[pd.DataFrame], page: str, args: argparse.Namespace) -> None:
    """The results folder: ``validation`` and ``not_used`` (``.parquet``, ``.csv``), page and manifest."""
    with new_folder(folder, "--out") as staging:
        for name, frames in (("validation", tables), ("not_used", unused)):
            table = pd.concat(frames, ignore_index=True)
            write_atomically(staging / f"{name}.parquet", table.to_parquet(index=False))
            write_atomically(staging / f"{name}.csv", table.to_csv(index=False).encode("utf-8"))
        write_atomically(staging / "validation.md", page.encode("utf-8"))
        manifest = {
            "kind": "validation", "scenarios": args.scenarios, "targets": args.targets,
            "replications": args.replications, "seed": args.seed, "fit_years": list(args.fit_years),
            "scenario_files": [scenario_entry(s) for s in scenarios], **software(),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        write_atomically(staging / "manifest.json", json.dumps(manifest, indent=2).encode("utf-8"))
