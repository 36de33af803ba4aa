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
from sim.report import REPORT, SUMMARY, WORKBOOK, make_report
from sim.report.accounts import layouts
from sim.report.headline import headline_tiles
from sim.report.page import key_answers
from sim.report.run import read_run


@pytest.fixture(scope="module")
def reports(staffing_run, tmp_path_factory):
    """The Danish report in the run folder and the English one in a folder of its own."""
    english = tmp_path_factory.mktemp("report") / "en"
    return {"da": make_report(staffing_run, "da"), "en": make_report(staffing_run, "en", out=english)}


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet")
            for name in ("summary", "comparison", "period_summary", "period_comparison")}


def found_variants(found: dict[str, pd.DataFrame]) -> list[str]:
    return list(found["summary"]["scenario"].unique())


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


def header_columns(sheet, row: int) -> dict[str, int]:
    """The column of each header text in ``row`` (1-based, as openpyxl counts)."""
    return {cell.value: cell.column for cell in sheet[row] if isinstance(cell.value, str)}


@pytest.mark.functional
@pytest.mark.slow
def test_the_workbook_opens_with_the_verdict_and_the_spend_over_the_period(reports, staffing_run):
    """Issue 25, item 5: a summary sheet with the tiles, the verdicts, the period's totals and a chart."""
    from sim.report.headline import headline_tiles
    from sim.report.run import read_run

    run, labels = read_run(staffing_run), Labels("da")
    assert run.scenario == "ballerup_2017_without_extra_staff"
    book = openpyxl.load_workbook(reports["da"].workbook)
    sheet = book.worksheets[0]
    assert sheet.title == labels.word("summary_sheet")
    assert sheet["A1"].value.endswith("caseworker_staffing, grundscenarie ballerup_2017_without_extra_staff")
    texts = [row for row in sheet.iter_rows(values_only=True)]
    tiles = headline_tiles(run, labels)
    assert len(tiles) == 4
    assert all((tile.title, tile.value, tile.detail) in [row[:3] for row in texts] for tile in tiles)
    sentences = [answer.text for answer in key_answers(run, labels) if answer.kind == "period"]
    assert sentences and all(any(row[0] == text for row in texts) for text in sentences)
    head = next(cell.row for cell in sheet["A"] if cell.value == labels.word("variant"))
    columns = header_columns(sheet, head)
    last = f"{run.first_year}–{run.last_year}"
    total = columns[f"{last} i alt, {labels.word('median')}"]
    difference = columns[f"Forskel fra 20 (today), {last}, {labels.word('median')}"]
    p_saving = columns[labels.word("p_saving")]
    totals, differences = run.tables["period_summary"], run.tables["period_comparison"]
    checked = 0
    for row in sheet.iter_rows(min_row=head + 1, max_row=head + 4 * 7):
        variant, item = row[0].value, row[1].value
        if item != "Udgifter: I alt med myndighed":
            continue
        outcome = "spend_kr.total_with_authority"
        assert row[total - 1].value == pytest.approx(
            value(totals, variant, outcome, run.last_year, "median") / 1000)
        if variant != run.baseline:
            assert row[difference - 1].value == pytest.approx(
                value(differences, variant, outcome, run.last_year, "median") / 1000)
            assert row[p_saving - 1].value == value(differences, variant, outcome, run.last_year, "p_lower")
            assert "%" in row[p_saving - 1].number_format
        checked += 1
    assert checked == 4
    # a native chart of the paired difference per year, drawn from the sheet's own cells
    import zipfile

    with zipfile.ZipFile(reports["da"].workbook) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = archive.read(charts[0]).decode()
    assert "<c:lineChart>" in chart and chart.count("<c:ser>") == 3 * 3  # 3 variants: median, p5, p95
    assert f"{labels.word('summary_sheet')}'!$" in chart or f"{labels.word('summary_sheet')}!$" in chart


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_probability_in_the_workbook_is_a_number_shown_as_a_percentage(reports, lang):
    """Issue 25, item 5: P(lower), P(saving) and the like are numbers from 0 to 1 with a % format."""
    labels = Labels(lang)
    book = openpyxl.load_workbook(reports[lang].workbook)
    words = {labels.word(key) for key in ("p_lower", "p_saving", "p_overspend", "p_above_zero", "p_higher")}
    found = 0
    for sheet in book.worksheets:
        for header_row in sheet.iter_rows(max_row=60):
            for cell in header_row:
                if cell.value not in words:
                    continue
                below = [c for c in sheet[cell.column_letter][cell.row:] if isinstance(c.value, float)]
                assert below, (sheet.title, cell.coordinate)
                for number in below:
                    if number.row > cell.row and number.value is not None:
                        assert 0 <= number.value <= 1 and "%" in number.number_format, (sheet.title,
                                                                                        number.coordinate)
                        found += 1
    assert found >= 3 * 40  # the difference sheet's P(lower) of every row and year, the summary's P(saving)


