"""Scenarios: the validated, frozen description of one municipality and its policies."""

from .loading import embedded_names, extend_scenario, load_scenario
from .schema import Scenario

__all__ = ["Scenario", "embedded_names", "extend_scenario", "load_scenario"]
