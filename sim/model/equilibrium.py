"""A municipality that stands still: the children found in need each year, from the stock of the start date.

A municipality publishes the children in care on a date (per level of the
accounts) and the notifications of a year, but not how many children are
found in need each year, nor how many of the reports are about children who
need nothing of the authority. Left as free assumptions, those rates would
contradict the published stock and the run would drift from its first day.
So they are derived, so that the start date is the municipality's own
steady state under its own assumptions (durations, shares, the threshold at
its caseload of the day):

1. A **probe** runs the model's own flow (the same assessment, investigation,
   ladder, measures and mechanisms) for a cohort of children of each need,
   and a cohort of reports about children without need, at the caseload of
   the start date held fixed, with capacity to spare, until every child has
   left. It measures what one arrival of each kind adds to each level:
   person-years of preventive measures, measure-years of home-based
   measures, person-years of placement, and notifications.
2. By Little's law a level's stock is the arrivals per year times the years
   each adds, so ``stock = probe x arrivals``: four published figures
   (preventive persons, home-based measures, placed children, notifications)
   and four unknown rates. Solving gives the rates.
3. A rate below zero means the assumptions contradict the published stock
   (say, step-ups alone would fill more placements than are published); the
   scenario is refused with the arithmetic.

The probe is the model measuring itself, so a change to the flow changes the
derivation with it. Its random numbers come from a fixed seed, so a
scenario always derives the same rates, and two scenarios that differ only
in decisions after the start date derive the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy
from scipy.optimize import nnls

from ..errors import Problem
from ..measures import HOME_BASED, IN_NEED, NEEDS, PLACEMENT_TYPES
from ..scenario import Scenario
from ..scenario.quantities import parse_band
from . import mechanisms
from .assessment import Assessment
from .calendar import DAYS_PER_YEAR, Calendar
from .capacity import Places
from .child import Child
from .initial_stock import start_caseload
from .investigation import Investigations
from .ladder import Ladder
from .need import Need
from .notification import Notifications
from .placement import PlacementSupply
from .records import Records
from .register import AgeDraw, Register
from .services import HomeBasedSupport
from .steps import Schedules, Steps
from .streams import SeededStreams

PROBE_CHILDREN = 1500
"""Children of each kind in the probe: the rates come out within a few per cent."""
PROBE_SEED = 20170101
"""The probe's own seed: the same scenario always derives the same rates."""
AMPLE = 10**6
"""Places at every in-house service and investigation slots in the probe: no child waits."""

STOCKS = ("preventive", "home_based", "placement", "notifications")
"""What the probe measures per arrival, and the published figures the rates are solved against."""


@dataclass(frozen=True)
class SteadyState:
    """The rates at which the start date is the municipality's steady state, and how they were found."""

    found_per_year: dict[str, float]
    """Children found in need per year at the start, by need."""
    reports_without_need_per_year: float
    """Notified children without need per year at the start."""
    per_arrival: dict[str, dict[str, float]]
    """Kind of arrival (a need, or none) -> what one arrival adds: person-years of preventive measures,
    measure-years of home-based measures, person-years of placement, notifications."""
    investigated_needs: dict[str, float]
    """Shares of the needs of the children under investigation in the steady state."""
    unmet_at_start: dict[str, float]
    """Children in need on the start date, screened out before it, by need: they may be reported again."""
    placement_mix: dict[str, dict[str, float]]
    """Age band -> placement type -> share: the scenario's mix, each type scaled so that its placements, as
    long as they last, hold the published stock by type."""
    caseload: float
    """The caseload of the start date, at which the probe ran."""
    targets: dict[str, float]
    """The published stock and notifications solved against."""
    contradictions: tuple[tuple[str, str], ...] = ()
    """(parameter path, why) of each published figure the assumptions cannot hold still; empty when they
    can. The rates are then the nearest steady state with none below zero."""

    @property
    def arrivals(self) -> dict[str, float]:
        """Arrivals per year by kind (a need, or none for reports without need)."""
        return {**self.found_per_year, "none": self.reports_without_need_per_year}

    def found_per_1000(self, children: float) -> dict[str, float]:
        """Children found in need per year per 1,000 of ``children`` (the municipality's), by need."""
        return {need: 1000.0 * rate / max(children, 1.0) for need, rate in self.found_per_year.items()}


