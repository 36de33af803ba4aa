"""The default stays near Ballerup's published 2017 figures (loose bands; docs/validation.md has the table).

The bands are wide on purpose: they catch a change that moves the default
far from what it was calibrated to, not Monte Carlo noise. Ballerup's 2017
notifications (454) are a known miss, in docs/validation.md: the 12
caseworkers lower the threshold, fewer children in need are screened out and
reported again, and the model's notifications fall where Ballerup's rose. What
is checked instead is that the municipality standing still on 1 January 2017
reports as many as the 2016 figure it stands on.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim

pytestmark = [pytest.mark.functional, pytest.mark.slow]

SEEDS = range(6)

# (figure, published 2017, allowed relative distance of the median over SEEDS)
PUBLISHED = [
    ("open_cases_mean", 643, 0.20),
    ("preventive_persons_31_dec", 133, 0.20),
    ("preventive_spend_kr", 8_173_000, 0.20),
    ("home_based_spend_kr", 53_169_000, 0.20),
    ("placement_persons_31_dec", 145, 0.15),
    ("placement_spend_kr", 95_717_000, 0.25),
    ("small_children_special_spend_kr", 25_490_000, 0.20),
]


def figures(result: sim.Result) -> dict[str, float]:
    """The model's counterpart of each published figure, in the published unit."""
    frame = result.budget_frame.set_index(["year", "level"])
    out = {
        "open_cases_mean": float(result.counts["open_cases"].mean()),
    }
    for level in ("preventive", "home_based", "placement", "small_children_special"):
        out[f"{level}_spend_kr"] = float(frame.loc[(2017, level), "spend_kr"])
        out[f"{level}_persons_31_dec"] = float(frame.loc[(2017, level), "persons_31_dec"])
    return out


@pytest.fixture(scope="module")
def medians() -> dict[str, float]:
    runs = [figures(sim.run("ballerup_2017", years=1, seed=seed)) for seed in SEEDS]
    return {key: float(np.median([run[key] for run in runs])) for key in runs[0]}


@pytest.mark.parametrize(("figure", "published", "band"), PUBLISHED)
def test_default_2017_lands_near_the_published_figure(medians, figure, published, band):
    assert abs(medians[figure] / published - 1) <= band, (figure, medians[figure], published)


def test_standing_still_the_municipality_reports_its_published_notifications():
    """The derived rates reproduce the published notifications they are derived from (410 in 2016)."""
    scenario = sim.load_scenario("ballerup_2017_steady")
    counts = [float(sim.run(scenario, years=1, seed=seed).flows["notifications"].iloc[0]) for seed in SEEDS]
    published = scenario.notification.per_year.value
    assert abs(np.median(counts) / published - 1) <= 0.10, (counts, published)
