"""Waitlist -> external purchase: a child who waits too long for an in-house place gets the measure bought.

Familiehus and DUT have a fixed number of places. When they are full a child
waits; the municipality's policy ``services.<name>.external_after_days``
says how long, after which the same measure is bought from an external
provider at the external price (0: bought at once when full). This is how a
waitlist at an in-house service turns into spend on the home-based level.
The policy may change on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..steps import Steps
from .mechanism import Inputs, Mechanism


class ExternalPurchase:
    """How long a child may wait for a place at each in-house service before the measure is bought."""

    def __init__(self, patience: Mapping[str, Steps]):
        self.patience = dict(patience)
        """Service name -> days a child may wait, as set on each day."""

    def after_days(self, service: str, day: float) -> float:
        """Days a child asking ``service`` for a place on ``day`` waits before the measure is bought."""
        return self.patience[service].at(day)


NEVER = Steps.of([(0.0, float("inf"))])
"""The policy with the mechanism off: a child waits for an in-house place however long it takes."""


def _build(inputs: Inputs) -> ExternalPurchase:
    return ExternalPurchase({
        name: inputs.schedules.of(f"services.{name}.external_after_days") if inputs.on else NEVER
        for name, _ in inputs.section
    })


MECHANISM = Mechanism(
    name="external_purchase",
    section="services",
    uses=(),
    reads=("waiting_days",),
    changes="whether a home-based measure is delivered in-house or bought externally",
    build=_build,
)
