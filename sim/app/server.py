"""The web app: Shiny for Python screens over :class:`~sim.app.workspace.Workspace`.

Screens, left to right: the sidebar (start scenario, upload, run settings,
Run with its progress bar), Levers (decisions from a date, demand, prices,
the other ranged assumptions; save under a name), Results (the paired
comparison, the report's figures, downloads) and Compare (saved scenarios'
levers side by side). Everything it computes comes from the ``sim`` API the
command line uses: the levers' checks are the scenario format's, a run is
an experiment run, the charts and workbook are the report's.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import multiprocessing
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pandas as pd
from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from .. import MAX_YEARS
from ..errors import InputError, Problem
from ..montecarlo.registry import KRONER, describe, outcome_label
from ..output.words import Labels
from ..report import LANGUAGES, download_name, read_run
from ..report.page import key_answers
from ..scenario import Scenario
from ..scenario.provenance import borrowed_lines, origins
from .levers import GROUPS, Lever, Setting, changes, levers, settings
from .template import population_scenario, write_template
from .text import lever_label, text
from .workspace import RunRequest, Workspace

HEADLINE = "spend_kr.total_with_authority"
"""The outcome the comparison table opens with: everything the budget frame pays, staff included."""
COMPARED = ("spend_kr.total_with_authority", "spend_kr.total", "spend_kr.placement", "spend_kr.home_based",
            "spend_kr.preventive", "spend_kr.authority", "placements_31_dec.total",
            "full_year_persons.placement", "caseload_per_worker.mean", "median_wait_days.familiehus",
            "median_wait_days.dut")
"""The outcomes the comparison table can show; P(lower) is P(saving > 0) for spend."""
WRAPPED = "white-space: pre-wrap"
"""Problems keep the command line's layout, one per line, and wrap in a narrow column."""
FIGURES = ("fan_spend", "paired_difference", "fan_placements", "waits", "caseload")
"""The report's figures the results screen shows, in order."""


class Stopped(Exception):
    """The app is shutting down (Ctrl-C): a run in progress stops after its running batches."""


class Progress:
    """Runs done of a run in progress, written by the run's thread and read by the screen."""

    def __init__(self, stopping: threading.Event) -> None:
        self._lock = threading.Lock()
        self._stopping = stopping
        self.done, self.total = 0, 0

    def update(self, done: int, total: int) -> None:
        """What the engine reports after each batch; raises :class:`Stopped` once the app is stopping.

        The run is then marked interrupted, and ``python -m sim.experiments
        --resume`` finishes it from the batches it kept.
        """
        with self._lock:
            self.done, self.total = done, total
        if self._stopping.is_set():
            raise Stopped("the app was stopped; resume the run with python -m sim.experiments --resume")

    def read(self) -> tuple[int, int]:
        """(done, total)."""
        with self._lock:
            return self.done, self.total


def make_app(workspace: Workspace, *, lang: str = "da", workers: int = 1) -> App:
    """The app over ``workspace``, in ``lang`` unless the address asks for another, running on ``workers``."""

    def page(request: Any) -> ui.Tag:
        return _page(workspace, language(str(request.url.query), lang))

    stopping = threading.Event()

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        _server(workspace, workers, lang, stopping, input, output, session)

    app = App(page, server)
    app.on_shutdown(stopping.set)  # else Ctrl-C would wait for a run in progress to finish
    return app


def language(query: str, default: str) -> str:
    """The language the address asks for (``?lang=en``), or ``default``: the page and the session agree."""
    chosen = urllib.parse.parse_qs(query.lstrip("?")).get("lang", [default])[-1]
    return chosen if chosen in LANGUAGES else default


