"""Hostile input (issue 26): whatever a file, a flag or an upload holds, the answer is a clear refusal.

Each test is one way an adversarial trial got past the input checks: the
input must now be refused before anything runs, with the project's own
error naming where the problem is, never a traceback, a hang or a machine
running out of memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.experiments import load_experiment
from sim.scenario import load_scenario
from sim.scenario.tomlfile import MAX_DEPTH

DEEP = "z." * 600 + "z"


@pytest.mark.unit
@pytest.mark.parametrize("where", ["scenario", "experiment"])
def test_keys_nested_hundreds_deep_are_refused_at_the_door_not_by_recursion(tmp_path, where):
    if where == "scenario":
        file = tmp_path / "deep.toml"
        file.write_text(f'extends = "ballerup_2017"\n[scenario]\nname = "deep"\n[caseworkers]\n{DEEP} = 1\n',
                        encoding="utf-8")
        load = load_scenario
    else:
        file = tmp_path / "deep.toml"
        file.write_text('name = "deep"\ntitle = "t"\nscenario = "ballerup_2017"\nyears = 1\n'
                        'outcomes = ["spend_kr.total"]\n[[variant]]\nlabel = "a"\n'
                        f'[variant.changes]\n{DEEP} = 1\n', encoding="utf-8")
        load = load_experiment
    with pytest.raises(InputError) as refused:
        load(file)
    problem = refused.value.problems[0]
    assert problem.where == str(file) and problem.path.endswith("z.z...")
    assert f"more than {MAX_DEPTH} levels" in problem.message


@pytest.mark.unit
def test_the_deepest_real_input_is_within_the_limit():
    """Every shipped experiment and scenario loads, so the limit leaves room for what inputs need."""
    from sim.experiments import experiment_names

    for name in experiment_names():
        load_experiment(name)


SLIPS = [
    ("[caseworkers]\ncount = 1e20\n", "caseworkers.count", "100,000 full-time caseworkers"),
    ("[notification]\nper_year = 1e308\n", "notification.per_year", "10,000,000 notifications per year"),
    ("[initial]\ninvestigations = 100000000\n", "initial.investigations", "2,000,000 children"),
    ("[follow_up]\nplacement_interval_days = 1e308\n", "follow_up.placement_interval_days", "10,000 days"),
    ("[placement.residential_home]\nprice_per_year = 1e308\n", "placement.residential_home.price_per_year",
     "100,000,000 kr per year"),
    ('[timeline.2018-01-01]\nnote = "x"\ncaseworkers.count = 1e20\n', "timeline.2018-01-01.caseworkers.count",
     "100,000 full-time caseworkers"),
]


@pytest.mark.unit
@pytest.mark.parametrize(("text", "path", "bound"), SLIPS)
def test_a_magnitude_no_danish_run_needs_is_refused_before_anything_runs(tmp_path, text, path, bound):
    """Each of these ran for ever, filled the memory or crashed in the adversarial trial."""
    file = tmp_path / "slip.toml"
    file.write_text(f'[scenario]\nextends = "ballerup_2017"\nname = "slip"\n{text}', encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_scenario(file)
    [problem] = refused.value.problems
    assert problem.path == path and f"is above {bound}, the most any Danish run needs" in problem.message


@pytest.mark.unit
def test_the_whole_country_as_one_municipality_is_within_every_bound(tmp_path):
    file = tmp_path / "denmark.toml"
    file.write_text('[scenario]\nname = "denmark"\nstart_date = 2020-01-01\n'
                    '[municipality]\nchildren_0_22 = 2_000_000\n', encoding="utf-8")
    scenario = load_scenario(file)
    assert scenario.population.children.value == 2_000_000


@pytest.mark.unit
def test_every_plausible_bound_is_documented_with_its_reason():
    from pathlib import Path

    from sim.scenario.plausible import PLAUSIBLE

    text = (Path(__file__).parents[1] / "docs" / "scenario.md").read_text(encoding="utf-8")
    section = text.split("## Plausible magnitudes")[1].split("\n## ")[0]
    for unit, bound in PLAUSIBLE.items():
        assert f"| {unit} | {bound.most:,.0f} | {bound.why} |" in section, unit


def infinite_spend(result):
    """A measure whose spend overflowed, as a price of 1e308 once made it."""
    from sim.montecarlo.outcomes import outcomes

    table = outcomes(result)
    return table.assign(value=table["value"].where(table["outcome"] != "spend_kr.total", float("inf")))


@pytest.mark.functional
def test_an_infinite_result_is_refused_naming_the_outcome_and_nothing_is_written(tmp_path):
    from sim.montecarlo import run_ensemble

    with pytest.raises(InputError) as refused:
        run_ensemble(["ballerup_2017"], 1, years=1, measure=infinite_spend, folder=tmp_path / "run")
    [problem] = refused.value.problems
    assert problem.where == "ballerup_2017, replication 0" and problem.path == "outcomes.spend_kr.total"
    assert not list((tmp_path / "run").glob("chunks/*.parquet"))


@pytest.mark.unit
def test_a_problem_pickled_back_from_a_worker_is_the_same_problem():
    """Errors raised in a worker process reach the command line through pickle."""
    import pickle

    from sim.errors import Problem, ScenarioError

    error = ScenarioError([Problem("f.toml", "a.b", "must be at least 0"),
                           Problem("f.toml", "c", "is required", -3)], "cannot load")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ScenarioError and str(again) == str(error) and again.problems == error.problems
    assert "got" not in str(again.problems[0])


@pytest.mark.unit
def test_every_flag_problem_of_a_run_is_reported_at_once(tmp_path, capsys):
    from sim.cli import main

    (tmp_path / "existing").mkdir()
    status = main(["run", "--years", "0", "--seed", "-1", "--scenario", "nosuch",
                   "--out", str(tmp_path / "existing")])
    err = capsys.readouterr().err
    assert status == 2 and "cannot run (4 problems)" in err
    assert all(named in err for named in ("--years", "--seed", "--out", "nosuch"))


@pytest.mark.unit
@pytest.mark.parametrize("out", ["/proc/nope", "x" * 300])
def test_an_output_folder_that_cannot_be_made_is_a_mistake_in_the_flag(tmp_path, capsys, out):
    """docs/errors.md promises exit 2 for a user's mistake; these two exited 1 with an OSError."""
    from sim.cli import main

    status = main(["run", "--years", "1", "--out", out if out.startswith("/") else str(tmp_path / out)])
    err = capsys.readouterr().err
    assert status == 2 and "--out" in err and "Traceback" not in err


