"""What planners open: the run as an Excel workbook, plots and one self-contained HTML report.

``make_report(folder, lang)`` reads a finished experiment run folder and
writes ``report.html``, its one-page ``summary.html``, ``workbook.xlsx``
and ``figures/`` (PNG and SVG) into it, or into a new folder ``out``;
``make_report(ensemble, lang, out=FOLDER)`` first writes an ensemble run in
Python as such a run folder. Nothing that exists is overwritten:
a second report, in another language say, goes to another folder. The
command line is ``python -m sim.report RUN_FOLDER [--lang da|en] [--out
FOLDER]``; ``python -m sim.experiments NAME --report`` makes the report at
the end of a run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..montecarlo import Ensemble
from ..output.folders import check_new_folder, new_folder, write_atomically
from ..output.words import LANGUAGES, Labels
from .run import Run, read_run

REPORT = "report.html"
SUMMARY = "summary.html"
WORKBOOK = "workbook.xlsx"
FIGURES = "figures"
FILES = (REPORT, SUMMARY, WORKBOOK, FIGURES)
"""What a report writes; each is refused when it exists already."""
DEFAULT_LANGUAGE = "da"
"""Danish: the report is written for a municipal committee."""

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "ReportFiles", "Run", "download_name", "make_report", "read_run"]


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written."""

    html: Path
    workbook: Path
    figures: list[Path]
    summary: Path
    """The one-page summary, beside the report."""

    @classmethod
    def in_folder(cls, folder: Path) -> ReportFiles:
        """The files of the report written into ``folder``."""
        return cls(folder / REPORT, folder / WORKBOOK, sorted((folder / FIGURES).iterdir()), folder / SUMMARY)


def download_name(run: Run, tag: str, suffix: str) -> str:
    """What a downloaded file of ``run`` is called: ``{experiment}_{scenario}_{tag}.{suffix}``.

    ``tag`` is the report's language, or what the file is (``scenario_files``).
    The experiment and the scenario its baseline starts from say what the
    file holds once it lies among others in a planner's downloads (inside
    the run folder the files keep their fixed names, :data:`WORKBOOK`).
    Safe on every file system: letters, digits, ``.``, ``_`` and ``-`` only
    (æ, ø and å written ae, oe and aa), at most 120 characters.
    """
    danish = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})

    def safe(part: str) -> str:
        ascii_only = unicodedata.normalize("NFKD", part.translate(danish)).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_only).strip("._-")

    parts = (safe(part) for part in (run.manifest["experiment"]["name"], run.scenario, tag))
    return f"{'_'.join(part for part in parts if part)[:120] or 'barnesim'}.{suffix}"


def language_problems(lang: str) -> list[Problem]:
    """The problem with ``--lang``, if it is not a language the report is written in."""
    return [] if lang in LANGUAGES else [Problem("--lang", "", f"must be one of {list(LANGUAGES)}", lang)]


def check_report_target(folder: Path, out: Path | None, lang: str, flag: str = "--out") -> Path:
    """The folder the report goes to; refuses a language not offered and files that exist already."""
    problems = language_problems(lang)
    target = folder if out is None else out
    if out is not None:
        try:
            check_new_folder(out, flag)
        except InputError as error:
            problems += error.problems
    else:
        problems += [Problem(str(folder / name), "", f"already exists; reports are never overwritten, give "
                             f"{flag} NEW_FOLDER for another one") for name in FILES
                     if (folder / name).exists()]
    if problems:
        raise InputError(problems, "cannot write the report")
    return target


ENSEMBLE_OUTCOMES = ("spend_kr.*", "placements_31_dec.*")
"""What the report of an ensemble shows unless told: the spend and the placements per level, as the
accounts list them."""


def make_report(folder: str | Path | Ensemble, lang: str = DEFAULT_LANGUAGE,
                out: str | Path | None = None, *, outcomes: Sequence[str] = ENSEMBLE_OUTCOMES,
                title: str | None = None, description: str = "", price_year: int | None = None
                ) -> ReportFiles:
    """Write the report of the finished run in ``folder``, in ``lang``, into ``folder`` or the new ``out``.

    Given an :class:`~sim.montecarlo.Ensemble` run in Python instead, ``out``
    (a new folder) is required: the ensemble is written there as the run
    folder an experiment of its scenarios would write
    (:func:`sim.experiments.run.write_ensemble_run`: tables, plots and a
    manifest recording the scenarios as run), ``outcomes`` (names or
    patterns), ``title``, ``description`` and ``price_year`` saying what
    it shows, and the report is made of that folder as of any run.
    """
    from .page import render_html  # imported here: python -m sim.experiments starts without them
    from .plots import report_figures
    from .summary import render_summary
    from .workbook import write_workbook

    if isinstance(folder, Ensemble):
        folder = _ensemble_run(folder, lang, out, list(outcomes), title, description, price_year)
        out = None
    folder = Path(folder)
    out = None if out is None else Path(out)
    target = check_report_target(folder, out, lang)
    run = read_run(folder)
    labels = Labels(lang)
    written: list[Path] = []
    try:
        if out is not None:
            target.mkdir(parents=True)
            written.append(target)
        with new_folder(target / FIGURES, "--out") as staging:
            figures = report_figures(run, labels, staging)
            html = render_html(run, labels, figures)
            summary = render_summary(run, labels)
        written.append(target / FIGURES)
        buffer = io.BytesIO()
        write_workbook(run, labels, buffer)
        write_atomically(target / WORKBOOK, buffer.getvalue())
        written.append(target / WORKBOOK)
        write_atomically(target / SUMMARY, summary.encode("utf-8"))
        written.append(target / SUMMARY)
        write_atomically(target / REPORT, html.encode("utf-8"))
    except BaseException:  # a report is whole or not there
        for path in written:
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise
    return ReportFiles.in_folder(target)


def _ensemble_run(ensemble: Ensemble, lang: str, out: str | Path | None, outcomes: list[str],
                  title: str | None, description: str, price_year: int | None) -> Path:
    """The run folder ``out`` written from ``ensemble``, once the report's language and ``out`` are valid."""
    from ..experiments.run import write_ensemble_run  # the sensitivity analysis it imports is slow to load

    problems = language_problems(lang)
    if out is None:
        problems.append(Problem("out", "", "give a new folder for the ensemble's run and its report: "
                                "make_report(ensemble, out=FOLDER)"))
    else:
        try:
            check_new_folder(Path(out), "out")
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems, "cannot write the report")
    title = title or "Ensemble of " + ", ".join(ensemble.scenarios)
    write_ensemble_run(ensemble, Path(out), outcomes=outcomes, title=title, description=description,
                       price_year=price_year)
    return Path(out)
