"""The mechanisms of the model, one module each, registered in :data:`MECHANISMS`.

Each mechanism (see :mod:`.mechanism`) declares the scenario section of its
assumptions, the signals of the running system it reads and the decision of
the flow it changes; :func:`build` makes each from its section and hands it
only the signals it declared. The wiring (:mod:`sim.model.wiring`) gives
each built mechanism to the part of the flow that makes the decision it
changes. Adding a mechanism means: a module here with its ``MECHANISM``,
its section in the scenario schema, one line below, the deciding part
asking it, and a submodel in docs/odd.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ...scenario import Scenario
from ..steps import Schedules
from . import detection, external_purchase, foster_substitution, reform, review_pace, threshold
from .mechanism import GLOBAL_SIGNALS, SIGNALS, Inputs, Mechanism

MECHANISMS: tuple[Mechanism, ...] = (
    review_pace.MECHANISM,
    external_purchase.MECHANISM,
    foster_substitution.MECHANISM,
    detection.MECHANISM,
    threshold.MECHANISM,
    reform.MECHANISM,
)
"""Every mechanism of the model, in the order they are built."""


def build(
    scenario: Scenario, signals: Mapping[str, Callable[[], float]], schedules: Schedules
) -> dict[str, Any]:
    """Each registered mechanism built from its scenario section and the signals it reads, by name.

    A mechanism the scenario switches off (``mechanisms.off``) is built off.
    """
    built = {}
    for mechanism in MECHANISMS:
        given = {name: signals[name] for name in mechanism.reads if name in signals}
        on = mechanism.name not in scenario.mechanisms.off
        uses = {name: getattr(scenario, name) for name in mechanism.uses}
        built[mechanism.name] = mechanism.build(
            Inputs(getattr(scenario, mechanism.section), uses, given, schedules, on)
        )
    return built


__all__ = ["GLOBAL_SIGNALS", "MECHANISMS", "SIGNALS", "Inputs", "Mechanism", "build"]
