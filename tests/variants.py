"""Variants of the default scenario for tests: one parameter set, the rest as shipped."""

from __future__ import annotations

import json
from collections.abc import Callable

import sim
from sim.scenario.schema import Scenario

BASE = json.loads(sim.load_scenario("ballerup_2017").model_dump_json())
"""The default scenario in its dumped (JSON) form."""


def variant(edit: Callable[[dict], None]) -> Scenario:
    """The default with ``edit`` applied to its dumped form."""
    data = json.loads(json.dumps(BASE))
    edit(data)
    return Scenario.model_validate_json(json.dumps(data))


def set_value(data: dict, path: str, value: float) -> None:
    """Set the quantity at ``path`` as a choice (no range) and drop its timeline changes."""
    node = data
    for part in path.split("."):
        node = node[part]
    node["value"] = value
    node.pop("range", None)
    data["timeline"] = [change for change in data["timeline"] if change["path"] != path]


def with_values(*settings: tuple[str, float]) -> Scenario:
    """The default with each (path, value) of ``settings`` set for the whole run."""

    def edit(data: dict) -> None:
        for path, value in settings:
            set_value(data, path, value)

    return variant(edit)


def without(section: str, base: str = "ballerup_2017_steady") -> Scenario:
    """``base`` with ``section`` left out, as a municipality's file without it would be."""
    data = json.loads(sim.load_scenario(base).model_dump_json())
    data.pop(section)
    data["scenario"]["name"] = f"{base}_without_{section}"
    return Scenario.model_validate_json(json.dumps(data))
