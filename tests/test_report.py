"""What planners open: the workbook's numbers are the run's, the report is whole and its figures are right.

The workbook is read back with openpyxl and compared cell by cell with the
run's summary and comparison tables. The HTML report is opened in headless
Chromium (Debian's package, driven by Playwright): it must load nothing
from the network, show every image, and every figure in its text must be
the run's. Without Chromium the browser test is skipped, unless
BARNESIM_REQUIRE_BROWSER is set (as ``.ci/run`` does), when it fails.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import SCREENSHOTS
from hypothesis import given
from hypothesis import strategies as st
from test_experiments import SMALL

from sim.errors import InputError
from sim.montecarlo.outcomes import ACCOUNTS_LEVELS
from sim.montecarlo.registry import describe
from sim.output.words import Labels
from sim.report import REPORT, WORKBOOK, make_report
from sim.report.accounts import layouts
from sim.report.page import key_answers


@pytest.fixture(scope="module")
def reports(staffing_run, tmp_path_factory):
    """The Danish report in the run folder and the English one in a folder of its own."""
    english = tmp_path_factory.mktemp("report") / "en"
    return {"da": make_report(staffing_run, "da"), "en": make_report(staffing_run, "en", out=english)}


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in ("summary", "comparison")}


def value(table: pd.DataFrame, variant: str, outcome: str, year: int, stat: str) -> float:
    row = table[(table["scenario"] == variant) & (table["outcome"] == outcome) & (table["year"] == year)]
    assert len(row) == 1, (variant, outcome, year)
    return float(row.iloc[0][stat])


def sheet_cells(sheet) -> list[tuple[str, str, int, str, object, str]]:
    """(variant, item, year, statistic header, value, number format) of every figure of an account sheet."""
    years, stats = {}, {}
    year = None
    for cell in sheet[3][3:]:
        year = cell.value if cell.value is not None else year
        years[cell.column] = year
    for cell in sheet[4][3:]:
        stats[cell.column] = cell.value
    found = []
    for row in sheet.iter_rows(min_row=5):
        variant, item = row[0].value, row[1].value
        for cell in row[3:]:
            if cell.value is not None:
                found.append((variant, item, years[cell.column], stats[cell.column], cell.value,
                              cell.number_format))
    return found


@pytest.mark.property
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 2))
def test_numbers_read_back_as_written_in_either_language(number, decimals):
    danish, english = Labels("da").number(number, decimals), Labels("en").number(number, decimals)
    read = float(english.replace(",", "").replace("−", "-"))
    assert read == pytest.approx(round(number, decimals), abs=1e-9)
    assert danish == english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert ("," in danish) == (decimals > 0)  # the decimal comma, and thousands with a point


@pytest.mark.unit
def test_account_tables_keep_the_rows_asked_for_in_the_accounts_order():
    found = layouts({"spend_kr.total", "median_wait_days.dut", "spend_kr.placement", "external_share.dut",
                     "placements_31_dec.own_room"})
    assert [(layout.key, [outcome for _, outcome in layout.rows]) for layout in found] == [
        ("spend", ["spend_kr.placement", "spend_kr.total"]),
        ("placements_31_dec", ["placements_31_dec.own_room"]),
        ("services", ["median_wait_days.dut", "external_share.dut"]),
    ]


@pytest.mark.functional
@pytest.mark.slow
def test_the_workbook_holds_the_run_numbers_as_numbers(reports, staffing_run):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book = openpyxl.load_workbook(reports["da"].workbook)
    assert not caught, [str(w.message) for w in caught]
    labels, summary = Labels("da"), tables(staffing_run)["summary"]
    items = {labels.row(level): f"spend_kr.{level}" for level in [*ACCOUNTS_LEVELS, "total", "authority",
                                                                  "total_with_authority"]}
    stat_of = {labels.word(stat): stat for stat in ("median", "p5", "p95")}
    spend = book[labels.heading("spend")]
    assert spend.freeze_panes == "D5"
    assert "1.000 kr." in [cell.value for cell in spend["C"]]
    cells = sheet_cells(spend)
    variants = list(dict.fromkeys(c[0] for c in cells))
    assert variants == ["20 (today)", "24", "28", "32 (+12)"]
    assert len(cells) == len(variants) * len(items) * 5 * 3  # 5 years, median and 90% interval
    for variant, item, year, stat, number, number_format in cells:
        assert isinstance(number, float) and "#,##0" in number_format
        expected = value(summary, variant, items[item], year, stat_of[stat]) / 1000
        assert number == pytest.approx(expected, rel=1e-12), (variant, item, year, stat)


@pytest.mark.functional
@pytest.mark.slow
def test_the_difference_sheet_holds_the_paired_differences(reports, staffing_run):
    labels, comparison = Labels("en"), tables(staffing_run)["comparison"]
    book = openpyxl.load_workbook(reports["en"].workbook)
    sheet = book[f"{labels.word('difference')} 20 (today)"]
    cells = [c for c in sheet_cells(sheet) if c[1] == labels.row("placements_started")]
    assert {c[0] for c in cells} == {"24", "28", "32 (+12)"}  # every variant but the baseline
    stat_of = {labels.word(stat): stat for stat in ("median", "p5", "p95", "p_lower")}
    for variant, _, year, stat, number, _ in cells:
        assert number == pytest.approx(value(comparison, variant, "placements_started", year, stat_of[stat]))


@pytest.mark.functional
@pytest.mark.slow
def test_the_workbook_records_the_decisions_and_the_manifest(reports, staffing_run):
    book = openpyxl.load_workbook(reports["en"].workbook)
    timeline = pd.DataFrame(book["Decisions over time"].values)
    timeline.columns = timeline.iloc[0]
    counts = timeline[timeline["Parameter"] == "caseworkers.count"]
    assert sorted(counts["Value"]) == [20, 24, 28, 32]
    manifest = dict(book["Manifest"].iter_rows(min_row=2, values_only=True))
    assert manifest["seed"] == "11" and manifest["experiment.name"] == "caseworker_staffing"
    parameters = pd.DataFrame(book["Parameters"].values)
    assert "caseworkers.salary_per_year" in set(parameters[0])
    parameters.columns = parameters.iloc[0]
    salary = parameters[parameters["Parameter"] == "caseworkers.salary_per_year"]
    assert list(salary["Comes from"]) == ["extended: embedded:ballerup_2017_steady"]


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_variant_no_replication_differs_in_reads_the_same_not_zero_higher(staffing_run, lang):
    """Issue 25, bug 6: a variant identical to the baseline read "0.0 mio kr higher ... lower is 0%"."""
    import dataclasses

    from sim.report.run import read_run

    run = read_run(staffing_run)
    comparison = run.tables["comparison"].copy()
    same = comparison["scenario"] == run.variants[1]
    comparison.loc[same, ["median", "p5", "p95", "mean"]] = 0.0
    comparison.loc[same, "p_lower"] = 0.0
    answers = key_answers(dataclasses.replace(run, tables={**run.tables, "comparison": comparison}),
                          Labels(lang))
    texts = [a.text for a in answers if a.variant == run.variants[1] and a.kind == "difference"]
    assert texts and all(Labels(lang).word("higher") not in text for text in texts)
    assert all(text.endswith(Labels(lang).word("answer_same").rsplit("{baseline}", 1)[1]) for text in texts)


@pytest.mark.functional
def test_a_report_of_an_ensemble_folder_says_what_it_is_and_what_to_do(tmp_path):
    """Issue 25, bug 7: make_report on a folder of run_ensemble(folder=...) gave no way forward."""
    from sim.errors import InputError
    from sim.montecarlo import run_ensemble

    run_ensemble(["ballerup_2017"], 1, years=1, folder=tmp_path / "ensemble")
    with pytest.raises(InputError) as refused:
        make_report(tmp_path / "ensemble")
    message = str(refused.value)
    assert message.startswith("cannot report") and "run_ensemble(folder=...)" in message
    assert "python -m sim.experiments FILE --report" in message
    assert "make_report(ensemble, out=NEW_FOLDER)" in message  # issue 25, item 6: the report of an ensemble
    assert not (tmp_path / "ensemble" / "report.html").exists()


@pytest.mark.unit
def test_a_decision_a_variant_changes_is_not_labelled_with_the_base_decisions_note():
    """Issue 25, bug 5: the planner's changed count carried Ballerup's note of its 12 hired caseworkers."""
    from sim.report.assumptions import timeline_table
    from sim.scenario import extend_scenario, load_scenario

    base = load_scenario("ballerup_2017")
    changed = extend_scenario("ballerup_2017", {"timeline": {"2017-02-01": {"caseworkers": {"count": 28}}}},
                              "fewer.toml")
    notes = {change.path: change.note for change in changed.timeline}
    assert notes["reform.practised"] == base.timeline[1].note  # not changed: the base's own note
    assert notes["caseworkers.count"] == "set in fewer.toml"
    run = type("Run", (), {"scenarios": {"base": base, "fewer": changed}})()
    table = timeline_table(run).set_index(["variant", "path"])
    assert table.loc[("fewer", "caseworkers.count"), "note"] == "set in fewer.toml"


@pytest.mark.unit
def test_the_assumptions_say_where_each_value_comes_from():
    from types import SimpleNamespace

    from sim.report.assumptions import parameter_table, ranged
    from sim.report.page import _assumptions
    from sim.scenario import extend_scenario, load_scenario

    scenarios = {"ballerup_2017": load_scenario("ballerup_2017"),
                 "more_staff": extend_scenario("ballerup_2017", {"caseworkers": {"count": 24}}, "more.toml")}
    run = SimpleNamespace(scenarios=scenarios, variants=list(scenarios), baseline="ballerup_2017")
    table = parameter_table(run).set_index("path")
    assert table.loc["caseworkers.salary_per_year", "origin"] == "extended: embedded:ballerup_2017_steady"
    assert table.loc["caseworkers.count", "origin"] == "extended: embedded:ballerup_2017_steady"
    assert "origin" in ranged(run).columns
    danish = {block["key"]: block for block in _assumptions(run, Labels("da"))}
    assert "andel" in str(danish["ranged"]) and "fraction per year" not in str(danish["ranged"])  # bug 9
    blocks = {block["key"]: block for block in _assumptions(run, Labels("en"))}
    assert blocks["lever_parameters"]["columns"][-1] == "Comes from"
    assert blocks["ranged"]["columns"][-1] == "Comes from"


@pytest.mark.functional
@pytest.mark.slow
def test_figures_are_written_as_png_and_svg(reports):
    names = {path.name for path in reports["da"].figures}
    stems = {Path(name).stem for name in names}
    assert {"fan_spend", "fan_placements", "paired_difference", "caseload"} <= stems
    assert all(f"{stem}.png" in names and f"{stem}.svg" in names for stem in stems)
    for path in reports["da"].figures:
        head = path.read_bytes()[:200]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else b"<svg" in path.read_bytes()[:2000]


@pytest.mark.functional
@pytest.mark.slow
def test_a_report_is_never_overwritten(reports, staffing_run):
    before = reports["da"].html.read_bytes()
    with pytest.raises(InputError, match="already exists") as raised:
        make_report(staffing_run, "en")
    assert {p.path for p in raised.value.problems} == {""}
    assert len(raised.value.problems) == 3  # report.html, workbook.xlsx and figures/ each named
    assert reports["da"].html.read_bytes() == before


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.report", *args], capture_output=True, text=True)


@pytest.mark.functional
@pytest.mark.slow
def test_the_command_refuses_bad_input_before_writing(staffing_run, tmp_path):
    missing = run_cli(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no manifest.json" in missing.stderr
    language = run_cli(str(staffing_run), "--lang", "fr", "--out", str(tmp_path / "fr"))
    assert language.returncode == 2 and "--lang" in language.stderr and "'da', 'en'" in language.stderr
    assert not (tmp_path / "fr").exists()
    unfinished = tmp_path / "unfinished"
    shutil.copytree(staffing_run, unfinished)
    for name in (REPORT, WORKBOOK, "figures"):
        path = unfinished / name
        if path.is_dir():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
    manifest = (unfinished / "manifest.json").read_text()
    manifest = manifest.replace('"status": "complete"', '"status": "interrupted"')
    (unfinished / "manifest.json").write_text(manifest)
    refused = run_cli(str(unfinished))
    assert refused.returncode == 2 and "--resume" in refused.stderr
    assert not (unfinished / REPORT).exists()


@pytest.mark.functional
@pytest.mark.slow
def test_the_command_writes_a_report_into_a_new_folder(staffing_run, tmp_path):
    done = run_cli(str(staffing_run), "--lang", "en", "--out", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "report").iterdir()} == {REPORT, WORKBOOK, "figures"}


# -- the report in a real browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_report_opens_whole_in_chromium_and_its_figures_are_the_run(browser, reports, staffing_run, lang):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(reports[lang].html.resolve().as_uri())
    page.wait_for_load_state("load")
    outside = [url for url in fetched if not url.startswith(("file:", "data:"))]
    assert not outside, f"the report loads from outside itself: {outside}"
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
    assert len(images) >= 4
    broken = [alt for complete, width, alt in images if not complete or width == 0]
    assert not broken, f"broken images: {broken}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"report-{lang}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000

    labels, found = Labels(lang), tables(staffing_run)
    answers = page.eval_on_selector_all(
        "p.answer",
        "els => els.map(e => [e.dataset.variant, e.dataset.outcome, e.dataset.kind, e.innerText])")
    assert {a.text for a in key_answers_of(reports, lang, staffing_run)} == {a[3] for a in answers}
    for variant, outcome, kind, text in answers:
        table = found["summary" if kind == "level" else "comparison"]
        display = describe(outcome).figure  # kroner in mio kr, as a committee reads them
        divisor, decimals = display.divisor, display.decimals
        year = int(found["summary"]["year"].max())
        median = value(table, variant, outcome, year, "median") / divisor
        shown_median = labels.number(abs(median) if kind == "difference" else median, decimals)
        for figure in (shown_median, labels.number(value(table, variant, outcome, year, "p5") / divisor,
                                                   decimals),
                       labels.number(value(table, variant, outcome, year, "p95") / divisor, decimals)):
            assert figure in re.findall(r"−?[0-9][0-9.,]*[0-9]|[0-9]", text), (figure, text)
        if kind == "difference":
            assert labels.percent(value(table, variant, outcome, year, "p_lower")) in text
            assert labels.word("lower" if median < 0 else "higher") in text

    cells = page.eval_on_selector_all(
        "table[data-kind=level] td.num",
        "els => els.map(e => [e.dataset.variant, e.dataset.outcome, +e.dataset.year, "
        "e.firstChild.textContent])")
    assert len(cells) > 50
    for variant, outcome, year, text in cells:
        display = describe(outcome).table
        divisor, decimals = display.divisor, display.decimals
        assert text == labels.number(value(found["summary"], variant, outcome, year, "median") / divisor,
                                     decimals), (variant, outcome, year)
    page.close()


def key_answers_of(reports, lang, folder):
    from sim.report.run import read_run

    return key_answers(read_run(folder), Labels(lang))




def experiments_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.experiments", *args, "--workers", "1", "--no-progress"],
                          capture_output=True, text=True)


@pytest.mark.functional
@pytest.mark.slow
def test_an_experiment_run_with_report_ends_with_the_report(tmp_path):
    experiment = tmp_path / "small_report.toml"
    experiment.write_text(SMALL.format(name="small_report"), encoding="utf-8")
    refused = experiments_cli(str(experiment), "--report", "--lang", "fr", "--out", str(tmp_path / "fr"))
    assert refused.returncode == 2 and "--lang" in refused.stderr
    assert not (tmp_path / "fr").exists()  # refused before anything ran
    done = experiments_cli(str(experiment), "--report", "--lang", "en", "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "run" / REPORT).read_text(encoding="utf-8")
    assert 'lang="en"' in html and "more places" in html and "Familiehus (family centre)" in html
    book = openpyxl.load_workbook(tmp_path / "run" / WORKBOOK)
    assert "Spend" in book.sheetnames and "Difference from today" in book.sheetnames
    again = experiments_cli("--resume", str(tmp_path / "run"), "--report")
    assert again.returncode == 2 and "report.html: already exists" in again.stderr  # refused before running
