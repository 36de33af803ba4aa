"""Sensitivity analysis: indices that find the one driver and ignore what cannot matter, on the real model.

The small experiment (tests/data/sensitivity_small.toml) varies three
assumptions. Its answers are built so the right result is known: the staff
cost of 32 caseworkers depends on the salary and on nothing else; the
Familiehus price moves neither the staff cost nor the number of placed
children; the salary does not move the placements either.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import SCREENSHOTS, SENSITIVITY_EXPERIMENT
from hypothesis import given
from hypothesis import strategies as st
from test_docs import DOCS, first_cells, sections

from sim.errors import InputError
from sim.experiments import load_experiment
from sim.experiments.report import sensitivity_text
from sim.montecarlo.draws import assumptions, value_at
from sim.report import make_report
from sim.scenario import load_scenario
from sim.sensitivity import COLUMNS, run_sensitivity
from sim.sensitivity.design import Design, factors
from sim.sensitivity.settings import Answer, Sensitivity

SALARY = "caseworkers.salary_per_year"
ELASTICITY = "follow_up.caseload_elasticity"
PRICE = "services.familiehus.price_per_place_year"
STAFF_COST = "Staff cost with 32"
PLACEMENTS = "Placements, 32 minus 20"


@pytest.fixture(scope="module")
def indices(sensitivity_run) -> pd.DataFrame:
    return pd.read_parquet(sensitivity_run / "sensitivity.parquet")


def row(indices: pd.DataFrame, answer: str, parameter: str) -> pd.Series:
    return indices[(indices["answer"] == answer) & (indices["parameter"] == parameter)].iloc[0]


@pytest.mark.functional
@pytest.mark.slow
def test_an_assumption_that_cannot_matter_has_indices_of_zero(indices):
    """Common random numbers make 'no effect' exactly zero, not 0.10 +- 0.04 of noise."""
    for answer, parameter in ((STAFF_COST, PRICE), (STAFF_COST, ELASTICITY), (PLACEMENTS, SALARY),
                              (PLACEMENTS, PRICE)):
        found = row(indices, answer, parameter)
        assert found["mu_star"] == pytest.approx(0, abs=1e-9), (answer, parameter)
        assert found["sigma"] == pytest.approx(0, abs=1e-9), (answer, parameter)
        if pd.notna(found["ST"]):
            assert abs(found["S1"]) <= 1e-9 and found["ST"] <= 1e-9, (answer, parameter)


@pytest.mark.functional
@pytest.mark.slow
def test_an_answer_that_hangs_on_one_assumption_ranks_it_first_with_the_variance(indices):
    mine = indices[indices["answer"] == STAFF_COST].set_index("parameter")
    assert mine.loc[SALARY, "rank"] == 1
    assert mine.loc[SALARY, "ST"] > 0.5 and mine.loc[SALARY, "S1"] > 0.5
    assert mine.loc[SALARY, "mu_star"] > 0
    # low to high end of the salary range: 20 workers in January and 32 from February (30.98 on average)
    low, high = mine.loc[SALARY, ["low", "high"]]
    assert mine.loc[SALARY, "mu"] == pytest.approx(30.98 * (high - low), rel=0.002)
    assert mine.loc[SALARY, "high_end"] - mine.loc[SALARY, "low_end"] == pytest.approx(mine.loc[SALARY, "mu"])


@pytest.mark.functional
@pytest.mark.slow
def test_the_caseload_effect_drives_the_placements_the_staffing_saves(indices):
    mine = indices[indices["answer"] == PLACEMENTS].set_index("parameter")
    assert mine.loc[ELASTICITY, "rank"] == 1 and mine.loc[ELASTICITY, "mu_star"] > 0
    assert mine.loc[ELASTICITY, "mu"] < 0  # a stronger caseload effect: more placements saved


@pytest.mark.functional
@pytest.mark.slow
def test_the_sobol_stage_takes_the_strongest_from_screening(sensitivity_run, indices):
    design = pd.read_parquet(sensitivity_run / "sensitivity" / "design.parquet")
    sobol = design[design["stage"] == "sobol"]
    assert set(sobol["parameter"]) == {SALARY, ELASTICITY}
    assert sobol["point"].nunique() == 8 * (2 + 2)  # samples x (factors + 2)
    morris = design[design["stage"] == "morris"]
    assert morris["point"].nunique() == 2 * (3 + 1)  # trajectories x (factors + 1)
    never = indices[indices["parameter"] == PRICE]
    assert never["ST"].isna().all() and (never["rank"] == 3).all()
    assert list(indices.columns) == COLUMNS


@pytest.mark.functional
@pytest.mark.slow
def test_monte_carlo_noise_is_measured_beside_the_indices(sensitivity_run):
    answers = pd.read_parquet(sensitivity_run / "sensitivity_answers.parquet")
    staff = answers[answers["answer"] == STAFF_COST]
    assert (staff["noise_share"] == 0).all()  # no luck in a salary bill
    placed = answers[answers["answer"] == PLACEMENTS]
    assert (placed["noise_sd"] > 0).all() and (placed["replications"] == 2).all()
    values = pd.read_parquet(sensitivity_run / "sensitivity" / "values.parquet")
    sobol = values[(values["stage"] == "sobol") & (values["answer"] == PLACEMENTS)]
    means = sobol.groupby("point")["value"].mean()
    assert placed.set_index("stage").loc["sobol", "sd"] == pytest.approx(means.std(ddof=1))


@pytest.mark.functional
@pytest.mark.slow
def test_a_finished_analysis_is_read_back_not_run_again(sensitivity_run, indices):
    batches = sorted((sensitivity_run / "sensitivity").rglob("batch-*.parquet"))
    stamps = [f.stat().st_mtime_ns for f in batches]
    again = run_sensitivity(load_experiment(SENSITIVITY_EXPERIMENT), 3, folder=sensitivity_run)
    assert [f.stat().st_mtime_ns for f in batches] == stamps
    pd.testing.assert_frame_equal(again.indices, indices)


@pytest.mark.functional
@pytest.mark.slow
def test_an_interrupted_analysis_resumes_to_the_same_indices(sensitivity_run, indices, tmp_path):
    """Batches lost part-way through both stages are run again; the rest are read back."""
    folder = tmp_path / "interrupted"
    shutil.copytree(sensitivity_run / "sensitivity", folder / "sensitivity")
    for stage in ("morris", "sobol"):
        for kind in ("outcomes", "draws"):
            for batch in sorted((folder / "sensitivity" / stage / "chunks" / kind).glob("batch-*"))[-2:]:
                batch.unlink()
    resumed = run_sensitivity(load_experiment(SENSITIVITY_EXPERIMENT), 3, folder=folder)
    pd.testing.assert_frame_equal(resumed.indices, indices)


@pytest.mark.functional
@pytest.mark.slow
def test_on_a_dask_cluster_the_analysis_gives_the_sequential_indices(tmp_path):
    distributed = pytest.importorskip("distributed")
    text = SENSITIVITY_EXPERIMENT.read_text().replace('name = "sensitivity_small"', 'name = "screening"')
    text = text.replace("sobol_parameters = 2", "sobol_parameters = 0")
    # one replication a point: the claim is that the cluster gives the same numbers, which needs no noise
    text = text.replace("replications = 2\ntrajectories", "replications = 1\ntrajectories")
    path = tmp_path / "screening.toml"
    path.write_text(text)
    experiment = load_experiment(path)
    alone = run_sensitivity(experiment, 5)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = run_sensitivity(experiment, 5, executor=client)
    pd.testing.assert_frame_equal(alone.indices, on_dask.indices)
    pd.testing.assert_frame_equal(alone.values, on_dask.values)
    assert alone.indices["ST"].isna().all() and set(alone.design["stage"]) == {"morris"}
    assert set(alone.values["replication"]) == {0}


@pytest.mark.functional
@pytest.mark.slow
def test_the_run_folder_records_the_analysis(sensitivity_run):
    manifest = json.loads((sensitivity_run / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["sensitivity"] == {"assumptions": 3, "sobol_assumptions": 2,
                                       "points": {"morris": 8, "sobol": 32}}
    for name in ("sensitivity.csv", "sensitivity_answers.csv"):
        assert (sensitivity_run / name).is_file()


@pytest.mark.functional
@pytest.mark.slow
def test_the_printed_table_lists_the_drivers_strongest_first(sensitivity_run, indices):
    answers = pd.read_parquet(sensitivity_run / "sensitivity_answers.parquet")
    text = sensitivity_text(indices, answers)
    staff = text[text.index(STAFF_COST):text.index(PLACEMENTS)]
    assert staff.index(SALARY) < staff.index(ELASTICITY) and staff.index(SALARY) < staff.index(PRICE)
    assert "1,000 kr" in staff and "noise share" in staff


@pytest.mark.functional
@pytest.mark.parametrize("module", ["sim.sensitivity", "sim.experiments", "sim.report"])
def test_each_package_imports_first_in_a_fresh_interpreter(module):
    """The experiments and the sensitivity analysis use each other; neither needs the other loaded first."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the design ---------------------------------------------------------------------------------


