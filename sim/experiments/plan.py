"""An investment case's plan, and the simulated spend measured against it the way municipalities count.

A municipality that invests (more caseworkers, a new practice) does so on a
deterministic plan: planned placements by type per year at planned prices,
the other levels held at planned activity, the staff investment per year and
the savings the plan requires. A year later it measures its *extra need*:
actual spend minus the plan's spend, line by line. An experiment's ``[plan]``
holds such a plan; barnesim computes its spend path exactly as the
spreadsheet does (persons x price x the plan's own price index) and measures
each replication of the plan's variant against it:

- **placements**, volume and price apart: volume is the difference in
  full-year persons per type at the plan's price, price is the simulated
  full-year persons at the difference in price; the two add up to the
  difference in spend;
- **preventive, home-based, small children**: simulated minus planned spend,
  for the levels the plan holds (one it does not is not measured: 0);
- **the start gap**: the model's spend at its start, standing still (the
  ``without`` variant's first year), minus the plan's base (``base_year``),
  carried on at the plan's index, for placements and the other levels
  apart. A model never holds a municipality's accounts exactly; the gap is
  its level error, not a finding, and the extra need is counted beyond it;
- **the verdict**: net saving = required savings - extra need - investment,
  its running sum over the plan's years, the first year it is above zero
  (payback), and the share of replications in which it is.

Lines are named in :data:`LINES`; the tables are documented in
``docs/experiments.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..measures import PLACEMENT_TYPES
from ..montecarlo.summary import summarise
from ..scenario.strict import Strict
from ..scenario.yearly import PerYear, in_year, years_of

OTHER_LEVELS = ("preventive", "home_based", "small_children_special")
"""Levels a plan holds at an activity (persons a year at a price), beside placements by type."""

LINES = (
    "placements", "placements_volume", "placements_price", *OTHER_LEVELS, "other_levels", "total",
    "start_gap_placements", "start_gap_other_levels", "start_gap",
    "extra_need_placements", "extra_need_other_levels", "extra_need",
    "required_savings", "investment", "net_saving", "cumulative_net_saving", "paid_back",
)
"""Rows of the table against the plan, per year, in kroner. ``placements`` = volume + price;
``other_levels`` = preventive + home-based + small children; ``total`` = the two; each
``extra_need_*`` is the line less its ``start_gap_*``; ``paid_back`` is 1 in a replication whose
cumulative net saving is above zero by then."""


class Activity(Strict):
    """Planned persons a year (full-year persons) of a placement type or a level, at a price."""

    persons: PerYear = Field(description="Persons a year, or year -> persons.")
    price_per_year: float = Field(gt=0, allow_inf_nan=False,
                                  description="Kroner per person-year in the plan's price_year.")
    source: str = Field("", description="Where the figures come from.")

    def persons_in(self, year: int) -> float | None:
        """Planned persons in ``year`` (a constant holds every year), or None if the plan has none."""
        return in_year(self.persons, year)


class Plan(Strict):
    """A deterministic investment case: what it plans, what it costs and what it must save."""

    label: str = Field(min_length=1, description="What the plan is, in a line.")
    source: str = Field(min_length=1, description="Where the plan is published.")
    variant: str = Field(min_length=1, description="Label of the variant that carries out the plan.")
    without: str | None = Field(None, min_length=1,
                                description="Label of the variant without the decision (the start gap).")
    base_year: int = Field(ge=2000, le=2100, description="The year whose activity the plan starts from.")
    price_year: int = Field(ge=2000, le=2100, description="The year of the plan's prices.")
    price_index_per_year: float = Field(0.0, ge=0, le=0.5, description="The plan's yearly price index.")
    unit_kr: float = Field(1_000_000, gt=0, allow_inf_nan=False,
                           description="Kroner per unit of investment and required_savings.")
    investment: dict[str, float] = Field(min_length=1, description="Year -> the investment's cost.")
    required_savings: dict[str, float] = Field(min_length=1, description="Year -> savings the plan requires.")
    placement: dict[str, Activity] = Field(min_length=1, description="Placement type -> planned activity.")
    level: dict[str, Activity] = Field(default_factory=dict, description="Other level -> planned activity.")

    @model_validator(mode="after")
    def _known_names_and_years(self) -> Plan:
        unknown = sorted(set(self.placement) - set(PLACEMENT_TYPES))
        if unknown:
            raise ValueError(f"placement types {unknown} are not among {list(PLACEMENT_TYPES)}")
        unknown = sorted(set(self.level) - set(OTHER_LEVELS))
        if unknown:
            raise ValueError(f"levels {unknown} are not among {list(OTHER_LEVELS)}")
        for name, values in (("investment", self.investment), ("required_savings", self.required_savings)):
            if not all(math.isfinite(v) for v in values.values()):
                raise ValueError(f"{name} must hold finite numbers")
        missing = [year for year in self.years if str(year) not in self.investment
                   or str(year) not in self.required_savings]
        if missing:
            raise ValueError(f"investment and required_savings must cover the plan's years {self.years}; "
                             f"missing {missing}")
        return self

    @property
    def years(self) -> list[int]:
        """The years after the base that every planned placement type has persons for."""
        found = [years for a in self.placement.values() if (years := years_of(a.persons)) is not None]
        common = set.intersection(*found) if found else set()
        return sorted(year for year in common if year > self.base_year)

    def price(self, activity: Activity, year: int) -> float:
        """The plan's price of ``activity`` in ``year``: its price carried on at the plan's index."""
        return activity.price_per_year * (1.0 + self.price_index_per_year) ** (year - self.price_year)

    def spend_path(self) -> pd.DataFrame:
        """The plan's spend per year (base and plan years) and line in kroner: ``year``, ``line``, ``kr``.

        Lines are each placement type (``placement.<type>``), ``placements``,
        each other level and ``total``: exactly the spreadsheet's sums.
        """
        rows = []
        for year in [self.base_year, *self.years]:
            spend = {f"placement.{kind}": (self.placement[kind].persons_in(year) or 0.0)
                     * self.price(self.placement[kind], year) for kind in self.placement}
            spend["placements"] = sum(spend.values())
            for level, activity in self.level.items():
                spend[level] = (activity.persons_in(year) or 0.0) * self.price(activity, year)
            spend["total"] = spend["placements"] + sum(spend.get(level, 0.0) for level in OTHER_LEVELS)
            rows += [{"year": year, "line": line, "kr": kr} for line, kr in spend.items()]
        return pd.DataFrame(rows)


def against_plan(outcomes: pd.DataFrame, plan: Plan, deflator: Callable[[int], float] | None = None
                 ) -> pd.DataFrame:
    """Per replication, year of the plan and line (:data:`LINES`): ``value`` in kroner (``paid_back`` 0/1).

    ``outcomes`` are in current prices, as the plan's path is. With
    ``deflator`` (year -> divisor, :func:`sim.output.prices.deflator`) every
    line of a year is put in fixed prices before the running sum, so the
    cumulative net saving sums the amounts shown.
    """
    mine = _wide(outcomes, plan.variant)
    years = [year for year in plan.years if year in mine.index.get_level_values("year")]
    path = plan.spend_path().set_index(["year", "line"])["kr"]
    gap, first = _start_gap(outcomes, plan, path) if plan.without else (None, 0)
    frames = []
    for year in years:
        sim = mine.xs(year, level="year")
        lines = pd.DataFrame(index=sim.index)
        volume = price = 0.0
        for kind in PLACEMENT_TYPES:
            spend, persons = sim[f"placement_spend_kr.{kind}"], sim[f"placement_full_year_persons.{kind}"]
            if kind in plan.placement:
                activity = plan.placement[kind]
                planned, at = activity.persons_in(year) or 0.0, plan.price(activity, year)
                volume = volume + (persons - planned) * at
                price = price + spend - persons * at
            else:  # a type the plan does not hold: all of it is volume the plan did not expect
                volume = volume + spend
        lines["placements_volume"], lines["placements_price"] = volume, price
        lines["placements"] = volume + price
        for level in OTHER_LEVELS:  # a level the plan does not hold is not measured against it
            lines[level] = sim[f"spend_kr.{level}"] - path[(year, level)] if level in plan.level else 0.0
        lines["other_levels"] = lines[list(OTHER_LEVELS)].sum(axis=1)
        lines["total"] = lines["placements"] + lines["other_levels"]
        carried = (1.0 + plan.price_index_per_year) ** (year - first)
        for part in ("placements", "other_levels"):
            lines[f"start_gap_{part}"] = 0.0 if gap is None else gap[part] * carried
            lines[f"extra_need_{part}"] = lines[part] - lines[f"start_gap_{part}"]
        lines["start_gap"] = lines["start_gap_placements"] + lines["start_gap_other_levels"]
        lines["extra_need"] = lines["extra_need_placements"] + lines["extra_need_other_levels"]
        lines["required_savings"] = plan.required_savings[str(year)] * plan.unit_kr
        lines["investment"] = plan.investment[str(year)] * plan.unit_kr
        lines["net_saving"] = lines["required_savings"] - lines["extra_need"] - lines["investment"]
        frames.append(lines.assign(year=year))
    if not frames:
        return pd.DataFrame(columns=["replication", "year", "line", "value"])
    wide = pd.concat(frames).reset_index()
    if deflator is not None:
        lines = [line for line in wide.columns if line not in ("replication", "year")]
        wide[lines] = wide[lines].div(wide["year"].map(deflator), axis=0)
    wide["cumulative_net_saving"] = wide.groupby("replication")["net_saving"].cumsum()
    wide["paid_back"] = (wide["cumulative_net_saving"] > 0).astype(float)
    long = wide.melt(id_vars=["replication", "year"], var_name="line", value_name="value")
    return long.sort_values(["replication", "year"], kind="stable", ignore_index=True)


def _wide(outcomes: pd.DataFrame, variant: str) -> pd.DataFrame:
    """The variant's outcomes, one row per replication and year, one column per outcome."""
    rows = outcomes[outcomes["scenario"] == variant]
    return rows.pivot_table(index=["replication", "year"], columns="outcome", values="value", aggfunc="first")


