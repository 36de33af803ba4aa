"""A child: the agent whose path through the system the model follows.

Each child has an id, the route by which it entered, an age, its own random
stream, and the days on which it would move away or reach an age limit.
Those days are drawn once and compete with everything else the child waits
for, so leaving needs no interrupt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from .calendar import DAYS_PER_YEAR

if TYPE_CHECKING:
    from .services import Measure

ADULT_AGE = 18.0


@dataclass(eq=False, slots=True)
class Child:
    """One child known to the municipality."""

    id: int
    route: str
    """How the child entered: notification, application, initial_<state>, small_children."""
    rng: np.random.Generator
    born_day: float
    """Model day of birth (negative for children born before the start)."""
    move_away_day: float = float("inf")
    after_care: bool = False
    """True once the child continues in after-care past 18."""
    after_care_until_age: float = 23.0
    state: str = ""
    need: str = "none"
    """What the child needs (one of ``NEEDS``): what the assessment and investigation judge."""
    case_opened: float = 0.0
    """Model day its case opened (before the start, -inf, for the stock of the start date)."""
    home_measures: list[Measure] = field(default_factory=list)
    """Home-based measures running or requested (they continue while a placement is prepared)."""

    def age(self, day: float) -> float:
        """Age in years on ``day``."""
        return (day - self.born_day) / DAYS_PER_YEAR

    @property
    def age_limit_day(self) -> float:
        """Day of the 18th birthday, or the end of after-care once the child is in it."""
        limit = self.after_care_until_age if self.after_care else ADULT_AGE
        return self.born_day + limit * DAYS_PER_YEAR

    @property
    def leaves_day(self) -> float:
        """First day the child would leave by moving away or by age."""
        return min(self.move_away_day, self.age_limit_day)


def wait_until(env: simpy.Environment, day: float) -> simpy.Timeout:
    """A timeout until ``day``, or at once if that day has passed.

    A child can turn 18 or move while it waits for something else, and
    notices only when that wait ends.
    """
    return env.timeout(max(day - env.now, 0.0))
