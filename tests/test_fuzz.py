"""Fuzzing the loaders: any damage to a scenario or experiment file ends in the project's own error.

Planners edit scenario files by hand and researchers write experiment files;
whatever they get wrong, loading must either succeed with a valid object or
raise :class:`sim.InputError` whose every problem names where it is and,
unless the file as a whole is unusable (empty, binary, not UTF-8, not TOML,
no such file), the parameter path. Never a KeyError, TypeError,
RecursionError, a pydantic ValidationError or another traceback from deep
inside.

The mutations start from the shipped files, parsed into tables and written
back as TOML after a few edits:

- keys removed and added (near-misspellings of real names and random ones)
  at any depth, whole sections and required fields included;
- values retyped: text, long and non-ASCII text, booleans, dates and times,
  tables, empty tables, lists, nested lists, lists nested very deep;
- numbers pushed past their bounds: negative, zero, huge (1e308, 10**400),
  infinite, not a number, just outside a stated range; ranges turned
  around; mixes that no longer sum to 1;
- ``extends`` (and an experiment's base scenario) missing, empty, not text,
  too long for the file system, or the file itself or a partner extending
  it back (a circle);
- timeline dates that are not dates or lie before the start;
- for experiments also variants, ``apply``, ``[changes.NAME]``, the sweep
  (labels against values, paths that do not exist or hold others), outcome
  patterns, ``[[reference]]`` entries, and years, replications and seed out
  of range or of the wrong type;

or the bytes are damaged: truncated, flipped, with NUL, non-UTF-8 or random
bytes inserted, a UTF-16 byte-order mark, deep brackets, or nothing at all.

CI runs a fixed, derandomized set of examples, the same every time. To hunt
for new failures, ``BARNESIM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``
runs that many random examples.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import re
import tempfile
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import InputError
from sim.experiments import LoadedExperiment, load_experiment
from sim.experiments.definition import shipped_folder
from sim.scenario.parameters import time_varying_fields

EXPERIMENTS = shipped_folder()
SCENARIO_FILES = ("ballerup_2017.toml", "ballerup_2017_without_extra_staff.toml")
EXPERIMENT_FILES = ("waitlist_capacity.toml", "investment_replay.toml")
WHOLE_FILE = ("empty", "binary", "UTF-8", "UTF-16", "TOML", "no such", "cannot be read", "not a file")
"""Words of the problems that concern a file as a whole and so name no parameter."""

HUNT = os.environ.get("BARNESIM_FUZZ_EXAMPLES")


def fuzz(examples: int) -> settings:
    """``examples`` derandomized examples in CI; as many random ones as BARNESIM_FUZZ_EXAMPLES asks."""
    return settings(max_examples=int(HUNT or examples), deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


def shipped_scenario(name: str) -> str:
    return (resources.files("sim.scenarios") / name).read_text(encoding="utf-8")


DEFAULT = tomllib.loads(shipped_scenario("ballerup_2017.toml"))
TIME_VARYING = list(time_varying_fields(sim.Scenario))
"""Dotted paths of the parameters a timeline may change."""


# -- writing tables back as TOML --------------------------------------------------------------


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (tables inline), for any value the mutations make."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, (dt.date, dt.time)):  # dt.datetime is a dt.date
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def toml_string(text: str) -> str:
    """``text`` in double quotes: JSON's escapes are TOML's, but TOML also refuses a raw DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in data.items())


# -- values a user might write by mistake ---------------------------------------------------------

texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "x" * 5000, "æøå Ærø", "\U0001f600", "a\nb", "a.b", "*", "[", "..", "/"]),
)
numbers = st.one_of(
    st.integers(-10**6, 10**6), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, -0.0, 5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan, 2**63, 10**400]),
)
datetimes = st.datetimes().map(lambda moment: moment.replace(fold=0))  # TOML has no fold
times = st.times().map(lambda moment: moment.replace(fold=0))
leaves = st.one_of(numbers, st.booleans(), st.dates(), datetimes, times, texts)
values = st.one_of(  # each kind as likely as the others
    numbers, texts, st.booleans(), st.dates(), datetimes, times, st.builds(dict), st.builds(list),
    st.dictionaries(st.text(max_size=8), leaves, min_size=1, max_size=3),
    st.lists(leaves, min_size=1, max_size=3),
    st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6),
    st.integers(20, 400).map(lambda depth: json.loads("[" * depth + "]" * depth)),
)
scenario_refs = st.sampled_from([
    "fuzzed.toml", "fuzzed", "partner.toml", "nowhere", "nowhere.toml", "ballerup_2017", "", " ", "/",
    ".", "..", "x" * 5000, "a\x00b", 7, True, ["ballerup_2017"], {"name": "x"},
]).map(copy.deepcopy)
"""What ``extends`` or an experiment's ``scenario`` may name: itself, a partner extending it back,
nothing, an embedded name, and what is no name at all."""


