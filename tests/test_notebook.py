"""Working from Python: an ensemble's plots, its report, and the worked example of docs/howto/notebook.md.

The plots are checked on a small ensemble made up in place (no run); the
page's example, which runs a real ensemble of 2 replications of 2 years and
writes its report, is run block by block as a reader would.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments.report import plot_outcomes
from sim.montecarlo import Ensemble
from sim.report import REPORT, WORKBOOK, make_report, read_run

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAGE = Path(__file__).resolve().parent.parent / "docs" / "howto" / "notebook.md"


def made_up(scenarios: tuple[str, ...] = ("base", "more", "fewer")) -> Ensemble:
    """An ensemble of 3 replications of 2 years of spend and a share, numbers made up."""
    rows = [{"scenario": name, "replication": k, "seed": k, "year": year, "outcome": outcome,
             "value": (1e8 if outcome == "spend_kr.total" else 0.3) * (1 + i / 10 + k / 100)}
            for i, name in enumerate(scenarios) for k in range(3) for year in (2017, 2018)
            for outcome in ("spend_kr.total", "external_share.dut")]
    outcomes = pd.DataFrame(rows).astype({"scenario": "string"})
    draws = pd.DataFrame(columns=["scenario", "replication", "path", "value"])
    return Ensemble(outcomes, draws, scenarios, 3, 0, 2, "stochastic")


@pytest.mark.unit
def test_plot_draws_one_line_per_scenario_in_the_unit_of_the_registry():
    ensemble = made_up()
    axes = ensemble.plot("spend_kr.total")
    assert [line.get_label() for line in axes.get_lines()] == ["base", "more", "fewer"]
    assert axes.get_ylabel() == "mio kr, median and 90% interval"
    assert list(axes.get_lines()[0].get_ydata()) == pytest.approx([101.0, 101.0])  # the median, in mio kr
    assert ensemble.plot("external_share.dut").get_ylabel().startswith("%")
    figure, (left, right) = plt.subplots(1, 2)
    assert ensemble.plot("spend_kr.total", ax=right) is right and not left.get_lines()
    plt.close("all")


@pytest.mark.unit
def test_plot_difference_draws_each_other_scenario_minus_the_baseline():
    ensemble = made_up()
    axes = ensemble.plot_difference("spend_kr.total")
    *lines, zero = axes.get_lines()
    assert {line.get_label(): list(line.get_ydata()) for line in lines} == {
        "more": pytest.approx([10.0, 10.0]), "fewer": pytest.approx([20.0, 20.0])}
    assert list(zero.get_ydata()) == [0, 0]
    assert [line.get_label() for line in ensemble.plot_difference("spend_kr.total", baseline="more")
            .get_lines()[:-1]] == ["base", "fewer"]
    plt.close("all")


@pytest.mark.unit
def test_the_plots_of_a_run_leave_a_notebooks_backend_as_it_was(tmp_path):
    """make_report(ensemble) writes a run's plots/; an inline backend must still show the next plot."""
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        written = plot_outcomes(made_up().summary(), ["spend_kr.total"], ("base", "more"), tmp_path)
        assert matplotlib.get_backend() == "svg" and [p.name for p in written] == ["spend_kr.total.png"]
    finally:
        matplotlib.use(before)


@pytest.mark.unit
def test_a_plot_of_what_the_ensemble_lacks_is_refused_with_the_nearest_name():
    with pytest.raises(InputError, match="did you mean 'spend_kr.total'"):
        made_up().plot("spend_kr.totl")
    with pytest.raises(InputError, match="must be one of"):
        made_up().plot_difference("spend_kr.total", baseline="nobody")
    with pytest.raises(InputError, match="needs a second scenario"):
        made_up(("base",)).plot_difference("spend_kr.total")


@pytest.mark.unit
def test_a_report_of_an_ensemble_needs_a_new_folder_and_its_scenarios(tmp_path):
    with pytest.raises(InputError, match="make_report\\(ensemble, out=FOLDER\\)"):
        make_report(made_up())
    with pytest.raises(InputError, match="holds no scenario"):  # made up, not run: no scenarios kept
        make_report(made_up(), "en", out=tmp_path / "report")
    assert not (tmp_path / "report").exists()


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, dict]:
    """The folder the page's example ran in, and its names, once every Python block of the page has run."""
    folder = tmp_path_factory.mktemp("notebook")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    here = os.getcwd()
    os.chdir(folder)
    try:
        for block in blocks:
            exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own documentation
    finally:
        os.chdir(here)
        plt.close("all")
    return folder, namespace


@pytest.mark.functional
@pytest.mark.slow
def test_the_worked_example_builds_plots_and_reports_an_ensemble_of_a_variant_in_code(example):
    folder, names = example
    ensemble = names["ensemble"]
    assert ensemble.scenarios == ("ballerup_2017", "four_hired")
    assert len(names["axes"].get_lines()) == 2 and len(names["difference"].get_lines()) == 2
    run = folder / "staffing-report"
    assert (run / REPORT).is_file() and (run / WORKBOOK).is_file()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["replications"] == 2
    read = read_run(run)  # the scenarios as run, each checked against its fingerprint
    assert read.title == "4 or 12 extra caseworkers"
    assert read.scenarios["four_hired"].fingerprint() == names["fewer"].fingerprint()
    assert {(c.date.isoformat(), c.value, c.note) for c in read.scenarios["four_hired"].timeline
            if c.path == "caseworkers.count"} == {("2017-02-01", 24.0, "only 4 hired")}
    assert sorted(p.name for p in (run / "plots").iterdir()) == sorted(
        f"{outcome}.png" for outcome in read.outcomes)
    summary = pd.read_parquet(run / "summary.parquet")
    mine = summary[(summary["outcome"] == "spend_kr.total") & (summary["scenario"] == "four_hired")]
    expected = ensemble.summary()
    expected = expected[(expected["outcome"] == "spend_kr.total") & (expected["scenario"] == "four_hired")]
    assert list(mine["median"]) == list(expected["median"])  # the report's numbers are the ensemble's
