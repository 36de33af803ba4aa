"""Dotted parameter paths (``services.dut.places``) in the nested tables of a scenario file.

Levers, templates, sweeps, drawn parameters and the timeline all turn a
path into nested tables; they do it here, so that a path means the same
table wherever it is written. ``messages.dotted`` writes a path for a
message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


def lookup(node: Any, path: str) -> Any:
    """The value at dotted ``path`` in a model or a raw table; None where there is none.

    Only tables and models are walked into: in a raw table a section may be
    anything a user wrote, and a text or list has attributes (``count``) of
    its own that are no parameters.
    """
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, BaseModel):
            node = getattr(node, part, None)
        else:
            return None
        if node is None:
            return None
    return node


def put(table: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted ``path`` in ``table`` to ``value``, making the tables on the way that are missing.

    Tables already on the way are kept, so paths put one after another
    build one scenario file (``services.dut.places`` then
    ``services.dut.price`` share ``services.dut``).
    """
    *parents, last = path.split(".")
    for part in parents:
        table = table.setdefault(part, {})
    table[last] = value


def file_tables(values: Mapping[str, Any], date: str | None = None) -> dict[str, Any]:
    """The tables of a scenario file that set each dotted path of ``values``; from ``date``, in its timeline.

    ``{"services.dut.places": 12}`` is ``[services.dut] places = 12``; with
    ``date`` "2019-01-01" it is ``[timeline.2019-01-01] services.dut.places = 12``.
    A sweep's variants and a variant built in code are written so.
    """
    tables: dict[str, Any] = {}
    within = "" if date is None else f"timeline.{date}."
    for path, value in values.items():
        put(tables, within + path, value)
    return tables
