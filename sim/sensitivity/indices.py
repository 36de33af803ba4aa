"""Sensitivity indices from the answers at the design points, computed by SALib.

- **Morris** (screening, every factor): ``mu_star`` is the mean absolute
  change of the answer when the factor moves one grid step of its range
  (2/3 of it on the default 4-level grid), in the answer's own unit;
  ``sigma`` the spread of those changes (interactions, curvature).
- **Sobol** (the strongest factors): ``S1`` the share of the answer's
  variance due to the factor alone, ``ST`` the share it has a hand in,
  interactions included. Each comes with a bootstrap confidence interval.
- **Swing** (tornado chart): the answer's mean over the Morris points with
  the factor in the lowest quarter of its range, and in the highest; every
  other factor varies meanwhile, so the swing is what learning the factor
  is at one end of its range is worth, in kroner or children.
- **Noise**: how much of the variation of an answer between points is
  Monte Carlo noise: the variance of a point's mean over its replications
  (within-point variance / replications), as a share of the variance of
  the means between points. Common random numbers keep it small; a large
  share says the indices are inflated and more replications are needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from scipy import stats

from .answers import point_means
from .design import Design, unit_cube

LOW_QUARTER, HIGH_QUARTER = 0.25, 0.75
"""Positions bounding the lowest and highest quarter of a range, for the swing."""


def morris_indices(design: Design, values: pd.DataFrame, levels: int, confidence: float,
                   seed: int) -> pd.DataFrame:
    """``answer``, ``parameter``, ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``."""
    parts = []
    for answer in values["answer"].unique():
        y = point_means(values, answer).to_numpy()
        found = morris_analysis.analyze(unit_cube(design.factors), design.positions, y, num_levels=levels,
                                        conf_level=confidence, seed=seed)
        parts.append(pd.DataFrame({
            "answer": answer, "parameter": found["names"], "mu_star": found["mu_star"],
            "mu_star_conf": found["mu_star_conf"], "mu": found["mu"], "sigma": found["sigma"],
        }))
    return pd.concat(parts, ignore_index=True)


def sobol_indices(design: Design, values: pd.DataFrame, confidence: float, seed: int) -> pd.DataFrame:
    """``answer``, ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.

    An answer that does not vary at all across the points has no variance
    to share out; its indices are left empty rather than divided by zero.
    """
    parts = []
    for answer in values["answer"].unique():
        y = point_means(values, answer).to_numpy()
        names = [f.path for f in design.factors]
        if np.ptp(y) == 0:
            found = {key: np.full(len(names), np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            found = sobol_analysis.analyze(unit_cube(design.factors), y, calc_second_order=False,
                                           conf_level=confidence, seed=seed)
        parts.append(pd.DataFrame({"answer": answer, "parameter": names,
                                   **{key: found[key] for key in ("S1", "S1_conf", "ST", "ST_conf")}}))
    return pd.concat(parts, ignore_index=True)


def swings(design: Design, values: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """``answer``, ``parameter``, ``low_quarter``, ``high_quarter``, ``swing``, ``swing_conf``.

    ``swing_conf`` is the half-width of the normal confidence interval of
    the difference between the two means.
    """
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for answer in values["answer"].unique():
        y = point_means(values, answer).to_numpy()
        for i, factor in enumerate(design.factors):
            low = y[design.positions[:, i] <= LOW_QUARTER]
            high = y[design.positions[:, i] >= HIGH_QUARTER]
            spread = np.sqrt(_variance_of_mean(low) + _variance_of_mean(high))
            rows.append((answer, factor.path, low.mean(), high.mean(), high.mean() - low.mean(), z * spread))
    return pd.DataFrame(rows, columns=["answer", "parameter", "low_quarter", "high_quarter", "swing",
                                       "swing_conf"])


def noise(values: pd.DataFrame, stage: str) -> pd.DataFrame:
    """Per answer: points, replications, mean and sd between points, Monte Carlo noise and its share."""
    rows = []
    for answer in values["answer"].unique():
        table = values[values["answer"] == answer]
        per_point = table.groupby("point")["value"]
        means = per_point.mean()
        replications = int(per_point.size().min())
        between = means.var(ddof=1)
        noise_variance = per_point.var(ddof=1).mean() / replications if replications > 1 else np.nan
        rows.append((answer, stage, len(means), replications, means.mean(), np.sqrt(between),
                     np.sqrt(noise_variance), noise_variance / between if between > 0 else np.nan))
    return pd.DataFrame(rows, columns=["answer", "stage", "points", "replications", "mean", "sd",
                                       "noise_sd", "noise_share"])


def _variance_of_mean(sample: np.ndarray) -> float:
    return float(sample.var(ddof=1) / len(sample)) if len(sample) > 1 else np.nan
