"""The scenario format: every section and parameter, its meaning, unit and bounds.

A scenario file is TOML with these sections. Field descriptions are the
documentation (docs/scenario.md is written from them), so each says what
the number means for a planner. Fields marked time-varying may also change
at dates in the ``[timeline]`` (see :mod:`sim.scenario.timeline`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..measures import (
    AFTER_NEED,
    HOME_BASED,
    LEVELS,
    MECHANISM_NAMES,
    PLACEMENT_TYPES,
)
from .quantities import (
    AgeBand,
    AgeMix,
    CaseScope,
    Count,
    Days,
    Growth,
    Kroner,
    Positive,
    Rate,
    Section,
    Share,
    Sourced,
    Variation,
    check_bands,
    mix_of,
    parse_band,
    quantity,
)
from .yearly import PerYear, in_year


def param(meaning: str, unit: str, *, time_varying: bool = False) -> Any:
    """Field metadata: what the parameter means, its unit, whether the timeline may change it."""
    return Field(description=meaning, json_schema_extra={"unit": unit, "time_varying": time_varying})


class ScenarioInfo(Section):
    """What the scenario is and where it starts."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$")] = Field(
        description="Short name used in result folders; defaults to the file name."
    )
    title: str = Field("", description="One line for reports.")
    description: str = Field("", description="What the scenario represents.")
    start_date: dt.date = Field(
        description="First day simulated; the initial stock is the children in care that morning. From "
        "2010 on, the first year of the national figures a municipality's profile is built from.",
    )

    @field_validator("start_date")
    @classmethod
    def _from_2010(cls, start: dt.date) -> dt.date:
        if not EARLIEST_START <= start <= LATEST_START:
            raise ValueError(f"must lie from {EARLIEST_START} to {LATEST_START}: the national figures of a "
                             "municipality's profile begin in 2010")
        return start


EARLIEST_START = dt.date(2010, 1, 1)
LATEST_START = dt.date(2100, 1, 1)


MIN_CHILDREN = 100
"""The fewest children a municipality may have: Læsø, the smallest, has a few hundred aged 0-22; with fewer,
the national figures scale to no child in care at all."""
MAX_CHILDREN = 2_000_000
"""The most: all of Denmark's 1.5 million children aged 0-22 in one region, with room to spare."""


class Municipality(Section):
    """The municipality a scenario describes: its name and its children, from which its profile is built.

    A scenario with ``[municipality]`` is complete with nothing else: every
    value it does not set comes from national figures scaled to its
    children, or from a documented national default
    (:mod:`sim.scenario.profile`; ``python -m sim provenance`` shows which).
    """

    name: str = Field("", max_length=200, description="The municipality's name (Eksempelby Kommune).")
    children_0_22: Annotated[int, Field(ge=MIN_CHILDREN, le=MAX_CHILDREN)] = Field(
        description="Children and young people aged 0-22 living in the municipality (Danmarks Statistik, "
        "FOLK1A): what national figures are scaled to."
    )
    by_age: dict[str, Annotated[int, Field(ge=0, le=2_000_000)]] | None = Field(
        None, description="The same children by age band covering 0-22 (\"0-5\" = 4800, ...): notifications "
        "are then scaled to the children aged 0-17 rather than to the national share of them.",
    )

    @model_validator(mode="after")
    def _bands_add_up(self) -> Municipality:
        if self.by_age is not None:
            check_bands(list(self.by_age), 0, 22)
            total = sum(self.by_age.values())
            if total != self.children_0_22:
                raise ValueError(f"the age bands of by_age add up to {total:,}, not to children_0_22 "
                                 f"({self.children_0_22:,})")
        return self

    def children_0_17(self) -> int | None:
        """Children aged 0-17 by the age bands, when given."""
        if self.by_age is None:
            return None
        return sum(round(count * max(0, min(high, 17) + 1 - low) / (high + 1 - low))
                   for (low, high), count in ((parse_band(band), n) for band, n in self.by_age.items()))


class Population(Section):
    """The children of the municipality: the population in which need arises."""

    children: Count = param(
        "Children and young people aged 0-22 living in the municipality.", "persons"
    )


class NeedOf(Section):
    """Children with one kind of need: how visible it is and how long it lasts unmet."""

    found_share: Share = param(
        "Share of the children with this need who are reported or apply before the need passes by "
        "itself, at the reporting intensity of the start.",
        "share",
    )
    lasts_days: Days = param(
        "How long the need lasts when the authority does not act on it (a child screened out "
        "stays in need this long on average and may be reported again meanwhile).",
        "days",
    )


