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
import contextlib
import datetime as dt
import functools
import inspect
import json
import mimetypes
import multiprocessing
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from shiny import App, Inputs, Outputs, Session, reactive, render, ui
from shiny.types import NotifyException, SilentCancelOutputException, SilentException

from .. import MAX_YEARS
from ..errors import InputError, Problem
from ..experiments.run_folder import read_manifest
from ..montecarlo.draws import UNCERTAINTIES
from ..montecarlo.registry import KRONER, describe, outcome_label
from ..output.words import Labels
from ..report import LANGUAGES, download_name, read_run
from ..report.headline import Tile, headline_tiles
from ..report.page import key_answers
from ..scenario import Scenario
from ..scenario.provenance import borrowed_lines, origins
from .levers import GROUPS, Lever, Setting, changes, levers, settings
from .template import population_scenario, write_template
from .text import lever_label, text
from .workspace import MAX_UPLOAD, RunRequest, Workspace

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


class _Message(NotifyException):
    """Shiny's notifying exception, shown as its message (Shiny shows ``str`` of the exception: its args)."""

    def __str__(self) -> str:
        return str(self.args[0])


def shown_as_message(effect: Callable[[], Any], message: Callable[[Exception], str]) -> Callable[[], Any]:
    """``effect``, with an error it did not foresee shown to the planner as ``message(error)``.

    Shiny closes a session whose effect raises: the planner's page goes
    grey and every edit is lost. Raised as Shiny's own notifying exception
    instead, the error is shown as a message (and its traceback printed in
    the server's log) while the session carries on. Shiny's signals to stop
    an effect quietly pass through.
    """
    passed = (SilentException, SilentCancelOutputException, NotifyException)

    def notify(error: Exception) -> NotifyException:
        with reactive.isolate():  # the words' language is not a reason to run the effect again
            return _Message(message(error), sanitize=False, close=False)

    if inspect.iscoroutinefunction(effect):
        @functools.wraps(effect)
        async def guarded_async() -> Any:
            try:
                return await effect()
            except passed:
                raise
            except Exception as error:
                raise notify(error) from error
        return guarded_async

    @functools.wraps(effect)
    def guarded() -> Any:
        try:
            return effect()
        except passed:
            raise
        except Exception as error:
            raise notify(error) from error
    return guarded


class Shutdown:
    """The app's stop (Ctrl-C, or SIGTERM from a service manager): it tells the runs in progress, then waits.

    A run stops after its running batches and marks its manifest
    interrupted, in its own thread. Once the shutdown hooks return, uvicorn
    raises the signal again, and a SIGTERM then ends the process at once:
    the hook therefore waits for the runs to end, at most :attr:`WAIT`
    seconds, so that a stopped run says so (a run still going then is
    resumed all the same, from its manifest's ``running``).
    """

    WAIT = 8.0

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._runs = 0
        self._idle = threading.Condition()

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        """Hold the app's stop, for the block, until the run in it has ended."""
        with self._idle:
            self._runs += 1
        try:
            yield
        finally:
            with self._idle:
                self._runs -= 1
                self._idle.notify_all()

    def stop(self) -> None:
        """Tell the runs in progress to stop, and wait for them (at most :attr:`WAIT` seconds)."""
        self.stopping.set()
        with self._idle:
            self._idle.wait_for(lambda: self._runs == 0, timeout=self.WAIT)


