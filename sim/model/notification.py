"""Notifications (underretninger): reports of concern, and the arrivals they are part of.

A notification is a report about a child, who may or may not be in need.
Most reported children need nothing of the authority; the children in need
come by :mod:`sim.model.need`. Here:

- :class:`Notifications` records a child's first notification with its
  repeats: a share ``notification.reported_again_share`` of notified
  children are reported again, ``notification.per_notified_child``
  notifications each on average, within ``repeat_window_days`` (several
  reporters about the same child). Repeats are recorded against the child
  and change nothing in its course;
- the reports about children without need arrive as a Poisson process whose
  rate follows the reporting intensity (``reporting.intensity``), each
  bringing a new child to the 24-hour assessment;
- :class:`Arrivals` is the Poisson process every stream of new children is
  drawn from. Candidates come at a fixed rate and each is kept with the
  share the rate of the moment allows, so that two scenarios run with the
  same seed meet the same candidates, with the same luck, whatever either
  decides about reporting (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence

import numpy as np
import simpy

from ..scenario.schema import Notification
from .calendar import DAYS_PER_YEAR
from .child import Child
from .distributions import age_in_bands
from .records import Records
from .register import Register
from .steps import Steps
from .streams import Streams

CANDIDATE_HEADROOM = 4.0
"""Candidates come at this many times a stream's rate at the start, so that a scenario may raise the
rate (a reporting surge, a trend) up to it without losing common random numbers with its baseline."""

CANDIDATE_BLOCK = 256
"""Candidates an arrival stream draws at once (about a month of the default's reports without need)."""


def poisson_arrivals(
    env: simpy.Environment, rate_per_year: Steps, rng: np.random.Generator, arrive: Callable[[], None]
) -> Generator[simpy.Event, None, None]:
    """Call ``arrive`` at the events of a Poisson process with a piecewise-constant rate.

    When the rate changes before the next arrival, the draw is discarded and
    a new one made from the change day (exact, by memorylessness).
    """
    while True:
        now = env.now
        rate = rate_per_year.at(now) / DAYS_PER_YEAR
        change = rate_per_year.next_change(now)
        gap = float(rng.exponential(1.0 / rate)) if rate > 0 else float("inf")
        if now + gap >= change:
            if change == float("inf"):
                return
            yield env.timeout(change - now)
            continue
        yield env.timeout(gap)
        arrive()


class Arrivals:
    """New children of one stream: candidates at a fixed rate, each kept as the rate of its moment allows.

    ``arrive(number, draw)`` is called for each candidate kept, with its
    number among the candidates (the key of its child's random stream) and
    a uniform draw of its own for any choice made before the child exists
    (by notification or by application).

    The rate is a step function known in advance, so whether a candidate is
    kept is decided as soon as its day is drawn: the process sleeps from one
    kept candidate to the next, and the three in four candidates the headroom
    discards cost two draws each and no event. No candidate is drawn at or
    after ``horizon``.
    """

    def __init__(self, env: simpy.Environment, streams: Streams, name: str, rate_per_year: Steps,
                 arrive: Callable[[int, float], None], horizon: float):
        self.env = env
        self.rate = rate_per_year
        self.arrive = arrive
        self.horizon = horizon
        self.candidates = 0
        base = float(rate_per_year.at(0.0))
        peak = float(np.max(rate_per_year.values)) if len(rate_per_year.values) else 0.0
        self.candidate_rate = max(CANDIDATE_HEADROOM * base, peak)
        """Candidates per year: the headroom over the start's rate, or the peak if a scenario goes above."""
        self.draws = streams.stream(f"{name}.candidates")
        if self.candidate_rate > 0:
            env.process(self._kept(streams.stream(f"{name}.arrivals")))

    def _kept(self, gaps: np.random.Generator) -> Generator[simpy.Event, None, None]:
        """Sleep until each kept candidate and let it arrive; candidates come as a Poisson process.

        The candidates are drawn ``CANDIDATE_BLOCK`` at a time: their gaps,
        days and whether each is kept in whole arrays. Each stream gives the
        same numbers in a block as one by one, and the days are summed in
        the same order, so the children are the same as when each candidate
        was drawn alone; the three in four discarded cost no Python step.
        """
        mean_gap = 1.0 / (self.candidate_rate / DAYS_PER_YEAR)
        day = self.env.now
        while True:
            days = np.cumsum(np.concatenate(([day], gaps.exponential(mean_gap, CANDIDATE_BLOCK))))[1:]
            draws = self.draws.random((CANDIDATE_BLOCK, 2))
            before = days < self.horizon
            kept = before & (draws[:, 0] < self.rate.each(days) / self.candidate_rate)
            first = self.candidates
            self.candidates += int(before.sum())
            for index, arrival, choice in zip(np.flatnonzero(kept).tolist(), days[kept].tolist(),
                                              draws[kept, 1].tolist(), strict=True):
                yield self.env.timeout(arrival - self.env.now)  # lands on its day or within a rounding of it
                self.arrive(first + index, choice)
            if not before.all():
                return
            day = float(days[-1])


class Notifications:
    """A child's first notification and its repeats, and the reports about children without need."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        records: Records,
        streams: Streams,
        params: Notification,
        ages: Sequence[tuple[int, int, float]],
        horizon: float,
        start_career: Callable[[Child, str], object],
    ):
        self.env = env
        self.register = register
        self.records = records
        self.streams = streams
        self.ages = ages
        self.horizon = horizon
        self.start_career = start_career
        """Starts a new child's career at a step (the ladder's start)."""
        self.again = params.reported_again_share.value
        self.window = params.repeat_window_days.value
        extra = params.per_notified_child.value - 1.0
        self.more = max(extra / self.again - 1.0, 0.0) if self.again > 0 else 0.0
        """Mean repeats beyond the first repeat, of a child notified again."""
        self.repeat_rng = streams.stream("notification.repeat")

    def notify(self, child: Child) -> None:
        """The first notification about ``child`` now, and its repeats in the days after."""
        now = self.env.now
        self.records.notifications.append((now, child.id, False))
        if self.repeat_rng.random() >= self.again:
            return
        repeats = 1 + int(self.repeat_rng.poisson(self.more))
        for day in np.sort(now + self.window * self.repeat_rng.random(repeats)):
            if day < self.horizon:
                self.records.notifications.append((float(day), child.id, True))

    def repeats_before_start(self, first_per_year: float) -> None:
        """The repeat notifications, after the start, about children first notified in the window before it.

        Children notified for the first time in the last ``repeat_window_days``
        before the start date (``first_per_year`` a year) are notified again
        after it, fewer the later in the window: so the first year counts its
        repeats as a later year does. They concern children not in the model
        (the initial stock is what was in care, not who was notified), so
        they are recorded against child -1.
        """
        draws = self.streams.stream("notification.before_start")
        per_day = first_per_year / DAYS_PER_YEAR
        expected = per_day * self.again * (1.0 + self.more) * self.window / 2.0
        for _ in range(int(draws.poisson(expected))):
            day = self.window * (1.0 - np.sqrt(draws.random()))  # density falling to 0 over the window
            if day < self.horizon:
                self.records.notifications.append((float(day), -1, True))

    def reports_without_need(self, rate_per_year: Steps) -> Arrivals:
        """Start the reports about children without need, at ``rate_per_year``."""
        return Arrivals(self.env, self.streams, "notification.without_need", rate_per_year,
                        self.arrive_without_need, self.horizon)

    def arrive_without_need(self, number: int, _choice: float = 0.0) -> None:
        """The ``number``-th report about a child without need brings that child to the assessment."""
        child = self.register.new_child("notification", lambda rng: age_in_bands(rng, self.ages), "none",
                                        key=("notification.without_need", number))
        self.notify(child)
        self.start_career(child, "assessment")
