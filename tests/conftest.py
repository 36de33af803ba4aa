"""Shared fixtures: the default scenario and a few cached replications of it."""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import sim

sys.path.insert(0, str(Path(__file__).parent))

# 10 examples a property: a drawn scenario derives its steady state (about 2 s) before it runs, and the
# suite must stay within its 15 minutes on 2 cores; the thorough profile searches far longer.
settings.register_profile(
    "barnesim", deadline=None, max_examples=10, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", parent=settings.get_profile("barnesim"), max_examples=300)
settings.load_profile("barnesim")  # pytest --hypothesis-profile=thorough for a long search

LAYERS = ("unit", "property", "functional", "browser")
"""The markers of which every test carries exactly one (pyproject.toml says what each means)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a test without exactly one layer, so that no test falls out of the lanes unnoticed.

    The fast lane (``-m "not slow and not browser"``) and any lane by layer
    choose tests by their markers; a test with none would be run by no lane
    but the whole suite, and one with two by lanes that mean different things.
    """
    wrong = []
    for item in items:
        found = [layer for layer in LAYERS if item.get_closest_marker(layer)]
        if len(found) != 1:
            wrong.append(f"{item.nodeid} ({', '.join(found) or 'none'})")
    if wrong:
        raise pytest.UsageError(
            f"every test needs exactly one layer marker of {', '.join(LAYERS)} "
            "(pytestmark = pytest.mark.<layer> for a module, @pytest.mark.<layer> for a test):\n  "
            + "\n  ".join(wrong))


@pytest.fixture(scope="session")
def default() -> sim.Scenario:
    return sim.load_scenario("ballerup_2017")


@functools.cache
def cached_run(name: str, years: int, seed: int) -> sim.Result:
    """A replication of an embedded scenario, run once per test session."""
    return sim.run(name, years=years, seed=seed)


@pytest.fixture(scope="session")
def default_run() -> sim.Result:
    """Three years of the default, seed 1."""
    return cached_run("ballerup_2017", 3, 1)


def shared_folder(tmp_path_factory: pytest.TempPathFactory, name: str,
                  make: Callable[[Path], object]) -> Path:
    """A folder ``make`` fills once per test session, however many pytest-xdist workers ask for it.

    A session fixture is built once per worker, and each test file runs on
    one worker (``--dist loadfile``): without this, every worker that runs a
    file using the fixture builds it again. The workers of a session share
    the parent of their temporary folders; the first to ask builds the
    folder there under a lock, the others wait for it and read it. A test
    may add to the folder (a report beside the run) but never change what
    is in it, which other files read. Without xdist the folder is the
    session's own.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp("runs") / name
        make(folder)
        return folder
    root = tmp_path_factory.getbasetemp().parent / "shared"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or when a crashed worker exits
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # left half-made by a worker that failed
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def staffing_run(tmp_path_factory) -> Path:
    """A finished run folder of the shipped caseworker_staffing experiment (4 variants, 3 replications).

    Reports, workbooks and plots are made from run folders; one small real
    run serves every test of them.
    """
    from sim.experiments import load_experiment, run_experiment

    return shared_folder(tmp_path_factory, "caseworker_staffing", lambda folder: run_experiment(
        load_experiment("caseworker_staffing"), folder, replications=3, seed=11))


SENSITIVITY_EXPERIMENT = Path(__file__).parent / "data" / "sensitivity_small.toml"


@pytest.fixture(scope="session")
def sensitivity_run(tmp_path_factory) -> Path:
    """A finished run folder of a small experiment with a sensitivity analysis, run on two processes."""
    import concurrent.futures

    from sim.experiments import load_experiment, run_experiment

    def make(folder: Path) -> None:
        with concurrent.futures.ProcessPoolExecutor(2) as pool:
            run_experiment(load_experiment(SENSITIVITY_EXPERIMENT), folder, replications=2, seed=3,
                           executor=pool)

    return shared_folder(tmp_path_factory, "sensitivity_small", make)


SCREENSHOTS = Path(os.environ.get("BARNESIM_SCREENSHOTS", "results/screenshots"))
"""Where browser tests leave screenshots of what they saw, to be looked at."""


def chromium() -> str:
    """Debian's Chromium; skips the test without it, unless BARNESIM_REQUIRE_BROWSER is set (as in CI)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("BARNESIM_REQUIRE_BROWSER"):
            pytest.fail("BARNESIM_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("no chromium (apt-get install chromium); .ci/run installs it")
    return found


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by Playwright, loading nothing from the network by itself."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
