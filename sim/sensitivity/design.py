"""The design points of a sensitivity analysis: where in their ranges the assumptions are set.

Each assumption varied is a *factor*. SALib lays out the points in the unit
cube, one coordinate per factor; a coordinate is a *position* along the
factor's range, turned into a value the same way parameter uncertainty
turns a random position into a draw (:func:`sim.montecarlo.draws.value_at`),
so whole-number assumptions stay whole. Assumptions not varied keep their
values, and so do the levers: a parameter a variant sets or its timeline
changes is the decision under study, not an uncertainty.

Every point runs every variant the answers need, with the same replication
seeds at every point: the children and their luck are the same everywhere
(common random numbers), so what changes from point to point is the effect
of the assumptions, not Monte Carlo noise.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from ..montecarlo.draws import assumptions, uncertain_paths, value_at, with_values
from ..scenario import Scenario
from ..scenario.quantities import Quantity

SEPARATOR = "|"
"""Between the point's number and the variant's label in the scenario labels of a design's ensemble."""


@dataclass(frozen=True)
class Factor:
    """An assumption varied across its range."""

    path: str
    quantity: Quantity


def factors(scenarios: Sequence[Scenario], patterns: Sequence[str]) -> list[Factor]:
    """The assumptions matching ``patterns`` that every variant shares and none sets, in path order."""
    found = assumptions(scenarios[0])
    return [
        Factor(path, found[path]) for path in uncertain_paths(scenarios)
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
    ]


def unit_cube(chosen: Sequence[Factor]) -> dict:
    """The SALib problem: one coordinate per factor, each a position from 0 to 1 along its range."""
    return {"num_vars": len(chosen), "names": [f.path for f in chosen], "bounds": [[0.0, 1.0]] * len(chosen)}


@dataclass(frozen=True)
class Design:
    """The points of one stage (``morris`` or ``sobol``): a row of positions per point."""

    stage: str
    factors: tuple[Factor, ...]
    positions: np.ndarray

    @classmethod
    def morris(cls, chosen: Sequence[Factor], trajectories: int, levels: int, seed: int) -> Design:
        """Morris trajectories: each moves one factor at a time by a fixed step of its range."""
        positions = morris_sample.sample(unit_cube(chosen), trajectories, num_levels=levels, seed=seed)
        return cls("morris", tuple(chosen), positions)

    @classmethod
    def sobol(cls, chosen: Sequence[Factor], samples: int, seed: int) -> Design:
        """Saltelli's scheme on a scrambled Sobol sequence, first and total order only."""
        positions = sobol_sample.sample(unit_cube(chosen), samples, calc_second_order=False, seed=seed)
        return cls("sobol", tuple(chosen), positions)

    def values(self, point: int) -> dict[str, float]:
        """Path -> value of each factor at ``point``."""
        row = self.positions[point]
        return {f.path: value_at(f.quantity, p) for f, p in zip(self.factors, row, strict=True)}

    def scenarios(self, variants: Mapping[str, Scenario]) -> dict[str, Scenario]:
        """Label -> scenario of every variant at every point, labelled ``<point>|<variant>``."""
        found = {}
        for point in range(len(self.positions)):
            values = self.values(point)
            for label, scenario in variants.items():
                where = f"{self.stage} design point {point}"
                found[point_label(point, label)] = with_values(scenario, values, where)
        return found

    def table(self) -> pd.DataFrame:
        """``stage``, ``point``, ``parameter``, ``position``, ``value``: the design as it was run."""
        rows = [
            (self.stage, point, factor.path, float(position), float(value_at(factor.quantity, position)))
            for point, row in enumerate(self.positions)
            for factor, position in zip(self.factors, row, strict=True)
        ]
        return pd.DataFrame(rows, columns=["stage", "point", "parameter", "position", "value"])


def point_label(point: int, variant: str) -> str:
    """The label of ``variant`` at design point ``point`` in the design's ensemble."""
    return f"{point:06d}{SEPARATOR}{variant}"

