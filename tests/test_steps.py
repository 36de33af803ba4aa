"""Step functions of model time, checked against a day-by-day count; and the timeline reaching the run.

Money, capacities and rates are step functions (``sim/steps.py``) integrated
exactly. Here each operation is recomputed the slow way: change days lie on a
quarter-day grid, so summing the value on every quarter day is exact. Then
every parameter the timeline may change is changed in a run, to show that a
planner's decision reaches the model and acts only from its date.
"""

from __future__ import annotations

import datetime as dt
import json
import operator

import numpy as np
import pandas as pd
import pytest
from conftest import cached_run
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.model.calendar import Calendar
from sim.model.steps import Steps, occupancy, per_day, yearly
from sim.scenario.parameters import time_varying_fields
from sim.scenario.schema import Scenario
from sim.scenario.timeline import time_varying_paths

pytestmark = pytest.mark.property

GRID = 0.25
"""Change days and query points are multiples of this, so the brute-force sums are exact."""

grid_days = st.integers(-40, 160).map(lambda k: k * GRID)
values = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: round(v, 3))
pairs = st.lists(st.tuples(grid_days, values), max_size=12)
"""Change pairs; none at all is a function that is 0 everywhere."""


# -- brute force -------------------------------------------------------------------


def brute_at(pairs: list[tuple[float, float]], day: float) -> float:
    """The value on ``day``: the pair with the latest day not after it (the later one of a tie); 0 before."""
    best = None
    for change, value in pairs:
        if change <= day and (best is None or change >= best[0]):
            best = (change, value)
    return 0.0 if best is None else best[1]


def grid(start: float, end: float) -> np.ndarray:
    """Every grid point in [start, end)."""
    return np.arange(round(start / GRID), round(end / GRID)) * GRID


def brute_integral(pairs: list[tuple[float, float]], start: float, end: float) -> float:
    """Sum of the value over each quarter day of [start, end)."""
    return sum(brute_at(pairs, t) * GRID for t in grid(start, end))


# -- Steps -------------------------------------------------------------------------


@given(pairs, st.lists(grid_days, min_size=1, max_size=20))
def test_at_and_next_change_match_the_pairs(pairs, days):
    """A step function must hold each value from its day until the next (the later of two on a day)."""
    steps = Steps.of(pairs)
    change_days = sorted({d for d, _ in pairs})
    assert list(steps.days) == change_days
    for day in days:
        assert steps.at(day) == brute_at(pairs, day)
        later = [d for d in change_days if d > day]
        assert steps.next_change(day) == (later[0] if later else float("inf"))
    assert steps.each(np.array(days)).tolist() == [steps.at(day) for day in days]


@given(pairs, grid_days, grid_days)
def test_integral_is_the_sum_over_each_day(pairs, a, b):
    """Spend is the integral of a price over a spell; it must equal adding up the days one by one."""
    steps = Steps.of(pairs)
    start, end = min(a, b), max(a, b)
    expected = brute_integral(pairs, start, end)
    assert float(steps.integral(start, end)) == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert float(steps.integral(end, start)) == 0.0  # reversed or empty: nothing
    first = min((d for d, _ in pairs), default=float("inf"))
    assert float(steps.cumulative(end)) == pytest.approx(
        brute_integral(pairs, first, end) if end > first else 0.0, rel=1e-9, abs=1e-6
    )


@given(pairs, st.lists(st.tuples(grid_days, grid_days), min_size=1, max_size=10))
def test_integral_is_vectorised_pair_by_pair(pairs, bounds):
    """The ledger integrates all spells at once; each must get its own integral."""
    steps = Steps.of(pairs)
    starts = np.array([a for a, _ in bounds])
    ends = np.array([b for _, b in bounds])
    got = steps.integral(starts, ends)
    assert got.shape == starts.shape
    for start, end, value in zip(starts, ends, got, strict=True):
        expected = brute_integral(pairs, start, end) if end > start else 0.0
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(pairs, pairs, st.sampled_from([operator.add, operator.sub, np.multiply, np.maximum, np.minimum]),
       st.lists(grid_days, min_size=1, max_size=20))
def test_combine_is_pointwise(first, second, op, days):
    """Salaries are caseworkers times salary, idle places are places less use: pointwise, on every day."""
    combined = Steps.of(first).combine(Steps.of(second), op)
    assert set(combined.days) == {d for d, _ in first} | {d for d, _ in second}
    for day in days:
        assert combined.at(day) == pytest.approx(float(op(brute_at(first, day), brute_at(second, day))))


intervals = st.lists(
    st.tuples(grid_days, st.one_of(st.integers(0, 120).map(lambda k: k * GRID), st.just(float("inf")))),
    max_size=25,
)


