"""Long and large runs hold: a 30-year horizon and 20 times the notifications, in bounded memory.

Planners run to the end of a long investment horizon, and a researcher may
feed a city's volume through a municipality's parameters. Both must finish
without error, keep every child accounted for, and hold memory in proportion
to what they record. The bound is generous (over three times the peaks
traced by ``tracemalloc`` when it was set: 10 years 13 MB, 30 years 45 MB,
20 times the notifications for two years 34 MB), so it catches a leak or a
quadratic table, not noise.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from test_invariants import check_conservation

import sim
from sim.scenario import extend_scenario

pytestmark = [pytest.mark.functional, pytest.mark.slow]

PEAK_BOUND_BYTES = 150e6


def traced(scenario: sim.Scenario | str, years: int, seed: int) -> tuple[sim.Result, int]:
    """A replication with its tables built, and the peak of memory traced while running it."""
    tracemalloc.start()
    try:
        result = sim.run(scenario, years=years, seed=seed)
        result.tables  # noqa: B018 - the tables are part of what a run costs
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def test_a_30_year_horizon_runs_with_every_child_accounted_for():
    result, peak = traced("ballerup_2017", 30, 4)
    frame = result.budget_frame
    assert sorted(frame["year"].unique()) == list(range(2017, 2047))
    assert np.isfinite(frame["spend_kr"]).all() and (frame["spend_kr"] >= 0).all()
    check_conservation(result)
    placements = frame[frame["level"] == "placement"].set_index("year")["persons_31_dec"]
    assert placements.min() > 0, "the ladder emptied: the horizon outran the model"
    assert peak < PEAK_BOUND_BYTES, f"peak {peak / 1e6:.0f} MB"


def test_twenty_times_the_notifications_flow_through_in_bounded_memory(default):
    per_year = default.notification.per_year.value
    crowded = extend_scenario("ballerup_2017", {"notification": {"per_year": 20 * per_year}}, "twenty_times")
    result, peak = traced(crowded, 2, 4)
    notified = result.flows.set_index("year")["notifications"]
    assert notified.between(0.9 * 20 * per_year, 1.1 * 20 * per_year * 1.04**2).all(), notified
    check_conservation(result)
    usual = sim.run("ballerup_2017", years=2, seed=4).counts["state_awaiting_investigation"].mean()
    assert result.counts["state_awaiting_investigation"].mean() > 5 * usual, "the extra children never came"
    assert peak < PEAK_BOUND_BYTES, f"peak {peak / 1e6:.0f} MB"
