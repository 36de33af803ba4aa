"""A scenario's budget, P(overspend) per level and year, and amounts in fixed prices.

The budget is checked like every other input before anything runs; the
probability of overspending is the share of replications above the budget,
0 far above the spend and 1 far below; and an amount reported in the prices
of an earlier year is the current amount divided by the index since then.
"""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.experiments import load_experiment
from sim.experiments.run import run_experiment
from sim.montecarlo import summarise
from sim.montecarlo.budget import budget_table, outside_years
from sim.montecarlo.prices import fixed_prices
from sim.output.prices import deflator, in_prices_of, price_year_problems
from sim.output.words import Labels
from sim.report import make_report
from sim.report.page import key_answers
from sim.report.run import read_run
from sim.scenario import extend_scenario

BUDGET = {"unit_kr": 1000, "source": "Eksempelby budget 2019-2022",
          "preventive": {"2019": 8000, "2020": 8200}, "placement": 95000}


def with_budget(budget: dict | None = None, index: float = 0.02):
    changes = {"prices": {"general_index_per_year": {"value": index, "source": "test"}}}
    if budget is not None:
        changes["budget"] = budget
    return extend_scenario("ballerup_2017", changes, "test.toml")


def outcomes_of(values: dict[str, list[float]], year: int = 2019, scenario: str = "a") -> pd.DataFrame:
    """An ensemble's outcomes: replication i of outcome name has values[name][i]."""
    return pd.DataFrame([{"scenario": scenario, "replication": i, "seed": i, "year": year, "outcome": name,
                          "value": value}
                         for name, column in values.items() for i, value in enumerate(column)])


@pytest.mark.unit
def test_a_budget_is_read_per_level_and_year_a_constant_holding_every_year():
    budget = with_budget(BUDGET).budget
    assert budget.levels == ["preventive", "placement"]
    assert budget.amount_kr("preventive", 2020, 0.02) == 8_200_000
    assert budget.amount_kr("preventive", 2021, 0.02) is None
    assert budget.amount_kr("placement", 2031, 0.02) == 95_000_000
    assert budget.amount_kr("authority", 2019, 0.02) is None
    at_2019_prices = with_budget({**BUDGET, "price_year": 2019}).budget
    assert at_2019_prices.amount_kr("placement", 2021, 0.02) == pytest.approx(95_000_000 * 1.02**2)
    assert with_budget().budget is None


@pytest.mark.unit
def test_every_problem_of_a_budget_is_named_before_anything_runs():
    bad = {"unit_kr": 0, "source": "", "preventive": {"2019": -8000, "20x0": 1}, "home_based": float("nan"),
           "placment": 95000, "authority": "x"}
    with pytest.raises(ScenarioError) as caught:
        with_budget(bad)
    found = {(p.where, p.path, p.message) for p in caught.value.problems}
    assert ("test.toml", "budget.unit_kr", "must be above 0.0") in found
    assert ("test.toml", "budget.source", "must not be empty") in found
    assert ("test.toml", "budget.preventive.2019", "must be at least 0.0") in found
    assert ("test.toml", "budget.home_based", "must be a finite number") in found
    assert ("test.toml", "budget.placment", "unknown parameter; did you mean 'placement'?") in found
    assert ("test.toml", "budget.authority", "must be a number") in found
    with pytest.raises(ScenarioError, match="keys must be years such as 2019"):
        with_budget({**BUDGET, "preventive": {"20x0": 1}})
    with pytest.raises(ScenarioError, match="at least one level"):
        with_budget({"unit_kr": 1000, "source": "s"})


@pytest.mark.unit
def test_a_scenario_without_a_budget_keeps_the_fingerprint_runs_recorded_before_budgets():
    plain = with_budget()
    assert plain.fingerprint() == type(plain).model_validate(plain.model_dump()).fingerprint()
    assert "budget" not in plain.model_dump_json(exclude={"budget"})
    assert with_budget(BUDGET).fingerprint() != plain.fingerprint()