def _page(workspace: Workspace, lang: str) -> ui.Tag:
    """The screens in ``lang``."""
    def t(key: str) -> str:
        return text(lang, key)

    other = LANGUAGES[1 - LANGUAGES.index(lang)]
    labels = Labels(lang)
    sidebar = ui.sidebar(
        ui.a(t("other_language"), href=f"?lang={other}", id="language"),
        ui.input_select("start", t("start"), choices=workspace.starts(), selected=workspace.starts()[0]),
        ui.input_text("name", t("name"), "my_scenario"),
        ui.input_action_button("run", t("run"), class_="btn-primary"),
        ui.output_ui("progress"),
        ui.layout_columns(
            ui.input_numeric("years", t("years"), 5, min=1, max=MAX_YEARS, step=1),
            ui.input_numeric("replications", t("replications"), 50, min=1, step=1),
            ui.input_numeric("seed", t("seed"), 0, min=0, step=1),
            col_widths=(4, 4, 4)),
        ui.input_radio_buttons("uncertainty", t("uncertainty"), {
            kind: _capitalised(labels.uncertainty(kind)) for kind in ("stochastic", "parameters")}),
        ui.hr(),
        ui.input_file("upload", t("upload"), accept=[".toml", ".xlsx"]),
        ui.output_ui("upload_message"),
        ui.download_button("template", t("template")),
        ui.download_button("template_profile", t("template_profile")),
        width=360,
    )
    levers_tab = ui.nav_panel(
        t("levers_tab"),
        ui.output_ui("borrowed"),
        ui.output_ui("problems"),
        ui.output_ui("lever_inputs"),
        ui.hr(),
        ui.layout_columns(
            ui.div(ui.input_text("save_name", t("save_as"), ""), ui.input_action_button("save", t("save")),
                   ui.output_ui("save_message")),
            ui.div(ui.output_ui("saved_choices"), ui.input_action_button("load", t("load"))),
        ),
    )
    results_tab = ui.nav_panel(
        t("results"),
        ui.output_ui("run_problems"),
        ui.output_ui("run_choice"),
        ui.output_ui("answers"),
        ui.output_ui("comparison_choice"),
        ui.output_ui("comparison"),
        ui.div(ui.download_button("workbook", t("download_workbook")),
               ui.download_button("report", t("download_report")),
               ui.download_button("bundle", t("download_bundle")), class_="d-flex gap-2 my-3"),
        ui.output_ui("figures"),
    )
    compare_tab = ui.nav_panel(t("compare"), ui.h4(t("side_by_side")), ui.output_ui("side_by_side"))
    return ui.page_sidebar(sidebar, ui.navset_tab(levers_tab, results_tab, compare_tab, id="tabs"),
                           title=t("app_title"), lang=lang, window_title="barnesim")


