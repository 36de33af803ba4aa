"""The children already in the system on the start date.

A planner's scenario starts on a date with the children already in each
measure: the published persons at 31 December per level and placements by
type. Starting from empty would need decades of warm-up and would still not
match the municipality's own stock. Instead each child of the stock is drawn
as it would be seen at a random moment of a steady state:

- A spell seen in progress is length-biased: long spells are more likely to
  be under way on any given day. Preventive spells end when their need
  ends, so elapsed and remaining days come from the equilibrium
  distribution of the duration assumption
  (:func:`sim.model.distributions.elapsed_and_remaining`).
- Home-based measures and placements end only at a review (opfølgning), so
  what a stock child is seen in is a *round*: from the start of its measures
  to the first review after their needs have passed. A round's length is
  review-rounded; candidate rounds are drawn and one is picked in proportion
  to its length, at a uniform moment within it. That moment gives the
  elapsed days, the need still remaining (negative when the need has passed
  and the measure waits for its review) and where the case stands in its
  review cycle. A home-based round holds a set of measures drawn as for a
  new case; only those still running on the start date count toward the
  published number of home-based measures. This is what makes the number
  of children carrying those measures come out as in a steady state.
- Reviews are paced at the caseload of the start date, estimated from the
  stock before it is built.
- An age consistent with its rung: age at entry plus time elapsed; a young
  person past 18 in a home-based measure or placement is in after-care.

Investigations under way on the start date are taken to have been requested
a uniform part of one mean investigation ago and start their work afresh. No
warm-up period is simulated; ``docs/model.md`` says why, and
``tests/test_initial_stock.py`` checks that with steady inflow the counts of
the first years neither jump nor drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import numpy as np
import simpy

from ..measures import HOME_BASED, PLACEMENT_TYPES
from ..scenario import Scenario
from ..scenario.loading import CASEWORKERS_FOR_CASELOAD
from .calendar import DAYS_PER_YEAR
from .child import ADULT_AGE, Child
from .distributions import age_in_bands, choose, elapsed_and_remaining, gamma_days, gamma_days_each
from .ladder import Resume
from .mechanisms.external_purchase import ExternalPurchase
from .mechanisms.review_pace import ReviewPace
from .placement import PlacementSupply
from .records import Records
from .register import AgeDraw, Register
from .services import HomeBasedSupport

MAX_AGE_DRAWS = 100
"""Draws of a spell in progress and an age, of which the first a child still here can have is kept."""

T = TypeVar("T")


def build(
    scenario: Scenario,
    register: Register,
    support: HomeBasedSupport,
    supply: PlacementSupply,
    review_pace: ReviewPace,
    investigated_needs: Mapping[str, float],
    start_career: Callable[[Child, str, Resume], object],
) -> None:
    """Create the initial stock and start each child's career where it stands.

    The first reviews are paced at the caseload of the start date
    (:func:`start_caseload`); ``investigated_needs`` gives the shares of
    the needs of the children under investigation; ``start_career`` starts
    a child's career at a rung.
    """
    initial = scenario.initial
    ages = scenario.age.at_first_contact.bands()

    def entry_age(rng: np.random.Generator) -> float:
        return age_in_bands(rng, ages)

    stock: list[tuple[Child, str, str, Resume]] = []
    """(child, state on the start date, rung to start, where it stands)"""

    exits = scenario.exits

    def seen_in_progress(child: Child, age_at_entry: AgeDraw, after_care: bool,
                         draw: Callable[[], tuple[float, T]]) -> tuple[float, T]:
        """A spell in progress and the child's age drawn together, as they are for a child still here.

        A spell seen in progress is length-biased, but a child whose spell began
        long ago is less likely to be here still: it may have moved away, and
        past 18 only the share in after-care stays. So a drawn spell and age are
        kept with the chance that the child is still here, else drawn again.
        """
        limit = exits.after_care_until_age.value if after_care else ADULT_AGE
        for _ in range(MAX_AGE_DRAWS):
            elapsed, seen = draw()
            age = age_at_entry(child.rng) + elapsed / DAYS_PER_YEAR
            stays = np.exp(-exits.move_away_per_year.value * elapsed / DAYS_PER_YEAR)
            if age >= ADULT_AGE:
                stays *= exits.after_care_share.value if age < limit else 0.0
            if child.rng.random() < stays:
                break
        else:
            age = min(age, limit - 1.0 / DAYS_PER_YEAR)
        register.set_age(child, age)
        child.after_care = age >= ADULT_AGE
        return elapsed, seen

    needs = list(investigated_needs)
    work = scenario.investigation.work_days.value
    for _ in range(initial.investigations.value):
        child = register.new_child("initial_investigation", entry_age)
        child.need = choose(child.rng, needs, [investigated_needs[need] for need in needs])
        elapsed, _ = seen_in_progress(child, entry_age, False,
                                      lambda c=child: (work * float(c.rng.random()), None))
        stock.append((child, "awaiting_investigation", "investigation", Resume(elapsed=elapsed)))

    preventive = scenario.preventive
    for _ in range(initial.preventive.value):
        child = register.new_child("initial_preventive", entry_age)
        elapsed, remaining = seen_in_progress(child, entry_age, False, lambda c=child: elapsed_and_remaining(
            c.rng, preventive.duration_days.value, preventive.duration_cv.value))
        stock.append((child, "preventive", "preventive", Resume(elapsed=elapsed, remaining=remaining)))

    caseload = start_caseload(scenario)
    interval = {rung: review_pace.interval(rung, caseload) for rung in ("home_based", "placement")}
    measures_left = initial.home_based_measures.value
    while measures_left > 0:
        child = register.new_child("initial_home_based", entry_age)
        elapsed, (running, phase) = seen_in_progress(
            child, entry_age, True, lambda c=child: _home_based_round(c.rng, support, interval["home_based"]))
        running = running[:measures_left]
        measures_left -= len(running)
        for kind, remaining in running:
            support.resume(child, kind, elapsed, remaining)
        stock.append((child, "home_based", "home_based", Resume(review_phase=phase)))

    placement = scenario.placement
    for kind in PLACEMENT_TYPES:
        age_at_decision = _placement_age(ages, supply, kind)
        mean, cv = placement.type(kind).duration_days.value, placement.duration_cv.value

        def placement_round(child: Child, mean: float = mean, cv: float = cv) -> tuple[float, tuple]:
            needs = gamma_days_each(child.rng, mean, cv, CANDIDATE_ROUNDS)[:, np.newaxis]
            chosen, elapsed, phase = _round_in_progress(child.rng, needs, interval["placement"])
            return elapsed, (float(needs[chosen, 0]) - elapsed, phase)

        for _ in range(getattr(initial.placements, kind).value):
            child = register.new_child(f"initial_{kind}", age_at_decision)
            elapsed, (remaining, phase) = seen_in_progress(child, age_at_decision, True,
                                                           lambda c=child: placement_round(c))
            stock.append((child, "placement", "placement", Resume(
                elapsed=elapsed, remaining=remaining, review_phase=phase, kind=kind,
                family=supply.take_family(kind),
            )))

    # Every child is counted before any career starts, so the first reviews
    # are paced by the caseload of the whole stock. Their cases opened before the start.
    for child, state, _, _ in stock:
        register.set_state(child, state)
        child.case_opened = float("-inf")
    for child, _, rung, resume in stock:
        start_career(child, rung, resume)


CANDIDATE_ROUNDS = 64
"""Candidate rounds drawn per stock child, of which one is picked by its length."""


def start_caseload(scenario: Scenario) -> float:
    """The caseload the stock makes on the start date: its open cases over the caseworkers of that day.

    Found once per scenario and process.

    The home-based children are not published, only their measures; how many
    children carry them depends on the review interval, which depends on the
    caseload. So the count is found from the measures a child carries on
    average when rounds are drawn as :func:`build` draws them (with a fixed
    stream) at a caseload, and the caseload again from that count, until
    the two agree.
    """
    key = scenario.fingerprint()
    if key not in _START_CASELOADS:
        _START_CASELOADS[key] = _start_caseload(scenario)
    return _START_CASELOADS[key]


_START_CASELOADS: dict[str, float] = {}


def _start_caseload(scenario: Scenario) -> float:
    caseworkers = scenario.at_start("caseworkers.count")
    first_guess = scenario.initial.home_based_measures.value / scenario.home_based.measures_per_child.value
    caseload = (_others(scenario) + first_guess) / caseworkers
    for _ in range(START_CASELOAD_ROUNDS):
        caseload = open_cases(scenario, caseload) / caseworkers
    return caseload


def _others(scenario: Scenario) -> float:
    """Open cases on the start date other than the home-based children: investigations and placements."""
    initial = scenario.initial
    return initial.investigations.value + sum(getattr(initial.placements, k).value for k in PLACEMENT_TYPES)


def open_cases(scenario: Scenario, caseload: float) -> float:
    """Open cases the stock of the start date makes when reviews are paced at ``caseload``.

    The home-based children are the published measures over the measures a
    child of the stock carries at that pace (drawn with a fixed stream).
    """
    pace = ReviewPace(scenario.follow_up, lambda: 0.0, "review_pace" not in scenario.mechanisms.off)
    support = HomeBasedSupport(simpy.Environment(), Records(), scenario.home_based, scenario.services,
                               ExternalPurchase({}))
    rng = np.random.default_rng(START_CASELOAD_SEED)
    running = _running_per_child(rng, support, pace.interval("home_based", caseload))
    return _others(scenario) + scenario.initial.home_based_measures.value / running


def caseworkers_for_caseload(scenario: Scenario, caseload: float) -> tuple[float, float]:
    """(caseworkers, open cases) making ``caseload`` on the start date: for a caseload given, not a count."""
    cases = open_cases(scenario, caseload)
    return cases / caseload, cases


CASEWORKERS_FOR_CASELOAD.append(caseworkers_for_caseload)


START_CASELOAD_ROUNDS = 2
"""Rounds of caseload -> home-based children -> caseload; the second moves it by a few hundredths."""
START_CASELOAD_SEED = 2017
START_CASELOAD_SAMPLE = 4000
"""Rounds drawn to find the measures a home-based child of the stock carries on average."""


def _running_per_child(rng: np.random.Generator, support: HomeBasedSupport, interval: float) -> float:
    """Measures running per home-based child seen at a random moment, as the stock draws its rounds.

    A round lasts until the review after its last measure's need; a child is
    seen in a round in proportion to its length, and each measure runs until
    the review after its own need, so the mean is the measure-days of all
    rounds over their days.
    """
    measure_days = round_days = 0.0
    for _ in range(START_CASELOAD_SAMPLE):
        ends = [np.ceil(gamma_days(rng, support.duration[kind], support.cv) / interval) * interval
                for kind in support.draw_kinds(rng)]
        measure_days += sum(ends)
        round_days += max(ends)
    return measure_days / round_days


def _round_in_progress(
    rng: np.random.Generator, needs: np.ndarray, interval: float
) -> tuple[int, float, float]:
    """Pick the round seen in progress among candidates: (index, elapsed days, review phase).

    ``needs`` holds one row per candidate round and one column per measure
    in it (NaN where a round has fewer). Each measure lasts until the first
    review after its need, the round until its last measure ends; a round is
    picked in proportion to its length and seen at a uniform moment of it.
    """
    lengths = np.nanmax(np.ceil(needs / interval), axis=1) * interval
    chosen = int(rng.choice(len(lengths), p=lengths / lengths.sum()))
    elapsed = float(lengths[chosen] * rng.random())
    next_review = np.ceil(elapsed / interval) * interval
    return chosen, elapsed, float((next_review - elapsed) / interval)


def _home_based_round(
    rng: np.random.Generator, support: HomeBasedSupport, interval: float
) -> tuple[float, tuple[list[tuple[str, float]], float]]:
    """A home-based round in progress.

    Returns the elapsed days, and the (measure, remaining need) still running
    with the review phase.
    """
    kinds, needs = support.draw_sets(rng, CANDIDATE_ROUNDS)
    chosen, elapsed, phase = _round_in_progress(rng, needs, interval)
    running = [
        (HOME_BASED[kind], float(need) - elapsed)
        for kind, need in zip(kinds[chosen], needs[chosen], strict=True)
        if kind >= 0 and np.ceil(need / interval) * interval > elapsed
    ]
    return elapsed, (running, phase)


def _placement_age(ages: list[tuple[int, int, float]], supply: PlacementSupply, kind: str) -> AgeDraw:
    """Age at the decision for a child placed in ``kind``.

    A band of the placement mix is drawn in proportion to the share of
    children notified at those ages times the band's share of ``kind``.
    """
    bands = supply.bands
    weights = []
    for low, high, mix in bands:
        notified = sum(
            share * max(0, min(high, b_high) + 1 - max(low, b_low)) / (b_high + 1 - b_low)
            for b_low, b_high, share in ages
        )
        weights.append(notified * mix.share(kind))
    total = sum(weights)
    if total == 0:
        return lambda rng: age_in_bands(rng, ages)
    chosen = [(low, high, w / total) for (low, high, _), w in zip(bands, weights, strict=True)]
    return lambda rng: age_in_bands(rng, chosen)
