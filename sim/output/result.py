"""The result of one replication: its records and the tables derived from them.

Tables are computed when first asked for and kept. :meth:`Result.write`
puts them in a new folder as CSV, with the resolved scenario and a manifest;
it writes into a temporary folder beside the target and renames it at the
end, so a folder either holds a whole result or does not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..model import simulate
from ..model.calendar import Calendar
from ..model.equilibrium import SteadyState, derive
from ..model.records import Records
from ..model.together import simulate_together
from ..scenario import Scenario
from . import tables
from .attribution import spend_by_cause
from .finite import refuse_infinite
from .folders import new_folder
from .ledger import PriceList
from .manifest import manifest
from .prices import in_prices_of, price_level

TABLES = ("budget_frame", "counts", "waits", "spells", "services", "flows", "children", "states",
          "spend_by_measure", "spend_by_cause")
"""The tables of a result, in the order they are written and documented."""


@dataclass(eq=False)
class Result:
    """One replication: ``result.budget_frame``, ``.counts``, ``.waits``, ``.spells`` and more."""

    scenario: Scenario
    years: int
    seed: int
    records: Records = field(repr=False)
    started: dt.datetime = field(repr=False)
    finished: dt.datetime = field(repr=False)

    @classmethod
    def of(cls, scenario: Scenario, years: int, seed: int) -> Result:
        """Simulate one replication of ``scenario`` and keep its records.

        It runs from the steady state nearest the scenario's stock, whether or
        not its assumptions can hold that stock still: :func:`sim.run` refuses
        a scenario a user gave that cannot, while a scenario drawn from the
        ranges (Monte Carlo, sensitivity, calibration) runs as it is.
        """
        started = dt.datetime.now(dt.UTC)
        _, records = simulate(scenario, years, seed)
        return cls(scenario, years, seed, records, started, dt.datetime.now(dt.UTC))

    @classmethod
    def together(cls, scenarios: Sequence[tuple[Scenario, int]], years: int, seed: int) -> list[Result]:
        """Simulate (scenario, seed) pairs together in one environment, sharing their foster families.

        One result per scenario, in the order given; ``seed`` seeds the shared pools
        (:mod:`sim.model.together`).
        """
        started = dt.datetime.now(dt.UTC)
        records = simulate_together(scenarios, years, seed)
        finished = dt.datetime.now(dt.UTC)
        return [cls(scenario, years, own_seed, own, started, finished)
                for (scenario, own_seed), own in zip(scenarios, records, strict=True)]

    @cached_property
    def calendar(self) -> Calendar:
        """The run's calendar (start date and horizon)."""
        return Calendar(self.scenario.scenario.start_date, self.years)

    @cached_property
    def prices(self) -> PriceList:
        """Prices per day of every priced item over the horizon."""
        return PriceList(self.scenario, self.calendar)

    @cached_property
    def spells(self) -> pd.DataFrame:
        """One row per measure spell (child, measure, provider, start, end)."""
        return tables.spells(self.records, self.calendar)

    @cached_property
    def states(self) -> pd.DataFrame:
        """One row per stay of a child in a state."""
        return tables.states(self.records)

    @cached_property
    def children(self) -> pd.DataFrame:
        """One row per child: entry route, age, exit and reason."""
        return tables.children(self.records, self.calendar)

    @cached_property
    def waits(self) -> pd.DataFrame:
        """One row per request for an in-house place."""
        return tables.waits(self.records, self.calendar)

    @cached_property
    def spend(self) -> pd.DataFrame:
        """Days and spend of each spell in each year (not written: the tables below sum it)."""
        return tables.spend(self.spells, self.prices)

    @cached_property
    def idle_place_cost(self) -> dict[int, float]:
        """Cost per year of in-house places that stood empty (in the budget frame and the causes)."""
        return tables.idle_place_cost(self.spells, self.records, self.prices, self.calendar)

    @cached_property
    def budget_frame(self) -> pd.DataFrame:
        """Per year and level: persons at 31 Dec, full-year persons, spend, price."""
        return tables.budget_frame(self.spend, self.spells, self.idle_place_cost, self.records, self.prices,
                                   self.calendar)

    @cached_property
    def spend_by_measure(self) -> pd.DataFrame:
        """Per year, measure and provider: full-year measures and spend."""
        return tables.spend_by_measure(self.spend, self.calendar)

    @cached_property
    def spend_by_cause(self) -> pd.DataFrame:
        """Per year and cause: the spend on measures, each krone attributed to one cause."""
        return spend_by_cause(self.spend, self.spells, self.waits, self.idle_place_cost, self.records,
                              self.calendar)

    @cached_property
    def counts(self) -> pd.DataFrame:
        """At each month end: children by state and measure, open cases, caseload, waitlists."""
        return tables.counts(
            self.states, self.spells, self.waits, self.children, self.records, self.prices, self.calendar
        )

    @cached_property
    def services(self) -> pd.DataFrame:
        """Per year and in-house service: places, use, idle places, waits, external purchase."""
        return tables.services(self.spells, self.waits, self.records, self.prices, self.calendar)

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Per year: notifications, investigations, deadline breaches, placements, exits."""
        return tables.flows(self.records, self.children, self.calendar)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name."""
        return {name: getattr(self, name) for name in TABLES}

    @property
    def steady_state(self) -> SteadyState:
        """The rates derived so that the start date is the municipality's steady state."""
        return derive(self.scenario)

    def manifest(self, price_year: int | None = None, tables: tuple[str, ...] = TABLES) -> dict:
        """What produced this result, the steady state derived for it and the price level included."""
        steady = self.steady_state
        return manifest(self.scenario, self.seed, self.years, self.started, self.finished,
                        tables=list(tables), price_level=price_level(self.scenario, price_year),
                        steady_state={
                            "caseload_at_start": steady.caseload,
                            "found_in_need_per_year": steady.found_per_year,
                            "found_in_need_per_1000_children": steady.found_per_1000(
                                self.scenario.population.children.value),
                            "reports_without_need_per_year": steady.reports_without_need_per_year,
                            "placement_mix": steady.placement_mix,
                            "contradictions": [message for _, message in steady.contradictions],
                        })

    def write(self, folder: str | Path, price_year: int | None = None,
              extra: dict[str, pd.DataFrame] | None = None) -> Path:
        """Write the tables (CSV), scenario and manifest to ``folder``, which must not exist.

        With ``price_year`` every kroner column is in that year's prices
        (:mod:`sim.output.prices`). ``extra`` are tables computed from the
        result by a layer above (the budget table of ``python -m sim run``),
        already in the same prices, written beside the others.
        """
        folder = Path(folder)
        tables = {name: in_prices_of(table, self.scenario, price_year) for name, table in self.tables.items()}
        tables |= extra or {}
        refuse_infinite(tables, self.scenario.scenario.name)
        with new_folder(folder, "--out") as staging:
            for name, table in tables.items():
                table.to_csv(staging / f"{name}.csv", index=False)
            (staging / "scenario.json").write_text(self.scenario.model_dump_json(indent=2), "utf-8")
            (staging / "manifest.json").write_text(
                json.dumps(self.manifest(price_year, tuple(tables)), indent=2), "utf-8")
        return folder
