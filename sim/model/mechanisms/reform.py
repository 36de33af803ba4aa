"""The reform (the Swedish model, Fællesskabsmodellen) as a practice the municipality decides on its timeline.

Separate from how many caseworkers it hires: ``reform.practised`` is set on
the timeline, and the practice applies to children in the age band
``reform.ages`` (and with ``reform.cases = "new"`` only to cases opened while
it is practised). What it changes, each at full effect:

- (a) closer follow-up: children at home need a placement less often
  (``step_up_reduction``);
- (b) time-limited placements with a homecoming plan: a placement ends after
  a share of its need (``placement_time_limit``), and the child goes home to
  home-based support for the rest;
- (c) the placement committee: a share of the placements in residential
  institutions and homes are decided as foster or network family placements
  instead (``mix_shift``), as far as families are free;
- (d) more children step down to home-based support and then preventive
  measures: the consequence of (a)-(c), not a switch of its own;
- (e) detection: preventive district social workers and closer contact
  raise the reporting about children in need (``detection_increase``, ramped
  up over ``detection_ramp_months``), so more children in need are found.

Each effect is practised at the caseload of the moment: full at or below
``full_effect_caseload``, none at or above ``no_effect_caseload``, linear
between. The children (e) finds raise the caseload, which weakens (a)-(c):
the feedback Ballerup's 2018 follow-up described (cases 643 to 770, a
caseload of 24 against the planned 20).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from ...scenario.schema import Age
from ...scenario.schema import Reform as ReformParams
from ..calendar import DAYS_PER_MONTH
from ..child import Child
from ..steps import Steps
from .mechanism import Inputs, Mechanism

FAMILY_INSTEAD_OF = ("residential_institution", "residential_home")
"""The placement types the committee moves children from under (c)."""


class Reform:
    """Whether the practice applies to a child now, and how strongly, and what it changes."""

    def __init__(self, params: ReformParams, practised: Steps, age: Age, caseload: Callable[[], float],
                 on: bool = True):
        self.params = params
        self.practised = practised
        self.caseload = caseload
        self.on = on
        self._switched_on = [
            float(change) for change, value in zip(practised.days, practised.values, strict=True)
            if value >= 0.5 and (change == 0.0 or practised.at(change - 1e-9) < 0.5)
        ]
        """The days the practice began, each time it did (the timeline may stop and restart it)."""
        self.band_share = _share_in_band(age, params)
        """The share of children at first contact whose age falls in the reform's band."""
        self._all_cases = params.cases.value == "all"
        self._full, self._none = params.full_effect_caseload.value, params.no_effect_caseload.value

    def practised_at(self, day: float) -> bool:
        """Whether the municipality practises the reform on ``day``."""
        return self.on and self.practised.at(day) >= 0.5

    def started(self, day: float) -> float:
        """The day the practice in force on ``day`` began."""
        index = bisect.bisect_right(self._switched_on, day)
        return self._switched_on[index - 1] if index > 0 else 0.0

    def strength(self) -> float:
        """How fully the practice works at today's caseload: 1 at or below full effect, 0 at or above none."""
        full, none = self._full, self._none
        return min(max((none - self.caseload()) / (none - full), 0.0), 1.0)

    def applies(self, child: Child, day: float) -> bool:
        """Whether the practice applies to ``child`` on ``day``."""
        if not self.practised_at(day) or not self.params.ages.contains(child.age(day)):
            return False
        return self._all_cases or child.case_opened >= self.started(day)

    def step_up_factor(self, child: Child, day: float) -> float:
        """(a) What the rate at which ``child`` at home needs a placement is multiplied by."""
        if not self.applies(child, day):
            return 1.0
        return 1.0 - self.params.step_up_reduction.value * self.strength()

    def time_limit(self, child: Child, day: float) -> float | None:
        """(b) The share of its need a placement decided now lasts, or None when not time-limited."""
        if not self.applies(child, day):
            return None
        return 1.0 - (1.0 - self.params.placement_time_limit.value) * self.strength()

    def family_instead(self, child: Child, day: float, kind: str) -> bool:
        """(c) Whether the committee decides a family placement instead of the institution ``kind``."""
        if kind not in FAMILY_INSTEAD_OF or not self.applies(child, day):
            return False
        return bool(child.rng.random() < self.params.mix_shift.value * self.strength())

    def detection_boost(self, day: float) -> float:
        """(e) What the reporting intensity about children in need is multiplied by on ``day``."""
        if not self.practised_at(day):
            return 1.0
        ramp_days = self.params.detection_ramp_months.value * DAYS_PER_MONTH
        ramp = 1.0 if ramp_days <= 0 else min(1.0, (day - self.started(day)) / ramp_days)
        return 1.0 + self.params.detection_increase.value * ramp * self.band_share


def _share_in_band(age: Age, params: ReformParams) -> float:
    """The share of first contacts in the reform's band, ages uniform within each band of first contact."""
    low, high = (float(x) for x in params.ages.value.split("-"))
    high += 1.0
    share = 0.0
    for first, last, weight in age.at_first_contact.bands():
        overlap = max(0.0, min(high, last + 1.0) - max(low, float(first)))
        share += weight * overlap / (last + 1.0 - first)
    return share


def _build(inputs: Inputs) -> Reform:
    return Reform(inputs.section, inputs.schedules.of("reform.practised"), inputs.uses["age"],
                  inputs.signals["caseload"], inputs.on)


MECHANISM = Mechanism(
    name="reform",
    section="reform",
    uses=("age",),
    reads=("caseload", "practice", "child"),
    changes="how often children at home step up to a placement, how long placements last, which types "
            "they are decided in, and how many children in need are found",
    build=_build,
)
