"""The scenario format: every section and parameter, its meaning, unit and bounds.

A scenario file is TOML with these sections. Field descriptions are the
documentation (docs/scenario.md is written from them), so each says what
the number means for a planner. Fields marked time-varying may also change
at dates in the ``[timeline]`` (see :mod:`sim.scenario.timeline`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..measures import (
    AFTER_NEED,
    HOME_BASED,
    INVESTIGATION_OUTCOMES,
    PLACEMENT_TYPES,
)
from .quantities import (
    AgeMix,
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
    quantity,
)


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
        description="First day simulated; the initial stock is the children in care that morning."
    )


class Notification(Section):
    """Notifications (underretninger) about children."""

    per_year: Rate = param(
        "Notifications received per year in the start year, repeats included.",
        "per year",
        time_varying=True,
    )
    growth_per_year: Growth = param(
        "Yearly growth of notifications (early detection raises it).", "fraction per year"
    )
    repeat_share: Share = param(
        "Share of notifications about a child already notified or with an open case; "
        "they join that case.",
        "share",
    )
    repeat_window_days: Days = param(
        "A repeat notification concerns a child first notified within this many days, "
        "when there is one; otherwise any child with an open case.",
        "days",
    )


class Applications(Section):
    """Other routes to an investigation than a notification."""

    per_year: Rate = param(
        "Investigations opened per year without a notification: applications from families and "
        "young people, children moving in with an open case.",
        "per year",
        time_varying=True,
    )
    growth_per_year: Growth = param("Yearly growth of these openings.", "fraction per year")


class Assessment(Section):
    """The assessment of each notification (vurdering) within 24 hours."""

    hours: Positive = param("Time allowed for the assessment of a notification.", "hours")
    share_to_investigation: Share = param(
        "Share of all notifications that lead to a child protection investigation "
        "(børnefaglig undersøgelse). Repeat notifications join their case, so the share among "
        "first notifications is this divided by (1 - notification.repeat_share).",
        "share of notifications",
    )
    share_early_preventive: Share = param(
        "Of first notifications not investigated, the share given early preventive advice "
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
    outcome: mix_of(INVESTIGATION_OUTCOMES) = param(  # type: ignore[valid-type]
        "What investigations decide: no measure, preventive, home-based, placement.", "share"
    )


class Caseworkers(Section):
    """The authority's caseworkers (myndighedsrådgivere)."""

    count: quantity(gt=0) = param(  # type: ignore[valid-type]
        "Caseworkers (full-time equivalents) carrying investigations and open cases.",
        "full-time caseworkers",
        time_varying=True,
    )
    investigations_per_worker: Positive = param(
        "Investigations a caseworker carries at once beside the cases; investigations beyond "
        "count times this wait in a backlog.",
        "investigations per caseworker",
    )
    salary_per_year: Kroner = param(
        "Cost of one caseworker per year, all included.", "kr per year", time_varying=True
    )


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


class Preventive(Section):
    """Preventive measures (forebyggende), run by preventive social workers."""

    duration_days: Days = param("Mean length of a preventive measure.", "days")
    duration_cv: Variation = param("Coefficient of variation of that length.", "ratio")
    step_up_per_year: Rate = param(
        "Rate at which a child in a preventive measure needs an investigation.", "per year"
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
        "Rate at which a child at home needs a placement.", "per year"
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
        "per year",
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
    """The accounts' level for small-children support and special institutions, as a simple stock."""

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


class TimelineChange(Section):
    """A parameter that takes a new value from a date (a decision or a new price)."""

    date: dt.date
    path: str
    value: float
    note: str = ""


class Scenario(Section):
    """A whole scenario: one municipality, its policies and the assumptions behind the model."""

    scenario: ScenarioInfo
    notification: Notification
    applications: Applications
    assessment: Assessment
    age: Age
    investigation: Investigation
    caseworkers: Caseworkers
    follow_up: FollowUp
    preventive: Preventive
    home_based: HomeBased
    placement: Placement
    services: Services
    exits: Exits
    small_children_special: SmallChildrenSpecial
    prices: Prices
    initial: InitialStock
    timeline: tuple[TimelineChange, ...] = Field((), strict=False)

    _files: tuple[tuple[str, str], ...] = PrivateAttr(default=())

    @field_validator("timeline")
    @classmethod
    def _in_date_order(cls, timeline: tuple[TimelineChange, ...]) -> tuple[TimelineChange, ...]:
        """Decisions take effect in date order however they were written; same-day ones keep their order."""
        return tuple(sorted(timeline, key=lambda change: change.date))

    @property
    def files(self) -> tuple[tuple[str, str], ...]:
        """(file, sha256) of each file the scenario was loaded from, most basic first."""
        return self._files

    def fingerprint(self) -> str:
        """sha256 of the resolved scenario: equal fingerprints, equal inputs."""
        return hashlib.sha256(self.model_dump_json().encode("utf-8")).hexdigest()

    @property
    def name(self) -> str:
        """The scenario's short name."""
        return self.scenario.name

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

    def services_by_measure(self) -> dict[str, tuple[str, Service]]:
        """Home-based measure -> (service name, service) for the in-house services."""
        return {s.measure: (name, s) for name, s in self.services}
