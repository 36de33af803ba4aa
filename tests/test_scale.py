"""Long and large runs hold: a 30-year horizon and a municipality ten times Ballerup's, in bounded memory.

Planners run to the end of a long investment horizon, and a researcher may
run a city (ten times Ballerup's children is about Copenhagen's). Both must
finish without error, keep every child accounted for, and hold memory in
proportion to what they record. The bound is generous (over twice the peaks
traced by ``tracemalloc`` when it was set: 30 years of the default about
45 MB, two years of a municipality 20 times Ballerup's about 60 MB), so it
catches a leak or a quadratic table, not noise.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from municipalities import municipality
from test_invariants import check_conservation

import sim

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


def test_a_municipality_ten_times_the_size_flows_through_in_bounded_memory():
    city = municipality(10.0, 29.0)
    result, peak = traced(city, 1, 4)
    usual = sim.run(municipality(1.0, 29.0), years=1, seed=4)
    for outcome in ("notifications", "investigations_decided"):
        ratio = result.flows[outcome].sum() / usual.flows[outcome].sum()
        assert 8 < ratio < 12.5, (outcome, ratio)
    check_conservation(result)
    assert peak < PEAK_BOUND_BYTES, f"peak {peak / 1e6:.0f} MB"
