"""Step functions of model time: rates, prices and capacities that change at dates.

A price that drifts each 1 January and jumps at a council decision, the
number of caseworkers, the places at Familiehus: each is constant between
change days. Money is the integral of such functions (days times price), so
it is computed exactly at the end of a spell or a year, never by a daily
process.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .calendar import Calendar

if TYPE_CHECKING:
    from ..scenario import Scenario


@dataclass(frozen=True)
class Steps:
    """Value ``values[i]`` from day ``days[i]`` until the next change; 0 before ``days[0]``."""

    days: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, pairs: Sequence[tuple[float, float]]) -> Steps:
        """From (day, value) pairs; a later pair on the same day wins."""
        merged: dict[float, float] = {}
        for day, value in sorted(pairs, key=lambda p: p[0]):
            merged[float(day)] = float(value)
        return cls(np.array(list(merged), dtype=float), np.array(list(merged.values()), dtype=float))

    @functools.cached_property
    def _lists(self) -> tuple[list[float], list[float]]:
        """The days and values as Python floats, for the lookup of one day that most events ask for.

        ``bisect`` on a list finds it several times faster than ``np.searchsorted`` on an array, and finds
        the same index: the first day after ``day``.
        """
        return self.days.tolist(), self.values.tolist()

    def at(self, day: float) -> float:
        """Value on ``day``."""
        days, values = self._lists
        index = bisect.bisect_right(days, day) - 1
        return values[index] if index >= 0 else 0.0

    def each(self, days: np.ndarray) -> np.ndarray:
        """Value on each of ``days``: what :meth:`at` gives for each, at once."""
        index = np.searchsorted(self.days, days, side="right") - 1
        return np.where(index >= 0, self.values[np.maximum(index, 0)] if len(self.values) else 0.0, 0.0)

    def next_change(self, day: float) -> float:
        """First change day after ``day`` (inf when none)."""
        days, _ = self._lists
        index = bisect.bisect_right(days, day)
        return days[index] if index < len(days) else float("inf")

    def cumulative(self, t: np.ndarray | float) -> np.ndarray:
        """Integral of the function from its first day to each ``t`` (exact, vectorised)."""
        t = np.asarray(t, dtype=float)
        if len(self.days) == 0:  # no value ever set: 0 everywhere
            return np.zeros_like(t)
        widths = np.diff(self.days)
        knots = np.concatenate([[0.0], np.cumsum(widths * self.values[:-1])])
        index = np.clip(np.searchsorted(self.days, t, side="right") - 1, 0, len(self.days) - 1)
        inside = np.maximum(t - self.days[index], 0.0)
        return np.where(t <= self.days[0], 0.0, knots[index] + inside * self.values[index])

    def integral(self, start: np.ndarray | float, end: np.ndarray | float) -> np.ndarray:
        """Integral over [start, end) for each pair (0 where end <= start)."""
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        return np.where(end > start, self.cumulative(end) - self.cumulative(start), 0.0)

    def combine(self, other: Steps, op: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Steps:
        """Pointwise ``op(self, other)`` on the union of both functions' change days."""
        days = np.union1d(self.days, other.days)
        mine = self._values_at(days)
        theirs = other._values_at(days)
        return Steps(days, op(mine, theirs))

    def _values_at(self, days: np.ndarray) -> np.ndarray:
        if len(self.days) == 0:  # no value ever set: 0 everywhere
            return np.zeros_like(days, dtype=float)
        index = np.searchsorted(self.days, days, side="right") - 1
        return np.where(index >= 0, self.values[np.clip(index, 0, None)], 0.0)


def yearly(
    calendar: Calendar, settings: Sequence[tuple[dt.date, float]], growth: float
) -> Steps:
    """A yearly rate or price: set at dates, then compounded by ``growth`` each 1 January.

    The value in a year is the last value set before it, times
    (1 + growth) ** (years since it was set): a price set for 2017 with a
    drift of 3% is 1.03 times higher in 2018; a new price decided from
    2019 restarts the drift from that price.
    """
    ordered = sorted(settings, key=lambda s: s[0])  # stable: of same-day settings the later wins
    points = [(calendar.day(d), v, d.year) for d, v in ordered]
    change_days = sorted({calendar.day(d) for d, _ in ordered} | {
        calendar.year_bounds(y)[0] for y in calendar.year_list if calendar.year_bounds(y)[0] > 0
    })
    pairs = []
    for day in change_days:
        _, value, set_year = [p for p in points if p[0] <= day][-1]
        pairs.append((day, value * (1 + growth) ** (calendar.year_of(day) - set_year)))
    return Steps.of(pairs)


class Schedules:
    """Each time-varying parameter of a scenario as a step function of model time, made once per run.

    A rate or price is read through its schedule whenever it is used, so a
    council decision on the timeline (or the yearly growth of a rate) needs
    no process of its own.
    """

    def __init__(self, scenario: Scenario, calendar: Calendar):
        self.scenario = scenario
        self.calendar = calendar
        self._made: dict[tuple[str, float], Steps] = {}

    def of(self, path: str) -> Steps:
        """The parameter at ``path`` as set at the start and changed by the timeline."""
        return self.yearly(path, 0.0)

    def yearly(self, path: str, growth: float) -> Steps:
        """A yearly rate or price at ``path``, compounded by ``growth`` each 1 January (:func:`yearly`)."""
        key = (path, growth)
        if key not in self._made:
            self._made[key] = yearly(self.calendar, self.settings(path), growth)
        return self._made[key]

    def settings(self, path: str) -> list[tuple[dt.date, float]]:
        """The values set for ``path``: (from date, value), the start's first."""
        return self.scenario.schedule(path)


def per_day(calendar: Calendar, annual: Steps) -> Steps:
    """A yearly amount turned into an amount per day of its calendar year (365 or 366 days).

    ``annual`` must change on every 1 January it spans (as :func:`yearly` does).
    """
    divisors = np.array([calendar.days_in_year(calendar.year_of(d)) for d in annual.days])
    return Steps(annual.days, annual.values / divisors)


def occupancy(starts: np.ndarray, ends: np.ndarray) -> Steps:
    """How many of the intervals [start, end) are open at each moment (an end of inf never comes)."""
    ends = ends[np.isfinite(ends)]
    days = np.concatenate([starts, ends])
    change = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((change, days))
    days, level = days[order], np.cumsum(change[order])
    if len(days) == 0:
        return Steps(np.array([0.0]), np.array([0.0]))
    last = np.r_[days[1:] != days[:-1], True]
    return Steps(days[last], level[last])
