"""The ladder of measures (indsatstrappen): a child's path up, down and out.

A child's career is a SimPy process that moves from step to step:
assessment -> investigation -> preventive / home-based / placement, and up
and down between the rungs until the case closes or the child moves away or
ages out. Each rung waits for whichever comes first of a few days drawn in
advance (the next review, a need to step up, moving away, an age limit), so
no process ticks daily and leaving needs no interrupt.

- **Preventive** measures run for their need and end, or the child needs an
  investigation (step up).
- **Home-based**: one or more measures (see :mod:`sim.model.services`). At each
  review, measures whose need has passed end; when none is left the review
  steps down to preventive, ends the case, or renews (``home_based.after_need``).
  A need for placement can arise at any time (step up); the home-based
  measures continue until the child moves in.
- **Placement**: time-limited; at the first review after its need has passed
  it usually steps down to home-based support (``placement.after_need``).
- **At 18** a child with a home-based measure or placement may continue in
  after-care until ``exits.after_care_until_age``; otherwise it ages out.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from ..measures import AFTER_NEED
from .assessment import assess
from .child import wait_until
from .distributions import choose, exponential_days, gamma_days
from .investigation import investigate

if TYPE_CHECKING:
    from .child import Child
    from .wiring import Model


@dataclass(frozen=True)
class Resume:
    """Where a child of the initial stock already stands on its rung on the start date."""

    elapsed: float = 0.0
    """Days already spent in the current spell."""
    remaining: float = 0.0
    """Days of need left (preventive and placement)."""
    review_phase: float = 1.0
    """Where in its review cycle the case stands: the first review comes after
    this fraction of the review interval."""
    kind: str = ""
    """Placement type."""
    family: simpy.Event | None = None
    """The foster family's request, for a placement in a pool type."""


Step = Generator[simpy.Event, object, "str | None"]


def career(model: Model, child: Child, step: str, resume: Resume | None = None) -> Step:
    """The whole path of one child, from ``step`` until it leaves."""
    while step is not None:
        step = yield from RUNGS[step](model, child, resume)
        resume = None


def _first(env: simpy.Environment, **days: float) -> tuple[str, simpy.Timeout]:
    """The event that comes first, and a timeout until it."""
    name = min(days, key=days.__getitem__)
    return name, wait_until(env, days[name])


def _after_need(model: Model, child: Child, rung: str) -> str:
    mix = getattr(model.scenario, rung).after_need
    return choose(child.rng, AFTER_NEED, [mix.share(o) for o in AFTER_NEED])


def preventive(model: Model, child: Child, resume: Resume | None = None) -> Step:
    """A preventive measure until its need passes or the child needs an investigation."""
    env, params = model.env, model.scenario.preventive
    model.set_state(child, "preventive")
    if resume:
        spell = model.records.open_spell(child.id, "preventive", "in_house", env.now - resume.elapsed)
        need = resume.remaining
    else:
        spell = model.records.open_spell(child.id, "preventive", "in_house", env.now)
        need = gamma_days(child.rng, params.duration_days.value, params.duration_cv.value)
    event, wait = _first(
        env,
        ended=env.now + need,
        step_up=env.now + exponential_days(child.rng, params.step_up_per_year.value),
        leave=child.leaves_day,
    )
    yield wait
    if event == "step_up":
        model.records.close_spell(spell, env.now, "step_up")
        return "investigation"
    if event == "ended":
        model.records.close_spell(spell, env.now, "closed")
        model.exit(child, "closed")
        return None
    model.records.close_spell(spell, env.now, model.leaving_reason(child))
    model.leave(child)
    return None


def home_based(model: Model, child: Child, resume: Resume | None = None) -> Step:
    """Home-based measures, reviewed at the caseload's pace."""
    env, support = model.env, model.support
    model.set_state(child, "home_based")
    if not resume:
        support.start_new(child)
    step_up = env.now + exponential_days(child.rng, model.scenario.home_based.step_up_per_year.value)
    review = env.now + (resume.review_phase if resume else 1.0) * model.caseworkers.review_interval(
        "home_based"
    )
    while True:
        event, wait = _first(env, review=review, step_up=step_up, leave=child.leaves_day)
        yield wait
        if event == "step_up":
            return "placement"
        if event == "leave":
            if model.continues_in_after_care(child):
                continue
            model.leave(child)
            return None
        support.end_needs_met(child)
        if not child.home_measures:
            decision = _after_need(model, child, "home_based")
            if decision == "step_down":
                return "preventive"
            if decision == "end":
                model.exit(child, "closed")
                return None
            support.start_new(child)
        review = env.now + model.caseworkers.review_interval("home_based")


def placement(model: Model, child: Child, resume: Resume | None = None) -> Step:
    """A time-limited placement: decision, moving in, reviews, and the way out."""
    env, supply, records = model.env, model.placement, model.records
    params = model.scenario.placement
    if resume:
        kind, family = resume.kind, resume.family
        spell = records.open_spell(child.id, kind, "external", env.now - resume.elapsed)
        need_end = env.now + resume.remaining
        review = env.now + resume.review_phase * model.caseworkers.review_interval("placement")
    else:
        model.set_state(child, "awaiting_placement")
        decided = env.now
        wanted = supply.choose_type(child)
        prepared = env.now + gamma_days(child.rng, params.preparation_days.value, 1.0)
        event, wait = _first(env, prepared=prepared, leave=child.leaves_day)
        yield wait
        kind, family = (None, None) if event == "leave" else (yield from supply.find_place(child, wanted))
        if kind is None:  # moved away or turned 18 before moving in
            model.leave(child)
            return None
        model.support.end_all(child, "step_up")
        records.placements.append((child.id, decided, wanted, kind, env.now))
        spell = records.open_spell(child.id, kind, "external", env.now)
        need_end = env.now + gamma_days(
            child.rng, params.type(kind).duration_days.value, params.duration_cv.value
        )
        review = env.now + model.caseworkers.review_interval("placement")
    model.set_state(child, "placement")
    while True:
        event, wait = _first(env, review=review, leave=child.leaves_day)
        yield wait
        if event == "leave":
            if model.continues_in_after_care(child):
                continue
            records.close_spell(spell, env.now, model.leaving_reason(child))
            supply.leave(kind, family)
            model.leave(child)
            return None
        if env.now >= need_end:
            decision = _after_need(model, child, "placement")
            if decision == "renew":
                need_end = env.now + gamma_days(
                    child.rng, params.type(kind).duration_days.value, params.duration_cv.value
                )
            else:
                records.close_spell(spell, env.now, "step_down" if decision == "step_down" else "closed")
                supply.leave(kind, family)
                if decision == "step_down":
                    return "home_based"
                model.exit(child, "closed")
                return None
        review = env.now + model.caseworkers.review_interval("placement")


RUNGS = {
    "assessment": assess,
    "investigation": investigate,
    "preventive": preventive,
    "home_based": home_based,
    "placement": placement,
}