@pytest.mark.unit
def test_a_cluster_address_that_is_no_address_is_named_with_the_other_flags(capsys):
    from sim.experiments.cli import main

    status = main(["caseworker_staffing", "--cluster", "garbage://", "--seed", "-1"])
    err = capsys.readouterr().err
    assert status == 2 and "--cluster: got 'garbage://'" in err and "--seed" in err


@pytest.mark.functional
@pytest.mark.slow
def test_a_damaged_batch_is_set_aside_and_run_again_on_resume(tmp_path, capsys):
    """A truncated batch file made --resume fail with a pyarrow traceback naming neither file nor remedy."""
    import json

    import pandas as pd

    from sim.experiments.cli import main

    experiment = tmp_path / "small.toml"
    experiment.write_text('name = "small"\ntitle = "t"\nscenario = "ballerup_2017"\nyears = 1\n'
                          'replications = 2\nseed = 3\noutcomes = ["spend_kr.total"]\n[[variant]]\n'
                          'label = "today"\n', encoding="utf-8")
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    for folder in (whole, cut):
        assert main([str(experiment), "--out", str(folder), "--workers", "1", "--no-progress"]) == 0
    batch = cut / "chunks" / "outcomes" / "batch-000001.parquet"
    batch.write_bytes(batch.read_bytes()[: batch.stat().st_size // 2])
    manifest = json.loads((cut / "manifest.json").read_text())
    (cut / "manifest.json").write_text(json.dumps(manifest | {"status": "interrupted"}))
    capsys.readouterr()

    assert main(["--resume", str(cut), "--workers", "1", "--no-progress"]) == 0
    assert "chunks/outcomes/batch-000001.parquet" in capsys.readouterr().out
    assert (batch.parent / "batch-000001.parquet.damaged").is_file()  # set aside, never deleted
    assert json.loads((cut / "manifest.json").read_text())["set_aside"] == [  # the batch's draws with it
        "chunks/outcomes/batch-000001.parquet", "chunks/draws/batch-000001.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(cut / "outcomes.parquet"),
                                  pd.read_parquet(whole / "outcomes.parquet"))


@pytest.mark.functional
def test_a_second_process_on_a_run_folder_is_refused_naming_the_first(tmp_path):
    """Two --resume of one folder at once both ran every remaining batch."""
    import os

    from sim.experiments import load_experiment, run_experiment
    from sim.output.lock import only_process

    folder = tmp_path / "run"
    experiment = load_experiment("waitlist_capacity")
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")  # a run folder, as far as the lock is concerned
    with only_process(folder, "--resume"), pytest.raises(InputError) as refused:
        run_experiment(experiment, folder, replications=1, seed=0)
    [problem] = refused.value.problems
    assert problem.where == "--resume" and f"is being run by process {os.getpid()} on " in problem.message
    with only_process(folder, "--resume"):  # the lock ends with its holder
        pass


@pytest.mark.functional
@pytest.mark.slow
def test_a_label_that_looks_like_a_formula_is_text_in_the_workbook(tmp_path):
    """A variant labelled '=1+1' wrote about 90 formula cells into workbook.xlsx."""
    import openpyxl

    from sim.experiments import load_experiment, run_experiment
    from sim.output.words import Labels
    from sim.report import read_run
    from sim.report.workbook import write_workbook

    file = tmp_path / "inject.toml"
    file.write_text('name = "inject"\ntitle = "=HYPERLINK(\\"http://x\\")"\nscenario = "ballerup_2017"\n'
                    'years = 1\noutcomes = ["spend_kr.*"]\n[[variant]]\nlabel = "today"\n'
                    '[[variant]]\nlabel = "=1+1"\n[variant.changes]\ncaseworkers.count = 24\n',
                    encoding="utf-8")
    run_experiment(load_experiment(file), tmp_path / "run", replications=1, seed=0)
    write_workbook(read_run(tmp_path / "run"), Labels("en"), tmp_path / "workbook.xlsx")
    book = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(cell.value == "=1+1" for cell in cells)


@pytest.mark.unit
@pytest.mark.parametrize("base", ["/etc/passwd", "../../secret.toml", "/nonexistent/x.toml", "mine.toml"])
def test_an_upload_may_extend_only_embedded_scenarios_and_earlier_uploads(tmp_path, base):
    """An upload extending /etc/passwd revealed that the file exists and where its parse failed."""
    from sim.app.workspace import Workspace

    workspace = Workspace(tmp_path)
    text = f'[scenario]\nextends = "{base}"\nname = "probe"\n'.encode()
    with pytest.raises(InputError) as refused:
        workspace.upload("probe.toml", text)
    [problem] = refused.value.problems
    assert problem.path == "scenario.extends" and "uploaded here before" in problem.message
    assert "passwd" not in problem.message and "TOML" not in str(refused.value)

    workspace.upload("mine.toml", b'[scenario]\nextends = "ballerup_2017"\nname = "mine"\n')
    assert workspace.upload("probe.toml", b'[scenario]\nextends = "mine.toml"\nname = "probe"\n') == \
        "uploads/probe.toml"


EXPERIMENT_HEAD = ('name = "e"\ntitle = "t"\nscenario = "ballerup_2017"\nyears = 1\n'
                   'outcomes = ["spend_kr.total"]\n')


@pytest.mark.unit
@pytest.mark.parametrize(("text", "path", "says"), [
    ('[[variant]]\nlabel = "a b"\n[[variant]]\nlabel = "a/b"\n', "variant.label", "one name"),
    ('[[variant]]\nlabel = "a"\n[[variant]]\nlabel = "b"\n[variant.changes.scenario]\nextends = "nosuch"\n',
     "variant 'b'.changes.scenario.extends", "laid over its base"),
    ('[[variant]]\nlabel = "a"\n[[reference]]\nlabel = "r"\nvariant = "a"\nkind = "level"\n'
     'outcome = "spend_kr.total"\nvalues = {2017 = nan}\nsource = "x"\n', "reference.0.values.2017",
     "finite"),
    ('[[variant]]\nlabel = "a"\n[[reference]]\nlabel = "r"\nvariant = "a"\nkind = "level"\n'
     'outcome = "spend_kr.total"\nvalues = {2017 = 1.0}\nunit_kr = inf\nsource = "x"\n',
     "reference.0.unit_kr", "finite"),
])
def test_what_an_experiment_file_said_silently_wrong_is_refused(tmp_path, text, path, says):
    file = tmp_path / "e.toml"
    file.write_text(EXPERIMENT_HEAD + text, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_experiment(file)
    assert [(p.path, says in p.message) for p in refused.value.problems] == [(path, True)]


SENSITIVITY_LONGER = (Path(__file__).parent / "data" / "sensitivity_small.toml").read_text(encoding="utf-8") \
    .replace('name = "sensitivity_small"', 'name = "longer"').replace("years = 1", "years = 3") \
    .replace("samples = 8", "samples = 256")


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("what", ["ensemble", "sensitivity", "calibration"])
def test_ctrl_c_in_a_terminal_stops_a_run_within_seconds(tmp_path, what):
    """Ctrl-C printed 'interrupted' at once, but the process ended 90-150 s later, waiting for its batches."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    command = {
        "ensemble": (["-m", "sim.experiments", "caseworker_staffing", "--out", str(out)], out / "chunks"),
        "sensitivity": (["-m", "sim.experiments", str(tmp_path / "longer.toml"), "--out", str(out)],
                        out / "sensitivity"),
        "calibration": (["-m", "sim.calibrate", "ballerup_2017", "--out", str(out)], out / "ensemble"),
    }
    (tmp_path / "longer.toml").write_text(SENSITIVITY_LONGER, encoding="utf-8")
    argv, started = command[what]
    def as_in_a_terminal() -> None:  # a test runner's worker may ignore Ctrl-C, and its children inherit that
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    process = subprocess.Popen([sys.executable, *argv, "--workers", "2", "--no-progress"],
                               start_new_session=True, preexec_fn=as_in_a_terminal,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not started.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process.poll() is None, process.stderr.read().decode()
    time.sleep(0.5)  # the workers are in the middle of their batches
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to its foreground process group
    pressed = time.monotonic()
    try:
        status = process.wait(timeout=30)
    finally:
        process.kill()
    assert time.monotonic() - pressed <= 5 and status == 130
    assert "interrupted" in process.stderr.read().decode()
    with pytest.raises(ProcessLookupError):  # no worker of the stopped run is left running
        os.killpg(process.pid, 0)


@pytest.mark.unit
def test_a_hostile_upload_is_refused_with_a_message_never_an_error_that_ends_a_session(tmp_path, monkeypatch):
    """A 3.6 MB workbook unpacking to 831 MB froze the app; a RecursionError disconnected the planner."""
    import zipfile

    from sim.app.server import _kept
    from sim.app.workspace import MAX_UPLOAD, Workspace

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)  # 30 MB of nothing, packed small
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (MAX_UPLOAD + 10))
    workspace = Workspace(tmp_path / "space")
    kept = dict(_kept(workspace, [("bomb.xlsx", bomb), ("huge.toml", huge)]))
    assert "unpacks to 30,000,000 bytes" in str(kept["bomb.xlsx"])
    assert f"is more than {MAX_UPLOAD:,} bytes" in str(kept["huge.toml"])

    def deep(*_):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(workspace, "upload", deep)
    [(name, refused)] = _kept(workspace, [("odd.toml", huge)])
    assert isinstance(refused, InputError) and "odd.toml: cannot be read: RecursionError" in str(refused)


HUGE = '[scenario]\nextends = "ballerup_2017"\nname = "huge"\n[notification]\nper_year = 9_000_000\n'


@pytest.mark.unit
def test_a_run_of_more_children_than_memory_holds_is_refused_with_its_estimate(tmp_path, capsys):
    """notification.per_year = 1e308 ran for ever with memory growing; within its bound it still can."""
    from sim.cli import main as sim_main
    from sim.experiments.cli import main
    from sim.montecarlo import run_ensemble

    (tmp_path / "huge.toml").write_text(HUGE, encoding="utf-8")
    with pytest.raises(InputError, match="about 90,001,188 children, about 300.0 min of one core, more "
                                         "than the 150,000"):
        run_ensemble([tmp_path / "huge.toml"], 2, years=10)
    (tmp_path / "e.toml").write_text(EXPERIMENT_HEAD.replace("ballerup_2017", str(tmp_path / "huge.toml"))
                                     + '[[variant]]\nlabel = "a"\n', encoding="utf-8")
    assert main([str(tmp_path / "e.toml"), "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    assert "give --force" in capsys.readouterr().err and not (tmp_path / "run").exists()
    assert sim_main(["run", "--scenario", str(tmp_path / "huge.toml"), "--out", str(tmp_path / "one")]) == 2


@pytest.mark.unit
def test_many_small_runs_beyond_the_work_allowed_unasked_are_refused():
    from sim.model.work import MAX_WORK, Work, work_problems

    work = Work({"a": 50_000, "b": 50_000}, 10_000)
    [problem] = work_problems(work, "--force")
    assert work.total > MAX_WORK and problem.path == "" and "about 1,000,000,000 children" in problem.message
    assert not work_problems(Work({"a": 50_000, "b": 50_000}, 100))


@pytest.mark.functional
def test_the_estimate_is_within_a_factor_two_of_the_children_a_run_meets():
    import sim
    from sim.model.work import children

    scenario = sim.load_scenario("ballerup_2017")
    met = len(sim.run(scenario, years=5, seed=1).tables["children"])
    assert met / 2 <= children(scenario, 5) <= met * 2



@pytest.mark.unit
def test_every_error_title_says_what_could_not_be_done_as_a_sentence():
    """Printed as ``error: TITLE (N problems):``, a title reads on from ``error:`` as a clause with its verb.

    Errors raised without a title came out as ``error: invalid input``, which says nothing.
    """
    import ast
    import re

    import sim

    clause = re.compile(r"^(cannot [a-z]|[a-z].* (cannot|is not|are not|do not) [a-z])[^.]*[a-z]$")
    titles = 0
    for file in Path(sim.__file__).parent.rglob("*.py"):
        for call in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            errors = ("InputError", "ScenarioError")
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") in errors):
                continue
            where = f"{file.name}:{call.lineno}"
            assert len(call.args) == 2, f"{where}: an error without a title"
            title = call.args[1]
            if isinstance(title, ast.Constant | ast.JoinedStr):  # else a title passed in by the caller
                text = title.value if isinstance(title, ast.Constant) else \
                    re.sub(r"{[^}]*}", "thing", ast.unparse(title)[2:-1])  # what is filled in, a name
                assert clause.match(text), f"{where}: {text!r} does not read as a sentence after 'error:'"
                titles += 1
    assert titles > 50


@pytest.mark.unit
@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
@pytest.mark.parametrize("path", ["initial.home_based_measures", "initial.placements.foster_family",
                                  "placement.foster_family.duration_days"])
def test_a_non_finite_count_that_sizes_the_places_is_named_not_a_crash(tmp_path, path, value):
    """Found by tests/fuzz_runs.py: places derived from -inf measures gave an OverflowError traceback."""
    file = tmp_path / "odd.toml"
    file.write_text(f'{path}.value = {value}\n[scenario]\nextends = "ballerup_2017"\nname = "odd"\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_scenario(file)
    assert any(problem.path.startswith(path) for problem in refused.value.problems), str(refused.value)
