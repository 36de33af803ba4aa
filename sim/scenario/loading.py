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
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from ..errors import Problem, ScenarioError
from . import profile
from .checks import cross_checks
from .messages import problems_from, suggest, unwrap
from .parameters import parameters
from .paths import file_tables, lookup
from .quantities import Quantity, Section, Sourced, quantity
from .schema import Municipality, Scenario, ScenarioInfo, TimelineChange
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


def extend_scenario(base: str | Path | Scenario | None, changes: dict[str, Any], label: str, *,
                    relative_to: Path | None = None, named_in: tuple[str, str] | None = None) -> Scenario:
    """``base`` with ``changes`` laid over it, as if ``changes`` were a file extending it.

    ``changes`` has the shape of a scenario file (``[timeline.DATE]`` tables
    included) without ``[scenario] extends``; ``label`` names it in messages,
    so a variant defined inside an experiment file is reported like a file.
    ``relative_to`` and ``named_in`` locate ``base`` as for :func:`load_scenario`;
    with ``base`` None, ``changes`` is a file of its own (the Excel template
    of a municipality from its population is one); a loaded Scenario as
    ``base`` is extended from the files it was loaded from, as read then.
    Raises :class:`sim.errors.ScenarioError` listing every problem found.
    """
    text = json.dumps(changes, sort_keys=True, default=str).encode("utf-8")
    overlay = ScenarioFile(label, None, hashlib.sha256(text).hexdigest(), copy.deepcopy(changes))
    if isinstance(base, Scenario):
        if not base._chain:
            raise _problem(base.name, "was not loaded from scenario files (it was built from a dump or "
                           "a run's manifest), so it has no file to extend; load it with "
                           "sim.load_scenario(NAME_OR_FILE) and vary that")
        return _resolve([*base._chain, overlay])
    return _resolve([*(_chain(base, relative_to, named_in) if base is not None else []), overlay])


CODE = "code"
"""How a variant built in Python is named where a file would be: its values are "set in code (...)"."""


def vary(base: Scenario, values: Mapping[str, Any], *, date: str | dt.date | None = None, note: str = "",
         name: str | None = None, title: str | None = None) -> Scenario:
    """``base`` with ``values`` set (from ``date``, as a decision), as a file extending it would set them.

    The changes are written as the tables of such a file
    (:func:`~sim.scenario.paths.file_tables`) and laid over ``base`` by
    :func:`extend_scenario`, the code an experiment's variants go through,
    so that they are checked and reported as a file's would be; the label
    standing for the file is ``code (Scenario.with_values, NAME)``, and each
    value's source says ``set in`` it. What :meth:`Scenario.with_values` and
    :meth:`Scenario.with_decision` do.
    """
    how = "Scenario.with_values" if date is None else "Scenario.with_decision"
    if not isinstance(values, Mapping) or not values:
        raise _problem(how, "must be a non-empty mapping of parameter paths to values, such as "
                       '{"caseworkers.count": 32}', "values", values)
    bad = [path for path in values if not isinstance(path, str) or not all(path.split("."))]
    if bad:
        raise _problem(how, "must be dotted parameter paths such as caseworkers.count", "values", bad)
    key = date.isoformat() if isinstance(date, dt.date) else date
    if name is None:
        shown = "_".join(f"{path}_{value}" for path, value in values.items())
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{base.name}.{key + '.' if key else ''}{shown}").strip("_")
    label = f"{CODE} ({how}, {name})"
    changes = file_tables(values, None if key is None else str(key))
    if key is not None:
        changes["timeline"][str(key)]["note"] = note or f"set in {label}"
    changes["scenario"] = {"name": name, **({} if title is None else {"title": title})}
    return extend_scenario(base, changes, label)