class Need(Section):
    """Need (behov): children whose situation calls for a measure, arising in the population.

    How many children are found in need each year is derived when a run
    starts, so that the stock of the start date is the municipality's own
    steady state (docs/model.md, "A municipality that stands still"); these
    assumptions say how visible each need is and how it changes.
    """

    growth_per_year: Growth = param(
        "Trend: yearly growth of the children in need (0: need as at the start, the municipality "
        "stands still).",
        "fraction per year",
    )
    by_application: Share = param(
        "Share of the children found in need who come by an application (families and young "
        "people asking for help, children moving in with an open case) and go straight to an "
        "investigation; the rest are reported in a notification.",
        "share",
    )
    preventive: NeedOf = Field(description="Children needing a preventive measure.")
    home_based: NeedOf = Field(description="Children needing home-based support.")
    placement: NeedOf = Field(description="Children needing a placement out of home.")

    def of(self, need: str) -> NeedOf:
        """The section of one need."""
        return getattr(self, need)


class Reporting(Section):
    """Reporting intensity: how readily schools, health services, police and others report concern.

    Reports are not need: the intensity scales the reports about children
    without need in full, and finds more of the children in need only as
    far as they were not yet found (the detection mechanism).
    """

    intensity: quantity(gt=0, le=10) = param(  # type: ignore[valid-type]
        "Reporting intensity relative to the start (1: as at the start; 2: reporters report twice "
        "as readily, a reporting surge).",
        "ratio",
        time_varying=True,
    )
    growth_per_year: Growth = param(
        "Trend: yearly growth of the reporting intensity (0: none).", "fraction per year"
    )


class Notification(Section):
    """Notifications (underretninger): reports of concern about a child."""

    per_year: Rate = param(
        "Notifications received in the year before the start, repeats included: the figure the "
        "reports about children without need are derived from.",
        "notifications per year",
    )
    per_notified_child: quantity(ge=1, le=5) = param(  # type: ignore[valid-type]
        "Notifications per notified child within the window below (nationally 1.75-1.79 a year).",
        "notifications per child",
    )
    reported_again_share: Share = param(
        "Share of notified children notified more than once (nationally about a third).", "share"
    )
    repeat_window_days: Days = param(
        "Repeat notifications about a child come within this many days of the first.", "days"
    )


class ByNeed(Section):
    """A share for each need a reported child can have."""

    none: Share
    preventive: Share
    home_based: Share
    placement: Share


class ForNeed(Section):
    """A share for each need that calls for a measure."""

    preventive: Share
    home_based: Share
    placement: Share


class Assessment(Section):
    """The assessment of each notification (vurdering) within 24 hours."""

    hours: Positive = param("Time allowed for the assessment of a notification.", "hours")
    investigated: ByNeed = param(
        "Share of the assessed children with each need for whom an investigation is opened, at "
        "the threshold's reference caseload. The share of notifications that lead to an "
        "investigation is not an input: it comes out of who is reported and of the threshold.",
        "share",
    )
    share_early_preventive: Share = param(
        "Of assessed children not investigated, the share given early preventive advice "
        "(forebyggende rådgivning); the rest end without action.",
        "share",
    )


class Age(Section):
    """Ages of children."""

    at_first_contact: AgeMix = param(
        "Age of a child when first notified or referred, as shares of age bands; "
        "uniform within a band.",
        "share per age band",
    )


class Investigation(Section):
    """The child protection investigation (børnefaglig undersøgelse)."""

    work_days: Days = param(
        "Mean time from a caseworker starting an investigation to its decision.", "days"
    )
    work_days_cv: Variation = param("Coefficient of variation of that time.", "ratio")
    deadline_months: Positive = param(
        "Legal deadline from the decision to investigate to its conclusion.", "months"
    )
    measure_decided: ForNeed = param(
        "Share of the investigations of a child in need that decide the measure its need calls "
        "for, at the threshold's reference caseload; the others end without a measure (a child "
        "without need never gets one).",
        "share",
    )