class _Frozen(Schedules):
    """Every time-varying parameter held at its value on the start date, without trend."""

    def yearly(self, path: str, growth: float) -> Steps:
        return super().yearly(path, 0.0)

    def settings(self, path: str) -> list[tuple[dt.date, float]]:
        return [(self.scenario.scenario.start_date, self.scenario.at_start(path))]


class _Register(Register):
    """The probe's register, noting which arrival each child descends from.

    A child reported again after being screened out counts for the arrival it was.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.origin: dict[int, str] = {}

    def new_child(self, route: str, age: AgeDraw, need: str = "none", key: tuple[str, int] | None = None
                  ) -> Child:
        child = super().new_child(route, age, need, key)
        parent = key[1] if key is not None and key[0] == "renotified" else None
        self.origin[child.id] = self.origin[parent] if parent is not None else need
        return child


def _ample(scenario: Scenario) -> Any:
    """The scenario's in-house services with places to spare."""
    return scenario.services.model_copy(update={
        name: service.model_copy(update={"places": service.places.model_copy(update={"value": AMPLE})})
        for name, service in scenario.services
    })


@dataclass(frozen=True)
class Probe:
    """What the probe measured, per arrival of each kind (a need, or none)."""

    per_arrival: dict[str, dict[str, float]]
    """Kind -> person-years of preventive measures, measure-years of home-based measures, person-years of
    placement, notifications."""
    investigations: dict[str, float]
    """Kind -> investigations."""
    placements: dict[str, dict[str, float]]
    """Kind -> placements begun, by the age band of the placement mix the child was in."""
    placement_years: dict[str, dict[str, float]]
    """Placement type -> mean years of one placement of it, by age band (missing where none began)."""
    unmet_years: dict[str, dict[str, float]]
    """Kind -> years children spent screened out while in need, by their need then."""
    caseload: float
    """The caseload of the start date, held through the probe."""


def probe(scenario: Scenario) -> Probe:
    """Run the model's flow for a cohort of each kind of arrival, at the start's caseload, until all left."""
    calendar = Calendar(scenario.scenario.start_date, 1)
    env, records, streams = simpy.Environment(), Records(), SeededStreams(PROBE_SEED)
    schedules = _Frozen(scenario, calendar)
    caseload = start_caseload(scenario)
    built = mechanisms.build(scenario, {"caseload": lambda: caseload}, schedules)
    support = HomeBasedSupport(env, records, scenario.home_based, _ample(scenario),
                               built["external_purchase"])
    register = _Register(env, streams, records, scenario.exits, when_leaving=support.end_all)
    ladder: list[Ladder] = []

    def start(child: Child, step: str) -> object:
        return ladder[0].start(child, step)

    ages = scenario.age.at_first_contact.bands()
    notifications = Notifications(env, register, records, streams, scenario.notification, ages, float("inf"),
                                  start)
    need = Need(env, register, scenario.need, built["detection"], built["reform"],
                schedules.of("reporting.intensity"), notifications, ages, start)
    supply = PlacementSupply(env, {}, scenario.placement, built["foster_substitution"])
    ladder.append(Ladder(
        env, register, records,
        Assessment(env, register, scenario.assessment, built["threshold"], need.unmet),
        Investigations(env, register, records, scenario.investigation, Places(env, AMPLE, "investigations"),
                       built["threshold"], need.unmet),
        support, supply, built["review_pace"], built["reform"], scenario.preventive, scenario.home_based,
        scenario.placement,
    ))
    choices = streams.stream("probe.route")
    for number in range(PROBE_CHILDREN):
        notifications.arrive_without_need(number)
        for kind in IN_NEED:
            need.found(kind, number, float(choices.random()))
    env.run()
    records.finish()
    origin = register.origin
    placed = _placements(records, origin, supply)
    return Probe(
        per_arrival=_per_arrival(records, origin),
        investigations=_investigated(records, origin),
        placements={kind: (placed[placed["kind"] == kind].groupby("band").size() / PROBE_CHILDREN).to_dict()
                    for kind in NEEDS},
        placement_years={kind: rows.groupby("band")["years"].mean().to_dict()
                         for kind, rows in placed.groupby("measure")},
        unmet_years=_unmet(records, origin),
        caseload=caseload,
    )