class Progress:
    """Runs done of a run in progress, written by the run's thread and read by the screen.

    A run has two steps: its replications (``done`` of ``total``), then the
    report (the tables, the figures and the HTML report), which starts when
    the last replication is done. The time left is estimated from the
    replications done so far.
    """

    def __init__(self, stopping: threading.Event, clock: Any = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._stopping = stopping
        self._clock = clock
        self.done, self.total = 0, 0
        self.started = clock()
        self.reporting = False

    def begin(self, total: int) -> None:
        """A new run of ``total`` runs starts now."""
        with self._lock:
            self.done, self.total, self.started, self.reporting = 0, total, self._clock(), False

    def report(self) -> None:
        """The replications are done and written; the report is being made."""
        with self._lock:
            self.reporting = True

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

    def step(self) -> str:
        """``"runs"`` while replications are run, ``"report"`` once they are all done."""
        with self._lock:
            return "report" if self.reporting or (self.total and self.done >= self.total) else "runs"

    def seconds_left(self) -> float | None:
        """The time the remaining runs take at the pace of those done so far; None before the first."""
        with self._lock:
            if not 0 < self.done < self.total:
                return None
            return (self._clock() - self.started) / self.done * (self.total - self.done)


DOCS = Path(__file__).resolve().parents[2] / "docs"
"""The documentation of a checkout, served at ``/docs/`` for the explainer's links (absent when installed)."""
PAGE_WORDS = ("app_title", "other_language", "start", "name", "run", "years", "replications", "seed",
              "uncertainty", "upload", "template", "template_profile", "levers_tab", "results", "compare",
              "save_as", "save", "load", "download_workbook", "download_report", "download_summary",
              "download_bundle",
              "side_by_side", "explainer", "explainer_run", "explainer_paired", "explainer_interval",
              "explainer_docs", "compare_runs")
"""The words of the page itself; the language switch rewrites each in place (the outputs render anew)."""
SCRIPT = """
Shiny.addCustomMessageHandler("barnesim_language", function (message) {
  document.documentElement.lang = message.lang;
  document.querySelectorAll("[data-word]").forEach(function (element) {
    if (element.dataset.word in message.words) { element.textContent = message.words[element.dataset.word]; }
  });
  var address = new URL(window.location.href);
  address.searchParams.set("lang", message.lang);
  window.history.replaceState(null, "", address);
});
"""
"""Rewrites the page's words in the language chosen, and the address, so a reload keeps the language."""


def make_app(workspace: Workspace, *, lang: str = "da", workers: int = 1) -> App:
    """The app over ``workspace``, in ``lang`` unless the address asks for another, running on ``workers``."""

    def page(request: Any) -> ui.Tag:
        return _page(workspace, language(str(request.url.query), lang))

    shutdown = Shutdown()

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        _server(workspace, workers, lang, shutdown, input, output, session)

    mimetypes.add_type("text/plain", ".md")  # a page of the documentation reads as text, not a download
    app = App(page, server, static_assets={"/docs": DOCS} if DOCS.is_dir() else None)
    app.on_shutdown(shutdown.stop)  # else Ctrl-C would wait for a run in progress to finish
    return app


TILE_STYLE = ("border:1px solid #c8d3de;border-top:4px solid #2f5d8a;padding:.5em .8em;min-width:12em;"
              "flex:1 1 12em;max-width:20em")


def _tiles(tiles: list[Tile]) -> ui.TagChild:
    """The headline tiles over the run's period, as the report and the summary open with them."""
    return ui.div(*(ui.div(ui.div(tile.title, class_="small text-muted"),
                           ui.div(tile.value, class_="fs-4 fw-bold"),
                           ui.div(tile.detail, class_="small text-muted"),
                           class_="tile", style=TILE_STYLE,
                           **{"data-key": tile.key, "data-variant": tile.variant})
                    for tile in tiles), id="tiles", class_="d-flex flex-wrap gap-2 my-3")


def _kept(workspace: Workspace, files: list[tuple[str, Path]]) -> list[tuple[str, str | InputError]]:
    """Each uploaded file with the start it became, or why it was refused.

    Read up to one byte past the largest upload allowed, so a huge file is
    refused without being read whole. Any other failure (a file no check
    foresaw) is turned into a refusal naming the file, never an error that
    would end the planner's session.
    """
    found: list[tuple[str, str | InputError]] = []
    for name, path in files:
        try:
            with open(path, "rb") as handle:
                found.append((name, workspace.upload(name, handle.read(MAX_UPLOAD + 1))))
        except InputError as error:
            found.append((name, error))
        except Exception as error:  # noqa: BLE001 - shown to the planner, whatever it is
            found.append((name, InputError([Problem(name, "", f"cannot be read: {type(error).__name__}")],
                                           "cannot upload")))
    return found


def language(query: str, default: str) -> str:
    """The language the address asks for (``?lang=en``), or ``default``: the page and the session agree."""
    chosen = urllib.parse.parse_qs(query.lstrip("?")).get("lang", [default])[-1]
    return chosen if chosen in LANGUAGES else default


def page_words(lang: str) -> dict[str, str]:
    """The page's own words in ``lang``, by the key each element carries as ``data-word``."""
    words = {key: text(lang, key) for key in PAGE_WORDS}
    words |= {f"uncertainty_{kind}": _capitalised(Labels(lang).uncertainty(kind)) for kind in UNCERTAINTIES}
    return words


def _page(workspace: Workspace, lang: str) -> ui.Tag:
    """The screens in ``lang``; every word of the page itself is marked with its key, to switch in place."""
    words = page_words(lang)

    def w(key: str) -> ui.Tag:
        return ui.span(words[key], **{"data-word": key})

    sidebar = ui.sidebar(
        ui.input_action_link("language", w("other_language")),
        ui.input_select("start", w("start"), choices=workspace.starts(), selected=workspace.starts()[0]),
        ui.input_text("name", w("name"), "my_scenario"),
        ui.input_action_button("run", w("run"), class_="btn-primary"),
        ui.output_ui("progress"),
        ui.layout_columns(
            ui.input_numeric("years", w("years"), 5, min=1, max=MAX_YEARS, step=1),
            ui.input_numeric("replications", w("replications"), 50, min=1, step=1),
            ui.input_numeric("seed", w("seed"), 0, min=0, step=1),
            col_widths=(4, 4, 4)),
        ui.input_radio_buttons("uncertainty", w("uncertainty"), {
            kind: w(f"uncertainty_{kind}") for kind in ("stochastic", "parameters")}),
        ui.hr(),
        ui.input_file("upload", w("upload"), accept=[".toml", ".xlsx"]),
        ui.output_ui("upload_message"),
        ui.download_button("template", w("template")),
        ui.download_button("template_profile", w("template_profile")),
        width=360,
    )
    levers_tab = ui.nav_panel(
        w("levers_tab"),
        ui.output_ui("borrowed"),
        ui.output_ui("problems"),
        ui.output_ui("changed"),
        ui.output_ui("changed_style"),
        ui.output_ui("lever_inputs"),
        ui.hr(),
        ui.layout_columns(
            ui.div(ui.input_text("save_name", w("save_as"), ""), ui.input_action_button("save", w("save")),
                   ui.output_ui("save_message")),
            ui.div(ui.output_ui("saved_choices"), ui.input_action_button("load", w("load"))),
        ),
        value="levers",
    )
    docs = ui.a(w("explainer_docs"), href="docs/montecarlo.md", target="_blank", id="explainer_link") \
        if DOCS.is_dir() else ui.span()
    explainer = ui.tags.details(
        ui.tags.summary(w("explainer")),
        ui.p(w("explainer_run")), ui.p(w("explainer_paired")), ui.p(w("explainer_interval")), ui.p(docs),
        id="explainer", class_="my-2")
    results_tab = ui.nav_panel(
        w("results"),
        ui.output_ui("run_problems"),
        ui.output_ui("run_choice"),
        explainer,
        ui.output_ui("answers"),
        ui.output_ui("comparison_choice"),
        ui.output_ui("comparison"),
        ui.div(ui.download_button("workbook", w("download_workbook")),
               ui.download_button("report", w("download_report")),
               ui.download_button("summary", w("download_summary")),
               ui.download_button("bundle", w("download_bundle")), class_="d-flex gap-2 my-3"),
        ui.output_ui("figures"),
        ui.h4(w("compare_runs")),
        ui.output_ui("runs_choice"),
        ui.output_ui("runs_table"),
        value="results",
    )
    compare_tab = ui.nav_panel(w("compare"), ui.h4(w("side_by_side")), ui.output_ui("side_by_side"),
                               value="compare")
    return ui.page_sidebar(sidebar, ui.navset_tab(levers_tab, results_tab, compare_tab, id="tabs"),
                           ui.tags.script(SCRIPT), title=w("app_title"), lang=lang, window_title="barnesim")


def _server(workspace: Workspace, workers: int, default_lang: str, shutdown: Shutdown, input: Inputs,
            output: Outputs, session: Session) -> None:
    """The app's behaviour for one browser session."""
    counter = Progress(shutdown.stopping)
    saved_version = reactive.value(0)
    shown = reactive.value(None)  # a scenario whose settings fill the levers: the start or a loaded one
    pending = reactive.value(None)  # a saved scenario to show once its start is chosen
    kept: reactive.Value[dict[str, Setting] | None] = reactive.value(None)  # typed levers, kept on a switch
    chosen_lang: reactive.Value[str | None] = reactive.value(None)
    current_run: reactive.Value[Path | None] = reactive.value(None)
    run_error: reactive.Value[str] = reactive.value("")
    upload_note: reactive.Value[Any] = reactive.value(None)
    save_note: reactive.Value[Any] = reactive.value(None)

    @reactive.calc
    def lang() -> str:
        return chosen_lang() or language(session.clientdata.url_search() or "", default_lang)

    def t(key: str, **values: Any) -> str:
        return text(lang(), key, **values)

    def survives(effect: Callable[[], Any]) -> Callable[[], Any]:
        """The session's effects: an error none of them foresaw is a message, never a lost session."""
        return shown_as_message(effect, lambda error: t("session_error", error=error if isinstance(
            error, InputError) else f"{type(error).__name__}: {error}"))

    @reactive.calc
    def base():
        return workspace.load(input.start())

    @reactive.calc
    def the_levers() -> list[Lever]:
        return levers(base())

    @reactive.effect
    @reactive.event(input.start)
    @survives
    def _start_chosen() -> None:  # a saved scenario being loaded waits for its start to be chosen
        kept.set(None)
        shown.set(pending() or base())
        pending.set(None)

    def dates(i: int, lever: Lever) -> tuple[dt.date | None, dt.date | None]:
        """The date lever ``i`` holds from, and for a linear ramp the date its value is reached."""
        if not lever.dated:
            return None, None
        start = _date(input[f"date_{i}"]()) if f"date_{i}" in input else None
        ramped = f"profile_{i}" in input and input[f"profile_{i}"]() == "ramp" and f"until_{i}" in input
        return start, _date(input[f"until_{i}"]()) if ramped else None

    def typed() -> dict[str, Setting]:
        """What each lever's input holds, as typed (per cent for a rate), an empty one as None."""
        return {lever.path: Setting(input[f"lever_{i}"](), *dates(i, lever))
                for i, lever in enumerate(the_levers()) if f"lever_{i}" in input}

    @reactive.effect
    @reactive.event(input.language)
    @survives
    async def _switch_language() -> None:
        """The other language, in place: the page's words are rewritten and every edit stays as it is."""
        kept.set(typed())  # the levers render anew in the other language with what was typed
        chosen_lang.set(LANGUAGES[1 - LANGUAGES.index(lang())])
        await session.send_custom_message("barnesim_language", {"lang": lang(), "words": page_words(lang())})

    @render.ui
    def lever_inputs() -> ui.TagChild:
        scenario = shown() or base()
        now = {path: Setting(lever.shown(setting.value), setting.start) for (path, setting), lever
               in zip(settings(scenario, the_levers()).items(), the_levers(), strict=True)}
        now |= kept() or {}
        labels = Labels(lang())
        first = base().scenario.start_date
        origin = _origins(scenario, settings(scenario, the_levers()))
        groups = []
        for group in (*GROUPS, "assumptions"):
            items = [(i, lever) for i, lever in enumerate(the_levers()) if lever.group == group]
            rows = [_lever_input(i, lever, now[lever.path], first, lang(), labels, origin[lever.path])
                    for i, lever in items]
            groups.append(ui.accordion_panel(t(f"group_{group}"), *rows, value=group))
        with reactive.isolate():
            opened = input.lever_groups() if "lever_groups" in input else None
        return ui.accordion(*groups, open=list(opened) if opened is not None else list(GROUPS),
                            id="lever_groups")

    @reactive.calc
    def wanted() -> dict[str, Setting] | InputError:
        """The settings the inputs hold, in the scenario's units; an empty number is named as a problem."""
        result, problems = {}, []
        for i, lever in enumerate(the_levers()):
            value = input[f"lever_{i}"]() if f"lever_{i}" in input else None
            if value is None:
                problems.append(Problem(f"levers of {input.name()}", lever.path, "must be a number"))
                continue
            start, until = dates(i, lever)
            if until is not None and until <= (start or base().scenario.start_date):
                problems.append(Problem(f"levers of {input.name()}", lever.path,
                                        f"the ramp must reach its value after it starts on {start}",
                                        until.isoformat()))
            result[lever.path] = Setting(lever.typed(value), start, until)
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

    @reactive.calc
    def changed_levers() -> list[tuple[int, Lever, Setting, Setting]]:
        """(input number, lever, start's setting, typed setting) of each lever changed from the start."""
        now = wanted()
        if isinstance(now, InputError):
            now = {path: setting for path, setting in typed().items() if setting.value is not None}
        start = settings(base(), the_levers())
        return [(i, lever, start[lever.path], now[lever.path]) for i, lever in enumerate(the_levers())
                if lever.path in now and now[lever.path] != start[lever.path]]

    @render.ui
    def changed() -> ui.TagChild:
        """The levers changed from the start scenario, each with a reset, and a reset of them all."""
        found = changed_levers()
        if not found:
            return ui.div(t("unchanged", start=base().name), id="changed_levers", class_="text-muted small")
        labels = Labels(lang())
        items = [ui.tags.li(f"{_label(lever, lang(), labels)}: {_setting(before, lever)} → "
                            f"{_setting(now, lever)} ", _reset_button(t("reset"), lever.path),
                            **{"data-changed": lever.path})
                 for _, lever, before, now in found]
        return ui.div(ui.strong(t("changed", start=base().name)), ui.tags.ul(*items, class_="mb-1"),
                      _reset_button(t("reset_all"), "*"), id="changed_levers",
                      class_="alert alert-warning py-2")

    @render.ui
    def changed_style() -> ui.TagChild:
        """Each changed lever marked where it stands: a bar beside it, and 'changed' after its name."""
        mark = json.dumps(f" ({t('changed_mark')})")
        rules = [f'[data-path="{lever.path}"] {{ border-left: 4px solid #f0ad4e; padding-left: 6px; }}\n'
                 f'#lever_{i}-label::after {{ content: {mark}; color: #b07000; }}'
                 for i, lever, _, _ in changed_levers()]
        return ui.tags.style("\n".join(rules), id="changed_marks")

    @reactive.effect
    @reactive.event(input.reset_lever)
    @survives
    def _reset() -> None:
        """The lever named (all of them for ``*``) back to the start scenario's setting."""
        chosen = input.reset_lever()
        for i, lever, before, _ in changed_levers():
            if chosen in ("*", lever.path):
                ui.update_numeric(f"lever_{i}", value=lever.shown(before.value))
                if lever.dated and before.start is not None:
                    ui.update_date(f"date_{i}", value=before.start)
                    ui.update_select(f"profile_{i}", selected="step")

    @render.ui
    def borrowed() -> ui.TagChild:
        return _borrowed(shown() or base(), lang())

    @render.ui
    def problems() -> ui.TagChild:
        return _problems(edited()[1], t("valid"), "lever_problems")

    @reactive.extended_task
    async def uploading(files: list[tuple[str, Path]]) -> list[tuple[str, str | InputError]]:
        # in a thread of its own: one planner's upload never holds up another's session
        return await asyncio.to_thread(_kept, workspace, files)

    @reactive.effect
    @reactive.event(input.upload)
    @survives
    def _uploaded() -> None:
        files = [(file["name"], Path(file["datapath"])) for file in input.upload() or []]
        upload_note.set(ui.div(t("uploading"), id="upload_busy", class_="text-muted"))
        uploading(files)

    @reactive.effect
    @survives
    def _upload_done() -> None:
        if uploading.status() not in ("success", "error"):
            return
        with reactive.isolate():
            if uploading.status() == "error":  # a failure no check foresaw: a message, not a lost session
                upload_note.set(ui.div(f"{t('upload_failed')}: {uploading.error()}", id="upload_problems",
                                       class_="text-danger"))
                return
            for _, kept in uploading.result():
                if isinstance(kept, InputError):
                    upload_note.set(_problems(kept, "", "upload_problems"))
                    continue
                upload_note.set(ui.div(f"{t('uploaded')}: {kept}", id="upload_ok", class_="text-success"))
                ui.update_select("start", choices=workspace.starts(), selected=kept)

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
    @survives
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
        with reactive.isolate():  # ticks stay when the language switches
            ticked = [name for name in (input.compare() if "compare" in input else ()) or () if name in names]
        return ui.input_checkbox_group("compare", t("compare_with"), names, selected=ticked)

    @reactive.effect
    @reactive.event(input.load)
    @survives
    def _load() -> None:
        chosen = list(input.compare() or [])
        if len(chosen) != 1:
            return
        start, scenario = workspace.load_saved(chosen[0])
        ui.update_text("name", value=chosen[0])
        if start == input.start():
            kept.set(None)
            shown.set(scenario)
        else:
            pending.set(scenario)
            ui.update_select("start", selected=start)

    def run_and_report(experiment: Any, folder: Path, lang: str) -> Path:
        """Run the experiment, then make its report in ``lang``: the run is shown once both are done."""
        try:
            with shutdown.run():
                workspace.run(experiment, folder, workers=workers, progress=counter.update)
        except Stopped:  # the app is going: batches still running are dropped and run again on resume
            for worker in multiprocessing.active_children():
                worker.terminate()  # else the exit would wait for them, and their queue can jam
            raise
        counter.report()
        workspace.report(folder, lang)
        return folder

    @reactive.extended_task
    async def ensemble(experiment: Any, folder: Path, lang: str) -> Path:
        return await asyncio.to_thread(run_and_report, experiment, folder, lang)

    @reactive.effect
    @reactive.event(input.run)
    @survives
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
                                 uncertainty=input.uncertainty(), lang=lang())
            experiment, folder = workspace.prepare(request)
        except InputError as problem:
            run_error.set(str(problem))
            return
        counter.begin(request.replications * len(experiment.scenarios))
        ensemble(experiment, folder, lang())

    @reactive.effect
    @survives
    def _finished() -> None:
        if ensemble.status() == "success":
            with reactive.isolate():
                if current_run() == ensemble.result():
                    return
            current_run.set(ensemble.result())  # its report is made: the results show it at once
            ui.update_navset("tabs", selected="results")
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
            if counter.step() == "report":
                return ui.div(ui.tags.progress(value=total, max=max(total, 1), style="width:100%"),
                              ui.span(t("running", done=done, total=total)), " · ",
                              ui.span(t("making_report"), id="making_report"), id="run_progress")
            left = counter.seconds_left()
            eta = [" · ", ui.span(t("time_left", time=_duration(left, lang())), id="run_eta")] \
                if left is not None else []
            return ui.div(ui.tags.progress(value=done, max=max(total, 1), style="width:100%"),
                          ui.span(t("running", done=done, total=total)), *eta, id="run_progress")
        if status == "success" and current_run() is not None:
            return ui.div(t("finished", folder=_run_label(current_run(), Labels(lang()))), id="run_finished",
                          class_="text-success")
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
        labels = Labels(lang())
        return ui.input_select("shown_run", t("shown_run"), {str(f): _run_label(f, labels) for f in folders},
                               selected=str(chosen) if chosen else str(folders[0]), width="100%")

    @reactive.effect
    @reactive.event(input.shown_run)
    @survives
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
        labels = Labels(lang())
        return ui.div(_tiles(headline_tiles(run, labels)),
                      ui.div(*(ui.p(answer.text) for answer in key_answers(run, labels)), id="key_answers"))

    def outcome() -> str:
        return input.compared() if "compared" in input and input.compared() in COMPARED else HEADLINE

    @render.ui
    def comparison_choice() -> ui.TagChild:
        labels = Labels(lang())
        if finished_run() is None:
            return ui.div()
        with reactive.isolate():  # the outcome chosen stays when the language switches
            selected = outcome()
        return ui.input_select("compared", t("compare"), {o: outcome_label(o, labels) for o in COMPARED},
                               selected=selected)

    @render.ui
    def comparison() -> ui.TagChild:
        if finished_run() is None:
            return ui.div()
        run, _ = finished_run()
        return ui.div(_comparison(run.tables["comparison"], run.tables["period_comparison"], outcome(),
                                  run.baseline, Labels(lang()), t),
                      **{"data-run": run.folder.name})

    @render.ui
    def figures() -> ui.TagChild:
        if finished_run() is None:
            return ui.div()
        _, files = finished_run()
        pictures = {path.stem: path for path in files.figures if path.suffix == ".png"}
        shown = [name for name in FIGURES if name in pictures]
        return ui.div(*(ui.img(src=_data_uri(pictures[name]), alt=name, id=f"figure_{name}",
                               style="max-width:100%") for name in shown), id="figure_list")

    @render.ui
    def runs_choice() -> ui.TagChild:
        """The finished runs to set side by side, by their scenarios."""
        current_run()
        folders = workspace.runs()
        if len(folders) < 2:
            return ui.p(t("compare_runs_none"), class_="text-muted")
        labels = Labels(lang())
        with reactive.isolate():
            ticked = list(input.runs_compared()) if "runs_compared" in input else []
        return ui.input_selectize("runs_compared", t("compare_runs_choose"),
                                  {str(f): _run_label(f, labels) for f in folders}, selected=ticked,
                                  multiple=True, width="100%")

    @render.ui
    def runs_table() -> ui.TagChild:
        chosen = [Path(f) for f in (input.runs_compared() if "runs_compared" in input else ()) or ()]
        chosen = [folder for folder in chosen if folder in workspace.runs()]
        if not chosen:
            return ui.div()
        return _runs_table(chosen, outcome(), Labels(lang()), t)

    @render.download_button(filename=lambda: download_name(finished_run()[0], lang(), "xlsx"))
    def workbook():
        yield finished_run()[1].workbook.read_bytes()

    @render.download_button(filename=lambda: download_name(finished_run()[0], lang(), "html"))
    def report():
        yield finished_run()[1].html.read_bytes()

    @render.download_button(filename=lambda: download_name(finished_run()[0], f"summary_{lang()}", "html"))
    def summary():
        yield finished_run()[1].summary.read_bytes()

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
            if lever.group == "assumptions" and len({_setting(c, lever) for c in cells}) == 1:
                continue  # an assumption no scenario changes
            rows.append(ui.tags.tr(ui.tags.th(_label(lever, lang(), labels)),
                                   *(ui.tags.td(_setting(cell, lever)) for cell in cells)))
        head = ui.tags.tr(ui.tags.th(t("lever")), *(ui.tags.th(name) for name in columns))
        return ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*rows), class_="table table-sm",
                             id="side_by_side_table")


