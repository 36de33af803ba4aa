"""Nothing lost, nothing torn, everything rerunnable: runs killed, disks full, runs repeated.

A run killed at any moment (SIGKILL, no chance to clean up) leaves either
nothing or a run folder whose every file is whole, and ``--resume`` ends
with the tables an uninterrupted run gives. A full disk ends the run with a
message and exit status 1, the finished batches kept. ``--rerun`` repeats a
run from its manifest alone and says whether the tables are identical.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_experiments import SMALL, run_cli, write

from sim import cli as sim_cli
from sim.experiments.cli import main
from sim.experiments.rerun import compare_runs

pytestmark = pytest.mark.functional

KILL_POINTS_SEED = 20261123
"""Seeds the moments the kill test picks, so a failure can be replayed."""


def experiment_process(*argv: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.experiments", *argv, "--workers", "1",
                             "--no-progress"], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def assert_whole(folder: Path) -> None:
    """Every file a reader or a resume would use is whole: the manifest parses, each Parquet file reads."""
    assert json.loads((folder / "manifest.json").read_text())["experiment"]["name"] == "small"
    for table in folder.rglob("*.parquet"):
        pd.read_parquet(table)


def assert_identical(folder: Path, reference: Path) -> None:
    differences = compare_runs(reference, folder)
    assert all(d is None for d in differences.values()), differences


@pytest.mark.slow
def test_a_run_killed_at_random_moments_resumes_to_the_uninterrupted_tables(tmp_path, capsys):
    """Kill -9 early (before the folder), midway (between batches) and late (while writing tables)."""
    experiment = write(tmp_path, "small", SMALL.format(name="small").replace("replications = 2",
                                                                             "replications = 4"))
    started = time.monotonic()
    whole = experiment_process(str(experiment), "--out", "reference", cwd=tmp_path)
    assert whole.wait(timeout=300) == 0, whole.stderr.read()
    duration = time.monotonic() - started
    rng = random.Random(KILL_POINTS_SEED)
    moments = [rng.uniform(low, high) * duration for low, high in ((0.1, 0.4), (0.4, 0.75), (0.75, 1.0))]
    resumed = 0
    for i, moment in enumerate(moments):
        folder = tmp_path / f"killed-{i}"
        process = experiment_process(str(experiment), "--out", folder.name, cwd=tmp_path)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if not folder.exists():  # killed before the folder appeared: nothing was written
            leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(f".{folder.name}.")]
            assert all(not (p / "manifest.json").exists() for p in leftovers)
            continue
        assert_whole(folder)
        status, _, err = run_cli(capsys, "--resume", str(folder))
        assert status == 0, f"resume after a kill at {moment:.2f} s: {err}"
        assert_identical(folder, tmp_path / "reference")
        assert not list(folder.rglob("*.partial"))
        resumed += 1
    assert resumed, f"every kill ({moments}) came before the run folder appeared: nothing was tested"


@pytest.fixture
def disk_full_after(monkeypatch):
    """Make every file write after the first ``n`` fail half-way with 'No space left on device'."""
    real = Path.write_bytes

    def arm(n: int) -> None:
        calls = []

        def write_bytes(path: Path, data: bytes) -> int:
            calls.append(path)
            if len(calls) <= n:
                return real(path, data)
            real(path, data[: len(data) // 2])
            raise OSError(28, "No space left on device", str(path))

        monkeypatch.setattr(Path, "write_bytes", write_bytes)

    yield arm
    monkeypatch.undo()


@pytest.mark.slow
def test_a_full_disk_stops_the_run_cleanly_and_keeps_the_finished_batches(tmp_path, capsys, disk_full_after):
    experiment = write(tmp_path, "small", SMALL.format(name="small").replace("replications = 2",
                                                                             "replications = 3"))
    assert run_cli(capsys, str(experiment), "--out", str(tmp_path / "reference"))[0] == 0
    folder = tmp_path / "full"
    disk_full_after(1 + 1 + 2 * 2)  # the manifest, ensemble.json, then two batches of two files each
    status, out, err = run_cli(capsys, str(experiment), "--out", str(folder))
    assert status == 1 and "Traceback" not in err
    assert "No space left on device" in err and f"--resume {folder}" in err
    kept = sorted(p.name for p in (folder / "chunks" / "outcomes").iterdir())
    assert kept == ["batch-000000.parquet", "batch-000001.parquet"]
    assert not list(folder.rglob("*.partial"))
    assert_whole(folder)
    disk_full_after(10**6)  # space freed
    status, _, err = run_cli(capsys, "--resume", str(folder))
    assert status == 0, err
    assert_identical(folder, tmp_path / "reference")


def test_a_single_run_that_cannot_write_exits_1_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    status = sim_cli.main(["run", "--years", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1 and "No space left on device" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_cannot_be_created_is_refused_before_anything_runs(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    experiment = write(tmp_path, "small", SMALL.format(name="small"))
    status, _, err = run_cli(capsys, str(experiment), "--out", str(blocker / "run"))
    assert status == 2 and "--out" in err and "cannot be created" in err
    assert sim_cli.main(["run", "--out", str(blocker / "run")]) == 2
    assert "cannot be created" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "small.toml"]


@pytest.mark.parametrize("argv", [
    ["waitlist_capacity", "--replications", "0"],
    ["waitlist_capacity", "--seed", "1.5"],
    ["waitlist_capacity", "--seed", "-1"],
    ["waitlist_capacity", "--workers", "many"],
])
def test_out_of_range_flags_exit_2_naming_the_flag(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse refuses what is not a whole number
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2 and argv[1] in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# -- rerun ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_once(tmp_path_factory) -> Path:
    """A complete run of a small experiment whose file has since been deleted, run once for the module."""
    here = tmp_path_factory.mktemp("finished")
    experiment = write(here, "small", SMALL.format(name="small"))
    folder = here / "original"
    assert main([str(experiment), "--out", str(folder), "--workers", "1", "--no-progress"]) == 0
    experiment.unlink()
    return folder


@pytest.fixture
def finished_run(finished_once, tmp_path) -> Path:
    """A copy of :func:`finished_once` of the test's own, to change as it likes."""
    folder = tmp_path / "original"
    shutil.copytree(finished_once, folder)
    return folder


