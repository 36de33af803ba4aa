"""A municipality from its population: the national profile under every scenario with ``[municipality]``.

A planner starts from what the municipality is: its children aged 0-22.
Everything it does not set comes from national figures, never from another
municipality, in three layers laid under its own files (the file's own
values override them; ``python -m sim provenance`` says which value came
from where):

1. **National defaults** (``national/denmark.toml`` ``[defaults]``): every
   parameter that is not a count, each with a national source and range.
2. **National figures scaled to the population** (``[per_child]``): a
   national count (notifications, placed children by type, children with
   measures) over the national children of the same age band and year, times
   the municipality's children. The year is the one before the start date,
   or the nearest published.
3. **Derived values**, from the values in force once the municipality's own
   files are laid over the two layers above: in-house places as a share of
   the children given their measure at the start, free foster families as a
   share of those placed in the type, and the recruitment that replaces the
   families that stop. Deriving after the files means a municipality's own
   published stock sizes its services and pools.

The profile reads raw tables (before validation) and so takes what it can:
a scenario with a wrong population or start date gets no profile values and
its problems are reported by validation as they would be without one.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from functools import cache
from importlib import resources
from typing import Any

from ..measures import PLACEMENT_TYPES
from .paths import lookup, put
from .schema import Municipality
from .tomlfile import parse_toml

NATIONAL_FILE = "national/denmark.toml"
"""The national figures and defaults, beside this module."""

DEFAULTS = "national default"
SCALED = "national figures scaled to the population"
DERIVED = "derived by the profile"
LAYERS = (DEFAULTS, SCALED, DERIVED)
"""The names of the profile's layers, as provenance gives them, most basic first."""


@cache
def national() -> dict[str, Any]:
    """The national figures and defaults as read from their file."""
    raw = (resources.files(__package__) / NATIONAL_FILE).read_bytes()
    return parse_toml(f"embedded:{NATIONAL_FILE}", raw, "the national profile")


def _nearest(by_year: dict[str, Any], year: int) -> tuple[int, Any]:
    """(year, value) of the table's year nearest to ``year``, the earlier on a tie."""
    years = sorted(int(y) for y in by_year)
    chosen = min(years, key=lambda y: (abs(y - year), y))
    return chosen, by_year[str(chosen)]


def _whole(value: float) -> int:
    return int(round(value))


def _children(municipality: dict[str, Any]) -> int | None:
    children = municipality.get("children_0_22")
    return children if isinstance(children, int) and not isinstance(children, bool) and children > 0 else None


def _children_0_17(municipality: dict[str, Any], children: int, year: int) -> tuple[float, str]:
    """The municipality's children aged 0-17 and how they were found."""
    by_age = municipality.get("by_age")
    if isinstance(by_age, dict) and all(isinstance(v, int) for v in by_age.values()):
        try:
            counted = Municipality(children_0_22=children, by_age=by_age).children_0_17()
        except ValueError:  # reported by validation
            counted = None
        if counted is not None:
            return float(counted), "its children aged 0-17 by [municipality] by_age"
    population = national()["population"]
    y17, young = _nearest(population["children_0_17"]["value"], year)
    _, all_ages = _nearest(population["children_0_22"]["value"], y17)
    share = young / all_ages
    return children * share, f"the national share of 0-17-year-olds among 0-22-year-olds ({share:.3f}, {y17})"


def _start(data: dict[str, Any]) -> dt.date | None:
    start = lookup(data, "scenario.start_date")
    return start if isinstance(start, dt.date) and not isinstance(start, dt.datetime) else None