def _lever_input(i: int, lever: Lever, now: Setting, first: dt.date, lang: str, labels: Labels,
                 origin: str) -> ui.Tag:
    """The input of one lever: its value (in % for a rate a year) and date, what is allowed, unit, origin."""
    label = _label(lever, lang, labels)
    value = now.value
    if value is not None and float(value).is_integer():
        value = int(value)  # 32, not 32.0
    step = 1 if lever.whole else _step(lever)
    number = ui.input_numeric(f"lever_{i}", label, value, min=lever.shown(lever.low),
                              max=lever.shown(lever.high), step=step)
    note = ui.tags.small(f"{text(lang, 'allowed')} {lever.allowed()} · {_unit(lever, lang, labels)} · "
                         f"{text(lang, 'origin')}: {origin}", class_="text-muted", title=lever.meaning)
    if not lever.dated:
        return ui.div(number, note, class_="mb-2", **{"data-path": lever.path})
    calendar = "da" if lang == "da" else "en"
    date = ui.input_date(f"date_{i}", text(lang, "from"), value=now.start, min=first, language=calendar)
    profile = ui.input_select(f"profile_{i}", text(lang, "profile"), {
        "step": text(lang, "profile_step"), "ramp": text(lang, "profile_ramp")},
        selected="ramp" if now.until else "step")
    start = now.start or first
    until = ui.panel_conditional(f"input.profile_{i} === 'ramp'", ui.input_date(
        f"until_{i}", text(lang, "until"), value=now.until or start.replace(year=start.year + 1),
        min=first, language=calendar))
    return ui.div(ui.layout_columns(number, date, profile, until, col_widths=(3, 3, 3, 3)), note,
                  class_="mb-2", **{"data-path": lever.path})


