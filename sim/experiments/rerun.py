"""Run an experiment again from its manifest and say whether the tables came out the same.

The manifest of a run holds everything needed to repeat it: the experiment
file's text, every variant's scenario as resolved, the seed, the number of
replications, the horizon and the kind of uncertainty. ``--rerun`` rebuilds
the experiment from those alone (the files it once came from may have moved
or changed since), runs it into a new folder and compares each table with
the original's value for value. Same inputs, seed and package version must
give identical tables, on one core, many cores or Dask; when they do not,
the manifest's record of barnesim's version, git commit and libraries shows
what changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from ..errors import InputError, Problem
from ..output.manifest import software
from ..scenario import Scenario
from ..scenario.tomlfile import parse_toml
from .definition import Experiment, LoadedExperiment
from .run_folder import table_names, table_path


def experiment_from_manifest(manifest: dict[str, Any], label: str) -> LoadedExperiment:
    """The experiment a manifest records, rebuilt from the manifest alone.

    ``label`` names the manifest in messages. Refuses a manifest that lacks
    the recorded inputs (written before barnesim kept them) or whose
    scenarios this version of barnesim reads differently.
    """
    def refuse(path: str, message: str) -> InputError:
        return InputError([Problem(label, path, message)], "cannot rerun")

    recorded = manifest.get("inputs")
    if not isinstance(recorded, dict) or "experiment_toml" not in recorded or "scenarios" not in recorded:
        raise refuse("inputs", "is missing: this run was written by a barnesim that did not record its "
                     "inputs; run the experiment again with the same --seed and --replications instead")
    text = recorded["experiment_toml"]
    try:
        definition = Experiment.model_validate(parse_toml(label, text.encode("utf-8"), "an experiment"))
    except ValidationError as error:
        raise refuse("inputs.experiment_toml", "this version of barnesim cannot read the experiment as it "
                     f"was recorded ({error.error_count()} problems); rerun with the version named in the "
                     f"manifest, {manifest.get('barnesim_version')}") from None
    scenarios: dict[str, Scenario] = {}
    for name, data in recorded["scenarios"].items():
        try:
            scenario = Scenario.model_validate_json(json.dumps(data))  # strict: dates as JSON text
        except ValidationError as error:
            raise refuse(f"inputs.scenarios.{name}", "this version of barnesim cannot read the scenario as "
                         f"it was recorded ({error.error_count()} problems); rerun with the version named "
                         f"in the manifest, {manifest.get('barnesim_version')}") from None
        entry = manifest["scenarios"].get(name)
        expected = entry.get("fingerprint") if isinstance(entry, dict) else None
        if scenario.fingerprint() != expected:
            raise refuse(f"scenarios.{name}.fingerprint", "the recorded scenario reads differently in this "
                         "version of barnesim; rerun with the version named in the manifest, "
                         f"{manifest.get('barnesim_version')}")
        scenario._files = tuple((f["file"], f["sha256"]) for f in entry.get("files", []))
        scenario._origins = dict(entry.get("origins", {}))  # where each value came from, for the report
        scenarios[name] = scenario
    return LoadedExperiment(definition, Path(manifest["experiment"]["file"]), text, scenarios,
                            list(manifest["outcomes"]))


def compare_runs(original: Path, again: Path) -> dict[str, str | None]:
    """Table name -> None when the two run folders hold it identically, else what differs first."""
    found: dict[str, str | None] = {}
    for name in table_names(original):
        files = [table_path(folder, name) for folder in (original, again)]
        if not files[0].is_file():
            found[name] = f"the original run has no {files[0].name}"
            continue
        first, second = (pd.read_parquet(f) for f in files)
        try:
            pd.testing.assert_frame_equal(first, second, check_exact=True)
        except AssertionError as difference:
            found[name] = " ".join(str(difference).split())
        else:
            found[name] = None
    return found


def software_changes(manifest: dict[str, Any]) -> list[str]:
    """What differs between the software that made the run and the software running now."""
    now = software()
    changes = [f"{key}: {manifest.get(key)} then, {now[key]} now"
               for key in ("barnesim_version", "git_commit", "python") if manifest.get(key) != now[key]]
    then = manifest.get("libraries", {})
    changes += [f"{name}: {then.get(name)} then, {version} now"
                for name, version in now["libraries"].items() if then.get(name) != version]
    return changes
