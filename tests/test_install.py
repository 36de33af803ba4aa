"""Installed as users install it: a wheel, not the checkout, run from an empty folder.

The wheel is built and installed offline (no dependencies, no build
isolation: the test environment has them) into a folder of its own, and the
commands run with that folder first on the path, so they use the installed
copy and its package data, never the checkout's files.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ("pyproject.toml", "README.md", "LICENSE", "sim")
"""What a build reads: the project's metadata and the package."""
SHIPPED = ("caseworker_staffing", "early_detection", "investment_replay", "price_drift",
           "sensitivity_staffing", "waitlist_capacity")


def pip(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
                   cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The package built as a wheel and installed into ``site/``, and the environment that uses it."""
    where = tmp_path_factory.mktemp("install")
    source = where / "source"  # a copy: a build writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in SOURCE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(where / "dist"),
        str(source), cwd=where)
    wheels = glob.glob(str(where / "dist" / "barnesim-*.whl"))
    pip("install", "--no-deps", "--no-index", "--target", str(where / "site"), *wheels, cwd=where)
    env = {**os.environ, "PYTHONPATH": str(where / "site"), "GIT_CEILING_DIRECTORIES": str(where)}
    return where, env


@pytest.mark.functional
@pytest.mark.slow
def test_the_wheel_holds_the_shipped_experiments(installed):
    where, _ = installed
    (wheel,) = glob.glob(str(where / "dist" / "barnesim-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"sim/experiments/shipped/{name}.toml" for name in SHIPPED} <= names
    assert "sim/region/shipped/denmark_synthetic.toml" in names


@pytest.mark.functional
@pytest.mark.slow
def test_an_installed_copy_lists_and_runs_the_shipped_experiments_from_an_empty_folder(installed):
    where, env = installed
    empty = where / "empty"
    empty.mkdir()

    def python(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=empty, env=env, capture_output=True, text=True,
                              timeout=600)

    used = Path(python("-c", "import sim; print(sim.__file__)").stdout.strip())
    assert used.is_relative_to(where / "site"), used  # the installed copy, not the checkout
    listed = python("-m", "sim.experiments", "--list")
    assert listed.returncode == 0, listed.stderr
    for name in SHIPPED:
        assert f"\n{name} " in f"\n{listed.stdout}", name
    assert str(where / "site" / "sim" / "experiments" / "shipped") in listed.stdout

    ran = python("-m", "sim.experiments", "waitlist_capacity", "--replications", "2", "--workers", "1",
                 "--no-progress")
    assert ran.returncode == 0, ran.stderr
    assert "paired difference from 'today'" in ran.stdout
    (folder,) = (empty / "results" / "waitlist_capacity").iterdir()
    for table in ("outcomes", "draws", "summary", "comparison", "references"):
        assert (folder / f"{table}.parquet").is_file(), table
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["replications"] == 2
    assert Path(manifest["experiment"]["file"]).is_relative_to(where / "site")
    assert manifest["git_commit"] is None  # the installed copy is in no git checkout of barnesim
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert manifest["barnesim_version"] == version
    assert sorted(p.name for p in empty.iterdir()) == ["results"]  # nothing else written in the folder