class Caseworkers(Section):
    """The authority's caseworkers (myndighedsrådgivere)."""

    count: quantity(gt=0) | None = Field(  # type: ignore[valid-type]
        None,
        description="Caseworkers (full-time equivalents) carrying investigations and open cases. Derived "
        "from the caseload below when that is given instead (its source says so).",
        json_schema_extra={"unit": "full-time caseworkers", "time_varying": True},
    )
    caseload: quantity(gt=0, le=200) | None = Field(  # type: ignore[valid-type]
        None,
        description="Open cases (children) per caseworker on the start date, as municipalities publish "
        "it: an alternative to the count, which is then derived from the open cases of the start date.",
        json_schema_extra={"unit": "cases per caseworker", "time_varying": False},
    )
    investigations_per_worker: Positive = param(
        "Investigations a caseworker carries at once beside the cases; investigations beyond "
        "count times this wait in a backlog.",
        "investigations per caseworker",
    )
    salary_per_year: Kroner = param(
        "Cost of one caseworker per year, all included.", "kr per year", time_varying=True
    )
    overhead_share: quantity(ge=0, le=3) = param(  # type: ignore[valid-type]
        "Other authority staff (team leaders, administrative staff, legal advisers) and overheads, as a "
        "fraction of the caseworkers' salaries: the authority's spend is count x salary x (1 + this).",
        "fraction of caseworker salaries",
    )

    @model_validator(mode="after")
    def _count_or_caseload(self) -> Caseworkers:
        if self.count is None and self.caseload is None:
            raise ValueError("give count (caseworkers) or caseload (cases per caseworker on the start date)")
        return self


class FollowUp(Section):
    """Follow-up (opfølgning): how often caseworkers review each open case."""

    reference_caseload: Positive = param(
        "Caseload at which the review intervals below hold.", "cases per caseworker"
    )
    home_based_interval_days: Days = param(
        "Days between reviews of a home-based case at the reference caseload.", "days"
    )
    placement_interval_days: Days = param(
        "Days between reviews of a placement at the reference caseload.", "days"
    )
    caseload_elasticity: quantity(ge=0, le=3) = param(  # type: ignore[valid-type]
        "How review intervals grow with the caseload: interval = reference interval x "
        "(caseload / reference caseload) ^ elasticity. 0: no effect; 1: each caseworker does "
        "the same number of reviews a year whatever the caseload. A measure that no longer "
        "fits ends at the next review, so this is the strength of the Swedish model's bet.",
        "elasticity",
    )


class Threshold(Section):
    """The authority's threshold: how its load changes whether it acts (a balancing loop).

    The load is the caseload over the reference caseload. Above it the
    shares investigated and given a measure fall, and investigations are
    shortened; below it they rise (a share never above 1):
    ``share = share at reference x (caseload / reference) ^ -elasticity``.
    """

    reference_caseload: Positive = param(
        "Caseload at which the shares of assessment.investigated and investigation.measure_decided "
        "hold.",
        "cases per caseworker",
    )
    opening_elasticity: quantity(ge=0, le=3) = param(  # type: ignore[valid-type]
        "How the share of assessed children investigated falls with the load (0: not at all).",
        "elasticity",
    )
    measure_elasticity: quantity(ge=0, le=3) = param(  # type: ignore[valid-type]
        "How the share of investigations deciding a measure falls with the load (0: not at all).",
        "elasticity",
    )
    shortening_elasticity: quantity(ge=0, le=1) = param(  # type: ignore[valid-type]
        "How investigations are shortened above the reference caseload: work days x (caseload / "
        "reference) ^ -elasticity (never lengthened below it).",
        "elasticity",
    )


