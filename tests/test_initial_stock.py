"""The initial stock: with steady inflow, counts neither jump nor drift because of the start.

A scenario with constant inflow, staff and places is first run for many
years to find its steady state. Started again from that steady state's
counts (as a planner starts from the published counts), the average over
replications must stay near it from the first month on. A start that puts
every child at the beginning of its spell (elapsed 0, the naive start) is
run as a control: it overshoots, which shows the test can fail.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import sim
from sim.measures import HOME_BASED, PLACEMENT_TYPES
from sim.model import initial_stock
from sim.scenario.schema import Scenario

pytestmark = [pytest.mark.functional, pytest.mark.slow]

WATCHED = ["open_cases", "placements_total", "state_preventive", "state_home_based"]
TOLERANCE = 0.07
"""Largest relative deviation of a quarter's or a year's mean from the steady state.
Monte Carlo noise of the means below is about 2-3%; the naive start deviates by 15-25%."""


def steady_scenario(stock: dict[str, int] | None = None) -> Scenario:
    """The steady municipality with ample staff and in-house places (so that no queue forms); shorter-tailed
    durations (cv 0.4) so that a start at the beginning of every spell shows clearly."""
    data = json.loads(sim.load_scenario("ballerup_2017_steady").model_dump_json())
    data["caseworkers"]["count"]["value"] = 32.0
    for service in ("familiehus", "dut"):
        data["services"][service]["places"] = {"value": 1000, "source": "test: no waitlist"}
    for rung in ("preventive", "home_based", "placement"):
        data[rung]["duration_cv"]["value"] = 0.4
    if stock is not None:
        initial = data["initial"]
        for key in ("investigations", "preventive", "home_based_measures"):
            initial[key]["value"] = stock[key]
        for kind in PLACEMENT_TYPES:
            initial["placements"][kind]["value"] = stock[kind]
    return Scenario.model_validate_json(json.dumps(data))


@pytest.fixture(scope="module")
def steady_state() -> tuple[dict[str, int], pd.Series]:
    """The steady stock (for the initial fields) and the steady means of the watched counts."""
    runs = [sim.run(steady_scenario(), years=20, seed=seed).counts.iloc[72:] for seed in range(4)]
    counts = pd.concat(runs)
    means = counts.mean(numeric_only=True)
    stock = {
        "investigations": means["state_awaiting_investigation"] + means["state_investigation"],
        "preventive": means["state_preventive"],
        "home_based_measures": sum(means[f"measure_{kind}"] for kind in HOME_BASED),
        **{kind: means[f"placement_{kind}"] for kind in PLACEMENT_TYPES},
    }
    return {key: round(value) for key, value in stock.items()}, means[WATCHED]


def deviations(scenario: Scenario, steady: pd.Series, replications: int, years: int) -> pd.DataFrame:
    """Relative deviation from the steady state of the mean counts, per first quarter and per year."""
    mean = sum(
        sim.run(scenario, years=years, seed=1000 + k).counts[WATCHED].to_numpy(float)
        for k in range(replications)
    ) / replications
    periods = {"first quarter": mean[:3]}
    periods |= {f"year {y + 1}": mean[12 * y: 12 * (y + 1)] for y in range(years)}
    return pd.DataFrame(
        {name: rows.mean(axis=0) / steady.to_numpy() - 1 for name, rows in periods.items()}, index=WATCHED
    ).T


def test_counts_do_not_jump_or_drift_from_a_steady_stock(steady_state):
    stock, steady = steady_state
    found = deviations(steady_scenario(stock), steady, replications=16, years=4)
    assert found.abs().to_numpy().max() < TOLERANCE, found.round(3).to_string()


def test_a_start_at_the_beginning_of_every_spell_would_overshoot(steady_state, monkeypatch):
    stock, steady = steady_state

    def fresh_spell(rng: np.random.Generator, mean: float, cv: float) -> tuple[float, float]:
        return 0.0, float(rng.gamma(1 / cv**2, mean * cv**2))

    def fresh_round(rng: np.random.Generator, needs: np.ndarray, interval: float) -> tuple[int, float, float]:
        return 0, 0.0, 1.0

    monkeypatch.setattr(initial_stock, "elapsed_and_remaining", fresh_spell)
    monkeypatch.setattr(initial_stock, "_round_in_progress", fresh_round)
    found = deviations(steady_scenario(stock), steady, replications=8, years=2)
    assert found.to_numpy().max() > 2 * TOLERANCE, found.round(3).to_string()


def test_the_children_table_gives_the_age_the_stock_drew(default_run, default):
    """A child of the stock ages out at 18, or at the after-care limit, by the age its entry record gives."""
    from sim.model.calendar import DAYS_PER_YEAR

    children = default_run.children
    aged = children[(children["exit_reason"] == "aged_out") & children["route"].str.startswith("initial_")]
    assert len(aged) > 10
    at_exit = aged["age_at_entry"] + (aged["exited_day"] - aged["entered_day"]) / DAYS_PER_YEAR
    limits = np.array([18.0, default.exits.after_care_until_age.value])
    assert np.abs(at_exit.to_numpy()[:, None] - limits).min(axis=1).max() < 1e-6
