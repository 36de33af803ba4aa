"""barnesim: a stochastic simulation of child welfare flows and budgets in a Danish municipality.

The Python API::

    import sim
    scenario = sim.load_scenario("ballerup_2017")      # or a path to a TOML file
    result = sim.run(scenario, years=10, seed=0)
    result.budget_frame                                  # pandas DataFrames
    result.counts, result.waits, result.spells

The same seed gives the same result; two scenarios run with the same seed
share the same children and the same luck (common random numbers).
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError, Problem, ScenarioError
from .model.equilibrium import problems as steady_state_problems
from .model.work import estimate, work_problems
from .output.manifest import package_version
from .output.result import TABLES, Result
from .scenario import Scenario, embedded_names, load_scenario

__all__ = [
    "TABLES",
    "InputError",
    "Result",
    "Scenario",
    "ScenarioError",
    "embedded_names",
    "load_scenario",
    "run",
]

__version__ = package_version()

MAX_YEARS = 100
MAX_REPLICATIONS = 10_000
"""The most replications of an ensemble. At 10,000 the Monte Carlo error of a mean is a hundredth of the
outcome's spread between replications, finer than any answer needs; the outcomes of 10,000 replications
of four variants over ten years already fill about 2 GB of memory."""


def replications_problems(replications: object, name: str = "replications", low: int = 1) -> list[Problem]:
    """What is wrong with a number of replications (``name`` is the flag or field that gave it)."""
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not low <= replications <= MAX_REPLICATIONS:
        return [Problem(name, "", f"must be a whole number from {low} to {MAX_REPLICATIONS:,}", replications)]
    return []


def run_argument_problems(years: object, seed: object, prefix: str = "") -> list[Problem]:
    """What is wrong with the ``years`` and ``seed`` of a run (``prefix`` "--" for flags)."""
    problems = []
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        problems.append(Problem(
            f"{prefix}years", "", f"must be a whole number of years from 1 to {MAX_YEARS}", years
        ))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(Problem(f"{prefix}seed", "", "must be a whole number, 0 or more", seed))
    return problems


def check_run_arguments(years: object, seed: object, prefix: str = "") -> None:
    """Raise InputError naming each bad argument of a run."""
    problems = run_argument_problems(years, seed, prefix)
    if problems:
        raise InputError(problems, "cannot run")


def run(scenario: Scenario | str | Path, years: int = 10, seed: int = 0, *, force: bool = False) -> Result:
    """Run one replication of ``scenario`` (a Scenario, a file path or an embedded name).

    One estimated at more than half a minute of one core (:mod:`sim.model.work`) is
    refused unless ``force``.
    """
    check_run_arguments(years, seed)
    scenario = load_scenario(scenario)
    if not force and (problems := work_problems(estimate({scenario.name: scenario}, years, 1), "--force")):
        raise InputError(problems, "cannot run")
    contradictions = steady_state_problems(scenario)
    if contradictions:
        raise InputError(contradictions, f"scenario {scenario.name} cannot stand still at its start")
    return Result.of(scenario, years, seed)