@pytest.mark.unit
def test_p_overspend_is_0_far_above_the_spend_1_far_below_and_the_share_above_the_budget_between():
    spend = [80e6, 90e6, 100e6, 110e6, 120e6]
    outcomes = outcomes_of({"spend_kr.placement": spend, "spend_kr.preventive": [8e6] * 5})
    for placement, expected in ((1e9, 0.0), (1.0, 1.0), (100e6, 0.4), (95e6, 0.6)):
        budget = {"unit_kr": 1, "source": "s", "placement": placement}
        table = budget_table(outcomes, {"a": with_budget(budget)}).set_index("level")
        assert table.loc["placement", "p_overspend"] == expected
        assert table.loc["placement", "budget_kr"] == placement
    at_median = budget_table(outcomes, {"a": with_budget({"unit_kr": 1, "source": "s",
                                                          "placement": float(np.median(spend))})})
    row = at_median.set_index("level").loc["placement"]
    assert row["p_overspend"] == sum(s > np.median(spend) for s in spend) / len(spend) == 0.4
    assert (row["median"], row["p5"], row["replications"]) == (100e6, np.percentile(spend, 5), 5)


@pytest.mark.unit
def test_the_total_sums_the_levels_the_budget_holds_that_year_budget_and_spend_alike():
    outcomes = pd.concat([outcomes_of({"spend_kr.placement": [90e6, 100e6], "spend_kr.preventive": [9e6, 7e6],
                                       "spend_kr.authority": [1e9, 1e9]}, year)
                          for year in (2019, 2020, 2021)])
    table = budget_table(outcomes, {"a": with_budget(BUDGET)}).set_index(["level", "year"])
    assert list(table.index) == [("preventive", 2019), ("preventive", 2020), ("placement", 2019),
                                 ("placement", 2020), ("placement", 2021), ("total", 2019), ("total", 2020),
                                 ("total", 2021)]
    assert table.loc[("total", 2019), "budget_kr"] == 8_000_000 + 95_000_000
    assert table.loc[("total", 2019), "median"] == pytest.approx((99e6 + 107e6) / 2)  # authority not in it
    assert table.loc[("total", 2019), "p_overspend"] == 0.5  # 99 > 103 no, 107 > 103 yes
    assert table.loc[("total", 2021), "budget_kr"] == 95_000_000  # preventive has no 2021 budget
    assert table.loc[("preventive", 2019), "p_overspend"] == 0.5
    assert outside_years(with_budget(BUDGET), [2017, 2018, 2019]) == [2020]
    assert budget_table(outcomes, {"a": with_budget()}).empty


@pytest.mark.unit
def test_an_amount_of_2020_at_2019_prices_is_the_current_amount_over_the_index():
    scenario = with_budget(BUDGET, index=0.02)
    assert deflator(scenario, 2020, 2019) == pytest.approx(1.02)
    assert deflator(scenario, 2020, None) == 1.0
    outcomes = outcomes_of({"spend_kr.placement": [102e6], "notifications": [400.0]}, year=2020)
    fixed = fixed_prices(outcomes, {"a": scenario}, 2019).set_index("outcome")["value"]
    assert fixed["spend_kr.placement"] == pytest.approx(100e6)
    assert fixed["notifications"] == 400.0  # not kroner: unchanged
    assert fixed_prices(outcomes, {"a": scenario}, None) is outcomes
    frame = pd.DataFrame({"year": [2019, 2020], "level": ["placement"] * 2, "spend_kr": [1e6, 1.02e6],
                          "full_year_persons": [10.0, 10.0]})
    np.testing.assert_allclose(in_prices_of(frame, scenario, 2019)["spend_kr"], [1e6, 1e6])
    assert in_prices_of(frame, scenario, 2019)["full_year_persons"].tolist() == [10.0, 10.0]
    assert in_prices_of(frame, scenario, None) is frame
    # the budget follows the spend into fixed prices, so P(overspend) does not move
    current = budget_table(outcomes, {"a": scenario})
    at_2019 = budget_table(fixed_prices(outcomes, {"a": scenario}, 2019), {"a": scenario}, 2019)
    assert at_2019["budget_kr"].iloc[0] == pytest.approx(current["budget_kr"].iloc[0] / 1.02)
    assert (at_2019["p_overspend"] == current["p_overspend"]).all()
    problems = price_year_problems(1999, "--price-year")
    assert [(p.where, p.message) for p in problems] == [("--price-year", "must be a year from 2000 to 2100")]
    assert price_year_problems(2019) == price_year_problems(None) == []


EXPERIMENT = """
name = "budget_check"
title = "A budget far below the placements and far above prevention"
scenario = "ballerup_2017"
years = 2
replications = 3
seed = 0
outcomes = ["spend_kr.total"]

[[variant]]
label = "without a budget"

[[variant]]
label = "with a budget"
[variant.changes.budget]
unit_kr = 1000
source = "test budget"
placement = 1
preventive = { 2017 = 1_000_000, 2018 = 1_000_000, 2030 = 5 }
"""