def _server(workspace: Workspace, workers: int, default_lang: str, stopping: threading.Event, input: Inputs,
            output: Outputs, session: Session) -> None:
    """The app's behaviour for one browser session."""
    counter = Progress(stopping)
    saved_version = reactive.value(0)
    shown = reactive.value(None)  # a scenario whose settings fill the levers: the start or a loaded one
    pending = reactive.value(None)  # a saved scenario to show once its start is chosen
    current_run: reactive.Value[Path | None] = reactive.value(None)
    run_error: reactive.Value[str] = reactive.value("")
    upload_note: reactive.Value[Any] = reactive.value(None)
    save_note: reactive.Value[Any] = reactive.value(None)

    @reactive.calc
    def lang() -> str:
        return language(session.clientdata.url_search() or "", default_lang)

    def t(key: str, **values: Any) -> str:
        return text(lang(), key, **values)

    @reactive.calc
    def base():
        return workspace.load(input.start())

    @reactive.calc
    def the_levers() -> list[Lever]:
        return levers(base())

    @reactive.effect
    @reactive.event(input.start)
    def _start_chosen() -> None:  # a saved scenario being loaded waits for its start to be chosen
        shown.set(pending() or base())
        pending.set(None)

    @render.ui
    def lever_inputs() -> ui.TagChild:
        scenario = shown() or base()
        now = settings(scenario, the_levers())
        labels = Labels(lang())
        first = base().scenario.start_date
        origin = _origins(scenario, now)
        groups = []
        for group in (*GROUPS, "assumptions"):
            items = [(i, lever) for i, lever in enumerate(the_levers()) if lever.group == group]
            rows = [_lever_input(i, lever, now[lever.path], first, lang(), labels, origin[lever.path])
                    for i, lever in items]
            groups.append(ui.accordion_panel(t(f"group_{group}"), *rows, value=group))
        return ui.accordion(*groups, open=list(GROUPS), id="lever_groups")

    @reactive.calc
    def wanted() -> dict[str, Setting] | InputError:
        """The settings the inputs hold; an empty number is named as the scenario format would."""
        result, problems = {}, []
        for i, lever in enumerate(the_levers()):
            value = input[f"lever_{i}"]() if f"lever_{i}" in input else None
            if value is None:
                problems.append(Problem(f"levers of {input.name()}", lever.path, "must be a number"))
                continue
            start = input[f"date_{i}"]() if lever.dated and f"date_{i}" in input else None
            result[lever.path] = Setting(value, _date(start))
        return InputError(problems, "the levers are not valid") if problems else result

    @reactive.calc
    def edited() -> tuple[dict[str, Any], InputError | None]:
        """The overrides of the start scenario, and what is wrong with them, in the command line's words."""
        settings_now = wanted()
        if isinstance(settings_now, InputError):
            return {}, settings_now
        overrides = changes(base(), the_levers(), settings_now)
        try:
            workspace.scenario(input.start(), input.name(), overrides)
        except InputError as error:
            return overrides, error
        return overrides, None

    @render.ui
    def borrowed() -> ui.TagChild:
        return _borrowed(shown() or base(), lang())

    @render.ui
    def problems() -> ui.TagChild:
        return _problems(edited()[1], t("valid"), "lever_problems")

    @reactive.effect
    @reactive.event(input.upload)
    def _uploaded() -> None:
        files = input.upload() or []
        for file in files:
            try:
                start = workspace.upload(file["name"], Path(file["datapath"]).read_bytes())
            except InputError as error:
                upload_note.set(_problems(error, "", "upload_problems"))
                continue
            upload_note.set(ui.div(f"{t('uploaded')}: {start}", id="upload_ok", class_="text-success"))
            ui.update_select("start", choices=workspace.starts(), selected=start)

    @render.ui
    def upload_message() -> ui.TagChild:
        return upload_note()

    @render.download_button(filename=lambda: f"{base().name}_template_{lang()}.xlsx")
    def template():
        start = input.start()
        yield write_template(base(), start, lang())

    @render.download_button(filename=lambda: f"{base().name}_own_template_{lang()}.xlsx")
    def template_profile():
        yield write_template(population_scenario(base()), "", lang())

    @reactive.effect
    @reactive.event(input.save)
    def _save() -> None:
        overrides, error = edited()
        name = input.save_name().strip()
        try:
            if error is not None:
                raise error
            workspace.save(input.start(), name, overrides)
        except InputError as problem:
            save_note.set(_problems(problem, "", "save_problems"))
            return
        save_note.set(ui.div(t("saved_as", name=name), id="save_ok", class_="text-success"))
        saved_version.set(saved_version() + 1)

    @render.ui
    def save_message() -> ui.TagChild:
        return save_note()

    @render.ui
    def saved_choices() -> ui.TagChild:
        saved_version()
        names = workspace.saved()
        return ui.input_checkbox_group("compare", t("compare_with"), names, selected=[])

    @reactive.effect
    @reactive.event(input.load)
    def _load() -> None:
        chosen = list(input.compare() or [])
        if len(chosen) != 1:
            return
        start, scenario = workspace.load_saved(chosen[0])
        ui.update_text("name", value=chosen[0])
        if start == input.start():
            shown.set(scenario)
        else:
            pending.set(scenario)
            ui.update_select("start", selected=start)

    def run_until_stopped(experiment: Any, folder: Path) -> Path:
        try:
            return workspace.run(experiment, folder, workers=workers, progress=counter.update)
        except Stopped:  # the app is going: batches still running are dropped and run again on resume
            for worker in multiprocessing.active_children():
                worker.terminate()  # else the exit would wait for them, and their queue can jam
            raise

    @reactive.extended_task
    async def ensemble(experiment: Any, folder: Path) -> Path:
        return await asyncio.to_thread(run_until_stopped, experiment, folder)

    @reactive.effect
    @reactive.event(input.run)
    def _run() -> None:
        if ensemble.status() == "running":  # one run at a time per session; the button waits for it
            return
        overrides, error = edited()
        run_error.set("")
        try:
            if error is not None:
                raise error
            request = RunRequest(input.start(), input.name(), overrides, tuple(input.compare() or ()),
                                 years=input.years(), replications=input.replications(), seed=input.seed(),
                                 uncertainty=input.uncertainty())
            experiment, folder = workspace.prepare(request)
        except InputError as problem:
            run_error.set(str(problem))
            return
        counter.update(0, request.replications * len(experiment.scenarios))
        ensemble(experiment, folder)

    @reactive.effect
    def _finished() -> None:
        if ensemble.status() == "success":
            current_run.set(ensemble.result())
        elif ensemble.status() == "error":
            try:
                ensemble.result()
            except Exception as error:  # shown, not lost: the run folder stays and can be resumed
                run_error.set(f"{t('failed')}: {error}")

    @render.ui
    def progress() -> ui.TagChild:
        status = ensemble.status()
        done, total = counter.read()
        if status == "running":
            reactive.invalidate_later(0.4)
            return ui.div(ui.tags.progress(value=done, max=max(total, 1), style="width:100%"),
                          ui.span(t("running", done=done, total=total)), id="run_progress")
        if status == "success" and current_run() is not None:
            return ui.div(t("finished", folder=current_run().name), id="run_finished", class_="text-success")
        return ui.div()

    @render.ui
    def run_problems() -> ui.TagChild:
        if not run_error():
            return ui.div()
        return ui.pre(run_error(), id="run_refused", class_="text-danger", style=WRAPPED)

    @render.ui
    def run_choice() -> ui.TagChild:
        """The finished runs of the workspace, newest first: a run made before the app restarted opens too."""
        folders = workspace.runs()
        if not folders:
            return ui.div()
        chosen = current_run()
        return ui.input_select("shown_run", t("shown_run"), {str(f): f.name for f in folders},
                               selected=str(chosen) if chosen else str(folders[0]))

    @reactive.effect
    @reactive.event(input.shown_run)
    def _show_run() -> None:
        chosen = Path(input.shown_run())
        if chosen != current_run() and chosen in workspace.runs():
            current_run.set(chosen)

    @reactive.calc
    def finished_run():
        folder = current_run()
        return None if folder is None else (read_run(folder), workspace.report(folder, lang()))

    @render.ui
    def answers() -> ui.TagChild:
        if finished_run() is None:
            return ui.p(t("no_run"))
        run, _ = finished_run()
        return ui.div(*(ui.p(answer.text) for answer in key_answers(run, Labels(lang()))), id="key_answers")

    @render.ui
    def comparison_choice() -> ui.TagChild:
        labels = Labels(lang())
        if finished_run() is None:
            return ui.div()
        return ui.input_select("compared", t("compare"), {o: outcome_label(o, labels) for o in COMPARED},
                               selected=HEADLINE)

    @render.ui
    def comparison() -> ui.TagChild:
        if finished_run() is None:
            return ui.div()
        run, _ = finished_run()
        outcome = input.compared() if "compared" in input and input.compared() in COMPARED else HEADLINE
        return _comparison(run.tables["comparison"], outcome, run.baseline, Labels(lang()), t)

    @render.ui
    def figures() -> ui.TagChild:
        if finished_run() is None:
            return ui.div()
        _, files = finished_run()
        pictures = {path.stem: path for path in files.figures if path.suffix == ".png"}
        shown = [name for name in FIGURES if name in pictures]
        return ui.div(*(ui.img(src=_data_uri(pictures[name]), alt=name, id=f"figure_{name}",
                               style="max-width:100%") for name in shown), id="figure_list")

    @render.download_button(filename=lambda: download_name(finished_run()[0], lang(), "xlsx"))
    def workbook():
        yield finished_run()[1].workbook.read_bytes()

    @render.download_button(filename=lambda: download_name(finished_run()[0], lang(), "html"))
    def report():
        yield finished_run()[1].html.read_bytes()

    @render.download_button(filename=lambda: download_name(finished_run()[0], "scenario_files", "zip"))
    def bundle():
        yield workspace.bundle(current_run())

    @render.ui
    def side_by_side() -> ui.TagChild:
        saved_version()
        columns = {base().name: settings(base(), the_levers())}
        if not isinstance(wanted(), InputError):
            columns[input.name()] = wanted()
        for name in input.compare() or ():
            _, scenario = workspace.load_saved(name)
            columns[name] = settings(scenario, the_levers())
        rows = []
        labels = Labels(lang())
        for lever in the_levers():
            cells = [columns[c].get(lever.path) for c in columns]
            if lever.group == "assumptions" and len({_setting(c) for c in cells}) == 1:
                continue  # an assumption no scenario changes
            rows.append(ui.tags.tr(ui.tags.th(_label(lever, lang(), labels)),
                                   *(ui.tags.td(_setting(cell)) for cell in cells)))
        head = ui.tags.tr(ui.tags.th(t("lever")), *(ui.tags.th(name) for name in columns))
        return ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*rows), class_="table table-sm",
                             id="side_by_side_table")


