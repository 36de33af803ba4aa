"""A municipality's published figures, read from a targets file in the layout of its accounts.

A planner has the figures as the accounts and follow-up notes give them:
notifications per year, open cases, persons placed at a date by placement
type, units at 31 December per budget level, spend in 1,000 kr, waits in
months. The targets file keeps that layout (``docs/calibration.md``
documents every key), so it can be filled in from the municipality's own
papers without converting a unit. Each number becomes a :class:`Figure`
named ``<quantity>.<year>`` or, for a count at a date, ``<quantity>.<YYYY-MM>``;
:mod:`sim.calibration.counterparts` gives each quantity's model counterpart.

Keys the model has no counterpart for (a budget, a consultancy's savings
plan, the spend on "other") are listed as not used, each with its reason,
rather than refused, so a file can hold a municipality's whole set of
figures; no key is dropped without a word (:attr:`Targets.used` and
:attr:`Targets.unused` are every key of the file).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..measures import LEVELS, PLACEMENT_TYPES
from ..scenario.tomlfile import parse_toml

EMBEDDED_FOLDER = "published"
"""Where the shipped targets files live, beside this module; ``ballerup_published`` is Ballerup's figures."""
DEFAULT_TARGETS = "ballerup_published"

ACCOUNT_LEVELS = tuple(level for level in LEVELS if level != "authority")
"""Budget levels a targets file may give units, prices and spend for."""
SERVICES = ("familiehus", "dut")
"""In-house services a wait may be given for."""
PLACEMENT_KINDS = (*PLACEMENT_TYPES, "total")

UNITS = {
    "notifications": "notifications per year",
    "share_to_investigation": "share of the year's notifications",
    "open_cases": "open cases, mean over the year",
    "caseload_per_worker": "cases per caseworker, mean over the year",
    "placements": "persons placed at the start of the month",
    "units_31_dec": "units at 31 December",
    "price_1000kr": "1,000 kr per full-year unit",
    "spend_1000kr": "1,000 kr in the year",
    "external_contact_person_1000kr": "1,000 kr in the year",
    "wait_months": "longest wait in the year, months",
}
"""The unit of each kind of quantity (the part of its name before the first dot)."""


@dataclass(frozen=True)
class Figure:
    """One published number (or range), in the unit the municipality published it in."""

    quantity: str
    """What is measured: ``notifications``, ``placements.foster_family``, ``spend_1000kr.preventive`` ..."""
    year: int
    month: int | None
    """For a count at a date: the month at whose start it is counted."""
    low: float
    high: float
    """The published value twice, or the ends of a published range ("2-3 months")."""
    source: str
    """Where in the targets file it is: a key path and position."""

    @property
    def key(self) -> str:
        """The figure's name: ``<quantity>.<year>`` or ``<quantity>.<YYYY-MM>``."""
        when = f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"
        return f"{self.quantity}.{when}"

    @property
    def date(self) -> dt.date:
        """When the figure is measured: the month's first day for a count, else the end of the year."""
        return dt.date(self.year, 12, 31) if self.month is None else dt.date(self.year, self.month, 1)

    @property
    def unit(self) -> str:
        """The published unit."""
        return UNITS[self.quantity.split(".")[0]]

    @property
    def is_range(self) -> bool:
        """True when a range was published rather than one number."""
        return self.high != self.low


DESCRIPTIONS = {
    "notifications": "Notifications",
    "share_to_investigation": "Share of notifications to investigation",
    "open_cases": "Open cases (mean over the year)",
    "caseload_per_worker": "Caseload per caseworker (mean over the year)",
    "placements": "Placed, {which}, on {date}",
    "units_31_dec": "Units at 31 Dec, {which}",
    "price_1000kr": "Price per full-year unit, {which} (1,000 kr)",
    "spend_1000kr": "Spend, {which} (1,000 kr)",
    "external_contact_person_1000kr": "External contact persons (1,000 kr)",
    "wait_months": "Longest wait, {which} (months)",
}
"""How tables name each kind of quantity."""


def describe(figure: Figure) -> str:
    """The figure as a table row names it: ``Placed, foster_family, on 2017-09-01``."""
    kind, _, which = figure.quantity.partition(".")
    return DESCRIPTIONS[kind].format(which=which.replace("_", " "), date=figure.date.isoformat())


@dataclass(frozen=True)
class Targets:
    """The figures of a targets file, and every key it holds that gives no figure, with the reason."""

    label: str
    figures: tuple[Figure, ...]
    used: frozenset[str]
    """Dotted paths of the keys the figures are read from (a list's key, and the dates or years it is for)."""
    unused: dict[str, str]
    """Dotted path of every other key of the file -> why it gives no figure."""


SECTIONS = {
    "notifications": ("per_year", "share_to_investigation"),
    "cases": ("open", "caseload_per_worker"),
    "placements": ("count",),
    "levels": ("years", "units_31_dec", "price_per_person_year_1000kr"),
    "spend_1000kr": ("<year>", "external_contact_person"),
    "in_house_services": ("<service>_wait_months_<year>",),
}
"""The sections of a targets file barnesim reads, and the keys it reads in each (docs/calibration.md)."""