def _resolve(files: list[ScenarioFile]) -> Scenario:
    """The scenario the chain of ``files`` defines, most basic first, validated as a whole.

    With ``[municipality]`` the national profile's layers lie under the
    files (:mod:`sim.scenario.profile`): its defaults and scaled figures
    first, then the values it derives from what the files give.
    """
    merged, provenance, drops, problems = _lay(files, {}, {})
    layers = profile.base_layers(merged)
    order = [label for label, _ in layers] + [f.label for f in files]  # later ones set over earlier
    if not layers and "municipality" in merged:
        leaf = files[-1]
        _refuse_without_profile(_named(merged, leaf), _where(provenance, leaf.label), leaf.label)
    if layers:
        base: dict[str, Any] = {}
        provenance = {}
        for label, layer in layers:
            base = _merge(base, layer, label, provenance)
        interim = _lay(files, base, {})[0]
        base = _merge(base, profile.derived_layer(interim), profile.DERIVED, provenance)
        merged, provenance, drops, problems = _lay(files, base, provenance)
        _follow_municipality(merged, provenance, order)
        merged = _sourced(merged, Scenario, _where(provenance, files[-1].label))
    leaf = files[-1]
    where = _where(provenance, leaf.label)
    merged = _named(merged, leaf)
    raw_timeline = merged.pop("timeline", {})
    caseload_rank = _caseload_rank(merged, provenance, order)
    if caseload_rank is not None and isinstance(merged.get("caseworkers"), dict):
        merged["caseworkers"] = {k: v for k, v in merged["caseworkers"].items() if k != "count"}
    elif isinstance(merged.get("caseworkers"), dict):
        merged["caseworkers"] = {k: v for k, v in merged["caseworkers"].items() if k != "caseload"}
    try:
        scenario = Scenario.model_validate(merged)
    except ValidationError as error:
        problems += problems_from(error.errors(include_url=False), Scenario, where)
    timeline_base = merged if caseload_rank is None else _with_count_placeholder(merged)
    changes, timeline_problems = parse_timeline(raw_timeline, timeline_base, Scenario, where, leaf.label)
    problems += timeline_problems
    if not problems:
        problems += cross_checks(scenario, where)
    if problems:
        raise ScenarioError(problems, f"scenario {leaf.label} is not valid")
    scenario = scenario.model_copy(update={
        "timeline": tuple(TimelineChange(**{k: change[k] for k in ("date", "path", "value", "note")})
                          for change in changes),
    })
    if caseload_rank is not None:
        scenario = _count_from_caseload(scenario)
        provenance[("caseworkers", "count")] = profile.DERIVED
    scenario._files = tuple((f.label, f.sha256) for f in files)
    scenario._origins = _origins(scenario, where)
    scenario._timeline_files = tuple(change["file"] for change in changes)
    folded = [_folded_note(change) for change in changes if "decided" in change]
    scenario._timeline_notes = tuple(drops + folded)
    scenario._borrowed = _borrowed(scenario, files, provenance)
    scenario._chain = tuple(files)
    return scenario


def _named(merged: dict[str, Any], leaf: ScenarioFile) -> dict[str, Any]:
    """``merged`` with its ``[scenario]`` as the schema reads it: without ``extends``, named after ``leaf``.

    A file that does not name its scenario names it by its file name.
    """
    info = merged.get("scenario")
    if not isinstance(info, dict):
        return merged
    info = {k: v for k, v in info.items() if k != "extends"}
    if "name" not in leaf.data.get("scenario", {}):
        info["name"] = Path(leaf.label.removeprefix("embedded:")).stem
    return {**merged, "scenario": info}


def _refuse_without_profile(merged: dict[str, Any], where: Any, label: str) -> None:
    """Refuse a file whose ``[municipality]`` or start date cannot build its profile, naming only that.

    Without the profile every other section would be reported missing too,
    burying the one value to fix.
    """
    door = {key: merged.get(key) for key in ("scenario", "municipality")}
    try:
        _ProfileInputs.model_validate(door)
    except ValidationError as error:
        raise ScenarioError(problems_from(error.errors(include_url=False), _ProfileInputs, where),
                            f"scenario {label} is not valid") from None


_ProfileInputs = create_model("ProfileInputs", __base__=Section, scenario=(ScenarioInfo, ...),
                              municipality=(Municipality, ...))
"""What the national profile is built from: the scenario's start date and the municipality."""


