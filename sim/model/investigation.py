"""The child protection investigation (børnefaglig undersøgelse, Barnets Lov § 20).

An investigation needs a caseworker: the child queues for one of the
caseworkers' investigation slots (a backlog forms when they are overloaded),
the work takes its time, and the decision sets the next rung. The legal
deadline runs from the decision to investigate; a decision after it is a
breach. Spend starts only when a measure starts, so a backlog delays spend
as well as help.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from ..measures import INVESTIGATION_OUTCOMES
from .child import wait_until
from .distributions import choose, gamma_days

if TYPE_CHECKING:
    from .child import Child
    from .ladder import Resume
    from .wiring import Model

DAYS_PER_MONTH = 365.25 / 12


def investigate(
    model: Model, child: Child, resume: Resume | None = None
) -> Generator[simpy.Event, object, str | None]:
    """Investigate the child's case; returns the next rung, or None when the child has left."""
    env, params = model.env, model.scenario.investigation
    route = "initial" if resume else ("preventive" if child.state == "preventive" else child.route)
    requested = env.now - (resume.elapsed if resume else 0.0)
    deadline = requested + params.deadline_months.value * DAYS_PER_MONTH
    model.set_state(child, "awaiting_investigation")
    model.records.open_investigation(child.id, route, requested, deadline)
    slots = model.caseworkers.slots
    slot = slots.request()
    if not slot.triggered:
        yield slot if child.leaves_day == float("inf") else slot | wait_until(env, child.leaves_day)
    if not slot.triggered:
        slot.cancel()
        model.records.close_investigation(child.id, env.now, "left")
        model.leave(child)
        return None
    model.records.start_investigation(child.id, env.now)
    model.set_state(child, "investigation")
    work = gamma_days(child.rng, params.work_days.value, params.work_days_cv.value)
    finish = min(env.now + work, child.leaves_day)
    yield wait_until(env, finish)
    slots.release(slot)
    outcome = "left" if finish == child.leaves_day else choose(
        child.rng, INVESTIGATION_OUTCOMES, [params.outcome.share(o) for o in INVESTIGATION_OUTCOMES]
    )
    model.records.close_investigation(child.id, env.now, outcome)
    if outcome == "left":
        model.leave(child)
        return None
    if outcome == "none":
        model.exit(child, "closed")
        return None
    return outcome
