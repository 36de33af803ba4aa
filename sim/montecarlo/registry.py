"""The outcome registry: what each outcome counts, how it is shown, and what it is called.

Every screen that shows an outcome (the printed summary of an experiment
and its plots, the report's tables, sentences and figures, the workbook,
the app's comparison, the sensitivity tables) asks here how to scale and
label it, so an outcome reads the same everywhere and nobody guesses a
unit from a name. An outcome is added in one place each: its computation
in :mod:`sim.montecarlo.outcomes`, its entry here (a test fails until it
has one), its words in :mod:`sim.output.words` and its line in
``docs/montecarlo.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..output.words import Labels


@dataclass(frozen=True)
class Display:
    """How a figure is written: divided by ``divisor``, with ``decimals``, in the unit named by ``word``."""

    divisor: float
    decimals: int
    word: str

    def number(self, value: float, labels: Labels) -> str:
        """``value`` (in the outcome's own unit) as ``labels`` writes it in this display."""
        return labels.number(value / self.divisor, self.decimals)

    def unit_word(self, labels: Labels) -> str:
        """The unit's name in ``labels``' language: '1.000 kr.', 'days', '%'."""
        return labels.word(self.word)


@dataclass(frozen=True)
class Unit:
    """What an outcome counts, shown one way in tables and text and another on figures.

    The accounts and the workbook list kroner in 1,000 kr; a figure's axis
    and the key answer's sentence, read at a glance, in mio kr. Every other
    unit reads the same in both.
    """

    name: str
    table: Display
    """Tables, the workbook, the printed summary and the sensitivity tables."""
    figure: Display
    """Plot axes and the key answer's sentences."""
    adds_up: bool = False
    """Whether a year's values add up over the years to a total of the period: spend, events and
    full-year persons do; counts at 31 December, means over the year, waits and shares do not."""
    adds_across: bool = False
    """Whether the values of separate municipalities in one year add up to their region's
    (:mod:`sim.region`): spend, events, full-year persons, and children or cases counted at a date or as
    a mean over the year do; caseloads per caseworker, waits and shares do not."""


KRONER = Unit("kroner", Display(1e3, 0, "thousand_kr"), Display(1e6, 1, "mio_kr"), adds_up=True,
              adds_across=True)
PERSONS = Unit("persons", Display(1.0, 1, "persons"), Display(1.0, 1, "persons"), adds_across=True)
"""Children (or caseworkers) at a date or as a mean over a year: one decimal."""
FULL_YEAR_PERSONS = Unit("full_year_persons", PERSONS.table, PERSONS.figure, adds_up=True, adds_across=True)
"""Days of a measure in a year over 365: a fraction, so one decimal; summed over the years, person-years."""
CASES = Unit("cases", Display(1.0, 1, "cases"), Display(1.0, 1, "cases"))
"""Cases per caseworker, means over the month ends of a year."""
OPEN_CASES = Unit(CASES.name, CASES.table, CASES.figure, adds_across=True)
"""Open cases, means over the month ends of a year: a region's are its municipalities' together."""
DAYS = Unit("days", Display(1.0, 0, "days"), Display(1.0, 0, "days"))
"""A wait: a planner reads it in whole days."""
SHARE = Unit("share", Display(0.01, 1, "percent"), Display(0.01, 1, "percent"))
"""A share of 0 to 1, shown in per cent."""
COUNT = Unit("count", Display(1.0, 0, "count"), Display(1.0, 0, "count"), adds_up=True, adds_across=True)
"""Events in a year (notifications, requests): whole numbers."""

ALONE = "{what}"
"""The label of a single outcome: its term."""
MEASURE_FIRST = "{what}: {which}"
"""A measure per level or placement type: 'Udgifter: Anbringelser'."""
SERVICE_FIRST = "{which}: {what}"
"""A measure per in-house service: 'Familiehuset: Ventetid, median'."""


@dataclass(frozen=True)
class Outcome:
    """An outcome's entry: its unit, the term naming what it measures and how its label is formed.

    An entry is for one outcome (``notifications``) or, when ``form`` holds
    ``{which}``, for the family ``<what>.<which>`` (``spend_kr.<level>``):
    ``which`` is then a level, placement type, total or service, labelled by
    its own term.
    """

    unit: Unit
    term: str
    form: str = ALONE

    @property
    def family(self) -> bool:
        """Whether the entry is for every ``<what>.<which>``."""
        return "{which}" in self.form

    @property
    def table(self) -> Display:
        """How the outcome is shown in tables and text."""
        return self.unit.table

    @property
    def figure(self) -> Display:
        """How the outcome is shown on a figure's axis and in the key answer."""
        return self.unit.figure

    @property
    def adds_up(self) -> bool:
        """Whether the outcome has a total over the period (see :attr:`Unit.adds_up`)."""
        return self.unit.adds_up

    @property
    def adds_across(self) -> bool:
        """Whether municipalities' values add up to their region's (see :attr:`Unit.adds_across`)."""
        return self.unit.adds_across


OUTCOMES = {
    "spend_kr": Outcome(KRONER, "spend", MEASURE_FIRST),
    "persons_31_dec": Outcome(PERSONS, "persons_31_dec", MEASURE_FIRST),
    "full_year_persons": Outcome(FULL_YEAR_PERSONS, "full_year_persons", MEASURE_FIRST),
    "placements_31_dec": Outcome(PERSONS, "placements_31_dec", MEASURE_FIRST),
    "placement_spend_kr": Outcome(KRONER, "placement_spend_kr", MEASURE_FIRST),
    "placement_full_year_persons": Outcome(FULL_YEAR_PERSONS, "placement_full_year_persons", MEASURE_FIRST),
    "home_based_spend_kr": Outcome(KRONER, "home_based_spend_kr", MEASURE_FIRST),
    "home_based_full_year_persons": Outcome(FULL_YEAR_PERSONS, "home_based_full_year_persons", MEASURE_FIRST),
    "spend_by_cause": Outcome(KRONER, "spend_by_cause", MEASURE_FIRST),
    "notifications": Outcome(COUNT, "notifications"),
    "assessments": Outcome(COUNT, "assessments"),
    "applications": Outcome(COUNT, "applications"),
    "children_renotified": Outcome(COUNT, "children_renotified"),
    "screened_out_in_need": Outcome(COUNT, "screened_out_in_need"),
    "reviews": Outcome(COUNT, "reviews"),
    "investigations_decided": Outcome(COUNT, "investigations_decided"),
    "deadline_breaches": Outcome(COUNT, "deadline_breaches"),
    "placements_started": Outcome(COUNT, "placements_started"),
    "placements_substituted": Outcome(COUNT, "placements_substituted"),
    "open_cases.mean": Outcome(OPEN_CASES, "open_cases.mean"),
    "caseload_per_worker.mean": Outcome(CASES, "caseload_per_worker.mean"),
    "awaiting_investigation.mean": Outcome(PERSONS, "awaiting_investigation.mean"),
    "placements.mean": Outcome(PERSONS, "placements.mean"),
    "requests": Outcome(COUNT, "requests", SERVICE_FIRST),
    "median_wait_days": Outcome(DAYS, "median_wait_days", SERVICE_FIRST),
    "max_wait_days": Outcome(DAYS, "max_wait_days", SERVICE_FIRST),
    "waiting_31_dec": Outcome(PERSONS, "waiting_31_dec", SERVICE_FIRST),
    "in_house_spend_kr": Outcome(KRONER, "in_house_spend_kr", SERVICE_FIRST),
    "external_spend_kr": Outcome(KRONER, "external_spend_kr", SERVICE_FIRST),
    "external_share": Outcome(SHARE, "external_share", SERVICE_FIRST),
}
"""Outcome name, or the ``<what>`` of a family, -> its entry: every name of
:func:`sim.montecarlo.outcomes.outcome_names` has one."""


def describe(outcome: str) -> Outcome:
    """The entry of ``outcome`` (``KeyError`` for a name no replication reports: a bug, not input)."""
    entry = OUTCOMES.get(outcome)
    if entry is not None and not entry.family:
        return entry
    what, _, which = outcome.partition(".")
    entry = OUTCOMES.get(what)
    if entry is not None and entry.family and which:
        return entry
    raise KeyError(f"{outcome!r} is not in the outcome registry (sim/montecarlo/registry.py)")


def outcome_label(outcome: str, labels: Labels) -> str:
    """An outcome's label: ``spend_kr.placement`` -> 'Udgifter: Anbringelser'."""
    entry = describe(outcome)
    return entry.form.format(what=labels.row(entry.term), which=labels.row(outcome.partition(".")[2]))
