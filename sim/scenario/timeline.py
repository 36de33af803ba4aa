"""Decisions and prices that change during a run: the scenario's timeline.

Policies change while a run goes on: 12 more caseworkers from 1 February
2017, 10 more Familiehus places from 2019, a new price from a year. The
timeline holds them as tables keyed by the date they take effect::

    [timeline.2017-02-01]
    note = "12 extra caseworkers (Fællesskabsmodellen)"
    caseworkers.count = 32

Only parameters marked time-varying in the schema may appear, and each new
value must pass the same bounds as the parameter itself (a decision is a
choice, so the range of the assumption it replaces does not bind it). Because the
timeline is a table keyed by date, a scenario that extends another can
replace one of its changes (same date, same parameter) or add new ones.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from .messages import dotted, problems_from, suggest
from .parameters import time_varying_fields
from .paths import lookup, put


def time_varying_paths(scenario: BaseModel) -> list[str]:
    """Dotted paths of every time-varying parameter present in a validated scenario."""
    return [path for path in time_varying_fields(type(scenario)) if lookup(scenario, path) is not None]


def _leaves(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(keys, value) of every value that is not a table, inside ``table``."""
    out = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_leaves(value, (*prefix, key)))
        else:
            out.append(((*prefix, key), value))
    return out


def _parse_date(key: str) -> dt.date | None:
    """The date a timeline key such as 2019-01-01 names; None for any other key.

    Only that form: Python reads other ISO forms too (20190101, 2019-W01-2),
    and a change must be reported under the key as written.
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", key, flags=re.ASCII):
        return None
    try:
        return dt.date.fromisoformat(key)
    except ValueError:  # 2019-02-30
        return None


def parse_timeline(
    raw: Any,
    base: dict[str, Any],
    scenario_type: type[BaseModel],
    where: Any,
    leaf: str | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Check the raw ``[timeline]`` table against the raw scenario ``base`` it changes.

    ``base`` need not be valid itself: the timeline is checked all the same,
    so that a file's problems are all reported at once. Returns the changes
    (date, path, value, note) in date order and the problems found;
    ``where(path)`` names the file that set a timeline entry.

    An entry dated before the start date is a mistake in the file ``leaf``
    being loaded, but a decision inherited from a scenario it extends (which
    started earlier) is in force from the start: it is moved to the start
    date and carries ``decided`` (its own date) and ``file``, so that
    provenance lists it.
    """
    known = list(time_varying_fields(scenario_type))
    allowed = [path for path in known if lookup(base, path) is not None]
    start = lookup(base, "scenario.start_date")
    if isinstance(start, dt.datetime):  # a date and a time: reported as not a date, and no start to compare
        start = None
    if not isinstance(raw, dict):
        return [], [Problem(where(("timeline",)), "timeline", "must be a table of dates")]
    changes, problems = [], []
    for key, entry in raw.items():
        loc = dotted(("timeline", key))
        date = _parse_date(str(key))
        if date is None:
            problems.append(Problem(where(("timeline", key)), loc, "must be a date such as 2019-01-01", key))
            continue
        decided = None
        if isinstance(start, dt.date) and date < start:
            if leaf is None or where(("timeline", key)) == leaf:
                problems.append(Problem(
                    where(("timeline", key)), loc,
                    f"is before the start date {start}; set the parameter itself instead",
                ))
                continue
            decided, date = date, start
        if not isinstance(entry, dict):
            problems.append(Problem(where(("timeline", key)), loc, "must be a table of parameters", entry))
            continue
        note = entry.get("note", "")
        if not isinstance(note, str):
            problems.append(Problem(where(("timeline", key, "note")), f"{loc}.note", "must be text", note))
            note = ""
        noted_in = where(("timeline", key, "note")) if "note" in entry else None
        for keys, value in _leaves({k: v for k, v in entry.items() if k != "note"}):
            path, here = ".".join(keys), where(("timeline", key, *keys))
            if path not in allowed:
                problems.append(Problem(
                    here, dotted(("timeline", key, *keys)),
                    "the scenario has no such parameter to change" if path in known else
                    "cannot change during a run" if lookup(base, path) is not None else
                    "unknown time-varying parameter" + suggest(path, allowed),
                ))
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Problem(here, dotted(("timeline", key, *keys)), "must be a number", value))
            else:
                own_note = note if noted_in in (None, here) else f"set in {here}"  # not another file's note
                changes.append({"date": date, "path": path, "value": value, "note": own_note, "file": here}
                               | ({"decided": decided} if decided else {}))
    changes.sort(key=lambda c: (c["date"], c.get("decided", c["date"])))
    return changes, problems + _check_values(changes, base, scenario_type, where)


def _check_values(
    changes: list[dict[str, Any]], base: dict[str, Any], scenario_type: type[BaseModel], where: Any
) -> list[Problem]:
    """Validate the scenario as it stands after each date's changes."""
    data = copy.deepcopy(base)
    problems: list[Problem] = []
    dates = sorted({c["date"] for c in changes})
    for date in dates:
        touched = {}
        for change in (c for c in changes if c["date"] == date):
            put(data, change["path"], {"value": change["value"], "source": change["note"] or "timeline"})
            touched[change["path"]] = change
        try:
            scenario_type.model_validate(data)
        except ValidationError as error:
            for problem in problems_from(error.errors(include_url=False), scenario_type, where):
                path = problem.path.removesuffix(".value")
                if path in touched:
                    problems.append(Problem(
                        where(("timeline", str(date), *path.split("."))),
                        f"timeline.{date}.{path}", problem.message, touched[path]["value"],
                    ))
    return problems
