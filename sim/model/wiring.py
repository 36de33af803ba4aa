"""One replication of a municipality: the SimPy environment and every part of the system, wired.

:func:`simulate` builds the parts in the order the system works (caseworkers,
in-house services, placement supply, the initial stock, the small-children
stock, arrivals, the timeline's decisions), runs them to the horizon and
returns the records. The model keeps the register of children present and
of the state each is in; everything else lives in the part it belongs to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import simpy

from ..measures import OPEN_CASE_STATES
from ..scenario import Scenario
from .calendar import DAYS_PER_YEAR, Calendar
from .caseworkers import Caseworkers
from .child import Child
from .decisions import take_effect
from .distributions import exponential_days
from .initial_stock import build as build_initial_stock
from .notification import Notifications
from .placement import PlacementSupply
from .records import Records
from .services import HomeBasedSupport
from .small_children import SmallChildrenSpecial
from .steps import Steps, yearly
from .streams import Streams


class Model:
    """The running replication: clock, streams, register of children, and the parts."""

    def __init__(self, scenario: Scenario, years: int, seed: int):
        self.scenario = scenario
        self.calendar = Calendar(scenario.scenario.start_date, years)
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.records = Records()
        self.children: dict[int, Child] = {}
        """Children present, by id."""
        self.state_counts: Counter[str] = Counter()
        self._routes: Counter[str] = Counter()
        self._next_id = 0
        self._schedules: dict[tuple[str, float], Steps] = {}
        self.caseworkers = Caseworkers(self)
        self.support = HomeBasedSupport(self)
        self.placement = PlacementSupply(self)

    # -- schedules of time-varying parameters -------------------------------

    def schedule(self, path: str) -> Steps:
        """A time-varying parameter as set at the start and changed by the timeline."""
        return self.yearly_schedule(path, 0.0)

    def yearly_schedule(self, path: str, growth: float) -> Steps:
        """A yearly rate or price from the scenario and timeline, compounded each 1 January."""
        key = (path, growth)
        if key not in self._schedules:
            self._schedules[key] = yearly(self.calendar, self.scenario.schedule(path), growth)
        return self._schedules[key]

    # -- the register of children ------------------------------------------

    def new_child(self, route: str, age: Callable[[np.random.Generator], float]) -> Child:
        """Register a child entering by ``route``, with an age drawn from its own stream."""
        number = self._routes[route]
        self._routes[route] += 1
        rng = self.streams.child(route, number)
        now = self.env.now
        age_at_entry = age(rng)
        child = Child(
            self._next_id, route, rng, now - age_at_entry * DAYS_PER_YEAR,
            after_care_until_age=self.scenario.exits.after_care_until_age.value,
        )
        child.move_away_day = now + exponential_days(rng, self.scenario.exits.move_away_per_year.value)
        self._next_id += 1
        self.children[child.id] = child
        self.records.children.append((child.id, route, now, age_at_entry))
        return child

    def set_age(self, child: Child, age: float) -> None:
        """The child is ``age`` years old now: its birthday, and the age its entry record gives, follow.

        The stock on the start date draws a child's age once more, given how
        long it has already been in care; its record must say that age.
        """
        child.born_day = self.env.now - age * DAYS_PER_YEAR
        child_id, route, entered_day, _ = self.records.children[child.id]
        self.records.children[child.id] = (child_id, route, entered_day, age)

    def set_state(self, child: Child, state: str) -> None:
        """The child is now in ``state``."""
        if child.state == state:
            return
        if child.state:
            self.state_counts[child.state] -= 1
        self.state_counts[state] += 1
        child.state = state
        self.records.enter_state(child.id, state, self.env.now)

    def exit(self, child: Child, reason: str) -> None:
        """The child leaves the system; its home-based measures end with it."""
        self.support.end_all(child, reason)
        self.state_counts[child.state] -= 1
        self.records.leave_state(child.id, self.env.now)
        self.records.exits.append((child.id, self.env.now, reason))
        del self.children[child.id]

    def leaving_reason(self, child: Child) -> str:
        """``moved_away`` or ``aged_out``, whichever day came first."""
        return "moved_away" if child.move_away_day <= child.age_limit_day else "aged_out"

    def leave(self, child: Child) -> None:
        """The child moves away or ages out today."""
        self.exit(child, self.leaving_reason(child))

    def continues_in_after_care(self, child: Child) -> bool:
        """Whether a young person turning 18 continues in after-care (False once it has ended)."""
        if child.after_care or child.move_away_day <= child.age_limit_day:
            return False
        child.after_care = bool(child.rng.random() < self.scenario.exits.after_care_share.value)
        return child.after_care

    def open_cases(self) -> int:
        """Children whose case the caseworkers carry now."""
        counts = self.state_counts
        return sum(counts[state] for state in OPEN_CASE_STATES)

    def open_case_children(self) -> list[Child]:
        """The children with an open case, in id order."""
        return [c for c in self.children.values() if c.state in OPEN_CASE_STATES]

    # -- running ------------------------------------------------------------

    def run(self) -> Records:
        """Build the system as it stands on the start date and run it to the horizon."""
        build_initial_stock(self)
        SmallChildrenSpecial(self)
        Notifications(self)
        self.env.process(take_effect(self))
        self.env.run(until=self.calendar.horizon)
        self.records.finish()
        return self.records


def simulate(scenario: Scenario, years: int, seed: int) -> tuple[Model, Records]:
    """Run one replication and return the model as it ended and its records."""
    model = Model(scenario, years, seed)
    return model, model.run()
