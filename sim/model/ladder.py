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
  review (paced by :mod:`sim.model.mechanisms.review_pace`), measures whose
  need has passed end; when none is left the review steps down to
  preventive, ends the case, or renews (``home_based.after_need``).
  A need for placement can arise at any time (step up; less often under the
  reform's closer follow-up, :mod:`sim.model.mechanisms.reform`); the
  home-based measures continue until the child moves in.
- **Placement**: at the first review after its need has passed it usually
  steps down to home-based support (``placement.after_need``). Under the
  reform the committee may decide a family instead of an institution, and
  the placement is time-limited: at the first review after its time limit
  the child goes home to home-based support with the rest of its need.
- **At 18** a child with a home-based measure or placement may continue in
  after-care until ``exits.after_care_until_age``; otherwise it ages out.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import simpy

from ..measures import AFTER_NEED
from ..scenario.quantities import Mix
from ..scenario.schema import HomeBased, Placement, Preventive
from .assessment import Assessment
from .child import Child, wait_until
from .distributions import Choice, exponential_days, gamma_days
from .investigation import Investigations
from .mechanisms.reform import Reform
from .mechanisms.review_pace import ReviewPace
from .placement import PlacementSupply
from .records import Records
from .register import Register
from .services import HomeBasedSupport


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
Rung = Callable[[Child, "Resume | None"], Step]


def _first(env: simpy.Environment, **days: float) -> tuple[str, simpy.Timeout]:
    """The event that comes first, and a timeout until it."""
    name = min(days, key=days.__getitem__)
    return name, wait_until(env, days[name])


def _time_limited(now: float, need_end: float, limit: float | None) -> float:
    """The day a placement's time limit (a share ``limit`` of its need from now) runs out; inf if none."""
    return float("inf") if limit is None else now + (need_end - now) * limit


def _after_need(mix: Mix) -> Choice:
    """What a review decides once a need has passed (``after_need``), as a draw."""
    return Choice(AFTER_NEED, [mix.share(o) for o in AFTER_NEED])


class Ladder:
    """Every child's career, one rung after another, with the parts each rung uses."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        records: Records,
        assessment: Assessment,
        investigations: Investigations,
        support: HomeBasedSupport,
        supply: PlacementSupply,
        review_pace: ReviewPace,
        reform: Reform,
        preventive: Preventive,
        home_based: HomeBased,
        placement: Placement,
    ):
        self.env = env
        self.register = register
        self.records = records
        self.support = support
        self.supply = supply
        self.review_pace = review_pace
        self.reform = reform
        self.params = {"preventive": preventive, "home_based": home_based, "placement": placement}
        self.after_need = {"home_based": _after_need(home_based.after_need),
                           "placement": _after_need(placement.after_need)}
        self.rungs: dict[str, Rung] = {
            "assessment": assessment.assess,
            "investigation": investigations.investigate,
            "preventive": self.preventive,
            "home_based": self.home_based,
            "placement": self.placement,
        }

    def start(self, child: Child, step: str, resume: Resume | None = None) -> simpy.Process:
        """Start the child's career at ``step`` (and where it stands, for a child of the stock)."""
        return self.env.process(self.career(child, step, resume))

    def career(self, child: Child, step: str, resume: Resume | None = None) -> Step:
        """The whole path of one child, from ``step`` until it leaves."""
        while step is not None:
            step = yield from self.rungs[step](child, resume)
            resume = None

    def preventive(self, child: Child, resume: Resume | None = None) -> Step:
        """A preventive measure until its need passes or the child needs an investigation."""
        env, params, register, records = self.env, self.params["preventive"], self.register, self.records
        register.set_state(child, "preventive")
        child.need = "preventive"
        if resume:
            spell = records.open_spell(child.id, "preventive", "in_house", env.now - resume.elapsed)
            need = resume.remaining
        else:
            spell = records.open_spell(child.id, "preventive", "in_house", env.now)
            need = gamma_days(child.rng, params.duration_days.value, params.duration_cv.value)
        event, wait = _first(
            env,
            ended=env.now + need,
            step_up=env.now + exponential_days(child.rng, params.step_up_per_year.value),
            leave=child.leaves_day,
        )
        yield wait
        if event == "step_up":
            records.close_spell(spell, env.now, "step_up")
            child.need = "home_based"
            return "investigation"
        if event == "ended":
            records.close_spell(spell, env.now, "closed")
            register.exit(child, "closed")
            return None
        records.close_spell(spell, env.now, register.leaving_reason(child))
        register.leave(child)
        return None

    def home_based(self, child: Child, resume: Resume | None = None) -> Step:
        """Home-based measures, reviewed at the caseload's pace."""
        env, support, register = self.env, self.support, self.register
        register.set_state(child, "home_based")
        child.need = "home_based"
        if not resume:
            support.start_new(child)
        step_up = env.now + self._step_up_days(child)
        review = env.now + (resume.review_phase if resume else 1.0) * self.review_pace.interval("home_based")
        while True:
            event, wait = _first(env, review=review, step_up=step_up, leave=child.leaves_day)
            yield wait
            if event == "step_up":
                return "placement"
            if event == "leave":
                if register.continues_in_after_care(child):
                    continue
                register.leave(child)
                return None
            self.records.reviews.append((child.id, "home_based", env.now))
            support.end_needs_met(child)
            if not child.home_measures:
                decision = self.after_need["home_based"].draw(child.rng)
                if decision == "step_down":
                    return "preventive"
                if decision == "end":
                    register.exit(child, "closed")
                    return None
                support.start_new(child)
            review = env.now + self.review_pace.interval("home_based")
            step_up = env.now + self._step_up_days(child)

    def _step_up_days(self, child: Child) -> float:
        """Days until a child at home needs a placement, at the rate of now (redrawn at each review)."""
        rate = self.params["home_based"].step_up_per_year.value
        return exponential_days(child.rng, rate * self.reform.step_up_factor(child, self.env.now))

    def placement(self, child: Child, resume: Resume | None = None) -> Step:
        """A time-limited placement: decision, moving in, reviews, and the way out."""
        env, supply, records, register = self.env, self.supply, self.records, self.register
        params = self.params["placement"]
        child.need = "placement"
        limit = None
        if resume:
            kind, family = resume.kind, resume.family
            spell = records.open_spell(child.id, kind, "external", env.now - resume.elapsed)
            need_end = env.now + resume.remaining
            review = env.now + resume.review_phase * self.review_pace.interval("placement")
        else:
            register.set_state(child, "awaiting_placement")
            decided = env.now
            wanted = supply.choose_type(child)
            if self.reform.family_instead(child, decided, wanted):
                wanted = supply.choose_family_type(child)
            limit = self.reform.time_limit(child, decided)
            prepared = env.now + gamma_days(child.rng, params.preparation_days.value, 1.0)
            event, wait = _first(env, prepared=prepared, leave=child.leaves_day)
            yield wait
            kind, family = (None, None) if event == "leave" else (yield from supply.find_place(child, wanted))
            if kind is None:  # moved away or turned 18 before moving in
                register.leave(child)
                return None
            self.support.end_all(child, "step_up")
            records.placements.append((child.id, decided, wanted, kind, env.now))
            spell = records.open_spell(child.id, kind, "external", env.now)
            need_end = env.now + gamma_days(
                child.rng, params.type(kind).duration_days.value, params.duration_cv.value
            )
            review = env.now + self.review_pace.interval("placement")
        home_day = _time_limited(env.now, need_end, limit)
        register.set_state(child, "placement")
        while True:
            event, wait = _first(env, review=review, leave=child.leaves_day)
            yield wait
            if event == "leave":
                if register.continues_in_after_care(child):
                    continue
                records.close_spell(spell, env.now, register.leaving_reason(child))
                supply.leave(kind, family)
                register.leave(child)
                return None
            records.reviews.append((child.id, "placement", env.now))
            if home_day <= env.now < need_end:  # the homecoming plan: home with the rest of the need
                records.close_spell(spell, env.now, "step_down")
                supply.leave(kind, family)
                return "home_based"
            if env.now >= need_end:
                decision = self.after_need["placement"].draw(child.rng)
                if decision == "renew":
                    need_end = env.now + gamma_days(
                        child.rng, params.type(kind).duration_days.value, params.duration_cv.value
                    )
                    home_day = _time_limited(env.now, need_end, limit)
                else:
                    records.close_spell(spell, env.now, "step_down" if decision == "step_down" else "closed")
                    supply.leave(kind, family)
                    if decision == "step_down":
                        return "home_based"
                    register.exit(child, "closed")
                    return None
            review = env.now + self.review_pace.interval("placement")