@given(intervals, st.lists(grid_days, min_size=1, max_size=20))
def test_occupancy_counts_open_intervals(spans, days):
    """Places in use are counted from the spells; a spell [start, end) holds a place on each day inside it."""
    starts = np.array([s for s, _ in spans], dtype=float)
    ends = np.array([s + length for s, length in spans], dtype=float)
    in_use = occupancy(starts, ends)
    for day in [*days, *starts, *ends[np.isfinite(ends)]]:
        assert in_use.at(day) == int(((starts <= day) & (day < ends)).sum())


# -- yearly rates and prices on the calendar -------------------------------------------


@st.composite
def price_settings(draw):
    """A calendar, a price set on its start date and changed on a few later dates, and a drift."""
    start = draw(st.dates(dt.date(2015, 1, 1), dt.date(2024, 12, 31)))
    years = draw(st.integers(1, 4))
    calendar = Calendar(start, years)
    offsets = draw(st.lists(st.integers(1, int(calendar.horizon) - 1), max_size=3, unique=True))
    settings = [(start, draw(st.floats(1.0, 1e6)))]
    settings += [(start + dt.timedelta(days=k), draw(st.floats(1.0, 1e6))) for k in offsets]
    growth = draw(st.sampled_from([0.0, 0.02, 0.05, 0.11]))
    return calendar, settings, growth


def brute_price(settings: list[tuple[dt.date, float]], growth: float, date: dt.date) -> float:
    """The last value set on or before ``date``, drifted once per 1 January since the year it was set."""
    set_on, value = max((s for s in settings if s[0] <= date), key=lambda s: s[0])
    return value * (1 + growth) ** (date.year - set_on.year)


@given(price_settings())
def test_yearly_prices_drift_each_new_year_from_the_last_setting(case):
    """A price drifts each 1 January and a decision restarts the drift: checked on every day of the run."""
    calendar, settings, growth = case
    price = yearly(calendar, settings, growth)
    daily = per_day(calendar, price)
    for day in range(int(calendar.horizon)):
        date = calendar.start + dt.timedelta(days=day)
        expected = brute_price(settings, growth, date)
        assert price.at(day) == pytest.approx(expected, rel=1e-12)
        assert daily.at(day) == pytest.approx(expected / calendar.days_in_year(date.year), rel=1e-12)


@given(price_settings())
def test_a_full_calendar_year_costs_the_yearly_price(case):
    """A full-year person costs exactly the year's price, in leap years too (365 or 366 days a year)."""
    calendar, settings, growth = case
    daily = per_day(calendar, yearly(calendar, settings, growth))
    for year in calendar.year_list:
        first, end = calendar.year_bounds(year)
        if first < 0 or end > calendar.horizon:
            continue
        if any(first < calendar.day(d) < end for d, _ in settings):
            continue  # a decision within the year: the year mixes two prices
        jan_first = dt.date(year, 1, 1)
        assert float(daily.integral(first, end)) == pytest.approx(
            brute_price(settings, growth, jan_first), rel=1e-9
        )


def test_a_timeline_change_on_the_start_date_applies():
    """A decision dated on the start date is valid input; it must apply like any other."""
    calendar = Calendar(dt.date(2017, 1, 1), 2)
    settings = [(dt.date(2017, 1, 1), 61_000.0), (dt.date(2017, 1, 1), 122_000.0)]
    assert yearly(calendar, settings, 0.02).at(0) == 122_000.0


# -- every time-varying parameter reaches the run -------------------------------------------

YEARS = 2
SEED = 4
CHANGE = dt.date(2017, 7, 1)
DEFAULT = sim.load_scenario("ballerup_2017")
PRICES = ("price_per_year", "price_per_place_year", "salary_per_year")
PATHS = time_varying_paths(DEFAULT)


def in_force(scenario: Scenario, path: str, date: dt.date) -> float:
    """The value of ``path`` on ``date``, the default's own timeline included."""
    return [value for since, value in scenario.schedule(path) if since <= date][-1]


def new_value(path: str, old: float) -> float:
    """A clearly different value: double, a family a month more for a recruitment rate, and half
    the patience of a purchase policy (a longer one binds only if someone waits that long)."""
    if path.endswith("external_after_days"):
        return old / 2
    if path == "reform.practised":
        return 1.0 - old
    return 2 * old + (12 if path.endswith("recruited_per_year") else 0)


