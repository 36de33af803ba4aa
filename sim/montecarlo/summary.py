"""Summaries of an ensemble: distributions, paired differences, and whether there were enough runs.

A planner asks "what will it cost, and how sure are we" and "does the
variant pay, and how likely is that". The first is the distribution of an
outcome across replications (mean with its Monte Carlo standard error,
median, percentiles). The second is the distribution of the *paired*
difference, replication by replication under common random numbers, with
the share of replications in which the variant is higher or lower: two
overlapping intervals cannot answer it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
"""Percentiles reported; 50 is reported as ``median``."""

KEYS = ["scenario", "year", "outcome"]


def percentile_name(q: int) -> str:
    """Column name of percentile ``q``."""
    return "median" if q == 50 else f"p{q}"


def summarise(table: pd.DataFrame, column: str = "value", by: list[str] = KEYS) -> pd.DataFrame:
    """Per group of ``by``: ``replications``, ``mean``, ``sd``, ``mcse``, ``median`` and percentiles.

    ``mcse`` is the Monte Carlo standard error of the mean, sd / sqrt(n):
    the part of the mean's uncertainty that more replications would remove.
    Percentiles interpolate linearly between order statistics (numpy's default).
    """
    groups = table.groupby(by, sort=False)[column]
    stats = groups.agg(replications="count", mean="mean", sd="std")  # sd is empty for one replication
    stats["mcse"] = stats["sd"] / np.sqrt(stats["replications"])
    quantiles = groups.quantile([q / 100 for q in PERCENTILES]).unstack()
    quantiles.columns = [percentile_name(round(q * 100)) for q in quantiles.columns]
    return stats.join(quantiles).reset_index()


def paired_differences(outcomes: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per variant, replication, year and outcome: ``difference`` = variant - baseline."""
    keys = ["replication", "year", "outcome"]
    base = outcomes[outcomes["scenario"] == baseline].set_index(keys)["value"]
    variants = outcomes[outcomes["scenario"] != baseline]
    joined = variants.join(base.rename("baseline_value"), on=keys, how="inner")
    joined["difference"] = joined["value"] - joined["baseline_value"]
    return joined[["scenario", *keys, "baseline_value", "value", "difference"]].reset_index(drop=True)


def compare(outcomes: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Summary of each variant's paired difference from ``baseline``, with how often it goes each way.

    ``p_higher`` and ``p_lower`` are the shares of replications in which the
    variant's outcome is above or below the baseline's: for spend,
    ``p_lower`` is the probability that the variant saves money.
    """
    differences = paired_differences(outcomes, baseline)
    summary = summarise(differences, column="difference")
    groups = differences.groupby(KEYS, sort=False)["difference"]
    shares = pd.DataFrame({
        "p_higher": groups.apply(lambda d: float((d > 0).mean())),
        "p_lower": groups.apply(lambda d: float((d < 0).mean())),
    })
    return summary.join(shares, on=KEYS).assign(baseline=baseline)


def convergence(summary: pd.DataFrame, precision: float) -> pd.DataFrame:
    """Whether each mean is known to ``precision`` (relative standard error), and the runs needed if not.

    ``relative_mcse`` = mcse / |mean| (infinite for one replication, which
    gives no estimate of its own error); ``replications_needed`` is the number
    of replications that would bring it to ``precision``, since the
    standard error falls with the square root of the replications.
    """
    if not 0 < precision < 1:
        raise ValueError(f'"precision" must be between 0 and 1, got {precision!r}')
    scale = summary["mean"].abs()
    relative = (summary["mcse"] / scale).where(scale > 0, np.where(summary["mcse"] > 0, np.inf, 0.0))
    relative = relative.where(summary["mcse"].notna(), np.inf)  # one replication: no error estimate yet
    needed = [
        n if r <= precision else (math.inf if math.isinf(r) else math.ceil(n * (r / precision) ** 2))
        for n, r in zip(summary["replications"], relative, strict=True)
    ]
    return summary.assign(relative_mcse=relative, replications_needed=needed, converged=relative <= precision)
