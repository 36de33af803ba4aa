"""Named random streams derived from one seed.

Every kind of randomness has its own stream, named by its place in the model
("notification.arrivals", "placement.foster_family.pool", ...), and every child
has a stream of its own keyed by how it entered and its number in that
entry route. Two scenarios run with the same seed therefore share the same
notifications and the same children with the same luck, whatever else they
change: a scenario difference is the scenario's effect, not noise (common
random numbers). Adding a stream never shifts another, because streams are
keyed by a hash of their name, not by the order in which they are created.

The global ``random`` and ``np.random`` functions are never used.
"""

from __future__ import annotations

import zlib

import numpy as np


def _key(name: str) -> int:
    """Stable 32-bit key of a stream name (the same on every machine and run)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent, reproducible generators for one replication."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f'"seed" must be a non-negative integer, got {seed!r}')
        self.seed = int(seed)

    def stream(self, name: str) -> np.random.Generator:
        """The generator of the model part called ``name``."""
        return self._generator((_key(name),))

    def child(self, route: str, number: int) -> np.random.Generator:
        """The generator of the ``number``-th child entering by ``route``."""
        return self._generator((_key("child"), _key(route), int(number)))

    def _generator(self, spawn_key: tuple[int, ...]) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=spawn_key)
        return np.random.Generator(np.random.PCG64(sequence))