def _band_name(low: int, high: int) -> str:
    return f"{low}-{high}"


def _placements(records: Records, origin: dict[int, str], supply: PlacementSupply) -> pd.DataFrame:
    """Every placement the probe began: its kind of arrival, type, the child's age band and its years."""
    spells = records.table("spells")
    placed = spells[spells["measure"].isin(PLACEMENT_TYPES)]
    children = records.table("children").set_index("child_id")
    age = (children.loc[placed["child_id"], "age_at_entry"].to_numpy()
           + (placed["start_day"].to_numpy() - children.loc[placed["child_id"], "entered_day"].to_numpy())
           / DAYS_PER_YEAR)
    bands = [next((b for b in supply.bands if a < b[1] + 1), supply.bands[-1]) for a in age]
    return placed.assign(kind=placed["child_id"].map(origin), band=[_band_name(b[0], b[1]) for b in bands],
                         years=(placed["end_day"] - placed["start_day"]) / DAYS_PER_YEAR)


def _per_arrival(records: Records, origin: dict[int, str]) -> dict[str, dict[str, float]]:
    spells = records.table("spells")
    spells = spells.assign(kind=spells["child_id"].map(origin),
                           years=(spells["end_day"] - spells["start_day"]) / DAYS_PER_YEAR)
    level = spells["measure"].map({"preventive": "preventive", **{m: "home_based" for m in HOME_BASED},
                                   **{t: "placement" for t in PLACEMENT_TYPES}})
    added = spells.groupby([spells["kind"], level])["years"].sum()
    notes = records.table("notifications")["child_id"].map(origin).value_counts()
    return {kind: {**{stock: float(added.get((kind, stock), 0.0)) / PROBE_CHILDREN for stock in STOCKS[:3]},
                   "notifications": float(notes.get(kind, 0)) / PROBE_CHILDREN}
            for kind in NEEDS}


def _unmet(records: Records, origin: dict[int, str]) -> dict[str, dict[str, float]]:
    """Years screened out while in need per arrival of each kind, by the need then."""
    unmet = records.table("unmet")
    unmet = unmet.assign(kind=unmet["child_id"].map(origin),
                         years=(unmet["ended_day"] - unmet["screened_day"]) / DAYS_PER_YEAR)
    summed = unmet.groupby(["kind", "need"])["years"].sum() / PROBE_CHILDREN
    return {kind: {need: float(summed.get((kind, need), 0.0)) for need in IN_NEED} for kind in NEEDS}


def _investigated(records: Records, origin: dict[int, str]) -> dict[str, float]:
    """Investigations per arrival of each kind."""
    counts = records.table("investigations")["child_id"].map(origin).value_counts()
    return {kind: float(counts.get(kind, 0)) / PROBE_CHILDREN for kind in NEEDS}


def targets(scenario: Scenario) -> dict[str, float]:
    """The published figures the rates are solved against."""
    initial = scenario.initial
    return {
        "preventive": float(initial.preventive.value),
        "home_based": float(initial.home_based_measures.value),
        "placement": float(sum(getattr(initial.placements, kind).value for kind in PLACEMENT_TYPES)),
        "notifications": float(scenario.notification.per_year.value),
    }


def derive(scenario: Scenario) -> SteadyState:
    """The steady state of ``scenario``, derived once per scenario and process.

    Where the assumptions contradict the published figures it is the nearest
    steady state with no rate below zero, and :func:`problems` says why; a run
    of a scenario a user gave is refused then (:func:`problems`), while a
    scenario drawn from the ranges (Monte Carlo, sensitivity) runs with it.
    """
    key = _as_at_start(scenario)
    if key not in _DERIVED:
        _DERIVED[key] = solve(scenario)
    return _DERIVED[key]


def derived_from_text(text: str) -> tuple[str, SteadyState]:
    """(fingerprint, steady state) of a scenario given as JSON: the task an ensemble sends a worker.

    An ensemble on many workers derives each scenario's steady state once,
    on one worker, and sends it with every batch of the scenario
    (:func:`remember`), rather than letting each worker derive every
    scenario it meets (about a second each).
    """
    scenario = Scenario.model_validate_json(text)
    return fingerprint(scenario), derive(scenario)


def remember(key: str, state: SteadyState) -> None:
    """Keep ``state`` as derived for the scenarios of fingerprint ``key`` in this process."""
    _DERIVED.setdefault(key, state)


