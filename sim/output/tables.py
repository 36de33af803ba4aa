"""The tables of a replication, derived from its records.

Column names are a public interface, documented in docs/tables.md. Counts
"at the end of a month" and "at 31 December" are taken at the last moment of
that day; full-year persons are person-days in the year over the days of the
year (365 or 366); spend comes from :mod:`sim.output.ledger`. A year only partly
inside the horizon counts only its simulated days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures import EXIT_REASONS, HOME_BASED, LEVEL_OF, OPEN_CASE_STATES, PLACEMENT_TYPES, STATES
from ..model.calendar import Calendar
from ..model.records import INF, Records
from ..model.steps import Steps, occupancy
from .ledger import PriceList, by_year, spell_spend, year_windows

END_OF_DAY = 1e-6
"""A count at the end of a day is taken this many days before the next day begins."""


def _dates(calendar: Calendar, days: np.ndarray | pd.Series) -> pd.Series:
    """Model days -> calendar dates (NaT where the day is not finite)."""
    days = np.asarray(days, dtype=float)
    finite = np.isfinite(days)
    whole = np.where(finite, np.floor(np.where(finite, days, 0.0)), 0.0)
    dates = pd.Timestamp(calendar.start) + pd.to_timedelta(whole, unit="D")
    return pd.Series(dates).where(finite).astype("datetime64[s]")


def active(starts: np.ndarray, ends: np.ndarray, times: np.ndarray) -> np.ndarray:
    """How many intervals [start, end) contain each of ``times``."""
    return np.searchsorted(np.sort(starts), times, side="right") - np.searchsorted(
        np.sort(ends), times, side="right"
    )


def _within(days: np.ndarray, first: float, last: float) -> np.ndarray:
    """Which of ``days`` fall in the year window [first, last)."""
    return (days >= first) & (days < last)


def _arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns of ``frame`` as numpy arrays (text as objects), for selections made many times over."""
    return {name: frame[name].to_numpy() for name in frame.columns}


def _capacity(records: Records, name: str) -> Steps:
    return Steps.of(records.capacity[name])


# -- the ledgers as tables ----------------------------------------------------

def spells(records: Records, calendar: Calendar) -> pd.DataFrame:
    """One row per measure spell: the ledger everything else is derived from."""
    frame = records.table("spells").sort_values("spell_id", ignore_index=True)
    frame.insert(2, "level", frame["measure"].map(LEVEL_OF))
    frame["start_date"] = _dates(calendar, frame["start_day"])
    frame["end_date"] = _dates(calendar, frame["end_day"])
    return frame


def states(records: Records) -> pd.DataFrame:
    """One row per stay of a child in a state."""
    return records.table("states")


def children(records: Records, calendar: Calendar) -> pd.DataFrame:
    """One row per child: how and when it entered, and when and why it left."""
    frame = records.table("children").merge(records.table("exits"), on="child_id", how="left")
    frame["exited_day"] = frame["exited_day"].fillna(INF)
    frame["entered_date"] = _dates(calendar, frame["entered_day"])
    frame["exited_date"] = _dates(calendar, frame["exited_day"])
    return frame


def waits(records: Records, calendar: Calendar) -> pd.DataFrame:
    """One row per request for an in-house place (Familiehus, DUT)."""
    frame = records.table("waits").sort_values("request_id", ignore_index=True)
    served = frame["outcome"].isin(["in_house", "external"])
    frame["started_day"] = frame["ended_day"].where(served)
    frame["wait_days"] = np.minimum(frame["ended_day"], calendar.horizon) - frame["requested_day"]
    frame["requested_date"] = _dates(calendar, frame["requested_day"])
    frame["started_date"] = _dates(calendar, frame["started_day"])
    return frame[[
        "request_id", "child_id", "service", "measure", "requested_day", "started_day",
        "wait_days", "outcome", "requested_date", "started_date",
    ]]


def _waiting_until(wait_table: pd.DataFrame) -> np.ndarray:
    """End of each request's time on the waitlist (inf while still waiting)."""
    still = (wait_table["outcome"] == "waiting").to_numpy()
    return np.where(still, INF, (wait_table["requested_day"] + wait_table["wait_days"]).to_numpy())


# -- what planners read ---------------------------------------------------------

