"""Placement supply: which type a child is placed in, and whether a place is free.

The placement committee chooses a type by the child's age (the scenario's
``placement.mix_by_age``). Foster families (ordinary, network, municipal) are
finite pools: SimPy resources whose places are approved families, with
recruitment and losses. When no family of the wanted type is free, the
mechanism :mod:`sim.model.mechanisms.foster_substitution` decides how long
the child waits and which type it is placed in instead. Types without a
pool (institutions, residential homes, boarding schools, own room) are
bought per place at the year's price, without limit.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from ..measures import PLACEMENT_TYPES
from ..scenario.quantities import Mix, parse_band
from ..scenario.schema import FosterPool, InitialPlacements, Placement
from .calendar import DAYS_PER_MONTH
from .capacity import Places
from .child import wait_until
from .distributions import choose
from .mechanisms.foster_substitution import FosterSubstitution
from .records import Records
from .steps import Steps

if TYPE_CHECKING:
    from .child import Child

FAMILY_TYPES = ("foster_family", "network_foster_family", "municipal_foster_family")
"""The placements in a family, ordinary foster family first."""


@dataclass(frozen=True)
class Turnover:
    """How approved families stop: a free family at a yearly rate, a family whose placement ends by chance."""

    free_leaving_per_year: float
    leaving_after_placement: float

    @classmethod
    def of(cls, params: FosterPool) -> Turnover:
        """A pool's turnover as its scenario gives it."""
        return cls(params.free_leaving_per_year.value, params.leaving_after_placement.value)


class FamilyPool:
    """Approved foster families of one type: a resource whose size changes with recruitment."""

    def __init__(
        self,
        env: simpy.Environment,
        kind: str,
        families: int,
        turnover: Turnover,
        recruitment: Steps,
        rng: np.random.Generator,
    ):
        self.env = env
        self.kind = kind
        self.turnover = turnover
        self.families = Places(env, families, kind)
        """The approved families on the start date: those with a child of the stock and those free."""
        self.recruitment = recruitment
        """Families approved per year, as set on each day."""
        self.rng = rng
        env.process(self._recruit_and_lose())

    def _recruit_and_lose(self) -> Generator[simpy.Event, None, None]:
        """Each month: new families approved, and some free families stop."""
        leave = 1.0 - np.exp(-self.turnover.free_leaving_per_year / 12.0)
        while True:
            yield self.env.timeout(DAYS_PER_MONTH)
            recruited = int(self.rng.poisson(self.recruitment.at(self.env.now) / 12.0))
            leaving = int(self.rng.binomial(self.families.free, leave))
            if recruited or leaving:
                self.families.resize(self.families.capacity + recruited - leaving)

    def placement_ended(self, family: simpy.Event) -> None:
        """The child leaves its family; the family may stop.

        The family decides before its place is freed, so a family that stops
        is never handed to the next child in the queue.
        """
        if self.rng.random() < self.turnover.leaving_after_placement:
            self.families.resize(max(self.families.capacity - 1, 0))
        self.families.release(family)


def family_pools(
    env: simpy.Environment,
    records: Records,
    params: Placement,
    placed: InitialPlacements,
    recruitment: Callable[[str], Steps],
    stream: Callable[[str], np.random.Generator],
) -> dict[str, FamilyPool]:
    """A pool for each type with one, sized to hold the children placed in it on the start date.

    ``recruitment`` gives a type's families approved per year, ``stream`` a
    pool's random stream, each by the pool's name in the scenario.
    """
    pools = {}
    for kind in pool_types(params):
        pool = params.type(kind).pool
        pools[kind] = FamilyPool(
            env, kind, getattr(placed, kind).value + pool.free_at_start.value, Turnover.of(pool),
            recruitment(f"placement.{kind}.pool.recruited_per_year"), stream(f"placement.{kind}.pool"),
        )
        records.capacity[kind] = pools[kind].families.history
    return pools


def pool_types(params: Placement) -> tuple[str, ...]:
    """The placement types with a pool of families (the others are bought per place)."""
    return tuple(kind for kind in PLACEMENT_TYPES if params.type(kind).pool is not None)


class PlacementSupply:
    """Choosing a placement type and finding a place of it."""

    def __init__(
        self,
        env: simpy.Environment,
        pools: dict[str, FamilyPool],
        params: Placement,
        substitution: FosterSubstitution,
        mix: Mapping[str, Mapping[str, float]] | None = None,
    ):
        self.env = env
        self.pools = pools
        """The foster family pools by type; types without one are bought per place."""
        decided = params.mix_by_age.value if mix is None else {
            band: Mix(value=dict(shares), source="derived: the steady state of the start date")
            for band, shares in mix.items()
        }
        self.bands = sorted((*parse_band(band), shares) for band, shares in decided.items())
        """(first age, last age, mix) of each age band: the scenario's mix, or ``mix`` when given (the
        mix that holds the published stock by type still, :mod:`sim.model.equilibrium`)."""
        self.substitution = substitution

    def mix_for_age(self, age: float) -> Mix:
        """The placement mix of the age band ``age`` falls in (the oldest band from 18)."""
        for _, high, mix in self.bands:
            if age < high + 1:
                return mix
        return self.bands[-1][2]

    def choose_type(self, child: Child) -> str:
        """The type the placement committee decides for the child."""
        mix = self.mix_for_age(child.age(self.env.now))
        return choose(child.rng, PLACEMENT_TYPES, [mix.share(kind) for kind in PLACEMENT_TYPES])

    def choose_family_type(self, child: Child) -> str:
        """A foster family type for a child the committee decides to place in a family, by its age's mix."""
        mix = self.mix_for_age(child.age(self.env.now))
        shares = [mix.share(kind) for kind in FAMILY_TYPES]
        if sum(shares) <= 0:
            return FAMILY_TYPES[0]
        return choose(child.rng, FAMILY_TYPES, [share / sum(shares) for share in shares])

    def find_place(
        self, child: Child, wanted: str
    ) -> Generator[simpy.Event, object, tuple[str | None, simpy.Event | None]]:
        """Wait for a family of the wanted type, or fall back to its substitutes.

        Returns the type placed in and the family's request (None for types
        bought per place), or (None, None) when the child moves away or turns
        18 while waiting.
        """
        env, kind = self.env, wanted
        while kind in self.pools:
            request = self.pools[kind].families.request()
            if not request.triggered:
                give_up = min(env.now + self.substitution.wait_days(kind), child.leaves_day)
                yield request | wait_until(env, give_up)
            if request.triggered:
                return kind, request
            request.cancel()
            if env.now >= child.leaves_day:
                return None, None
            kind = self.substitution.substitute(kind)
        return kind, None

    def take_family(self, kind: str) -> simpy.Event | None:
        """A family for a child of the initial stock (the pool was sized to hold it)."""
        pool = self.pools.get(kind)
        return pool.families.request() if pool else None

    def leave(self, kind: str, family: simpy.Event | None) -> None:
        """The placement ends."""
        if family is not None:
            self.pools[kind].placement_ended(family)
