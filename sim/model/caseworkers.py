"""The authority's caseworkers (myndighedsrådgivere): investigation capacity and the caseload.

Caseworkers matter twice. They carry investigations: each can run a few at
once beside the open cases, so the investigation capacity is the number of
caseworkers times that, a SimPy resource whose queue is the backlog. And
they carry the open cases: the caseload (open cases per caseworker) is the
signal the review pace reads (:mod:`sim.model.mechanisms.review_pace`).
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from ..scenario.schema import Caseworkers as CaseworkerParams
from .capacity import Places
from .records import Records


class Caseworkers:
    """Caseworker count, investigation slots and the caseload of open cases."""

    def __init__(
        self,
        env: simpy.Environment,
        records: Records,
        params: CaseworkerParams,
        open_cases: Callable[[], int],
    ):
        self.env = env
        self.records = records
        self.open_cases = open_cases
        """Open cases now (from the register)."""
        self.per_worker = params.investigations_per_worker.value
        self.count = params.count.value
        self.slots = Places(env, self._slots(self.count), "investigations")
        records.capacity["investigations"] = self.slots.history
        records.caseworkers.append((env.now, self.count))

    def _slots(self, count: float) -> int:
        return int(round(count * self.per_worker))

    def set_count(self, count: float) -> None:
        """Hire or let go: from now on ``count`` caseworkers."""
        self.count = count
        self.slots.resize(self._slots(count))
        self.records.caseworkers.append((self.env.now, count))

    def caseload(self) -> float:
        """Open cases per caseworker now."""
        return self.open_cases() / self.count