def _unit(lever: Lever, lang: str, labels: Labels) -> str:
    """The lever's unit as typed: '% per year' for a rate per year, else the schema's unit in ``lang``."""
    return text(lang, "percent_per_year") if lever.percent else labels.unit(lever.unit)


def _label(lever: Lever, lang: str, labels: Labels) -> str:
    kind = lever.path.split(".")[1] if lever.group == "prices" else None
    return lever_label(lang, lever.path, labels.row(kind) if kind else None)


def _step(lever: Lever) -> float:
    """A step of about a hundredth of the lever's range, as typed."""
    low, high = lever.shown(lever.low), lever.shown(lever.high)
    if low is None or high is None or high <= low:
        return 1 if lever.percent else 0.01
    return float(f"{(high - low) / 100:.1g}")


def _reset_button(label: str, path: str) -> ui.Tag:
    """A button that sets the lever at ``path`` (every changed one for ``*``) back to the start scenario's."""
    return ui.tags.button(label, type="button", class_="btn btn-sm btn-outline-secondary py-0",
                          onclick=f"Shiny.setInputValue('reset_lever', {json.dumps(path)}, "
                                  "{priority: 'event'})", **{"data-reset": path})


def _duration(seconds: float, lang: str) -> str:
    """A time left as a planner reads it: '40 s', '3 min'."""
    if seconds < 90:
        return f"{max(5, round(seconds / 5) * 5)} s"
    return f"{round(seconds / 60)} min"