def _follow_municipality(merged: dict[str, Any], provenance: dict[tuple[str, ...], str], order: list[str]
                         ) -> None:
    """``population.children`` as the most specific ``[municipality] children_0_22`` gives it.

    A file that extends another municipality's and gives its own children
    has its own population, whatever the file beneath it set; only a file
    that sets both differently is refused (by the cross-checks).
    """
    counted, by = _setter(provenance, ("population", "children")), \
        _setter(provenance, ("municipality", "children_0_22"))
    children = lookup(merged, "municipality.children_0_22")
    later = counted in order and by in order and order.index(by) > order.index(counted)
    population = merged.get("population")
    if counted == profile.SCALED or later:
        merged["population"] = {**(population if isinstance(population, dict) else {}), "children": {
            "value": children, "source": "[municipality] children_0_22"}}
        provenance[("population", "children")] = by


def _sourced(data: Any, model: type[BaseModel], where: Any, loc: tuple[str, ...] = ()) -> Any:
    """``data`` with each plain number the schema wants with a source as ``{value, source}``.

    On a profile a municipality's own figure is a choice even where no value
    lies beneath it to override (a caseworker count under the national
    caseload): its source says which file set it.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, field in model.model_fields.items():
        kind, value = unwrap(field.annotation), data.get(name)
        if not isinstance(kind, type) or value is None:
            continue
        if issubclass(kind, Quantity) and isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = {"value": value, "source": f"set in {where((*loc, name))}"}
        elif issubclass(kind, BaseModel) and not issubclass(kind, Sourced):
            out[name] = _sourced(value, kind, where, (*loc, name))
    return out


def _lay(files: list[ScenarioFile], base: dict[str, Any], provenance: dict[tuple[str, ...], str]
         ) -> tuple[dict[str, Any], dict[tuple[str, ...], str], list[str], list[Problem]]:
    """``files`` laid over ``base`` in order, each dropping the inherited timeline entries it names.

    Returns the merged tables, which file (or layer) set each key, a note per
    dropped entry and the problems with the drops.
    """
    merged, provenance = base, dict(provenance)
    notes: list[str] = []
    problems: list[Problem] = []
    for file in files:
        data = file.data
        timeline = data.get("timeline")
        if isinstance(timeline, dict) and any(isinstance(e, dict) and "drop" in e for e in timeline.values()):
            data = {**data, "timeline": dict(timeline)}
            inherited = merged.get("timeline") if isinstance(merged.get("timeline"), dict) else {}
            for date, entry in timeline.items():
                if not (isinstance(entry, dict) and "drop" in entry):
                    continue
                rest = {k: v for k, v in entry.items() if k != "drop"}
                if entry["drop"] is not True:
                    problems.append(Problem(file.label, f"timeline.{date}.drop",
                                            "must be true (drop the inherited entry of that date)",
                                            entry["drop"]))
                elif date not in inherited:
                    problems.append(Problem(
                        file.label, f"timeline.{date}.drop",
                        "no scenario this file extends has a timeline entry of that date to drop"
                        + (f"; its entries: {', '.join(map(str, inherited))}" if inherited else ""),
                    ))
                else:
                    came_from = _setter(provenance, ("timeline", str(date)))
                    notes.append(f"timeline {date} of {came_from} dropped by {file.label}")
                    kept = {d: e for d, e in merged["timeline"].items() if d != date}
                    merged = {**merged, "timeline": kept}
                    provenance = {k: v for k, v in provenance.items() if k[:2] != ("timeline", str(date))}
                if rest:
                    data["timeline"][date] = rest
                else:
                    del data["timeline"][date]
        merged = _merge(merged, data, file.label, provenance)
    return merged, provenance, notes, problems


def _setter(provenance: dict[tuple[str, ...], str], loc: tuple[str, ...]) -> str:
    """The file that set ``loc``.

    The first key under it (a timeline entry is a table of keys), else the
    table it lies in (a file that brought a whole section set each key).
    """
    return next((label for key, label in provenance.items() if key[: len(loc)] == loc),
                _where(provenance, "?")(loc))


def _caseload_rank(merged: dict[str, Any], provenance: dict[tuple[str, ...], str], order: list[str]
                   ) -> int | None:
    """The rank of the layer that set ``caseworkers.caseload`` when it, not the count, decides the count.

    The more specific of the two wins: a municipality's own count overrides
    the national caseload, its own caseload overrides a count it extends.
    """
    workers = merged.get("caseworkers")
    if not isinstance(workers, dict) or "caseload" not in workers:
        return None
    if "count" not in workers:
        return 0

    def rank(key: str) -> int:
        label = _setter(provenance, ("caseworkers", key))
        return order.index(label) if label in order else len(order)

    return rank("caseload") if rank("caseload") > rank("count") else None


def _with_count_placeholder(merged: dict[str, Any]) -> dict[str, Any]:
    """``merged`` with a caseworker count, so that the timeline may change the count a caseload derives."""
    return {**merged, "caseworkers": {**merged["caseworkers"], "count": {"value": 1.0, "source": "derived"}}}


CASEWORKERS_FOR_CASELOAD: list[Any] = []
"""The rule that turns a caseload into caseworkers on the start date: registered by the engine
(:mod:`sim.model.initial_stock`), which knows how many open cases a stock makes."""


def _count_from_caseload(scenario: Scenario) -> Scenario:
    """``scenario`` with the caseworker count its caseload gives on the start date (its source says so).

    An assumed caseload's range becomes the count's, so that Monte Carlo
    draws the staffing it implies; the caseload keeps only its value, which
    runs no longer read.
    """
    if not CASEWORKERS_FOR_CASELOAD:
        raise RuntimeError("sim.model is not imported, so a caseload cannot be turned into caseworkers")
    caseload = scenario.caseworkers.caseload
    count, open_cases = CASEWORKERS_FOR_CASELOAD[0](scenario, caseload.value)
    if count <= 0:
        raise _problem(scenario.files[-1][0] if scenario.files else scenario.name,
                       "the start date has no open case to divide by the caseload; give caseworkers.count",
                       "caseworkers.caseload", caseload.value)
    span = None if caseload.range is None else [round(open_cases / end, 2) for end in caseload.range[::-1]]
    workers = scenario.caseworkers.model_copy(update={
        "count": quantity(gt=0)(
            value=round(count, 2),
            range=span,
            source=f"derived: {open_cases:,.0f} open cases on the start date over the caseload of "
                   f"{caseload.value:g} (caseworkers.caseload: {caseload.source})"
                   + ("; its range is the caseload's" if span else ""),
        ),
        "caseload": caseload.model_copy(update={"range": None}),
    })
    return scenario.model_copy(update={"caseworkers": workers})


def _folded_note(change: dict[str, Any]) -> str:
    return (f"timeline {change['decided']} of {change['file']} ({change['path']} = {change['value']:g}) is "
            "before the start and in force from it")


def _origins(scenario: Scenario, where: Any) -> dict[str, str]:
    """Parameter path -> the file or profile layer its value comes from."""
    return {parameter.path: where(tuple(parameter.path.split("."))) for parameter in parameters(scenario)}


def _borrowed(scenario: Scenario, files: list[ScenarioFile], provenance: dict[tuple[str, ...], str]
              ) -> tuple[tuple[str, str], ...]:
    """(path, file) of each value marked published that comes from another municipality's file.

    A file is another municipality's when it names another municipality, or
    counts other children aged 0-22, than the scenario in force.
    """
    mine = scenario.municipality
    if mine is None:
        return ()
    foreign, in_force = set(), ("", None)
    for file in files:
        own = file.data.get("municipality")
        if isinstance(own, dict):
            in_force = (own.get("name", in_force[0]), own.get("children_0_22", in_force[1]))
        if in_force[0] != mine.name or in_force[1] != mine.children_0_22:
            foreign.add(file.label)
    return tuple((path, label) for path, label in scenario.origins.items()
                 if label in foreign and _published(scenario.get(path).source))


def _published(source: str) -> bool:
    """Whether a source note presents its value as a municipality's published figure."""
    text = source.lower()
    return "published" in text and "(national)" not in text and "national" not in text.split("published")[0]
