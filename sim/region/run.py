"""Running a region: every municipality in every variant as one ensemble, and the region's sums.

All municipalities' work goes to one executor as one ensemble
(:func:`sim.montecarlo.run_ensemble`), a batch per municipality and group
of replications, so that many small municipalities keep every worker busy.
Random numbers are common within a municipality and independent across
them: replication k of every variant of municipality m has the seed derived
from the ensemble's seed, k and m's name (the ensemble's ``seed_groups``).
So a variant's paired difference in a municipality is the decision's
effect, not the luck of other children, and two municipalities do not share
their luck. Where the batches run changes nothing in the result.

The region's outcome in a replication and year is the sum over its
municipalities of the outcomes that add up across places
(:attr:`sim.montecarlo.registry.Unit.adds_across`: spend, events,
full-year persons, children and cases counted); caseloads per caseworker,
waits and shares have no region's value and are left out of its tables.
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
from ..model.work import work_problems
from ..montecarlo import Ensemble, compare, run_ensemble, summarise
from ..montecarlo.ensemble import check_store
from ..montecarlo.period import period_tables
from ..montecarlo.registry import describe
from ..output.folders import new_folder, write_atomically
from ..output.lock import only_process
from ..output.manifest import scenario_entry, software
from .definition import BASELINE, SEPARATOR, LoadedRegion

MANIFEST = "manifest.json"
RUNNING, COMPLETE, INTERRUPTED = "running", "complete", "interrupted"
"""A manifest's ``status``: while the run works, once every table is written, after Ctrl-C or an error."""
OUTCOME_COLUMNS = ["municipality", "variant", "replication", "seed", "year", "outcome", "value"]
"""Columns of the outcomes of every municipality (``outcomes.parquet``)."""
REGION_COLUMNS = ["variant", "replication", "year", "outcome", "value", "municipalities"]
"""Columns of the region's sums (``region_outcomes``): ``municipalities`` counts those summed."""
TABLES = ("outcomes", "region_outcomes", "region_summary", "region_comparison", "region_period_summary",
          "region_period_comparison", "municipality_summary", "municipality_comparison")
"""The tables a complete region run holds, each as Parquet."""
CSV_TABLES = TABLES[1:]
"""Those also written as CSV: all but the outcomes of every municipality (millions of rows in a large run)."""
_KEY = "\x1f"
"""Joins a municipality to an outcome's name so that one paired comparison covers them all."""


def run_region_ensemble(region: LoadedRegion, replications: int, seed: int, years: int, *,
                        executor: Any = None, folder: Path | None = None,
                        progress: bool | Callable[[int, int], None] = False, force: bool = False) -> Ensemble:
    """The ensemble of every municipality in every variant: labels ``municipality/variant``.

    One batch holds one municipality's variants (its seed group), so a
    municipality is a task of its own on the workers. When they share
    foster families, one batch holds every municipality in one variant,
    which run together.
    """
    shared = region.shared_families
    return run_ensemble(region.labelled(), replications, seed, years=years, executor=executor, folder=folder,
                        scenarios_per_batch=len(region.municipalities) if shared else len(region.variants),
                        progress=progress, seed_groups=region.seed_groups(), shared_families=shared,
                        force=force)


def municipality_outcomes(region: LoadedRegion, ensemble: Ensemble) -> pd.DataFrame:
    """The ensemble's outcomes with its labels split into ``municipality`` and ``variant``.

    Municipality by municipality in the file's order, each variant by variant, whichever order the
    ensemble ran them in.
    """
    table = ensemble.outcomes
    parts = table["scenario"].str.split(SEPARATOR, n=1, expand=True)
    table = table.assign(municipality=parts[0].astype("string"), variant=parts[1].astype("string"))
    rank = {name: i for i, name in enumerate(region.by_municipality())}
    table = table.iloc[table["scenario"].map(rank).to_numpy().argsort(kind="stable")]
    return table[OUTCOME_COLUMNS].reset_index(drop=True)


def adds_across(outcomes: pd.Series) -> pd.Series:
    """Whether each outcome of ``outcomes`` adds up across municipalities (the outcome registry says)."""
    return outcomes.map({name: describe(name).adds_across for name in outcomes.unique()}).astype(bool)


def region_outcomes(outcomes: pd.DataFrame, variants: list[str]) -> pd.DataFrame:
    """Per variant, replication, year and outcome that adds up across places: the municipalities' sum.

    An outcome only some municipalities report (a level others do not
    have) is the sum of those that do; ``municipalities`` says how many.
    """
    kept = outcomes[adds_across(outcomes["outcome"])]
    keys = ["variant", "replication", "year", "outcome"]
    sums = kept.groupby(keys, sort=False, observed=True)["value"].agg(value="sum", municipalities="count")
    sums = sums.reset_index()
    order = {name: i for i, name in enumerate(variants)}
    sums = sums.assign(_rank=sums["variant"].map(order)).sort_values(["_rank", "replication", "year",
                                                                      "outcome"], kind="stable")
    sums = sums.drop(columns="_rank").astype({"municipalities": "int64"})
    return sums[REGION_COLUMNS].reset_index(drop=True)


def _as_scenarios(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={"variant": "scenario"})


def _as_variants(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={"scenario": "variant", "baseline": "baseline_variant"})


