"""Small-children support and special institutions: the accounts' fifth level, as a simple stock.

This level (57 persons at 434,000 kr per person-year in 2017) is not part of
the notification flow the model studies, but planners compare totals with
the accounts. It is carried as a stock in steady state: children arrive at
the rate that keeps ``persons_at_start`` on average and stay a gamma
distributed time, so its persons, full-year persons and spend are counted
like any other level.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import simpy

from ..scenario.schema import SmallChildrenSpecial as SmallChildrenParams
from .calendar import DAYS_PER_YEAR
from .child import Child
from .distributions import age_in_bands, elapsed_and_remaining, gamma_days
from .notification import poisson_arrivals
from .records import Records
from .register import Register
from .steps import Steps
from .streams import Streams

STATE = "small_children_special"


class SmallChildrenSpecial:
    """The stock, its arrivals and its stays."""

    def __init__(
        self,
        env: simpy.Environment,
        register: Register,
        records: Records,
        streams: Streams,
        params: SmallChildrenParams,
        ages: Sequence[tuple[int, int, float]],
    ):
        self.env = env
        self.register = register
        self.records = records
        self.params = params
        self.ages = ages
        persons = params.persons_at_start.value
        mean, cv = params.duration_days.value, params.duration_cv.value
        for _ in range(persons):
            child = self._child("initial_small_children")
            elapsed, remaining = elapsed_and_remaining(child.rng, mean, cv)
            register.set_state(child, STATE)
            env.process(self._stay(child, elapsed, remaining))
        rate = Steps.of([(0.0, persons * DAYS_PER_YEAR / mean)])
        env.process(poisson_arrivals(env, rate, streams.stream("small_children.arrivals"), self._arrive))

    def _child(self, route: str) -> Child:
        child = self.register.new_child(route, lambda rng: age_in_bands(rng, self.ages))
        child.move_away_day = float("inf")
        return child

    def _arrive(self) -> None:
        child = self._child("small_children")
        remaining = gamma_days(child.rng, self.params.duration_days.value, self.params.duration_cv.value)
        self.env.process(self._stay(child, 0.0, remaining))

    def _stay(self, child: Child, elapsed: float, remaining: float) -> Generator[simpy.Event, None, None]:
        register, records = self.register, self.records
        register.set_state(child, STATE)
        spell = records.open_spell(child.id, STATE, "external", self.env.now - elapsed)
        yield self.env.timeout(remaining)
        records.close_spell(spell, self.env.now, "closed")
        register.exit(child, "closed")
