"""Where each value of a scenario comes from: ``python -m sim provenance NAME_OR_FILE``.

A planner who starts from the population and adds the municipality's own
figures one by one must see, for every parameter, which value will be used
and why: the file itself, a scenario it extends (named), national figures
scaled to the population, a national default, or a value the profile or the
caseload derived. The report's assumptions table and the app show the same
column (:func:`origin_kind`), and a value marked published that comes from
another municipality's file is flagged (:func:`borrowed_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import profile
from .parameters import parameters
from .reference import shown
from .schema import Scenario


@dataclass(frozen=True)
class Origin:
    """One parameter of a loaded scenario with the value in use and where it comes from."""

    path: str
    value: str
    kind: str
    """``this file``, ``extended``, ``national scaled``, ``national default`` or ``derived``."""
    where: str
    """The file (as loading names it) or the layer of the national profile."""
    source: str
    borrowed: bool
    """A value marked published that comes from another municipality's file."""

    @property
    def origin(self) -> str:
        """Where from, as the provenance listing, the template, the app and the report show it.

        A layer of the national profile or this file by its kind; a file it
        extends by its name (``extended: embedded:ballerup_2017_steady``).
        """
        return f"{self.kind}: {self.where}" if self.kind == "extended" else self.kind


KINDS = {profile.DEFAULTS: "national default", profile.SCALED: "national scaled", profile.DERIVED: "derived"}


def origin_kind(scenario: Scenario, where: str) -> str:
    """How a planner reads ``where``: this file, a file it extends, or a layer of the national profile."""
    if where in KINDS:
        return KINDS[where]
    leaf = scenario.files[-1][0] if scenario.files else where
    return "this file" if where == leaf else "extended"


def origins(scenario: Scenario) -> list[Origin]:
    """Every parameter of ``scenario`` in file order, with its value and origin."""
    borrowed = {path for path, _ in scenario.borrowed}
    rows = []
    for parameter in parameters(scenario):
        where = scenario.origins.get(parameter.path, scenario.files[-1][0] if scenario.files else "")
        rows.append(Origin(parameter.path, shown(parameter.value), origin_kind(scenario, where), where,
                           parameter.value.source, parameter.path in borrowed))
    return rows


def borrowed_lines(scenario: Scenario) -> list[str]:
    """One warning per value marked published that comes from another municipality's file."""
    return [f"{path} = {shown(scenario.get(path))} is marked published but comes from {where}, another "
            "municipality's file; set your own figure or a national default"
            for path, where in scenario.borrowed]


PATH_WIDTH = 44
"""The path column's width: most paths fit; the few longer push their line on."""


def render(scenario: Scenario) -> str:
    """The provenance listing as ``python -m sim provenance`` prints it."""
    rows = origins(scenario)
    counts = {kind: sum(row.kind == kind for row in rows) for kind in
              ("this file", "extended", "national scaled", "national default", "derived")}
    files = " <- ".join(label for label, _ in reversed(scenario.files))
    lines = [f"{scenario.name}: {len(rows)} parameters from {files}",
             "  " + ", ".join(f"{count} {kind}" for kind, count in counts.items() if count), ""]
    width = min(PATH_WIDTH, max(len(row.path) for row in rows))
    for row in rows:
        flag = "  ! published by another municipality" if row.borrowed else ""
        lines.append(f"{row.path:<{width}}  {row.value:<12}  {row.origin}{flag}")
        lines.append(f"    {row.source}")
    decided_in = scenario.timeline_files or ("",) * len(scenario.timeline)
    timeline = [f"{change.date}  {change.path} = {change.value:g}  ({origin_kind(scenario, file)}: {file})  "
                f"{change.note}" for change, file in zip(scenario.timeline, decided_in, strict=True)]
    lines += ["", "Timeline (decisions and prices from dates):",
              *(f"  {line}" for line in timeline or ["none"])]
    if scenario.timeline_notes:
        lines += ["", "Inherited decisions:", *(f"  {note}" for note in scenario.timeline_notes)]
    warnings = borrowed_lines(scenario)
    if warnings:
        lines += ["", "Warnings:", *(f"  {line}" for line in warnings)]
    return "\n".join(lines) + "\n"