# -- mutations ---------------------------------------------------------------------------------


def paths(node: Any, here: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``node`` (dict keys and list indices)."""
    found = [here] if here else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths(value, (*here, i))
    return found


def pick(draw, data: dict[str, Any], where=lambda node: True) -> tuple | None:
    """A path in ``data`` to a node ``where`` accepts, each depth as likely: sections as often as leaves."""
    found = [p for p in paths(data) if where(node_at(data, p))]
    if not found:
        return None
    depth = draw(st.sampled_from(sorted({len(p) for p in found})))
    return draw(st.sampled_from([p for p in found if len(p) == depth]))


def node_at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def set_at(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``path``, making (or replacing by) tables on the way."""
    for part in path[:-1]:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[path[-1]] = value


def misspelt(draw, name: str) -> str:
    """``name`` with a letter left out, two swapped, an 's' added or in capitals."""
    if len(name) < 2:
        return name + "x"
    i = draw(st.integers(0, len(name) - 2))
    return draw(st.sampled_from([name[:i] + name[i + 1:], name[:i] + name[i + 1] + name[i] + name[i + 2:],
                                 name + "s", name.upper()]))


def pushed(value: Any) -> list[Any]:
    """Values past any bound ``value`` may have: numbers beyond, ranges turned around, mixes off 1."""
    if isinstance(value, bool):
        return [1, "yes"]
    if isinstance(value, (int, float)):
        finite = value if abs(value) < 1e300 else 0  # false for nan too
        return [-finite - 1, 0, -1, finite * 10**6 + 1, 1e308, -1e308, math.inf, math.nan, 10**400,
                finite + 1e-9, float(finite), int(finite), -finite]
    if isinstance(value, list) and len(value) == 2:
        return [value[::-1], [value[0]], [*value, value[-1]], [], [value[0], math.inf]]
    if isinstance(value, dict) and "value" in value and isinstance(value.get("range"), list):
        low, high = (value["range"] + [0, 0])[:2]
        return [{**value, "value": outside} for outside in _beside(low, -1) + _beside(high, 1)]
    if isinstance(value, dict) and value and all(isinstance(v, (int, float)) for v in value.values()):
        name = next(iter(value))  # a mix: shares that no longer sum to 1, or one out of [0, 1]
        return [{k: v * 2 for k, v in value.items()}, {**value, name: -0.1}, {**value, name: 1.5},
                {**value, "nobody": 0.0}, {}]
    return []


def _beside(bound: Any, direction: int) -> list[Any]:
    """Numbers just past ``bound`` in ``direction``."""
    if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
        return []
    return [bound + direction * 1e-9 * max(1, abs(bound)), bound + direction]


@st.composite
def edit_generic(draw, data: dict[str, Any]) -> None:
    """Remove, add, retype or push a value anywhere in ``data``."""
    path = pick(draw, data)
    if path is None:
        return
    parent, last = node_at(data, path[:-1]), path[-1]
    action = draw(st.sampled_from(["remove", "add", "retype", "push"]))
    if action == "remove":
        del parent[last]
    elif action == "add":
        table = parent[last] if isinstance(parent[last], dict) else parent
        if isinstance(table, dict):
            name = draw(st.one_of(st.just(misspelt(draw, str(last))), st.text(min_size=1, max_size=10)))
            table[name] = draw(values)
    elif action == "retype":
        parent[last] = draw(values)
    elif candidates := pushed(parent[last]):
        parent[last] = draw(st.sampled_from(candidates))


@st.composite
def edit_extends(draw, data: dict[str, Any]) -> None:
    """Make ``[scenario] extends`` name something that cannot be extended, or the file itself."""
    if not isinstance(data.get("scenario"), dict):
        data["scenario"] = {}
    data["scenario"]["extends"] = draw(scenario_refs)


@st.composite
def edit_timeline(draw, data: dict[str, Any]) -> None:
    """A timeline entry on a date that is no date or lies before the start, changing anything to anything."""
    start = dt.date(2017, 1, 1)
    key = draw(st.one_of(
        st.dates(max_value=start - dt.timedelta(days=1)).map(str), st.dates().map(str),
        st.sampled_from(["2017-13-01", "2017-02-30", "20170201", "2017-W05-3", "tomorrow", ""]), texts,
    ))
    numeric = pick(draw, DEFAULT, lambda node: isinstance(node, (int, float))) or ()
    dotted = draw(st.one_of(st.sampled_from(TIME_VARYING), st.just(".".join(map(str, numeric))), texts))
    entry = draw(st.one_of(st.builds(dict), values))
    if isinstance(entry, dict) and all(dotted.split(".")):
        set_at(entry, tuple(dotted.split(".")), draw(st.one_of(numbers, values)))
    if not isinstance(data.get("timeline"), dict):
        data["timeline"] = {}
    data["timeline"][key] = entry


@st.composite
def edit_what_the_timeline_changes(draw, data: dict[str, Any]) -> None:
    """Remove or retype a parameter the timeline may change, a table holding it, or the start date."""
    path = tuple(draw(st.sampled_from([*TIME_VARYING, "scenario.start_date"])).split("."))
    path = path[:draw(st.integers(1, len(path)))]
    parent = data
    for part in path[:-1]:
        if not isinstance(parent.get(part), dict):
            return
        parent = parent[part]
    if draw(st.booleans()):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = draw(values)


@st.composite
def edit_override(draw, data: dict[str, Any]) -> None:
    """Set a section, field, value or range of the default scenario to one past its bounds or retyped.

    In a file that extends another this is an override, laid over what it extends.
    """
    path = pick(draw, DEFAULT)
    if path is not None and all(isinstance(p, str) for p in path):
        near = pushed(node_at(DEFAULT, path))
        set_at(data, path, draw(st.one_of(st.sampled_from(near), values) if near else values))


@st.composite
def scenario_changes(draw) -> dict[str, Any]:
    """Changes with the shape of a scenario file (as a variant or change set holds), mostly wrong."""
    changes: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 3))):
        draw(edit_override(changes))
    if draw(st.booleans()):
        draw(edit_timeline(changes))
    return changes


