"""Sensitivity indices from the answers at the design points, computed by SALib.

- **Morris** (screening, every factor): an elementary effect is the
  change in the answer when one factor moves by a grid step (2/3 of its
  range on the default 4-level grid) and the others stay, divided by the
  step: the change from the low to the high end of the range, in the
  answer's own unit. ``mu`` is their mean (its sign says which way the
  answer goes), ``mu_star`` the mean of their absolute values (the
  strength), ``sigma`` their spread (interactions, curvature).
- **Sobol** (the strongest factors): ``S1`` the share of the answer's
  variance due to the factor alone, ``ST`` the share it has a hand in,
  interactions included. Each comes with a bootstrap confidence interval.
- **Ends** (tornado chart): ``low_end`` and ``high_end`` are the answer's
  mean over the screening points minus and plus half of ``mu``: the answer
  with the factor at the low and the high end of its range, to first order,
  the others varied. With common random numbers a factor without effect
  has exactly zero elementary effects, so the chart shows no bar for it
  rather than noise.
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

from .answers import point_means
from .design import Design, unit_cube


def morris_indices(design: Design, values: pd.DataFrame, levels: int, confidence: float,
                   seed: int) -> pd.DataFrame:
    """``answer``, ``parameter``, ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``, ``low_end``, ``high_end``.

    The ends are the mean of the answer over the points minus and plus ``mu / 2``.
    """
    parts = []
    for answer in values["answer"].unique():
        y = point_means(values, answer).to_numpy()
        found = morris_analysis.analyze(unit_cube(design.factors), design.positions, y, num_levels=levels,
                                        conf_level=confidence, seed=seed)
        mu = np.asarray(found["mu"], dtype=float)
        parts.append(pd.DataFrame({
            "answer": answer, "parameter": found["names"], "mu_star": found["mu_star"],
            "mu_star_conf": found["mu_star_conf"], "mu": mu, "sigma": found["sigma"],
            "low_end": y.mean() - mu / 2, "high_end": y.mean() + mu / 2,
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