class Reform(Section):
    """The Swedish model (Fællesskabsmodellen) as a practice decided on the timeline.

    Its effects are full at or below ``full_effect_caseload``, fall linearly
    to none at ``no_effect_caseload``, and apply to children in the age band
    ``ages`` (and, with ``cases = "new"``, only to cases opened after the
    practice started).
    """

    practised: quantity(ge=0, le=1) = param(  # type: ignore[valid-type]
        "1 while the municipality practises the reform, 0 while it does not (a decision on the "
        "timeline).",
        "0 or 1",
        time_varying=True,
    )
    ages: AgeBand = param("The age band the reform applies to.", "ages")
    cases: CaseScope = param(
        "Which cases the reform applies to: \"new\" (opened while it is practised) or \"all\".", "cases"
    )
    step_up_reduction: Share = param(
        "(a) Closer follow-up: how much lower the rate at which children at home need a placement "
        "is, at full effect.",
        "share",
    )
    placement_time_limit: quantity(gt=0, le=1) = param(  # type: ignore[valid-type]
        "(b) Time-limited placements with a homecoming plan: a placement decided under the reform "
        "ends after this share of its need, at full effect; the child goes home to home-based "
        "support for the rest.",
        "share of the need",
    )
    mix_shift: Share = param(
        "(c) The placement committee: share of the placements in residential institutions and "
        "homes decided as foster or network foster family placements instead, at full effect "
        "(families must be free: otherwise the substitute type is used).",
        "share",
    )
    detection_increase: quantity(ge=0, le=2) = param(  # type: ignore[valid-type]
        "(e) Preventive district social workers and closer contact: the rise in reporting "
        "intensity about children in need, once ramped up.",
        "fraction",
    )
    detection_ramp_months: quantity(ge=0, le=60) = param(  # type: ignore[valid-type]
        "Months from the start of the practice until the detection rise is full.", "months"
    )
    full_effect_caseload: Positive = param(
        "Caseload at or below which the reform has its full effect.", "cases per caseworker"
    )
    no_effect_caseload: Positive = param(
        "Caseload at or above which the reform has no effect left.", "cases per caseworker"
    )


class Mechanisms(Section):
    """Which mechanisms of the model are switched off (to see what each contributes)."""

    off: tuple[Literal[MECHANISM_NAMES], ...] = Field(  # type: ignore[valid-type]
        (), strict=False, description="Names of the mechanisms switched off (docs/odd.md, Submodels)."
    )


class Preventive(Section):
    """Preventive measures (forebyggende), run by preventive social workers."""

    duration_days: Days = param("Mean length of a preventive measure.", "days")
    duration_cv: Variation = param("Coefficient of variation of that length.", "ratio")
    step_up_per_year: Rate = param(
        "Rate at which a child in a preventive measure needs an investigation.", "per child per year"
    )
    price_per_year: Kroner = param(
        "Price of a preventive measure per full-year person.", "kr per year", time_varying=True
    )


class HomeBasedMeasure(Section):
    """One kind of home-based measure."""

    duration_days: Days = param(
        "Mean time the measure is needed; it ends at the first review after that.", "days"
    )
    price_per_year: Kroner = param(
        "Price per full-year person when bought from an external provider.",
        "kr per year",
        time_varying=True,
    )


class HomeBased(Section):
    """Home-based measures (foregribende): the child lives at home."""

    measures_per_child: quantity(ge=1, le=4) = param(  # type: ignore[valid-type]
        "Mean number of home-based measures a child has at once (1 + Poisson, at most 4).",
        "measures per child",
    )
    mix: mix_of(HOME_BASED) = param(  # type: ignore[valid-type]
        "Which measures are given: shares of family treatment, contact person, relief care, "
        "day treatment.",
        "share",
    )
    duration_cv: Variation = param("Coefficient of variation of the measures' need.", "ratio")
    after_need: mix_of(AFTER_NEED) = param(  # type: ignore[valid-type]
        "When no measure fits any more: step down to preventive, end the case, or renew with "
        "new home-based measures.",
        "share",
    )
    step_up_per_year: Rate = param(
        "Rate at which a child at home needs a placement.", "per child per year"
    )
    family_treatment: HomeBasedMeasure = Field(description="Family treatment (familiebehandling).")
    contact_person: HomeBasedMeasure = Field(description="Contact person (kontaktperson).")
    relief_care: HomeBasedMeasure = Field(description="Relief care (aflastning).")
    day_treatment: HomeBasedMeasure = Field(description="Day treatment (dagbehandling).")


class FosterPool(Section):
    """A finite pool of approved foster families of one type."""

    free_at_start: Count = param(
        "Approved families without a child on the start date (those with one are the "
        "placements in the initial stock).",
        "families",
    )
    recruited_per_year: Rate = param(
        "New families approved per year.", "families per year", time_varying=True
    )
    free_leaving_per_year: Rate = param(
        "Rate at which a family without a child stops.", "per family per year"
    )
    leaving_after_placement: Share = param(
        "Share of families that stop when their placement ends.", "share"
    )
    wait_days: quantity(ge=0) = param(  # type: ignore[valid-type]
        "Days a child waits for a free family before being placed in the substitute type.",
        "days",
    )


