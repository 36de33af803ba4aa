"""Walking a scenario's parameters: each sourced value with its path, meaning and unit.

The timeline uses it to know which parameters may change at dates, and the
parameter reference (:mod:`sim.scenario.reference`) to document them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from .quantities import Section, Sourced


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
