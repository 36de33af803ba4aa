"""The municipality's decisions taking effect on their dates.

The scenario's timeline changes parameters during a run. Rates, prices and
policies are read through schedules whenever they are used (see
:meth:`sim.model.Model.schedule`), so they need nothing here. Capacities are
SimPy resources that must be resized on the day: more caseworkers mean more
investigation slots at once; more Familiehus places admit children from the
waitlist at once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from .wiring import Model


def capacity_handlers(model: Model) -> dict[str, Callable[[float], None]]:
    """Time-varying parameter path -> what changes in the running model."""
    handlers: dict[str, Callable[[float], None]] = {"caseworkers.count": model.caseworkers.set_count}
    for service in model.support.services.values():
        handlers[f"services.{service.name}.places"] = (
            lambda value, places=service.places: places.resize(int(value))
        )
    return handlers


def take_effect(model: Model) -> Generator[simpy.Event, None, None]:
    """Apply the timeline's capacity changes on their dates (others are read from schedules)."""
    handlers = capacity_handlers(model)
    for change in model.scenario.timeline:
        handler = handlers.get(change.path)
        day = model.calendar.day(change.date)
        if handler is None or day >= model.calendar.horizon:
            continue
        yield model.env.timeout(day - model.env.now)
        handler(change.value)
