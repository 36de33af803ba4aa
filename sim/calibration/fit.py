"""Fitting the unpublished assumptions to the published figures: approximate Bayesian computation.

The simulator is stochastic and has no likelihood, so the fit is
likelihood-free: rejection ABC (Pritchard et al. 1999; Beaumont et al.
2002). Each assumption fitted has a uniform prior over its stated range. A
scrambled Sobol sequence lays ``points`` candidate settings evenly over
that box, every point runs ``replications`` replications with seeds of
its own, and a point's *distance* is the root mean square
of the relative errors of the fitting years' figures, each figure
simulated as the mean over the replications. The ``accept`` share of
points nearest the published figures is the posterior sample. Each of its values is then corrected by
local-linear regression on the figures' errors (Beaumont et al. 2002):
a point accepted a little off the published figures is moved to where
the trend across the accepted points says it would have hit them. This
removes most of what the tolerance adds to the spread, on a logit scale
within each range so that no corrected value leaves its range. The
weighted median of the corrected sample is the fitted value and its 5-95%
range the uncertainty that remains.

The seeds are not shared between points, unlike everywhere else in
barnesim: rejection ABC needs each point's figures to be a fresh draw of
the model at that point, so that the posterior carries the model's
randomness. With shared seeds the fit learns the luck of those few
replications: in the recovery test it put a known value of 420 days
below its own 90% range, whose low end was 437.

The points run as one ensemble on the Monte Carlo engine, so the fit
parallelises on a process pool or Dask and, given a folder, resumes.
pyabc's sequential Monte Carlo would need fewer runs for the same
tolerance, but runs its own sampler outside that engine; the rejection
sample over a space-filling design is enough for ten or so assumptions
and keeps every point's figures for inspection.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from .. import replications_problems
from ..errors import InputError, Problem
from ..montecarlo import run_ensemble
from ..montecarlo.draws import UNCERTAINTIES, value_at, with_values
from ..montecarlo.ensemble import check_store
from ..scenario import Scenario
from ..sensitivity.design import Factor, factors
from .counterparts import counterparts
from .targets import Figure, Targets

DEFAULT_PARAMETERS = (
    "need.by_application",
    "notification.per_notified_child",
    "assessment.investigated.preventive",
    "assessment.investigated.home_based",
    "assessment.share_early_preventive",
    "threshold.opening_elasticity",
    "preventive.duration_days",
    "home_based.measures_per_child",
    "services.dut.places",
    "services.dut.external_after_days",
)
"""The assumptions fitted by default: how children in need come to the authority and how many are
investigated (the routes, the repeats of notifications, the shares investigated and the threshold),
durations and the measures a child has, and the contact-person team's places and when a waiting request
is bought externally (Ballerup bought contact persons for 3,965 (1,000 kr) in 2017); docs/calibration.md
says why. How many children are found in need is not fitted: it is derived from the stock of the start
date. Not the reform's effects either: the fitting years end after the decision of February 2017, and
the practice's strength must come from what was known before it (the evidence of Herning), not from
Ballerup's own result."""

DEFAULT_FIGURES = (
    "notifications", "share_to_investigation", "open_cases", "placements.total",
    "spend_1000kr.preventive", "spend_1000kr.home_based", "spend_1000kr.small_children_special",
    "external_contact_person_1000kr",
)
"""The quantities fitted by default. Not placement spend and prices: the model prices the seven placement
types at their published prices, and the accounts' placement level carries costs those prices do not. Not
units at 31 December: Ballerup's 2017 units equal its 2016 units at every level, so they look carried
forward rather than counted (docs/calibration.md)."""

DEFAULT_FIT_YEARS = (2016, 2017)
MIN_ACCEPTED = 5
"""The fewest points a posterior may rest on."""

POSTERIOR_COLUMNS = ["parameter", "value", "low", "high", "median", "p5", "p95", "best", "width_share"]
"""Columns of ``posterior.parquet``: the assumption, its value before, its prior range, the posterior
median and 5-95% range, its value at the nearest point, and the posterior range's share of the prior's."""
POINT_COLUMNS = ["point", "distance", "accepted", "rank"]
"""Columns of ``points.parquet``, followed by one column per assumption fitted."""
SAMPLE_COLUMNS = ["point", "weight"]
"""Columns of ``posterior_sample.parquet``, followed by one column per assumption fitted."""
EDGE = 1e-3
"""How near the end of its range a value is taken to be on the logit scale of the regression correction."""


