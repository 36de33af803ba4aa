"""The municipality's decisions taking effect on their dates.

The scenario's timeline changes parameters during a run. Rates, prices and
policies are read through schedules whenever they are used (see
:class:`sim.model.steps.Schedules`), so they need nothing here. Capacities
are SimPy resources that must be resized on the day: more caseworkers mean
more investigation slots at once; more Familiehus places admit children
from the waitlist at once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping

import simpy

from ..scenario.schema import TimelineChange
from .calendar import Calendar

Handler = Callable[[float], None]
"""What changes in the running model when a capacity parameter takes a new value."""


def take_effect(
    env: simpy.Environment, calendar: Calendar, timeline: Iterable[TimelineChange],
    handlers: Mapping[str, Handler],
) -> Generator[simpy.Event, None, None]:
    """Apply the timeline's capacity changes on their dates; other changes are read from schedules.

    ``handlers`` maps a capacity parameter's path to what changes in the
    running model.
    """
    for change in timeline:
        handler = handlers.get(change.path)
        day = calendar.day(change.date)
        if handler is None or day >= calendar.horizon:
            continue
        yield env.timeout(day - env.now)
        handler(change.value)
