"""What a manifest records of the software: the version always, a git commit only of barnesim's own tree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sim.output.manifest import LIBRARIES, git_commit, package_version, software

pytestmark = pytest.mark.unit


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` as a user would, with an identity for commits and no outside repository."""
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main",
         *args], cwd=folder, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "GIT_CEILING_DIRECTORIES": str(folder.parent)},
    ).stdout.strip()


def package(folder: Path) -> Path:
    """A package folder with its ``__init__.py``, as barnesim's ``sim/`` is."""
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text('"""A package."""\n', encoding="utf-8")
    return folder


def test_a_copy_outside_any_repository_records_no_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git looks no higher than here
    assert git_commit(package(tmp_path / "site-packages" / "sim")) is None


def test_a_copy_inside_another_repository_does_not_record_that_repository_s_commit(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / "analysis.py").write_text("print('mine')\n", encoding="utf-8")
    git(project, "add", "analysis.py")
    git(project, "commit", "-q", "-m", "the user's own work")
    installed = package(project / ".venv" / "lib" / "site-packages" / "sim")
    assert git(project, "rev-parse", "HEAD")  # the repository has a commit, and it is not barnesim's
    assert git_commit(installed) is None


def test_a_checkout_records_its_commit_and_whether_it_was_changed(tmp_path):
    checkout = tmp_path / "barnesim"
    source = package(checkout / "sim")
    git(checkout, "init", "-q")
    git(checkout, "add", "sim/__init__.py")
    git(checkout, "commit", "-q", "-m", "barnesim")
    commit = git(checkout, "rev-parse", "HEAD")
    assert git_commit(source) == commit
    (source / "__init__.py").write_text('"""Changed."""\n', encoding="utf-8")
    assert git_commit(source) == f"{commit}+dirty"
    (checkout / "notes.txt").write_text("outside the package\n", encoding="utf-8")
    git(checkout, "stash", "-q")  # only a change inside the package makes it dirty
    assert git_commit(source) == commit


def test_the_software_is_recorded_with_the_version_whether_or_not_there_is_a_commit():
    recorded = software()
    assert recorded["barnesim_version"] == package_version()
    assert recorded["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", recorded["git_commit"])
    assert set(recorded["libraries"]) == set(LIBRARIES)