def base_layers(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The national defaults and the national figures scaled to ``data``'s municipality.

    ``data`` is the municipality's files merged (raw); empty when it has no
    usable ``[municipality] children_0_22`` or start date.
    """
    municipality = data.get("municipality")
    start = _start(data)
    children = _children(municipality) if isinstance(municipality, dict) else None
    if children is None or start is None:
        return []
    figures = national()
    year = start.year - 1
    defaults = copy.deepcopy(figures["defaults"])
    caseload = defaults["caseworkers"]["caseload"]
    years = [int(y) for y in caseload["value"]]
    caseload_year = max([y for y in years if y <= start.year] or [min(years)])
    caseload["value"] = caseload["value"][str(caseload_year)]
    caseload["source"] += f" (here {caseload_year}'s)"
    _carry_prices(defaults, start.year)

    scaled: dict[str, Any] = {"population": {"children": {
        "value": children, "source": "[municipality] children_0_22"}}}
    young, how = _children_0_17(municipality, children, year)
    population = figures["population"]
    for path, figure in figures["per_child"].items():
        counted_year, count = _nearest(figure["value"], year)
        band = figure["band"]
        national_by_year = population[f"children_{band.replace('-', '_')}"]["value"]
        _, national_children = _nearest(national_by_year, counted_year)
        local = young if band == "0-17" else float(children)
        value = count / national_children * local
        node: dict[str, Any] = {
            "value": _whole(value),
            "source": (f"{figure['source']}; {count:,} of {national_children:,} national children aged "
                       f"{band} ({counted_year}) scaled to {local:,.0f}"
                       + (f", {how}" if band == "0-17" else "")),
        }
        if "relative_range" in figure:
            low, high = figure["relative_range"]
            ends = _whole(value * low), _whole(value * high)
            node["range"] = [min(ends[0], node["value"]), max(ends[1], node["value"])]
        put(scaled, path, node)
    return [(DEFAULTS, defaults), (SCALED, scaled)]


def _carry_prices(defaults: dict[str, Any], year: int) -> None:
    """National prices of their price year carried to ``year`` at the general index, ranges with them."""
    figures = national()
    price_year = figures["derived"]["price_year"]["value"]
    index = defaults["prices"]["general_index_per_year"]["value"]
    factor = (1 + index) ** (year - price_year)

    def carry(node: dict[str, Any]) -> None:
        node["value"] = _whole(node["value"] * factor)
        if "range" in node:
            node["range"] = [_whole(end * factor) for end in node["range"]]
        node["source"] += f" (at {price_year} prices" + (
            f", carried to {year} at {index:.0%} a year)" if year != price_year else ")")

    for path in _price_paths(defaults):
        carry(lookup(defaults, path))


def _price_paths(defaults: dict[str, Any]) -> list[str]:
    paths = ["preventive.price_per_year", "caseworkers.salary_per_year"]
    paths += [f"home_based.{m}.price_per_year" for m in defaults["home_based"] if isinstance(
        defaults["home_based"][m], dict) and "price_per_year" in defaults["home_based"][m]]
    paths += [f"placement.{t}.price_per_year" for t in PLACEMENT_TYPES]
    paths += [f"services.{s}.price_per_place_year" for s in defaults["services"]]
    return paths


def derived_layer(data: dict[str, Any]) -> dict[str, Any]:
    """In-house places and foster-family pools sized to the stock in force in ``data`` (merged, raw).

    A value is derived only where its inputs are numbers; otherwise it is
    left out and validation reports what is wrong with the inputs.
    """
    assumptions = national()["derived"]
    derived: dict[str, Any] = {}
    measures, mix = _number(data, "initial.home_based_measures"), lookup(data, "home_based.mix.value")
    share = assumptions["in_house_share"]
    services = data.get("services") if isinstance(data.get("services"), dict) else {}
    for name, service in services.items():
        kind = service.get("measure") if isinstance(service, dict) else None
        if measures is None or not isinstance(mix, dict) or not isinstance(mix.get(kind), int | float):
            continue
        demand = measures * mix[kind]
        put(derived, f"services.{name}.places", {
            "value": _whole(demand * share["value"]),
            "range": [_whole(demand * share["range"][0]), _whole(demand * share["range"][1])],
            "source": f"derived: {share['value']:g} of the {demand:,.0f} {kind.replace('_', ' ')} measures "
                      f"at the start (initial.home_based_measures x home_based.mix); {share['source']}",
        })
    free, margin = assumptions["free_foster_families"], assumptions["recruitment_margin"]
    for kind in PLACEMENT_TYPES:
        pool = lookup(data, f"placement.{kind}.pool")
        placed = _number(data, f"initial.placements.{kind}")
        days = _number(data, f"placement.{kind}.duration_days")
        if not isinstance(pool, dict) or placed is None or not days:
            continue
        leaving = _number(pool, "leaving_after_placement")
        free_leaving = _number(pool, "free_leaving_per_year")
        families = placed * free["value"]
        put(derived, f"placement.{kind}.pool.free_at_start", {
            "value": _whole(families), "range": [_whole(placed * free["range"][0]),
                                                 _whole(placed * free["range"][1])],
            "source": f"derived: {free['value']:g} of the {placed:,.0f} children placed in the type at the "
                      f"start; {free['source']}",
        })
        if leaving is None or free_leaving is None:
            continue
        stopping = placed / (days / 365.25) * leaving + families * free_leaving
        put(derived, f"placement.{kind}.pool.recruited_per_year", {
            "value": round(stopping * margin["value"], 2),
            "range": [round(stopping * margin["range"][0], 2), round(stopping * margin["range"][1], 2)],
            "source": f"derived: {margin['value']:g} times the {stopping:.1f} families a year that stop "
                      "(placements ending at the type's duration times leaving_after_placement, and free "
                      f"families times free_leaving_per_year); {margin['source']}",
        })
    return derived


def _number(data: Any, path: str) -> float | None:
    """The finite number at ``path`` in raw tables (a number or a table's value); None when there is none.

    An infinite or not-a-number value is no number to derive from: validation then names it.
    """
    node = lookup(data, path)
    if isinstance(node, dict):
        node = node.get("value")
    number = float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None
    return number if number is not None and math.isfinite(number) else None
