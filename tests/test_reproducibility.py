"""Reproducibility and common random numbers: the seed decides the luck, the scenario the rest.

The same scenario and seed must give the same tables, to the last digit. Two
scenarios run with the same seed must share their arrivals and their
children (``sim/streams.py``: one stream per kind of arrival, one per child
keyed by its entry route and number), so that the difference between them is
the decision's effect and not noise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import cached_run
from hypothesis import given
from hypothesis import strategies as st
from strategies import run_drawn, scenarios

import sim

YEARS = 3
SEED = 1
VARIANT = "ballerup_2017_familiehus_plus_10"
VARIANT_DATE = dt.date(2019, 1, 1)
"""The variant sets 225 Familiehus places from this date; before it, nothing differs."""

seeds = st.integers(0, 2**32 - 1)

LEDGER_ENDS = [
    ("spells", "end_day", ["spell_id"]),
    ("states", "end_day", ["child_id", "start_day"]),
    ("waits", "ended_day", ["request_id"]),
    ("investigations", "decided_day", ["child_id", "requested_day"]),
    ("placements", "moved_in_day", ["child_id", "decided_day"]),
]
"""(ledger, the column saying when a row was over, an order that identifies rows)."""


def assert_same_tables(first: sim.Result, second: sim.Result, names=sim.TABLES) -> None:
    for name in names:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)


FROM_THE_POPULATION = ("notification", "application", "small_children")
"""Routes of children coming in from the population. A child notified again after being screened out
(``renotified``) comes because of what the authority decided, so decisions may change who comes that way;
and since ids are given in order of arrival, they move the ids of later children too."""


def from_outside(result: sim.Result) -> pd.DataFrame:
    """Children who came in from the population during the run: how, when, how old, and their need."""
    children = result.children
    entered = children[children["route"].isin(FROM_THE_POPULATION)]
    return entered[["route", "entered_day", "age_at_entry"]].reset_index(drop=True)


def first_notifications(result: sim.Result) -> pd.DataFrame:
    """The first notifications of children from the population, by day."""
    notes = result.records.table("notifications")
    ids = result.children[result.children["route"] == "notification"]["child_id"]
    return notes[~notes["repeat"] & notes["child_id"].isin(ids)][["day"]].reset_index(drop=True)


# -- the same seed, the same run ------------------------------------------------------


@pytest.mark.functional
def test_same_seed_gives_identical_tables(default):
    """Two separate runs with one seed must agree in every table, or results cannot be replicated."""
    first = sim.run(default, years=2, seed=7)
    second = sim.run(default, years=2, seed=7)
    assert_same_tables(first, second)
    assert first.records.table("notifications").equals(second.records.table("notifications"))


@pytest.mark.functional
def test_a_different_seed_gives_a_different_run(default_run):
    """Another seed must give other luck; if it did not, a Monte Carlo ensemble would be one run."""
    other = cached_run("ballerup_2017", YEARS, SEED + 1)
    assert not default_run.spells.equals(other.spells)
    assert not default_run.counts.equals(other.counts)
    # the luck differs from the first day: the arrival times themselves differ
    first = default_run.records.table("notifications")["day"].to_numpy()[:20]
    second = other.records.table("notifications")["day"].to_numpy()[:20]
    assert not np.array_equal(first, second)


@pytest.mark.property
@pytest.mark.slow
@given(scenarios(), seeds)
def test_same_seed_gives_identical_tables_for_any_scenario(scenario, seed):
    """Reproducibility must not depend on the values a scenario happens to have."""
    first = run_drawn(scenario, 1, seed)
    second = run_drawn(scenario, 1, seed)
    assert_same_tables(first, second, names=("budget_frame", "spells"))


# -- common random numbers across scenarios ----------------------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[sim.Result, sim.Result]:
    """The default and its +10 Familiehus variant, three years, the same seed."""
    return cached_run("ballerup_2017", YEARS, SEED), cached_run(VARIANT, YEARS, SEED)


@pytest.mark.functional
def test_the_variant_changes_the_run_only_from_its_date(pair):
    """The pair must differ (or the comparisons below prove nothing), and only after the decision."""
    default, variant = pair
    change = float((VARIANT_DATE - default.calendar.start).days)
    assert not default.spells.equals(variant.spells)
    # everything that was over before the decision is the same, row for row
    for name, end, order in LEDGER_ENDS:
        before = [
            table[table[end] < change].sort_values(order).reset_index(drop=True)
            for table in (default.records.table(name), variant.records.table(name))
        ]
        assert len(before[0]) > 80, name
        pd.testing.assert_frame_equal(*before, obj=name)
    early = default.counts["date"] < pd.Timestamp(VARIANT_DATE)
    pd.testing.assert_frame_equal(default.counts[early], variant.counts[early])
    assert not default.counts[~early].equals(variant.counts[~early])


@pytest.mark.functional
def test_scenarios_share_their_notifications_for_the_whole_run(pair):
    """The same seed must bring the same first notifications, at the same times, in both scenarios.

    Candidates of each arrival stream come from a stream of their own at a
    fixed rate and are kept by draws of their own, so the times agree over
    the whole run, after the decision too.
    """
    default, variant = pair
    notes = first_notifications(default)
    assert len(notes) > 300
    assert (notes["day"] > (VARIANT_DATE - default.calendar.start).days).any()
    pd.testing.assert_frame_equal(notes, first_notifications(variant))


@pytest.mark.functional
def test_scenarios_share_the_children_entering_for_the_whole_run(pair):
    """The same children (id, route, day, age) must enter both runs, or a difference is partly noise."""
    default, variant = pair
    entered = from_outside(default)
    assert set(entered["route"]) == set(FROM_THE_POPULATION)
    assert entered["entered_day"].max() > (VARIANT_DATE - default.calendar.start).days
    pd.testing.assert_frame_equal(entered, from_outside(variant))
    pd.testing.assert_frame_equal(default.flows[["applications"]], variant.flows[["applications"]])


@pytest.mark.functional
def test_arrivals_are_shared_even_when_the_decision_changes_everything_else():
    """Staffing changes every investigation and review from February 2017; arrivals must not move."""
    default = cached_run("ballerup_2017", 2, SEED)
    understaffed = cached_run("ballerup_2017_without_extra_staff", 2, SEED)
    assert not default.counts["open_cases"].equals(understaffed.counts["open_cases"])
    assert not default.flows["deadline_breaches"].equals(understaffed.flows["deadline_breaches"])
    pd.testing.assert_frame_equal(first_notifications(default), first_notifications(understaffed))
    pd.testing.assert_frame_equal(from_outside(default), from_outside(understaffed))