def region_tables(region: LoadedRegion, ensemble: Ensemble) -> dict[str, pd.DataFrame]:
    """Every table of a region run, from its ensemble (see :data:`TABLES`)."""
    outcomes = municipality_outcomes(region, ensemble)
    summed = region_outcomes(outcomes, region.variants)
    tables = {"outcomes": outcomes, "region_outcomes": summed,
              "region_summary": _as_variants(summarise(_as_scenarios(summed)))}
    tables["region_comparison"] = _as_variants(compare(_as_scenarios(summed), BASELINE))
    period = period_tables(_as_scenarios(summed), BASELINE)
    tables["region_period_summary"] = _as_variants(period["period_summary"])
    tables["region_period_comparison"] = _as_variants(period["period_comparison"])
    by_municipality = _as_scenarios(outcomes)
    tables["municipality_summary"] = _as_variants(
        summarise(by_municipality, by=["municipality", "scenario", "year", "outcome"]))
    tables["municipality_comparison"] = _municipality_comparison(by_municipality)
    return tables


def _municipality_comparison(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Each variant's paired difference from the baseline in each municipality, in one comparison.

    The municipality is folded into the outcome's name for the comparison
    (which pairs by replication, year and outcome) and taken out again.
    """
    folded = outcomes.assign(outcome=outcomes["municipality"] + _KEY + outcomes["outcome"])
    compared = compare(folded.drop(columns="municipality"), BASELINE)
    if compared.empty:  # the baseline alone: no variant to compare
        compared = compared.assign(municipality=pd.Series(dtype="string"))
    else:
        parts = compared["outcome"].str.split(_KEY, n=1, expand=True)
        compared = compared.assign(municipality=parts[0].astype("string"),
                                   outcome=parts[1].astype("string"))
    columns = ["municipality", *(c for c in compared.columns if c != "municipality")]
    return _as_variants(compared[columns])


def run_region(region: LoadedRegion, folder: Path, *, replications: int, seed: int, years: int,
               executor: Any = None, executor_name: str = "this process",
               progress: bool | Callable[[int, int], None] = False, force: bool = False
               ) -> dict[str, pd.DataFrame]:
    """Run (or resume, if ``folder`` holds its run) ``region`` and write its tables to ``folder``.

    A new run's folder appears whole with its manifest (status ``running``)
    and then gets the batches as they finish, the tables at the end and the
    status ``complete``; nothing in an existing folder is overwritten but
    the manifest of the run being resumed. A run whose estimated work is
    beyond :mod:`sim.model.work`'s limits is refused before its folder is
    made, unless ``force``.
    """
    if not force and (problems := work_problems(region.work(years, replications), "--force")):
        raise InputError(problems, "cannot run the region")
    manifest = _manifest(region, replications, seed, years, executor_name)
    with contextlib.ExitStack() as held:
        if (folder / MANIFEST).is_file():
            check_store(folder, region.labelled(), seed, years, "stochastic",
                        seed_groups=region.seed_groups(), shared_families=region.shared_families)
            held.enter_context(only_process(folder, "--resume"))
            earlier = read_manifest(folder)
            manifest["resumed"] = [*earlier.get("resumed", []), manifest["started"]]
            manifest["started"] = earlier["started"]
            _write_manifest(folder, manifest)
        else:
            with new_folder(folder, "--out") as staging:
                held.enter_context(only_process(staging, "--out"))
                _write_manifest(staging, manifest)
        try:
            ensemble = run_region_ensemble(region, replications, seed, years, executor=executor,
                                           folder=folder, progress=progress, force=True)  # asked above
            tables = region_tables(region, ensemble)
        except BaseException:
            manifest["status"] = INTERRUPTED
            with contextlib.suppress(OSError):
                _write_manifest(folder, manifest)
            raise
        for name, table in tables.items():
            write_atomically(folder / f"{name}.parquet", table.to_parquet(index=False))
            if name in CSV_TABLES:
                write_atomically(folder / f"{name}.csv", table.to_csv(index=False).encode("utf-8"))
        manifest.update(finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), status=COMPLETE)
        _write_manifest(folder, manifest)
    return tables


def _manifest(region: LoadedRegion, replications: int, seed: int, years: int, executor_name: str
              ) -> dict[str, Any]:
    """The manifest of a region run starting now, with status ``running``."""
    return {
        "region": {"name": region.name, "file": str(region.path), "sha256": region.sha256},
        "municipalities": region.municipalities,
        "variants": region.variants,
        "foster_families": region.definition.region.foster_families,
        "baseline": BASELINE,
        "seed": seed,
        "replications": replications,
        "years": years,
        "uncertainty": "stochastic",
        "price_level": "current prices",
        "executor": executor_name,
        **software(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "status": RUNNING,
        "scenarios": {label: {k: v for k, v in scenario_entry(s).items() if k != "origins"}
                      for label, s in region.labelled().items()},
        "inputs": {"region_toml": region.text},
    }


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomically(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))


def read_manifest(folder: Path, flag: str = "--resume") -> dict[str, Any]:
    """The manifest of the region run in ``folder``; a folder without one is refused, naming ``flag``."""
    file = folder / MANIFEST
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([Problem(flag, "", f"is not a region run folder: {MANIFEST} cannot be read "
                                  f"({error})", str(folder))], "cannot resume") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("region"), dict) \
            or not isinstance(manifest["region"].get("file"), str):
        raise InputError([Problem(flag, "", f"is not a region run folder: its {MANIFEST} names no region",
                                  str(folder))], "cannot resume")
    return manifest
