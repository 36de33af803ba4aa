"""Foster shortage -> substitution: a child with no free family of the decided type is placed in another.

Foster families (ordinary, network, municipal) are finite pools. When no
family of the type the placement committee decided is free, the child waits
up to the pool's ``wait_days`` and is then placed in the type's substitute
(``placement.substitutes``, e.g. ordinary foster family -> residential
home) at that type's price. This is how a shortage of foster families
raises placement spend.
"""

from __future__ import annotations

from ...measures import PLACEMENT_TYPES
from ...scenario.schema import Placement
from .mechanism import Inputs, Mechanism


class FosterSubstitution:
    """How long a child waits for a family of each pool type, and which type it is placed in instead."""

    def __init__(self, params: Placement, on: bool = True):
        self.substitutes = dict(params.substitutes.value)
        self.wait = {
            kind: params.type(kind).pool.wait_days.value if on else float("inf")
            for kind in PLACEMENT_TYPES if params.type(kind).pool is not None
        }
        """Days a child waits for a family of each pool type (without end when the mechanism is off)."""

    def wait_days(self, kind: str) -> float:
        """Days a child waits for a free family of pool type ``kind``."""
        return self.wait[kind]

    def substitute(self, kind: str) -> str:
        """The type a child is placed in when no family of ``kind`` came free in time."""
        return self.substitutes[kind]


def _build(inputs: Inputs) -> FosterSubstitution:
    return FosterSubstitution(inputs.section, inputs.on)


MECHANISM = Mechanism(
    name="foster_substitution",
    section="placement",
    uses=(),
    reads=("free_families",),
    changes="the placement type a child moves into when no foster family of the decided type is free",
    build=_build,
)
