"""What produced a result: enough to run it again and to know whether it was the same.

Each run folder holds a ``manifest.json`` with the scenario (name, the files
it was loaded from and their sha256, and the fingerprint of the resolved
scenario), the seed and horizon, barnesim's version (and, run from a git
checkout of barnesim, its commit), the versions of Python and the
libraries, and when the run started and ended.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from ..scenario import Scenario

LIBRARIES = ("simpy", "numpy", "pandas", "pydantic", "pyarrow", "distributed", "matplotlib", "SALib",
             "xlsxwriter", "jinja2")


def package_version() -> str:
    """Barnesim's installed version."""
    try:
        return metadata.version("barnesim")
    except metadata.PackageNotFoundError:
        return "unknown"


PACKAGE = Path(__file__).resolve().parents[1]
"""Barnesim's own source folder, ``sim/``: the tree whose commit a manifest records."""


def git_commit(package: Path = PACKAGE) -> str | None:
    """The commit of barnesim's own source tree, '+dirty' when it was changed; None when git has none.

    Only a checkout of barnesim has one. An installed copy may still lie
    inside some other repository (a virtual environment in a user's project
    checkout): that repository's commit says nothing about barnesim, so a
    commit is recorded only when git tracks the package's own
    ``__init__.py``; otherwise the version says what ran. ``package`` is
    barnesim's ``sim/`` but for tests, which try other trees.
    """
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=package, capture_output=True, text=True, timeout=5,
                              check=True).stdout.strip()

    try:
        git("ls-files", "--error-unmatch", "__init__.py")  # fails unless this tree is in git
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def scenario_entry(scenario: Scenario) -> dict[str, Any]:
    """A scenario as a manifest names it: name, the files it came from with their sha256, fingerprint.

    ``origins`` (parameter path -> the file or profile layer its value comes
    from) lets a report of the run say where each value came from.
    """
    return {
        "name": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "files": [{"file": label, "sha256": sha} for label, sha in scenario.files],
        "origins": scenario.origins,
    }


def software() -> dict[str, Any]:
    """The software that produced a result: barnesim's version and commit, Python and the libraries."""
    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libraries[name] = "unknown"
    return {
        "barnesim_version": package_version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "libraries": libraries,
    }


def manifest(
    scenario: Scenario, seed: int, years: int, started: dt.datetime, finished: dt.datetime, **extra: Any
) -> dict[str, Any]:
    """The manifest of one run."""
    return {
        "scenario": scenario_entry(scenario),
        "seed": seed,
        "years": years,
        "start_date": scenario.scenario.start_date.isoformat(),
        **software(),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        **extra,
    }