ENGLISH = ("Summary", "Spend", "Difference", "Paired", "difference", "against", "from", "Parameters",
           "Published", "Decisions", "Meaning", "Source", "Comes", "Variant", "Item", "Unit", "baseline",
           "Total", "total", "Year", "Title", "Caseworkers", "caseloads", "with", "the", "and", "of", "in")
"""English words a Danish workbook's sheet names, titles and headers must not hold."""


@pytest.mark.functional
@pytest.mark.slow
def test_the_danish_workbook_titles_and_headers_are_danish(reports, staffing_run):
    """Issue 25, bug 9: sheet titles read "Udgifter – <the experiment's English title>".

    What the experiment's author wrote (the variant labels, the experiment's own title, labelled as
    such on the summary sheet) stands as written; every other title and header is Danish.
    """
    from sim.report.run import read_run

    run = read_run(staffing_run)
    own = [*run.variants, run.manifest["experiment"]["name"], run.scenario]
    book = openpyxl.load_workbook(reports["da"].workbook)
    own_title = f"{Labels('da').word('experiment_title')}: {run.title}"

    def english(text: str) -> list[str]:
        for name in own:
            text = text.replace(name, "")
        return [word for word in ENGLISH if re.search(rf"(?<![\w']){word}(?![\w'])", text)]

    for sheet in book.worksheets:
        assert not english(sheet.title), sheet.title
        plain = sheet.title in (Labels("da").word(key) for key in ("parameters", "timeline", "manifest"))
        rows = [1] if plain else [1, 2, 3, 4]  # a plain table's header; an account sheet's title and headers
        if sheet.title == Labels("da").word("summary_sheet"):
            rows = range(1, 60)  # every title, tile, sentence and header of the summary
        for row in rows:
            for cell in sheet[row]:
                if isinstance(cell.value, str) and cell.value != own_title:
                    assert not english(cell.value), (sheet.title, cell.coordinate, cell.value)


@pytest.mark.unit
def test_a_downloaded_file_says_the_experiment_and_the_scenario_in_a_safe_name():
    """Issue 25, item 5: the app's downloads were app_ID_da.xlsx, saying neither."""
    import types

    from sim.report import download_name

    run = types.SimpleNamespace(manifest={"experiment": {"name": "app_2025_01_02"}}, scenario="ballerup_2017")
    assert download_name(run, "da", "xlsx") == "app_2025_01_02_ballerup_2017_da.xlsx"
    odd = types.SimpleNamespace(manifest={"experiment": {"name": "Århus: plan/2019?"}}, scenario="Køge *ny*")
    assert download_name(odd, "scenario_files", "zip") == "Aarhus_plan_2019_Koege_ny_scenario_files.zip"