@pytest.mark.property
@given(st.floats(0, 1), st.floats(0, 1))
def test_positions_give_values_in_the_range_in_order_and_whole_where_whole(first, second):
    found = assumptions(load_scenario("ballerup_2017"))
    for quantity in (found["services.familiehus.places"], found[SALARY]):
        low, high = quantity.range
        a, b = value_at(quantity, min(first, second)), value_at(quantity, max(first, second))
        assert low <= a <= b <= high
        if isinstance(quantity.value, int):
            assert float(a).is_integer() and float(b).is_integer()


@pytest.mark.unit
def test_whole_numbers_take_each_value_of_their_range_equally_often():
    places = assumptions(load_scenario("ballerup_2017"))["initial.investigations"]  # 40 to 110
    values = [value_at(places, p) for p in (np.arange(71 * 100) + 0.5) / (71 * 100)]
    assert set(np.unique(values, return_counts=True)[1]) == {100}


@pytest.mark.unit
def test_a_lever_is_not_varied_and_the_design_stays_in_the_ranges():
    base = load_scenario("ballerup_2017")
    more = load_scenario("ballerup_2017_familiehus_plus_10")  # Familiehus places change in 2019
    chosen = factors([base, more], ["services.familiehus.*", "initial.*"])
    assert [f.path for f in chosen] == ["initial.investigations", "services.familiehus.external_after_days",
                                        "services.familiehus.price_per_place_year"]
    design = Design.morris(chosen, 3, 4, seed=1).table()
    for factor in chosen:
        values = design[design["parameter"] == factor.path]["value"]
        assert values.between(*factor.quantity.range).all()
        assert values.nunique() > 1


