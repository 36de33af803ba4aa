"""The causal core on synthetic municipalities: with nothing decided it stands still, and overload is bounded.

Every municipality here is Ballerup's of 1 January 2017 scaled to another
size, with as many caseworkers as give a chosen caseload
(:mod:`municipalities`). Decisions are compared under common random numbers
(the same seeds: the same children with the same luck), and each test
asserts a direction or a bound, never a number copied from a run. The
directions of the decisions are asked for in tests/test_causal_directions.py,
a file of its own so that pytest-xdist runs the two on two workers at once.
"""

from __future__ import annotations

import concurrent.futures
import statistics

import numpy as np
import pytest
from municipalities import CASELOADS, SIZES, municipality

import sim
from sim.montecarlo import run_ensemble
from sim.scenario.schema import Scenario

pytestmark = [pytest.mark.functional, pytest.mark.slow]

YEARS = 10
REPLICATIONS = {0.5: 10, 1.0: 6, 5.0: 1}
"""Replications per size: enough that the mean of a small municipality's levels is not noise (one
replication of five times Ballerup holds as many children as five of Ballerup)."""
LEVELS = ("preventive", "home_based", "placement")


@pytest.fixture(scope="module")
def pool():
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        yield executor


def outcomes_by_year(scenarios: dict[str, Scenario], replications: int, years: int, pool) -> dict:
    """Scenario label -> outcome -> the mean over replications per year."""
    ensemble = run_ensemble(scenarios, replications, 0, years=years, executor=pool)
    means = ensemble.outcomes.groupby(["scenario", "outcome", "year"])["value"].mean()
    return {label: {outcome: means[label][outcome].to_numpy() for outcome in means[label].index.levels[0]
                    if outcome in means[label]} for label in scenarios}


# -- a municipality that stands still --------------------------------------------------------------


@pytest.fixture(scope="module")
def standing(pool) -> dict:
    """(size, caseload) -> outcome -> mean per year, with nothing decided and no trend."""
    found = {}
    for size in SIZES:
        scenarios = {f"{caseload:g}": municipality(size, caseload) for caseload in CASELOADS}
        for label, outcomes in outcomes_by_year(scenarios, REPLICATIONS[size], YEARS, pool).items():
            found[(size, float(label))] = outcomes
    return found


def drift(persons: np.ndarray) -> float:
    """The change over the years of a straight line fitted to ``persons``, as a share of their mean.

    A trend, unlike two single years, is not thrown by one year's luck.
    """
    years = np.arange(len(persons))
    slope = np.polyfit(years, persons, 1)[0]
    return float(slope * (len(persons) - 1) / persons.mean())


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("caseload", CASELOADS)
def test_with_nothing_decided_no_level_drifts(standing, size, caseload):
    """Full-year persons of each level: a trend under 10% over ten years, and no year 15% off the first."""
    outcomes = standing[(size, caseload)]
    for level in LEVELS:
        persons = outcomes[f"full_year_persons.{level}"]
        assert len(persons) == YEARS
        assert abs(drift(persons)) <= 0.10, f"{level} at {size}x, caseload {caseload}: {np.round(persons, 1)}"
        assert np.max(np.abs(persons / persons[0] - 1)) <= 0.15, f"{level}: {np.round(persons, 1)}"


def test_ballerup_2017_steady_stands_still_at_31_december():
    """The shipped steady scenario: persons at 31 December, median of 16 replications, within 10% of 2017."""
    scenario = sim.load_scenario("ballerup_2017_steady")
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        ensemble = run_ensemble([scenario], 16, 0, years=YEARS, executor=executor)
    medians = ensemble.outcomes.groupby(["outcome", "year"])["value"].median()
    for level in LEVELS:
        persons = medians[f"persons_31_dec.{level}"].to_numpy()
        assert np.max(np.abs(persons / persons[0] - 1)) <= 0.10, f"{level}: {persons}"


def test_an_overloaded_authority_stays_bounded_with_more_breaches_and_rarer_reviews(standing):
    busy, calm = standing[(1.0, 36.0)], standing[(1.0, 20.0)]
    caseload = busy["caseload_per_worker.mean"]
    assert caseload.max() < 1.5 * caseload[0]
    breaches = {label: outcomes["deadline_breaches"].sum() / outcomes["investigations_decided"].sum()
                for label, outcomes in (("busy", busy), ("calm", calm))}
    assert breaches["busy"] > breaches["calm"]
    reviews = {label: outcomes["reviews"].sum() / outcomes["open_cases.mean"].sum()
               for label, outcomes in (("busy", busy), ("calm", calm))}
    assert reviews["busy"] < 0.8 * reviews["calm"]


def test_the_steady_rates_scale_with_the_municipality():
    from sim.model.equilibrium import derive

    rates = {size: derive(municipality(size, 29.0)).arrivals for size in (1.0, 5.0)}
    for kind, rate in rates[1.0].items():
        assert rates[5.0][kind] == pytest.approx(5 * rate, rel=0.05), kind
    assert statistics.fmean(rates[1.0].values()) > 0
