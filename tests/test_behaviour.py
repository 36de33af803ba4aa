"""The model's mechanisms move outcomes the way the domain says they should.

Each test compares runs under common random numbers (the same seeds, so the
same children with the same luck), and asserts a direction with a margin,
never a number copied from a run. Where one seed is noisy the outcome is
pooled over a few seeds.
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest
from conftest import cached_run
from strategies import run_drawn
from variants import BASE, variant, with_values

import sim
from sim.scenario.parameters import parameters
from sim.scenario.schema import Scenario

pytestmark = pytest.mark.functional


@functools.cache
def run_with(settings: tuple[tuple[str, float], ...], years: int, seed: int) -> sim.Result:
    """A replication of the default with the parameters in ``settings`` set for the whole run.

    Set from the start, they make another municipality, run from the steady state nearest its stock.
    """
    return run_drawn(with_values(*settings), years, seed)


# -- caseworkers: caseload and the investigation deadline ------------------------------

FEW, MANY = 16.0, 40.0
STAFF_SEEDS = (0, 1)


def staffed(count: float, elasticity: float, seed: int) -> sim.Result:
    return run_with(
        (("caseworkers.count", count), ("follow_up.caseload_elasticity", elasticity)), 2, seed
    )


def test_more_caseworkers_lower_the_caseload_and_the_deadline_breaches():
    """Hiring is the lever of the Swedish model: fewer cases each and investigations done in time."""
    few = [staffed(FEW, 1.0, seed) for seed in STAFF_SEEDS]
    many = [staffed(MANY, 1.0, seed) for seed in STAFF_SEEDS]
    for short, ample in zip(few, many, strict=True):
        assert (short.counts["caseworkers"] == FEW).all() and (ample.counts["caseworkers"] == MANY).all()
        # the caseload falls with the staff, if not in proportion: an authority with time to spare opens
        # more cases (the threshold), as Ballerup's did after its 12 caseworkers (643 to 770 cases)
        assert ample.counts["caseload_per_worker"].mean() < 0.5 * short.counts["caseload_per_worker"].mean()
        # the mechanism: investigations wait for a free caseworker only when staff are short
        assert ample.counts["state_awaiting_investigation"].mean() < (
            0.5 * short.counts["state_awaiting_investigation"].mean()
        )
    breaches_few = sum(int(r.flows["deadline_breaches"].sum()) for r in few)
    breaches_many = sum(int(r.flows["deadline_breaches"].sum()) for r in many)
    decided_few = sum(int(r.flows["investigations_decided"].sum()) for r in few)
    decided_many = sum(int(r.flows["investigations_decided"].sum()) for r in many)
    assert decided_many >= 0.9 * decided_few  # not fewer breaches by deciding less
    assert breaches_many < 0.5 * breaches_few


def mean_home_based_days(result: sim.Result) -> float:
    """Mean length of the home-based spells that started and ended within the run."""
    spells = result.spells
    done = spells[(spells["level"] == "home_based") & (spells["start_day"] >= 0)
                  & np.isfinite(spells["end_day"])]
    assert len(done) > 200
    return float((done["end_day"] - done["start_day"]).mean())


def staffing_effect_on_spells(elasticity: float) -> float:
    """Days by which many caseworkers shorten home-based spells, pooled over the seeds."""
    return float(np.mean([
        mean_home_based_days(staffed(FEW, elasticity, seed))
        - mean_home_based_days(staffed(MANY, elasticity, seed))
        for seed in STAFF_SEEDS
    ]))


def test_staff_shorten_measures_only_through_the_caseload_elasticity():
    """A measure ends at a review: more staff end measures sooner if, and only if, caseload paces reviews."""
    with_feedback = staffing_effect_on_spells(1.0)
    without = staffing_effect_on_spells(0.0)
    assert with_feedback > 20.0
    assert abs(without) < 0.25 * with_feedback


# -- Familiehus places: waits and external purchase ------------------------------------

FAMILIEHUS_SEEDS = (0, 1, 2)
MORE_PLACES_FROM = dt.date(2019, 1, 1)


def familiehus_requests_from(result: sim.Result, date: dt.date) -> pd.DataFrame:
    waits = result.waits
    day = (date - result.calendar.start).days
    return waits[(waits["service"] == "familiehus") & (waits["requested_day"] >= day)]


def test_ten_more_familiehus_places_shorten_waits_and_external_purchase():
    """The +10 decision of 2019 is meant to end the waitlist: later requests must wait less and buy less."""
    medians, external, requests = {}, {}, {}
    for name in ("ballerup_2017", "ballerup_2017_familiehus_plus_10"):
        asked = [familiehus_requests_from(cached_run(name, 3, s), MORE_PLACES_FROM) for s in FAMILIEHUS_SEEDS]
        medians[name] = [float(a["wait_days"].median()) for a in asked]
        pooled = pd.concat(asked)
        requests[name] = len(pooled)
        external[name] = float((pooled["outcome"] == "external").mean())
    default, more = medians["ballerup_2017"], medians["ballerup_2017_familiehus_plus_10"]
    assert requests["ballerup_2017"] > 500
    assert all(m <= d for m, d in zip(more, default, strict=True)), (more, default)
    assert np.mean(more) < np.mean(default) - 5.0
    assert external["ballerup_2017"] > 0
    assert external["ballerup_2017_familiehus_plus_10"] < external["ballerup_2017"]


def test_no_places_means_every_family_treatment_is_bought_after_the_wait():
    """With no Familiehus every request waits out the policy and is bought; with ample places nobody waits."""
    patience = BASE["services"]["familiehus"]["external_after_days"]["value"]
    none = run_with((("services.familiehus.places", 0),), 2, 0)
    ample = run_with((("services.familiehus.places", 400),), 2, 0)
    shut = none.waits[none.waits["service"] == "familiehus"]
    assert len(shut) > 300
    assert not (shut["outcome"] == "in_house").any()
    assert (shut["outcome"] == "external").mean() > 0.75
    assert shut["wait_days"].median() == pytest.approx(patience)
    assert (none.counts["in_house_familiehus"] == 0).all()
    open_doors = ample.waits[ample.waits["service"] == "familiehus"]
    assert ample.counts["in_house_familiehus"].max() < 400  # so no one should ever wait
    assert (open_doors["outcome"] == "in_house").all()
    assert (open_doors["wait_days"] == 0).all()
    # the same children ask: the requests differ only by how they are met
    assert abs(len(open_doors) - len(shut)) < 0.2 * len(shut)


# -- foster families: recruitment and substitution -----------------------------------------


def test_fewer_foster_family_recruits_mean_more_expensive_substitute_placements(default):
    """Without new families children go to residential homes instead: the shortage costs money."""
    path = "placement.foster_family.pool.recruited_per_year"
    low, high = default.get(path).range
    scarce = [run_with(((path, low),), 2, seed) for seed in range(3)]
    plenty = [run_with(((path, high),), 2, seed) for seed in range(3)]

    def substituted(results: list[sim.Result]) -> int:
        return sum(int(r.flows["placements_substituted"].sum()) for r in results)

    def placement_spend(results: list[sim.Result]) -> float:
        return sum(
            float(r.budget_frame.query("level == 'placement'")["spend_kr"].sum()) for r in results
        )

    assert substituted(scarce) >= substituted(plenty) + 5
    assert placement_spend(scarce) > placement_spend(plenty)
    for result in scarce:
        assert result.counts["families_foster_family"].iloc[-1] < (
            plenty[0].counts["families_foster_family"].iloc[-1]
        )
        placements = result.records.table("placements")
        moved = placements[placements["wanted"] != placements["placed"]]
        for wanted, placed in zip(moved["wanted"], moved["placed"], strict=True):
            assert placed in substitute_chain(default, wanted)
            price = default.placement.type(wanted).price_per_year.value
            assert default.placement.type(placed).price_per_year.value > price


def substitute_chain(scenario: Scenario, kind: str) -> list[str]:
    """The types a child wanting ``kind`` may end up in, nearest first, each dearer than the last."""
    chain, substitutes = [], scenario.placement.substitutes.value
    while kind in substitutes:
        price = scenario.placement.type(kind).price_per_year.value
        kind = substitutes[kind]
        assert scenario.placement.type(kind).price_per_year.value > price
        chain.append(kind)
    return chain


# -- prices do not steer the flow --------------------------------------------------------

SALARY = "caseworkers.salary_per_year"


def price_paths(scenario: Scenario) -> list[str]:
    """Every price of a measure or a place in kroner (caseworker salaries aside)."""
    return [p.path for p in parameters(scenario) if p.unit.startswith("kr per") and p.path != SALARY]


def test_doubling_every_price_doubles_spend_and_changes_nothing_else(default):
    """Money is days times price: the flow must not depend on prices, and spend is linear in them."""
    paths = price_paths(default)
    assert len(paths) == 15
    assert {p.split(".")[0] for p in paths} == {
        "preventive", "home_based", "placement", "services", "small_children_special"
    }

    def double(data: dict) -> None:
        for path in paths:
            node = data
            for part in path.split("."):
                node = node[part]
            node["value"] *= 2
            node.pop("range", None)
        for change in data["timeline"]:
            if change["path"] in paths:
                change["value"] *= 2

    cheap = sim.run(default, years=2, seed=3)
    dear = sim.run(variant(double), years=2, seed=3)
    for name in ("spells", "counts", "flows", "waits", "states", "children"):
        pd.testing.assert_frame_equal(getattr(cheap, name), getattr(dear, name), obj=name)
    frame_cheap = cheap.budget_frame.set_index(["year", "level"])
    frame_dear = dear.budget_frame.set_index(["year", "level"])
    for (year, level), spend in frame_cheap["spend_kr"].items():
        assert spend > 0
        factor = 1.0 if level == "authority" else 2.0
        assert frame_dear.loc[(year, level), "spend_kr"] == pytest.approx(factor * spend, rel=1e-9), (
            year, level
        )
    unchanged = ["persons_31_dec", "full_year_persons", "measures_31_dec", "full_year_measures"]
    pd.testing.assert_frame_equal(frame_cheap[unchanged], frame_dear[unchanged])
    for column in ("in_house_spend_kr", "external_spend_kr"):
        assert np.allclose(dear.services[column], 2 * cheap.services[column], rtol=1e-9, atol=0)
