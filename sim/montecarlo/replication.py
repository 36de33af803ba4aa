"""One batch of replications: the unit of work sent to a process or a Dask worker.

A batch carries plain data only (scenarios as JSON, numbers), because SimPy
processes and the scenario's generated pydantic types cannot be pickled,
and it returns plain tables. Replication k of every scenario runs with the
same seed, derived from the ensemble's seed and k alone: the scenarios
share their children and their luck (common random numbers), and any single
replication can be rerun on its own with ``python -m sim run --seed``.
Calibration asks for the opposite, a seed per scenario and replication:
its candidate points must each meet their own luck, or the fit would learn
the luck of the shared replications. A region asks for both: the variants
of one municipality share their luck, and each municipality has its own,
so a batch may name each scenario's seed group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.equilibrium import SteadyState, remember
from ..output.finite import refuse_infinite
from ..output.result import Result
from ..scenario import Scenario
from .draws import draw, with_values
from .outcomes import COLUMNS, outcomes

OUTCOME_COLUMNS = ["scenario", "replication", "seed", *COLUMNS]
"""Columns of an ensemble's outcomes table."""

DRAW_COLUMNS = ["scenario", "replication", "path", "value"]
"""Columns of an ensemble's table of drawn parameters."""

SHARED_FAMILIES = "shared foster families"
"""The group whose seed of replication k seeds the foster families shared by a batch's scenarios: the same
in every batch of an ensemble, so the variants of a region share the pools' luck too."""


def replication_seed(seed: int, replication: int, scenario: str | None = None) -> int:
    """The seed of replication ``replication`` of an ensemble seeded with ``seed``.

    Shared by every scenario (common random numbers), or, given the
    ``scenario``'s label, its own (independent streams). 63 bits, so that it
    fits a signed 64-bit column in every table and spreadsheet tool.
    """
    key = (replication,) if scenario is None else (
        replication, int.from_bytes(hashlib.sha256(scenario.encode("utf-8")).digest()[:8], "big"))
    sequence = np.random.SeedSequence(seed, spawn_key=key)
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class Batch:
    """Replications ``replications`` of every scenario in ``scenarios`` ((name, JSON) pairs)."""

    scenarios: tuple[tuple[str, str], ...]
    replications: tuple[int, ...]
    years: int
    seed: int
    drawn_paths: tuple[str, ...]
    """Assumptions drawn from their ranges; empty for stochastic uncertainty only."""
    name: str
    """The batch's file name in an ensemble's store, unique within the ensemble."""
    common: bool = True
    """Common random numbers (replication k of every scenario has the same seed), or a seed per scenario."""
    measure: Callable[[Result], pd.DataFrame] = outcomes
    """What is kept of each replication: ``year``, ``outcome``, ``value`` rows (a module-level function,
    so that it pickles by name to a process or a Dask worker)."""
    seed_groups: tuple[tuple[str, str], ...] = ()
    """(scenario, group) pairs: under common random numbers, the scenarios of a group share the seed of
    replication k and each group has its own (:func:`seed_of`); empty, every scenario shares one."""
    steady: tuple[tuple[str, SteadyState], ...] = ()
    """(fingerprint, steady state) of the batch's scenarios as derived before the ensemble began, kept by
    the worker before it runs them; empty, a worker derives each scenario it meets."""
    shared_families: bool = False
    """Each replication runs the batch's scenarios together in one environment, sharing their foster
    families (:mod:`sim.model.together`); the shared pools draw from the seed of :data:`SHARED_FAMILIES`."""


def seed_of(batch: Batch, replication: int, name: str) -> int:
    """The seed of replication ``replication`` of scenario ``name`` in ``batch``.

    Common to every scenario; or, with ``seed_groups``, to the scenarios of
    ``name``'s group; or, without common random numbers, ``name``'s own.
    """
    if not batch.common:
        return replication_seed(batch.seed, replication, name)
    return replication_seed(batch.seed, replication, dict(batch.seed_groups).get(name))


def run_batch(batch: Batch) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The batch's outcomes and drawn parameters, as long tables."""
    for key, state in batch.steady:
        remember(key, state)
    scenarios = [(name, Scenario.model_validate_json(text)) for name, text in batch.scenarios]
    found, drawn = [], []
    for replication in batch.replications:
        runs = []
        for name, scenario in scenarios:
            seed = seed_of(batch, replication, name)
            values = draw(scenario, batch.drawn_paths, seed)
            if values:
                scenario = with_values(scenario, values, f"replication {replication}")
                drawn.append(pd.DataFrame({
                    "scenario": name, "replication": replication,
                    "path": list(values), "value": [float(v) for v in values.values()],
                }))
            runs.append((name, scenario, seed))
        for name, result in _results(batch, replication, runs):
            table = batch.measure(result)
            refuse_infinite({"outcomes": table}, f"{name}, replication {replication}")
            found.append(table.assign(scenario=name, replication=replication, seed=result.seed))
    draws = pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame(columns=DRAW_COLUMNS)
    return pd.concat(found, ignore_index=True)[OUTCOME_COLUMNS], draws[DRAW_COLUMNS]


def _results(batch: Batch, replication: int, runs: list[tuple[str, Scenario, int]]
             ) -> Iterator[tuple[str, Result]]:
    """Each run's result: one at a time, or all together sharing their foster families."""
    if not batch.shared_families:
        for name, scenario, seed in runs:
            yield name, Result.of(scenario, batch.years, seed)
        return
    families = replication_seed(batch.seed, replication, SHARED_FAMILIES)
    results = Result.together([(scenario, seed) for _, scenario, seed in runs], batch.years, families)
    yield from zip([name for name, _, _ in runs], results, strict=True)
