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

import simpy


class Places(simpy.Resource):
    """A resizable number of places with a first-come, first-served queue."""

    def __init__(self, env: simpy.Environment, capacity: int, name: str):
        if capacity < 0:
            raise ValueError(f'"capacity" of {name} must be >= 0, got {capacity}')
        super().__init__(env, capacity=1)
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