class PlacementType(Section):
    """One of the seven placement types."""

    duration_days: Days = param(
        "Mean time the placement is needed; it ends at the first review after that.", "days"
    )
    price_per_year: Kroner = param(
        "Price per full-year placement in the start year.", "kr per year", time_varying=True
    )
    price_drift_per_year: Growth = param(
        "Yearly price change of this type (the expensive types rise faster than the index).",
        "fraction per year",
    )
    pool: FosterPool | None = Field(
        None, description="Finite supply of families; without it the type is bought per place."
    )


class PlacementMixByAge(Sourced):
    """Placement types chosen, by age band of the child."""

    value: dict[str, mix_of(PLACEMENT_TYPES)]  # type: ignore[valid-type]

    @model_validator(mode="before")
    @classmethod
    def _sources_inside(cls, data: Any) -> Any:
        """Each band's mix shares the table's source, so it is written once."""
        if isinstance(data, dict) and isinstance(data.get("value"), dict):
            source = data.get("source", "-")
            inner = {
                band: {"value": mix, "source": source}
                if isinstance(mix, dict) and "value" not in mix else mix
                for band, mix in data["value"].items()
            }
            return {**data, "value": inner}
        return data

    @model_validator(mode="after")
    def _bands(self) -> PlacementMixByAge:
        check_bands(list(self.value), 0, 17)
        return self


class Substitutes(Sourced):
    """Where a child goes when no family of the wanted type is free."""

    value: dict[Literal[PLACEMENT_TYPES], Literal[PLACEMENT_TYPES]]  # type: ignore[valid-type]


class Placement(Section):
    """Placements out of home (anbringelser)."""

    mix_by_age: PlacementMixByAge = param(
        "Placement type chosen for a child, by age band at the decision.", "share"
    )
    duration_cv: Variation = param("Coefficient of variation of placement need.", "ratio")
    after_need: mix_of(AFTER_NEED) = param(  # type: ignore[valid-type]
        "When a placement is no longer needed: step down to home-based support, end the case, "
        "or renew the placement.",
        "share",
    )
    preparation_days: Days = param(
        "Mean days from the placement decision to moving in when a place is free.", "days"
    )
    substitutes: Substitutes = param(
        "Type used instead when a type with a family pool has no free family in time.",
        "placement type",
    )
    foster_family: PlacementType
    network_foster_family: PlacementType
    municipal_foster_family: PlacementType
    boarding_school: PlacementType
    own_room: PlacementType
    residential_institution: PlacementType
    residential_home: PlacementType

    def type(self, name: str) -> PlacementType:
        """The settings of placement type ``name``."""
        return getattr(self, name)


class Service(Section):
    """An in-house home-based service with a fixed number of places."""

    measure: Literal[HOME_BASED] = Field(  # type: ignore[valid-type]
        description="The home-based measure the service delivers."
    )
    places: Count = param(
        "Children the service can serve at once.", "places", time_varying=True
    )
    external_after_days: quantity(ge=0) = param(  # type: ignore[valid-type]
        "Policy: days a child waits for a place before the measure is bought externally "
        "(0: buy at once when full).",
        "days",
        time_varying=True,
    )
    price_per_place_year: Kroner = param(
        "In-house cost of one place for a year, used or not.", "kr per place-year", time_varying=True
    )


class Services(Section):
    """The municipality's own home-based services."""

    familiehus: Service = Field(description="Familiehus: in-house family treatment.")
    dut: Service = Field(description="DUT: the in-house outreach contact-person team.")


class Exits(Section):
    """Ways out other than a closed case."""

    move_away_per_year: Rate = param(
        "Rate at which a child with a measure or open case moves to another municipality.",
        "per child per year",
    )
    after_care_share: Share = param(
        "Share of children with a home-based measure or placement at 18 who continue in "
        "after-care (efterværn).",
        "share",
    )
    after_care_until_age: quantity(ge=18, le=23) = param(  # type: ignore[valid-type]
        "Age at which after-care ends at the latest.", "years"
    )


class SmallChildrenSpecial(Section):
    """The accounts' level for small-children support and special institutions, as a simple stock.

    Optional: a municipality whose accounts have no such level leaves the
    section out, and the level is then absent from the run, its tables and
    its outcomes (not a level of zeros).
    """

    persons_at_start: Count = param("Children in the stock on the start date.", "persons")
    duration_days: Days = param("Mean stay in the stock.", "days")
    duration_cv: Variation = param("Coefficient of variation of the stay.", "ratio")
    price_per_year: Kroner = param(
        "Price per full-year person.", "kr per year", time_varying=True
    )


