"""One process at a time in a run folder: two that resumed one folder at once each ran every batch left.

The lock is the operating system's (``flock`` on ``run.lock`` in the
folder), so it ends with the process that holds it, however that process
ends: a run killed outright leaves no stale lock behind. The file keeps
the last holder's process, machine and start, which the refusal names.
Where the operating system has no ``flock`` (Windows) the folder is not
locked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = "run.lock"


@contextlib.contextmanager
def only_process(folder: Path, flag: str) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; refuse (naming ``flag`` and the holder) if another holds it."""
    if fcntl is None:
        yield
        return
    with open(folder / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise InputError([Problem(flag, "", f"is being run by {holder}; wait for it to end, or stop it "
                                      "first", str(folder))], "cannot run") from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        handle.write(f"process {os.getpid()} on {socket.gethostname()}, since {started}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
