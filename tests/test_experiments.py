"""Experiments as data and ``python -m sim.experiments``: files checked up front, run folders, resume."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments import experiment_names, load_experiment
from sim.experiments.cli import main
from sim.experiments.definition import experiment_files, shipped_folder
from sim.montecarlo import run_ensemble
from sim.output.manifest import git_commit, package_version

SHIPPED = ("caseworker_staffing", "early_detection", "investment_replay", "price_drift", "waitlist_capacity")

SMALL = """
name = "{name}"
title = "A small test experiment"
scenario = "ballerup_2017"
years = 1
replications = 2
seed = 3
outcomes = ["median_wait_days.familiehus", "spend_kr.*"]

[sweep]
labels = ["today", "more places"]
parameters."services.familiehus.places" = [180, 220]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.unit
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_experiment_is_valid(name):
    assert set(SHIPPED) <= set(experiment_names())
    experiment = load_experiment(name)
    assert len(experiment.scenarios) >= 2
    assert experiment.outcomes
    fingerprints = {s.fingerprint() for s in experiment.scenarios.values()}
    assert len(fingerprints) == len(experiment.scenarios)  # every variant differs from the others


@pytest.mark.unit
def test_a_sweep_sets_each_value_from_its_date():
    experiment = load_experiment("waitlist_capacity")
    path = "services.familiehus.places"
    places = {label: [(c.date.isoformat(), c.value) for c in s.timeline if c.path == path]
              for label, s in experiment.scenarios.items()}
    assert places["today"] == [("2018-01-01", 215)]
    assert places["+30 places each"] == [("2018-01-01", 245)]
    assert experiment.baseline == "today"


@pytest.mark.unit
def test_outcome_patterns_select_names_in_the_order_given(tmp_path):
    experiment = load_experiment(write(tmp_path, "small", SMALL.format(name="small")))
    assert experiment.outcomes[0] == "median_wait_days.familiehus"
    assert set(experiment.outcomes[1:]) == {
        "spend_kr.preventive", "spend_kr.home_based", "spend_kr.placement", "spend_kr.small_children_special",
        "spend_kr.authority", "spend_kr.total", "spend_kr.total_with_authority",
    }


@pytest.mark.unit
def test_the_replay_lays_only_the_decision_over_the_2016_municipality():
    """The two variants of the replay differ in the decision of 2016 and in nothing else."""
    scenarios = load_experiment("investment_replay").scenarios
    taken, without = scenarios["the decision as taken"], scenarios["without the decision"]
    assert [(c.path, c.value) for c in taken.timeline] == [("caseworkers.count", 32), ("reform.practised", 1)]
    assert not without.timeline
    assert taken.caseworkers.count.value == without.caseworkers.count.value == 20
    assert taken.placement.residential_home.price_per_year.value == 957_514  # 2016's price, carried on


REFERENCES = """
[[reference]]
label = "A published saving"
outcome = "spend_kr.total"
variant = "more places"
values = { 2017 = -1.5 }
unit_kr = 1_000_000
source = "a test"

[[reference]]
label = "A published level"
outcome = "median_wait_days.familiehus"
variant = "today"
kind = "level"
values = { 2017 = 40 }
source = "a test"
"""


@pytest.mark.functional
@pytest.mark.slow
def test_published_figures_are_set_beside_the_simulated_ones(tmp_path, capsys):
    experiment = write(tmp_path, "small", SMALL.format(name="small") + REFERENCES)
    folder = tmp_path / "run"
    status, out, err = run_cli(capsys, str(experiment), "--out", str(folder))
    assert status == 0, err
    assert "Published figures beside the simulation" in out and "A published level" in out
    table = pd.read_csv(folder / "references.csv")
    assert list(table["reference"]) == ["A published saving", "A published level"]
    assert list(table["published"]) == [-1.5, 40.0]
    comparison = pd.read_csv(folder / "comparison.csv")
    saving = comparison[(comparison["outcome"] == "spend_kr.total") & (comparison["year"] == 2017)]
    assert table["median"].iloc[0] == pytest.approx(saving["median"].iloc[0] / 1e6)
    summary = pd.read_csv(folder / "summary.csv")
    wait = summary[(summary["outcome"] == "median_wait_days.familiehus") & (summary["scenario"] == "today")]
    assert table["p95"].iloc[1] == pytest.approx(wait["p95"].iloc[0])