@pytest.mark.unit
def test_every_problem_of_a_sensitivity_table_is_named(tmp_path):
    text = SENSITIVITY_EXPERIMENT.read_text().replace('name = "sensitivity_small"', 'name = "bad"')
    text = text.replace('variant = "32"\nkind = "difference"', 'variant = "20"\nkind = "difference"')
    text = text.replace('outcome = "spend_kr.authority"', 'outcome = "spend_kr.authorty"\nyear = 2030')
    text = text.replace('"services.familiehus.price_per_place_year"]', '"caseworkers.count"]')
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        load_experiment(path)
    message = str(error.value)
    for expected in ("sensitivity.answer.0.outcome", "spend_kr.authority", "sensitivity.answer.0.year",
                     "sensitivity.answer.1.variant", "is the baseline", "sensitivity.parameters.2",
                     "caseworkers.count"):
        assert expected in message, expected
    path.write_text(text.replace("samples = 8", "samples = 12").replace("trajectories = 2",
                                                                          "trajectories = 2\nlevels = 5"))
    with pytest.raises(InputError) as error:
        load_experiment(path)
    message = str(error.value)
    assert "sensitivity.samples" in message and "power of 2" in message and "got 12" in message
    assert "sensitivity.levels" in message and "even number" in message


# -- in the report and the workbook -------------------------------------------------------------


