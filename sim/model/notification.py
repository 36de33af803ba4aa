"""How children arrive: notifications (underretninger) and other routes to an investigation.

Notifications arrive as a Poisson process whose yearly rate is the
scenario's ``notification.per_year``, grown by ``growth_per_year`` each
1 January and reset by the timeline. A share of notifications are repeats:
they concern a child notified within the last ``repeat_window_days`` (or,
when there is none, any child with an open case) and are recorded against
that child without changing its course, which is why a month's 160
notifications concern only 142 children. Every other
notification brings a new child, who is assessed within 24 hours.

Applications from families and young people, and children moving in with an
open case, reach an investigation without a notification; they arrive as a
Poisson process of their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Sequence

import numpy as np
import simpy

from ..scenario.schema import Applications, Notification
from .calendar import DAYS_PER_YEAR
from .child import Child
from .distributions import age_in_bands
from .records import Records
from .register import Register
from .steps import Schedules, Steps
from .streams import Streams


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


class Notifications:
    """The stream of notifications and the children they bring."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        records: Records,
        streams: Streams,
        schedules: Schedules,
        params: Notification,
        applications: Applications,
        ages: Sequence[tuple[int, int, float]],
        start_career: Callable[[Child, str], object],
    ):
        self.env = env
        self.register = register
        self.records = records
        self.start_career = start_career
        """Starts a new child's career at a step (the ladder's start)."""
        self.repeat_share = params.repeat_share.value
        self.window = params.repeat_window_days.value
        self.ages = ages
        self.repeat_rng = streams.stream("notification.repeat")
        self.recent: deque[tuple[float, Child]] = deque()
        rate = schedules.yearly("notification.per_year", params.growth_per_year.value)
        env.process(poisson_arrivals(env, rate, streams.stream("notification.arrivals"), self.arrive))
        env.process(poisson_arrivals(
            env,
            schedules.yearly("applications.per_year", applications.growth_per_year.value),
            streams.stream("applications.arrivals"),
            self.apply,
        ))

    def arrive(self) -> None:
        """A notification: a repeat is recorded against the child it concerns; otherwise a new child comes."""
        now = self.env.now
        if self.repeat_rng.random() < self.repeat_share:
            known = self._known_child()
            if known is not None:
                self.records.notifications.append((now, known.id, True))
                return
        child = self.register.new_child("notification", lambda rng: age_in_bands(rng, self.ages))
        self.records.notifications.append((now, child.id, False))
        self.recent.append((now, child))
        self.start_career(child, "assessment")

    def _known_child(self) -> Child | None:
        """A recently notified child still present, else any child with an open case."""
        now, present = self.env.now, self.register.children
        while self.recent and self.recent[0][0] < now - self.window:
            self.recent.popleft()
        candidates = [child for _, child in self.recent if child.id in present]
        if not candidates:
            candidates = self.register.open_case_children()
        if not candidates:
            return None
        return candidates[int(self.repeat_rng.integers(len(candidates)))]

    def apply(self) -> None:
        """An investigation opened without a notification."""
        child = self.register.new_child("application", lambda rng: age_in_bands(rng, self.ages))
        self.start_career(child, "investigation")