def _lever_input(i: int, lever: Lever, now: Setting, first: dt.date, lang: str, labels: Labels,
                 origin: str) -> ui.Tag:
    """The input of one lever: its value (and date) with what is allowed, its unit and origin under it."""
    label = _label(lever, lang, labels)
    value = int(now.value) if float(now.value).is_integer() else now.value  # 32, not 32.0
    step = 1 if lever.whole else _step(lever)
    number = ui.input_numeric(f"lever_{i}", label, value, min=lever.low, max=lever.high, step=step)
    note = ui.tags.small(f"{text(lang, 'allowed')} {lever.allowed()} · {labels.unit(lever.unit)} · "
                         f"{text(lang, 'origin')}: {origin}", class_="text-muted", title=lever.meaning)
    if not lever.dated:
        return ui.div(number, note, class_="mb-2", **{"data-path": lever.path})
    date = ui.input_date(f"date_{i}", text(lang, "from"), value=now.start, min=first,
                         language="da" if lang == "da" else "en")
    return ui.div(ui.layout_columns(number, date), note, class_="mb-2", **{"data-path": lever.path})


def _label(lever: Lever, lang: str, labels: Labels) -> str:
    kind = lever.path.split(".")[1] if lever.group == "prices" else None
    return lever_label(lang, lever.path, labels.row(kind) if kind else None)


