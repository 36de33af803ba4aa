"""Caseload -> review pace (opfølgning): the fewer cases a caseworker carries, the sooner a case is reviewed.

The caseload (open cases per caseworker) sets how often each case is
reviewed::

    interval = reference interval x (caseload / reference caseload) ^ elasticity

A home-based measure or a placement that no longer fits ends only at a
review, so a lower caseload ends measures sooner: this is the mechanism the
Swedish model bets on, and its strength is the named assumption
``follow_up.caseload_elasticity`` (0: the caseload does not matter; 1: each
caseworker does the same number of reviews a year whatever the caseload).
"""

from __future__ import annotations

from collections.abc import Callable

from ...scenario.schema import FollowUp
from .mechanism import Inputs, Mechanism


class ReviewPace:
    """Days until the next review of a case, at the caseload of the moment."""

    def __init__(self, params: FollowUp, caseload: Callable[[], float], on: bool = True):
        self.caseload = caseload
        self.reference = params.reference_caseload.value
        self.elasticity = params.caseload_elasticity.value if on else 0.0
        """0 when the mechanism is off: every case is reviewed at its reference interval."""
        self.base_interval = {
            "home_based": params.home_based_interval_days.value,
            "placement": params.placement_interval_days.value,
        }

    def interval(self, rung: str, caseload: float | None = None) -> float:
        """Days until the next review of a case on ``rung`` at today's caseload (or ``caseload``)."""
        ratio = max(self.caseload() if caseload is None else caseload, 1e-9) / self.reference
        return self.base_interval[rung] * ratio**self.elasticity


def _build(inputs: Inputs) -> ReviewPace:
    return ReviewPace(inputs.section, inputs.signals["caseload"], inputs.on)


MECHANISM = Mechanism(
    name="review_pace",
    section="follow_up",
    uses=(),
    reads=("caseload",),
    changes="the days until a home-based case or a placement is next reviewed",
    build=_build,
)
