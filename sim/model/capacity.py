"""Places that can be added and removed during a run, as a SimPy resource.

Caseworkers' investigation slots, Familiehus and DUT places and the foster
families of a pool are all places that children request and queue for. Their
number changes while a run goes on: the council hires caseworkers, a
Familiehus expands, families are recruited or stop. SimPy's ``Resource`` has
a fixed capacity, so :class:`Places` adds :meth:`Places.resize`: more places
admit waiting children at once (first come, first served); fewer places let
the children already served finish, and admit no one until the number in
use is below the new capacity. Capacity is never exceeded by a child
starting.
"""

from __future__ import annotations

from collections.abc import Iterator

import simpy

_NONE = object()


class Holders:
    """The requests holding a place, in the order they got it: SimPy's list of users, removed from fast.

    SimPy keeps a resource's users in a list and removes a leaving one by
    searching it, so a release costs time in proportion to the places in
    use: quadratic in a large municipality with thousands of places. A dict
    keeps the same order and removes in constant time.
    """

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held: dict[simpy.Event, None] = {}

    def append(self, request: simpy.Event) -> None:
        """A request gets a place."""
        self._held[request] = None

    def remove(self, request: simpy.Event) -> None:
        """A request leaves its place; ValueError, as from a list, if it held none (SimPy expects it)."""
        if self._held.pop(request, _NONE) is _NONE:
            raise ValueError("the request holds no place")

    def __len__(self) -> int:
        return len(self._held)

    def __iter__(self) -> Iterator[simpy.Event]:
        return iter(self._held)

    def __contains__(self, request: object) -> bool:
        return request in self._held


class Places(simpy.Resource):
    """A resizable number of places with a first-come, first-served queue."""

    def __init__(self, env: simpy.Environment, capacity: int, name: str):
        if capacity < 0:
            raise ValueError(f'"capacity" of {name} must be >= 0, got {capacity}')
        super().__init__(env, capacity=1)
        self.users = Holders()  # type: ignore[assignment]
        self._capacity = int(capacity)
        self.name = name
        self.history: list[tuple[float, int]] = [(env.now, int(capacity))]
        """(day, capacity) at each change, for the tables and the cost of places."""

    @property
    def free(self) -> int:
        """Places not in use (0 while a reduction waits for children to finish)."""
        return max(self._capacity - len(self.users), 0)

    def resize(self, capacity: int) -> None:
        """Set the number of places from now on; admit waiting children if it grew."""
        if capacity < 0:
            raise ValueError(f'"capacity" of {self.name} must be >= 0, got {capacity}')
        self._capacity = int(capacity)
        self.history.append((self._env.now, int(capacity)))
        while self.put_queue and len(self.users) < self._capacity:
            self._trigger_put(None)
