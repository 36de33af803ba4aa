"""The parameters behind a run: what the variants change, and which values are assumptions with a range.

A committee needs to see what was decided (the levers the variants set)
apart from what was assumed (the unpublished values, each with a range and
a source). Both come from the scenarios as run, recorded in the manifest,
so the report cannot show other values than those the run used.
"""

from __future__ import annotations

import pandas as pd

from ..output.words import Labels
from ..scenario.parameters import parameters
from ..scenario.provenance import origins
from ..scenario.quantities import Quantity
from ..scenario.reference import shown
from .run import Run


def _value(value: object) -> float | str:
    """A number as a number (the workbook keeps it a real cell), anything else as its text."""
    if isinstance(value, Quantity) and isinstance(value.value, int | float) and not isinstance(value.value,
                                                                                              bool):
        return value.value
    return shown(value)


def parameter_table(run: Run) -> pd.DataFrame:
    """One row per parameter, a value column per variant; ``differs`` marks a lever.

    Columns: ``path``, ``meaning``, ``unit``, one per variant, ``low`` and
    ``high`` (an assumption's range), ``source``, ``origin`` (where the value
    comes from: the scenario's file, a file it extends or a layer of the
    national profile, as ``python -m sim provenance`` says it) and ``differs``
    (the variants set it differently). Range, source and origin are the
    baseline's; the origin is empty for a run recorded before runs kept it.
    """
    rows: dict[str, dict[str, object]] = {}
    for variant, scenario in run.scenarios.items():
        origin = {row.path: row.origin for row in origins(scenario)} if scenario.origins else {}
        for parameter in parameters(scenario):
            span = parameter.value.range if isinstance(parameter.value, Quantity) else None
            row = rows.setdefault(parameter.path, {
                "path": parameter.path, "meaning": parameter.meaning, "unit": parameter.unit,
                "low": span[0] if span else None, "high": span[1] if span else None,
                "source": parameter.value.source, "origin": origin.get(parameter.path, ""),
            })
            row[variant] = _value(parameter.value)
    columns = ["path", "meaning", "unit", *run.variants, "low", "high", "source", "origin"]
    table = pd.DataFrame(list(rows.values()), columns=columns)
    values = table[run.variants].astype(str)
    return table.assign(differs=values.nunique(axis=1) > 1)


def timeline_table(run: Run) -> pd.DataFrame:
    """Every dated decision of every variant: ``variant``, ``date``, ``path``, ``value``, ``note``."""
    rows = [{"variant": variant, "date": change.date.isoformat(), "path": change.path, "value": change.value,
             "note": change.note}
            for variant, scenario in run.scenarios.items() for change in scenario.timeline]
    return pd.DataFrame(rows, columns=["variant", "date", "path", "value", "note"])


def levers(run: Run) -> pd.DataFrame:
    """The dated decisions that differ between the variants: what the experiment compares."""
    timeline = timeline_table(run)
    if timeline.empty:
        return timeline
    shared = timeline.groupby(["date", "path", "value"])["variant"].transform("nunique") == len(run.variants)
    return timeline[~shared].reset_index(drop=True)


def ranged(run: Run) -> pd.DataFrame:
    """The assumptions with a range, as the baseline has them: what sensitivity analysis varies."""
    table = parameter_table(run)
    return table[table["low"].notna()][["path", "meaning", "unit", run.baseline, "low", "high", "source",
                                        "origin"]]


def in_units_of(table: pd.DataFrame, labels: Labels) -> pd.DataFrame:
    """``table`` with its ``unit`` column in the language of ``labels``."""
    return table.assign(unit=table["unit"].map(labels.unit))
