"""Model time and the municipal calendar.

SimPy time is a float number of days since the scenario's start date (day 0
is 00:00 on that date). Planners think in calendar years (the accounts),
31 December (persons at year end) and months (counts), so this module is the
one place that turns days into dates and back, with real month and year
lengths: a full-year person in 2020 is 366 days in a measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

DAYS_PER_YEAR = 365.25
"""Mean length of a year in days: used to turn yearly rates and ages into days."""

DAYS_PER_MONTH = DAYS_PER_YEAR / 12
"""Mean length of a month in days: legal deadlines in months, monthly recruitment."""


def add_years(date: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February falls back to 28 February)."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clipped to the end of a shorter month."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    first_of_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (first_of_next - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(date.day, last_day))


@dataclass(frozen=True)
class Calendar:
    """Days since ``start`` for a horizon of whole years."""

    start: dt.date
    years: int

    @cached_property
    def end(self) -> dt.date:
        """The first day after the horizon."""
        return add_years(self.start, self.years)

    @cached_property
    def horizon(self) -> float:
        """Length of the run in days."""
        return float(self.day(self.end))

    def day(self, date: dt.date) -> int:
        """Model day of 00:00 on ``date``."""
        return (date - self.start).days

    def date(self, day: float) -> dt.date:
        """Calendar date on which model day ``day`` falls."""
        return self.start + dt.timedelta(days=int(np.floor(day)))

    @cached_property
    def year_list(self) -> list[int]:
        """Calendar years the horizon touches, in order."""
        last = self.end.year if self.end > dt.date(self.end.year, 1, 1) else self.end.year - 1
        return list(range(self.start.year, last + 1))

    def year_bounds(self, year: int) -> tuple[float, float]:
        """Model days [first, last) of calendar ``year``, not clipped to the horizon."""
        return float(self.day(dt.date(year, 1, 1))), float(self.day(dt.date(year + 1, 1, 1)))

    def days_in_year(self, year: int) -> int:
        """365 or 366."""
        return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days

    @cached_property
    def month_ends(self) -> list[tuple[dt.date, float]]:
        """(last date of the month, model day at the end of that date) within the horizon.

        A count "at the end of January" is taken at 00:00 on 1 February, so
        everything that happened on 31 January is included.
        """
        out = []
        first = dt.date(self.start.year, self.start.month, 1)
        index = 1
        while True:
            next_first = add_months(first, index)
            if next_first > self.end:
                return out
            if next_first > self.start:
                out.append((next_first - dt.timedelta(days=1), float(self.day(next_first))))
            index += 1

    def year_of(self, day: float) -> int:
        """Calendar year in which model day ``day`` falls."""
        return self.date(day).year
