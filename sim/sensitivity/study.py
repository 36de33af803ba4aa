"""Running a sensitivity analysis: Morris screening of every assumption, then Sobol indices of the strongest.

Two stages, as the field recommends when a model has many uncertain
inputs and each run costs seconds: the Morris stage ranks all factors at
a cost of (factors + 1) x trajectories points; the Sobol stage then shares
out the variance among the few that matter, at (factors + 2) x samples
points. Each stage is an ensemble on the Monte Carlo engine, with one
scenario per variant and point, so it runs on the same executors (a
process pool, Dask) and, given a folder, resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InputError, Problem
from ..montecarlo import run_ensemble
from .answers import answer_values, variants_needed
from .design import Design, Factor, factors
from .indices import morris_indices, noise, sobol_indices
from .settings import Sensitivity

if TYPE_CHECKING:  # the experiments package imports this one; it is only a type here
    from ..experiments.definition import LoadedExperiment

FOLDER = "sensitivity"
"""Sub-folder of a run folder holding each stage's ensemble, the design and the answers at every point."""

COLUMNS = [
    "answer", "rank", "parameter", "value", "low", "high",
    "mu_star", "mu_star_conf", "mu", "sigma", "S1", "S1_conf", "ST", "ST_conf",
    "low_end", "high_end",
]
"""Columns of the ranked table (``sensitivity.parquet``), documented in docs/sensitivity.md."""
VALUE_COLUMNS = ["stage", "point", "replication", "answer", "value"]
"""Columns of the answers at every point (``sensitivity/values.parquet``)."""


@dataclass(frozen=True)
class SensitivityResult:
    """What a sensitivity analysis found."""

    indices: pd.DataFrame
    """One row per answer and assumption, ranked: see :data:`COLUMNS`."""
    answers: pd.DataFrame
    """One row per answer and stage: what it is, its spread between points and its Monte Carlo noise."""
    values: pd.DataFrame
    """Each answer at each point and replication: :data:`VALUE_COLUMNS`."""
    design: pd.DataFrame
    """``stage``, ``point``, ``parameter``, ``position``, ``value``: the points as run."""


def run_sensitivity(experiment: LoadedExperiment, seed: int, *, folder: str | Path | None = None,
                    executor: Any = None, progress: bool = False) -> SensitivityResult:
    """Run the experiment's ``[sensitivity]`` analysis; ``folder`` keeps its ensembles, to resume from."""
    study = experiment.definition.sensitivity
    if study is None:
        raise InputError([Problem(str(experiment.path), "sensitivity", "the experiment has no [sensitivity] "
                                  "table to run")], "cannot analyse the sensitivity")
    chosen = factors(list(experiment.scenarios.values()), study.parameters)
    stage = _Stage(experiment, study, seed, folder, executor, progress)
    morris = Design.morris(chosen, study.trajectories, study.levels, seed)
    runs = [(morris, stage.run(morris))]
    tables = [morris_indices(morris, runs[0][1], study.levels, study.confidence, seed)]
    strongest_ = strongest(tables[0], chosen, study.sobol_parameters)
    if strongest_:
        sobol = Design.sobol(strongest_, study.samples, seed)
        runs.append((sobol, stage.run(sobol)))
        tables.append(sobol_indices(sobol, runs[1][1], study.confidence, seed))
    return SensitivityResult(
        indices=ranked(tables, chosen, [a.label for a in study.answer]),
        answers=_described(pd.concat([noise(v, d.stage) for d, v in runs], ignore_index=True), study,
                           experiment),
        values=pd.concat([v.assign(stage=d.stage) for d, v in runs], ignore_index=True)[VALUE_COLUMNS],
        design=pd.concat([d.table() for d, _ in runs], ignore_index=True),
    )


class _Stage:
    """Runs a design's points as one ensemble and reads the answers off it."""

    def __init__(self, experiment: LoadedExperiment, study: Sensitivity, seed: int, folder: str | Path | None,
                 executor: Any, progress: bool):
        self.experiment, self.study, self.seed = experiment, study, seed
        self.folder, self.executor, self.progress = folder, executor, progress
        needed = variants_needed(study.answer, list(experiment.scenarios))
        self.variants = {v: experiment.scenarios[v] for v in needed}
        self.last_year = last_year(experiment)

    def run(self, design: Design) -> pd.DataFrame:
        """``point``, ``replication``, ``answer``, ``value`` of every point of ``design``."""
        ensemble = run_ensemble(
            design.scenarios(self.variants), self.study.replications, self.seed,
            years=self.experiment.definition.years, executor=self.executor,
            folder=None if self.folder is None else Path(self.folder) / FOLDER / design.stage,
            batch_size=self.study.replications, scenarios_per_batch=len(self.variants),
            progress=self.progress,
        )
        return answer_values(ensemble.outcomes, self.study.answer, self.experiment.baseline, self.last_year,
                             design.stage)


def last_year(experiment: LoadedExperiment) -> int:
    """The last calendar year of the experiment's horizon, the year of an answer that names none."""
    first = next(iter(experiment.scenarios.values()))
    return first.scenario.start_date.year + experiment.definition.years - 1


def strongest(screened: pd.DataFrame, chosen: list[Factor], count: int) -> list[Factor]:
    """The ``count`` factors with the largest ``mu_star`` relative to each answer's largest."""
    if count == 0:
        return []
    largest = screened.groupby("answer")["mu_star"].transform("max")
    score = (screened["mu_star"] / largest.where(largest > 0)).fillna(0.0)
    best = screened.assign(score=score).groupby("parameter")["score"].max()
    order = best.reset_index().sort_values(["score", "parameter"], ascending=[False, True], kind="stable")
    kept = set(order["parameter"].head(count))
    return [f for f in chosen if f.path in kept]


def ranked(tables: list[pd.DataFrame], chosen: list[Factor], answers: list[str]) -> pd.DataFrame:
    """The indices of every answer and factor, ranked within each answer.

    Factors with Sobol indices come first, by total order ``ST``, then the
    rest by Morris ``mu_star``: the Sobol stage holds the factors the
    screening found strongest, and variance shares are the finer measure.
    """
    table = tables[0]
    for more in tables[1:]:
        table = table.merge(more, on=["answer", "parameter"], how="left")
    ranges = pd.DataFrame([(f.path, float(f.quantity.value), *map(float, f.quantity.range)) for f in chosen],
                          columns=["parameter", "value", "low", "high"])
    table = table.merge(ranges, on="parameter").reindex(columns=COLUMNS)
    table["_answer"] = table["answer"].map({a: i for i, a in enumerate(answers)})
    table["_without_sobol"] = table["ST"].isna()
    table = table.sort_values(["_answer", "_without_sobol", "ST", "mu_star", "parameter"],
                              ascending=[True, True, False, False, True], kind="stable")
    table["rank"] = table.groupby("answer").cumcount() + 1
    return table[COLUMNS].reset_index(drop=True)


def _described(table: pd.DataFrame, study: Sensitivity, experiment: LoadedExperiment) -> pd.DataFrame:
    """The noise table with what each answer is: outcome, variant, kind, year."""
    final = last_year(experiment)
    what = pd.DataFrame([(a.label, a.outcome, a.variant, a.kind, a.year or final) for a in study.answer],
                        columns=["answer", "outcome", "variant", "kind", "year"])
    return what.merge(table, on="answer")[["answer", "outcome", "variant", "kind", "year", "stage", "points",
                                           "replications", "mean", "sd", "noise_sd", "noise_share"]]