def fingerprint(scenario: Scenario) -> str:
    """The key under which the steady state of ``scenario`` is derived once per process."""
    return _as_at_start(scenario)


def _as_at_start(scenario: Scenario) -> str:
    """A fingerprint of what the derivation reads: the scenario as it stands on its start date.

    Scenarios that differ only in what the probe does not read (names, prices,
    foster family pools and in-house places it does without, trends, the
    small-children stock, decisions after the start) derive the same steady
    state, once: the variants of an experiment, and the points of a
    sensitivity design that vary prices.
    """
    start = scenario.scenario.start_date
    data = scenario.model_dump(mode="json")
    data["scenario"] = {"start_date": data["scenario"]["start_date"]}
    data["timeline"] = [change for change in data["timeline"] if change["date"] <= start.isoformat()
                        and not set(change["path"].split(".")) & NOT_PROBED]
    return hashlib.sha256(json.dumps(_without(data), sort_keys=True).encode("utf-8")).hexdigest()


NOT_PROBED = frozenset({
    "price_per_year", "price_per_place_year", "salary_per_year", "overhead_share", "price_drift_per_year",
    "prices", "pool", "places", "external_after_days", "growth_per_year", "small_children_special",
    "population",
})
"""Names of the fields and sections the probe does not read (it runs without pools, queues, prices or
trends), so that a change of them alone needs no new derivation."""


def _without(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without(value) for key, value in node.items() if key not in NOT_PROBED}
    if isinstance(node, list):
        return [_without(value) for value in node]
    return node


def problems(scenario: Scenario, where: str = "") -> list[Problem]:
    """Why the scenario's assumptions cannot hold its published stock still (empty when they can)."""
    return [Problem(where or scenario.name, path, message)
            for path, message in derive(scenario).contradictions]


_DERIVED: dict[str, SteadyState] = {}


def solve(scenario: Scenario) -> SteadyState:
    """Probe ``scenario`` and solve for its steady state, every time (:func:`derive` keeps what it found)."""
    measured = probe(scenario)
    goal = targets(scenario)
    placed = {kind: float(getattr(scenario.initial.placements, kind).value) for kind in PLACEMENT_TYPES}
    mix = {_band_name(*parse_band(band)): {kind: shares.share(kind) for kind in PLACEMENT_TYPES}
           for band, shares in scenario.placement.mix_by_age.value.items()}
    contradictions = [("placement.mix_by_age", f"children are placed in {kind} on the start date "
                       f"({placed[kind]:.0f}) but the mix decides no placement of that type, so none "
                       "would stay")
                      for kind in PLACEMENT_TYPES if placed[kind] > 0
                      and not any(mix[band][kind] > 0 and band in measured.placement_years.get(kind, {})
                                  for band in mix)]
    derived = mix
    for _ in range(MIX_ROUNDS):
        per_arrival = _with_mix(measured, mix, derived)
        rates, unmet = _rates(per_arrival, goal)
        derived = _mix_holding(measured, mix, rates, placed)
    return _steady(measured, per_arrival, rates, derived, goal, tuple(contradictions + unmet))


MIX_ROUNDS = 4
"""Rounds of rates -> placement mix -> rates; the mix settles within three."""


def _with_mix(measured: Probe, probed: dict[str, dict[str, float]], mix: dict[str, dict[str, float]]
              ) -> dict[str, dict[str, float]]:
    """The probe's figures per arrival, with the placement years of ``mix`` for those of its own mix."""
    def years(shares: dict[str, dict[str, float]], kind: str) -> float:
        return sum(count * sum(shares[band][t] * measured.placement_years.get(t, {}).get(band, 0.0)
                               for t in PLACEMENT_TYPES)
                   for band, count in measured.placements[kind].items())

    return {kind: {**values, "placement": values["placement"] + years(mix, kind) - years(probed, kind)}
            for kind, values in measured.per_arrival.items()}


