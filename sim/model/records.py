"""What happened, as append-only records: the ledger every table is derived from.

Each transition leaves a row once it is complete (a spell when it ends, a
state when the child leaves it), so a record never changes after it is
written. Things still under way at the end of a run are written then, with
an end of ``inf``. The tables a user sees (budget frame, counts, waits) are
computed from these rows by :mod:`sim.output.tables`, so each can be checked
against them. Each ledger keeps its rows column by column (:class:`Ledger`).
"""

from __future__ import annotations

import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

INF = float("inf")

LEDGERS: dict[str, dict[str, str]] = {
    "children": {"child_id": "int64", "route": "str", "entered_day": "float64", "age_at_entry": "float64"},
    "exits": {"child_id": "int64", "exited_day": "float64", "exit_reason": "str"},
    "states": {"child_id": "int64", "state": "str", "start_day": "float64", "end_day": "float64"},
    "spells": {
        "spell_id": "int64", "child_id": "int64", "measure": "str", "provider": "str",
        "start_day": "float64", "end_day": "float64", "end_reason": "str",
    },
    "waits": {
        "request_id": "int64", "child_id": "int64", "service": "str", "measure": "str",
        "requested_day": "float64", "ended_day": "float64", "outcome": "str",
    },
    "notifications": {"day": "float64", "child_id": "int64", "repeat": "bool"},
    "investigations": {
        "child_id": "int64", "route": "str", "requested_day": "float64", "deadline_day": "float64",
        "started_day": "float64", "decided_day": "float64", "outcome": "str",
    },
    "placements": {
        "child_id": "int64", "decided_day": "float64", "wanted": "str", "placed": "str",
        "moved_in_day": "float64",
    },
    "unmet": {
        "child_id": "int64", "need": "str", "screened_day": "float64", "ended_day": "float64",
        "outcome": "str",
    },
    "reviews": {"child_id": "int64", "rung": "str", "day": "float64"},
    "detected": {"child_id": "int64", "found_by_detection": "float64"},
}
"""The columns and types of each list of rows in :class:`Records`."""


ARRAY_CODES = {"int64": "i", "float64": "d"}
"""The ``array`` type code of each numeric column type; flags are kept in lists, text as :class:`Words`.

Whole numbers (ids) are kept in 4 bytes, and a column in 8 from the first
value that does not fit (:meth:`Ledger._widen`); the frame's type is int64.
"""


class Words:
    """A column of text from a small vocabulary (states, measures, reasons), kept as 2 bytes a row."""

    __slots__ = ("codes", "words", "_code")

    def __init__(self) -> None:
        self.codes = array.array("H")
        self.words: list[str] = []
        self._code: dict[str, int] = {}

    def _code_of(self, word: str) -> int:
        code = self._code.get(word)
        if code is None:
            code = self._code[word] = len(self.words)
            self.words.append(word)
        return code

    def append(self, word: str) -> None:
        """Add one row's word."""
        self.codes.append(self._code_of(word))

    def extend(self, words: tuple[str, ...]) -> None:
        """Add the words of several rows."""
        code = self._code
        try:
            self.codes.extend([code[word] for word in words])
        except KeyError:  # a word not seen before: coded one by one
            for word in words:
                self.append(word)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> str:
        return self.words[self.codes[index]]

    def __setitem__(self, index: int, word: str) -> None:
        self.codes[index] = self._code_of(word)

    def __iter__(self) -> Iterator[str]:
        words = self.words
        return (words[code] for code in self.codes)

    def array(self) -> np.ndarray:
        """The words of every row, as an array of objects."""
        return np.array(self.words + [""], dtype=object)[np.array(self.codes, dtype=np.intp)]


