"""A region: several municipalities in one ensemble, common random numbers within each, summed to the region.

Small and fast: two profile municipalities of 2,000 children, one year, two
replications; the shipped denmark_synthetic is checked without simulating it.
"""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.model.work import MAX_CHILDREN, children
from sim.montecarlo import run_ensemble
from sim.montecarlo.registry import describe
from sim.montecarlo.replication import Batch, replication_seed, seed_of
from sim.region import load_region, run_region, run_region_ensemble, synthetic
from sim.region.cli import main
from sim.region.run import TABLES, municipality_outcomes

TINY = """\
[region]
name = "tiny"
title = "Two small municipalities alike but for their names"
start_date = 2022-01-01
years = 1
replications = 2

[[municipality]]
name = "a"
children_0_22 = 2_000

[[municipality]]
name = "b"
children_0_22 = 2_000

[variants.same]
title = "Nothing changed: its paired difference must be zero everywhere"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny region run in this process into a folder: (region, tables, folder)."""
    where = tmp_path_factory.mktemp("region")
    region = load_region(write(where, "tiny", TINY))
    folder = where / "run"
    tables = run_region(region, folder, replications=2, seed=0, years=1)
    return region, tables, folder


@pytest.mark.functional
def test_the_region_is_the_sum_of_its_municipalities_for_outcomes_that_add_up(tiny):
    _, tables, _ = tiny
    outcomes, summed = tables["outcomes"], tables["region_outcomes"]
    adding = outcomes["outcome"].map(lambda name: describe(name).adds_across)
    by_hand = outcomes[adding].groupby(["variant", "replication", "year", "outcome"])["value"].sum()
    found = summed.set_index(["variant", "replication", "year", "outcome"])["value"]
    assert len(found) == len(by_hand) > 100
    pd.testing.assert_series_equal(found.sort_index(), by_hand.sort_index(), check_exact=False, rtol=1e-12,
                                   check_index_type=False)
    assert set(summed["municipalities"]) == {2}
    names = set(summed["outcome"])
    assert {"spend_kr.total_with_authority", "full_year_persons.placement", "placements_31_dec.total",
            "placements_31_dec.foster_family", "notifications", "open_cases.mean"} <= names
    not_adding = {name for name in outcomes["outcome"].unique() if not describe(name).adds_across}
    assert "caseload_per_worker.mean" in not_adding
    assert any(name.startswith("median_wait_days") for name in not_adding)
    assert not names & not_adding  # no caseload, wait or share is summed


@pytest.mark.functional
def test_a_variant_that_changes_nothing_differs_by_nothing_in_every_municipality_and_the_region(tiny):
    _, tables, _ = tiny
    for name in ("municipality_comparison", "region_comparison"):
        same = tables[name][tables[name]["variant"] == "same"]
        assert len(same) > 50
        assert (same[["mean", "p5", "median", "p95"]] == 0).all().all(), name
    assert set(tables["municipality_comparison"]["municipality"]) == {"a", "b"}


@pytest.mark.functional
def test_variants_share_a_municipalitys_seeds_and_municipalities_alike_have_their_own_luck(tiny):
    _, tables, _ = tiny
    outcomes = tables["outcomes"]
    seeds = outcomes.groupby(["municipality", "variant", "replication"])["seed"].first().unstack("variant")
    assert (seeds["baseline"] == seeds["same"]).all()  # common random numbers within a municipality
    for municipality in ("a", "b"):
        for k in (0, 1):
            assert seeds.loc[(municipality, k), "baseline"] == replication_seed(0, k, municipality)
    assert set(seeds.loc["a", "baseline"]).isdisjoint(seeds.loc["b", "baseline"])
    baseline = outcomes[outcomes["variant"] == "baseline"]
    spend = baseline[baseline["outcome"] == "spend_kr.total_with_authority"]
    per = spend.set_index(["municipality", "replication"])["value"]
    assert (per.loc["a"].to_numpy() != per.loc["b"].to_numpy()).all()  # same definition, other children


