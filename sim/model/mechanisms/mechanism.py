"""What a mechanism declares: the assumptions it reads, the signals it watches, the decision it changes.

A mechanism is a rule by which the state of the running system changes a
decision of the flow (the caseload changes how often a case is reviewed; a
long wait for an in-house place makes the municipality buy the measure).
Declaring what it reads and what it changes keeps each one a unit that can
be built and tested alone, documented as an ODD submodel, and found by a
planner who asks which assumption drives an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..steps import Schedules

SIGNALS = {
    "caseload": "open cases per caseworker now",
    "waiting_days": "how long a child has waited for an in-house place",
    "free_families": "whether a foster family of the wanted type is free",
}
"""The state of the running system a mechanism may read. The first is a signal of the whole
system, handed to the mechanism when it is built; the others belong to one child's request
and are read where the decision is made."""


@dataclass(frozen=True)
class Inputs:
    """What a mechanism is built from."""

    section: Any
    """Its section of the scenario (a frozen pydantic model)."""
    signals: Mapping[str, Callable[[], float]]
    """Each system-wide signal it declares it reads, as a function of now."""
    schedules: Schedules
    """The run's time-varying parameters, for assumptions the timeline may change."""


@dataclass(frozen=True)
class Mechanism:
    """One feedback of the model, as the registry knows it."""

    name: str
    """Its name in the registry, the documentation and the wiring."""
    section: str
    """The scenario section that holds its assumptions."""
    reads: tuple[str, ...]
    """The signals of the running system it reads (keys of :data:`SIGNALS`)."""
    changes: str
    """The decision of the flow it changes, in a planner's words."""
    build: Callable[[Inputs], Any]
    """Makes the object the deciding part of the flow consults."""