@dataclass(frozen=True)
class Settings:
    """What to fit, to which figures, and how hard to look."""

    parameters: tuple[str, ...] = DEFAULT_PARAMETERS
    """Patterns of the assumptions fitted (dotted paths, * and ? allowed)."""
    figures: tuple[str, ...] = DEFAULT_FIGURES
    """Patterns of the quantities fitted (``units_31_dec.*``); the figures of the fitting years count."""
    fit_years: tuple[int, int] = DEFAULT_FIT_YEARS
    points: int = 2048
    replications: int = 2
    accept: float = 0.05
    seed: int = 0
    adjust: bool = True
    """Correct the accepted values by local-linear regression (``--no-adjust``: plain rejection)."""

    def problems(self) -> list[Problem]:
        """What is wrong with the settings, named by their command-line flags."""
        found = []
        if self.points < 8 or self.points & (self.points - 1):
            found.append(Problem("--points", "", "must be a power of 2, 8 or more (Sobol points)",
                                 self.points))
        found += replications_problems(self.replications, "--replications")
        if not 0 < self.accept < 1:
            found.append(Problem("--accept", "", "must be a share between 0 and 1", self.accept))
        elif self.points >= 8 and round(self.accept * self.points) < MIN_ACCEPTED:
            found.append(Problem("--accept", "", f"keeps {round(self.accept * self.points)} of {self.points} "
                                 f"points; the posterior needs at least {MIN_ACCEPTED}", self.accept))
        if self.fit_years[0] > self.fit_years[1]:
            found.append(Problem("--fit-years", "", "the first year must not be after the last",
                                 f"{self.fit_years[0]}-{self.fit_years[1]}"))
        if self.seed < 0:
            found.append(Problem("--seed", "", "must be 0 or more", self.seed))
        return found


@dataclass(frozen=True)
class Calibration:
    """What a calibration found."""

    posterior: pd.DataFrame
    """One row per assumption: :data:`POSTERIOR_COLUMNS`."""
    points: pd.DataFrame
    """One row per point: :data:`POINT_COLUMNS` and the assumptions' values there."""
    simulated: pd.DataFrame
    """``point``, ``figure``, ``value``: each fitted figure at each point, the mean over replications."""
    sample: pd.DataFrame
    """The posterior sample: :data:`SAMPLE_COLUMNS`, then each assumption's (corrected) value."""
    figures: tuple[Figure, ...]
    """The figures fitted."""
    settings: Settings


def fitted_figures(targets: Targets, scenario: Scenario, settings: Settings) -> list[Figure]:
    """The figures of the fitting years the patterns select that the model simulates from its start."""
    first, last = settings.fit_years
    start = scenario.scenario.start_date
    return [f for f in targets.figures
            if first <= f.year <= last and f.date > start
            and any(fnmatch.fnmatchcase(f.quantity, pattern) for pattern in settings.figures)]


def plan(scenario: Scenario, targets: Targets, settings: Settings) -> tuple[list[Factor], list[Figure], int]:
    """The assumptions and figures to fit and the years to simulate; every problem at once, before any run."""
    problems = settings.problems()
    chosen = factors([scenario], settings.parameters)
    for pattern in settings.parameters:
        if not any(fnmatch.fnmatchcase(f.path, pattern) for f in chosen):
            problems.append(Problem("--parameters", "", "matches no assumption (a parameter with a range) "
                                    f"of {scenario.name}", pattern))
    figures = fitted_figures(targets, scenario, settings)
    if not figures and not problems:
        problems.append(Problem("--figures", "", f"select no figure of {targets.label} in the fitting years "
                                f"{settings.fit_years[0]}-{settings.fit_years[1]} after the scenario's start "
                                f"{scenario.scenario.start_date}", list(settings.figures)))
    if problems:
        raise InputError(problems, "cannot calibrate")
    years = max(f.year for f in figures) - scenario.scenario.start_date.year + 1
    return chosen, figures, years


POINTS_ENSEMBLE: dict[str, Any] = {"uncertainty": UNCERTAINTIES[0], "measure": counterparts,
                                   "common_random_numbers": False}
"""How the points' ensemble is run (each point's own draws, its figures' counterparts measured); a resume
checks its folder against the same settings."""


def calibrate(scenario: Scenario, targets: Targets, settings: Settings = Settings(), *,
              executor: Any = None, folder: str | Path | None = None, progress: bool = False) -> Calibration:
    """Fit ``settings.parameters`` of ``scenario`` to the figures of ``targets`` (see the module's note)."""
    chosen, figures, years = plan(scenario, targets, settings)
    values, scenarios = candidate_points(scenario, chosen, settings)
    ensemble = run_ensemble(
        scenarios, settings.replications, settings.seed, years=years, executor=executor,
        folder=None if folder is None else Path(folder), batch_size=settings.replications,
        scenarios_per_batch=16, progress=progress, **POINTS_ENSEMBLE,
    )
    simulated = point_means(ensemble.outcomes, figures)
    errors = error_matrix(simulated, figures)
    accepted = round(settings.accept * settings.points)
    table = pd.DataFrame(values).rename_axis("point").reset_index()
    table.insert(1, "distance", np.sqrt(np.mean(errors**2, axis=1)))
    table.insert(2, "rank", table["distance"].rank(method="first").astype(int))
    table.insert(2, "accepted", table["rank"] <= accepted)
    table = table[[*POINT_COLUMNS, *(f.path for f in chosen)]]
    sample = posterior_sample(table, errors, chosen, settings.adjust)
    return Calibration(posterior_table(sample, table, chosen), table, simulated, sample, tuple(figures),
                       settings)