@st.composite
def edit_experiment(draw, data: dict[str, Any]) -> None:
    """Break one of the things only an experiment has."""
    kind = draw(st.sampled_from(["variant", "apply", "changes", "sweep", "outcomes", "reference", "numbers",
                                 "scenario"]))
    names = list(data["changes"]) if isinstance(data.get("changes"), dict) else []
    names_drawn = st.lists(st.one_of(st.sampled_from(names or ["none"]), texts, numbers), max_size=4)
    variants = data.get("variant") if isinstance(data.get("variant"), list) else []
    if kind == "variant":
        variant = {"label": draw(st.one_of(st.sampled_from(["today", "+ inflow", ""]), texts, numbers))}
        for key, drawn in (("scenario", scenario_refs), ("apply", names_drawn),
                           ("changes", scenario_changes())):
            if draw(st.booleans()):
                variant[key] = draw(drawn)
        data["variant"] = draw(st.sampled_from([[*variants, variant], [*variants, *variants], [],
                                                variant, [variant, 7]]))
    elif kind == "apply" and (tables := [v for v in variants if isinstance(v, dict)]):
        draw(st.sampled_from(tables))["apply"] = draw(st.one_of(names_drawn, values))
    elif kind == "changes":
        name = draw(st.one_of(st.sampled_from(names or ["fresh"]), texts))
        data["changes"] = {**(data.get("changes") if isinstance(data.get("changes"), dict) else {}),
                           name: draw(st.one_of(scenario_changes(), values))}
    elif kind == "sweep":
        sweep = data["sweep"] if isinstance(data.get("sweep"), dict) else {"labels": ["a", "b"]}
        labels = sweep["labels"] if isinstance(sweep.get("labels"), list) and sweep["labels"] else ["a"]
        what = draw(st.sampled_from(["labels", "parameter", "from"]))
        if what == "labels":
            sweep["labels"] = draw(st.sampled_from([labels[:-1], [*labels, "more"], [], ["", *labels[1:]],
                                                    [*labels[:-1], labels[0]], [1] * len(labels)]))
        elif what == "parameter":
            path = pick(draw, DEFAULT, lambda node: isinstance(node, (int, float)))
            dotted = ".".join(str(p) for p in path or ())
            name = draw(st.sampled_from([dotted, dotted.rsplit(".", 1)[0], "services", "nothing.here",
                                         "services..places", "", "timeline", dotted + ".value"]))
            length = draw(st.sampled_from([len(labels), len(labels) + 1, max(len(labels) - 1, 0)]))
            given = sweep.get("parameters") if isinstance(sweep.get("parameters"), dict) else {}
            sweep["parameters"] = {**given, name: draw(st.lists(numbers, min_size=length, max_size=length))}
        else:
            sweep["from"] = draw(st.one_of(st.dates(), datetimes, values))
        data["sweep"] = sweep
    elif kind == "outcomes":
        data["outcomes"] = draw(st.lists(st.one_of(
            st.sampled_from(["spend_kr.total", "spend_kr.*", "*", "[", "[!a-z]*", "?", "", "spend_kr.totl"]),
            texts, numbers), max_size=4))
    elif kind == "reference":
        reference = {key: draw(st.one_of(st.just(good), values)) for key, good in (
            ("label", "x"), ("outcome", "spend_kr.total"), ("variant", "today"), ("kind", "level"),
            ("values", {"2018": 1.0}), ("unit_kr", 1), ("source", "y"))
            if draw(st.integers(0, 3))}
        if draw(st.booleans()):
            reference["values"] = draw(st.dictionaries(
                st.one_of(st.integers(1990, 2040).map(str), texts,
                          st.sampled_from(["²", "٢٠١٩", "9" * 5000, "2019.0", " 2019", "-2019"])),
                numbers, max_size=3))
        references = data.get("reference") if isinstance(data.get("reference"), list) else []
        data["reference"] = [*references, reference]
    elif kind == "numbers":
        data[draw(st.sampled_from(["years", "replications", "seed"]))] = draw(st.one_of(
            st.sampled_from([0, -1, 1, 100, 101, 2**63, 10**30, 1.5, 5.0, "5", True]), numbers))
    elif kind == "scenario":
        target = draw(st.sampled_from([data, *(v for v in variants if isinstance(v, dict))]))
        target["scenario"] = draw(scenario_refs)


