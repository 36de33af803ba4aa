"""Need: children whose situation calls for a measure, found at the municipality's door.

Need arises in the population; how many children are found in need each
year is derived when a run starts, so that the children in care on the
start date are the municipality's steady state (:mod:`sim.model.equilibrium`).
From then on, for each need (preventive, home-based, placement):

- children are found at that rate, grown by the trend ``need.growth_per_year``
  and raised by the detection mechanism when reporting is more intense (a
  surge on the timeline, or the reform's district social workers);
- a share ``need.by_application`` comes by an application: a child needing
  a preventive measure gets it at once (early counselling, § 11, without an
  investigation), the others go straight to an investigation; the rest are
  notified and assessed;
- a child screened out while still in need (no investigation, or an
  investigation without a measure) stays in need for a while and may be
  reported again; it then comes back as a new case (route ``renotified``).
  This is how an overloaded authority that screens more out meets the same
  children again later.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence

import simpy

from ..measures import IN_NEED
from ..scenario.schema import Need as NeedParams
from .calendar import DAYS_PER_YEAR, Calendar, add_months
from .child import Child
from .distributions import age_in_bands, exponential_days
from .mechanisms.detection import Detection
from .mechanisms.reform import Reform
from .notification import Arrivals, Notifications
from .register import Register
from .steps import Steps
from .streams import Streams


class Need:
    """The children found in need each year, and those screened out while in need, reported again."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        params: NeedParams,
        detection: Detection,
        reform: Reform,
        intensity: Steps,
        notifications: Notifications,
        ages: Sequence[tuple[int, int, float]],
        start_career: Callable[[Child, str], object],
        horizon: float = float("inf"),
    ):
        self.env = env
        self.horizon = horizon
        self.register = register
        self.params = params
        self.detection = detection
        self.reform = reform
        self.intensity = intensity
        """The reporting intensity as set on each day (the timeline and its trend)."""
        self.notifications = notifications
        self.ages = ages
        self.start_career = start_career

    def intensity_about_need(self, day: float) -> float:
        """How readily reporters report a child in need on ``day``: the intensity, raised by the reform."""
        return self.intensity.at(day) * self.reform.detection_boost(day)

    def found_rate(self, need: str, per_year: float, calendar: Calendar) -> Steps:
        """Children with ``need`` found per year, month by month: the start's rate, trend and detection."""
        growth = self.params.growth_per_year.value
        pairs = []
        month = 0
        while True:
            date = add_months(calendar.start, month)
            day = float(calendar.day(date))
            if day >= calendar.horizon:
                return Steps.of(pairs)
            trend = (1.0 + growth) ** (date.year - calendar.start.year)
            found = self.detection.found_factor(need, self.intensity_about_need(day))
            pairs.append((day, per_year * trend * found))
            month += 1

    def start(self, streams: Streams, calendar: Calendar, found_per_year: Mapping[str, float]) -> None:
        """Start finding children in need at ``found_per_year`` (each need's rate at the start)."""
        for need in IN_NEED:
            rate = self.found_rate(need, found_per_year[need], calendar)
            Arrivals(self.env, streams, f"need.{need}", rate,
                     lambda number, choice, need=need: self.found(need, number, choice), self.horizon)

    def found(self, need: str, number: int, choice: float) -> None:
        """The ``number``-th child found with ``need`` comes; ``choice`` decides the route it comes by."""
        by_application = choice < self.params.by_application.value
        child = self.register.new_child("application" if by_application else "notification",
                                        lambda rng: age_in_bands(rng, self.ages), need,
                                        key=(f"need.{need}", number))
        factor = self.detection.found_factor(need, self.intensity_about_need(self.env.now))
        if factor > 1.0:  # the ledger's attribution of spend to earlier detection reads it
            self.register.records.detected.append((child.id, 1.0 - 1.0 / factor))
        if by_application:  # light needs are met at once (§ 11 counselling), the others investigated
            self.start_career(child, "preventive" if need == "preventive" else "investigation")
            return
        self.notifications.notify(child)
        self.start_career(child, "assessment")

    def unmet(self, child: Child) -> None:
        """``child`` leaves without a measure; one in need may be reported again while the need lasts."""
        if child.need in IN_NEED:
            self.env.process(self._still_in_need(child))

    def _still_in_need(self, child: Child) -> Generator[simpy.Event, None, None]:
        now, need = self.env.now, child.need
        lasts = float(child.rng.exponential(self.detection.lasts[need]))
        rate = self.detection.report_rate(need, self.intensity_about_need(now))
        reported = exponential_days(child.rng, rate * DAYS_PER_YEAR)
        ends = min(reported, lasts, child.leaves_day - now)
        outcome = "renotified" if ends == reported else ("passed" if ends == lasts else "left")
        self._record(child.id, need, now, now + ends, outcome)
        if outcome != "renotified":
            return
        yield self.env.timeout(reported)
        age = child.age(self.env.now)
        again = self.register.new_child("renotified", lambda rng: age, need, key=("renotified", child.id))
        again.move_away_day = child.move_away_day
        self._renotified(again)

    def _record(self, child_id: int, need: str, screened: float, ended: float, outcome: str) -> None:
        """A row of the unmet ledger; a need lasting past the horizon is still there at the end."""
        if ended >= self.horizon:
            ended, outcome = float("inf"), "in_need"
        self.register.records.unmet.append((child_id, need, screened, ended, outcome))

    def _renotified(self, child: Child) -> None:
        self.notifications.notify(child)
        self.start_career(child, "assessment")

    def start_unmet(self, streams: Streams, in_need: Mapping[str, float]) -> None:
        """The children in need on the start date who were screened out before it and may be reported again.

        ``in_need`` gives their number by need (the steady state's); each is
        reported again, or its need passes, as a child screened out today
        would be (exponential times: what is left of them is as long as new).
        """
        draws = streams.stream("need.unmet_at_start")
        intensity = self.intensity_about_need(0.0)
        for need in IN_NEED:
            for number in range(int(round(in_need.get(need, 0.0)))):
                lasts = float(draws.exponential(self.detection.lasts[need]))
                rate = self.detection.report_rate(need, intensity)
                reported = exponential_days(draws, rate * DAYS_PER_YEAR)
                if reported < lasts:
                    self._record(-1, need, 0.0, reported, "renotified")
                    self.env.process(self._come_again(need, number, reported))
                else:
                    self._record(-1, need, 0.0, lasts, "passed")

    def _come_again(self, need: str, number: int, after: float) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(after)
        self._renotified(self.register.new_child("renotified", lambda rng: age_in_bands(rng, self.ages), need,
                                                 key=(f"need.{need}.unmet_at_start", number)))