def _person_blocks(spell_table: pd.DataFrame) -> pd.DataFrame:
    """Per child and level, the union of its spells as disjoint intervals.

    A child with two home-based measures at once is one person in the level.
    """
    frame = spell_table.sort_values(["child_id", "level", "start_day"], ignore_index=True)
    same = (frame["child_id"] == frame["child_id"].shift()) & (frame["level"] == frame["level"].shift())
    group = (~same).cumsum()
    reach = frame.groupby(group)["end_day"].cummax()
    new_block = ~same | (frame["start_day"] > reach.groupby(group).shift())
    block = new_block.cumsum()
    return frame.groupby(block).agg(
        level=("level", "first"), start_day=("start_day", "min"), end_day=("end_day", "max")
    )


def spend(spell_table: pd.DataFrame, prices: PriceList) -> pd.DataFrame:
    """Days and spend of each spell in each year, with the spell's child, measure, provider and level."""
    who = spell_table[["spell_id", "child_id", "measure", "provider", "level"]]
    return spell_spend(spell_table, prices).merge(who, on="spell_id")


def spend_by_measure(spend_table: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Per year, measure and provider: full-year measures and spend (placements by type, as in the accounts).

    A child has one placement at a time, so a placement type's full-year
    measures are its full-year persons.
    """
    grouped = spend_table.groupby(["year", "measure", "provider"], as_index=False)[["days", "spend_kr"]].sum()
    days_in_year = grouped["year"].map(calendar.days_in_year).astype(float)
    grouped.insert(3, "level", grouped["measure"].map(LEVEL_OF))
    grouped.insert(4, "full_year_measures", grouped.pop("days") / days_in_year)
    return grouped


def budget_frame(
    spend_table: pd.DataFrame, spell_table: pd.DataFrame, idle: dict[int, float], records: Records,
    prices: PriceList, calendar: Calendar,
) -> pd.DataFrame:
    """Persons at 31 December, full-year persons, spend and price per year and level.

    ``idle`` is the cost per year of in-house places that stood empty
    (:func:`idle_place_cost`), added to the home-based level. Only the
    levels the scenario has get rows: a municipality without a
    small-children level has no row for it, rather than a row of zeros
    without a price.
    """
    spend, levels = spend_table, prices.scenario.levels
    spend_kr = spend.groupby(["year", "level"])["spend_kr"].sum()
    measure_days = spend.groupby(["year", "level"])["days"].sum()
    blocks = _person_blocks(spell_table)
    caseworkers = Steps.of(records.caseworkers)
    worker_days = by_year(caseworkers, calendar)
    salaries = by_year(caseworkers.combine(prices.daily("caseworker", "in_house"), np.multiply), calendar)
    # (start, end) days of each level's persons and of its measures, split once rather than per year
    spans = {
        level: tuple((table.loc[table["level"] == level, "start_day"].to_numpy(),
                      table.loc[table["level"] == level, "end_day"].to_numpy())
                     for table in (blocks, spell_table))
        for level in levels if level != "authority"
    }
    rows = []
    for year, first, last in year_windows(calendar):
        days_in_year = calendar.days_in_year(year)
        moment = np.array([last - END_OF_DAY])
        for level in levels:
            if level == "authority":
                persons = measures = caseworkers.at(moment[0])
                full_year = full_year_measures = worker_days[year] / days_in_year
                kroner = salaries[year]
            else:
                (starts, ends), (measure_starts, measure_ends) = spans[level]
                persons = int(active(starts, ends, moment)[0])
                measures = int(active(measure_starts, measure_ends, moment)[0])
                inside = np.minimum(ends, last) - np.maximum(starts, first)
                full_year = float(np.clip(inside, 0.0, None).sum()) / days_in_year
                full_year_measures = float(measure_days.get((year, level), 0.0)) / days_in_year
                kroner = float(spend_kr.get((year, level), 0.0)) + (
                    idle.get(year, 0.0) if level == "home_based" else 0.0
                )
            rows.append({
                "year": year, "level": level,
                "persons_31_dec": persons, "full_year_persons": full_year,
                "spend_kr": kroner,
                "price_per_full_year_kr": kroner / full_year if full_year > 0 else np.nan,
                "measures_31_dec": measures, "full_year_measures": full_year_measures,
                "price_per_full_year_measure_kr":
                    kroner / full_year_measures if full_year_measures > 0 else np.nan,
            })
    return pd.DataFrame(rows)


def _service_use(spell_table: pd.DataFrame, records: Records, name: str, measure: str) -> tuple[Steps, Steps]:
    """(places, places in use) of an in-house service over time."""
    used = spell_table[(spell_table["measure"] == measure) & (spell_table["provider"] == "in_house")]
    return _capacity(records, name), occupancy(used["start_day"].to_numpy(), used["end_day"].to_numpy())


def _idle(places: Steps, busy: Steps) -> Steps:
    return places.combine(busy, lambda p, b: np.maximum(p - b, 0.0))


def idle_place_cost(
    spell_table: pd.DataFrame, records: Records, prices: PriceList, calendar: Calendar
) -> dict[int, float]:
    """Cost per year of in-house places that stood empty (part of the home-based level)."""
    total: dict[int, float] = {}
    for name, service in prices.scenario.services:
        places, busy = _service_use(spell_table, records, name, service.measure)
        cost = _idle(places, busy).combine(prices.daily(service.measure, "in_house"), np.multiply)
        for year, kroner in by_year(cost, calendar).items():
            total[year] = total.get(year, 0.0) + kroner
    return total


def services(
    spell_table: pd.DataFrame, wait_table: pd.DataFrame, records: Records, prices: PriceList,
    calendar: Calendar,
) -> pd.DataFrame:
    """Per year and in-house service: places, use, idle places, waits and external purchase."""
    rows = []
    for name, service in prices.scenario.services:
        measure = service.measure
        places, busy = _service_use(spell_table, records, name, measure)
        place_days, busy_days = by_year(places, calendar), by_year(busy, calendar)
        idle_days = by_year(_idle(places, busy), calendar)
        place_cost = by_year(places.combine(prices.daily(measure, "in_house"), np.multiply), calendar)
        external = spell_table[(spell_table["measure"] == measure) & (spell_table["provider"] == "external")]
        bought = spell_spend(external, prices).groupby("year")[["days", "spend_kr"]].sum()
        requests = wait_table[wait_table["service"] == name]
        waiting_until = _waiting_until(requests)
        wanted = _arrays(requests[["requested_day", "started_day", "wait_days", "outcome"]])
        requested_day, started_day = wanted["requested_day"], wanted["started_day"]
        in_house, external = wanted["outcome"] == "in_house", wanted["outcome"] == "external"
        for year, first, last in year_windows(calendar):
            diy = calendar.days_in_year(year)
            started = _within(started_day, first, last)
            waits_started = pd.Series(wanted["wait_days"][started])
            rows.append({
                "year": year, "service": name, "measure": measure,
                "places_31_dec": int(places.at(last - END_OF_DAY)),
                "full_year_places": place_days[year] / diy,
                "full_year_used": busy_days[year] / diy,
                "full_year_idle": idle_days[year] / diy,
                "in_house_spend_kr": place_cost[year],
                "full_year_external": float(bought["days"].get(year, 0.0)) / diy,
                "external_spend_kr": float(bought["spend_kr"].get(year, 0.0)),
                "requests": int(_within(requested_day, first, last).sum()),
                "started_in_house": int((started & in_house).sum()),
                "bought_externally": int((started & external).sum()),
                "median_wait_days": float(waits_started.median()) if len(waits_started) else np.nan,
                "max_wait_days": float(waits_started.max()) if len(waits_started) else np.nan,
                "waiting_31_dec": int(active(requested_day, waiting_until, np.array([last - END_OF_DAY]))[0]),
            })
    return pd.DataFrame(rows)


def counts(
    state_table: pd.DataFrame, spell_table: pd.DataFrame, wait_table: pd.DataFrame,
    child_table: pd.DataFrame, records: Records, prices: PriceList, calendar: Calendar,
) -> pd.DataFrame:
    """Children by state and measure, open cases, caseload and waitlists at the end of each month."""
    month_ends = calendar.month_ends
    times = np.array([day for _, day in month_ends]) - END_OF_DAY
    frame = pd.DataFrame({"date": pd.to_datetime([d for d, _ in month_ends]).astype("datetime64[s]")})
    frame["children_present"] = active(
        state_table["start_day"].to_numpy(), state_table["end_day"].to_numpy(), times
    )
    frame["entered_cumulative"] = np.searchsorted(np.sort(child_table["entered_day"]), times, side="right")
    frame["exited_cumulative"] = np.searchsorted(np.sort(child_table["exited_day"]), times, side="right")
    stays = _arrays(state_table[["state", "start_day", "end_day"]])
    for state in STATES:
        mine = stays["state"] == state
        frame[f"state_{state}"] = active(stays["start_day"][mine], stays["end_day"][mine], times)
    frame["open_cases"] = frame[[f"state_{s}" for s in STATES if s in OPEN_CASE_STATES]].sum(axis=1)
    caseworkers = Steps.of(records.caseworkers)
    frame["caseworkers"] = [caseworkers.at(t) for t in times]
    frame["caseload_per_worker"] = frame["open_cases"] / frame["caseworkers"]
    spells = _arrays(spell_table[["measure", "start_day", "end_day"]])
    for measure in ("preventive", *HOME_BASED):
        frame[f"measure_{measure}"] = _spells_at(spells, measure, times)
    for kind in PLACEMENT_TYPES:
        frame[f"placement_{kind}"] = _spells_at(spells, kind, times)
    frame["placements_total"] = frame[[f"placement_{k}" for k in PLACEMENT_TYPES]].sum(axis=1)
    for name, service in prices.scenario.services:
        places, busy = _service_use(spell_table, records, name, service.measure)
        requests = wait_table[wait_table["service"] == name]
        frame[f"places_{name}"] = [int(places.at(t)) for t in times]
        frame[f"in_house_{name}"] = [int(busy.at(t)) for t in times]
        frame[f"waiting_{name}"] = active(
            requests["requested_day"].to_numpy(), _waiting_until(requests), times
        )
    for kind in PLACEMENT_TYPES:
        if kind in records.capacity:
            families = _capacity(records, kind)
            frame[f"families_{kind}"] = [int(families.at(t)) for t in times]
    return frame


def _spells_at(spells: dict[str, np.ndarray], measure: str, times: np.ndarray) -> np.ndarray:
    mine = spells["measure"] == measure
    return active(spells["start_day"][mine], spells["end_day"][mine], times)


NOTIFIED = ("notification", "renotified")
"""Routes by which a child comes in a notification (the first about it, or again after being screened out)."""


def flows(records: Records, child_table: pd.DataFrame, calendar: Calendar) -> pd.DataFrame:
    """Per year: notifications, investigations, placements and exits.

    The columns are taken out of the ledgers once as arrays, and what does
    not depend on the year (an investigation's route, a placement's
    substitution) is worked out once; each year then only selects by day.
    """
    notes = _arrays(records.table("notifications"))
    inv = _arrays(records.table("investigations"))
    placed = _arrays(records.table("placements"))
    states = _arrays(records.table("states"))
    unmet = _arrays(records.table("unmet"))
    reviews = records.table("reviews")["day"].to_numpy()
    assessed = states["start_day"][states["state"] == "assessment"]
    screened = unmet["screened_day"][unmet["child_id"] >= 0]
    kids = _arrays(child_table[["route", "entered_day", "exited_day", "exit_reason"]])
    route, reason = kids["route"], kids["exit_reason"]
    from_outside = ~child_table["route"].str.startswith("initial").to_numpy(dtype=bool)
    requested_route = inv["route"] != "initial"
    from_notifications = np.isin(inv["route"], NOTIFIED)
    finished = ~np.isin(inv["outcome"], ["left", "under_way"])
    breach = inv["decided_day"] > inv["deadline_day"]
    substituted = placed["wanted"] != placed["placed"]
    days_to_move_in = placed["moved_in_day"] - placed["decided_day"]
    rows = []
    for year, first, last in year_windows(calendar):
        def within(days: np.ndarray) -> np.ndarray:
            return _within(days, first, last)  # noqa: B023

        year_notes = within(notes["day"])
        repeats = notes["repeat"][year_notes]
        requested = within(inv["requested_day"]) & requested_route
        decided = within(inv["decided_day"]) & finished
        moved = within(placed["moved_in_day"])
        entered = within(kids["entered_day"]) & from_outside
        exited = within(kids["exited_day"])
        row = {
            "year": year,
            "notifications": int(year_notes.sum()),
            "repeat_notifications": int(repeats.sum()),
            "children_notified": int((~repeats).sum()),
            "applications": int((route[entered] == "application").sum()),
            "children_renotified": int((route[entered] == "renotified").sum()),
            "assessments": int(within(assessed).sum()),
            "screened_out_in_need": int(within(screened).sum()),
            "investigations_requested": int(requested.sum()),
            "investigations_from_notifications": int((requested & from_notifications).sum()),
            "investigations_decided": int(decided.sum()),
            "deadline_breaches": int((decided & breach).sum()),
            "placements_started": int(moved.sum()),
            "placements_substituted": int((moved & substituted).sum()),
            "mean_days_to_move_in":
                float(pd.Series(days_to_move_in[moved]).mean()) if moved.any() else np.nan,
            "children_entered": int(entered.sum()),
            "reviews": int(within(reviews).sum()),
        }
        notified = row["notifications"]
        row["share_notifications_to_investigation"] = (
            row["investigations_from_notifications"] / notified if notified else np.nan
        )
        for exit_reason in EXIT_REASONS:
            row[f"exits_{exit_reason}"] = int((reason[exited] == exit_reason).sum())
        rows.append(row)
    return pd.DataFrame(rows)
