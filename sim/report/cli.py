"""``python -m sim.report RUN_FOLDER [--lang da|en] [--out FOLDER]``: the report of a finished run.

Writes ``report.html``, ``workbook.xlsx`` and ``figures/`` into the run
folder, or into the new folder ``--out``. A folder that is not a finished
run, a language not offered, or a report that exists already is refused
with exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import command_status
from . import DEFAULT_LANGUAGE, LANGUAGES, make_report


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim.report``."""
    top = argparse.ArgumentParser(
        prog="python -m sim.report",
        description="Write the HTML report, its one-page summary, the Excel workbook and the figures of a "
                    "finished experiment run.",
    )
    top.add_argument("folder", type=Path, metavar="RUN_FOLDER",
                     help="a run folder written by python -m sim.experiments (it holds manifest.json)")
    top.add_argument("--lang", default=DEFAULT_LANGUAGE, metavar="|".join(LANGUAGES),
                     help=f"language of the labels (default: {DEFAULT_LANGUAGE})")
    top.add_argument("--out", type=Path, default=None, metavar="FOLDER",
                     help="a new folder for the report (default: the run folder)")
    return top


def _report(args: argparse.Namespace) -> int:
    files = make_report(args.folder, args.lang, args.out)
    print(f"report:   {files.html}\nsummary:  {files.summary}\nworkbook: {files.workbook}\n"
          f"figures:  {files.html.parent / 'figures'}/ ({len(files.figures)} files)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parser().parse_args(argv)
    return command_status(lambda: _report(args))