@pytest.mark.slow
def test_a_rerun_on_two_processes_reproduces_the_run_from_its_manifest_alone(finished_run, tmp_path,
                                                                            capsys):
    again = tmp_path / "again"
    status = main(["--rerun", str(finished_run / "manifest.json"), "--out", str(again), "--workers", "2",
                   "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0 and "Every table is identical" in out
    assert out.count("identical") >= 5
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["rerun_of"] == str(finished_run) and manifest["executor"] == "2 processes"


@pytest.mark.slow
def test_a_rerun_says_which_table_differs(finished_run, tmp_path, capsys):
    outcomes = pd.read_parquet(finished_run / "outcomes.parquet")
    outcomes.loc[0, "value"] += 1.0
    outcomes.to_parquet(finished_run / "outcomes.parquet", index=False)
    status, out, _ = run_cli(capsys, "--rerun", str(finished_run), "--out", str(tmp_path / "again"))
    assert status == 1 and "The tables differ" in out
    lines = {line.split()[0]: line for line in out.splitlines() if ".parquet" in line}
    assert "DIFFERS" in lines["outcomes.parquet"] and "identical" in lines["draws.parquet"]


@pytest.mark.slow
def test_a_rerun_refuses_an_unfinished_run_a_manifest_without_inputs_and_other_settings(finished_run,
                                                                                       capsys):
    status, _, err = run_cli(capsys, "--rerun", str(finished_run), "--seed", "4")
    assert status == 2 and "takes no --seed" in err
    manifest_file = finished_run / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for changed, says in (({"status": "interrupted"}, "--resume"), ({"inputs": None}, "inputs")):
        manifest_file.write_text(json.dumps({**manifest, **changed}))
        status, _, err = run_cli(capsys, "--rerun", str(manifest_file))
        assert status == 2 and says in err and "Traceback" not in err
    manifest_file.write_text("{not json")
    status, _, err = run_cli(capsys, "--rerun", str(manifest_file))
    assert status == 2 and "cannot be read as a manifest" in err


@pytest.mark.slow
def test_a_hand_damaged_manifest_is_named_not_a_traceback(finished_run, capsys):
    manifest_file = finished_run / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for damage, names in (({"seed": "3"}, "seed"), ({"experiment": {"name": "small"}}, "experiment.file"),
                          ({"scenarios": {"today": 1}}, "fingerprint")):
        manifest_file.write_text(json.dumps({**manifest, **damage}))
        for argv in (["--rerun", str(manifest_file)], ["--resume", str(finished_run)]):
            status, _, err = run_cli(capsys, *argv)
            assert status == 2 and "Traceback" not in err, (damage, argv, err)
            if argv[0] == "--rerun":
                assert names in err, err
