"""The model's counterpart of each published figure, read off a run's tables in the published unit.

This is the one place where model output meets the accounts, so each
mapping is written out below, one line per kind of figure; docs/calibration.md
lists them for users and tests/test_calibration.py checks each against the
run's own tables. A unit of the accounts is a measure (a child with two
home-based measures is two units), and a count published "at" a month
(``placements.count.dates = ["2017-09"]``) is the count on its first day,
that is at the end of the month before: the monthly counts are taken at
month ends.
"""

from __future__ import annotations

import pandas as pd

from ..measures import PLACEMENT_TYPES
from ..model.calendar import DAYS_PER_MONTH
from ..output.result import Result
from .targets import ACCOUNT_LEVELS

COLUMNS = ["year", "outcome", "value"]
"""As the Monte Carlo engine keeps a replication: the outcome is a figure's key (``notifications.2017``)."""


def counterparts(result: Result) -> pd.DataFrame:
    """Every figure a targets file can give, as the run ``result`` has it: ``year``, ``outcome``, ``value``.

    The measure the calibration and validation ensembles keep of each replication.
    """
    rows = [*_yearly(result), *_monthly(result)]
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.dropna(subset=["value"]).reset_index(drop=True)


def _yearly(result: Result) -> list[tuple[int, str, float]]:
    rows = []
    flows = result.flows.set_index("year")
    for year, flow in flows.iterrows():
        rows.append((year, f"notifications.{year}", float(flow["notifications"])))
        share = float(flow["share_notifications_to_investigation"])
        rows.append((year, f"share_to_investigation.{year}", share))
    months = result.counts.assign(year=result.counts["date"].dt.year).groupby("year")
    for year, mean in months[["open_cases", "caseload_per_worker"]].mean().iterrows():
        rows.append((year, f"open_cases.{year}", float(mean["open_cases"])))
        rows.append((year, f"caseload_per_worker.{year}", float(mean["caseload_per_worker"])))
    frame = result.budget_frame[result.budget_frame["level"].isin(ACCOUNT_LEVELS)]
    for line in frame.itertuples():
        rows.append((line.year, f"units_31_dec.{line.level}.{line.year}", float(line.measures_31_dec)))
        rows.append((line.year, f"price_1000kr.{line.level}.{line.year}",
                     float(line.price_per_full_year_measure_kr) / 1000))
        rows.append((line.year, f"spend_1000kr.{line.level}.{line.year}", float(line.spend_kr) / 1000))
    services = result.services
    for line in services.itertuples():
        rows.append((line.year, f"wait_months.{line.service}.{line.year}",
                     float(line.max_wait_days) / DAYS_PER_MONTH))
    contact = services[services["measure"] == "contact_person"].groupby("year")["external_spend_kr"].sum()
    for year, spend in contact.items():
        rows.append((year, f"external_contact_person_1000kr.{year}", float(spend) / 1000))
    return rows


def _monthly(result: Result) -> list[tuple[int, str, float]]:
    rows = []
    columns = {kind: f"placement_{kind}" for kind in PLACEMENT_TYPES} | {"total": "placements_total"}
    for line in result.counts.itertuples():
        start = line.date + pd.Timedelta(days=1)
        if start.day != 1:
            continue
        for kind, column in columns.items():
            rows.append((start.year, f"placements.{kind}.{start.year}-{start.month:02d}",
                         float(getattr(line, column))))
    return rows
