"""A stored baseline of outcomes: a change that moves the model's answers fails here until it is meant.

``tests/baseline.json`` holds every outcome of one 10-year replication of
the default (seed 0) and, for each shipped experiment, the outcomes it
names for one replication of each of its variants at its own seed and
horizon, run by the Monte Carlo engine as the experiment runs them. A
refactoring leaves them as they are; a change to the model moves them.
When a move is meant, regenerate the file on purpose and say why in the
commit::

    python tests/test_baseline.py --regenerate

Values are compared to 12 significant digits, so the test is exact for any
change of the model's logic or random numbers and tolerant only of the
last-bit rounding a different CPU's floating-point library might give.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

import sim
from sim.experiments import experiment_names, load_experiment
from sim.montecarlo import run_ensemble
from sim.montecarlo.outcomes import outcomes

BASELINE = Path(__file__).with_name("baseline.json")
DEFAULT = ("ballerup_2017", 10, 0)
"""The default's scenario, horizon and seed."""
RELATIVE = 1e-12

def default_outcomes() -> dict[str, float]:
    """Every outcome of the default replication, keyed ``<outcome>@<year>``."""
    name, years, seed = DEFAULT
    table = outcomes(sim.run(name, years=years, seed=seed))
    return {f"{row.outcome}@{row.year}": float(row.value) for row in table.itertuples()}


def experiment_outcomes(name: str) -> dict[str, float]:
    """An experiment's own outcomes, one replication per variant, keyed ``<variant>|<outcome>@<year>``."""
    experiment = load_experiment(name)
    definition = experiment.definition
    ensemble = run_ensemble(experiment.scenarios, 1, definition.seed, years=definition.years,
                            uncertainty=definition.uncertainty)
    mine = ensemble.outcomes[ensemble.outcomes["outcome"].isin(experiment.outcomes)]
    return {f"{row.scenario}|{row.outcome}@{row.year}": float(row.value) for row in mine.itertuples()}


def compute() -> dict[str, dict[str, float]]:
    """The whole baseline: the default, then each shipped experiment by name."""
    return {"default": default_outcomes(), **{name: experiment_outcomes(name) for name in experiment_names()}}


def differences(stored: dict[str, float], now: dict[str, float]) -> list[str]:
    """Each key whose value moved, appeared or vanished, as a line."""
    lines = [f"{key}: missing now" for key in stored if key not in now]
    lines += [f"{key}: new, {now[key]!r}" for key in now if key not in stored]
    lines += [f"{key}: {stored[key]!r} -> {now[key]!r}" for key in stored
              if key in now and not math.isclose(stored[key], now[key], rel_tol=RELATIVE, abs_tol=0.0)
              and not (math.isnan(stored[key]) and math.isnan(now[key]))]
    return lines


def stored() -> dict[str, dict[str, float]]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))


@pytest.mark.functional
@pytest.mark.slow
def test_the_default_replication_gives_the_stored_outcomes():
    moved = differences(stored()["default"], default_outcomes())
    assert not moved, ("the default's outcomes moved (regenerate on purpose: python tests/test_baseline.py "
                       "--regenerate):\n" + "\n".join(moved[:20]))


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("name", experiment_names())
def test_each_shipped_experiment_gives_the_stored_outcomes(name):
    baseline = stored()
    assert name in baseline, f"{name} has no stored baseline: python tests/test_baseline.py --regenerate"
    moved = differences(baseline[name], experiment_outcomes(name))
    assert not moved, (f"{name}'s outcomes moved (regenerate on purpose: python tests/test_baseline.py "
                       f"--regenerate):\n" + "\n".join(moved[:20]))


@pytest.mark.unit
def test_a_moved_outcome_is_named_and_a_rounding_difference_is_not():
    before = {"spend_kr.placement@2017": 80_485_123.25, "notifications@2017": 454.0, "x@2017": math.nan}
    assert differences(before, dict(before)) == []
    assert differences(before, {**before, "spend_kr.placement@2017": 80_485_123.25 * (1 + 1e-15)}) == []
    moved = differences(before, {**before, "notifications@2017": 455.0})
    assert moved == ["notifications@2017: 454.0 -> 455.0"]
    assert differences(before, {"notifications@2017": 454.0, "x@2017": math.nan}) == [
        "spend_kr.placement@2017: missing now"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_baseline.py --regenerate")
    BASELINE.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {BASELINE}")
