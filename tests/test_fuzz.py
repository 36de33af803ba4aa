"""Fuzzing the loaders: any damage to a scenario or experiment file ends in the project's own error.

Planners edit scenario files by hand and researchers write experiment files;
whatever they get wrong, loading must either succeed with a valid object or
raise :class:`sim.InputError` whose every problem names where it is and,
unless the whole file is unusable, the parameter path. Never a KeyError,
TypeError or a traceback from deep inside.

The mutations start from the shipped files, parsed into tables: keys
removed, added (near-misspellings of real names and random ones) and
retyped, numbers pushed past their bounds (negative, zero, huge, infinite,
not a number), ``extends`` broken or made circular; and bytes damaged after
writing (truncated, flipped, NUL and non-UTF-8 bytes inserted). CI runs 500
derandomized examples of each, the same every time; to hunt for new ones,
``BARNESIM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py`` runs that many
random examples.
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

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
SCENARIO_FILES = ("ballerup_2017.toml", "ballerup_2017_without_extra_staff.toml")
EXPERIMENT_FILES = ("waitlist_capacity.toml", "investment_case.toml")
WHOLE_FILE = ("empty", "binary", "UTF-8", "UTF-16", "TOML", "no such", "cannot be read", "not a file")
"""Words of the problems that concern a file as a whole and so name no parameter."""

HUNT = os.environ.get("BARNESIM_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(HUNT or 500), deadline=None, derandomize=not HUNT, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def shipped_scenario(name: str) -> str:
    return (resources.files("sim.scenarios") / name).read_text(encoding="utf-8")


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
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):  # JSON's escapes are TOML's, but TOML also refuses a raw DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}"
                            for k, v in value.items()) + " }"


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}\n" for k, v in data.items())


# -- mutations ---------------------------------------------------------------------------------

leaves = st.one_of(
    st.integers(-10**6, 10**6), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.dates(), st.text(max_size=20), st.just(""), st.just("x" * 5000),
)
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


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


def parent_of(data: dict, path: tuple) -> Any:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    return node


def misspelt(draw, name: str) -> str:
    if len(name) < 2:
        return name + "x"
    i = draw(st.integers(0, len(name) - 2))
    return draw(st.sampled_from([name[:i] + name[i + 1:], name[:i] + name[i + 1] + name[i] + name[i + 2:],
                                 name + "s", name.upper()]))


def pushed(value: Any) -> list[Any]:
    """Numbers past any bound ``value`` may have, and its range turned around."""
    if isinstance(value, bool):
        return [1, "yes"]
    if isinstance(value, (int, float)):
        return [-value - 1, 0, -1, value * 10**6 + 1, 1e308, -1e308, math.inf, math.nan, value + 1e-9,
                float(value), int(value) if math.isfinite(value) else 0]
    if isinstance(value, list) and len(value) == 2:
        return [value[::-1], [value[0]], [*value, value[-1]], []]
    if isinstance(value, dict):  # a mix: shares that no longer sum to 1
        return [{k: (v * 2 if isinstance(v, (int, float)) else v) for k, v in value.items()}, {}]
    return [None]


@st.composite
def mutated(draw, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` after a few random mutations."""
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 4))):
        found = paths(data)
        if not found:
            break
        path = draw(st.sampled_from(found))
        parent, last = parent_of(data, path), path[-1]
        action = draw(st.sampled_from(["remove", "add", "retype", "push"] * 3 + ["extends"]))
        if action == "remove":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            name = draw(st.one_of(st.just(misspelt(draw, str(last))), st.text(min_size=1, max_size=10)))
            parent[name] = draw(values)
        elif action == "retype":
            parent[last] = draw(values)
        elif action == "push":
            candidates = [v for v in pushed(parent[last]) if v is not None]
            if candidates:
                parent[last] = draw(st.sampled_from(candidates))
        elif action == "extends":
            section = data.setdefault("scenario", {}) if isinstance(data.get("scenario"), dict) else data
            section["extends"] = draw(st.sampled_from(["fuzzed.toml", "fuzzed", "nowhere", 7, "", ["a"]]))
    return data


@st.composite
def damaged(draw, raw: bytes) -> bytes:
    """``raw`` with a few bytes cut, flipped or inserted."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["truncate", "insert", "flip"]))
        if action == "truncate":
            raw = raw[:at]
        elif action == "insert":
            raw = raw[:at] + draw(st.sampled_from([b"\x00", b"\xff\xfe", b"\xe6", b"[", b"=", b"\n[x]\n",
                                                   b'"', b"}", b"\n"])) + raw[at:]
        elif raw:
            at = min(at, len(raw) - 1)
            raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1:]
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
    return st.one_of(mutated(tomllib.loads(text)), damaged(text.encode("utf-8")))


def experiment_inputs(name: str) -> st.SearchStrategy:
    text = (EXPERIMENTS / name).read_text(encoding="utf-8")
    return st.one_of(mutated(tomllib.loads(text)), damaged(text.encode("utf-8")))


@FUZZ
@given(st.one_of(*(scenario_inputs(name) for name in SCENARIO_FILES)))
def test_a_damaged_scenario_loads_or_raises_the_projects_own_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.toml"
        path.write_bytes(as_file(content))
        try:
            scenario = sim.load_scenario(path)
        except InputError as error:
            assert_own_error(error)
        else:
            assert isinstance(scenario, sim.Scenario)


@FUZZ
@given(st.one_of(*(experiment_inputs(name) for name in EXPERIMENT_FILES)))
def test_a_damaged_experiment_loads_or_raises_the_projects_own_error(content):
    name = content.get("name") if isinstance(content, dict) else None
    stem = name if isinstance(name, str) and name.isidentifier() and len(name) < 100 else "fuzzed"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}.toml"
        path.write_bytes(as_file(content))
        try:
            experiment = load_experiment(path)
        except InputError as error:
            assert_own_error(error)
        else:
            assert isinstance(experiment, LoadedExperiment) and experiment.scenarios


def test_the_writer_round_trips_the_shipped_files():
    """The mutations are only as good as the TOML written from them."""
    for text in [shipped_scenario(n) for n in SCENARIO_FILES] + [
            (EXPERIMENTS / n).read_text(encoding="utf-8") for n in EXPERIMENT_FILES]:
        data = tomllib.loads(text)
        assert tomllib.loads(toml_document(data)) == data


# -- what the fuzzing found, kept as plain examples ----------------------------------------------


def test_an_empty_or_overlong_extends_is_named(tmp_path):
    for extends in ("", "x" * 5000):
        path = tmp_path / "v.toml"
        path.write_text(f'[scenario]\nextends = "{extends}"\n', encoding="utf-8")
        with pytest.raises(InputError) as caught:
            sim.load_scenario(path)
        assert_own_error(caught.value)
        assert caught.value.problems[0].path == "scenario.extends"


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
