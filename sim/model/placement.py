"""Placement supply: which type a child is placed in, and whether a place is free.

The placement committee chooses a type by the child's age (the scenario's
``placement.mix_by_age``). Foster families (ordinary, network, municipal) are
finite pools: SimPy resources whose places are approved families, with
recruitment and losses. When no family of the wanted type is free, the child
waits up to the pool's ``wait_days`` and is then placed in the substitute
type at that type's price: this is how a shortage of foster families raises
spend. Types without a pool (institutions, residential homes, boarding
schools, own room) are bought per place at the year's price, without limit.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from ..measures import PLACEMENT_TYPES
from ..scenario.quantities import Mix, parse_band
from .capacity import Places
from .child import wait_until
from .distributions import choose

if TYPE_CHECKING:
    from ..scenario.schema import FosterPool
    from .child import Child
    from .wiring import Model

MONTH = 365.25 / 12


class FamilyPool:
    """Approved foster families of one type: a resource whose size changes with recruitment."""

    def __init__(self, model: Model, kind: str, params: FosterPool, placed_at_start: int):
        self.model = model
        self.kind = kind
        self.params = params
        self.families = Places(model.env, placed_at_start + params.free_at_start.value, kind)
        model.records.capacity[kind] = self.families.history
        self.recruitment = model.schedule(f"placement.{kind}.pool.recruited_per_year")
        self.rng = model.streams.stream(f"placement.{kind}.pool")
        model.env.process(self._recruit_and_lose())

    def _recruit_and_lose(self) -> Generator[simpy.Event, None, None]:
        """Each month: new families approved, and some free families stop."""
        leave = 1.0 - np.exp(-self.params.free_leaving_per_year.value / 12.0)
        while True:
            yield self.model.env.timeout(MONTH)
            recruited = int(self.rng.poisson(self.recruitment.at(self.model.env.now) / 12.0))
            leaving = int(self.rng.binomial(self.families.free, leave))
            if recruited or leaving:
                self.families.resize(self.families.capacity + recruited - leaving)

    def placement_ended(self, family: simpy.Event) -> None:
        """The child leaves its family; the family may stop.

        The family decides before its place is freed, so a family that stops
        is never handed to the next child in the queue.
        """
        if self.rng.random() < self.params.leaving_after_placement.value:
            self.families.resize(max(self.families.capacity - 1, 0))
        self.families.release(family)


class PlacementSupply:
    """Choosing a placement type and finding a place of it."""

    def __init__(self, model: Model):
        self.model = model
        params = model.scenario.placement
        self.params = params
        self.bands = sorted(
            (*parse_band(band), mix) for band, mix in params.mix_by_age.value.items()
        )
        self.substitutes = params.substitutes.value
        placed = model.scenario.initial.placements
        self.pools = {
            kind: FamilyPool(model, kind, params.type(kind).pool, getattr(placed, kind).value)
            for kind in PLACEMENT_TYPES
            if params.type(kind).pool is not None
        }

    def mix_for_age(self, age: float) -> Mix:
        """The placement mix of the age band ``age`` falls in (the oldest band from 18)."""
        for _, high, mix in self.bands:
            if age < high + 1:
                return mix
        return self.bands[-1][2]

    def choose_type(self, child: Child) -> str:
        """The type the placement committee decides for the child."""
        mix = self.mix_for_age(child.age(self.model.env.now))
        return choose(child.rng, PLACEMENT_TYPES, [mix.share(kind) for kind in PLACEMENT_TYPES])

    def find_place(
        self, child: Child, wanted: str
    ) -> Generator[simpy.Event, object, tuple[str | None, simpy.Event | None]]:
        """Wait for a family of the wanted type, or fall back to its substitutes.

        Returns the type placed in and the family's request (None for types
        bought per place), or (None, None) when the child moves away or turns
        18 while waiting.
        """
        env, kind = self.model.env, wanted
        while kind in self.pools:
            pool = self.pools[kind]
            request = pool.families.request()
            if not request.triggered:
                give_up = min(env.now + pool.params.wait_days.value, child.leaves_day)
                yield request | wait_until(env, give_up)
            if request.triggered:
                return kind, request
            request.cancel()
            if env.now >= child.leaves_day:
                return None, None
            kind = self.substitutes[kind]
        return kind, None

    def take_family(self, kind: str) -> simpy.Event | None:
        """A family for a child of the initial stock (the pool was sized to hold it)."""
        pool = self.pools.get(kind)
        return pool.families.request() if pool else None

    def leave(self, kind: str, family: simpy.Event | None) -> None:
        """The placement ends."""
        if family is not None:
            self.pools[kind].placement_ended(family)