@st.composite
def mutated(draw, data: dict[str, Any], edits: list) -> dict[str, Any]:
    """``data`` after one to three random ``edits`` (an edit listed twice is twice as likely)."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(edits))
        draw(edit(data))
    return data


@st.composite
def damaged(draw, raw: bytes) -> bytes:
    """``raw`` with a few bytes cut, flipped or inserted, or emptied."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["truncate", "insert", "random", "flip", "empty"]))
        if action == "truncate":
            raw = raw[:at]
        elif action == "insert":
            raw = raw[:at] + draw(st.sampled_from([
                b"\x00", b"\xff\xfe", b"\xe6", b"[", b"=", b"\n[x]\n", b'"', b"}", b"\n", b"\r", b"\t",
                b"\n[timeline.2016-01-01]\n", b"\n[scenario]\n", b"a = " + b"[" * 600 + b"]" * 600 + b"\n",
            ])) + raw[at:]
        elif action == "random":
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
        elif action == "flip" and raw:
            at = min(at, len(raw) - 1)
            raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1:]
        elif action == "empty":
            raw = draw(st.sampled_from([b"", b"\n \t\n", b"\xef\xbb\xbf", b"\xff\xfe" + raw, b"# only\n"]))
    return raw


def as_file(content: dict[str, Any] | bytes) -> bytes:
    return content if isinstance(content, bytes) else toml_document(content).encode("utf-8")


def assert_own_error(error: InputError) -> None:
    """Every problem says where it is and what is wrong; a parameter path unless the file is unusable."""
    assert error.problems
    text = str(error)
    for problem in error.problems:
        assert problem.where and problem.message, problem
        assert str(problem) in text
        if not any(word in problem.message for word in WHOLE_FILE):
            assert problem.path, problem


