"""Writing results so that nothing finished is lost and nothing half-written is left.

Every file a run writes goes to a temporary name beside its target and is
renamed into place, so a reader (or a resume) finds it whole or not at all,
whatever happens to the process: Ctrl-C, SIGKILL, a full disk. A new folder
is filled under a temporary name and renamed at the end the same way, and an
existing folder is never written into unless it is being resumed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, Problem

NAME_MAX = 255
"""The longest name of a file or folder, in bytes, that Linux, macOS and Windows file systems allow."""


def new_folder_problems(folder: Path, where: str) -> list[Problem]:
    """What stands in the way of creating ``folder``: it exists, a name is too long, nowhere to write."""
    longest = max((len(part.encode("utf-8", "surrogateescape")) for part in folder.parts), default=0)
    if longest > NAME_MAX:  # before anything asks the file system, which would fail on it
        return [Problem(where, "", f"has a name of {longest} bytes; a file system allows {NAME_MAX}",
                        str(folder))]
    if folder.exists():
        return [Problem(where, "", "already exists; results are never overwritten, give a new folder",
                        str(folder))]
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return [Problem(where, "", f"cannot be created: {parent} is not a writable folder", str(folder))]
    return []


def check_new_folder(folder: Path, where: str) -> None:
    """Raise InputError unless ``folder`` does not exist and can be created; ``where`` names the flag."""
    if problems := new_folder_problems(folder, where):
        raise InputError(problems, "cannot write the result")


@contextlib.contextmanager
def new_folder(folder: Path, where: str) -> Iterator[Path]:
    """A temporary folder beside ``folder`` to fill; renamed to ``folder`` when the block ends well.

    Refuses (``InputError`` naming ``where``) a folder that exists before or
    appears meanwhile; on any failure the temporary folder is removed and
    nothing is left behind.
    """
    check_new_folder(folder, where)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as error:  # /proc, a read-only mount: the folder given cannot be, a mistake in the flag
        raise InputError([Problem(where, "", f"cannot be created: {error.strerror or error}", str(folder))],
                         "cannot write the result") from None
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a result folder is like any other
        yield staging
        if folder.exists():
            raise InputError([Problem(where, "", f"{folder} appeared while writing; nothing was "
                                      "overwritten")], "cannot write the result")
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def new_run_folder(parent: Path) -> Path:
    """A folder under ``parent`` named after the time now (``20261123-140500``) that does not exist yet."""
    base = parent / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either whole or not there.

    A failed write (a full disk) removes its temporary file and leaves what
    ``path`` held before untouched.
    """
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