def embedded_targets() -> list[str]:
    """Names of the targets files shipped with barnesim."""
    folder = resources.files(__package__).joinpath(EMBEDDED_FOLDER)
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_targets(ref: str | Path, where: str = "--targets") -> Targets:
    """The figures of the targets file ``ref`` (a path, or the name of a shipped file).

    Raises :class:`InputError` naming every key whose value cannot be used,
    or ``where`` when the file cannot be found.
    """
    path = Path(ref)
    if path.suffix != ".toml" and str(ref) in embedded_targets():
        raw = resources.files(__package__).joinpath(EMBEDDED_FOLDER, f"{ref}.toml").read_bytes()
        label = f"embedded:{ref}"
    elif path.is_file():
        raw, label = path.read_bytes(), str(path)
    else:
        raise InputError([Problem(where, "", "is neither a targets file nor the name of a shipped one "
                                  f"({', '.join(embedded_targets())})", str(ref))], "cannot load the targets")
    return read_targets(parse_toml(label, raw, "a targets file"), label)


def read_targets(data: dict[str, Any], label: str) -> Targets:
    """The figures of a targets file's tables ``data``; ``label`` names the file in messages."""
    reader = _Reader(label)
    for section, table in data.items():
        if section not in SECTIONS:
            reader.skip(section, table, f"[{section}] is not a section of figures barnesim compares; it "
                        f"reads {', '.join(SECTIONS)}")
        elif reader.is_table(table, section, "a table of the keys " + ", ".join(SECTIONS[section])):
            getattr(reader, section)(table)
    if reader.problems:
        raise InputError(reader.problems, f"cannot read the targets {label}")
    if not reader.figures:
        raise InputError([Problem(label, "", "holds no figure barnesim can compare with; docs/calibration.md "
                                  "lists the keys it reads")], f"cannot read the targets {label}")
    return Targets(label, tuple(reader.figures), frozenset(reader.used), dict(sorted(reader.unused.items())))


