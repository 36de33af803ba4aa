"""The calibration's fit: it recovers two assumptions set to known values, resumes, and writes its file.

One calibration (the ``recovery`` fixture, about a hundred seconds of two
processes) serves every test here; a file apart from
tests/test_calibration.py, so that pytest-xdist runs the two on two workers
at once.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import shutil

import pandas as pd
import pytest

import sim
from sim.calibration.counterparts import counterparts
from sim.calibration.fit import Settings, calibrate
from sim.calibration.run import run_calibration
from sim.calibration.scenario_file import calibrated_toml
from sim.calibration.targets import load_targets

# The recovery test: two assumptions set to known values, each showing in its own published count.
TRUTH = {"preventive.duration_days": 420.0, "home_based.measures_per_child": 1.8}
RECOVERY = Settings(parameters=tuple(TRUTH), figures=("units_31_dec.*",), fit_years=(2017, 2017), points=32,
                    replications=2, accept=0.2, seed=3)


# --- the fit ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    """Targets simulated at :data:`TRUTH`, and a calibration of the default on them, in a folder."""
    folder = tmp_path_factory.mktemp("recovery")
    truth = sim.load_scenario("ballerup_2017")
    from sim.montecarlo.draws import with_values

    truth = with_values(truth, TRUTH, "the truth")
    runs = [counterparts(sim.run(truth, years=1, seed=seed)).set_index("outcome")["value"] for seed in
            range(100, 108)]
    mean = pd.concat(runs, axis=1).mean(axis=1)
    levels = ("preventive", "home_based")
    text = "[levels]\nyears = [2017]\n" + "".join(
        f"units_31_dec.{level} = [{mean[f'units_31_dec.{level}.2017']:.2f}]\n" for level in levels)
    (folder / "truth.toml").write_text(text)
    targets = load_targets(folder / "truth.toml")
    scenario = sim.load_scenario("ballerup_2017")
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        result, file = run_calibration(scenario, targets, RECOVERY, folder / "run",
                                       refs=("ballerup_2017", "x"), executor=pool, executor_name="2 workers")
    return result, file, folder, targets


@pytest.mark.functional
@pytest.mark.slow
def test_calibration_recovers_known_values_within_its_uncertainty(recovery):
    result = recovery[0]
    posterior = result.posterior.set_index("parameter")
    for path, value in TRUTH.items():
        row = posterior.loc[path]
        assert row["p5"] <= value <= row["p95"], (path, value, row.to_dict())
        assert row["width_share"] < 0.6, (path, row.to_dict())  # the data narrowed the prior
        assert abs(row["median"] - value) < 0.25 * (row["high"] - row["low"]), (path, row.to_dict())


@pytest.mark.functional
@pytest.mark.slow
def test_the_accepted_points_are_the_nearest_and_their_count_is_the_share_asked(recovery):
    folder = recovery[2] / "run"
    assert {p.name for p in folder.iterdir()} >= {"manifest.json", "posterior.csv", "points.parquet",
                                                   "fit.csv", "simulated.parquet", "posterior.png",
                                                   "posterior_sample.parquet",
                                                   "ballerup_2017_calibrated.toml"}
    assert (folder / "posterior.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    points = recovery[0].points
    accepted = points[points["accepted"]]
    assert len(accepted) == round(RECOVERY.accept * RECOVERY.points)
    assert accepted["distance"].max() <= points.loc[~points["accepted"], "distance"].min()
    assert set(accepted["rank"]) == set(range(1, len(accepted) + 1))


@pytest.mark.functional
@pytest.mark.slow
def test_calibration_is_seeded_and_resumes_to_the_same_posterior(recovery):
    result, _, folder, targets = recovery
    chunks = sorted((folder / "run" / "ensemble").rglob("batch-*.parquet"))
    assert len(chunks) >= 2
    copy = folder / "resumed"
    shutil.copytree(folder / "run" / "ensemble", copy)
    for chunk in sorted(copy.rglob("batch-*.parquet"))[::2]:
        chunk.unlink()
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        again = calibrate(sim.load_scenario("ballerup_2017"), targets, RECOVERY, folder=copy, executor=pool)
    pd.testing.assert_frame_equal(again.posterior, result.posterior)
    pd.testing.assert_frame_equal(again.points, result.points)


@pytest.mark.functional
@pytest.mark.slow
def test_the_calibrated_file_extends_the_base_with_the_posterior(recovery):
    result, file, _, _ = recovery
    calibrated = sim.load_scenario(file)
    assert calibrated.name == "ballerup_2017_calibrated"
    assert [label for label, _ in calibrated.files][-2] == "embedded:ballerup_2017", "it extends its base"
    for row in result.posterior.itertuples():
        node = calibrated
        for part in row.parameter.split("."):
            node = getattr(node, part)
        assert node.value == pytest.approx(row.median, rel=1e-3)
        assert node.range[0] == pytest.approx(row.p5, rel=1e-3)
        assert node.range[1] == pytest.approx(row.p95, rel=1e-3)
        assert "calibrated (ABC rejection)" in node.source


@pytest.mark.functional
@pytest.mark.slow
def test_a_whole_number_assumption_stays_whole_in_the_calibrated_file(recovery):
    result = recovery[0]
    posterior = result.posterior.assign(parameter="services.familiehus.places", median=181.4, p5=150.2,
                                        p95=210.7)
    one = dataclasses.replace(result, posterior=posterior.head(1))
    text = calibrated_toml(sim.load_scenario("ballerup_2017"), one, "t")
    assert "services.familiehus.places = { value = 181, range = [150, 211]" in text
