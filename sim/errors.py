"""Errors a user can cause, reported all at once and without a traceback.

Every problem names where it is (a file or a command-line flag), the
parameter path, the value given and what is allowed. The command line prints
them and exits with status 2 before anything runs or is written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class _Nothing:
    """No value given. One instance, which stays itself when a problem is pickled back from a worker."""

    def __reduce__(self) -> str:
        return "_NOTHING"


_NOTHING = _Nothing()


def show(value: Any, limit: int = 60) -> str:
    """A short printable form of a value a user gave."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input."""

    where: str
    """The file or flag the problem is in."""
    path: str
    """Dotted parameter path inside it ("" for the file as a whole)."""
    message: str
    """What is wrong and what is allowed."""
    value: Any = field(default=_NOTHING, compare=False)
    """The value given, when there is one."""

    def __str__(self) -> str:
        parts = [self.where]
        if self.path:
            parts.append(self.path)
        given = "" if self.value is _NOTHING else f"got {show(self.value)}: "
        return ": ".join(parts) + ": " + given + self.message


class InputError(Exception):
    """Something a user gave (a file, a flag, a folder) cannot be used.

    Its ``title`` says what could not be done, and reads as a sentence
    after ``error:``: "cannot run the ensemble", "scenario mine is not
    valid". Each problem then says why.
    """

    def __init__(self, problems: list[Problem], title: str):
        self.problems = list(problems)
        self.title = title
        super().__init__(self.problems, title)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{self.title} ({count} problem{'s' if count != 1 else ''}):"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class ScenarioError(InputError):
    """A scenario file cannot be loaded: unreadable, not TOML, or not a valid scenario."""


def command_status(action: Callable[[], int]) -> int:
    """Run a command-line ``action`` and turn what a user can meet into a message and an exit status.

    A mistake in the input exits 2, a failed read or write of a file (full
    disk, a folder removed or not writable) exits 1, Ctrl-C exits 130; none
    shows a traceback. Output piped into a reader that stopped (``head``) ends quietly.
    """
    try:
        return action()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # Ctrl-C: what is finished is kept, and the shell reads 130
        print("\ninterrupted", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: {describe(error)}", file=sys.stderr)
        return 1


def describe(error: OSError) -> str:
    """An operating-system error as one line: what failed, on which file, and why."""
    where = f" {error.filename}" if error.filename else ""
    return f"cannot read or write{where}: {error.strerror or error}"


def read_input(path: Path, title: str) -> bytes:
    """The bytes of a file a user named, or an :class:`InputError` titled ``title`` naming it and why."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError([Problem(str(path), "", f"cannot be read: {error.strerror}")], title) from None