def _run_label(folder: Path, labels: Labels) -> str:
    """A run by what it compared: 'cw24 against ballerup_2017 · 2 years · 3 replications · 2026-11-30 07:22'.

    A folder without a readable manifest keeps its name.
    """
    try:
        manifest = read_manifest(folder)
    except InputError:
        return folder.name
    baseline = manifest.get("baseline") or next(iter(manifest["scenarios"]))
    variants = [name for name in manifest["scenarios"] if name != baseline]
    started = dt.datetime.fromisoformat(manifest["started"]).astimezone().strftime("%Y-%m-%d %H:%M")
    return labels.word("run_label").format(
        variants=", ".join(variants), baseline=baseline, years=manifest.get("years", ""),
        replications=manifest["replications"], started=started)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _capitalised(words: str) -> str:
    """``words`` as a choice's label: the report writes what a run's intervals cover mid-sentence."""
    return words[:1].upper() + words[1:]


def _setting(setting: Setting | None, lever: Lever | None = None) -> str:
    """A setting as the levers show it: '24 (2017-02-01)', '4 %' for a rate per year."""
    if setting is None:
        return ""
    percent = lever is not None and lever.percent
    shown = f"{lever.shown(setting.value):g} %" if percent else f"{setting.value:g}"
    if setting.until is not None:
        return f"{shown} ({setting.start.isoformat() if setting.start else ''} → {setting.until.isoformat()})"
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


