"""Hypothesis strategies: valid scenarios drawn from the ranges the scenario itself states.

Every assumption (a quantity with a range) is drawn within its range, every
mix gets random shares, capacities are drawn from zero up, the start date
(and with it the timeline) moves across leap years, and the initial stock is
scaled down so that a replication stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st

import sim
from sim.scenario.schema import Scenario

BASE = json.loads(sim.load_scenario("ballerup_2017").model_dump_json())

CHOICES = {
    # policy levers, drawn over a wide span including the edges
    ("caseworkers", "count"): st.floats(2, 40),
    ("services", "familiehus", "places"): st.integers(0, 250),
    ("services", "dut", "places"): st.integers(0, 250),
    ("services", "familiehus", "external_after_days"): st.sampled_from([0, 1, 30, 90, 400]),
    ("services", "dut", "external_after_days"): st.sampled_from([0, 1, 30, 90, 400]),
}


def _is_quantity(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and "source" in node


def _mixes(node: dict) -> bool:
    return isinstance(node.get("value"), dict) and all(
        isinstance(v, float | int) for v in node["value"].values()
    )


@st.composite
def scenarios(draw: st.DrawFn, stock_scale: tuple[float, float] = (0.05, 0.4)) -> Scenario:
    """A valid scenario with its assumptions, mixes and capacities drawn."""
    data = json.loads(json.dumps(BASE))

    def visit(node: Any, path: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        if path in CHOICES:
            node["value"] = draw(CHOICES[path])
            node.pop("range", None)
            return
        if _is_quantity(node) and node.get("range"):
            low, high = node["range"]
            if isinstance(node["value"], int) and not isinstance(node["value"], bool):
                node["value"] = draw(st.integers(int(low), int(high)))
            else:
                node["value"] = draw(st.floats(low, high))
            return
        if _is_quantity(node) and _mixes(node):
            keys = sorted(node["value"])
            weights = [draw(st.floats(0.0, 1.0)) for _ in keys]
            weights[0] += 1e-3  # at least one share above zero
            total = sum(weights)
            node["value"] = {k: w / total for k, w in zip(keys, weights, strict=True)}
            return
        for key, child in node.items():
            visit(child, (*path, key))

    visit(data, ())
    scale = draw(st.floats(*stock_scale))

    def scaled(quantity: dict, whole: bool = True) -> None:
        value = quantity["value"] * scale
        quantity["value"] = int(value) if whole else value
        quantity.pop("range", None)

    initial = data["initial"]
    for key in ("investigations", "preventive", "home_based_measures"):
        scaled(initial[key])
    for count in initial["placements"].values():
        scaled(count)
    scaled(data["notification"]["per_year"], whole=False)
    scaled(data["population"]["children"])
    scaled(data["small_children_special"]["persons_at_start"])
    start = draw(st.dates(dt.date(2015, 1, 1), dt.date(2023, 12, 31)))
    data["scenario"]["start_date"] = start.isoformat()
    for change in data["timeline"]:  # decisions keep their place after the start
        change["date"] = (start + dt.timedelta(days=draw(st.integers(0, 500)))).isoformat()
    notified = data["notification"]  # a child notified again has at least two notifications
    again = notified["reported_again_share"]["value"]
    notified["per_notified_child"]["value"] = max(notified["per_notified_child"]["value"], 1.0 + again)
    reform = data["reform"]  # the reform fades between two caseloads, the lower first
    reform["no_effect_caseload"]["value"] = reform["full_effect_caseload"]["value"] + max(
        reform["no_effect_caseload"]["value"] - reform["full_effect_caseload"]["value"], 1.0)
    return Scenario.model_validate_json(json.dumps(data))


def run_drawn(scenario: Scenario, years: int, seed: int) -> sim.Result:
    """One replication of a drawn scenario, as a Monte Carlo draw runs: with the steady state nearest to
    its stock even where its assumptions cannot hold that stock still (``sim.run`` refuses those)."""
    return sim.Result.of(scenario, years, seed)