def _start_gap(outcomes: pd.DataFrame, plan: Plan, path: pd.Series) -> tuple[pd.DataFrame, int]:
    """Per replication, the ``without`` variant's spend in its first year minus the plan's base.

    Columns ``placements`` and ``other_levels`` (the levels the plan
    holds). The base is carried from the base year to that first year at the
    plan's index, so the gap is in the first year's prices; returned with
    that year.
    """
    without = _wide(outcomes, plan.without)
    first = int(without.index.get_level_values("year").min())
    carried = (1.0 + plan.price_index_per_year) ** (first - plan.base_year)
    simulated = without.xs(first, level="year")
    levels = [level for level in OTHER_LEVELS if level in plan.level]
    gap = pd.DataFrame({
        "placements": simulated["spend_kr.placement"] - path.loc[(plan.base_year, "placements")] * carried,
        "other_levels": simulated[[f"spend_kr.{level}" for level in levels]].sum(axis=1)
        - sum(path.loc[(plan.base_year, level)] for level in levels) * carried,
    })
    return gap, first


def summary(table: pd.DataFrame, plan: Plan, deflator: Callable[[int], float] | None = None) -> pd.DataFrame:
    """Per year and line: the plan's figure where it has one, the median, 5%/95% and share above zero.

    ``deflator`` puts the plan's own figures in the prices ``against_plan`` used.
    """
    stats = summarise(table, by=["year", "line"])
    above = table.groupby(["year", "line"])["value"].apply(lambda v: float((v > 0).mean()))
    stats = stats.join(above.rename("p_above_zero"), on=["year", "line"])
    path = plan.spend_path().set_index(["year", "line"])["kr"]
    planned = {(int(y), "required_savings"): v * plan.unit_kr for y, v in plan.required_savings.items()}
    planned |= {(int(y), "investment"): v * plan.unit_kr for y, v in plan.investment.items()}
    stats["plan"] = [path.get(key, planned.get(key, np.nan)) / (deflator(key[0]) if deflator else 1.0)
                     for key in zip(stats["year"], stats["line"], strict=True)]
    order = {line: i for i, line in enumerate(LINES)}
    return stats.sort_values(["line", "year"], key=lambda c: c.map(order) if c.name == "line" else c,
                             ignore_index=True)


def payback_years(table: pd.DataFrame) -> pd.Series:
    """Per replication, the first plan year whose cumulative net saving is above zero (inf if none)."""
    paid = table[(table["line"] == "paid_back") & (table["value"] > 0)]
    first = paid.groupby("replication")["year"].min()
    every = pd.Index(table["replication"].unique(), name="replication")
    return first.reindex(every).astype(float).fillna(np.inf)


def planned_payback(plan: Plan) -> float:
    """The year the plan itself pays back: its own savings less its investment first summing above zero."""
    total = 0.0
    for year in plan.years:
        total += plan.required_savings[str(year)] - plan.investment[str(year)]
        if total > 0:
            return float(year)
    return math.inf
