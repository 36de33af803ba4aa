"""Ensemble summaries checked against numpy on known samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.montecarlo import compare, convergence, paired_differences, summarise
from sim.montecarlo.summary import PERCENTILES, percentile_name

finite = st.floats(-1e9, 1e9, allow_nan=False).map(lambda v: round(v, 2))
samples = st.lists(finite, min_size=1, max_size=40)


def long_table(groups: dict[tuple[str, int, str], list[float]]) -> pd.DataFrame:
    rows = [
        {"scenario": s, "year": y, "outcome": o, "replication": k, "value": v}
        for (s, y, o), values in groups.items() for k, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


@pytest.mark.property
@given(samples, samples)
def test_summary_matches_numpy(first, second):
    groups = {("a", 2017, "spend_kr.total"): first, ("b", 2018, "notifications"): second}
    summary = summarise(long_table(groups)).set_index(["scenario", "year", "outcome"])
    assert len(summary) == 2
    for key, values in groups.items():
        row, sample = summary.loc[key], np.array(values)
        assert row["replications"] == len(sample)
        assert row["mean"] == pytest.approx(sample.mean(), rel=1e-12, abs=1e-6)
        if len(sample) > 1:
            sd = sample.std(ddof=1)
            assert row["sd"] == pytest.approx(sd, rel=1e-9, abs=1e-6)
            assert row["mcse"] == pytest.approx(sd / math.sqrt(len(sample)), rel=1e-9, abs=1e-6)
        else:  # one replication says nothing about the spread
            assert math.isnan(row["sd"]) and math.isnan(row["mcse"])
        for q in PERCENTILES:
            assert row[percentile_name(q)] == pytest.approx(np.percentile(sample, q), rel=1e-12, abs=1e-6)


@pytest.mark.property
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=30))
def test_paired_differences_and_their_directions_match_numpy(pairs):
    base, variant = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    table = long_table({("base", 2020, "x"): list(base), ("variant", 2020, "x"): list(variant)})
    differences = paired_differences(table, "base")
    assert np.array_equal(differences.sort_values("replication")["difference"].to_numpy(), variant - base)
    row = compare(table, "base").iloc[0]
    assert row["scenario"] == "variant" and row["baseline"] == "base"
    assert row["mean"] == pytest.approx((variant - base).mean(), rel=1e-12, abs=1e-6)
    assert row["median"] == pytest.approx(np.median(variant - base), rel=1e-12, abs=1e-6)
    assert row["p_higher"] == pytest.approx(np.mean(variant > base))
    assert row["p_lower"] == pytest.approx(np.mean(variant < base))


@pytest.mark.unit
def test_differences_pair_replications_by_number_not_by_row_order():
    table = long_table({("base", 2020, "x"): [1.0, 2.0, 3.0], ("variant", 2020, "x"): [1.5, 2.5, 3.5]})
    shuffled = table.sample(frac=1.0, random_state=3)
    assert (paired_differences(shuffled, "base")["difference"] == 0.5).all()


@pytest.mark.property
@given(st.integers(2, 500), st.floats(1e-4, 10.0), st.floats(0.001, 0.2))
def test_replications_needed_reach_the_precision(n, relative, precision):
    summary = pd.DataFrame({"replications": [n], "mean": [100.0], "mcse": [100.0 * relative]})
    row = convergence(summary, precision).iloc[0]
    assert row["relative_mcse"] == pytest.approx(relative)
    relative = row["relative_mcse"]
    assert bool(row["converged"]) == (relative <= precision)
    needed = row["replications_needed"]
    assert needed >= n
    # the standard error falls with the square root of the replications
    assert relative * math.sqrt(n / needed) <= precision * (1 + 1e-9)
    if needed > n:
        assert relative * math.sqrt(n / (needed - 1)) > precision


@pytest.mark.unit
def test_a_mean_of_zero_is_converged_only_without_noise():
    summary = pd.DataFrame({"replications": [10, 10], "mean": [0.0, 0.0], "mcse": [0.0, 1.0]})
    result = convergence(summary, 0.01)
    assert result["converged"].tolist() == [True, False]
    assert result["replications_needed"].tolist() == [10, math.inf]


@pytest.mark.unit
@pytest.mark.parametrize("precision", [0, 1, -0.1, 2])
def test_a_precision_outside_zero_to_one_is_refused(precision):
    with pytest.raises(ValueError, match="precision"):
        convergence(pd.DataFrame({"replications": [1], "mean": [1.0], "mcse": [0.0]}), precision)


@pytest.mark.unit
def test_one_replication_is_never_converged():
    summary = summarise(long_table({("a", 2017, "x"): [5.0], ("a", 2018, "x"): [5.0, 5.0]}))
    result = convergence(summary, 0.01).set_index("year")
    assert not result.loc[2017, "converged"] and result.loc[2018, "converged"]
    assert math.isinf(result.loc[2017, "relative_mcse"])
