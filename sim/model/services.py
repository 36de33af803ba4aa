"""Home-based measures and the in-house services that deliver some of them.

A child at home gets one or more home-based measures (family treatment,
contact person, relief care, day treatment). Family treatment is delivered
by the in-house Familiehus and contact persons by the in-house DUT team when
a place is free. Each service is a SimPy resource with a fixed number of
places and a waitlist (its queue); the policy ``external_after_days`` decides
how long a child waits before the municipality buys the same measure from an
external provider at the external price. Measures without an in-house
service are bought at once.

How long a child waits before the measure is bought is the mechanism
:mod:`sim.model.mechanisms.external_purchase`. A measure's need runs from
the day it starts; it ends at the first review after its need has passed
(:mod:`sim.model.mechanisms.review_pace`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import simpy

from ..measures import HOME_BASED
from ..scenario.schema import HomeBased, Service, Services
from .capacity import Places
from .distributions import Choice, gamma_days, gamma_days_each
from .mechanisms.external_purchase import ExternalPurchase
from .records import INF, Records

if TYPE_CHECKING:
    from .child import Child

MAX_MEASURES = 4


@dataclass(eq=False, slots=True)
class Measure:
    """One home-based measure of one child: requested, running, or ended."""

    child: Child
    kind: str
    service: InHouseService | None
    spell_id: int = -1
    need_end: float = INF
    request: simpy.Event | None = None
    wait_id: int = -1
    ended: bool = False

    @property
    def running(self) -> bool:
        """Started and not ended."""
        return self.spell_id >= 0 and not self.ended


class InHouseService:
    """Familiehus or DUT: places, a waitlist, and external purchase when the wait is too long."""

    def __init__(
        self,
        env: simpy.Environment,
        records: Records,
        name: str,
        params: Service,
        purchase: ExternalPurchase,
        start: Callable[[Measure, str], None],
    ):
        self.env = env
        self.records = records
        self.name = name
        self.measure = params.measure
        self.places = Places(env, params.places.value, name)
        records.capacity[name] = self.places.history
        self.purchase = purchase
        self.start = start
        """Starts a measure with a provider (the home-based support's own start)."""

    def request(self, measure: Measure) -> None:
        """Ask for a place; start in-house now, or wait, or buy externally."""
        now = self.env.now
        measure.wait_id = self.records.open_wait(measure.child.id, self.name, measure.kind, now)
        measure.request = request = self.places.request()
        if request.triggered:
            self._start(measure, "in_house")
            return
        patience = self.purchase.after_days(self.name, now)
        if patience <= 0:
            self._buy_externally(measure)
            return
        request.callbacks.append(partial(self._granted, measure))
        if patience < float("inf"):
            self.env.timeout(patience).callbacks.append(partial(self._patience_over, measure))

    def _granted(self, measure: Measure, _event: simpy.Event) -> None:
        if not measure.ended and measure.spell_id < 0:
            self._start(measure, "in_house")

    def _patience_over(self, measure: Measure, _event: simpy.Event) -> None:
        granted = measure.request is not None and measure.request.triggered
        if not measure.ended and measure.spell_id < 0 and not granted:
            self._buy_externally(measure)

    def _buy_externally(self, measure: Measure) -> None:
        measure.request.cancel()
        measure.request = None
        self._start(measure, "external")

    def _start(self, measure: Measure, provider: str) -> None:
        self.records.close_wait(measure.wait_id, self.env.now, provider)
        self.start(measure, provider)

    def withdraw(self, measure: Measure) -> None:
        """The child no longer needs the place it waits for (or holds)."""
        request = measure.request
        if request is None:
            return
        if request.triggered:
            self.places.release(request)
        else:
            request.cancel()
        if measure.spell_id < 0:
            self.records.close_wait(measure.wait_id, self.env.now, "withdrawn")
        measure.request = None


class HomeBasedSupport:
    """Starts, resumes and ends the home-based measures of children at home."""

    def __init__(
        self,
        env: simpy.Environment,
        records: Records,
        params: HomeBased,
        services: Services,
        purchase: ExternalPurchase,
    ):
        self.env = env
        self.records = records
        self.mix = [params.mix.share(kind) for kind in HOME_BASED]
        self.extra_measures = params.measures_per_child.value - 1.0
        self.cv = params.duration_cv.value
        self._choice_of: dict[tuple[str, ...], Choice | None] = {}
        self.duration = {kind: getattr(params, kind).duration_days.value for kind in HOME_BASED}
        self.services = {
            service.measure: InHouseService(env, records, name, service, purchase, self.start)
            for name, service in services
        }

    def draw_kinds(self, rng: np.random.Generator) -> list[str]:
        """Which measures a child gets: 1 + Poisson more, distinct, drawn by the scenario's mix."""
        wanted = min(1 + int(rng.poisson(self.extra_measures)), MAX_MEASURES)
        kinds: list[str] = []
        while len(kinds) < wanted:
            choice = self._choices(tuple(kinds))
            if choice is None:
                break
            kinds.append(choice.draw(rng))
        return kinds

    def draw_sets(self, rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
        """``count`` sets of measures as :meth:`draw_kinds` draws one, each with the need of every measure.

        Returns the measures (indices into ``HOME_BASED``, -1 past a set's
        last) and their needs in days (NaN past the last), one row per set.
        The measures of a set are drawn in one go by ordering exponential
        keys over the mix's weights (Efraimidis and Spirakis 2006), which
        gives the same distribution as drawing them one at a time with the
        weights of those left: the initial stock draws 64 candidate sets per
        child.
        """
        weights = np.array(self.mix)
        wanted = np.minimum(1 + rng.poisson(self.extra_measures, count), MAX_MEASURES)
        keys = np.log(rng.exponential(1.0, (count, len(HOME_BASED))))  # in logs: a tiny weight gives no inf
        keys = np.subtract(keys, np.log(weights, out=np.zeros_like(weights), where=weights > 0),
                           out=np.full_like(keys, np.inf), where=weights > 0)
        order = np.argsort(keys, axis=1, kind="stable")[:, :MAX_MEASURES]
        taken = np.arange(order.shape[1]) < np.minimum(wanted, np.count_nonzero(weights > 0))[:, np.newaxis]
        means = np.array([self.duration[kind] for kind in HOME_BASED])[order]
        needs = gamma_days_each(rng, means, self.cv, order.shape)
        return np.where(taken, order, -1), np.where(taken, needs, np.nan)

    def _choices(self, chosen: tuple[str, ...]) -> Choice | None:
        """The draw of one more measure beside those ``chosen``, by the mix of the others (None if none left).

        Made once per set of measures already chosen and kept: a replication draws measures tens of
        thousands of times (the stock's candidate rounds most), from at most 2^4 different mixes.
        """
        if chosen in self._choice_of:
            return self._choice_of[chosen]
        weights = [0.0 if kind in chosen else share for kind, share in zip(HOME_BASED, self.mix, strict=True)]
        total = sum(weights)
        choice = Choice(HOME_BASED, [w / total for w in weights]) if total > 0 else None
        self._choice_of[chosen] = choice
        return choice

    def start_new(self, child: Child) -> None:
        """Give a child a new set of home-based measures."""
        for kind in self.draw_kinds(child.rng):
            measure = Measure(child, kind, self.services.get(kind))
            child.home_measures.append(measure)
            if measure.service is None:
                self.start(measure, "external")
            else:
                measure.service.request(measure)

    def start(self, measure: Measure, provider: str) -> None:
        """The measure begins now with ``provider``; its need is drawn from now."""
        now = self.env.now
        measure.spell_id = self.records.open_spell(measure.child.id, measure.kind, provider, now)
        measure.need_end = now + gamma_days(measure.child.rng, self.duration[measure.kind], self.cv)

    def resume(self, child: Child, kind: str, elapsed: float, remaining: float) -> None:
        """A measure of the initial stock, running since ``elapsed`` days before today."""
        now = self.env.now
        measure = Measure(child, kind, self.services.get(kind))
        provider = "external"
        if measure.service is not None and measure.service.places.free > 0:
            measure.request = measure.service.places.request()
            provider = "in_house"
        measure.spell_id = self.records.open_spell(child.id, kind, provider, now - elapsed)
        measure.need_end = now + remaining
        child.home_measures.append(measure)

    def end(self, measure: Measure, reason: str) -> None:
        """End one measure: its spell closes and an in-house place is freed."""
        measure.ended = True
        if measure.service is not None:
            measure.service.withdraw(measure)
        if measure.spell_id >= 0:
            self.records.close_spell(measure.spell_id, self.env.now, reason)

    def end_needs_met(self, child: Child) -> None:
        """At a review: end the running measures whose need has passed."""
        now = self.env.now
        for measure in [m for m in child.home_measures if m.running and m.need_end <= now]:
            self.end(measure, "ended")
            child.home_measures.remove(measure)

    def end_all(self, child: Child, reason: str) -> None:
        """End every measure of the child, running or waiting."""
        for measure in child.home_measures:
            self.end(measure, reason)
        child.home_measures.clear()
