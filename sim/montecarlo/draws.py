"""Parameter uncertainty: each replication draws the named assumptions from their ranges.

Stochastic uncertainty (which children come, how long measures last) is in
every run. Parameter uncertainty is the other kind a planner needs: the
model's assumptions are known only within a plausible range, and an answer
that holds only at their central values is not an answer. With it switched
on, replication k draws every assumption (a quantity with a ``range``)
uniformly from its range, since a range states bounds and no more; a
calibrated posterior can take the place of the ranges later.

Two rules keep comparisons fair:

- **the same draw in every scenario**: the draw of a parameter in
  replication k comes from a stream named after the parameter, derived from
  the replication's seed, so every scenario of the replication gets the
  same position in the range (common random numbers for parameters too);
- **levers are not drawn**: a parameter that a scenario's timeline changes,
  or whose value differs between the scenarios compared, is the decision
  under study and keeps the values the scenarios give it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..errors import InputError
from ..model.streams import Streams
from ..scenario import Scenario
from ..scenario.checks import cross_checks
from ..scenario.parameters import parameters
from ..scenario.paths import put
from ..scenario.quantities import Quantity

UNCERTAINTIES = ("stochastic", "parameters")
"""``stochastic``: assumptions at their values; ``parameters``: also drawn from their ranges."""


def assumptions(scenario: Scenario) -> dict[str, Quantity]:
    """Path -> quantity of every assumption (a quantity with a range) in ``scenario``."""
    return {
        p.path: p.value for p in parameters(scenario)
        if isinstance(p.value, Quantity) and p.value.is_assumption
    }


def uncertain_paths(scenarios: Sequence[Scenario]) -> list[str]:
    """The assumptions drawn in an ensemble of ``scenarios``: those all share, levers excepted."""
    found = [assumptions(s) for s in scenarios]
    shared = set(found[0]).intersection(*found[1:])
    levers = {change.path for s in scenarios for change in s.timeline}
    levers |= {path for path in shared if len({f[path].value for f in found}) > 1}
    return sorted(shared - levers)


def draw(scenario: Scenario, paths: Sequence[str], seed: int) -> dict[str, float]:
    """Path -> value drawn for the replication with ``seed``, uniformly within each range.

    The position in the range comes from the stream ``parameter:<path>``, so
    it is the same in every scenario with the same seed; integer quantities
    take each whole number of their range with equal chance.
    """
    streams = Streams(seed)
    found = assumptions(scenario)
    return {path: value_at(found[path], streams.stream(f"parameter:{path}").random()) for path in paths}


def value_at(quantity: Quantity, position: float) -> float:
    """The value at ``position`` (0 to 1) along the range of ``quantity``.

    An integer quantity takes each whole number of its range over an equal
    share of positions, so that uniform positions give uniform whole numbers.
    """
    low, high = quantity.range
    if isinstance(quantity.value, int):
        return min(int(low + position * (high - low + 1)), int(high))
    return low + position * (high - low)


def with_values(scenario: Scenario, values: Mapping[str, float], where: str) -> Scenario:
    """``scenario`` with the parameters at ``values``, validated like a loaded file.

    ``where`` says whose values they are in a message ("replication 3",
    "design point 12") if they do not fit together.
    """
    data = json.loads(scenario.model_dump_json())
    for path, value in values.items():
        put(data, f"{path}.value", int(value) if isinstance(scenario.get(path).value, int) else float(value))
    drawn = Scenario.model_validate_json(json.dumps(data))
    problems = cross_checks(drawn, lambda loc: f"{where}, drawn")
    if problems:
        raise InputError(problems, f"the parameters drawn for {where} do not fit together")
    return drawn
