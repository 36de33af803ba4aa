"""Invariants of a replication, checked on scenarios drawn from the valid ranges.

Each property is also checked on the default scenario, so a failure shows
on the scenario planners use as well as on a random one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import run_drawn, scenarios

import sim
from sim.measures import HOME_BASED, OPEN_CASE_STATES, PLACEMENT_TYPES, STATES
from sim.model.calendar import Calendar
from sim.model.steps import Steps

pytestmark = pytest.mark.property

YEARS = 2
seeds = st.integers(0, 2**32 - 1)


def run(scenario: sim.Scenario, seed: int) -> sim.Result:
    return run_drawn(scenario, YEARS, seed)


# -- conservation of children -------------------------------------------------

def check_conservation(result: sim.Result) -> None:
    counts = result.counts
    present = counts["children_present"]
    assert (counts["entered_cumulative"] - counts["exited_cumulative"] == present).all()
    assert (counts[[f"state_{s}" for s in STATES]].sum(axis=1) == present).all()
    # Each child's states tile its time in the system: no gap, no overlap,
    # from the day it entered to the day it left.
    states = result.states.sort_values(["child_id", "start_day"], kind="stable")
    children = result.children.set_index("child_id")
    first = states.groupby("child_id")["start_day"].first()
    last = states.groupby("child_id")["end_day"].last()
    assert np.allclose(first.to_numpy(), children.loc[first.index, "entered_day"].to_numpy())
    exited = children.loc[last.index, "exited_day"].to_numpy()
    assert np.array_equal(last.to_numpy(), exited)
    same_child = states["child_id"].to_numpy()[1:] == states["child_id"].to_numpy()[:-1]
    assert np.array_equal(
        states["start_day"].to_numpy()[1:][same_child], states["end_day"].to_numpy()[:-1][same_child]
    )
    assert (states["end_day"] >= states["start_day"]).all()
    assert set(children.index) == set(states["child_id"])


@given(scenarios(), seeds)
def test_children_are_conserved(scenario, seed):
    check_conservation(run(scenario, seed))


def test_children_are_conserved_in_the_default(default_run):
    check_conservation(default_run)


# -- capacity -------------------------------------------------------------------

def max_over_capacity(starts, ends, history) -> float:
    """Largest (in use - capacity) at any moment a child took a place.

    A reduction lets the children already served finish (``Places.resize``),
    so use may stay above a lowered capacity; what must never happen is a
    child starting while the places are full. The stock at the start date
    counts as starting on day 0.
    """
    starts = np.maximum(np.asarray(starts, float), 0.0)
    ends = np.asarray(ends, float)
    if starts.size == 0:
        return -np.inf
    capacity = Steps.of(history)
    holding = (starts[None, :] <= starts[:, None]) & (ends[None, :] > starts[:, None])
    in_use = (holding | np.eye(starts.size, dtype=bool)).sum(axis=1)
    return float(max(n - capacity.at(day) for day, n in zip(starts, in_use, strict=True)))


def check_capacity(result: sim.Result) -> None:
    spells, records = result.spells, result.records
    for name, service in result.scenario.services:
        used = spells[(spells["measure"] == service.measure) & (spells["provider"] == "in_house")]
        assert max_over_capacity(used["start_day"], used["end_day"], records.capacity[name]) <= 0, name
    for kind in PLACEMENT_TYPES:
        if kind in records.capacity:
            placed = spells[spells["measure"] == kind]
            assert max_over_capacity(placed["start_day"], placed["end_day"], records.capacity[kind]) <= 0
    investigating = result.states[result.states["state"] == "investigation"]
    assert max_over_capacity(
        investigating["start_day"], investigating["end_day"], records.capacity["investigations"]
    ) <= 0


@given(scenarios(), seeds)
def test_capacity_is_never_exceeded(scenario, seed):
    check_capacity(run(scenario, seed))


def test_capacity_is_never_exceeded_in_the_default(default_run):
    check_capacity(default_run)


# -- money equals days times price ------------------------------------------------

def yearly_price(scenario: sim.Scenario, path: str, drift: float, year: int) -> float:
    """The price in ``year`` straight from the scenario (no timeline price changes here)."""
    assert not any(change.path == path for change in scenario.timeline)
    start = scenario.scenario.start_date.year
    return scenario.get(path).value * (1 + drift) ** (year - start)


def price_path(scenario: sim.Scenario, measure: str, provider: str) -> tuple[str, float]:
    general = scenario.prices.general_index_per_year.value
    if measure in PLACEMENT_TYPES:
        drift = scenario.placement.type(measure).price_drift_per_year.value
        return f"placement.{measure}.price_per_year", drift
    if measure in HOME_BASED and provider == "in_house":
        name = next(n for n, s in scenario.services if s.measure == measure)
        return f"services.{name}.price_per_place_year", general
    if measure in HOME_BASED:
        return f"home_based.{measure}.price_per_year", general
    return f"{measure}.price_per_year", general


def recompute_spend(result: sim.Result) -> pd.Series:
    """Spend per year and level by walking each spell through the calendar years."""
    scenario, calendar = result.scenario, result.calendar
    totals: dict[tuple[int, str], float] = {}
    for spell in result.spells.itertuples():
        path, drift = price_path(scenario, spell.measure, spell.provider)
        for year in calendar.year_list:
            first = (dt.date(year, 1, 1) - calendar.start).days
            last = (dt.date(year + 1, 1, 1) - calendar.start).days
            days = min(spell.end_day, last, calendar.horizon) - max(spell.start_day, first, 0)
            if days > 0:
                daily = yearly_price(scenario, path, drift, year) / (last - first)
                totals[(year, spell.level)] = totals.get((year, spell.level), 0.0) + days * daily
    return pd.Series(totals)


def idle_place_spend(result: sim.Result) -> dict[int, float]:
    """Cost of the in-house places nobody used: all places times price, less the used days."""
    scenario, calendar, spells = result.scenario, result.calendar, result.spells
    idle = {}
    general = scenario.prices.general_index_per_year.value
    for year in calendar.year_list:
        first = (dt.date(year, 1, 1) - calendar.start).days
        last = (dt.date(year + 1, 1, 1) - calendar.start).days
        total = 0.0
        for name, service in scenario.services:
            price = yearly_price(scenario, f"services.{name}.price_per_place_year", general, year)
            daily = price / (last - first)
            history = result.records.capacity[name] + [(calendar.horizon, 0)]
            place_days = sum(
                places * max(min(end, last) - max(start, first), 0)
                for (start, places), (end, _) in zip(history, history[1:], strict=False)
            )
            used = spells[(spells["measure"] == service.measure) & (spells["provider"] == "in_house")]
            used_days = (np.minimum(used["end_day"], min(last, calendar.horizon))
                         - np.maximum(used["start_day"], max(first, 0))).clip(lower=0).sum()
            total += (place_days - used_days) * daily
        idle[year] = total
    return idle


def check_money(result: sim.Result) -> None:
    expected = recompute_spend(result)
    idle = idle_place_spend(result)
    frame = result.budget_frame.set_index(["year", "level"])["spend_kr"]
    for (year, level), spend in frame.items():
        if level == "authority":
            continue
        want = expected.get((year, level), 0.0) + (idle[year] if level == "home_based" else 0.0)
        assert abs(spend - want) <= 1e-6 * max(1.0, abs(want)), (year, level, spend, want)


@given(scenarios(), seeds)
def test_spend_is_days_times_price(scenario, seed):
    check_money(run(scenario, seed))


def test_spend_is_days_times_price_in_the_default(default_run):
    check_money(default_run)


def test_authority_spend_is_caseworkers_times_salary_with_overheads(default_run):
    frame = default_run.budget_frame.set_index(["year", "level"])
    caseworkers = default_run.scenario.caseworkers
    salary = caseworkers.salary_per_year.value * (1 + caseworkers.overhead_share.value)
    # 20 caseworkers in January 2017, 32 from 1 February (the default's timeline).
    assert frame.loc[(2017, "authority"), "spend_kr"] == pytest.approx(salary * (20 * 31 + 32 * 334) / 365)
    assert frame.loc[(2018, "authority"), "spend_kr"] == pytest.approx(salary * 1.02 * 32)
    assert frame.loc[(2018, "authority"), "persons_31_dec"] == 32


# -- waits ------------------------------------------------------------------------

def check_waits(result: sim.Result) -> None:
    waits = result.waits
    assert (waits["wait_days"] >= 0).all()
    for name, service in result.scenario.services:
        patience = service.external_after_days.value
        mine = waits[waits["service"] == name]
        external = mine[mine["outcome"] == "external"]
        assert np.allclose(external["wait_days"], patience)
        assert (mine.loc[mine["outcome"] == "in_house", "wait_days"] <= patience + 1e-9).all()
    started = waits.dropna(subset=["started_day"])
    assert np.allclose(started["started_day"] - started["requested_day"], started["wait_days"])


@given(scenarios(), seeds)
def test_waits_are_never_negative_and_respect_the_purchase_policy(scenario, seed):
    check_waits(run(scenario, seed))


def test_waits_in_the_default(default_run):
    check_waits(default_run)


# -- open cases and caseload ---------------------------------------------------------

def test_open_cases_and_caseload_follow_from_states(default_run):
    counts = default_run.counts
    open_states = [f"state_{s}" for s in STATES if s in OPEN_CASE_STATES]
    assert (counts["open_cases"] == counts[open_states].sum(axis=1)).all()
    assert np.allclose(counts["caseload_per_worker"], counts["open_cases"] / counts["caseworkers"])
    assert counts.loc[0, "caseworkers"] == 20 and (counts.loc[1:, "caseworkers"] == 32).all()
    assert (default_run.counts["date"].dt.is_month_end).all()


def test_calendar_counts_real_days():
    calendar = Calendar(dt.date(2019, 7, 1), 2)
    assert calendar.horizon == 731  # includes 29 February 2020
    assert [d for d, _ in calendar.month_ends][:2] == [dt.date(2019, 7, 31), dt.date(2019, 8, 31)]
    assert calendar.year_list == [2019, 2020, 2021]
