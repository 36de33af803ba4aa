"""An outcome drawn year by year: the median of each scenario with its 90% band, in the registry's unit.

One drawing for every place that plots an ensemble's outcome per year:
``Ensemble.plot`` and ``Ensemble.plot_difference`` in a notebook, and the
plot per outcome an experiment run writes (:func:`sim.experiments.report.plot_outcomes`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..output.words import Labels
from .registry import describe

ENGLISH = Labels("en")
"""The axes are labelled in English, as the command line and the Python API are."""
SIZE = (7, 4)
"""Width and height of a figure of one outcome, in inches."""


def new_axes() -> Any:
    """The axes of a new figure of :data:`SIZE` (pyplot's backend as it is: inline in a notebook)."""
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=SIZE)[1]


def draw_outcome(axes: Any, summary: pd.DataFrame, outcome: str, scenarios: tuple[str, ...] | list[str],
                 baseline: str | None = None) -> Any:
    """Draw ``outcome`` of each of ``scenarios`` on ``axes``: a line of medians per year and its 90% band.

    ``summary`` has ``scenario``, ``year``, ``outcome``, ``median``, ``p5`` and
    ``p95`` (a summary, or with ``baseline`` the comparison of paired
    differences from it). Values are divided as the registry shows the
    outcome on a figure (kroner in mio kr, shares in per cent) and the axis
    names that unit. Returns ``axes``.
    """
    display = describe(outcome).figure
    rows = summary[summary["outcome"] == outcome]
    for scenario in scenarios:
        mine = rows[rows["scenario"] == scenario].sort_values("year")
        axes.plot(mine["year"], mine["median"] / display.divisor, marker="o", label=scenario)
        axes.fill_between(mine["year"], mine["p5"] / display.divisor, mine["p95"] / display.divisor,
                          alpha=0.15)
    unit = display.unit_word(ENGLISH)
    if baseline is None:
        axes.set_title(outcome)
        axes.set_ylabel(f"{unit}, median and 90% interval")
    else:
        axes.axhline(0, color="grey", linewidth=0.8)
        axes.set_title(f"{outcome}, paired difference from {baseline}")
        axes.set_ylabel(f"{unit}, variant minus baseline: median and 90% interval")
    axes.set_xlabel("year")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize="small")
    return axes