def candidate_points(scenario: Scenario, chosen: Sequence[Factor], settings: Settings
                     ) -> tuple[list[dict[str, float]], dict[str, Scenario]]:
    """The Sobol points' values of the chosen assumptions, and the scenario of each point by its number."""
    positions = qmc.Sobol(len(chosen), scramble=True, seed=settings.seed).random(settings.points)
    values = [{f.path: value_at(f.quantity, p) for f, p in zip(chosen, row, strict=True)}
              for row in positions]
    named = {f"{i:06d}": with_values(scenario, v, f"calibration point {i}") for i, v in enumerate(values)}
    return values, named


def check_resume(scenario: Scenario, targets: Targets, settings: Settings, folder: str | Path) -> None:
    """Refuse to resume into ``folder`` if its points were run from another scenario or targets; reads only.

    The settings come from the folder's manifest, but the scenario and
    targets files it names may have changed since: their points would not
    be the points already run.
    """
    chosen, _, years = plan(scenario, targets, settings)
    _, scenarios = candidate_points(scenario, chosen, settings)
    check_store(folder, scenarios, settings.seed, years, **POINTS_ENSEMBLE)


def point_means(outcomes: pd.DataFrame, figures: Sequence[Figure]) -> pd.DataFrame:
    """``point``, ``figure``, ``value``: each figure's mean over the replications at each point."""
    keys = [f.key for f in figures]
    kept = outcomes[outcomes["outcome"].isin(keys)]
    means = kept.groupby(["scenario", "outcome"])["value"].mean().unstack("outcome")
    means = means.reindex(columns=keys)
    means.index = means.index.astype(int)
    return means.rename_axis(index="point", columns="figure").stack(future_stack=True).rename("value") \
        .reset_index()


def relative_errors(simulated: np.ndarray, figure: Figure) -> np.ndarray:
    """How far ``simulated`` lies from the published figure, relative to it (0 inside a published range).

    Relative to the published value (the nearer end of a range, 1 for a count of 0), so every figure
    weighs alike whatever its unit; a value the model did not produce (a wait where nobody waited)
    counts as 100% off.
    """
    nearest = np.clip(simulated, figure.low, figure.high)
    scale = np.where(simulated > figure.high, figure.high, figure.low)
    error = (simulated - nearest) / np.where(scale > 0, scale, 1.0)
    return np.where(np.isnan(simulated), 1.0, error)


def error_matrix(simulated: pd.DataFrame, figures: Sequence[Figure]) -> np.ndarray:
    """Each point's relative error of each figure: a row per point, a column per figure."""
    wide = simulated.pivot(index="point", columns="figure", values="value")
    return np.column_stack([relative_errors(wide[f.key].to_numpy(float), f) for f in figures])


def posterior_sample(points: pd.DataFrame, errors: np.ndarray, chosen: Sequence[Factor],
                     adjust: bool) -> pd.DataFrame:
    """The accepted points' values, weighted and (with ``adjust``) corrected by local-linear regression.

    Weights are Epanechnikov in the distance, 1 - (distance / largest accepted distance)^2. The
    published figures are where every relative error is 0, so the correction of a value is the fitted
    slope on the errors times the point's errors, taken off on the logit scale of its range.
    """
    accepted = points["accepted"].to_numpy()
    kept = points.loc[accepted, ["point"]].reset_index(drop=True)
    distance = points.loc[accepted, "distance"].to_numpy(float)
    weight = 1 - (distance / distance.max()) ** 2 if adjust and distance.max() > 0 else np.ones(len(kept))
    kept["weight"] = weight
    design = np.column_stack([np.ones(len(kept)), errors[accepted]])
    root = np.sqrt(weight)[:, None]
    for factor in chosen:
        low, high = map(float, factor.quantity.range)
        value = points.loc[accepted, factor.path].to_numpy(float)
        if adjust and high > low:
            share = np.clip((value - low) / (high - low), EDGE, 1 - EDGE)
            logit = np.log(share / (1 - share))
            slope = np.linalg.lstsq(design * root, logit * root[:, 0], rcond=None)[0]
            corrected = logit - errors[accepted] @ slope[1:]
            value = low + (high - low) / (1 + np.exp(-corrected))
        kept[factor.path] = value
    return kept


def posterior_table(sample: pd.DataFrame, points: pd.DataFrame, chosen: Sequence[Factor]) -> pd.DataFrame:
    """Per assumption: prior, weighted posterior median and 5-95% range, the value at the best point."""
    best = points.loc[points["rank"] == 1].iloc[0]
    rows = []
    for factor in chosen:
        low, high = map(float, factor.quantity.range)
        p5, median, p95 = np.percentile(sample[factor.path].to_numpy(float), [5, 50, 95],
                                        weights=sample["weight"].to_numpy(float), method="inverted_cdf")
        width = float((p95 - p5) / (high - low)) if high > low else math.nan
        rows.append((factor.path, float(factor.quantity.value), low, high, float(median), float(p5),
                     float(p95), float(best[factor.path]), width))
    return pd.DataFrame(rows, columns=POSTERIOR_COLUMNS)
