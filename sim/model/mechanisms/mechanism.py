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
    "reporting_intensity": "how readily reporters report concern, as set on the timeline",
    "practice": "whether the municipality practises the reform, as set on the timeline",
    "waiting_days": "how long a child has waited for an in-house place",
    "free_families": "whether a foster family of the wanted type is free",
    "child": "the child a decision is about: its need, age and when its case opened",
}
"""The state of the running system a mechanism may read. The caseload is a signal of the whole
system, handed to the mechanism when it is built; the intensity and the practice are read
from the run's schedules; the others belong to one child or request and are read where the
decision is made."""

GLOBAL_SIGNALS = ("caseload",)
"""The signals handed to a mechanism as functions of now when it is built."""


@dataclass(frozen=True)
class Inputs:
    """What a mechanism is built from."""

    section: Any
    """Its section of the scenario (a frozen pydantic model)."""
    uses: Mapping[str, Any]
    """The other scenario sections it declares it reads, by name."""
    signals: Mapping[str, Callable[[], float]]
    """Each system-wide signal it declares it reads, as a function of now."""
    schedules: Schedules
    """The run's time-varying parameters, for assumptions the timeline may change."""
    on: bool = True
    """False when the scenario switches the mechanism off (``mechanisms.off``): it is then built
    so that the decision it changes is made as if it did not exist."""


@dataclass(frozen=True)
class Mechanism:
    """One feedback of the model, as the registry knows it."""

    name: str
    """Its name in the registry, the documentation and the wiring."""
    section: str
    """The scenario section that holds its assumptions."""
    uses: tuple[str, ...]
    """Other scenario sections whose values it reads (the shares the threshold moves, say)."""
    reads: tuple[str, ...]
    """The signals of the running system it reads (keys of :data:`SIGNALS`)."""
    changes: str
    """The decision of the flow it changes, in a planner's words."""
    build: Callable[[Inputs], Any]
    """Makes the object the deciding part of the flow consults."""