def _display(outcome: str) -> Any:
    """How the app writes ``outcome``: kroner in mio kr, as the key answers do; the rest as the tables."""
    described = describe(outcome)
    return described.figure if described.unit is KRONER else described.table


def _comparison(table: pd.DataFrame, period: pd.DataFrame, outcome: str, baseline: str, labels: Labels,
                t: Any) -> ui.TagChild:
    """Each variant's paired difference of ``outcome`` from ``baseline``, the years as columns, in mio kr.

    Per variant three rows: the median difference, its 90% interval, and
    P(saving > 0) (for spend; P(lower) for any other outcome). An outcome
    whose years add up gets a last column, the total over the run's years
    from ``period`` (the running totals' last year), with its own interval
    and probability.
    """
    display = _display(outcome)
    rows = table[table["outcome"] == outcome]
    years = sorted(rows["year"].unique())
    totals = period[(period["outcome"] == outcome) & (period["year"] == max(years, default=0))]

    def shown(number: float) -> str:
        return display.number(number, labels)

    p_key = "p_saving" if describe(outcome).unit is KRONER else "p_lower"
    lines = {"median": lambda r: shown(r["median"]),
             "interval90": lambda r: f"{shown(r['p5'])} – {shown(r['p95'])}",
             "p_lower": lambda r: labels.percent(r["p_lower"])}
    body = []
    for variant in sorted(rows["scenario"].unique()):
        by_year = rows[rows["scenario"] == variant].set_index("year")
        total = totals[totals["scenario"] == variant]
        for n, (stat, cell) in enumerate(lines.items()):
            first = [ui.tags.th(variant, rowspan=3, scope="row")] if n == 0 else []
            name = t({"median": "difference_median", "interval90": "interval90", "p_lower": p_key}[stat])
            over = [ui.tags.td(cell(total.iloc[0]) if len(total) else "", class_="fw-bold",
                               **{"data-year": "period"})] if len(totals) else []
            body.append(ui.tags.tr(*first, ui.tags.td(name),
                                   *(ui.tags.td(cell(by_year.loc[year]) if year in by_year.index else "",
                                                **{"data-year": str(year)}) for year in years), *over,
                                   **{"data-variant": variant, "data-stat": stat}))
    in_total = [ui.tags.th(labels.word("period_total").format(first=min(years), last=max(years)))] \
        if len(totals) else []
    head = ui.tags.tr(ui.tags.th(t("variant")), ui.tags.th(""), *(ui.tags.th(str(year)) for year in years),
                      *in_total)
    title = t("comparison", baseline=baseline, outcome=outcome_label(outcome, labels),
              unit=display.unit_word(labels))
    return ui.div(ui.h4(title),
                  ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body), class_="table table-sm",
                                id="comparison_table"))