@pytest.mark.unit
def test_bad_references_and_change_sets_are_named(tmp_path):
    text = SMALL.format(name="small") + REFERENCES
    text = text.replace('variant = "more places"', 'variant = "mor places"')
    text = text.replace('kind = "level"\n', "").replace("2017 = 40", "2031 = 40")
    text = text.replace('outcome = "spend_kr.total"', 'outcome = "spend_kr.totl"')
    text = text.replace("[sweep]", '[[variant]]\nlabel = "x"\napply = ["nothing"]\n\n[sweep]')
    with pytest.raises(InputError) as error:
        load_experiment(write(tmp_path, "small", text))
    messages = str(error.value)
    for expected in ("reference.0.variant", "did you mean 'more places'", "reference.0.outcome",
                     "reference.1.variant", "is the baseline", "reference.1.values.2031", "2017 to 2017",
                     "apply", "nothing"):
        assert expected in messages, expected


BAD = """
name = "bad"
title = "Everything wrong at once"
outcomes = ["spend_kr.totl"]
baseline = "nobody"

[[variant]]
label = "a"
changes.services.familiehus.placse = 10

[[variant]]
label = "a"

[[variant]]
label = "b"
changes.caseworkers.count = -3
"""


@pytest.mark.unit
def test_every_problem_of_an_experiment_is_reported_at_once(tmp_path):
    with pytest.raises(InputError) as error:
        load_experiment(write(tmp_path, "bad", BAD))
    text = str(error.value)
    for expected in ("outcomes.0", "did you mean 'spend_kr.total'", "baseline", "'nobody'",
                     "variant.label", "placse", "did you mean 'places'", "caseworkers.count", "-3"):
        assert expected in text, expected
    assert len(error.value.problems) == 5


@pytest.mark.unit
@pytest.mark.parametrize(("text", "expected"), [
    ("replicatons = 3\n" + SMALL.format(name="typo"), "replicatons: unknown"),
    (SMALL.format(name="typo").replace("years = 1", "years = 0"), "years"),
    (SMALL.format(name="typo").replace('"more places"]', '"more places", "third"]'), "2 values for 3 labels"),
    (SMALL.format(name="other"), "must be the file's name"),
    ('uncertainty = "both"\n' + SMALL.format(name="typo"), "uncertainty: got 'both'"),
])
def test_a_bad_field_is_named(tmp_path, text, expected):
    with pytest.raises(InputError, match=expected):
        load_experiment(write(tmp_path, "typo", text))


# -- the command line ---------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main([*argv, "--workers", "1", "--no-progress"])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.functional
@pytest.mark.slow
def test_a_run_prints_the_comparison_and_writes_a_complete_folder(tmp_path, capsys):
    experiment = write(tmp_path, "small", SMALL.format(name="small"))
    folder = tmp_path / "run"
    status, out, err = run_cli(capsys, str(experiment), "--out", str(folder))
    assert status == 0, err
    assert "median_wait_days.familiehus" in out and "P(lower)" in out and "paired difference" in out
    # the console ends with the verdict over the period, read off the period's own table
    verdict = out.rstrip().splitlines()[-2:]
    assert verdict[0].startswith("Verdict 2017-2017: spend_kr.total_with_authority summed over the years")
    total = pd.read_parquet(folder / "period_comparison.parquet").query(
        "outcome == 'spend_kr.total_with_authority'").iloc[0]
    assert verdict[1] == (f"  'more places': {total['median'] / 1e6:,.1f} [{total['p5'] / 1e6:,.1f} to "
                          f"{total['p95'] / 1e6:,.1f}], P(lower over the period) {total['p_lower']:.2f}")
    for name in ("manifest.json", "outcomes.parquet", "draws.parquet", "summary.parquet", "summary.csv",
                 "comparison.parquet", "comparison.csv", "period_summary.csv", "period_comparison.parquet",
                 "ensemble.json"):
        assert (folder / name).is_file(), name
    plots = sorted(p.name for p in (folder / "plots").iterdir())
    assert len(plots) == 8 and "median_wait_days.familiehus.png" in plots
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["replications"] == 2 and manifest["seed"] == 3
    assert list(manifest["scenarios"]) == ["today", "more places"]
    assert manifest["experiment"]["sha256"] and manifest["finished"]
    # a commit only where barnesim's source is a git checkout (not in an installed copy or an archive)
    assert (manifest["git_commit"] is None) == (git_commit() is None)
    assert manifest["barnesim_version"] == package_version()
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    again = run_ensemble(load_experiment(experiment).scenarios, 2, 3, years=1)
    pd.testing.assert_frame_equal(outcomes, again.outcomes, check_dtype=False)
    comparison = pd.read_csv(folder / "comparison.csv")
    assert set(comparison["scenario"]) == {"more places"} and set(comparison["baseline"]) == {"today"}


