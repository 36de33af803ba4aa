"""Scenarios: the validated, frozen description of one municipality and its policies."""

from .loading import DEFAULT_SCENARIO, embedded_names, extend_scenario, load_scenario
from .schema import Scenario

__all__ = ["DEFAULT_SCENARIO", "Scenario", "embedded_names", "extend_scenario", "load_scenario"]
