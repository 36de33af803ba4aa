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

import hashlib
import zlib

import numpy as np
from numpy.random.bit_generator import ISeedSequence


def _key(name: str) -> int:
    """Stable 32-bit key of a stream name (the same on every machine and run)."""
    return zlib.crc32(name.encode("utf-8"))


CHILDREN_PER_ROUTE = 2**32
"""Children a route can number: the child's number fills the low 32 bits of its key."""


class _PhiloxKey(ISeedSequence):
    """Hands Philox the key of the next child's generator, which is made in a third of the time so.

    ``Philox(key=...)`` first gathers fresh entropy for a seed sequence it
    then does not use (about 6 µs, most of making a child's generator).
    Philox asks a seed sequence for its key's two 64-bit words and copies
    them into its state, so one that returns the key gives the same
    generator without it. Every generator keeps a reference to the seed
    sequence it was made from, so one object per replication is reused,
    holding the key of the generator being made: a thousand children alive
    do not keep a thousand of them (they cannot ``spawn``: this is not a
    spawnable sequence).
    """

    __slots__ = ("words",)

    def __init__(self) -> None:
        self.words = np.zeros(2, dtype=np.uint64)

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        if n_words != 2 or dtype is not np.uint64:
            raise ValueError(f"a Philox key is two 64-bit words, not {n_words} of {dtype}")
        return self.words


class Streams:
    """Factory of independent, reproducible generators for one replication."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f'"seed" must be a non-negative integer, got {seed!r}')
        self.seed = int(seed)
        seed_bits = self.seed if self.seed < 2**64 else int.from_bytes(
            hashlib.sha256(str(self.seed).encode()).digest()[:8], "big")
        self._children = seed_bits
        """The high 64-bit word of every child's key: the seed (a 64-bit digest of a seed of 2^64 or more)."""
        self._handover = _PhiloxKey()

    def stream(self, name: str) -> np.random.Generator:
        """The generator of the model part called ``name``."""
        return self._generator((_key(name),))

    def child(self, route: str, number: int) -> np.random.Generator:
        """The generator of the ``number``-th child entering by ``route``.

        A Philox generator keyed by the seed, the route and the number: a
        counter-based generator gives every key its own stream (Salmon et al.
        2011, "Parallel random numbers: as easy as 1, 2, 3"), and is made in
        a sixth of the time of a seeded PCG64. A replication makes one per child.
        """
        if not 0 <= number < CHILDREN_PER_ROUTE:
            raise ValueError(f"child number {number} on {route!r} is outside 0..{CHILDREN_PER_ROUTE - 1}")
        words = self._handover.words
        words[0] = (_key(route) << 32) | int(number)
        words[1] = self._children
        return np.random.Generator(np.random.Philox(self._handover))

    def _generator(self, spawn_key: tuple[int, ...]) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=spawn_key)
        return np.random.Generator(np.random.PCG64(sequence))


class SeededStreams(Streams):
    """Streams whose children's generators are seeded PCG64, as every child's was before Philox.

    The steady state's probe (:mod:`sim.model.equilibrium`) runs on these,
    so that the rates derived for every scenario stay what they were. The
    probe measures the model with 1,500 children of each kind, and its own
    Monte Carlo error (a few per cent in a level) is a fixed bias of every
    replication of the scenario: other random numbers in the probe would
    move every scenario's levels by as much, though nothing in the model
    changed.
    """

    def child(self, route: str, number: int) -> np.random.Generator:
        """The generator of the ``number``-th child entering by ``route``, from a seed sequence."""
        return self._generator((_key("child"), _key(route), int(number)))