class Ledger:
    """The rows of one ledger, kept column by column.

    A day is kept as 8 bytes in an ``array``, an id as 4 and a word as 2
    rather than as objects in a tuple, so that the records of a replication
    take a sixth of the memory, and a table is made from whole columns at
    once. A ledger reads like a list of tuples: ``append``, ``len``, index,
    iterate.

    New rows wait as tuples and go into the columns ``batch`` at a time:
    putting each value of each row into its column as it came was a tenth
    of a replication's time, and a batch of rows is put in column by
    column at once.
    """

    __slots__ = ("columns", "types", "_rows", "_batch", "_width")

    BATCH = 128
    """Rows that wait as tuples before they go into the columns."""

    def __init__(self, types: dict[str, str], batch: int = BATCH):
        self.types = types
        self.columns: list[array.array | Words | list] = [
            array.array(ARRAY_CODES[kind]) if kind in ARRAY_CODES else Words() if kind == "str" else []
            for kind in types.values()
        ]
        self._rows: list[tuple] = []
        self._batch = batch
        self._width = len(types)

    def append(self, row: tuple) -> None:
        """Add one row, its values in the order of the columns."""
        if len(row) != self._width:
            raise self._wrong_width(row)
        rows = self._rows
        rows.append(row)
        if len(rows) >= self._batch:
            self._put_in_columns()

    def _put_in_columns(self) -> None:
        """Move the waiting rows into the columns."""
        rows = self._rows
        if not rows:
            return
        for number, values in enumerate(zip(*rows, strict=True)):
            column = self.columns[number]
            before = len(column)
            try:
                column.extend(values)
            except OverflowError as error:
                del column[before:]
                self._widen(number, error).extend(values)
        rows.clear()

    def _widen(self, number: int, error: OverflowError) -> array.array:
        """Keep whole-number column ``number`` in 8 bytes from now on: a value does not fit in 4.

        Raises ``error`` for any other column (a day beyond a float).
        """
        column = self.columns[number]
        if not isinstance(column, array.array) or column.typecode != "i":
            raise error
        wide = self.columns[number] = array.array("q", column)
        return wide

    def _wrong_width(self, row: tuple) -> ValueError:
        return ValueError(f"a row of {list(self.types)} has {self._width} values, not {len(row)}: {row!r}")

    def __len__(self) -> int:
        return len(self.columns[0]) + len(self._rows)

    def __getitem__(self, index: int) -> tuple:
        waiting = index - len(self.columns[0])
        if waiting >= 0:
            return self._rows[waiting]
        self._put_in_columns()
        return tuple(column[index] for column in self.columns)

    def __setitem__(self, index: int, row: tuple) -> None:
        waiting = index - len(self.columns[0])
        if len(row) != self._width:
            raise self._wrong_width(row)
        if waiting >= 0:
            self._rows[waiting] = tuple(row)
            return
        self._put_in_columns()
        for number, value in enumerate(row):
            try:
                self.columns[number][index] = value
            except OverflowError as error:
                self._widen(number, error)[index] = value

    def __iter__(self) -> Iterator[tuple]:
        self._put_in_columns()
        return zip(*self.columns, strict=True)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Ledger | list) else NotImplemented

    __hash__ = None  # type: ignore[assignment] - mutable, like the list it replaces

    def __repr__(self) -> str:
        return repr(list(self))

    def frame(self) -> pd.DataFrame:
        """The rows as a frame with the ledger's column types (also when empty)."""
        self._put_in_columns()
        return pd.DataFrame({
            name: column.array() if isinstance(column, Words) else np.array(column, dtype=kind)
            for (name, kind), column in zip(self.types.items(), self.columns, strict=True)
        }, columns=list(self.types)).astype(self.types)


def _ledger(name: str) -> Any:
    """A dataclass field holding an empty ledger of ``name``."""
    return field(default_factory=lambda: Ledger(LEDGERS[name]))