@pytest.mark.functional
def test_the_command_on_a_process_pool_writes_the_same_tables_bit_for_bit(tiny, tmp_path, capsys):
    region, _, folder = tiny
    out = tmp_path / "pool"
    assert main([str(region.path), "--workers", "2", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "2 municipalities x 2 variants x 2 replications x 1 years, seed 0" in printed
    assert "spend_kr.total_with_authority" in printed and "variant" in printed
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"),
                                      pd.read_parquet(folder / f"{name}.parquet"), check_exact=True)
    assert (out / "region_summary.csv").is_file() and not (out / "outcomes.csv").exists()
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert '"status": "complete"' in manifest and '"executor": "2 processes"' in manifest


@pytest.mark.functional
def test_an_interrupted_run_resumes_from_its_batches_to_the_same_tables(tiny, tmp_path, capsys):
    _, _, folder = tiny
    copy = tmp_path / "interrupted"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.parquet", "*.csv", "run.lock"))
    shutil.copytree(folder / "chunks", copy / "chunks", dirs_exist_ok=True)  # the batches stay
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}), encoding="utf-8")
    assert main(["--resume", str(copy), "--no-progress", "--workers", "1"]) == 0
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(copy / f"{name}.parquet"),
                                      pd.read_parquet(folder / f"{name}.parquet"), check_exact=True)
    resumed = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert resumed["status"] == "complete" and len(resumed["resumed"]) == 1
    capsys.readouterr()
    assert main(["--resume", str(copy), "--seed", "3"]) == 2  # a resumed run keeps its settings
    assert "a resumed run keeps its folder and settings" in capsys.readouterr().err


@pytest.mark.functional
@pytest.mark.slow
def test_a_dask_cluster_gives_the_process_pools_outcomes_bit_for_bit(tiny):
    distributed = pytest.importorskip("distributed")
    region, tables, _ = tiny
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        ensemble = run_region_ensemble(region, 2, 0, 1, executor=client)
    pd.testing.assert_frame_equal(municipality_outcomes(region, ensemble), tables["outcomes"],
                                  check_exact=True)


BAD = """\
[region]
name = "bad"
title = "Wrong in four ways"
start_date = 2022-01-01
colour = "blue"

[[municipality]]
name = "a"
children_0_22 = 2_000

[[municipality]]
name = "a"
children_0_22 = 3_000

[[municipality]]
name = "both"
children_0_22 = 2_000
scenario = "ballerup_2017"

[[municipality]]
name = "neither"
"""