@pytest.mark.functional
@pytest.mark.slow
def test_a_run_with_a_budget_shows_p_overspend_in_its_folder_report_and_workbook_at_fixed_prices(tmp_path):
    (tmp_path / "budget_check.toml").write_text(EXPERIMENT, "utf-8")
    experiment = load_experiment(tmp_path / "budget_check.toml")
    current, _ = run_experiment(experiment, tmp_path / "current", replications=3, seed=0)
    _, tables = run_experiment(experiment, tmp_path / "fixed", replications=3, seed=0, price_year=2017)
    budget = tables["budget"].set_index(["level", "year"])
    assert set(tables["budget"]["scenario"]) == {"with a budget"}
    assert budget.loc[("placement", 2018), "p_overspend"] == 1.0
    assert budget.loc[("preventive", 2018), "p_overspend"] == 0.0
    assert budget.loc[("preventive", 2018), "budget_kr"] == pytest.approx(1e9 / 1.02)
    # every kroner table in 2017 prices: 2018's spend is the current spend over the index, counts unchanged
    summary = tables["summary"].set_index(["scenario", "year", "outcome"])
    earlier = summarise(current.outcomes).set_index(["scenario", "year", "outcome"])
    key = ("with a budget", 2018, "spend_kr.placement")
    assert summary.loc[key, "median"] == pytest.approx(earlier.loc[key, "median"] / 1.02)
    assert budget.loc[("placement", 2018), "median"] == pytest.approx(summary.loc[key, "median"])
    count = ("with a budget", 2018, "notifications")
    assert summary.loc[count, "median"] == earlier.loc[count, "median"]
    assert (tmp_path / "fixed" / "budget.csv").is_file() and (tmp_path / "fixed" / "budget.parquet").is_file()
    manifest = json.loads((tmp_path / "fixed" / "manifest.json").read_text("utf-8"))
    assert manifest["price_level"] == {"prices": "fixed", "price_year": 2017, "general_index_per_year": 0.02}
    files = make_report(tmp_path / "fixed", "en")
    page = files.html.read_text("utf-8")
    assert 'data-table="budget"' in page and "fixed 2017 prices (p/l)" in page and "P(overspend) 100%" in page
    answers = key_answers(read_run(tmp_path / "fixed"), Labels("en"))
    answer = next(a.text for a in answers if a.kind == "budget")
    assert "with a budget against its budget" in answer
    assert "most often overspent: placements (100% in" in answer
    sheet = openpyxl.load_workbook(files.workbook)["Budget"]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=5, values_only=True)}
    placements = rows["Placements"]
    assert placements[3 + 5] == pytest.approx(1 / 1.02)  # 2018's budget, 1,000 kr at 2017 prices
    assert placements[3 + 5 + 1] == pytest.approx(budget.loc[("placement", 2018), "median"] / 1e3)
    assert placements[3 + 5 + 4] == 1.0
    assert "test budget" in sheet.cell(2, 1).value


@pytest.mark.functional
@pytest.mark.slow
def test_sim_run_prints_the_budget_and_writes_it_at_the_price_year_asked_for(tmp_path, capsys):
    scenario = tmp_path / "mine.toml"
    scenario.write_text('[scenario]\nextends = "ballerup_2017"\nname = "mine"\n[budget]\nunit_kr = 1000\n'
                        'source = "test"\nplacement = 1\n', "utf-8")
    assert main(["run", "--scenario", str(scenario), "--years", "1", "--price-year", "1999",
                 "--out", str(tmp_path / "no")]) == 2
    assert "--price-year: got 1999: must be a year from 2000 to 2100" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()
    assert main(["run", "--scenario", str(scenario), "--years", "2", "--price-year", "2017",
                 "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    assert "Budget of 'mine' (test); 1,000 kr, fixed 2017 prices (p/l)" in printed
    written = pd.read_csv(tmp_path / "run" / "budget.csv").set_index(["level", "year"])
    assert written.loc[("placement", 2018), "budget_kr"] == pytest.approx(1000 / 1.02)
    assert written.loc[("placement", 2018), "p_overspend"] == 1.0
    frame = pd.read_csv(tmp_path / "run" / "budget_frame.csv").set_index(["level", "year"])
    assert written.loc[("placement", 2018), "median"] == pytest.approx(frame.loc[("placement", 2018),
                                                                                   "spend_kr"])
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text("utf-8"))
    assert manifest["price_level"]["price_year"] == 2017 and "budget" in manifest["tables"]
