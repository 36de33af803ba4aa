"""A finished experiment run, read back from its folder: manifest, tables and the scenarios as run.

The report is made from the run folder alone, never by running the model
again, so a report made months later shows exactly what was run. The
scenarios come from the manifest's recorded inputs, the same ones
``--rerun`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..experiments.plan import Plan
from ..experiments.rerun import experiment_from_manifest
from ..experiments.run_folder import MANIFEST, complete_manifest, read_tables
from ..montecarlo.period import period_tables
from ..scenario import Scenario


@dataclass(frozen=True)
class Run:
    """What a report shows of one run."""

    folder: Path
    manifest: dict[str, Any]
    title: str
    description: str
    scenarios: dict[str, Scenario]
    """Variant label -> scenario as run, the baseline first."""
    outcomes: list[str]
    """The outcomes the experiment asked for, patterns expanded."""
    tables: dict[str, pd.DataFrame]
    """``outcomes``, ``draws``, ``summary``, ``comparison``, ``period_summary``, ``period_comparison`` and
    ``references``; ``sensitivity`` and
    ``sensitivity_answers`` too when the experiment has a sensitivity analysis, ``against_plan`` and
    ``payback`` when it has a plan, ``budget`` when a variant's scenario has a budget."""
    plan: Plan | None = None
    """The investment case's plan the experiment measured a variant against, if any."""
    scenario: str = ""
    """The scenario the baseline starts from, as the experiment names it (the base ``scenario`` or the
    baseline variant's own), without folder or ``.toml``: what the run's file names say."""

    @property
    def variants(self) -> list[str]:
        """Variant labels, the baseline first."""
        return list(self.scenarios)

    @property
    def baseline(self) -> str:
        """The variant the others are compared with."""
        return self.manifest.get("baseline") or self.variants[0]

    @property
    def first_year(self) -> int:
        """The first year of the horizon, where the totals over the period start."""
        return int(self.tables["summary"]["year"].min())

    @property
    def last_year(self) -> int:
        """The last year of the horizon, the year the key answer speaks of."""
        return int(self.tables["summary"]["year"].max())


def read_run(folder: Path, flag: str = "RUN_FOLDER") -> Run:
    """The complete run in ``folder``; an unfinished or foreign folder is refused, naming ``flag``."""
    manifest = complete_manifest(folder, flag, "cannot report")
    try:  # the scenarios as run, checked against their fingerprints as a rerun checks them
        experiment = experiment_from_manifest(manifest, str(folder / MANIFEST))
    except InputError as error:
        raise InputError(error.problems, "cannot report") from None
    tables = read_tables(folder, flag, "cannot report")
    if "period_summary" not in tables:  # written before the period's tables were
        baseline = manifest.get("baseline") or next(iter(experiment.scenarios))
        tables.update(period_tables(tables["outcomes"], baseline))
    definition = experiment.definition
    baseline = manifest.get("baseline") or next(iter(experiment.scenarios))
    own = next((variant.scenario for variant in definition.variant if variant.label == baseline), None)
    scenario = own or definition.scenario
    return Run(folder, manifest, definition.title, " ".join(definition.description.split()),
               experiment.scenarios, experiment.outcomes, tables, definition.plan,
               Path(scenario).stem if scenario.endswith(".toml") else scenario)
