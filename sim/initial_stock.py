"""The children already in the system on the start date.

A planner's scenario starts on a date with the children already in each
measure: the published persons at 31 December per level and placements by
type. Starting from empty would need decades of warm-up and would still not
match the municipality's own stock. Instead each child of the stock gets:

- elapsed and remaining time in its spell drawn from the equilibrium
  (length-biased) distribution of the duration assumption, so that, with
  steady inflow, ends in the first months happen at the steady-state rate
  and counts neither jump nor drift because of the start;
- a first review at a uniformly random point of its review cycle, so that
  reviews do not all fall on the same day;
- home-based measure types drawn by the start mix weighted by duration
  (long measures are over-represented in a stock);
- an age consistent with its rung: age at entry plus time elapsed; a young
  person past 18 in a home-based measure or placement is in after-care.

Investigations under way on the start date are taken to have been requested
a uniform part of one mean investigation ago and start their work afresh. No
warm-up period is simulated; ``docs/model.md`` says why and a test checks
that the counts of the first years do not drift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .calendar import DAYS_PER_YEAR
from .child import ADULT_AGE, Child
from .distributions import age_in_bands, elapsed_and_remaining
from .ladder import Resume, career
from .measures import HOME_BASED, PLACEMENT_TYPES

if TYPE_CHECKING:
    from .model import Model

AgeDraw = Callable[[np.random.Generator], float]

MAX_AGE_DRAWS = 100


def build(model: Model) -> None:
    """Create the initial stock and start each child's career where it stands."""
    scenario = model.scenario
    initial = scenario.initial
    ages = scenario.age.at_first_contact.bands()

    def entry_age(rng: np.random.Generator) -> float:
        return age_in_bands(rng, ages)

    stock: list[tuple[Child, str, str, Resume]] = []
    """(child, state on the start date, rung to start, where it stands)"""

    for _ in range(initial.investigations.value):
        child = model.new_child("initial_investigation", entry_age)
        elapsed = scenario.investigation.work_days.value * float(child.rng.random())
        _set_age(model, child, entry_age, elapsed, after_care=False)
        stock.append((child, "awaiting_investigation", "investigation", Resume(elapsed=elapsed)))

    preventive = scenario.preventive
    for _ in range(initial.preventive.value):
        child = model.new_child("initial_preventive", entry_age)
        elapsed, remaining = elapsed_and_remaining(
            child.rng, preventive.duration_days.value, preventive.duration_cv.value
        )
        _set_age(model, child, entry_age, elapsed, after_care=False)
        stock.append((child, "preventive", "preventive", Resume(elapsed=elapsed, remaining=remaining)))

    support = model.support
    stock_mix = [scenario.home_based.mix.share(k) * support.duration[k] for k in HOME_BASED]
    measures_left = initial.home_based_measures.value
    while measures_left > 0:
        child = model.new_child("initial_home_based", entry_age)
        kinds = support.draw_kinds(child.rng, stock_mix)[:measures_left]
        measures_left -= len(kinds)
        spells = [elapsed_and_remaining(child.rng, support.duration[k], support.cv) for k in kinds]
        _set_age(model, child, entry_age, max(e for e, _ in spells), after_care=True)
        for kind, (elapsed, remaining) in zip(kinds, spells, strict=True):
            support.resume(child, kind, elapsed, remaining)
        stock.append((child, "home_based", "home_based", Resume(review_phase=float(child.rng.random()))))

    placement = scenario.placement
    for kind in PLACEMENT_TYPES:
        age_at_decision = _placement_age(model, kind)
        for _ in range(getattr(initial.placements, kind).value):
            child = model.new_child(f"initial_{kind}", age_at_decision)
            elapsed, remaining = elapsed_and_remaining(
                child.rng, placement.type(kind).duration_days.value, placement.duration_cv.value
            )
            _set_age(model, child, age_at_decision, elapsed, after_care=True)
            stock.append((child, "placement", "placement", Resume(
                elapsed=elapsed, remaining=remaining, review_phase=float(child.rng.random()),
                kind=kind, family=model.placement.take_family(kind),
            )))

    # Every child is counted before any career starts, so the first reviews
    # are paced by the caseload of the whole stock.
    for child, state, _, _ in stock:
        model.set_state(child, state)
    for child, _, rung, resume in stock:
        model.env.process(career(model, child, rung, resume))


def _set_age(model: Model, child: Child, entry_age: AgeDraw, elapsed: float, after_care: bool) -> None:
    """Age today = age at entry + time elapsed, below 18 (or the after-care limit where allowed)."""
    limit = model.scenario.exits.after_care_until_age.value if after_care else ADULT_AGE
    for _ in range(MAX_AGE_DRAWS):
        age = entry_age(child.rng) + elapsed / DAYS_PER_YEAR
        if age < limit:
            break
    else:
        age = limit - 1.0 / DAYS_PER_YEAR
    child.born_day = model.env.now - age * DAYS_PER_YEAR
    child.after_care = age >= ADULT_AGE


def _placement_age(model: Model, kind: str) -> AgeDraw:
    """Age at the decision for a child placed in ``kind``.

    A band of the placement mix is drawn in proportion to the share of
    children notified at those ages times the band's share of ``kind``.
    """
    ages = model.scenario.age.at_first_contact.bands()
    bands = model.placement.bands
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
