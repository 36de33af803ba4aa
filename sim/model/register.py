"""The register of children: who is known to the municipality now, and where each stands.

Every part of the flow that brings a child in, moves it between states or
lets it go does so here, so that the counts the caseload is read from (open
cases per state) and the records of every stay always agree. A child's
random stream is given here too, keyed by how it entered and its number in
that route, so that two scenarios run with the same seed meet the same
children with the same luck.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import simpy

from ..measures import OPEN_CASE_STATES
from ..scenario.schema import Exits
from .calendar import DAYS_PER_YEAR
from .child import Child
from .distributions import exponential_days
from .records import Records
from .streams import Streams

AgeDraw = Callable[[np.random.Generator], float]
"""Draws a child's age in years from its own stream."""


class Register:
    """Children present by id, the number in each state, and their comings and goings."""

    def __init__(
        self,
        env: simpy.Environment,
        streams: Streams,
        records: Records,
        exits: Exits,
        when_leaving: Callable[[Child, str], None] = lambda child, reason: None,
    ):
        self.env = env
        self.streams = streams
        self.records = records
        self.exits = exits
        self.when_leaving = when_leaving
        """Called with the child and the reason before it leaves (its home-based measures end)."""
        self.children: dict[int, Child] = {}
        """Children present, by id."""
        self.state_counts: Counter[str] = Counter()
        self._open_cases = 0
        """Children in an open-case state, kept as they move: the caseload reads it at most events."""
        self._routes: Counter[str] = Counter()
        self._next_id = 0

    def new_child(self, route: str, age: AgeDraw, need: str = "none", key: tuple[str, int] | None = None
                  ) -> Child:
        """Register a child entering by ``route`` with ``need``, its age drawn from its own stream.

        The stream is keyed by ``key`` (a stream's name and the child's number
        in it) or else by the route and the child's number on it.
        """
        if key is None:
            key = (route, self._routes[route])
            self._routes[route] += 1
        rng = self.streams.child(*key)
        now = self.env.now
        age_at_entry = age(rng)
        child = Child(
            self._next_id, route, rng, now - age_at_entry * DAYS_PER_YEAR,
            after_care_until_age=self.exits.after_care_until_age.value, need=need, case_opened=now,
        )
        child.move_away_day = now + exponential_days(rng, self.exits.move_away_per_year.value)
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
            self._open_cases -= child.state in OPEN_CASE_STATES
        self.state_counts[state] += 1
        self._open_cases += state in OPEN_CASE_STATES
        child.state = state
        self.records.enter_state(child.id, state, self.env.now)

    def exit(self, child: Child, reason: str) -> None:
        """The child leaves the system for ``reason`` (one of ``EXIT_REASONS``)."""
        self.when_leaving(child, reason)
        self.state_counts[child.state] -= 1
        self._open_cases -= child.state in OPEN_CASE_STATES
        self.records.leave_state(child.id, self.env.now)
        self.records.exits.append((child.id, self.env.now, reason))
        del self.children[child.id]

    @staticmethod
    def leaving_reason(child: Child) -> str:
        """``moved_away`` or ``aged_out``, whichever day came first."""
        return "moved_away" if child.move_away_day <= child.age_limit_day else "aged_out"

    def leave(self, child: Child) -> None:
        """The child moves away or ages out today."""
        self.exit(child, self.leaving_reason(child))

    def continues_in_after_care(self, child: Child) -> bool:
        """Whether a young person turning 18 continues in after-care (False once it has ended)."""
        if child.after_care or child.move_away_day <= child.age_limit_day:
            return False
        child.after_care = bool(child.rng.random() < self.exits.after_care_share.value)
        return child.after_care

    def open_cases(self) -> int:
        """Children whose case the caseworkers carry now."""
        return self._open_cases

    def open_case_children(self) -> list[Child]:
        """The children with an open case, in id order."""
        return [c for c in self.children.values() if c.state in OPEN_CASE_STATES]
