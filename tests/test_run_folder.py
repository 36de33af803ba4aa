"""The experiment run folder's one home: its files, tables and manifest, as written, read and documented."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiments import load_experiment, run_experiment
from sim.experiments.run_folder import (
    BUDGET_TABLES,
    CSV_TABLES,
    MANIFEST,
    MANIFEST_KEYS,
    PERIOD_TABLES,
    PLAN_TABLES,
    SENSITIVITY_TABLES,
    TABLES,
    complete_manifest,
    is_complete,
    read_manifest,
    read_tables,
    table_names,
    write_manifest,
    write_tables,
)
from sim.sensitivity import FOLDER as SENSITIVITY_FOLDER

DOCS = Path(__file__).resolve().parent.parent / "docs"

TINY = """
name = "tiny"
title = "One year, two replications"
years = 1
replications = 2
outcomes = ["spend_kr.total"]

[sweep]
labels = ["today", "more places"]
parameters."services.familiehus.places" = [180, 220]
"""


def manifest(status: str = "complete", **changes) -> dict:
    """A manifest with every key the readers need, of the right type."""
    kinds = {dict: {"name": "tiny", "file": "tiny.toml"}, list: [], int: 0, str: status}
    return {**{key: kinds[kind] for key, kind in MANIFEST_KEYS.items()}, **changes}


def tables(*names: str) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame({"table": [name]}) for name in names}


@pytest.mark.unit
def test_a_manifest_written_is_read_back_from_the_folder_or_the_file(tmp_path):
    write_manifest(tmp_path, manifest())
    assert read_manifest(tmp_path) == read_manifest(tmp_path / MANIFEST) == manifest()


@pytest.mark.unit
@pytest.mark.parametrize("content, says", [
    (None, "is not an experiment run folder (no manifest.json)"),
    ("{not json", "cannot be read as a manifest"),
    (json.dumps({**manifest(), "seed": "0"}), "seed: is missing: not an experiment run's manifest"),
    (json.dumps(manifest(experiment={"name": "tiny"})), "experiment.file: is missing"),
])
def test_a_folder_that_is_not_a_run_is_refused_naming_the_flag_or_the_file(tmp_path, content, says):
    if content is not None:
        (tmp_path / MANIFEST).write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="cannot rerun") as caught:
        read_manifest(tmp_path, "--rerun")
    assert says in str(caught.value)
    assert ("--rerun" if content is None else MANIFEST) in str(caught.value)


@pytest.mark.unit
def test_only_a_complete_run_is_complete(tmp_path):
    for status in ("running", "interrupted"):
        write_manifest(tmp_path, manifest(status))
        assert not is_complete(tmp_path)
        says = f"{status}, not complete; finish it with python -m sim.experiments --resume {tmp_path} first"
        with pytest.raises(InputError, match="RUN_FOLDER: .*: the run is " + re.escape(says)):
            complete_manifest(tmp_path / MANIFEST, "RUN_FOLDER", "cannot report")
    assert not is_complete(tmp_path / "nowhere")
    write_manifest(tmp_path, manifest("complete"))
    assert is_complete(tmp_path) and complete_manifest(tmp_path, "RUN_FOLDER", "cannot report")


@pytest.mark.unit
def test_tables_are_written_as_parquet_the_summaries_also_as_csv_and_read_back(tmp_path):
    written = tables(*TABLES, *PERIOD_TABLES, *SENSITIVITY_TABLES, *PLAN_TABLES, *BUDGET_TABLES)
    write_tables(tmp_path, written)
    assert sorted(p.name for p in tmp_path.glob("*.csv")) == sorted(f"{name}.csv" for name in CSV_TABLES)
    assert table_names(tmp_path) == [*TABLES, *PERIOD_TABLES, *SENSITIVITY_TABLES, *PLAN_TABLES,
                                     *BUDGET_TABLES]
    read = read_tables(tmp_path, "RUN_FOLDER", "cannot report")
    assert read.keys() == written.keys()
    for name, table in written.items():
        pd.testing.assert_frame_equal(read[name], table)


@pytest.mark.unit
def test_a_run_without_sensitivity_has_the_main_tables_and_one_lacking_a_table_is_refused(tmp_path):
    write_tables(tmp_path, tables(*TABLES))
    assert table_names(tmp_path) == list(TABLES)
    (tmp_path / "draws.parquet").unlink()
    with pytest.raises(InputError, match="RUN_FOLDER: .*the run folder lacks draws"):
        read_tables(tmp_path, "RUN_FOLDER", "cannot report")


def run_folder_section() -> str:
    text = (DOCS / "experiments.md").read_text(encoding="utf-8")
    return text.split("## The run folder")[1].split("\n## ")[0]


@pytest.mark.functional
@pytest.mark.slow
def test_the_documented_run_folder_names_every_file_and_manifest_key_a_run_writes(tmp_path):
    experiment = tmp_path / "tiny.toml"
    experiment.write_text(TINY, encoding="utf-8")
    folder = tmp_path / "run"
    run_experiment(load_experiment(experiment), folder, replications=2, seed=0)
    section = run_folder_section()
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| `")]
    documented = [name for first, _ in rows for name in re.findall(r"`([^`]+)`", first)]

    def is_documented(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) or pattern.startswith(f"{name}/")
                   for pattern in documented)

    found = [p.name for p in folder.iterdir()]
    found += [f"{name}.parquet" for name in SENSITIVITY_TABLES] + [f"{SENSITIVITY_FOLDER}/"[:-1]]
    found += [f"{name}.csv" for name in CSV_TABLES]
    assert not [name for name in found if not is_documented(name)]
    keys_cell = next(content for first, content in rows if first.strip() == f"`{MANIFEST}`")
    keys = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))) | {"resumed", "rerun_of",
                                                                              "sensitivity"}
    assert not [key for key in keys if f"`{key}`" not in keys_cell]