def _runs_table(folders: list[Path], outcome: str, labels: Labels, t: Any) -> ui.TagChild:
    """The median paired difference of ``outcome`` in each run's variants, the years as columns.

    Each run compares with its own baseline, named in the row; its 90%
    interval stands under the median.
    """
    display = _display(outcome)
    frames = {folder: pd.read_parquet(folder / "comparison.parquet") for folder in folders}
    years = sorted({int(y) for frame in frames.values()
                    for y in frame.loc[frame["outcome"] == outcome, "year"].unique()})
    body = []
    for folder, frame in frames.items():
        baseline = read_manifest(folder).get("baseline", "")
        rows = frame[frame["outcome"] == outcome]
        for variant in rows["scenario"].unique():
            by_year = rows[rows["scenario"] == variant].set_index("year")
            cells = []
            for year in years:
                if year not in by_year.index:
                    cells.append(ui.tags.td("", **{"data-year": str(year)}))
                    continue
                row = by_year.loc[year]
                cells.append(ui.tags.td(display.number(row["median"], labels), ui.br(), ui.tags.small(
                    f"{display.number(row['p5'], labels)} – {display.number(row['p95'], labels)}",
                    class_="text-muted"), **{"data-year": str(year)}))
            body.append(ui.tags.tr(ui.tags.td(_run_label(folder, labels)),
                                   ui.tags.td(t("against", variant=variant, baseline=baseline)), *cells,
                                   **{"data-run": folder.name, "data-variant": variant}))
    head = ui.tags.tr(ui.tags.th(t("a_run")), ui.tags.th(t("variant")), *(ui.tags.th(str(y)) for y in years))
    title = t("runs_compared", outcome=outcome_label(outcome, labels), unit=display.unit_word(labels))
    return ui.div(ui.p(title), ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body),
                                             class_="table table-sm", id="runs_compared_table"))


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