def _rates(per_arrival: dict[str, dict[str, float]], goal: dict[str, float]
           ) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """Arrivals per year of each kind nearest to holding the published figures, none below zero.

    Also the figures they cannot hold, with the arithmetic of why.
    """
    kinds = [*IN_NEED, "none"]
    matrix = np.array([[per_arrival[kind][stock] for kind in kinds] for stock in STOCKS])
    wanted = np.array([goal[stock] for stock in STOCKS])
    solved, _ = nnls(matrix, wanted)
    rates = dict(zip(kinds, (float(rate) for rate in solved), strict=True))
    held = matrix @ solved
    if all(abs(h - w) <= HELD * w for h, w in zip(held, wanted, strict=True)):
        return rates, []
    exact = dict(zip(kinds, np.linalg.lstsq(matrix, wanted, rcond=None)[0], strict=True))
    return rates, [("need", _arithmetic(kind, per_arrival, goal, exact)) for kind in kinds if exact[kind] < 0]


HELD = 0.02
"""How near the steady state must come to each published figure (2%); further is a contradiction."""


def _mix_holding(measured: Probe, mix: dict[str, dict[str, float]], rates: dict[str, float],
                 placed: dict[str, float]) -> dict[str, dict[str, float]]:
    """The placement mix whose placements, lasting as the probe found, hold the published stock by type.

    Each type's share in every age band is scaled by one factor, the bands'
    shares kept summing to one; the factors are found by scaling each by the
    published stock over the stock it would hold, until they agree. A band
    whose types all have no published stock (their factors fall to zero)
    keeps its own mix: it still places the children who need it.
    """
    begun = {band: sum(rates[kind] * measured.placements[kind].get(band, 0.0) for kind in rates)
             for band in mix}
    factor = dict.fromkeys(PLACEMENT_TYPES, 1.0)
    derived = mix
    for _ in range(FACTOR_ROUNDS):
        derived = {band: _normalised({t: factor[t] * mix[band][t] for t in PLACEMENT_TYPES}, mix[band])
                   for band in mix}
        held = {t: sum(begun[band] * derived[band][t] * measured.placement_years.get(t, {}).get(band, 0.0)
                       for band in mix) for t in PLACEMENT_TYPES}
        factor = {t: factor[t] * (placed[t] / held[t] if held[t] > 0 else 1.0) for t in PLACEMENT_TYPES}
    return derived


FACTOR_ROUNDS = 50


def _normalised(shares: dict[str, float], otherwise: dict[str, float]) -> dict[str, float]:
    """``shares`` scaled to sum to one; ``otherwise`` when they are all zero."""
    total = sum(shares.values())
    return {kind: share / total for kind, share in shares.items()} if total > 0 else otherwise


def _steady(measured: Probe, per_arrival: dict[str, dict[str, float]], rates: dict[str, float],
            mix: dict[str, dict[str, float]], goal: dict[str, float],
            contradictions: tuple[tuple[str, str], ...]) -> SteadyState:
    weights = {kind: rates[kind] * measured.investigations[kind] for kind in rates}
    total = sum(weights.values())
    return SteadyState(
        found_per_year={kind: rates[kind] for kind in IN_NEED},
        reports_without_need_per_year=rates["none"],
        per_arrival=per_arrival,
        investigated_needs={kind: w / total for kind, w in weights.items()} if total > 0 else
        {kind: 1.0 / len(weights) for kind in weights},
        unmet_at_start={need: sum(rates[kind] * measured.unmet_years[kind][need] for kind in rates)
                        for need in IN_NEED},
        placement_mix=mix,
        caseload=measured.caseload,
        targets=goal,
        contradictions=contradictions,
    )


def _arithmetic(kind: str, per_arrival: dict[str, dict[str, float]], goal: dict[str, float],
                rates: dict[str, float]) -> str:
    """Why the rate of ``kind`` comes out negative, as the sums that show it."""
    what = "reports about children without need" if kind == "none" else f"children found needing {kind}"
    lines = []
    for stock in STOCKS:
        others = sum(rates[k] * per_arrival[k][stock] for k in rates if k != kind and rates[k] > 0)
        if others > (1 + HELD) * goal[stock]:
            lines.append(f"the other arrivals alone add {others:,.0f} to {stock.replace('_', '-')} "
                         f"against the published {goal[stock]:,.0f}")
    reason = "; ".join(lines) or "the published figures are not a mix of what the arrivals add"
    return (f"the published stock and notifications cannot be a steady state of these assumptions: {what} "
            f"would be {rates[kind]:,.1f} a year, below zero ({reason}); lengthen the measures or lower the "
            f"step-ups and shares that fill the fuller level")