class _Reader:
    """Collects figures and problems, and the reason for every key that gives no figure."""

    def __init__(self, label: str):
        self.label = label
        self.figures: list[Figure] = []
        self.problems: list[Problem] = []
        self.used: set[str] = set()
        self.unused: dict[str, str] = {}

    def add(self, quantity: str, year: Any, value: Any, source: str, month: int | None = None) -> None:
        """One figure, once its year and value are found usable."""
        if not _is_year(year):
            self.problems.append(Problem(self.label, source, "the year must be a whole number such as 2017",
                                         year))
            return
        ends = value if isinstance(value, list) else [value, value]
        if (len(ends) != 2 or not all(_is_number(v) and v >= 0 for v in ends) or ends[0] > ends[1]):
            self.problems.append(Problem(self.label, source, "must be a number of 0 or more, or a range "
                                         "[low, high] of two such numbers", value))
            return
        self.figures.append(Figure(quantity, int(year), month, float(ends[0]), float(ends[1]), source))
        self.used.add(source.split("[")[0])

    def skip(self, path: str, value: Any, reason: str) -> None:
        """Every key at or under ``path`` gives no figure, for ``reason``."""
        self.unused |= dict.fromkeys(leaf_keys(value, path), reason)

    def when_used(self, path: str, value: Any, lists: str) -> None:
        """The dates or years at ``path`` are used when a list of figures under ``lists`` gives them."""
        if any(key.startswith(lists) for key in self.used):
            self.used.add(path)
        else:
            self.skip(path, value, "no list of figures beside it gives values for them")

    def unknown(self, section: str, key: str, value: Any) -> None:
        """A key of a section that barnesim does not read."""
        self.skip(f"{section}.{key}", value, f"not a key barnesim reads in [{section}]; it reads "
                  f"{', '.join(SECTIONS[section])}")

    def is_table(self, value: Any, path: str, allowed: str) -> bool:
        """True when ``value`` is a table; else a problem saying it must be ``allowed``."""
        if isinstance(value, dict):
            return True
        self.problems.append(Problem(self.label, path, f"must be {allowed}", value))
        return False

    def by_year(self, quantity: str, table: Any, path: str) -> None:
        """A table ``{ 2016 = 410, 2017 = 454 }``."""
        if self.is_table(table, path, "a table of year = value"):
            for year, value in table.items():
                self.add(quantity, _year(year), value, f"{path}.{year}")

    def notifications(self, table: dict[str, Any]) -> None:
        quantities = {"per_year": "notifications", "share_to_investigation": "share_to_investigation"}
        for key, value in table.items():
            if key in quantities:
                self.by_year(quantities[key], value, f"notifications.{key}")
            else:
                self.unknown("notifications", key, value)

    def cases(self, table: dict[str, Any]) -> None:
        for key, value in table.items():
            if key == "open":
                self.by_year("open_cases", value, "cases.open")
            elif key == "caseload_per_worker":
                self.caseloads(value)
            else:
                self.unknown("cases", key, value)

    def caseloads(self, table: Any) -> None:
        path = "cases.caseload_per_worker"
        if not self.is_table(table, path, "a table of observed_<year> = cases per caseworker"):
            return
        for key, value in table.items():
            match = re.fullmatch(r"observed_(\d{4})", key)
            if match:
                self.add("caseload_per_worker", int(match[1]), value, f"{path}.{key}")
            else:
                self.skip(f"{path}.{key}", value, "not observed_<year>: only an observed caseload is "
                          "compared (a target caseload is a plan, not an observation)")

    def placements(self, table: dict[str, Any]) -> None:
        for key, value in table.items():
            if key != "count":
                self.unknown("placements", key, value)
            elif self.is_table(value, "placements.count", "a table of dates and a list per placement type"):
                self.placement_counts(value)

    def placement_counts(self, counts: dict[str, Any]) -> None:
        dates = counts.get("dates", [])
        months = [_month(d) for d in dates] if isinstance(dates, list) else [None]
        if None in months or not months:
            self.problems.append(Problem(self.label, "placements.count.dates", "must be a list of months "
                                         'such as ["2017-01", "2017-09"]', dates))
            return
        for kind, values in counts.items():
            path = f"placements.count.{kind}"
            if kind in PLACEMENT_KINDS:
                self.series(f"placements.{kind}", values, path, months)  # type: ignore[arg-type]
            elif kind != "dates":
                self.skip(path, values, f"not a placement type or total; they are "
                          f"{', '.join(PLACEMENT_KINDS)}")
        self.when_used("placements.count.dates", dates, "placements.count.")

    def levels(self, table: dict[str, Any]) -> None:
        if not table:
            return
        years = table.get("years")
        if not isinstance(years, list) or not all(_is_year(y) for y in years):
            self.problems.append(Problem(self.label, "levels.years", "must be a list of years", years))
            return
        names = {"units_31_dec": "units_31_dec", "price_per_person_year_1000kr": "price_1000kr"}
        for key, by_level in table.items():
            path = f"levels.{key}"
            if key in names and self.is_table(by_level, path, "a table of level = list of values"):
                for level, values in by_level.items():
                    if self.known_level(level, f"{path}.{level}"):
                        self.series(f"{names[key]}.{level}", values, f"{path}.{level}",
                                    [(int(y), None) for y in years])
            elif key not in (*names, "years"):
                self.unknown("levels", key, by_level)
        self.when_used("levels.years", years, "levels.")

    def spend_1000kr(self, table: dict[str, Any]) -> None:
        for key, value in table.items():
            year = _year(key)
            if key == "external_contact_person":
                self.by_year("external_contact_person_1000kr", value, "spend_1000kr.external_contact_person")
            elif year is None:
                self.unknown("spend_1000kr", key, value)
            elif self.is_table(value, f"spend_1000kr.{key}", "a table of level = 1,000 kr"):
                for level, spend in value.items():
                    path = f"spend_1000kr.{key}.{level}"
                    if level in ACCOUNT_LEVELS:
                        self.add(f"spend_1000kr.{level}", year, spend, path)
                    else:
                        self.skip(path, spend, "not a budget level the model has a counterpart for; they are "
                                  f"{', '.join(ACCOUNT_LEVELS)}")

    def in_house_services(self, table: dict[str, Any]) -> None:
        for key, value in table.items():
            match = re.fullmatch(r"([a-z_]+)_wait_months_(\d{4})", key)
            if match and match[1] in SERVICES:
                self.add(f"wait_months.{match[1]}", int(match[2]), value, f"in_house_services.{key}")
            else:
                self.unknown("in_house_services", key, value)

    def series(self, quantity: str, values: Any, path: str, when: list[tuple[int, int | None]]) -> None:
        """A list of values, one per year or date of the table's ``years`` or ``dates``."""
        if not isinstance(values, list) or len(values) != len(when):
            self.problems.append(Problem(self.label, path, f"must be a list of {len(when)} numbers, one per "
                                         "year or date of its table", values))
            return
        for i, ((year, month), value) in enumerate(zip(when, values, strict=True)):
            self.add(quantity, year, value, f"{path}[{i}]", month)

    def known_level(self, level: str, path: str) -> bool:
        if level in ACCOUNT_LEVELS:
            return True
        self.problems.append(Problem(self.label, path, f"is not a budget level; the levels are "
                                     f"{', '.join(ACCOUNT_LEVELS)}", level))
        return False


def leaf_keys(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every value in ``data`` that is not a table (an empty table holds none)."""
    if not isinstance(data, dict):
        return [prefix]
    return [key for name, value in data.items() for key in leaf_keys(value, f"{prefix}.{name}".lstrip("."))]


def _year(key: Any) -> int | None:
    text = str(key)
    return int(text) if re.fullmatch(r"\d{4}", text) else None


def _month(text: Any) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(text))
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2200


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