class Prices(Section):
    """Price development."""

    general_index_per_year: Growth = param(
        "Yearly drift of all prices without a drift of their own (the municipal price index).",
        "fraction per year",
    )


class InitialPlacements(Section):
    """Children placed on the start date, by type."""

    foster_family: Count
    network_foster_family: Count
    municipal_foster_family: Count
    boarding_school: Count
    own_room: Count
    residential_institution: Count
    residential_home: Count


class InitialStock(Section):
    """The children already in the system on the start date."""

    investigations: Count = param("Investigations under way or waiting.", "children")
    preventive: Count = param("Children in a preventive measure.", "persons")
    home_based_measures: Count = param(
        "Home-based measures running (the accounts count measures, not children).", "measures"
    )
    placements: InitialPlacements = param("Children placed, by type", "persons")


class Budget(Section):
    """The municipality's own budget per accounts level and year, to measure the simulated spend against.

    Not an input of the model: nothing simulated reads it. A run of a
    scenario with a budget gives the ``budget`` table, the probability per
    level and year that the spend exceeds it (docs/tables.md).
    """

    unit_kr: float = Field(gt=0, allow_inf_nan=False,
                           description="Kroner per unit of the amounts below (1000: the accounts' 1,000 kr).")
    source: str = Field(min_length=1, description="Where the budget is published.")
    price_year: int | None = Field(
        None, ge=2000, le=2100,
        description="The year whose prices the amounts are in (the budget year's p/l, carried to the "
        "other years at prices.general_index_per_year); left out, each year's amount is in that year's "
        "own prices.")
    preventive: PerYear | None = Field(None, description="Preventive measures: an amount, or year -> amount.")
    home_based: PerYear | None = Field(None, description="Home-based measures: an amount, or year -> amount.")
    placement: PerYear | None = Field(None, description="Placements: an amount, or year -> amount.")
    small_children_special: PerYear | None = Field(
        None, description="Small children and special institutions: an amount, or year -> amount.")
    authority: PerYear | None = Field(
        None, description="Authority (caseworkers and overheads): an amount, or year -> amount.")

    @model_validator(mode="after")
    def _some_level(self) -> Budget:
        if not self.levels:
            raise ValueError(f"give the budget of at least one level: {', '.join(LEVELS)}")
        return self

    @property
    def levels(self) -> list[str]:
        """The levels the budget holds, in the accounts' order."""
        return [level for level in LEVELS if getattr(self, level) is not None]

    def amount_kr(self, level: str, year: int, index_per_year: float) -> float | None:
        """The budget of ``level`` in ``year`` in kroner of that year's prices; None if it has none."""
        value = getattr(self, level)
        amount = None if value is None else in_year(value, year)
        if amount is None:
            return None
        carried = 1.0 if self.price_year is None else (1.0 + index_per_year) ** (year - self.price_year)
        return amount * self.unit_kr * carried


class TimelineChange(Section):
    """A parameter that takes a new value from a date (a decision or a new price)."""

    date: dt.date
    path: str
    value: float
    note: str = ""