def _step(lever: Lever) -> float:
    """A step of about a hundredth of the lever's range."""
    if lever.low is None or lever.high is None or lever.high <= lever.low:
        return 0.01
    return float(f"{(lever.high - lever.low) / 100:.1g}")


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _capitalised(words: str) -> str:
    """``words`` as a choice's label: the report writes what a run's intervals cover mid-sentence."""
    return words[:1].upper() + words[1:]


def _setting(setting: Setting | None) -> str:
    if setting is None:
        return ""
    shown = f"{setting.value:g}"
    return f"{shown} ({setting.start.isoformat()})" if setting.start else shown


def _origins(scenario: Scenario, now: dict[str, Setting]) -> dict[str, str]:
    """Where each lever's setting comes from: its parameter's origin, or the timeline that decided it."""
    result = {row.path: row.origin for row in origins(scenario)}
    decided = {(change.path, change.date): file
               for change, file in zip(scenario.timeline, scenario.timeline_files, strict=True)}
    for path, setting in now.items():
        if (path, setting.start) in decided:
            result[path] = f"timeline of {decided[path, setting.start]}"
    return result


def _borrowed(scenario: Scenario, lang: str) -> ui.TagChild:
    """A warning listing the values marked published that come from another municipality's file."""
    lines = borrowed_lines(scenario)
    if not lines:
        return ui.div()
    return ui.div(ui.strong(text(lang, "borrowed")), ui.pre("\n".join(lines), style=WRAPPED),
                  id="borrowed", class_="text-warning", role="alert")


def _problems(error: InputError | None, fine: str, element: str) -> ui.TagChild:
    """The problems of ``error`` as the command line prints them, or ``fine``."""
    if error is None:
        return ui.div(fine, id=element, class_="text-success") if fine else ui.div()
    return ui.pre(str(error), id=element, class_="text-danger", role="alert", style=WRAPPED)


def _comparison(table: pd.DataFrame, outcome: str, baseline: str, labels: Labels, t: Any) -> ui.TagChild:
    """Each variant's paired difference of ``outcome`` from ``baseline`` per year, scaled as the report."""
    described = describe(outcome)
    rows = table[table["outcome"] == outcome].sort_values(["scenario", "year"])

    def shown(number: float) -> str:
        return described.table.number(number, labels)

    body = [ui.tags.tr(ui.tags.td(row.scenario), ui.tags.td(str(row.year)), ui.tags.td(shown(row.median)),
                       ui.tags.td(f"{shown(row.p5)} – {shown(row.p95)}"),
                       ui.tags.td(labels.percent(row.p_lower)))
            for row in rows.itertuples()]
    keys = ("variant", "year", "difference_median", "interval90",
            "p_saving" if described.unit is KRONER else "p_lower")
    head = ui.tags.tr(*(ui.tags.th(t(key)) for key in keys))
    title = t("comparison", baseline=baseline, outcome=outcome_label(outcome, labels),
              unit=described.table.unit_word(labels))
    return ui.div(ui.h4(title),
                  ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body), class_="table table-sm",
                                id="comparison_table"))


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
