"""Hostile input (issue 26): whatever a file, a flag or an upload holds, the answer is a clear refusal.

Each test is one way an adversarial trial got past the input checks: the
input must now be refused before anything runs, with the project's own
error naming where the problem is, never a traceback, a hang or a machine
running out of memory.
"""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.experiments import load_experiment
from sim.scenario import load_scenario
from sim.scenario.tomlfile import MAX_DEPTH

DEEP = "z." * 600 + "z"


@pytest.mark.unit
@pytest.mark.parametrize("where", ["scenario", "experiment"])
def test_keys_nested_hundreds_deep_are_refused_at_the_door_not_by_recursion(tmp_path, where):
    if where == "scenario":
        file = tmp_path / "deep.toml"
        file.write_text(f'extends = "ballerup_2017"\n[scenario]\nname = "deep"\n[caseworkers]\n{DEEP} = 1\n',
                        encoding="utf-8")
        load = load_scenario
    else:
        file = tmp_path / "deep.toml"
        file.write_text('name = "deep"\ntitle = "t"\nscenario = "ballerup_2017"\nyears = 1\n'
                        'outcomes = ["spend_kr.total"]\n[[variant]]\nlabel = "a"\n'
                        f'[variant.changes]\n{DEEP} = 1\n', encoding="utf-8")
        load = load_experiment
    with pytest.raises(InputError) as refused:
        load(file)
    problem = refused.value.problems[0]
    assert problem.where == str(file) and problem.path.endswith("z.z...")
    assert f"more than {MAX_DEPTH} levels" in problem.message


@pytest.mark.unit
def test_the_deepest_real_input_is_within_the_limit():
    """Every shipped experiment and scenario loads, so the limit leaves room for what inputs need."""
    from sim.experiments import experiment_names

    for name in experiment_names():
        load_experiment(name)