class Scenario(Section):
    """A whole scenario: one municipality, its policies and the assumptions behind the model."""

    scenario: ScenarioInfo
    municipality: Municipality | None = None
    population: Population
    need: Need
    reporting: Reporting
    notification: Notification
    assessment: Assessment
    age: Age
    investigation: Investigation
    caseworkers: Caseworkers
    threshold: Threshold
    follow_up: FollowUp
    preventive: Preventive
    home_based: HomeBased
    placement: Placement
    services: Services
    exits: Exits
    small_children_special: SmallChildrenSpecial | None = Field(
        None, description="The accounts' small-children level; left out when the accounts have none."
    )
    prices: Prices
    initial: InitialStock
    reform: Reform
    mechanisms: Mechanisms = Mechanisms()
    budget: Budget | None = None
    timeline: tuple[TimelineChange, ...] = Field((), strict=False)

    _files: tuple[tuple[str, str], ...] = PrivateAttr(default=())
    _origins: dict[str, str] = PrivateAttr(default_factory=dict)
    _timeline_notes: tuple[str, ...] = PrivateAttr(default=())
    _timeline_files: tuple[str, ...] = PrivateAttr(default=())
    _borrowed: tuple[tuple[str, str], ...] = PrivateAttr(default=())
    _chain: tuple[Any, ...] = PrivateAttr(default=())
    """The files it was loaded from, as read (``loading.ScenarioFile``), so that a variant built in code
    lays its changes over them as a file extending it would."""

    @field_validator("timeline")
    @classmethod
    def _in_date_order(cls, timeline: tuple[TimelineChange, ...]) -> tuple[TimelineChange, ...]:
        """Decisions take effect in date order however they were written; same-day ones keep their order."""
        return tuple(sorted(timeline, key=lambda change: change.date))

    @property
    def files(self) -> tuple[tuple[str, str], ...]:
        """(file, sha256) of each file the scenario was loaded from, most basic first."""
        return self._files

    @property
    def origins(self) -> dict[str, str]:
        """Parameter path -> the file, or layer of the national profile, its value comes from.

        Empty for a scenario built in code rather than loaded; ``python -m sim
        provenance`` prints it (:mod:`sim.scenario.provenance`).
        """
        return self._origins

    @property
    def timeline_notes(self) -> tuple[str, ...]:
        """What loading did to inherited decisions: entries dropped, or in force from the start."""
        return self._timeline_notes

    @property
    def timeline_files(self) -> tuple[str, ...]:
        """The file that decided each change of the timeline, in its order (empty when built in code)."""
        return self._timeline_files

    @property
    def borrowed(self) -> tuple[tuple[str, str], ...]:
        """(path, file) of each value marked published that comes from another municipality's file."""
        return self._borrowed

    def fingerprint(self) -> str:
        """sha256 of the resolved scenario: equal fingerprints, equal inputs.

        A scenario without a budget leaves the empty section out, so that its
        fingerprint is the one recorded before budgets existed and the runs
        recorded then can still be reported and rerun.
        """
        empty = {"budget"} if self.budget is None else None
        return hashlib.sha256(self.model_dump_json(exclude=empty).encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        """The scenario's short name."""
        return self.scenario.name

    def with_values(self, values: Mapping[str, Any], *, name: str | None = None,
                    title: str | None = None) -> Scenario:
        """A new scenario: this one with each parameter of ``values`` set from the start date.

        ``values`` maps dotted paths to what a scenario file would give there,
        ``{"caseworkers.count": 32, "services.dut.places": 12}``: a plain
        number is a choice (it drops the range of an assumption it replaces),
        ``{"value": 0.4}`` keeps the rest of the value it replaces, its range
        too. The result is validated exactly as a file that extends this one
        (``[scenario] extends``) would be, by the same code, and every
        problem is raised at once as :class:`sim.errors.ScenarioError`; each
        value's source says it was set in code. ``name`` defaults to this
        scenario's name followed by the values, ``title`` to this one's.
        """
        from .loading import vary

        return vary(self, values, name=name, title=title)

    def with_decision(self, date: str | dt.date, values: Mapping[str, Any], *, note: str = "",
                      name: str | None = None, title: str | None = None) -> Scenario:
        """A new scenario: this one with a decision that sets ``values`` from ``date`` (a timeline entry).

        As ``[timeline.DATE]`` in a file extending this one: only time-varying
        parameters may be decided, a decision of the same date and parameter
        replaces this scenario's, and ``note`` says what was decided (default:
        that it was set in code). Validated as :meth:`with_values` is.
        """
        from .loading import vary

        return vary(self, values, date=date, note=note, name=name, title=title)

    def get(self, path: str) -> Any:
        """The object at a dotted ``path`` such as ``"services.dut.places"``."""
        node: Any = self
        for part in path.split("."):
            node = getattr(node, part)
        return node

    def schedule(self, path: str) -> list[tuple[dt.date, float]]:
        """Values of the time-varying parameter at ``path``: (from date, value), in date order."""
        steps = [(self.scenario.start_date, self.get(path).value)]
        steps += [(c.date, c.value) for c in self.timeline if c.path == path]
        return sorted(steps, key=lambda step: step[0])

    def at_start(self, path: str) -> float:
        """The time-varying parameter at ``path`` on the start date (a change on that day included)."""
        start = self.scenario.start_date
        return [value for since, value in self.schedule(path) if since <= start][-1]

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels of the ladder this scenario's accounts have, in :data:`LEVELS` order."""
        return tuple(level for level in LEVELS if level != "small_children_special"
                     or self.small_children_special is not None)

    def services_by_measure(self) -> dict[str, tuple[str, Service]]:
        """Home-based measure -> (service name, service) for the in-house services."""
        return {s.measure: (name, s) for name, s in self.services}
