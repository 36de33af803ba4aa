"""Walking a scenario's parameters: each sourced value with its path, meaning and unit.

The timeline uses it to know which parameters may change at dates, and the
parameter reference (:mod:`sim.scenario.reference`) to document them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from .messages import unwrap
from .quantities import Quantity, Section, Sourced


@dataclass(frozen=True)
class Parameter:
    """One parameter of a scenario, as found in it."""

    path: str
    meaning: str
    unit: str
    time_varying: bool
    value: Sourced


def parameters(
    node: BaseModel, prefix: str = "", context: str = "", context_unit: str = ""
) -> Iterator[Parameter]:
    """Every sourced value (figure, assumption, mix, table) under ``node``, in file order.

    ``context`` and ``context_unit`` are the description and unit of the
    enclosing field, for fields described by their section (the initial
    placements, one count per type).
    """
    for name, field in type(node).model_fields.items():
        value = getattr(node, name)
        path = f"{prefix}{name}"
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        unit = extra.get("unit", context_unit)
        if isinstance(value, Sourced):
            meaning = field.description or (f"{context}: {name.replace('_', ' ')}." if context else "")
            yield Parameter(path, meaning, unit, bool(extra.get("time_varying")), value)
        elif isinstance(value, Section):
            yield from parameters(value, path + ".", (field.description or "").rstrip("."), unit)


def time_varying_fields(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Dotted paths of every number the schema lets the timeline change.

    Read from the schema itself, not from a scenario, so that a timeline can
    be checked even while the rest of its file is still wrong; optional
    sections (a foster family pool) are included whether a scenario has
    them or not.
    """
    for name, field in model.model_fields.items():
        annotation = unwrap(field.annotation)
        if not isinstance(annotation, type):
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if issubclass(annotation, Quantity) and extra.get("time_varying"):
            yield f"{prefix}{name}"
        elif issubclass(annotation, Section) and not issubclass(annotation, Sourced):
            yield from time_varying_fields(annotation, f"{prefix}{name}.")
