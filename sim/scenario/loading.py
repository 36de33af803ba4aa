"""Read a scenario file, follow what it extends, merge, and validate the whole.

A scenario is a TOML file, or the name of one shipped with barnesim (the
embedded default is ``ballerup_2017``). ``[scenario] extends = "NAME"`` makes
a file a variant of another: it starts from that scenario and overrides a
few fields, so a planner's staffing variant is five lines. A plain number
overriding a figure or assumption is a choice: it replaces the value, drops
any range, and its source says which file set it. A table with ``value``
but no ``source`` keeps the rest of what it overrides (its range too).

Everything is checked before anything runs, and every problem is reported at
once, naming the file that set the value, the parameter path, the value
given and what is allowed.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Problem, ScenarioError
from .checks import cross_checks
from .messages import problems_from, suggest
from .schema import Scenario, TimelineChange
from .timeline import parse_timeline
from .tomlfile import parse_toml

EMBEDDED_PACKAGE = "sim.scenarios"


DEFAULT_SCENARIO = "ballerup_2017"
"""The embedded default: ``python -m sim run``, an experiment without ``scenario`` and the app start here."""


def embedded_names() -> list[str]:
    """Names of the scenarios shipped with barnesim."""
    folder = resources.files(EMBEDDED_PACKAGE)
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True)
class ScenarioFile:
    """One file of a scenario's chain, as read."""

    label: str
    """How the file is named in messages: its path, or 'embedded:NAME'."""
    path: Path | None
    """Where it lies on disk (None for an embedded scenario)."""
    sha256: str
    data: dict[str, Any]


def _problem(label: str, message: str, path: str = "", *value: Any) -> ScenarioError:
    return ScenarioError([Problem(label, path, message, *value)], f"cannot load scenario {label}")


def _read(label: str, raw: bytes, path: Path | None) -> ScenarioFile:
    data = parse_toml(label, raw, "a scenario", ScenarioError)
    return ScenarioFile(label, path, hashlib.sha256(raw).hexdigest(), data)


def _open(ref: str | Path, relative_to: Path | None) -> ScenarioFile:
    """Read a scenario given by path or embedded name."""
    text = str(ref)
    if not text.strip() or "\x00" in text:
        raise _problem(repr(text), "is not a scenario name or file path")
    candidates = [Path(text)] if relative_to is None else [relative_to / text, Path(text)]
    if not text.endswith(".toml"):
        candidates += [c.with_name(c.name + ".toml") for c in candidates if c.name]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return _read(str(candidate), candidate.read_bytes(), candidate.resolve())
            if candidate.exists():
                raise _problem(str(candidate), "is not a file")
        except OSError as error:  # unreadable, or a name the system cannot hold (too long)
            raise _problem(str(candidate)[:200], f"cannot be read: {error.strerror}") from None
    name = text.removesuffix(".toml")
    if name in embedded_names():
        raw = (resources.files(EMBEDDED_PACKAGE) / f"{name}.toml").read_bytes()
        return _read(f"embedded:{name}", raw, None)
    known = embedded_names()
    raise _problem(
        text,
        "no such file, and no embedded scenario of that name"
        + (suggest(name, known) or f"; embedded scenarios: {', '.join(known)}"),
    )


def _open_named(ref: str | Path, relative_to: Path | None, named_in: tuple[str, str] | None,
                what: str) -> ScenarioFile:
    """Open ``ref`` as ``_open`` does, reporting a failure where ``ref`` was written.

    ``named_in`` is the (file, parameter path) that names ``ref``, or None
    when a user gave it directly; the problem there reads '``what`` cannot
    be loaded: why'.
    """
    if named_in is None:
        return _open(ref, relative_to)
    try:
        return _open(ref, relative_to)
    except ScenarioError as error:
        where, path = named_in
        raise _problem(where, f"{what} cannot be loaded: {error.problems[0]}", path, ref) from None


def _chain(ref: str | Path, relative_to: Path | None = None,
           named_in: tuple[str, str] | None = None) -> list[ScenarioFile]:
    """The file and everything it extends, most basic first."""
    files: list[ScenarioFile] = []
    current = _open_named(ref, relative_to, named_in, "the scenario")
    while True:
        if any(f.label == current.label or (f.path and f.path == current.path) for f in files):
            cycle = " -> ".join([*(f.label for f in reversed(files)), current.label])
            raise _problem(files[0].label, f"scenarios extend each other in a circle: {cycle}",
                           "scenario.extends")
        files.append(current)
        info = current.data.get("scenario")
        parent = info.get("extends") if isinstance(info, dict) else None
        if parent is None:
            return list(reversed(files))
        if not isinstance(parent, str):
            raise _problem(current.label, "must be the name or path of a scenario", "scenario.extends",
                           parent)
        base_dir = current.path.parent if current.path else None
        current = _open_named(parent, base_dir, (current.label, "scenario.extends"),
                              "the scenario it extends")


