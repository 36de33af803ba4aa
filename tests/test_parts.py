"""Each part of the engine built alone, on a bare SimPy environment, with only what it is handed.

No test here builds a whole model: a part gets an environment, records, the
register or a stand-in function, and the scenario section it reads, as the
wiring (sim.model.wiring) hands them. So a part's behaviour is pinned down
without the rest of the system around it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st
from variants import BASE, set_value, variant, with_values

import sim
from sim.measures import EXIT_REASONS, HOME_BASED, OPEN_CASE_STATES
from sim.model import initial_stock, mechanisms
from sim.model.assessment import Assessment
from sim.model.calendar import DAYS_PER_YEAR, Calendar
from sim.model.capacity import Places
from sim.model.caseworkers import Caseworkers
from sim.model.child import Child
from sim.model.decisions import take_effect
from sim.model.distributions import age_in_bands, choose, elapsed_and_remaining, exponential_days, gamma_days
from sim.model.investigation import Investigations
from sim.model.ladder import Ladder
from sim.model.mechanisms.detection import Detection
from sim.model.mechanisms.external_purchase import ExternalPurchase
from sim.model.mechanisms.foster_substitution import FosterSubstitution
from sim.model.mechanisms.reform import Reform
from sim.model.mechanisms.review_pace import ReviewPace
from sim.model.mechanisms.threshold import Threshold
from sim.model.need import Need
from sim.model.notification import Arrivals, Notifications
from sim.model.placement import FamilyPool, PlacementSupply, Turnover, family_pools
from sim.model.records import Ledger, Records
from sim.model.register import Register
from sim.model.services import MAX_MEASURES, HomeBasedSupport, InHouseService, Measure
from sim.model.small_children import STATE as SMALL_CHILDREN
from sim.model.small_children import SmallChildrenSpecial
from sim.model.steps import Schedules, Steps
from sim.model.streams import Streams
from sim.scenario.schema import Scenario, TimelineChange

pytestmark = pytest.mark.unit

DEFAULT = sim.load_scenario("ballerup_2017")


def ten(rng: np.random.Generator) -> float:
    """Every child is ten."""
    return 10.0


def register_of(env: simpy.Environment, scenario: Scenario = DEFAULT, seed: int = 0,
                leaving: list | None = None) -> Register:
    """A register on ``env``; ``leaving`` collects (child id, reason) of each child as it leaves."""
    def note(child: Child, reason: str) -> None:
        if leaving is not None:
            leaving.append((child.id, reason))

    return Register(env, Streams(seed), Records(), scenario.exits, when_leaving=note)


# -- the register of children ---------------------------------------------------------------------


def test_the_register_counts_states_and_open_cases_and_records_every_stay():
    env, leaving = simpy.Environment(), []
    register = register_of(env, leaving=leaving)
    first, second = register.new_child("notification", ten), register.new_child("application", ten)
    assert (first.id, second.id) == (0, 1)
    register.set_state(first, "investigation")
    register.set_state(second, "preventive")
    assert register.open_cases() == 1  # preventive measures are not the caseworkers' cases
    assert [c.id for c in register.open_case_children()] == [0]
    register.set_state(second, "home_based")
    assert register.open_cases() == 2
    register.exit(first, "closed")
    assert leaving == [(0, "closed")]
    assert register.open_cases() == 1 and set(register.children) == {1}
    records = register.records
    assert records.exits == [(0, 0.0, "closed")]
    assert records.states == [(1, "preventive", 0.0, 0.0), (0, "investigation", 0.0, 0.0)]
    assert [row[:2] for row in records.children] == [(0, "notification"), (1, "application")]


def test_a_child_has_the_same_luck_whatever_else_entered_before_it():
    """Common random numbers: the n-th child of a route draws the same numbers in any order of arrival."""
    alone = register_of(simpy.Environment(), seed=4).new_child("notification", ten)
    crowded = register_of(simpy.Environment(), seed=4)
    for _ in range(5):
        crowded.new_child("application", ten)
    late = crowded.new_child("notification", ten)
    assert late.move_away_day == alone.move_away_day
    assert late.rng.random() == alone.rng.random()


def test_set_age_moves_the_birthday_and_the_entry_record_together():
    env = simpy.Environment()
    register = register_of(env)
    child = register.new_child("initial_placement", ten)
    register.set_age(child, 16.5)
    assert child.age(env.now) == pytest.approx(16.5)
    assert register.records.children[child.id][3] == 16.5


def test_after_care_is_decided_once_and_never_for_a_child_who_moves_first():
    always = with_values(("exits.after_care_share", 1.0))
    register = register_of(simpy.Environment(), always)
    child = register.new_child("notification", ten)
    child.move_away_day = float("inf")
    assert register.continues_in_after_care(child)
    assert not register.continues_in_after_care(child)  # the second 18th birthday is the end of after-care
    moving = register.new_child("notification", ten)
    moving.move_away_day = 1.0
    assert not register.continues_in_after_care(moving)
    assert register.leaving_reason(moving) == "moved_away"


# -- caseworkers and the review pace ----------------------------------------------------------------


def test_caseworkers_carry_investigation_slots_and_the_caseload_of_open_cases():
    env, records, open_cases = simpy.Environment(), Records(), [40]
    workers = Caseworkers(env, records, DEFAULT.caseworkers, lambda: open_cases[0])
    per_worker = DEFAULT.caseworkers.investigations_per_worker.value
    count = DEFAULT.caseworkers.count.value
    assert workers.slots.capacity == round(count * per_worker)
    assert workers.caseload() == pytest.approx(40 / count)
    env.run(until=30)
    workers.set_count(2 * count)
    open_cases[0] = 10
    assert workers.slots.capacity == round(2 * count * per_worker)
    assert workers.caseload() == pytest.approx(10 / (2 * count))
    assert records.caseworkers == [(0, count), (30, 2 * count)]
    assert records.capacity["investigations"][-1] == (30, round(2 * count * per_worker))


def review_pace(elasticity: float, caseload: float = 20.0) -> ReviewPace:
    return ReviewPace(with_values(("follow_up.caseload_elasticity", elasticity)).follow_up, lambda: caseload)


@given(st.floats(0.5, 200.0), st.floats(0.5, 200.0), st.sampled_from(["home_based", "placement"]))
def test_review_interval_ignores_the_caseload_when_the_elasticity_is_zero(low, high, rung):
    """Elasticity 0 is the assumption that caseload does not matter; the model must honour it."""
    pace = review_pace(0.0)
    base = BASE["follow_up"][f"{rung}_interval_days"]["value"]
    assert pace.interval(rung, caseload=low) == pytest.approx(base)
    assert pace.interval(rung, caseload=high) == pytest.approx(base)


@given(st.floats(0.5, 200.0), st.floats(1.05, 4.0), st.sampled_from(["home_based", "placement"]))
def test_review_interval_grows_with_the_caseload(caseload, factor, rung):
    """With the default elasticity of 1, twice the caseload is half the reviews: twice the interval."""
    pace = review_pace(BASE["follow_up"]["caseload_elasticity"]["value"])
    assert pace.elasticity == 1.0
    shorter = pace.interval(rung, caseload=caseload)
    longer = pace.interval(rung, caseload=caseload * factor)
    assert longer > shorter
    assert longer / shorter == pytest.approx(factor)
    reference = BASE["follow_up"]["reference_caseload"]["value"]
    base = BASE["follow_up"][f"{rung}_interval_days"]["value"]
    assert pace.interval(rung, caseload=reference) == pytest.approx(base)


def test_the_review_pace_reads_the_caseload_signal_when_no_caseload_is_given():
    reference = BASE["follow_up"]["reference_caseload"]["value"]
    calm, busy = review_pace(1.0, reference), review_pace(1.0, 2 * reference)
    assert busy.interval("placement") == pytest.approx(2 * calm.interval("placement"))


# -- the mechanism registry -------------------------------------------------------------------------


def test_each_mechanism_declares_a_scenario_section_signals_it_may_read_and_what_it_changes():
    names = [m.name for m in mechanisms.MECHANISMS]
    assert len(set(names)) == len(names)
    assert {"review_pace", "external_purchase", "foster_substitution"} <= set(names)
    for mechanism in mechanisms.MECHANISMS:
        assert mechanism.section in Scenario.model_fields, mechanism.name
        assert mechanism.reads and set(mechanism.reads) <= set(mechanisms.SIGNALS), mechanism.name
        assert mechanism.changes.strip(), mechanism.name


def test_a_mechanism_is_handed_only_the_signals_and_sections_it_declares(monkeypatch):
    seen = {}

    def spy(name):
        def build(inputs):
            seen[name] = (set(inputs.signals), set(inputs.uses), inputs.on)
            return name
        return build

    calendar = Calendar(DEFAULT.scenario.start_date, 1)
    signals = {name: (lambda: 0.0) for name in mechanisms.GLOBAL_SIGNALS}
    original = mechanisms.MECHANISMS
    spies = tuple(dataclasses.replace(m, build=spy(m.name)) for m in original)
    monkeypatch.setattr(mechanisms, "MECHANISMS", spies)
    switched = variant(lambda d: d.update(mechanisms={"off": ["threshold"]}))
    built = mechanisms.build(switched, signals, Schedules(switched, calendar))
    assert built == {m.name: m.name for m in original}
    for mechanism in original:
        given, uses, on = seen[mechanism.name]
        assert given == set(mechanism.reads) & set(signals)
        assert uses == set(mechanism.uses)
        assert on == (mechanism.name != "threshold")


# -- in-house services and external purchase ------------------------------------------------------


def service_with(places: int, patience: float) -> tuple[simpy.Environment, Records, InHouseService, list]:
    """Familiehus with ``places`` and a policy of buying after ``patience`` days; started measures listed."""
    env, records, started = simpy.Environment(), Records(), []
    purchase = ExternalPurchase({"familiehus": Steps.of([(0.0, patience)])})
    params = with_values(("services.familiehus.places", places)).services.familiehus

    def start(measure: Measure, provider: str) -> None:  # as the home-based support starts a measure
        measure.spell_id = len(started)
        started.append((measure.child.id, provider, env.now))

    service = InHouseService(env, records, "familiehus", params, purchase, start)
    return env, records, service, started


def measure_for(child_id: int, service: InHouseService) -> Measure:
    child = Child(child_id, "notification", np.random.default_rng(child_id), -3650.0)
    return Measure(child, "family_treatment", service)


def test_a_full_service_buys_externally_when_the_wait_runs_out():
    env, records, service, started = service_with(places=1, patience=30)
    first, second = measure_for(0, service), measure_for(1, service)
    service.request(first)
    service.request(second)
    env.run(until=100)
    assert started == [(0, "in_house", 0), (1, "external", 30)]
    assert [(w[1], w[5], w[6]) for w in records.waits] == [(0, 0, "in_house"), (1, 30, "external")]


def test_a_place_freed_within_the_wait_is_taken_in_house():
    env, records, service, started = service_with(places=1, patience=30)
    first, second = measure_for(0, service), measure_for(1, service)
    service.request(first)
    service.request(second)
    env.run(until=10)
    service.withdraw(first)
    env.run(until=100)
    assert started == [(0, "in_house", 0), (1, "in_house", 10)]


def test_a_policy_of_no_wait_buys_at_once_when_full():
    env, _, service, started = service_with(places=0, patience=0)
    service.request(measure_for(0, service))
    assert started == [(0, "external", 0)]


def test_the_purchase_policy_follows_its_schedule():
    purchase = ExternalPurchase({"dut": Steps.of([(0.0, 60.0), (365.0, 0.0)])})
    assert purchase.after_days("dut", 10.0) == 60.0
    assert purchase.after_days("dut", 400.0) == 0.0


def support_of(env: simpy.Environment, records: Records, scenario: Scenario = DEFAULT) -> HomeBasedSupport:
    purchase = ExternalPurchase({name: Steps.of([(0.0, 60.0)]) for name, _ in scenario.services})
    return HomeBasedSupport(env, records, scenario.home_based, scenario.services, purchase)


@given(st.integers(0, 10_000))
def test_a_child_gets_one_to_four_distinct_home_based_measures(seed):
    support = support_of(simpy.Environment(), Records())
    kinds = support.draw_kinds(np.random.default_rng(seed))
    assert 1 <= len(kinds) <= MAX_MEASURES
    assert len(set(kinds)) == len(kinds) and set(kinds) <= set(HOME_BASED)


def test_home_based_measures_start_with_their_provider_and_end_together():
    env, records = simpy.Environment(), Records()
    support = support_of(env, records)
    child = Child(0, "notification", np.random.default_rng(3), -3650.0)
    support.start_new(child)
    assert child.home_measures and all(m.running for m in child.home_measures)
    for measure in child.home_measures:  # the default's in-house services have free places on day 0
        provider = records.open_spells[measure.spell_id][2]
        assert provider == ("in_house" if measure.service is not None else "external")
    in_use = {name: service.places.count for name, service in support.services.items()}
    support.end_all(child, "step_up")
    assert child.home_measures == []
    assert {row[6] for row in records.spells} == {"step_up"}
    assert all(service.places.count == 0 for service in support.services.values()), in_use


# -- placement supply and foster substitution -------------------------------------------------------


def test_substitution_reads_the_pools_wait_and_the_substitute_of_each_type():
    substitution = FosterSubstitution(DEFAULT.placement)
    for kind, pool in ((k, DEFAULT.placement.type(k).pool) for k in substitution.wait):
        assert pool is not None
        assert substitution.wait_days(kind) == pool.wait_days.value
        assert substitution.substitute(kind) == DEFAULT.placement.substitutes.value[kind]


def empty_pool(env: simpy.Environment, records: Records) -> FamilyPool:
    pool = FamilyPool(env, "foster_family", 0, Turnover.of(DEFAULT.placement.foster_family.pool),
                      Steps.of([(0.0, 0.0)]), np.random.default_rng(0))
    records.capacity["foster_family"] = pool.families.history
    return pool


def test_with_no_free_family_a_child_is_placed_in_the_substitute_after_the_wait():
    env, records = simpy.Environment(), Records()
    supply = PlacementSupply(env, {"foster_family": empty_pool(env, records)}, DEFAULT.placement,
                             FosterSubstitution(DEFAULT.placement))
    child = Child(0, "notification", np.random.default_rng(0), -3650.0)
    found = []

    def placing():
        found.append((yield from supply.find_place(child, "foster_family")))
        found.append(env.now)

    env.process(placing())
    env.run(until=400)
    substitute = DEFAULT.placement.substitutes.value["foster_family"]
    assert found == [(substitute, None), DEFAULT.placement.foster_family.pool.wait_days.value]


def test_a_family_freed_within_the_wait_takes_the_child():
    env, records = simpy.Environment(), Records()
    pool = empty_pool(env, records)
    pool.families.resize(1)
    held = pool.families.request()
    supply = PlacementSupply(env, {"foster_family": pool}, DEFAULT.placement,
                             FosterSubstitution(DEFAULT.placement))
    child = Child(0, "notification", np.random.default_rng(0), -3650.0)
    found = []

    def placing():
        kind, family = yield from supply.find_place(child, "foster_family")
        found.append((kind, family is not None, env.now))

    env.process(placing())
    env.run(until=5)
    pool.families.release(held)
    env.run(until=400)
    assert found == [("foster_family", True, 5)]


def test_pools_recruit_each_month_and_are_sized_for_the_children_placed_at_the_start():
    env, records = simpy.Environment(), Records()
    pools = family_pools(env, records, DEFAULT.placement, DEFAULT.initial.placements,
                         lambda path: Steps.of([(0.0, 120.0)]), lambda name: np.random.default_rng(1))
    foster = pools["foster_family"]
    start = (DEFAULT.initial.placements.foster_family.value
             + DEFAULT.placement.foster_family.pool.free_at_start.value)
    assert foster.families.capacity == start
    env.run(until=DAYS_PER_YEAR)
    assert foster.families.capacity > start + 60  # about ten a month, some of the free ones stopping
    assert set(pools) == {k for k in pools if DEFAULT.placement.type(k).pool is not None}


def test_the_committee_chooses_a_type_from_the_mix_of_the_childs_age_band():
    env = simpy.Environment()
    supply = PlacementSupply(env, {}, DEFAULT.placement, FosterSubstitution(DEFAULT.placement))
    for low, high, mix in supply.bands:
        assert supply.mix_for_age(low) is mix and supply.mix_for_age(high + 0.99) is mix
    assert supply.mix_for_age(21.0) is supply.bands[-1][2]


# -- assessment, investigation and the ladder -------------------------------------------------------


def assessed(share: float, early: float, seed: int) -> tuple[str | None, list, list]:
    """What the assessment of a child needing home-based support decides; who left; who was screened out."""
    env, leaving, unmet = simpy.Environment(), [], []
    register = register_of(env, seed=seed, leaving=leaving)
    scenario = with_values(("assessment.investigated.home_based", share),
                           ("assessment.share_early_preventive", early))
    threshold = Threshold(scenario.threshold, scenario.assessment, scenario.investigation, lambda: 20.0)
    assessment = Assessment(env, register, scenario.assessment, threshold,
                            lambda child: unmet.append(child.id))
    child = register.new_child("notification", ten, "home_based")
    result = []

    def run():
        result.append((yield from assessment.assess(child)))

    env.process(run())
    env.run()
    assert env.now <= scenario.assessment.hours.value / 24.0
    return result[0], leaving, unmet


@pytest.mark.parametrize("seed", range(5))
def test_an_assessment_leads_to_an_investigation_to_advice_or_to_no_action(seed):
    assert assessed(1.0, 0.0, seed) == ("investigation", [], [])
    assert assessed(0.0, 1.0, seed) == ("preventive", [], [])
    assert assessed(0.0, 0.0, seed) == (None, [(0, "no_action")], [0])  # screened out while in need


def test_investigations_queue_for_a_slot_and_breach_the_deadline_when_the_queue_is_long():
    env, records = simpy.Environment(), Records()
    register = Register(env, Streams(0), records, DEFAULT.exits)
    slots = Caseworkers(env, records, with_values(("caseworkers.count", 1),
                                                  ("caseworkers.investigations_per_worker", 1)).caseworkers,
                        register.open_cases).slots
    threshold = Threshold(DEFAULT.threshold, DEFAULT.assessment, DEFAULT.investigation, lambda: 20.0)
    investigations = Investigations(env, register, records, DEFAULT.investigation, slots, threshold,
                                    lambda child: None)
    children = [register.new_child("notification", ten, "placement") for _ in range(8)]
    for child in children:
        child.move_away_day = float("inf")
        env.process(investigations.investigate(child))
    env.run(until=2 * DAYS_PER_YEAR)
    rows = records.table("investigations").sort_values("started_day")
    assert len(rows) == 8 and set(rows["outcome"]) <= {"placement", "none"}
    assert (rows["started_day"].diff().dropna() > 0).all()  # one at a time
    late = rows["decided_day"] > rows["deadline_day"]
    assert not late.iloc[0] and late.iloc[-1]


def ladder_of(scenario: Scenario) -> tuple[simpy.Environment, Register, Ladder, list]:
    """A ladder with its parts, built by hand; the list collects (child id, reason) of each exit."""
    env, records, leaving = simpy.Environment(), Records(), []
    support = support_of(env, records, scenario)

    def leave(child: Child, reason: str) -> None:
        support.end_all(child, reason)
        leaving.append((child.id, reason))

    register = Register(env, Streams(0), records, scenario.exits, when_leaving=leave)
    workers = Caseworkers(env, records, scenario.caseworkers, register.open_cases)
    supply = PlacementSupply(env, {}, scenario.placement, FosterSubstitution(scenario.placement))
    threshold = Threshold(scenario.threshold, scenario.assessment, scenario.investigation, workers.caseload)
    ladder = Ladder(
        env, register, records, Assessment(env, register, scenario.assessment, threshold, lambda child: None),
        Investigations(env, register, records, scenario.investigation, workers.slots, threshold,
                       lambda child: None),
        support, supply, ReviewPace(scenario.follow_up, workers.caseload), reform_of(practised_from=1e9),
        scenario.preventive, scenario.home_based, scenario.placement,
    )
    return env, register, ladder, leaving


def staying_child(register: Register) -> Child:
    """A ten-year-old who will not move away."""
    child = register.new_child("notification", ten)
    child.move_away_day = float("inf")
    return child


def test_a_preventive_measure_ends_with_its_need_and_closes_the_case():
    env, register, ladder, leaving = ladder_of(with_values(("preventive.step_up_per_year", 0.0)))
    ladder.start(staying_child(register), "preventive")
    env.run(until=20 * DAYS_PER_YEAR)
    assert leaving == [(0, "closed")]
    [spell] = register.records.spells
    assert spell[2] == "preventive" and spell[6] == "closed" and spell[5] > 0


def test_a_placement_ends_at_a_review_after_its_need_and_steps_down_to_home_based_support():
    def edit(data: dict) -> None:
        data["placement"]["after_need"]["value"] = {"step_down": 1.0, "end": 0.0, "renew": 0.0}
        set_value(data, "home_based.step_up_per_year", 0.0)

    scenario = variant(edit)
    env, register, ladder, _ = ladder_of(scenario)
    child = staying_child(register)
    ladder.start(child, "placement")
    while child.state != "home_based" and env.now < 15 * DAYS_PER_YEAR:
        env.run(until=env.now + 30)
    assert child.state == "home_based"
    placed = [row for row in register.records.spells if row[2] != "preventive" and row[6] == "step_down"]
    assert len(placed) == 1
    days_placed = placed[0][5] - placed[0][4]
    assert days_placed > 0
    assert child.home_measures  # stepped down to home-based support, not out


# -- arrivals, the small-children stock, the timeline and the initial stock ------------------------


def test_the_small_children_stock_starts_at_its_size_and_stays_near_it():
    env, records = simpy.Environment(), Records()
    register = Register(env, Streams(0), records, DEFAULT.exits)
    params = DEFAULT.small_children_special
    SmallChildrenSpecial(env, register, records, Streams(0), params, DEFAULT.age.at_first_contact.bands())
    assert register.state_counts[SMALL_CHILDREN] == params.persons_at_start.value
    env.run(until=3 * DAYS_PER_YEAR)
    assert 0.6 * params.persons_at_start.value < register.state_counts[SMALL_CHILDREN] < (
        1.4 * params.persons_at_start.value)
    assert {reason for _, _, reason in records.exits} <= {"closed"}


def test_the_timeline_changes_capacities_on_their_dates_and_nothing_past_the_horizon():
    env = simpy.Environment()
    calendar = Calendar(dt.date(2017, 1, 1), 2)
    seen = []
    timeline = [
        TimelineChange(date=dt.date(2017, 3, 1), path="caseworkers.count", value=30),
        TimelineChange(date=dt.date(2017, 6, 1), path="reporting.intensity", value=2),
        TimelineChange(date=dt.date(2020, 1, 1), path="caseworkers.count", value=40),
    ]
    env.process(take_effect(env, calendar, timeline,
                            {"caseworkers.count": lambda value: seen.append((env.now, value))}))
    env.run()
    assert seen == [(calendar.day(dt.date(2017, 3, 1)), 30)]


def test_the_initial_stock_holds_the_published_counts_and_starts_every_career():
    env, records = simpy.Environment(), Records()
    register = Register(env, Streams(0), records, DEFAULT.exits)
    support = support_of(env, records)
    pools = family_pools(env, records, DEFAULT.placement, DEFAULT.initial.placements,
                         lambda path: Steps.of([(0.0, 0.0)]), lambda name: np.random.default_rng(0))
    supply = PlacementSupply(env, pools, DEFAULT.placement, FosterSubstitution(DEFAULT.placement))
    started = []
    initial_stock.build(DEFAULT, register, support, supply, review_pace(1.0),
                        {"home_based": 0.7, "placement": 0.3},
                        lambda child, rung, resume: started.append((child.state, rung)))
    initial = DEFAULT.initial
    placed = sum(getattr(initial.placements, kind).value for kind in type(initial.placements).model_fields)
    assert register.state_counts["placement"] == placed
    assert register.state_counts["awaiting_investigation"] == initial.investigations.value
    assert register.state_counts["preventive"] == initial.preventive.value
    running = sum(1 for child in register.children.values() for m in child.home_measures if m.running)
    assert running == initial.home_based_measures.value
    assert len(started) == len(register.children) and all(state == rung or rung == "investigation"
                                                           for state, rung in started)
    assert set(register.state_counts) <= set(OPEN_CASE_STATES) | {"preventive"}
    assert not set(EXIT_REASONS) & set(register.state_counts)
    investigated = [c.need for c in register.children.values() if c.state == "awaiting_investigation"]
    assert set(investigated) == {"home_based", "placement"}
    assert all(c.case_opened == float("-inf") for c in register.children.values())


# -- the engine's building blocks: places, streams, distributions, records ----------------------------


@given(st.lists(st.tuples(st.sampled_from(["ask", "free", "resize"]), st.integers(0, 6)), max_size=40))
def test_places_admit_no_child_beyond_their_number_and_serve_in_order_of_asking(actions):
    env = simpy.Environment()
    places = Places(env, 2, "test")
    asked, holding = [], []
    for action, number in actions:
        if action == "ask":
            asked.append(places.request())
        elif action == "free" and holding:
            places.release(holding.pop(0))
        elif action == "resize":
            places.resize(number)
        env.run(until=env.now + 1)
        admitted = [r for r in asked if r.triggered and r not in holding and r not in places.put_queue]
        admitted = [r for r in admitted if r in places.users]
        if admitted:  # a child admitted now found a place within the number
            assert places.count <= places.capacity
        holding += admitted
        granted = [r.triggered for r in asked]
        assert granted == sorted(granted, reverse=True)  # first come, first served
        assert places.free == max(places.capacity - places.count, 0)


def test_fewer_places_let_the_served_finish_and_admit_no_one_until_below_the_new_number():
    env = simpy.Environment()
    places = Places(env, 3, "test")
    served = [places.request() for _ in range(3)]
    waiting = places.request()
    places.resize(1)
    places.release(served[0])
    env.run(until=1)
    assert not waiting.triggered and places.count == 2
    places.release(served[1])
    places.release(served[2])
    env.run(until=2)
    assert waiting.triggered and places.count == 1
    places.resize(4)
    assert [r.triggered for r in (places.request(), places.request())] == [True, True]
    assert places.history == [(0, 3), (0, 1), (2, 4)]
    with pytest.raises(ValueError, match='"capacity" of test must be >= 0'):
        places.resize(-1)


def test_streams_are_keyed_by_name_and_a_childs_by_its_route_and_number():
    one, two = Streams(7), Streams(7)
    two.stream("something.else").random()  # making another stream shifts nothing
    assert one.stream("notification.arrivals").random() == two.stream("notification.arrivals").random()
    assert one.child("notification", 3).random() == two.child("notification", 3).random()
    assert one.child("notification", 3).random() != one.child("application", 3).random()
    assert Streams(8).stream("notification.arrivals").random() != one.stream("notification.arrivals").random()
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match='"seed" must be a non-negative integer'):
            Streams(bad)


@given(st.integers(0, 2**70), st.sampled_from(["notification", "stock.placed"]), st.integers(0, 2**32 - 1))
def test_a_childs_stream_is_the_philox_generator_of_its_key(seed, route, number):
    """Made without Philox's own seeding, a child's generator is still exactly ``Philox(key=...)``."""
    streams = Streams(seed)
    made = streams.child(route, number)
    streams.child(route, number ^ 1)  # the next child's key does not change this one's stream
    low, high = (int(word) for word in made.bit_generator.state["state"]["key"])
    assert low & (2**32 - 1) == number and (seed >= 2**64 or high == seed)
    key = high << 64 | low
    reference = np.random.Generator(np.random.Philox(key=key))
    assert made.random(9).tolist() == reference.random(9).tolist()
    assert made.gamma(0.7, size=5).tolist() == reference.gamma(0.7, size=5).tolist()


def test_durations_have_their_mean_and_spread_and_a_spell_seen_in_progress_is_length_biased():
    rng = np.random.default_rng(0)
    mean, cv = 300.0, 0.8
    draws = np.array([gamma_days(rng, mean, cv) for _ in range(40_000)])
    assert draws.mean() == pytest.approx(mean, rel=0.02)
    assert draws.std() / draws.mean() == pytest.approx(cv, rel=0.03)
    seen = np.array([elapsed_and_remaining(rng, mean, cv) for _ in range(40_000)])
    whole = seen.sum(axis=1)
    assert whole.mean() == pytest.approx(mean * (1 + cv * cv), rel=0.02)  # E[L^2] / E[L]
    assert seen[:, 0].mean() == pytest.approx(seen[:, 1].mean(), rel=0.03)
    assert exponential_days(rng, 0.0) == float("inf")
    assert np.mean([exponential_days(rng, 4.0) for _ in range(20_000)]) == pytest.approx(
        DAYS_PER_YEAR / 4, rel=0.03)


@given(st.integers(0, 2**32 - 1))
def test_choices_and_ages_stay_within_what_was_given(seed):
    rng = np.random.default_rng(seed)
    assert choose(rng, ["a", "b", "c"], [0.0, 1.0, 0.0]) == "b"
    age = age_in_bands(rng, [(0, 5, 0.0), (12, 17, 1.0)])
    assert 12.0 <= age < 18.0


def test_records_write_a_row_once_it_is_complete_and_the_rest_at_the_end():
    records = Records()
    spell = records.open_spell(1, "preventive", "in_house", 0.0)
    other = records.open_spell(2, "foster_family", "external", 5.0)
    records.close_spell(spell, 30.0, "closed")
    wait = records.open_wait(3, "dut", "contact_person", 10.0)
    records.open_investigation(4, "notification", 12.0, 130.0)
    records.start_investigation(4, 20.0)
    assert records.spells == [(0, 1, "preventive", "in_house", 0.0, 30.0, "closed")]
    records.finish()
    assert records.spells[1] == (other, 2, "foster_family", "external", 5.0, float("inf"), "open")
    assert records.waits == [(wait, 3, "dut", "contact_person", 10.0, float("inf"), "waiting")]
    assert records.investigations == [(4, "notification", 12.0, 130.0, 20.0, float("inf"), "under_way")]
    assert records.table("spells").dtypes["end_day"] == "float64"


# -- the causal core: threshold, detection, reform, need, notifications, the steady state ----------


def threshold_at(caseload: float, on: bool = True, **settings: float) -> Threshold:
    scenario = with_values(*((f"threshold.{k}", v) for k, v in settings.items()))
    return Threshold(scenario.threshold, scenario.assessment, scenario.investigation, lambda: caseload, on)


@given(st.floats(21.0, 80.0), st.sampled_from(["none", "preventive", "home_based", "placement"]))
def test_an_overloaded_authority_opens_fewer_investigations_and_decides_fewer_measures(caseload, need):
    reference = DEFAULT.threshold.reference_caseload.value
    at_reference, loaded = threshold_at(reference), threshold_at(caseload)
    share = getattr(DEFAULT.assessment.investigated, need).value
    assert at_reference.investigated(need) == pytest.approx(share)
    assert loaded.investigated(need) < at_reference.investigated(need) or at_reference.investigated(need) == 0
    load = caseload / reference
    assert loaded.investigated(need) == pytest.approx(
        at_reference.investigated(need) * load ** -DEFAULT.threshold.opening_elasticity.value)
    if need != "none":
        assert loaded.measure_decided(need) <= at_reference.measure_decided(need)
    assert loaded.measure_decided("none") == 0.0
    assert threshold_at(caseload, shortening_elasticity=0.2).work_factor() < 1.0 == at_reference.work_factor()


def test_freed_capacity_lowers_the_threshold_but_no_share_goes_above_one():
    relaxed = threshold_at(5.0)
    assert relaxed.investigated("placement") == 1.0
    assert relaxed.investigated("preventive") > threshold_at(20.0).investigated("preventive")
    assert relaxed.work_factor() == 1.0  # investigations are shortened under load, never lengthened


def test_the_threshold_switched_off_holds_the_shares_at_any_load():
    for caseload in (10.0, 20.0, 60.0):
        off = threshold_at(caseload, on=False)
        assert off.investigated("home_based") == DEFAULT.assessment.investigated.home_based.value
        assert off.work_factor() == 1.0


def test_more_intense_reporting_finds_few_more_of_the_visible_needs_and_many_of_the_hidden():
    detection = Detection(DEFAULT.need)
    for need in ("preventive", "home_based", "placement"):
        assert detection.found_factor(need, 1.0) == pytest.approx(1.0)
        assert detection.found_factor(need, 0.5) < 1.0 < detection.found_factor(need, 2.0)
        share = detection.found[need]
        assert detection.found_factor(need, 2.0) * share <= 1.0  # never more than all of them
    assert detection.found_factor("placement", 2.0) < detection.found_factor("preventive", 2.0)
    once = detection.report_rate("home_based", 1.0)
    assert detection.report_rate("home_based", 2.0) == pytest.approx(2 * once)
    off = Detection(DEFAULT.need, on=False)
    assert off.found_factor("preventive", 3.0) == 1.0
    assert off.report_rate("home_based", 3.0) == pytest.approx(detection.report_rate("home_based", 1.0))


def reform_of(caseload: float = 20.0, practised_from: float = 100.0, on: bool = True, **settings) -> Reform:
    def edit(data: dict) -> None:
        for key, value in settings.items():
            data["reform"][key]["value"] = value
    scenario = variant(edit)
    practised = Steps.of([(0.0, 0.0), (practised_from, 1.0)])
    return Reform(scenario.reform, practised, scenario.age, lambda: caseload, on)


def child_aged(age: float, opened: float = 0.0, day: float = 0.0) -> Child:
    child = Child(0, "notification", np.random.default_rng(1), day - age * DAYS_PER_YEAR)
    child.case_opened = opened
    return child


def test_the_reform_applies_from_its_date_to_its_ages_and_cases():
    reform = reform_of(ages="0-12", cases="new")
    young_new, older = child_aged(8, opened=150, day=200), child_aged(15, opened=150, day=200)
    assert not reform.applies(young_new, 50.0)  # not yet practised
    assert reform.applies(young_new, 200.0) and not reform.applies(older, 200.0)
    assert not reform.applies(child_aged(8, opened=20, day=200), 200.0)  # opened before the practice
    assert reform_of(ages="0-12", cases="all").applies(child_aged(8, opened=20, day=200), 200.0)
    assert not reform_of(on=False).applies(young_new, 200.0)


def test_the_reform_works_fully_at_its_caseload_and_fades_to_nothing():
    full, none = DEFAULT.reform.full_effect_caseload.value, DEFAULT.reform.no_effect_caseload.value
    assert reform_of(full).strength() == 1.0 and reform_of(none).strength() == 0.0
    assert reform_of((full + none) / 2).strength() == pytest.approx(0.5)
    child = child_aged(10, day=200)
    at_full, half = reform_of(full), reform_of((full + none) / 2)
    reduction = DEFAULT.reform.step_up_reduction.value
    assert at_full.step_up_factor(child, 200) == pytest.approx(1 - reduction)
    assert half.step_up_factor(child, 200) == pytest.approx(1 - reduction / 2)
    assert at_full.time_limit(child, 200) == pytest.approx(DEFAULT.reform.placement_time_limit.value)
    assert reform_of(none).time_limit(child, 200) == pytest.approx(1.0)
    assert at_full.time_limit(child, 50) is None  # not practised yet: no time limit


def test_the_committee_moves_institution_placements_to_families_at_its_share():
    reform, child = reform_of(20.0, mix_shift=0.5), child_aged(10, day=200)
    moved = sum(reform.family_instead(child, 200, "residential_home") for _ in range(4000))
    assert 0.45 < moved / 4000 < 0.55
    assert not any(reform.family_instead(child_aged(10, day=200), 200, "foster_family") for _ in range(100))


def test_district_social_workers_raise_detection_step_by_step_not_as_compound_growth():
    reform = reform_of(practised_from=0.0, detection_increase=0.4, detection_ramp_months=12)
    rise = [reform.detection_boost(day) - 1 for day in (0.0, 182.0, 365.25, 2000.0, 4000.0)]
    assert rise[0] == 0.0 and 0 < rise[1] < rise[2]
    assert rise[2] == rise[3] == rise[4] == pytest.approx(0.4 * reform.band_share)
    assert reform_of(practised_from=5000.0).detection_boost(4000.0) == 1.0


def test_candidates_are_shared_whatever_the_rate_so_a_lower_rate_keeps_a_subset():
    kept = {}
    for name, rate in (("low", 100.0), ("high", 300.0)):
        env, found = simpy.Environment(), []
        Arrivals(env, Streams(5), "test", Steps.of([(0.0, 100.0), (200.0, rate)]),
                 lambda number, choice, found=found, env=env: found.append((number, choice, env.now)),
                 4 * DAYS_PER_YEAR)
        env.run(until=4 * DAYS_PER_YEAR)
        kept[name] = found
    assert set(kept["low"]) <= set(kept["high"])
    early = [k for k in kept["low"] if k[2] < 200]
    assert early == [k for k in kept["high"] if k[2] < 200]  # the same rate: the same children
    assert 0.8 * 300 * 3.45 < len(kept["high"]) < 1.2 * 300 * 3.45


@pytest.mark.parametrize("rate_after", [0.0, 40.0, 300.0])
def test_candidates_drawn_in_blocks_are_those_drawn_one_by_one(rate_after):
    """The arrivals are the named streams' candidates taken one at a time, each kept at its day's rate."""
    rate, horizon = Steps.of([(0.0, 100.0), (200.0, rate_after)]), 3.3 * DAYS_PER_YEAR
    env, found = simpy.Environment(), []
    Arrivals(env, Streams(9), "test", rate, lambda number, choice: found.append((number, choice, env.now)),
             horizon)
    env.run(until=horizon)
    gaps, draws = Streams(9).stream("test.arrivals"), Streams(9).stream("test.candidates")
    candidate_rate = max(4 * 100.0, rate_after)
    day, expected = 0.0, []
    for number in range(10_000):
        day += float(gaps.exponential(DAYS_PER_YEAR / candidate_rate))
        if day >= horizon:
            break
        keep, choice = draws.random(2)
        if keep < rate.at(day) / candidate_rate:
            expected.append((number, float(choice), day))
    assert len(expected) > 40 and [(n, c) for n, c, _ in found] == [(n, c) for n, c, _ in expected]
    assert [now for _, _, now in found] == pytest.approx([d for _, _, d in expected], abs=1e-9)


def notifications_of(env: simpy.Environment, records: Records, **settings: float) -> Notifications:
    scenario = with_values(*((f"notification.{k}", v) for k, v in settings.items()))
    register = Register(env, Streams(0), records, scenario.exits)
    return Notifications(env, register, records, Streams(0), scenario.notification,
                         scenario.age.at_first_contact.bands(), float("inf"), lambda child, step: None)


def test_a_notified_child_is_notified_again_as_often_as_the_national_figures_say():
    env, records = simpy.Environment(), Records()
    notifications = notifications_of(env, records, per_notified_child=1.75, reported_again_share=0.34)
    for number in range(4000):
        notifications.arrive_without_need(number)
    notes = pd.DataFrame(records.notifications, columns=["day", "child_id", "repeat"])
    per_child = notes.groupby("child_id").size()
    assert per_child.mean() == pytest.approx(1.75, rel=0.05)
    assert (per_child > 1).mean() == pytest.approx(0.34, rel=0.08)
    window = DEFAULT.notification.repeat_window_days.value
    assert max(day for day, _, _ in records.notifications) <= window


def need_part(on: bool = True, found_share: float | None = None
              ) -> tuple[simpy.Environment, Register, Need, list]:
    scenario = DEFAULT if found_share is None else variant(
        lambda d: d["need"]["home_based"]["found_share"].update(value=found_share, range=None))
    env, records, started = simpy.Environment(), Records(), []
    register = Register(env, Streams(0), records, scenario.exits)
    notifications = Notifications(env, register, records, Streams(0), scenario.notification,
                                  scenario.age.at_first_contact.bands(), float("inf"),
                                  lambda child, step: started.append((child.route, child.need, step)))
    need = Need(env, register, scenario.need, Detection(scenario.need, on), reform_of(practised_from=1e9),
                Steps.of([(0.0, 1.0)]), notifications, scenario.age.at_first_contact.bands(),
                lambda child, step: started.append((child.route, child.need, step)))
    return env, register, need, started


def test_a_child_found_in_need_comes_by_application_or_by_notification():
    env, register, need, started = need_part()
    for number in range(2000):
        need.found("home_based", number, number / 2000)
        need.found("preventive", number, number / 2000)
    share = DEFAULT.need.by_application.value
    routes = pd.DataFrame(started, columns=["route", "need", "step"])
    by_application = routes[routes["route"] == "application"]
    assert len(by_application) == pytest.approx(2 * 2000 * share, abs=4)
    assert set(by_application[by_application["need"] == "preventive"]["step"]) == {"preventive"}
    assert set(by_application[by_application["need"] == "home_based"]["step"]) == {"investigation"}
    assert set(routes[routes["route"] == "notification"]["step"]) == {"assessment"}


@pytest.mark.parametrize("found_share", [0.3, 0.8])
def test_a_child_screened_out_in_need_is_reported_again_as_often_as_its_need_is_found(found_share):
    env, register, need, started = need_part(found_share=found_share)
    for number in range(3000):
        child = register.new_child("notification", ten, "home_based", key=("test", number))
        child.move_away_day = float("inf")
        register.exit(child, "no_action")
        need.unmet(child)
    need.unmet(register.new_child("notification", ten, "none"))  # a child without need is not reported again
    env.run()
    again = [s for s in started if s[0] == "renotified"]
    assert len(again) / 3000 == pytest.approx(found_share, abs=0.05)
    assert {s[1] for s in again} == {"home_based"}
    unmet = register.records.table("unmet")
    assert len(unmet) == 3000 and set(unmet["outcome"]) <= {"renotified", "passed", "left"}


@pytest.mark.unit
def test_a_band_whose_types_have_no_stock_keeps_its_own_mix():
    """Found by test_invariants: a band placing only types with no published stock got shares of all zero."""
    from types import SimpleNamespace

    from sim.measures import PLACEMENT_TYPES
    from sim.model.equilibrium import _mix_holding

    none = dict.fromkeys(PLACEMENT_TYPES, 0.0)
    mix = {"0-11": {**none, "foster_family": 1.0},
           "12-17": {**none, "municipal_foster_family": 0.95, "boarding_school": 0.05}}
    years = {kind: {"0-11": 2.0, "12-17": 2.0} for kind in PLACEMENT_TYPES}
    measured = SimpleNamespace(placements={"placement": {"0-11": 0.5, "12-17": 0.5}}, placement_years=years)
    placed = {**none, "foster_family": 30.0}
    derived = _mix_holding(measured, mix, {"placement": 20.0}, placed)
    assert derived["12-17"] == mix["12-17"]  # nothing to hold: the band's own mix, summing to one
    assert derived["0-11"]["foster_family"] == pytest.approx(1.0)
    assert all(sum(shares.values()) == pytest.approx(1.0) for shares in derived.values())


@given(st.lists(st.tuples(st.integers(-2**62, 2**62), st.sampled_from(["a", "bb", ""]),
                          st.floats(allow_nan=False), st.booleans()), max_size=30), st.integers(1, 8))
def test_a_ledger_reads_like_its_rows_and_makes_the_frame_they_make(rows, batch):
    types = {"id": "int64", "name": "str", "day": "float64", "flag": "bool"}
    ledger = Ledger(types, batch)
    for row in rows:
        ledger.append(row)
    assert len(ledger) == len(rows) and ledger == rows and list(ledger) == rows
    assert all(ledger[i] == row for i, row in enumerate(rows))
    expected = pd.DataFrame(rows, columns=list(types)).astype(types)
    pd.testing.assert_frame_equal(ledger.frame(), expected)
    if rows:
        ledger[0] = (7, "z", 1.5, True)
        ledger[len(rows) - 1] = (8, "y", 2.5, False)  # perhaps a row still waiting for its batch
        assert ledger == [(7, "z", 1.5, True), *rows[1:-1], (8, "y", 2.5, False)][-len(rows):]
    with pytest.raises(ValueError, match="has 4 values, not 3"):
        ledger.append((1, "a", 2.0))
