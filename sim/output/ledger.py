"""Money: spend is days in a measure times the price of that day's year.

Each priced item (a measure and who provides it, a caseworker, an in-house
place) has a yearly price: set for the start year, changed by the timeline,
and drifting each 1 January by its own rate (placement types) or the general
price index (everything else). A caseworker costs the salary plus the
authority's other staff and overheads, ``caseworkers.overhead_share`` of
it. Within a calendar year the price per day is the yearly price over the
year's 365 or 366 days, so a full-year person costs exactly the yearly
price.

In-house services cost their places whether used or not: a child's in-house
spell costs the price per place, and places left idle are added to the
home-based level, so adding places costs what it costs even when they stand
empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..measures import HOME_BASED, PLACEMENT_TYPES
from ..model.calendar import Calendar
from ..model.steps import Steps, per_day, yearly
from ..scenario import Scenario


@dataclass(frozen=True)
class PriceList:
    """Prices per day of each priced item over the horizon."""

    scenario: Scenario
    calendar: Calendar

    @cached_property
    def paths(self) -> dict[tuple[str, str], tuple[str, float]]:
        """(measure, provider) -> (price parameter path, yearly drift)."""
        general = self.scenario.prices.general_index_per_year.value
        items = {
            ("preventive", "in_house"): ("preventive.price_per_year", general),
            ("caseworker", "in_house"): ("caseworkers.salary_per_year", general),
        }
        if self.scenario.small_children_special is not None:
            items[("small_children_special", "external")] = ("small_children_special.price_per_year", general)
        for kind in HOME_BASED:
            items[(kind, "external")] = (f"home_based.{kind}.price_per_year", general)
        for name, service in self.scenario.services:
            items[(service.measure, "in_house")] = (f"services.{name}.price_per_place_year", general)
        for kind in PLACEMENT_TYPES:
            drift = self.scenario.placement.type(kind).price_drift_per_year.value
            items[(kind, "external")] = (f"placement.{kind}.price_per_year", drift)
        return items

    @cached_property
    def _daily(self) -> dict[tuple[str, str], Steps]:
        prices = {}
        for item, (path, drift) in self.paths.items():
            daily = per_day(self.calendar, yearly(self.calendar, self.scenario.schedule(path), drift))
            prices[item] = Steps(daily.days, daily.values * self._markup(item))
        return prices

    def _markup(self, item: tuple[str, str]) -> float:
        """How many times its price an item costs: a caseworker's salary brings the authority's overheads.

        Other authority staff and overheads are ``caseworkers.overhead_share``
        of the salaries; every other item costs its price once.
        """
        return 1.0 + (self.scenario.caseworkers.overhead_share.value if item == ("caseworker", "in_house")
                      else 0.0)

    def daily(self, measure: str, provider: str) -> Steps:
        """Price per day of ``measure`` delivered by ``provider``."""
        return self._daily[(measure, provider)]


def year_windows(calendar: Calendar) -> list[tuple[int, float, float]]:
    """(year, first day, end day) of each calendar year, clipped to the horizon."""
    out = []
    for year in calendar.year_list:
        first, end = calendar.year_bounds(year)
        out.append((year, max(first, 0.0), min(end, calendar.horizon)))
    return out


def spell_spend(spells: pd.DataFrame, prices: PriceList) -> pd.DataFrame:
    """Days and spend of each spell in each year: spell_id, year, days, spend_kr.

    Rows come per measure and provider (in order of first appearance), then
    per year; the pieces are gathered as arrays and made into one frame.
    """
    ids, years, days, spend = [], [], [], []
    windows = year_windows(prices.calendar)
    for (measure, provider), group in spells.groupby(["measure", "provider"], sort=False):
        daily = prices.daily(measure, provider)
        spell_id = group["spell_id"].to_numpy()
        start, end = group["start_day"].to_numpy(), group["end_day"].to_numpy()
        for year, first, last in windows:
            a, b = np.maximum(start, first), np.minimum(end, last)
            inside = b > a
            if inside.any():
                a, b = a[inside], b[inside]
                ids.append(spell_id[inside])
                years.append(np.full(len(a), year, dtype=np.int64))
                days.append(b - a)
                spend.append(daily.integral(a, b))
    if not ids:
        return pd.DataFrame({"spell_id": [], "year": [], "days": [], "spend_kr": []})
    return pd.DataFrame({"spell_id": np.concatenate(ids), "year": np.concatenate(years),
                         "days": np.concatenate(days), "spend_kr": np.concatenate(spend)})


def by_year(steps: Steps, calendar: Calendar) -> dict[int, float]:
    """Integral of a step function over each calendar year of the horizon."""
    return {
        year: float(steps.integral(first, last)) for year, first, last in year_windows(calendar)
    }
