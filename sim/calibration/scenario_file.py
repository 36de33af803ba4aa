"""The calibrated scenario: a file that extends the base one with the fitted assumptions.

Each fitted assumption keeps its meaning and becomes ``{ value = posterior
median, range = posterior 5-95% range, source = how it was fitted }``, so
everything downstream uses the fit as it is: a run uses the median, and
``--uncertainty parameters`` or a sensitivity analysis draws from what is
left of each range after the fit rather than from the prior.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from ..scenario import Scenario
from ..scenario.parameters import parameters
from .fit import Calibration


def base_reference(scenario: Scenario) -> str:
    """How a calibrated file names ``scenario`` in ``extends``: its embedded name, or its file's full path."""
    if not scenario.files:
        raise ValueError(f"{scenario.name} was not loaded from a file, so no file can extend it")
    label = scenario.files[-1][0]
    return label.removeprefix("embedded:")


def calibrated_name(scenario: Scenario) -> str:
    """The calibrated scenario's name: ``<base>_calibrated``."""
    return f"{scenario.name}_calibrated"


def calibrated_toml(scenario: Scenario, calibration: Calibration, targets_label: str,
                    when: dt.date | None = None) -> str:
    """The text of the calibrated scenario file extending ``scenario``."""
    settings = calibration.settings
    accepted = int(calibration.points["accepted"].sum())
    first, last = settings.fit_years
    whole = {p.path for p in parameters(scenario) if isinstance(getattr(p.value, "value", None), int)}
    lines = [
        f"# Written by python -m sim.calibrate on {(when or dt.date.today()).isoformat()}: the {accepted} of "
        f"{settings.points} points",
        f"# nearest the figures of {first}-{last} in {targets_label} ({len(calibration.figures)} figures, "
        f"{settings.replications} replications per point, seed {settings.seed}).",
        "# Each fitted assumption's value is its posterior median; its range is the posterior 5-95% range.",
        "",
    ]
    for row in calibration.posterior.itertuples():
        low, median, high = row.p5, row.median, row.p95
        if row.parameter in whole:
            low, median, high = math.floor(low), round(median), math.ceil(high)
        source = (f"calibrated (ABC rejection) to {targets_label} {first}-{last}: posterior median and 5-95% "
                  f"range; prior {_number(row.low)}-{_number(row.high)}, before {_number(row.value)}")
        lines.append(f"{row.parameter} = {{ value = {_number(median)}, range = [{_number(low)}, "
                     f"{_number(high)}], source = {json.dumps(source)} }}")
    lines += [
        "",
        "[scenario]",
        f"extends = {json.dumps(base_reference(scenario))}",
        f"name = {json.dumps(calibrated_name(scenario))}",
        f"title = {json.dumps(scenario.scenario.title + ', calibrated')}",
        "",
    ]
    return "\n".join(lines)


def _number(value: float) -> str:
    """A value as TOML writes it, to 4 significant digits (whole numbers stay whole)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}" if "e" not in f"{value:.4g}" else repr(float(value))
