"""The report's figures: each is a real PNG and SVG, the set fits the run, and what they show is the run's.

Made from the small caseworker_staffing run that ``conftest.staffing_run``
makes once per session (4 variants, 3 replications, 5 years). Runs with
fewer outcomes or one variant are cut from it with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from sim.output.words import Labels
from sim.report.plots import caseload, fan_spend, report_figures
from sim.report.run import Run, read_run

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

pytestmark = [pytest.mark.functional, pytest.mark.slow]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
ALL = ["fan_spend", "fan_placements", "paired_difference", "waits", "caseload"]


@pytest.fixture(scope="module")
def run(staffing_run) -> Run:
    return read_run(staffing_run)


@pytest.fixture(scope="module")
def figures(run, tmp_path_factory):
    """The figures in each language, each in a folder of its own."""
    base = tmp_path_factory.mktemp("figures")
    return {lang: report_figures(run, Labels(lang), base / lang / "figures") for lang in ("da", "en")}


def svg_texts(path: Path) -> list[str]:
    """Every text of an SVG figure; there are some only because text is kept as text, not paths."""
    root = ET.parse(path).getroot()
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def without(run: Run, prefix: str) -> Run:
    """``run`` as if it held no outcome starting with ``prefix``."""
    return dataclasses.replace(run, tables={name: table[~table["outcome"].str.startswith(prefix)]
                                            if "outcome" in table else table
                                            for name, table in run.tables.items()})


def test_every_figure_is_a_png_and_an_svg_in_the_folder(figures):
    for lang, made in figures.items():
        assert [f.name for f in made] == ALL, lang
        folder = made[0].png.parent
        expected = sorted(f"{name}.{suffix}" for name in ALL for suffix in ("png", "svg"))
        assert sorted(p.name for p in folder.iterdir()) == expected
        for figure in made:
            assert figure.png == folder / f"{figure.name}.png" and figure.svg == folder / f"{figure.name}.svg"
            assert figure.png.read_bytes().startswith(PNG_SIGNATURE), figure.name
            assert ET.parse(figure.svg).getroot().tag == f"{SVG}svg", figure.name
            assert figure.title


def test_figure_text_is_kept_as_text_in_the_language(figures):
    da, en = Labels("da"), Labels("en")
    texts = {lang: {f.name: " ".join(svg_texts(f.svg)) for f in made} for lang, made in figures.items()}
    assert f"{da.word('target')}: 20 {da.word('cases')}" in texts["da"]["caseload"]
    assert f"{en.word('target')}: 20 {en.word('cases')}" in texts["en"]["caseload"]
    assert da.word("fan_spend") in texts["da"]["fan_spend"]
    assert da.row("placement") in texts["da"]["fan_spend"]
    assert da.word("mio_kr") in texts["da"]["paired_difference"]
    assert da.row("residential_institution") in texts["da"]["fan_placements"]
    assert en.row("residential_institution") not in texts["da"]["fan_placements"]
    assert da.row("familiehus") in texts["da"]["waits"] and da.word("days") in texts["da"]["waits"]
    for variant in ("20 (today)", "24", "28", "32 (+12)"):
        assert variant in texts["da"]["caseload"]
    assert {f.title for f in figures["da"]}.isdisjoint({f.title for f in figures["en"]})


def test_the_paired_difference_gives_each_variants_chance_of_a_saving(run, figures):
    labels = Labels("da")
    text = " ".join(svg_texts(figures["da"][ALL.index("paired_difference")].svg))
    comparison = run.tables["comparison"]
    last = comparison[(comparison["outcome"] == "spend_kr.total_with_authority")
                      & (comparison["year"] == run.last_year)].set_index("scenario")
    assert set(last.index) == {"24", "28", "32 (+12)"}
    for variant, row in last.iterrows():
        assert (f"{variant} ({labels.word('p_lower')} {run.last_year}: {labels.percent(row['p_lower'])})"
                in text), variant
    assert "20 (today)" in figures["da"][ALL.index("paired_difference")].title


def test_the_lines_are_the_run_medians_and_the_target_the_baselines(run):
    labels = Labels("en")
    summary = run.tables["summary"].set_index(["scenario", "outcome", "year"]).sort_index()
    drawing, _ = caseload(run, labels)
    try:
        axes = drawing.axes[0]
        medians = {line.get_label(): line.get_ydata() for line in axes.get_lines()}
        for variant in run.variants:
            expected = summary.loc[(variant, "caseload_per_worker.mean")]["median"]
            np.testing.assert_allclose(medians[variant], expected.to_numpy())
        target = [y for label, y in medians.items() if label.startswith(labels.word("target"))]
        assert [list(y) for y in target] == [[20.0, 20.0]]
    finally:
        plt.close(drawing)
    drawing, _ = fan_spend(run, labels)
    try:
        total = next(a for a in drawing.axes if a.get_title() == labels.row("total_with_authority"))
        line = next(line for line in total.get_lines() if line.get_label() == "32 (+12)")
        expected = summary.loc[("32 (+12)", "spend_kr.total_with_authority")]["median"] / 1e6
        np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
        assert list(line.get_xdata()) == sorted(run.tables["summary"]["year"].unique())
    finally:
        plt.close(drawing)


def test_a_figure_whose_outcomes_are_missing_is_left_out(run, tmp_path):
    labels = Labels("en")
    no_waits = report_figures(without(run, "median_wait_days."), labels, tmp_path / "no_waits")
    assert [f.name for f in no_waits] == [n for n in ALL if n != "waits"]
    assert not (tmp_path / "no_waits" / "waits.png").exists()
    bare = without(without(without(run, "spend_kr."), "placements_31_dec."), "median_wait_days.")
    assert [f.name for f in report_figures(bare, labels, tmp_path / "bare")] == ["caseload"]


def test_a_single_variant_has_no_paired_difference(run, tmp_path):
    baseline = run.baseline
    alone = dataclasses.replace(
        run, scenarios={baseline: run.scenarios[baseline]},
        tables={name: table[table["scenario"] == baseline] if "scenario" in table else table
                for name, table in run.tables.items()})
    made = report_figures(alone, Labels("da"), tmp_path)
    assert [f.name for f in made] == [n for n in ALL if n != "paired_difference"]
    assert not (tmp_path / "paired_difference.svg").exists()


def test_the_same_run_gives_the_same_files(run, figures, tmp_path):
    again = report_figures(run, Labels("en"), tmp_path)
    for first, second in zip(figures["en"], again, strict=True):
        assert first.svg.read_bytes() == second.svg.read_bytes(), first.name
        assert first.png.read_bytes() == second.png.read_bytes(), first.name
