"""The verdict over the period: running totals per replication, and the paired difference of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.montecarlo.period import period_comparison, period_summary, running_totals
from sim.montecarlo.registry import describe

ADDING = ("spend_kr.total", "notifications", "full_year_persons.placement")
NOT_ADDING = ("placements_31_dec.total", "caseload_per_worker.mean", "median_wait_days.familiehus")


def outcomes(values: np.ndarray, first_year: int) -> pd.DataFrame:
    """Outcomes of scenarios a and b: values[scenario, replication, year, outcome] of ADDING + NOT_ADDING."""
    names = ADDING + NOT_ADDING
    rows = [{"scenario": scenario, "replication": r, "seed": r, "year": first_year + y, "outcome": name,
             "value": float(values[s, r, y, o])}
            for s, scenario in enumerate(("a", "b")) for r in range(values.shape[1])
            for y in range(values.shape[2]) for o, name in enumerate(names)]
    return pd.DataFrame(rows)


shapes = st.tuples(st.integers(1, 6), st.integers(1, 5))


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), first_year=st.integers(2010, 2090))
def test_the_total_over_the_period_is_each_replications_sum_over_its_years(shape, seed, first_year):
    replications, years = shape
    rng = np.random.default_rng(seed)
    values = rng.normal(1e6, 4e5, size=(2, replications, years, len(ADDING) + len(NOT_ADDING)))
    table = outcomes(values, first_year)
    shuffled = table.sample(frac=1.0, random_state=seed % 2**31)
    totals = running_totals(shuffled)

    assert set(totals["outcome"]) == set(ADDING)  # a count at 31 December has no total over the years
    last = totals[totals["year"] == first_year + years - 1]
    for row in last.itertuples():
        s, o = "ab".index(row.scenario), ADDING.index(row.outcome)
        assert row.value == pytest.approx(values[s, row.replication, :, o].sum(), rel=1e-12)
    summary = period_summary(shuffled)
    assert (summary["first_year"] == first_year).all()
    assert summary.set_index(["scenario", "year", "outcome"]).sort_index()["mean"].to_numpy() == \
        pytest.approx(period_summary(table).set_index(["scenario", "year", "outcome"]).sort_index()["mean"]
                      .to_numpy(), rel=1e-12)  # the order of the rows changes nothing

    verdict = period_comparison(shuffled, "a")
    spend = verdict[(verdict["outcome"] == "spend_kr.total") & (verdict["year"] == first_year + years - 1)]
    paired = values[1, :, :, 0].sum(axis=1) - values[0, :, :, 0].sum(axis=1)
    assert spend["median"].item() == pytest.approx(float(np.median(paired)), rel=1e-9)
    assert spend["p_lower"].item() == pytest.approx(float((paired < 0).mean()))
    assert set(verdict["scenario"]) == {"b"}


@pytest.mark.unit
def test_the_period_total_is_not_the_sum_of_the_yearly_medians():
    """Summed per replication first: each year's median difference is 0, so adding them up would say
    the variant changes nothing, but it saves 4 over the period in two replications of three."""
    values = np.zeros((2, 3, 2, len(ADDING) + len(NOT_ADDING)))
    values[1, :, :, 0] = [[-5.0, 1.0], [1.0, -5.0], [0.0, 0.0]]
    verdict = period_comparison(outcomes(values, 2017), "a")
    spend = verdict[verdict["outcome"] == "spend_kr.total"].set_index("year")
    assert spend.loc[2017, "median"] == 0.0
    assert spend.loc[2018, "median"] == -4.0 and spend.loc[2018, "p_lower"] == pytest.approx(2 / 3)


@pytest.mark.unit
@pytest.mark.parametrize(("outcome", "adds_up"), [*((name, True) for name in ADDING),
                                                  *((name, False) for name in NOT_ADDING),
                                                  ("home_based_full_year_persons.familiehus", True),
                                                  ("placements.mean", False), ("external_share.dut", False)])
def test_only_flows_over_a_year_add_up_to_a_period(outcome, adds_up):
    assert describe(outcome).adds_up is adds_up
