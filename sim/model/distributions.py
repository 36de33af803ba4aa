"""The few distributions the model draws from, each stated by its mean and spread.

Durations are gamma distributed, given as a mean and a coefficient of
variation (the scenario's ``*_days`` and ``*_cv``): with cv 1 a gamma is
exponential, below 1 it is more regular. A child already in a measure on the
start date has been in it for a while: its elapsed and remaining time are
drawn from the equilibrium (length-biased) distribution, so the initial
stock is consistent with the duration assumptions and counts do not jump on
day one.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from .calendar import DAYS_PER_YEAR


def gamma_days(rng: np.random.Generator, mean: float, cv: float) -> float:
    """A duration with the given mean and coefficient of variation."""
    shape = 1.0 / (cv * cv)
    return float(rng.gamma(shape, mean / shape))


def gamma_days_each(rng: np.random.Generator, mean: float | np.ndarray, cv: float, size: int | tuple[int, ...]
                    ) -> np.ndarray:
    """Durations with the given mean (one, or one each) and coefficient of variation, drawn in one call.

    The same numbers, in the same order, as ``size`` calls of :func:`gamma_days` with a single mean.
    """
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, np.asarray(mean) / shape, size)


def elapsed_and_remaining(rng: np.random.Generator, mean: float, cv: float) -> tuple[float, float]:
    """(elapsed, remaining) days of a spell in progress at a random moment of a steady state.

    A spell seen in progress is length-biased: for a gamma(k, θ) duration
    the spell's whole length is gamma(k + 1, θ), and the moment of seeing it
    is uniform within that length.
    """
    shape = 1.0 / (cv * cv)
    whole = float(rng.gamma(shape + 1.0, mean / shape))
    elapsed = whole * float(rng.random())
    return elapsed, whole - elapsed


def exponential_days(rng: np.random.Generator, rate_per_year: float) -> float:
    """Waiting time until an event with the given yearly rate (inf when the rate is 0)."""
    if rate_per_year <= 0:
        return float("inf")
    return float(rng.exponential(DAYS_PER_YEAR / rate_per_year))


class Choice:
    """A draw of one name with fixed shares (which sum to 1), its cumulative shares summed once.

    The same draw as summing the shares until one passes a uniform number,
    made with a binary search: a choice made at many events (the measures a
    child gets, the decision after a need has passed) sums its shares once.
    """

    __slots__ = ("cumulative", "fallback", "names")

    def __init__(self, names: Sequence[str], shares: Sequence[float]):
        self.names = list(names)
        self.cumulative: list[float] = []
        total = 0.0
        for share in shares:
            total += share
            self.cumulative.append(total)
        if len(self.cumulative) != len(self.names):
            raise ValueError(f"{len(self.names)} names but {len(self.cumulative)} shares")
        with_share = [name for name, share in zip(self.names, shares, strict=True) if share > 0]
        self.fallback = with_share[-1] if with_share else None
        """The last name with a share, for a number at or above the sum when rounding leaves it below 1."""

    def draw(self, rng: np.random.Generator) -> str:
        """One name: the first whose cumulative share is above a uniform number."""
        index = bisect.bisect_right(self.cumulative, float(rng.random()))
        if index < len(self.names):
            return self.names[index]
        if self.fallback is None:
            raise ValueError(f"no share above 0 among {self.names}")
        return self.fallback


def choose(rng: np.random.Generator, names: Sequence[str], shares: Sequence[float]) -> str:
    """One name drawn with the given shares (which sum to 1)."""
    return Choice(names, shares).draw(rng)


def age_in_bands(rng: np.random.Generator, bands: Sequence[tuple[int, int, float]]) -> float:
    """An age in years: a band drawn by share, then uniform within it (12-17 is 12.0 to 18.0)."""
    u = float(rng.random())
    total = 0.0
    chosen = bands[-1]  # if rounding leaves u above the sum of the shares
    for band in bands:
        total += band[2]
        if u < total:
            chosen = band
            break
    low, high, _ = chosen
    return low + (high + 1 - low) * float(rng.random())