@pytest.fixture(scope="module")
def sensitivity_report(sensitivity_run, tmp_path_factory):
    return make_report(sensitivity_run, "en", out=tmp_path_factory.mktemp("report") / "en")


@pytest.mark.functional
@pytest.mark.slow
def test_the_workbook_holds_the_ranked_table_in_the_answer_units(sensitivity_report, indices):
    sheet = openpyxl.load_workbook(sensitivity_report.workbook)["Sensitivity"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in cells), strict=True))
            for cells in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(indices)
    for found in rows:
        expected = row(indices, found["Answer"], found["Parameter"])
        divisor = 1000 if found["Answer"] == STAFF_COST else 1  # kroner in 1,000 kr, as in every sheet
        assert found["Rank"] == expected["rank"]
        assert found["Morris μ*"] == pytest.approx(expected["mu_star"] / divisor, rel=1e-12, abs=1e-12)
        assert found["Unit"] == ("1,000 kr" if divisor == 1000 else "persons")


@pytest.mark.functional
@pytest.mark.slow
def test_the_summary_names_the_three_assumptions_the_answer_depends_on_most(sensitivity_report, indices):
    """Issue 25, item 2: summary.html gives the ranked table's three strongest, of the answer it picks."""
    page = sensitivity_report.summary.read_text(encoding="utf-8")
    section = page.split('<section id="assumptions">')[1].split("</section>")[0]
    assert PLACEMENTS in section and "not-analysed" not in section  # no spend answer: the first difference
    strongest = indices[indices["answer"] == PLACEMENTS].sort_values("rank")["parameter"].head(3)
    places = [section.index(f"<li>{parameter} ") for parameter in strongest]
    assert places == sorted(places) and section.count("<li>") == 3


@pytest.mark.browser
@pytest.mark.slow
def test_the_report_ranks_the_assumptions_and_shows_the_tornado_in_chromium(sensitivity_report, indices,
                                                                             browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(sensitivity_report.html.resolve().as_uri())
    section = page.locator("section#sensitivity")
    tornado = section.locator("figure[data-figure=tornado] img")
    assert tornado.evaluate("e => e.complete && e.naturalWidth") > 0
    for answer in (STAFF_COST, PLACEMENTS):
        first_row = section.locator(f'table[data-answer="{answer}"] tbody tr').first
        cells = first_row.locator("td").all_inner_texts()
        strongest = indices[(indices["answer"] == answer) & (indices["rank"] == 1)].iloc[0]
        assert cells[:2] == ["1", strongest["parameter"]]
    section.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "report-sensitivity.png"))
    page.close()


@pytest.mark.unit
@pytest.mark.slow
def test_every_sensitivity_column_and_field_is_documented(sensitivity_run):
    """docs/sensitivity.md names every column the analysis writes and every field of its table (here, beside
    the other users of the analysis's run, so that a parallel suite runs the analysis once)."""
    found = sections((DOCS / "sensitivity.md").read_text(encoding="utf-8"))
    for table in ("sensitivity", "sensitivity_answers"):
        columns = pd.read_parquet(sensitivity_run / f"{table}.parquet").columns
        assert table in found, f"docs/sensitivity.md has no section ## `{table}`"
        missing = [c for c in columns if c not in first_cells(found[table])]
        assert not missing, (table, missing)
    text = (DOCS / "sensitivity.md").read_text(encoding="utf-8")
    fields = first_cells(text.split("## The `[sensitivity]` table")[1].split("\n## ")[0])
    assert set(Sensitivity.model_fields) - {"answer"} <= fields
    assert "[[sensitivity.answer]]" in fields
    answer_row = next(line for line in text.splitlines() if line.startswith("| `[[sensitivity.answer]]`"))
    assert all(f"`{name}`" in answer_row for name in Answer.model_fields)
