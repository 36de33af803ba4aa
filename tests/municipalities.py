"""Synthetic municipalities for the tests: Ballerup's steady state at another size and caseload.

Mechanisms must hold for any municipality, so the direction and steady-state
tests run on Ballerup's municipality of 1 January 2017 scaled to half, once
and five times its children (every published count and capacity with it),
with as many caseworkers as give a chosen caseload on the start date.
"""

from __future__ import annotations

import functools
import json

import sim
from sim.model.initial_stock import start_caseload
from sim.scenario.schema import Scenario

BASE = "ballerup_2017_steady"
SIZES = (0.5, 1.0, 5.0)
CASELOADS = (20.0, 29.0, 36.0)

SCALED = (
    "population.children", "notification.per_year", "initial.investigations", "initial.preventive",
    "initial.home_based_measures", "small_children_special.persons_at_start", "services.familiehus.places",
    "services.dut.places",
)
"""Counts and capacities that grow with the municipality (with the placements and family pools)."""


def _scale(node: dict, factor: float, whole: bool) -> None:
    value = node["value"] * factor
    node["value"] = round(value) if whole else value
    if node.get("range"):
        node["range"] = [round(end * factor) if whole else end * factor for end in node["range"]]


@functools.cache
def municipality(size: float, caseload: float, base: str = BASE) -> Scenario:
    """``base`` with ``size`` times its children, and caseworkers giving ``caseload`` on the start date."""
    data = json.loads(sim.load_scenario(base).model_dump_json())
    data["scenario"]["name"] = f"synthetic_{size:g}x_caseload_{caseload:g}"
    for path in SCALED:
        node = data
        for part in path.split("."):
            node = node[part]
        _scale(node, size, whole=path != "notification.per_year")
    for kind, count in data["initial"]["placements"].items():
        _scale(count, size, whole=True)
        pool = data["placement"][kind].get("pool")
        if pool:
            _scale(pool["free_at_start"], size, whole=True)
            _scale(pool["recruited_per_year"], size, whole=False)
    workers = data["caseworkers"]["count"]
    for _ in range(4):  # the caseload moves the review pace, which moves the home-based children it counts
        scenario = Scenario.model_validate_json(json.dumps(data))
        workers["value"] = workers["value"] * start_caseload(scenario) / caseload
    return Scenario.model_validate_json(json.dumps(data))
