"""The outcomes of one replication: one number per year and outcome, the unit of every ensemble.

A replication's tables are large (every spell, every wait); an ensemble of
a thousand replications keeps only what is compared across them. Each
outcome is read off the replication's own tables, never recomputed, so an
ensemble's figures are the figures a single run prints. Names are
``<what>`` or ``<what>.<which>`` (``spend_kr.placement``,
``median_wait_days.familiehus``) and are a public interface, listed in
``docs/montecarlo.md``.
"""

from __future__ import annotations

import pandas as pd

from ..measures import HOME_BASED, PLACEMENT_TYPES
from ..output.attribution import CAUSES
from ..output.result import Result
from ..scenario import Scenario

COLUMNS = ["year", "outcome", "value"]

FRAME_MEASURES = ("spend_kr", "persons_31_dec", "full_year_persons")
"""Budget-frame columns kept per level."""

ACCOUNTS_LEVELS = ("preventive", "home_based", "placement", "small_children_special")
"""The levels of the accounts' frame (182.8 mio kr in 2017); authority is the caseworkers' pay and overheads.

A scenario without one of them (a municipality whose accounts have no
small-children level) reports no outcome of it: its outcomes are absent,
as its budget frame's row is, not zero, so no table or report shows a
level the municipality does not have; ``spend_kr.total`` sums the levels
it has."""

FLOWS = (
    "notifications", "assessments", "applications", "children_renotified", "screened_out_in_need",
    "investigations_decided", "deadline_breaches", "placements_started", "placements_substituted", "reviews",
)
"""Yearly flows kept as they are."""

YEAR_MEANS = {
    "open_cases.mean": "open_cases",
    "caseload_per_worker.mean": "caseload_per_worker",
    "awaiting_investigation.mean": "state_awaiting_investigation",
    "placements.mean": "placements_total",
}
"""Outcome -> monthly count averaged over the month ends of the year."""

BY_MEASURE = {"placement": PLACEMENT_TYPES, "home_based": HOME_BASED}
"""Level -> the measures whose spend and full-year persons are kept each, as the accounts list them:
``<level>_spend_kr.<measure>`` and ``<level>_full_year_persons.<measure>``, families of their own so
that ``spend_kr.*`` is the levels. A child has one placement at a time and never two home-based measures
of one kind, so a measure's full-year measures are its full-year persons; the home-based ones sum to the
level's full-year measures (the accounts' units), not its full-year persons (a child with two measures
is one person). In-house places left idle are in the level's spend, not a measure's."""
MEASURE_OUTCOMES = {"spend_kr": "spend_kr", "full_year_measures": "full_year_persons"}
"""Column of ``spend_by_measure`` -> the ``<what>`` it is kept as, after the level's name."""

SERVICE_MEASURES = (
    "median_wait_days", "max_wait_days", "waiting_31_dec", "requests",
    "in_house_spend_kr", "external_spend_kr",
)
"""Columns of the services table kept per in-house service."""


def outcomes(result: Result) -> pd.DataFrame:
    """The replication's outcomes, long: ``year``, ``outcome``, ``value``."""
    parts = [_budget(result.budget_frame), _by_measure(result.spend_by_measure), _flows(result.flows),
             _counts(result.counts), _services(result.services), _causes(result.spend_by_cause)]
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def outcome_names(scenario: Scenario) -> list[str]:
    """Every outcome a replication of ``scenario`` reports, known before anything runs."""
    services = [name for name, _ in scenario.services]
    return sorted([
        *(f"{what}.{level}" for what in FRAME_MEASURES for level in scenario.levels),
        "spend_kr.total", "spend_kr.total_with_authority",
        *(f"{level}_{what}.{measure}" for level, measures in BY_MEASURE.items()
          for what in MEASURE_OUTCOMES.values() for measure in measures),
        *(f"spend_by_cause.{cause}" for cause in CAUSES),
        *FLOWS, *YEAR_MEANS,
        *(f"placements_31_dec.{kind}" for kind in [*PLACEMENT_TYPES, "total"]),
        *(f"{what}.{service}" for what in [*SERVICE_MEASURES, "external_share"] for service in services),
    ])


def _stack(wide: pd.DataFrame) -> pd.DataFrame:
    """A table indexed by year, one column per outcome, as long rows (empty cells dropped)."""
    stacked = wide.rename_axis(index="year", columns="outcome").stack(future_stack=True)
    return stacked.rename("value").reset_index().dropna(subset=["value"])


def _budget(frame: pd.DataFrame) -> pd.DataFrame:
    wide = frame.pivot(index="year", columns="level", values=list(FRAME_MEASURES))
    wide.columns = [f"{what}.{level}" for what, level in wide.columns]
    wide["spend_kr.total"] = wide[[f"spend_kr.{level}" for level in ACCOUNTS_LEVELS
                                   if f"spend_kr.{level}" in wide]].sum(axis=1)
    wide["spend_kr.total_with_authority"] = wide["spend_kr.total"] + wide["spend_kr.authority"]
    return _stack(wide)


def _by_measure(by_measure: pd.DataFrame) -> pd.DataFrame:
    """Spend and full-year persons per placement type and home-based measure, providers together."""
    parts = []
    for level, measures in BY_MEASURE.items():
        mine = by_measure[by_measure["measure"].isin(measures)]
        wide = mine.pivot_table(index="year", columns="measure", values=list(MEASURE_OUTCOMES), aggfunc="sum")
        wide = wide.reindex(columns=pd.MultiIndex.from_product([list(MEASURE_OUTCOMES), measures]),
                            fill_value=0.0)
        wide.columns = [f"{level}_{MEASURE_OUTCOMES[what]}.{measure}" for what, measure in wide.columns]
        parts.append(_stack(wide.fillna(0.0)))
    return pd.concat(parts, ignore_index=True)


def _causes(by_cause: pd.DataFrame) -> pd.DataFrame:
    """The spend on measures by cause (:mod:`sim.output.attribution`)."""
    wide = by_cause.pivot(index="year", columns="cause", values="spend_kr")
    wide.columns = [f"spend_by_cause.{cause}" for cause in wide.columns]
    return _stack(wide)


def _flows(flows: pd.DataFrame) -> pd.DataFrame:
    return _stack(flows.set_index("year")[list(FLOWS)])


def _counts(counts: pd.DataFrame) -> pd.DataFrame:
    monthly = counts.assign(year=counts["date"].dt.year)
    means = monthly.groupby("year")[list(YEAR_MEANS.values())].mean()
    means.columns = list(YEAR_MEANS)
    december = monthly[(monthly["date"].dt.month == 12) & (monthly["date"].dt.day == 31)].set_index("year")
    kinds = [*PLACEMENT_TYPES, "total"]
    at_31_dec = december[[f"placement_{kind}" for kind in PLACEMENT_TYPES] + ["placements_total"]]
    at_31_dec.columns = [f"placements_31_dec.{kind}" for kind in kinds]
    return _stack(means.join(at_31_dec, how="left"))


def _services(services: pd.DataFrame) -> pd.DataFrame:
    decided = services["started_in_house"] + services["bought_externally"]
    table = services.assign(external_share=(services["bought_externally"] / decided).where(decided > 0))
    wide = table.pivot(index="year", columns="service", values=[*SERVICE_MEASURES, "external_share"])
    wide.columns = [f"{what}.{service}" for what, service in wide.columns]
    return _stack(wide)
