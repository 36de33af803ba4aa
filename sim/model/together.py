"""Several municipalities in one environment, recruiting and placing in one shared pool of foster families.

Municipalities of a region may recruit foster families together and place
their children in each other's families. Run on their own, each has only
its own families, and a tight year in one is not eased by free families in
its neighbour. Run together, every municipality keeps all that is its own
(children, caseworkers, in-house services, random streams, records, its
own patience before a substitute type), and runs in one SimPy environment
with the others, where each foster-family type is one pool for all of them.
How the pool is made is a set of named rules:

- **Families on the start date:** the sum of every municipality's families
  of the type: those holding a child of its stock, and those free.
- **Recruitment:** the sum of the municipalities' families approved per
  year, each as its own timeline sets it.
- **Turnover:** the rates at which a free family stops and at which a family
  stops when its placement ends are the municipalities' rates weighted by
  their families on the start date (with national profiles they are the
  same rates).
- **Who gets a free family:** the child who has waited longest, whatever its
  municipality (the pool's queue is first come, first served); each child
  gives up after its own municipality's ``wait_days``.
- **Random numbers:** each municipality draws from the streams of its own
  seed, as it would alone; the pool's recruitment and turnover draw from a
  stream of their own (``seed`` of :func:`simulate_together`).

Municipalities run together must start on the same date and have pools of
the same types: :func:`together_problems` says what keeps them apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import simpy

from ..scenario import Scenario
from .calendar import Calendar
from .placement import FamilyPool, Turnover, pool_types
from .records import Records
from .steps import Schedules
from .streams import Streams
from .wiring import Model


def together_problems(scenarios: Mapping[str, Scenario]) -> list[str]:
    """Why ``scenarios`` (name -> scenario) cannot run together, one line each; empty when they can."""
    problems = []
    starts = {name: s.scenario.start_date for name, s in scenarios.items()}
    if len(set(starts.values())) > 1:
        problems.append("municipalities that share foster families must start on the same date; they start "
                        + ", ".join(f"{name} {day}" for name, day in starts.items()))
    types = {name: pool_types(s.placement) for name, s in scenarios.items()}
    if len(set(types.values())) > 1:
        problems.append("municipalities that share foster families must have pools of the same types; they "
                        "have " + "; ".join(f"{name}: {', '.join(kinds) or 'none'}"
                                            for name, kinds in types.items()))
    return problems


def shared_pools(env: simpy.Environment, scenarios: Sequence[Scenario], years: int, streams: Streams
                 ) -> dict[str, FamilyPool]:
    """One pool of each family type for all ``scenarios``, made by the rules of this module."""
    schedules = [Schedules(s, Calendar(s.scenario.start_date, years)) for s in scenarios]
    pools = {}
    for kind in pool_types(scenarios[0].placement):
        terms = [s.placement.type(kind).pool for s in scenarios]
        families = [getattr(s.initial.placements, kind).value + pool.free_at_start.value
                    for s, pool in zip(scenarios, terms, strict=True)]
        weights = np.array(families, dtype=float) if sum(families) > 0 else np.ones(len(families))
        turnover = Turnover(
            float(np.average([pool.free_leaving_per_year.value for pool in terms], weights=weights)),
            float(np.average([pool.leaving_after_placement.value for pool in terms], weights=weights)),
        )
        path = f"placement.{kind}.pool.recruited_per_year"
        recruitment = schedules[0].of(path)
        for own in schedules[1:]:
            recruitment = recruitment.combine(own.of(path), np.add)
        pools[kind] = FamilyPool(env, kind, int(sum(families)), turnover, recruitment,
                                 streams.stream(f"placement.{kind}.pool"))
    return pools


def simulate_together(scenarios: Sequence[tuple[Scenario, int]], years: int, seed: int) -> list[Records]:
    """Run (scenario, seed) pairs together for ``years``, sharing foster families; each one's records.

    The municipalities are built and started in the order given: events at
    the same moment run in the order they were made, so the order is part
    of the result, as it is of one municipality's.
    """
    if not scenarios:
        raise ValueError("simulate_together needs at least one scenario")
    if problems := together_problems({f"{i}: {s.scenario.name}": s for i, (s, _) in enumerate(scenarios)}):
        raise ValueError("; ".join(problems))
    env = simpy.Environment()
    families = shared_pools(env, [s for s, _ in scenarios], years, Streams(seed))
    models = [Model(scenario, years, own_seed, env=env, families=families)
              for scenario, own_seed in scenarios]
    for model in models:
        model.start()
    env.run(until=models[0].calendar.horizon)
    for model in models:
        model.records.finish()
    return [model.records for model in models]