@pytest.mark.functional
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_variant_no_replication_differs_in_reads_the_same_not_zero_higher(staffing_run, lang):
    """Issue 25, bug 6: a variant identical to the baseline read "0.0 mio kr higher ... lower is 0%"."""
    import dataclasses

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
    assert len(raised.value.problems) == 4  # report.html, summary.html, workbook.xlsx and figures/ each named
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
    for name in (REPORT, SUMMARY, WORKBOOK, "figures"):
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
    assert {p.name for p in (tmp_path / "report").iterdir()} == {REPORT, SUMMARY, WORKBOOK, "figures"}


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
    heading = page.inner_text("h1")  # bug 9: a Danish report was headed by the experiment's English title
    assert heading == (labels.word("report_heading").format(name="caseworker_staffing") if lang == "da"
                       else read_run(staffing_run).title)
    answers = page.eval_on_selector_all(
        "p.answer",
        "els => els.map(e => [e.dataset.variant, e.dataset.outcome, e.dataset.kind, e.innerText])")
    assert {a.text for a in key_answers_of(reports, lang, staffing_run)} == {a[3] for a in answers}
    assert {"period", "difference", "level"} <= {kind for *_, kind, _ in answers}
    for variant, outcome, kind, text in answers:
        table = found[{"level": "summary", "period": "period_comparison"}.get(kind, "comparison")]
        display = describe(outcome).figure  # kroner in mio kr, as a committee reads them
        divisor, decimals = display.divisor, display.decimals
        year = int(found["summary"]["year"].max())
        median = value(table, variant, outcome, year, "median") / divisor
        shown_median = labels.number(abs(median) if kind in ("difference", "period") else median, decimals)
        for figure in (shown_median, labels.number(value(table, variant, outcome, year, "p5") / divisor,
                                                   decimals),
                       labels.number(value(table, variant, outcome, year, "p95") / divisor, decimals)):
            assert figure in re.findall(r"−?[0-9][0-9.,]*[0-9]|[0-9]", text), (figure, text)
        if kind in ("difference", "period"):
            assert labels.percent(value(table, variant, outcome, year, "p_lower")) in text
            assert labels.word("lower" if median < 0 else "higher") in text

    tiles = page.eval_on_selector_all(
        ".tile", "els => els.map(e => [e.dataset.key, e.dataset.variant, "
        "e.querySelector('.tile-value').innerText])")
    assert [key for key, *_ in tiles] == ["level"] + ["difference"] * (len(found_variants(found)) - 1)
    mio = describe("spend_kr.total_with_authority").figure
    for key, variant, shown_value in tiles:
        total = value(found["period_comparison" if key == "difference" else "period_summary"], variant,
                      "spend_kr.total_with_authority", year, "median")
        assert labels.number(total / mio.divisor, mio.decimals) in shown_value, (variant, shown_value)

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
    return key_answers(read_run(folder), Labels(lang))


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF, counted as its page objects (no PDF library needed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_summary_prints_on_one_a4_page_and_its_figures_are_the_run(browser, reports, staffing_run, lang):
    """Issue 25, item 2: summary.html, self-contained, one A4 page of four variants, the run's numbers."""
    summary = reports[lang].summary
    assert summary.parent == reports[lang].html.parent
    text = summary.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"(?!data:|#|report\.html)", text)  # nothing loaded from elsewhere
    assert "http://" not in text.replace("http://www.w3.org/", "") and "https://" not in text
    page = browser.new_page(viewport={"width": 794, "height": 1123})
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(summary.resolve().as_uri())
    page.wait_for_load_state("load")
    assert not [url for url in fetched if not url.startswith(("file:", "data:"))]
    assert pdf_pages(page.pdf(format="A4")) == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / f"summary-{lang}.png"), full_page=True)

    run, labels = read_run(staffing_run), Labels(lang)
    assert len(run.variants) == 4
    assert page.inner_text("h1") == (labels.word("summary_heading").format(name="caseworker_staffing")
                                     if lang == "da" else run.title)
    tiles = page.eval_on_selector_all(".tile .tile-value", "els => els.map(e => e.innerText)")
    assert tiles == [tile.value for tile in headline_tiles(run, labels)]
    sentences = page.eval_on_selector_all("p.sentence", "els => els.map(e => e.innerText)")
    assert sentences == [a.text for a in key_answers(run, labels) if a.kind == "period"]
    assert page.locator("figure[data-figure=paired_difference] svg").count() == 1
    decisions = page.eval_on_selector_all("ul.decisions li", "els => els.map(e => e.dataset.variant)")
    assert decisions == run.variants

    def cell(variant: str, outcome: str, year: str) -> str:
        return page.inner_text(f'tbody[data-variant="{variant}"] td[data-outcome="{outcome}"]'
                               f'[data-year="{year}"]')

    total, display = "spend_kr.total_with_authority", describe("spend_kr.total_with_authority").figure
    last, other = run.last_year, run.variants[-1]
    assert cell(run.baseline, total, str(last)) == display.number(
        value(run.tables["summary"], run.baseline, total, last, "median"), labels)
    assert cell(other, "spend_kr.placement", str(last)) == display.number(
        value(run.tables["comparison"], other, "spend_kr.placement", last, "median"), labels)
    assert cell(other, total, "period") == display.number(
        value(run.tables["period_comparison"], other, total, last, "median"), labels)
    rows = page.eval_on_selector_all(f'tbody[data-variant="{other}"] td[data-year="{last}"]',
                                     "els => els.map(e => e.dataset.outcome)")
    assert rows == [*(f"spend_kr.{level}" for level in ACCOUNTS_LEVELS), "spend_kr.authority", total]
    not_analysed = page.inner_text("p.not-analysed")  # the staffing run had no sensitivity analysis
    assert "sensitivity_staffing" in not_analysed and "[sensitivity]" in not_analysed
    page.close()




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
