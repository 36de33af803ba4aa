"""The command line ``python -m sim``: what it prints, what it writes, and how it refuses.

Mistakes in flags or the scenario end with status 2, a message naming the
flag or parameter, no traceback, and nothing written or overwritten.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import cli
from sim.measures import LEVELS
from sim.output.words import Labels
from sim.scenario.schema import Scenario

pytestmark = pytest.mark.functional


def python_m_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def refused(argv: list[str], capsys) -> str:
    """stderr of an in-process run that must end with status 2 (argparse's own exit included)."""
    try:
        status = cli.main(argv)
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_run_prints_the_budget_frame_and_writes_every_table(tmp_path):
    done = python_m_sim("run", "--years", "2", "--seed", "3", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for heading in ("Spend (1,000 kr)", "Full-year persons", "2017", "2018"):
        assert heading in done.stdout
    spend = done.stdout.split("Spend (1,000 kr)\n")[1].splitlines()[1:8]
    english = Labels("en")  # the rows are the levels as the word table names them, then the two totals
    assert [re.split(r"\s{2,}", line)[0] for line in spend] == [
        english.row(name) for name in [*LEVELS, "total", "total_with_authority"]]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.csv" for name in sim.TABLES] + ["manifest.json", "scenario.json"]
    )
    expected = sim.run("ballerup_2017", years=2, seed=3)
    for name in ("budget_frame", "spells", "waits"):
        written = pd.read_csv(out / f"{name}.csv")
        assert list(written.columns) == list(expected.tables[name].columns)
        assert len(written) == len(expected.tables[name])
    budget = pd.read_csv(out / "budget_frame.csv")
    assert budget["spend_kr"].to_numpy() == pytest.approx(expected.budget_frame["spend_kr"].to_numpy())
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["seed"], manifest["years"], manifest["scenario"]["name"]) == (3, 2, "ballerup_2017")
    resolved = Scenario.model_validate_json((out / "scenario.json").read_text())
    assert resolved.fingerprint() == manifest["scenario"]["fingerprint"] == expected.scenario.fingerprint()


def test_default_folders_are_new_under_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--years", "1"]) == 0
    assert cli.main(["run", "--years", "1"]) == 0
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 2
    assert all(f.name.startswith("run-ballerup_2017-seed0-1y-") for f in folders)
    assert all((f / "manifest.json").is_file() for f in folders)
    assert "Tables written to results" in capsys.readouterr().out


def test_an_existing_out_folder_is_never_overwritten(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    err = refused(["run", "--years", "1", "--out", "out"], capsys)
    assert "--out" in err and "already exists" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


def test_a_bad_scenario_is_reported_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(
        '[scenario]\nextends = "ballerup_2017"\n[notification]\nper_yer = 400\n[services.dut]\nplaces = -1\n'
    )
    err = refused(["run", "--scenario", "bad.toml"], capsys)
    assert "2 problems" in err
    assert "bad.toml: notification.per_yer: unknown parameter; did you mean 'per_year'?" in err
    assert "services.dut.places" in err
    assert not Path("results").exists()


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--years", "0"], "--years"),
        (["--years", "-1"], "--years"),
        (["--years", "101"], "--years"),
        (["--years", "two"], "--years"),
        (["--seed", "abc"], "--seed"),
        (["--seed", "-1"], "--seed"),
        (["--scenario", "no_such_place"], "no_such_place"),
        (["--out", "a_file/out"], "not a writable folder"),
    ],
)
def test_bad_flags_exit_with_status_2_naming_the_flag(flags, named, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("a_file").write_text("")
    err = refused(["run", *flags], capsys)
    assert named in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_bad_flags_are_reported_together(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    err = refused(["run", "--years", "0", "--seed", "-5"], capsys)
    assert "2 problems" in err and "--years" in err and "--seed" in err


def test_a_failed_write_leaves_no_folder_behind(tmp_path, monkeypatch):
    result = sim.run("ballerup_2017", years=1, seed=0)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(OSError):
        result.write(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_the_real_entry_point_refuses_without_a_traceback(tmp_path):
    done = python_m_sim("run", "--years", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--years" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_scenarios_lists_the_embedded_ones(capsys):
    assert cli.main(["scenarios"]) == 0
    assert capsys.readouterr().out.split() == sim.embedded_names()