@dataclass
class Records:
    """All rows of one replication."""

    children: Ledger = _ledger("children")
    exits: Ledger = _ledger("exits")
    states: Ledger = _ledger("states")
    spells: Ledger = _ledger("spells")
    waits: Ledger = _ledger("waits")
    notifications: Ledger = _ledger("notifications")
    investigations: Ledger = _ledger("investigations")
    placements: Ledger = _ledger("placements")
    unmet: Ledger = _ledger("unmet")
    """A child screened out while in need: when, until when, and how it ended (``renotified``, the need
    ``passed``, the child ``left``, or ``in_need`` at the horizon); child -1 is one in need on the start
    date, not yet known."""
    reviews: Ledger = _ledger("reviews")
    """One row per review (opfølgning) of a home-based case or a placement."""
    detected: Ledger = _ledger("detected")
    """A child found in need while reporting was more intense than at the start: the expected share of
    such children who were found only because of it, ``1 - 1/f`` at a found factor ``f``."""
    capacity: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    """Places over time: name -> [(day, capacity)] (caseworker slots, services, pools)."""
    caseworkers: list[tuple[float, float]] = field(default_factory=list)
    """(day, caseworkers) at each change."""

    open_states: dict[int, tuple[str, float]] = field(default_factory=dict, repr=False)
    """Each child's state under way: child -> (state, start day)."""
    open_spells: dict[int, tuple] = field(default_factory=dict, repr=False)
    """Spells under way: spell -> (child, measure, provider, start day)."""
    open_waits: dict[int, tuple] = field(default_factory=dict, repr=False)
    """Requests under way: request -> (child, service, measure, requested day)."""
    open_investigations: dict[int, list] = field(default_factory=dict, repr=False)
    """Investigations under way: child -> [route, requested day, deadline day, started day]."""
    _next_spell: int = field(default=0, repr=False)
    _next_wait: int = field(default=0, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The rows of ledger ``name`` as a frame with the types of :data:`LEDGERS` (also when empty)."""
        return getattr(self, name).frame()

    def enter_state(self, child_id: int, state: str, day: float) -> None:
        """The child is in ``state`` from ``day`` (closing its previous state)."""
        self.leave_state(child_id, day)
        self.open_states[child_id] = (state, day)

    def leave_state(self, child_id: int, day: float) -> None:
        """Close the child's current state, if any."""
        current = self.open_states.pop(child_id, None)
        if current is not None:
            self.states.append((child_id, *current, day))

    def open_spell(self, child_id: int, measure: str, provider: str, day: float) -> int:
        """Start a spell; returns its id."""
        spell_id = self._next_spell
        self._next_spell += 1
        self.open_spells[spell_id] = (child_id, measure, provider, day)
        return spell_id

    def close_spell(self, spell_id: int, day: float, reason: str) -> None:
        """End a spell for ``reason``."""
        self.spells.append((spell_id, *self.open_spells.pop(spell_id), day, reason))

    def open_wait(self, child_id: int, service: str, measure: str, day: float) -> int:
        """A request for an in-house place; returns its id."""
        wait_id = self._next_wait
        self._next_wait += 1
        self.open_waits[wait_id] = (child_id, service, measure, day)
        return wait_id

    def close_wait(self, wait_id: int, day: float, outcome: str) -> None:
        """The request ends: ``in_house``, ``external`` or ``withdrawn``."""
        self.waits.append((wait_id, *self.open_waits.pop(wait_id), day, outcome))

    def open_investigation(self, child_id: int, route: str, requested: float, deadline: float) -> None:
        """An investigation is decided on; it waits for a caseworker."""
        self.open_investigations[child_id] = [route, requested, deadline, INF]

    def start_investigation(self, child_id: int, day: float) -> None:
        """A caseworker starts the work."""
        self.open_investigations[child_id][3] = day

    def close_investigation(self, child_id: int, day: float, outcome: str) -> None:
        """The investigation ends with a decision (or ``left``: the child left first)."""
        self.investigations.append((child_id, *self.open_investigations.pop(child_id), day, outcome))

    def finish(self) -> None:
        """Write everything still under way, with an end of ``inf``."""
        for spell_id, spell in self.open_spells.items():
            self.spells.append((spell_id, *spell, INF, "open"))
        for child_id, state in self.open_states.items():
            self.states.append((child_id, *state, INF))
        for wait_id, wait in self.open_waits.items():
            self.waits.append((wait_id, *wait, INF, "waiting"))
        for child_id, investigation in self.open_investigations.items():
            self.investigations.append((child_id, *investigation, INF, "under_way"))
        self.open_spells.clear()
        self.open_states.clear()
        self.open_waits.clear()
        self.open_investigations.clear()
