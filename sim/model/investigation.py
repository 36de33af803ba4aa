"""The child protection investigation (børnefaglig undersøgelse, Barnets Lov § 20).

An investigation needs a caseworker: the child queues for one of the
caseworkers' investigation slots (a backlog forms when they are overloaded),
the work takes its time, and the decision sets the next rung. The legal
deadline runs from the decision to investigate; a decision after it is a
breach. Spend starts only when a measure starts, so a backlog delays spend
as well as help. An investigation of a child in need decides the measure
its need calls for, or no measure (``investigation.measure_decided``, moved
by the threshold at the load of the moment, which also shortens the work of
an overloaded team); a child without need gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from ..scenario.schema import Investigation as InvestigationParams
from .calendar import DAYS_PER_MONTH
from .capacity import Places
from .child import wait_until
from .distributions import gamma_days
from .mechanisms.threshold import Threshold
from .records import Records
from .register import Register

if TYPE_CHECKING:
    from .child import Child
    from .ladder import Resume


class Investigations:
    """Investigations: the caseworkers' slots they queue for, the work and its decision."""

    def __init__(self, env: simpy.Environment, register: Register, records: Records,
                 params: InvestigationParams, slots: Places, threshold: Threshold,
                 unmet: Callable[[Child], None]):
        self.env = env
        self.register = register
        self.records = records
        self.params = params
        self.slots = slots
        """The caseworkers' investigation slots (their queue is the backlog)."""
        self.threshold = threshold
        self.unmet = unmet
        """Called for a child who leaves without a measure (it may be reported again if in need)."""

    def investigate(
        self, child: Child, resume: Resume | None = None
    ) -> Generator[simpy.Event, object, str | None]:
        """Investigate the child's case; returns the next rung, or None when the child has left."""
        env, params, register, records = self.env, self.params, self.register, self.records
        route = "initial" if resume else ("preventive" if child.state == "preventive" else child.route)
        requested = env.now - (resume.elapsed if resume else 0.0)
        deadline = requested + params.deadline_months.value * DAYS_PER_MONTH
        register.set_state(child, "awaiting_investigation")
        records.open_investigation(child.id, route, requested, deadline)
        slot = self.slots.request()
        if not slot.triggered:
            yield slot if child.leaves_day == float("inf") else slot | wait_until(env, child.leaves_day)
        if not slot.triggered:
            slot.cancel()
            records.close_investigation(child.id, env.now, "left")
            register.leave(child)
            return None
        records.start_investigation(child.id, env.now)
        register.set_state(child, "investigation")
        work = gamma_days(child.rng, params.work_days.value, params.work_days_cv.value)
        finish = min(env.now + work * self.threshold.work_factor(), child.leaves_day)
        yield wait_until(env, finish)
        self.slots.release(slot)
        if finish == child.leaves_day:
            outcome = "left"
        else:
            decided = child.rng.random() < self.threshold.measure_decided(child.need)
            outcome = child.need if decided else "none"
        records.close_investigation(child.id, env.now, outcome)
        if outcome == "left":
            register.leave(child)
            return None
        if outcome == "none":
            register.exit(child, "closed")
            self.unmet(child)
            return None
        return outcome
