"""What produced a result: enough to run it again and to know whether it was the same.

Each run folder holds a ``manifest.json`` with the scenario (name, the files
it was loaded from and their sha256, and the fingerprint of the resolved
scenario), the seed and horizon, barnesim's version and git commit, the
versions of Python and the libraries, and when the run started and ended.
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


def git_commit() -> str | None:
    """The commit of the source tree barnesim runs from, '+dirty' when changed; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."], cwd=here, capture_output=True, text=True,
            timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def scenario_entry(scenario: Scenario) -> dict[str, Any]:
    """A scenario as a manifest names it: name, the files it came from with their sha256, fingerprint."""
    return {
        "name": scenario.name,
        "fingerprint": scenario.fingerprint(),
        "files": [{"file": label, "sha256": sha} for label, sha in scenario.files],
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
