"""Turn pydantic's validation errors into problems a planner can act on.

Each message says what was given and what is allowed, and an unknown or
misspelt name comes with the nearest valid one.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from ..errors import Problem
from .quantities import Sourced

_NUMBER_RULES = {
    "greater_than_equal": ("ge", "must be at least {}"),
    "greater_than": ("gt", "must be above {}"),
    "less_than_equal": ("le", "must be at most {}"),
    "less_than": ("lt", "must be below {}"),
}

_TYPE_RULES = {
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text in quotes",
    "bool_type": "must be true or false",
    "date_type": "must be a date such as 2017-01-01",
    "date_from_datetime_parsing": "must be a date such as 2017-01-01",
    "dict_type": "must be a table",
    "list_type": "must be a list",
    "tuple_type": "must be a list [low, high]",
    "finite_number": "must be a finite number",
    "missing": "is required but missing",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "may hold only letters, digits, '_', '-' and '.'",
}


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dotted(parts: Iterable[Any]) -> str:
    """A parameter path as TOML writes it, ``services.dut.places``, with a key that is not bare in quotes.

    So an empty key or one with a dot or a space reads as the user wrote it:
    ``sweep.parameters."services.dut.places"``, ``""``.
    """
    return ".".join(str(part) if isinstance(part, int) or _BARE_KEY.fullmatch(str(part))
                    else json.dumps(str(part), ensure_ascii=False) for part in parts)


def suggest(name: str, candidates: list[str]) -> str:
    """'; did you mean 'x'?' for the nearest candidate, or ''."""
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class found by following field names ``loc`` from ``model``."""
    node: Any = model
    for part in loc:
        if isinstance(part, int) and typing.get_origin(node) in (list, tuple):
            node = unwrap(typing.get_args(node)[0])  # an item of a list of tables
            continue
        if not (isinstance(node, type) and issubclass(node, BaseModel)):
            return None
        field = _field(node, str(part))
        if field is None:
            return None
        node = unwrap(field.annotation)
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _field(model: type[BaseModel], name: str) -> Any:
    """The field a file names ``name``: by its alias when it has one."""
    return next((f for key, f in model.model_fields.items() if (f.alias or key) == name), None)


def field_names(model: type[BaseModel]) -> list[str]:
    """The names a file may use for ``model``'s fields (aliases where given)."""
    return [field.alias or key for key, field in model.model_fields.items()]


def unwrap(annotation: Any) -> Any:
    """``X | None`` -> X."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def explain(error: dict[str, Any], root: type[BaseModel]) -> tuple[tuple[Any, ...], str, Any]:
    """(location, message, value given) for one pydantic error."""
    kind, loc, given = error["type"], tuple(error["loc"]), error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        names = field_names(parent) if parent else []
        hint = suggest(str(loc[-1]), names) or (f"; allowed: {', '.join(names)}" if names else "")
        return loc, "unknown parameter" + hint, None
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            return loc, f"unknown name '{given}'" + suggest(str(given), allowed), None
        return loc, f"must be one of {', '.join(allowed)}" + suggest(str(given), allowed), given
    if kind in _NUMBER_RULES:
        key, text = _NUMBER_RULES[kind]
        return loc, text.format(ctx.get(key)), given
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        model = _model_at(root, loc)
        if model is not None and issubclass(model, Sourced):
            return loc, "must be a table with its source, such as { value = 1, source = \"...\" }", given
        return loc, "must be a table", given
    if kind in ("too_short", "too_long"):  # a range, or a list or table that must not be empty
        if loc and loc[-1] == "range":
            return loc, "must be a list [low, high]", given
        if kind == "too_short":
            least = ctx.get("min_length", 1)
            return loc, "must not be empty" if least == 1 else f"must hold at least {least} entries", given
        return loc, f"must hold at most {ctx.get('max_length')} entries", given
    if kind == "float_type" and isinstance(given, int) and not isinstance(given, bool):
        return loc, "must be a number below about 1.8e308", given  # 10**400: a whole number too large
    if kind in _TYPE_RULES:
        return loc, _TYPE_RULES[kind], (None if kind == "missing" else given)
    if kind == "value_error":
        return loc, str(error["msg"]).removeprefix("Value error, "), None
    return loc, str(error["msg"]), given


def problems_from(errors: list[dict[str, Any]], root: type[BaseModel], where: Any) -> list[Problem]:
    """Problems for pydantic ``errors``; ``where(loc)`` names the file a location came from."""
    out = []
    for error in errors:
        loc, message, given = explain(error, root)
        loc = tuple(part for part in loc if not str(part).startswith(("function-", "tagged-")))
        path = dotted(loc)
        problem = Problem(where(loc), path, message, given) if given is not None else Problem(
            where(loc), path, message
        )
        out.append(problem)
    return out