def scenario_inputs(name: str) -> st.SearchStrategy:
    text = shipped_scenario(name)
    edits = [edit_generic] * 3 + [edit_override, edit_extends, edit_timeline, edit_what_the_timeline_changes]
    return st.one_of(mutated(tomllib.loads(text), edits), damaged(text.encode("utf-8")))


def experiment_inputs(name: str) -> st.SearchStrategy:
    text = (EXPERIMENTS / name).read_text(encoding="utf-8")
    return st.one_of(mutated(tomllib.loads(text), [edit_generic] + [edit_experiment] * 3),
                     damaged(text.encode("utf-8")))


PARTNER = b'[scenario]\nextends = "fuzzed.toml"\n'
"""A scenario beside the fuzzed one that extends it back: extending it closes a circle."""


@pytest.mark.property
@pytest.mark.slow
@fuzz(1200)
@given(st.one_of(*(scenario_inputs(name) for name in SCENARIO_FILES)))
def test_a_damaged_scenario_loads_or_raises_the_projects_own_error(content):
    """Whatever was done to the file: a valid scenario, or problems each naming its file and parameter."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "partner.toml").write_bytes(PARTNER)
        path = Path(folder) / "fuzzed.toml"
        path.write_bytes(as_file(content))
        try:
            scenario = sim.load_scenario(path)
        except InputError as error:
            assert_own_error(error)
        else:
            assert isinstance(scenario, sim.Scenario)
            again = sim.Scenario.model_validate_json(scenario.model_dump_json())
            assert again.fingerprint() == scenario.fingerprint()


@pytest.mark.property
@pytest.mark.slow
@fuzz(700)
@given(st.one_of(*(experiment_inputs(name) for name in EXPERIMENT_FILES)))
def test_a_damaged_experiment_loads_or_raises_the_projects_own_error(content):
    """Whatever was done to the file: an experiment with its scenarios, or problems naming each mistake."""
    name = content.get("name") if isinstance(content, dict) else None
    stem = name if isinstance(name, str) and name.isidentifier() and len(name) < 100 else "fuzzed"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "partner.toml").write_bytes(PARTNER)
        path = Path(folder) / f"{stem}.toml"
        path.write_bytes(as_file(content))
        try:
            experiment = load_experiment(path)
        except InputError as error:
            assert_own_error(error)
        else:
            assert isinstance(experiment, LoadedExperiment)
            assert experiment.baseline in experiment.scenarios and experiment.outcomes
            assert all(isinstance(s, sim.Scenario) for s in experiment.scenarios.values())


@pytest.mark.unit
def test_the_writer_round_trips_the_shipped_files():
    """The mutations are only as good as the TOML written from them."""
    for text in [shipped_scenario(n) for n in SCENARIO_FILES] + [
            (EXPERIMENTS / n).read_text(encoding="utf-8") for n in EXPERIMENT_FILES]:
        data = tomllib.loads(text)
        assert tomllib.loads(toml_document(data)) == data


@pytest.mark.property
@fuzz(300)
@given(st.dictionaries(st.text(max_size=8), values, max_size=3))
def test_the_writer_writes_every_value_the_mutations_make(data):
    """A value the writer got wrong would test the TOML reader instead of the loaders."""
    assert repr(tomllib.loads(toml_document(data))) == repr(data)  # repr: nan equals nan


# -- what the fuzzing found, kept as plain examples ----------------------------------------------


@pytest.mark.unit
def test_an_empty_or_overlong_extends_is_named(tmp_path):
    for extends in ("", "x" * 5000):
        path = tmp_path / "v.toml"
        path.write_text(f'[scenario]\nextends = "{extends}"\n', encoding="utf-8")
        with pytest.raises(InputError) as caught:
            sim.load_scenario(path)
        assert_own_error(caught.value)
        assert caught.value.problems[0].path == "scenario.extends"


@pytest.mark.unit
def test_sweep_labels_and_paths_that_cannot_make_variants_are_named(tmp_path):
    text = (EXPERIMENTS / "waitlist_capacity.toml").read_text(encoding="utf-8")
    for old, new, says in (
        ('"today"', '""', "must not be empty"),
        ('parameters."services.dut.places"', 'parameters."services"', "holds services.familiehus.places"),
        ('parameters."services.dut.places"', 'parameters."services..places"', "not a dotted parameter path"),
    ):
        path = tmp_path / "waitlist_capacity.toml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(says)) as caught:
            load_experiment(path)
        assert_own_error(caught.value)
