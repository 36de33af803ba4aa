"""One replication of a municipality: the SimPy environment and every part of the system, wired.

:class:`Model` builds the parts in the order the system works and hands each
only what it uses: the register of children, the caseworkers, the
mechanisms (:mod:`sim.model.mechanisms`), the home-based support with its
in-house services, the placement supply, the rates that make the start date
a steady state (:mod:`sim.model.equilibrium`), the notifications, need and
the steps of the ladder; then :meth:`Model.run` creates the initial stock,
the small-children stock (when the scenario has that level), the arrivals
and the timeline's decisions, runs them to the horizon and returns the
records. The order is part of the model: events scheduled at the same
moment run in the order they were made.
"""

from __future__ import annotations

from typing import Any

import simpy

from ..scenario import Scenario
from . import equilibrium, initial_stock, mechanisms
from .assessment import Assessment
from .calendar import Calendar
from .caseworkers import Caseworkers
from .decisions import Handler, take_effect
from .investigation import Investigations
from .ladder import Ladder
from .need import Need
from .notification import Notifications
from .placement import FamilyPool, PlacementSupply, family_pools
from .records import Records
from .register import Register
from .services import HomeBasedSupport
from .small_children import SmallChildrenSpecial
from .steps import Schedules, Steps
from .streams import Streams


class Model:
    """The running replication: clock, streams, records, the register of children, and the parts."""

    def __init__(self, scenario: Scenario, years: int, seed: int, *, env: simpy.Environment | None = None,
                 families: dict[str, FamilyPool] | None = None):
        """One replication of ``scenario``.

        A municipality alone, or with ``env`` and ``families`` one of several run together in one
        environment, sharing their foster families (:mod:`sim.model.together`).
        """
        self.scenario = scenario
        self.calendar = Calendar(scenario.scenario.start_date, years)
        self.env = env = simpy.Environment() if env is None else env
        self.streams = Streams(seed)
        self.records = records = Records()
        self.schedules = Schedules(scenario, self.calendar)
        self.register = register = Register(env, self.streams, records, scenario.exits,
                                            when_leaving=self._end_home_based)
        self.caseworkers = Caseworkers(env, records, scenario.caseworkers, register.open_cases)
        self.mechanisms: dict[str, Any] = mechanisms.build(
            scenario, {"caseload": self.caseworkers.caseload}, self.schedules
        )
        self.support = HomeBasedSupport(env, records, scenario.home_based, scenario.services,
                                        self.mechanisms["external_purchase"])
        self.steady = equilibrium.derive(scenario)
        """The rates (and placement mix) at which the start date is the municipality's steady state."""
        if families is None:
            pools = family_pools(env, records, scenario.placement, scenario.initial.placements,
                                 self.schedules.of, self.streams.stream)
        else:
            pools = families
            records.capacity.update({kind: pool.families.history for kind, pool in families.items()})
        self.placement = PlacementSupply(env, pools, scenario.placement,
                                         self.mechanisms["foster_substitution"], self.steady.placement_mix)
        ages = scenario.age.at_first_contact.bands()
        self.notifications = Notifications(env, register, records, self.streams, scenario.notification, ages,
                                           self.calendar.horizon, self._start)
        self.intensity = self.schedules.yearly("reporting.intensity",
                                               scenario.reporting.growth_per_year.value)
        built = self.mechanisms
        self.need = Need(env, register, scenario.need, built["detection"], built["reform"], self.intensity,
                         self.notifications, ages, self._start, self.calendar.horizon)
        threshold = self.mechanisms["threshold"]
        self.ladder = Ladder(
            env, register, records,
            Assessment(env, register, scenario.assessment, threshold, self.need.unmet),
            Investigations(env, register, records, scenario.investigation, self.caseworkers.slots, threshold,
                           self.need.unmet),
            self.support, self.placement, self.mechanisms["review_pace"], self.mechanisms["reform"],
            scenario.preventive, scenario.home_based, scenario.placement,
        )

    def _start(self, child: Any, step: str) -> object:
        """Start a newly arrived child's career at ``step``."""
        return self.ladder.start(child, step)

    def _end_home_based(self, child: Any, reason: str) -> None:
        """A child leaving takes its home-based measures with it."""
        self.support.end_all(child, reason)

    def capacity_handlers(self) -> dict[str, Handler]:
        """Time-varying capacity parameter path -> what changes in the running model."""
        handlers: dict[str, Handler] = {"caseworkers.count": self.caseworkers.set_count}
        for service in self.support.services.values():
            handlers[f"services.{service.name}.places"] = (
                lambda value, places=service.places: places.resize(int(value))
            )
        return handlers

    def run(self) -> Records:
        """Build the system as it stands on the start date and run it to the horizon."""
        self.start()
        self.env.run(until=self.calendar.horizon)
        self.records.finish()
        return self.records

    def start(self) -> None:
        """Build the system as it stands on the start date: the stock, the arrivals and the timeline.

        What a replication costs before its first day (with the steady state,
        derived once per scenario): the benchmark times it as the fixed cost.
        """
        scenario, env, register = self.scenario, self.env, self.register
        ages = scenario.age.at_first_contact.bands()
        initial_stock.build(scenario, register, self.support, self.placement, self.mechanisms["review_pace"],
                            self.steady.investigated_needs, self.ladder.start)
        if scenario.small_children_special is not None:  # a level the municipality's accounts have
            SmallChildrenSpecial(env, register, self.records, self.streams, scenario.small_children_special,
                                 ages)
        self.need.start(self.streams, self.calendar, self.steady.found_per_year)
        self.need.start_unmet(self.streams, self.steady.unmet_at_start)
        notified = scenario.notification
        self.notifications.repeats_before_start(notified.per_year.value / notified.per_notified_child.value)
        self.notifications.reports_without_need(
            Steps(self.intensity.days, self.intensity.values * self.steady.reports_without_need_per_year))
        env.process(take_effect(env, self.calendar, scenario.timeline, self.capacity_handlers()))


def simulate(scenario: Scenario, years: int, seed: int) -> tuple[Model, Records]:
    """Run one replication and return the model as it ended and its records."""
    model = Model(scenario, years, seed)
    return model, model.run()