@pytest.fixture(scope="module")
def small_once(tmp_path_factory) -> Path:
    """A complete run of :data:`SMALL` from the command line, made once for the tests that start from one."""
    here = tmp_path_factory.mktemp("small")
    folder = here / "run"
    experiment = write(here, "small", SMALL.format(name="small"))
    assert main([str(experiment), "--out", str(folder), "--workers", "1", "--no-progress"]) == 0
    return folder


@pytest.fixture
def small_run(small_once, tmp_path) -> Path:
    """A copy of :func:`small_once` of the test's own, to resume or change."""
    folder = tmp_path / "run"
    shutil.copytree(small_once, folder)
    return folder


@pytest.mark.functional
@pytest.mark.slow
def test_resuming_with_more_replications_extends_the_run(small_run, tmp_path, capsys):
    experiment = write(tmp_path, "small", SMALL.format(name="small"))
    folder = small_run
    status, _, err = run_cli(capsys, "--resume", str(folder), "--replications", "3")
    assert status == 0, err
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["replications"] == 3 and manifest["resumed"] and manifest["status"] == "complete"
    fresh = run_ensemble(load_experiment(experiment).scenarios, 3, 3, years=1)
    written = pd.read_parquet(folder / "outcomes.parquet")
    pd.testing.assert_frame_equal(written, fresh.outcomes, check_dtype=False)


@pytest.mark.functional
@pytest.mark.slow
def test_resuming_with_another_seed_is_refused_and_leaves_the_run_as_it_was(small_run, capsys):
    folder = small_run
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    status, _, err = run_cli(capsys, "--resume", str(folder), "--seed", "9")
    assert status == 2 and "seed" in err and "got 9" in err
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.functional
def test_an_existing_folder_is_never_overwritten(tmp_path, capsys):
    experiment = write(tmp_path, "small", SMALL.format(name="small"))
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep")
    status, out, err = run_cli(capsys, str(experiment), "--out", str(folder))
    assert status == 2 and "already exists" in err and "Traceback" not in err
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]


@pytest.mark.functional
def test_bad_flags_and_files_exit_2_before_anything_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = write(tmp_path, "bad", BAD)
    for argv in ([str(bad)], ["small_typo"], ["waitlist_capacity", "--replications", "0", "--precision", "2"],
                 ["--resume", str(tmp_path / "nowhere")], []):
        status, _, err = run_cli(capsys, *argv)
        assert status == 2 and err.startswith("error:") and "Traceback" not in err, argv
    assert not (tmp_path / "results").exists()


@pytest.mark.functional
def test_list_names_every_experiment_with_its_title(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no experiments/ here: only the shipped ones
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in SHIPPED:
        assert re.search(rf"^{name} +shipped +", out, re.MULTILINE), name
    assert load_experiment("price_drift").definition.title in out
    assert str(shipped_folder()) in out


@pytest.mark.functional
def test_an_experiment_of_the_working_folder_goes_before_the_shipped_one_and_list_says_so(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    shipped = load_experiment("price_drift")
    assert shipped.path == shipped_folder() / "price_drift.toml"
    mine = shipped.text.replace(shipped.definition.title, "My own price drift", 1)
    write(tmp_path / "experiments", "price_drift", mine)
    write(tmp_path / "experiments", "small", SMALL.format(name="small"))
    assert load_experiment("price_drift").definition.title == "My own price drift"
    assert load_experiment("waitlist_capacity").path.parent == shipped_folder()
    assert experiment_files()["price_drift"] == [Path("experiments/price_drift.toml"),
                                                 shipped_folder() / "price_drift.toml"]
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^price_drift +experiments/price_drift.toml \(instead of the shipped one\) +My own",
                     out, re.MULTILINE)
    assert re.search(r"^small +experiments/small.toml +A small test experiment", out, re.MULTILINE)
    assert load_experiment(shipped.path).definition.title == shipped.definition.title  # a path still works


@pytest.mark.functional
@pytest.mark.slow
def test_a_run_on_a_dask_cluster_gives_the_same_tables(small_once, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    experiment = write(tmp_path, "small", SMALL.format(name="small"))
    here = small_once  # the same experiment run in this process, only read here
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        status, _, err = run_cli(capsys, str(experiment), "--out", str(tmp_path / "there"),
                                 "--cluster", cluster.scheduler_address)
    assert status == 0, err
    manifest = json.loads((tmp_path / "there" / "manifest.json").read_text())
    assert manifest["executor"] == f"dask cluster {cluster.scheduler_address}"
    for name in ("outcomes.parquet", "summary.parquet", "comparison.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(here / name),
                                      pd.read_parquet(tmp_path / "there" / name))
