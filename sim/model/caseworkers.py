"""The authority's caseworkers (myndighedsrådgivere): investigations and follow-up.

Caseworkers matter twice. They carry investigations: each can run a few at
once beside the open cases, so the investigation capacity is the number of
caseworkers times that, a SimPy resource whose queue is the backlog. And
they carry the open cases: the caseload (open cases per caseworker) sets how
often each case is reviewed (opfølgning)::

    interval = reference interval x (caseload / reference caseload) ^ elasticity

A measure that no longer fits ends only at a review, so a lower caseload
ends measures sooner: this is the mechanism the Swedish model bets on, and
its strength is the named assumption ``follow_up.caseload_elasticity``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .capacity import Places

if TYPE_CHECKING:
    from .wiring import Model


class Caseworkers:
    """Caseworker count, investigation slots and the review pace of open cases."""

    def __init__(self, model: Model):
        self.model = model
        params = model.scenario.caseworkers
        self.per_worker = params.investigations_per_worker.value
        self.count = params.count.value
        self.slots = Places(model.env, self._slots(self.count), "investigations")
        model.records.capacity["investigations"] = self.slots.history
        model.records.caseworkers.append((model.env.now, self.count))
        follow_up = model.scenario.follow_up
        self.reference = follow_up.reference_caseload.value
        self.elasticity = follow_up.caseload_elasticity.value
        self.base_interval = {
            "home_based": follow_up.home_based_interval_days.value,
            "placement": follow_up.placement_interval_days.value,
        }

    def _slots(self, count: float) -> int:
        return int(round(count * self.per_worker))

    def set_count(self, count: float) -> None:
        """Hire or let go: from now on ``count`` caseworkers."""
        self.count = count
        self.slots.resize(self._slots(count))
        self.model.records.caseworkers.append((self.model.env.now, count))

    def caseload(self) -> float:
        """Open cases per caseworker now."""
        return self.model.open_cases() / self.count

    def review_interval(self, rung: str, caseload: float | None = None) -> float:
        """Days until the next review of a case on ``rung`` at today's caseload (or ``caseload``)."""
        ratio = max(self.caseload() if caseload is None else caseload, 1e-9) / self.reference
        return self.base_interval[rung] * ratio**self.elasticity
