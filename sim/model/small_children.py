"""Small-children support and special institutions: the accounts' fifth level, as a simple stock.

This level (57 persons at 434,000 kr per person-year in 2017) is not part of
the notification flow the model studies, but planners compare totals with
the accounts. It is carried as a stock in steady state: children arrive at
the rate that keeps ``persons_at_start`` on average and stay a gamma
distributed time, so its persons, full-year persons and spend are counted
like any other level.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from .calendar import DAYS_PER_YEAR
from .distributions import age_in_bands, elapsed_and_remaining, gamma_days
from .notification import poisson_arrivals
from .steps import Steps

if TYPE_CHECKING:
    from .child import Child
    from .wiring import Model

STATE = "small_children_special"


class SmallChildrenSpecial:
    """The stock, its arrivals and its stays."""

    def __init__(self, model: Model):
        self.model = model
        self.params = model.scenario.small_children_special
        self.ages = model.scenario.age.at_first_contact.bands()
        persons = self.params.persons_at_start.value
        mean, cv = self.params.duration_days.value, self.params.duration_cv.value
        for _ in range(persons):
            child = self._child("initial_small_children")
            elapsed, remaining = elapsed_and_remaining(child.rng, mean, cv)
            model.set_state(child, STATE)
            model.env.process(self._stay(child, elapsed, remaining))
        rate = Steps.of([(0.0, persons * DAYS_PER_YEAR / mean)])
        model.env.process(poisson_arrivals(
            model.env, rate, model.streams.stream("small_children.arrivals"), self._arrive
        ))

    def _child(self, route: str) -> Child:
        child = self.model.new_child(route, lambda rng: age_in_bands(rng, self.ages))
        child.move_away_day = float("inf")
        return child

    def _arrive(self) -> None:
        child = self._child("small_children")
        remaining = gamma_days(child.rng, self.params.duration_days.value, self.params.duration_cv.value)
        self.model.env.process(self._stay(child, 0.0, remaining))

    def _stay(self, child: Child, elapsed: float, remaining: float) -> Generator[simpy.Event, None, None]:
        model = self.model
        model.set_state(child, STATE)
        spell = model.records.open_spell(child.id, STATE, "external", model.env.now - elapsed)
        yield model.env.timeout(remaining)
        model.records.close_spell(spell, model.env.now, "closed")
        model.exit(child, "closed")