@pytest.mark.unit
def test_a_wrong_region_file_is_refused_with_every_problem_and_nothing_written(tmp_path, capsys):
    path = write(tmp_path, "bad", BAD)
    out = tmp_path / "never"
    assert main([str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert not out.exists()
    assert f"{path}: region.colour: unknown parameter" in error
    assert f"{path}: municipality.name: got ['a']: each municipality needs a name of its own" in error
    assert f"{path}: municipality.2: give exactly one of children_0_22" in error and "gives both" in error
    assert f"{path}: municipality.3: give exactly one of children_0_22" in error and "gives neither" in error
    assert "(4 problems)" in error


@pytest.mark.unit
def test_a_missing_scenario_file_is_named_where_the_region_names_it(tmp_path):
    path = write(tmp_path, "lost", """\
        [region]
        name = "lost"
        title = "A scenario that is not there"

        [[municipality]]
        name = "mine"
        scenario = "nowhere/mine.toml"

        [variants.baseline]
        changes = {}
        """)
    with pytest.raises(InputError) as caught:
        load_region(path)
    text = str(caught.value)
    assert f"{path}: variants.baseline: got 'baseline'" in text
    with pytest.raises(InputError) as caught:
        load_region(write(tmp_path, "lost", path.read_text().split("[variants")[0]))
    [problem] = caught.value.problems
    assert (problem.where, problem.path, problem.value) == (str(path), "municipality.0.scenario",
                                                            "nowhere/mine.toml")
    assert "cannot be loaded" in problem.message
    with pytest.raises(InputError, match="no such region file"):
        load_region(tmp_path / "absent.toml")


@pytest.mark.unit
def test_a_variant_is_laid_over_every_municipality_and_a_whole_scenario_keeps_its_own_start(tmp_path):
    region = load_region(write(tmp_path, "mixed", """\
        [region]
        name = "mixed"
        title = "A profile and a whole scenario"
        start_date = 2022-01-01

        [[municipality]]
        name = "small"
        children_0_22 = 2_000

        [[municipality]]
        name = "ballerup"
        scenario = "ballerup_2017_steady"

        [variants.low_caseload]
        changes = { caseworkers = { caseload = 20 } }
        """))
    assert region.variants == ["baseline", "low_caseload"]
    assert list(region.labelled()) == ["small/baseline", "small/low_caseload", "ballerup/baseline",
                                       "ballerup/low_caseload"]
    assert region.seed_groups()["ballerup/low_caseload"] == "ballerup"
    small, ballerup = region.scenarios["small"], region.scenarios["ballerup"]
    assert small["baseline"].scenario.start_date.isoformat() == "2022-01-01"
    assert ballerup["baseline"].scenario.start_date.isoformat() == "2017-01-01"
    assert ballerup["baseline"].name == "ballerup_2017_steady"
    assert ballerup["low_caseload"].name == "mixed.ballerup.low_caseload"
    for variants in (small, ballerup):
        count = {variant: scenario.caseworkers.count.value for variant, scenario in variants.items()}
        assert count["low_caseload"] != count["baseline"]


@pytest.mark.unit
def test_seed_groups_share_seeds_within_a_group_and_are_checked():
    batch = Batch((), (0,), 1, 7, (), "b", seed_groups=(("x/1", "x"), ("x/2", "x"), ("y/1", "y")))
    assert seed_of(batch, 3, "x/1") == seed_of(batch, 3, "x/2") == replication_seed(7, 3, "x")
    assert seed_of(batch, 3, "y/1") == replication_seed(7, 3, "y") != seed_of(batch, 3, "x/1")
    plain = Batch((), (0,), 1, 7, (), "b")
    assert seed_of(plain, 3, "x/1") == replication_seed(7, 3)  # as before: one seed for all
    with pytest.raises(InputError) as caught:
        run_ensemble(["ballerup_2017"], 1, seed_groups={"other": ""})
    messages = " ".join(problem.message for problem in caught.value.problems)
    assert "every scenario's label a group" in messages and "does not have" in messages
    with pytest.raises(InputError, match="common_random_numbers=True"):
        run_ensemble(["ballerup_2017"], 1, seed_groups={"ballerup_2017": "a"}, common_random_numbers=False)


@pytest.mark.functional
def test_denmark_synthetic_is_what_its_module_makes_and_sums_to_the_national_children():
    assert synthetic.shipped_file().read_text(encoding="utf-8") == synthetic.text(), \
        "stale: python -m sim.region.synthetic"
    region = load_region("denmark_synthetic")
    entries = region.definition.municipality
    assert [entry.name for entry in entries] == [f"m{i:02d}" for i in range(1, 99)]
    year, national = synthetic.national_children(region.definition.region.start_date)
    assert year == 2021 and sum(entry.children_0_22 for entry in entries) == national == 1_515_800
    sizes = [entry.children_0_22 for entry in entries]
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] >= 100
    years = region.definition.region.years
    largest = max(children(scenario, years) for scenario in region.labelled().values())
    assert largest <= MAX_CHILDREN, f"a municipality's {years} years exceed the work of one replication"
    assert "SYNTHETIC" in region.definition.region.description
    assert not re.search(r"name = \"(?!m\d\d\"|denmark_synthetic\")", region.text)  # no real names
    inhabitants = synthetic.inhabitants()
    assert round(sum(inhabitants)) == synthetic.INHABITANTS
    assert (round(inhabitants[0]), round(inhabitants[-1])) == (synthetic.LARGEST, synthetic.SMALLEST)