def where_it_shows(result: sim.Result, path: str) -> pd.DataFrame:
    """The part of the run a change of ``path`` must move (from its date)."""
    parts = path.split(".")
    after = result.counts[result.counts["date"] >= pd.Timestamp(CHANGE)]
    if path == "reporting.intensity":
        return result.flows[["notifications", "children_entered"]]
    if path == "reform.practised":
        return after[["placements_total", "state_home_based"]]
    if path == "caseworkers.count":
        return after[["caseworkers", "caseload_per_worker"]]
    if parts[-1] == "places":
        return after[[f"places_{parts[1]}", f"in_house_{parts[1]}"]]
    if parts[-1] == "recruited_per_year":
        return after[[f"families_{parts[1]}"]]
    if parts[-1] == "external_after_days":
        waits = result.waits[result.waits["service"] == parts[1]]
        return waits[["requested_day", "wait_days", "outcome"]].reset_index(drop=True)
    level = {"caseworkers": "authority", "services": "home_based"}.get(parts[0], parts[0])
    assert path.endswith(PRICES), path
    frame = result.budget_frame
    return frame.loc[frame["level"] == level, ["year", "spend_kr"]].reset_index(drop=True)


def test_the_default_has_every_time_varying_parameter_of_the_schema():
    """The test below runs over the default's paths; an optional one it lacked would go unchecked."""
    schema = set(time_varying_fields(Scenario))
    assert set(PATHS) <= schema and len(PATHS) > 20
    for path in schema - set(PATHS):  # only the pools of types bought per place are absent
        _, kind, *rest = path.split(".")
        assert rest == ["pool", "recruited_per_year"] and DEFAULT.placement.type(kind).pool is None, path


@pytest.mark.parametrize("path", PATHS)
def test_every_time_varying_parameter_changes_the_run_from_its_date(path):
    """A decision on the timeline must reach the model (else a variant silently equals its base)."""
    data = json.loads(DEFAULT.model_dump_json())
    old = in_force(DEFAULT, path, CHANGE)
    data["timeline"].append({"date": CHANGE.isoformat(), "path": path, "value": new_value(path, old),
                             "note": "test"})
    data["timeline"].sort(key=lambda change: change["date"])  # the loader sorts; the model does not
    changed = sim.run(Scenario.model_validate_json(json.dumps(data)), years=YEARS, seed=SEED)
    base = cached_run("ballerup_2017", YEARS, SEED)
    assert not where_it_shows(base, path).equals(where_it_shows(changed, path))
    # nothing moves before the date: the months before it are counted the same
    before = base.counts["date"] < pd.Timestamp(CHANGE)
    assert before.sum() == 6
    pd.testing.assert_frame_equal(base.counts[before], changed.counts[before])
    if path.endswith(PRICES):
        # a price changes money only: the same children in the same measures
        spend = [r.budget_frame.set_index(["year", "level"])["spend_kr"] for r in (base, changed)]
        pd.testing.assert_frame_equal(base.counts, changed.counts)
        pd.testing.assert_frame_equal(base.spells, changed.spells)
        assert (spend[1] >= spend[0]).all() and (spend[1] > spend[0]).any()


def test_a_price_decided_for_the_start_date_applies_in_the_run():
    """The loader accepts a timeline entry on the start date; the run must then use that price."""
    data = json.loads(DEFAULT.model_dump_json())
    price = DEFAULT.preventive.price_per_year.value
    start = DEFAULT.scenario.start_date.isoformat()
    data["timeline"].insert(0, {"date": start, "path": "preventive.price_per_year", "value": 2 * price,
                                "note": "test"})
    doubled = sim.run(Scenario.model_validate_json(json.dumps(data)), years=1, seed=SEED)
    base = sim.run(DEFAULT, years=1, seed=SEED)
    spend = [r.budget_frame.set_index("level").loc["preventive", "spend_kr"] for r in (base, doubled)]
    assert spend[1] == pytest.approx(2 * spend[0], rel=1e-9)


def test_a_timeline_written_out_of_date_order_runs_as_if_sorted():
    """The API accepts a scenario built in code; its decisions take effect in date order."""
    data = json.loads(DEFAULT.model_dump_json())
    later = {"date": "2018-03-01", "path": "services.familiehus.places", "value": 200, "note": "test"}
    earlier = {"date": "2017-06-01", "path": "services.familiehus.places", "value": 150, "note": "test"}
    runs = []
    for timeline in ([earlier, later], [later, earlier]):
        data["timeline"] = timeline
        runs.append(sim.run(Scenario.model_validate_json(json.dumps(data)), years=YEARS, seed=SEED))
    pd.testing.assert_frame_equal(runs[0].waits, runs[1].waits)
    pd.testing.assert_frame_equal(runs[0].budget_frame, runs[1].budget_frame)