def _is_sourced(node: Any) -> bool:
    return isinstance(node, dict) and ("value" in node or "source" in node)


def _merge(
    base: dict[str, Any], override: dict[str, Any], label: str,
    provenance: dict[tuple[str, ...], str], loc: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``override`` laid over ``base``; ``provenance`` records which file set each key."""
    merged = dict(base)
    for key, value in override.items():
        here = (*loc, key)
        old = merged.get(key)
        if _is_sourced(old) and not isinstance(value, dict):
            merged[key] = {"value": value, "source": f"set in {label}"}
        elif _is_sourced(old) and isinstance(value, dict) and "value" in value and "source" not in value:
            merged[key] = {**old, **value, "source": f"set in {label}"}
        elif isinstance(old, dict) and isinstance(value, dict) and not _is_sourced(value):
            merged[key] = _merge(old, value, label, provenance, here)
            continue
        else:
            merged[key] = copy.deepcopy(value)
        provenance[here] = label
    return merged


def _where(provenance: dict[tuple[str, ...], str], fallback: str):
    def where(loc: tuple[Any, ...]) -> str:
        parts = tuple(str(p) for p in loc)
        for end in range(len(parts), 0, -1):
            if parts[:end] in provenance:
                return provenance[parts[:end]]
        return fallback
    return where


def load_scenario(ref: str | Path | Scenario, *, relative_to: Path | None = None,
                  named_in: tuple[str, str] | None = None) -> Scenario:
    """Load and validate a scenario from a file path or an embedded name.

    A file naming ``ref`` passes its folder as ``relative_to``, where a
    relative path is looked for first, and (file, parameter path) as
    ``named_in``, where a scenario that cannot be opened is reported, as
    ``[scenario] extends`` is. Raises :class:`sim.errors.ScenarioError`
    listing every problem found.
    """
    if isinstance(ref, Scenario):
        return ref
    return _resolve(_chain(ref, relative_to, named_in))


def extend_scenario(base: str | Path, changes: dict[str, Any], label: str, *, relative_to: Path | None = None,
                    named_in: tuple[str, str] | None = None) -> Scenario:
    """``base`` with ``changes`` laid over it, as if ``changes`` were a file extending it.

    ``changes`` has the shape of a scenario file (``[timeline.DATE]`` tables
    included) without ``[scenario] extends``; ``label`` names it in messages,
    so a variant defined inside an experiment file is reported like a file.
    ``relative_to`` and ``named_in`` locate ``base`` as for :func:`load_scenario`.
    Raises :class:`sim.errors.ScenarioError` listing every problem found.
    """
    text = json.dumps(changes, sort_keys=True, default=str).encode("utf-8")
    overlay = ScenarioFile(label, None, hashlib.sha256(text).hexdigest(), copy.deepcopy(changes))
    return _resolve([*_chain(base, relative_to, named_in), overlay])


def _resolve(files: list[ScenarioFile]) -> Scenario:
    """The scenario the chain of ``files`` defines, most basic first, validated as a whole."""
    provenance: dict[tuple[str, ...], str] = {}
    merged: dict[str, Any] = {}
    for file in files:
        merged = _merge(merged, file.data, file.label, provenance)
    leaf = files[-1]
    where = _where(provenance, leaf.label)
    info = merged.get("scenario")
    if isinstance(info, dict):
        info = {k: v for k, v in info.items() if k != "extends"}
        if "name" not in leaf.data.get("scenario", {}):
            info["name"] = Path(leaf.label.removeprefix("embedded:")).stem
        merged["scenario"] = info
    raw_timeline = merged.pop("timeline", {})
    problems: list[Problem] = []
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as error:
        problems += problems_from(error.errors(include_url=False), Scenario, where)
    changes, timeline_problems = parse_timeline(raw_timeline, merged, Scenario, where)
    problems += timeline_problems
    if not problems:
        problems += cross_checks(scenario, where)
    if problems:
        raise ScenarioError(problems, f"scenario {leaf.label} is not valid")
    scenario = scenario.model_copy(
        update={"timeline": tuple(TimelineChange(**change) for change in changes)}
    )
    scenario._files = tuple((f.label, f.sha256) for f in files)
    return scenario
