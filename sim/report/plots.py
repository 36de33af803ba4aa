"""The report's figures for a committee paper: fan charts, paired differences, waits, caseload, tornado.

A committee asks how sure the numbers are, so every line over the years is
the median across replications with its 50% band (darker) and 90% band
(lighter): a single line would read as a forecast. A variant is compared
with the baseline by the *paired* difference, replication by replication,
since two overlapping bands cannot say whether the variant saves money.
Each figure is written as PNG (for the HTML report) and as SVG with its
text kept as text, so it can be edited and pasted into a committee paper.
A figure whose outcomes the run does not hold is left out, not an error:
an experiment's run folder need not hold every outcome. The figure names
are listed in ``docs/report.md``.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import pandas as pd

from ..measures import PLACEMENT_TYPES
from ..montecarlo.outcomes import ACCOUNTS_LEVELS
from ..montecarlo.period import headline_spend
from ..montecarlo.registry import describe, outcome_label
from ..output.words import Labels
from .run import Run
from .sensitivity import SHOWN, answer_outcomes, has_sensitivity

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as Drawing
    from matplotlib.ticker import FuncFormatter

Drawn: TypeAlias = "tuple[Drawing, str] | None"
"""What a figure's function gives: the drawing and its title, or ``None`` when the run lacks its outcomes."""
SPEND_ROWS = (*ACCOUNTS_LEVELS, "authority", "total_with_authority")
"""The levels of the spend fan chart: the accounts' frame, the authority (with overheads) and the whole."""
PLACEMENT_ROWS = (*PLACEMENT_TYPES, "total")
"""The placement types in the published table's order, then the total."""
DPI = 150
STYLE = {
    "svg.fonttype": "none",  # text stays text: searchable, and editable in a committee paper
    "svg.hashsalt": "barnesim",  # the same figure gives the same SVG
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
}
"""Font sizes readable in print at the size a committee paper shows them (nothing below 9 pt)."""
LEGEND_WIDTH = 130
"""Characters of legend text that fit across a figure 10 inches wide at 9 pt (fewer across a narrower one)."""
Band: TypeAlias = "tuple[str, str, float, str]"
BANDS: tuple[Band, ...] = (("p5", "p95", 0.1, "interval90"), ("p25", "p75", 0.22, "band50"))
"""Low column, high column, opacity and label of each band, the wide one first; light, as variants overlap."""
FIGURE_SIZE = (10, 6)
"""Inches of a report figure: a committee paper's width."""
SUMMARY_SIZE = (7.2, 2.0)
"""Inches of the one-page summary's chart: about the width of A4 within its margins, so it prints 1:1."""
SUMMARY_FONTS = {key: 8 for key in ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                                    "legend.fontsize")}
"""The summary's chart in 8 pt, as the page's small print."""


@dataclass(frozen=True)
class Figure:
    """A figure as written: its stable name, its title (the HTML report's caption) and its two files."""

    name: str
    title: str
    png: Path
    svg: Path


def report_figures(run: Run, labels: Labels, folder: Path) -> list[Figure]:
    """Every figure the run's tables allow, as ``folder/<name>.png`` and ``.svg``, in the report's order."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; selected here so importing the module changes nothing
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    makers: tuple[tuple[str, Callable[[Run, Labels], Drawn]], ...] = (
        ("fan_spend", fan_spend), ("fan_placements", fan_placements),
        ("paired_difference", paired_difference), ("waits", waits), ("caseload", caseload),
        ("tornado", tornado),
    )
    figures = []
    with plt.rc_context(STYLE):
        for name, make in makers:
            made = make(run, labels)
            if made is not None:
                figures.append(_save(*made, name, folder))
    return figures


def fan_spend(run: Run, labels: Labels) -> Drawn:
    """Spend per level over the years, a panel per level, in mio kr (``None`` without spend outcomes)."""
    return _fan_panels(run, labels, "spend_kr", SPEND_ROWS, "fan_spend", whole=False)


def fan_placements(run: Run, labels: Labels) -> Drawn:
    """Placed children at 31 December per type and in total, a panel each, in persons."""
    return _fan_panels(run, labels, "placements_31_dec", PLACEMENT_ROWS, "fan_placements", whole=True)


def paired_difference(run: Run, labels: Labels) -> Drawn:
    """Each variant's paired difference from the baseline in total spend per year, around the zero line.

    Left out for a single variant, which has nothing to differ from. The
    legend gives each variant's probability of a saving in the last year.
    """
    return _paired_difference(run, labels, FIGURE_SIZE, BANDS, compact=False)


def summary_chart(run: Run, labels: Labels) -> str | None:
    """The one-page summary's chart as SVG text to put inline: :func:`paired_difference`, small, 90% band.

    A single band reads in print on one page; the title is the summary's
    own caption above the chart, and the years need no label. 8 pt, as the
    page's own small print. ``None`` where there is no such figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({**STYLE, **SUMMARY_FONTS}):
        made = _paired_difference(run, labels, SUMMARY_SIZE, BANDS[:1], compact=True)
        if made is None:
            return None
        figure, _ = made
        text = io.StringIO()
        try:
            figure.savefig(text, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    svg = text.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)  # its licence links point outside
    return svg[svg.index("<svg"):]  # no XML prolog nor DOCTYPE inside an HTML page


def difference_outcome(run: Run) -> str | None:
    """The spend whose paired difference the figure shows; ``None`` for a single variant or without spend.

    The headline spend of the experiment's outcomes, which the key answer
    and the tiles speak of, so the figure shows what they say; else the
    first of :data:`~sim.montecarlo.period.SPEND_HEADLINES` the run measured.
    """
    held = set(run.tables["comparison"]["outcome"])
    found = headline_spend([o for o in run.outcomes if o in held]) or headline_spend(list(held))
    return found if len(run.variants) > 1 else None


def _paired_difference(run: Run, labels: Labels, size: tuple[float, float], bands: tuple[Band, ...], *,
                       compact: bool) -> Drawn:
    """The paired difference at ``size`` inches with ``bands``; ``compact``: no titles, no year label."""
    outcome = difference_outcome(run)
    if outcome is None:
        return None
    comparison = run.tables["comparison"]
    title = f"{labels.word('paired')} {run.baseline} – {outcome_label(outcome, labels)}"
    display = describe(outcome).figure
    figure, axes = _figure(1, 1, size)
    axes = axes[0]
    rows = comparison[comparison["outcome"] == outcome]
    axes.axhline(0, color="black", linewidth=0.8)
    for variant in [v for v in run.variants if v != run.baseline]:
        mine = rows[rows["scenario"] == variant]
        _fan(axes, mine, _colour(run, variant), f"{variant}{_chance_of_lower(mine, labels)}", display.divisor,
             bands)
    _year_axes(axes, labels, display.unit_word(labels))
    _legend(figure, axes, labels, bands, titled=not compact)
    if compact:
        axes.set_xlabel("")
    else:
        figure.suptitle(title)
    return figure, title


def waits(run: Run, labels: Labels) -> Drawn:
    """The median wait at each in-house service in the last year, across replications, per variant.

    The whole distribution, not a band: a wait is a queue, and a few
    replications with a long queue are what a committee must see.
    """
    outcomes = run.tables["outcomes"]
    year = int(outcomes["year"].max())
    last = outcomes[(outcomes["year"] == year) & outcomes["outcome"].str.startswith("median_wait_days.")]
    last = last.dropna(subset=["value"])
    services = list(dict.fromkeys(last["outcome"]))
    if not services:
        return None
    title = f"{labels.word('wait_distribution')}, {year}"
    figure, panels = _figure(1, len(services))
    for axes, outcome in zip(panels, services, strict=True):
        mine = last[last["outcome"] == outcome]
        values = [mine.loc[mine["scenario"] == v, "value"].to_numpy() for v in run.variants]
        shown = [i for i, v in enumerate(values) if len(v)]  # a variant without requests has no wait
        boxes = axes.boxplot([values[i] for i in shown], positions=shown, patch_artist=True, widths=0.6,
                             medianprops={"color": "black"})
        for i, box in zip(shown, boxes["boxes"], strict=True):
            box.set(facecolor=_colour(run, run.variants[i]), alpha=0.6)
        axes.set_xticks(range(len(run.variants)), [textwrap.fill(v, 14) for v in run.variants])
        axes.set_title(labels.row(outcome.partition(".")[2]))
        axes.set_xlabel(labels.word("variant"))
        axes.set_ylabel(describe(outcome).figure.unit_word(labels))
        axes.yaxis.set_major_formatter(_number_format(labels))
        axes.grid(axis="y", alpha=0.3)
    figure.suptitle(title)
    return figure, title


def caseload(run: Run, labels: Labels) -> Drawn:
    """Cases per caseworker over the years per variant, against the baseline's target caseload."""
    outcome = "caseload_per_worker.mean"
    summary = run.tables["summary"]
    rows = summary[summary["outcome"] == outcome]
    if rows.empty:
        return None
    title = labels.word("caseload_title")
    target = run.scenarios[run.baseline].follow_up.reference_caseload.value
    display = describe(outcome).figure
    unit = display.unit_word(labels)
    figure, axes = _figure(1, 1)
    axes = axes[0]
    for variant in run.variants:
        _fan(axes, rows[rows["scenario"] == variant], _colour(run, variant), variant, display.divisor)
    axes.axhline(target / display.divisor, color="black", linestyle="--", linewidth=1.2,
                 label=f"{labels.word('target')}: {labels.number(target, 0)} {unit}")
    _year_axes(axes, labels, unit)
    _legend(figure, axes, labels)
    figure.suptitle(title)
    return figure, title


def tornado(run: Run, labels: Labels) -> Drawn:
    """Per answer of the sensitivity analysis, its strongest assumptions as bars from the answer's mean.

    Each assumption gets two bars from the answer's mean over the screening
    points: to the answer with the assumption at the low end of its range,
    and at the high end (the Morris mean effect, to first order, the other
    assumptions varied). Kroner are in mio kr. The assumptions are in the
    ranked table's order, the strongest on top.
    """
    if not has_sensitivity(run):
        return None
    import matplotlib.pyplot as plt

    outcomes = answer_outcomes(run)
    table, answers = run.tables["sensitivity"], run.tables["sensitivity_answers"]
    figure, panels = plt.subplots(len(outcomes), 1, figsize=(10, 1.2 + 3.2 * len(outcomes)),
                                  layout="constrained", squeeze=False)
    for axes, (label, outcome) in zip(panels.flat, outcomes.items(), strict=True):
        display = describe(outcome).figure
        divisor, unit = display.divisor, display.unit_word(labels)
        rows = table[table["answer"] == label].head(SHOWN)
        about = answers[(answers["answer"] == label) & (answers["stage"] == "morris")].iloc[0]
        base = about["mean"] / divisor
        places = range(len(rows))[::-1]
        for column, colour, word in (("low_end", "C0", "low_end_bar"), ("high_end", "C3", "high_end_bar")):
            axes.barh(list(places), rows[column] / divisor - base, left=base, color=colour, alpha=0.8,
                      height=0.4 if column == "low_end" else -0.4, align="edge", label=labels.word(word))
        axes.axvline(base, color="black", linewidth=0.8, label=labels.word("mean_over_points"))
        axes.set_yticks(list(places), list(rows["parameter"]))
        axes.set_title(label)
        axes.set_xlabel(unit)
        axes.xaxis.set_major_formatter(_number_format(labels))
        axes.grid(axis="x", alpha=0.3)
    handles, texts = panels.flat[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncols=len(texts), frameon=False)
    title = labels.word("tornado")
    figure.suptitle(title)
    return figure, title


def _fan_panels(run: Run, labels: Labels, measure: str, names: tuple[str, ...], key: str, *,
                whole: bool) -> Drawn:
    """A panel per row of ``measure`` the summary holds, every variant's fan in each; ``None`` if none.

    The rows share the measure's figure display (kroner in mio kr). ``whole``:
    the rows count people, so y ticks are whole numbers (no 12.5 children).
    """
    summary = run.tables["summary"]
    held = set(summary["outcome"])
    names = tuple(name for name in names if f"{measure}.{name}" in held)
    if not names:
        return None
    display = describe(f"{measure}.{names[0]}").figure
    columns = min(len(names), 3 if len(names) <= 6 else 4)
    figure, panels = _figure(-(-len(names) // columns), columns)
    for axes, name in zip(panels, names, strict=False):
        rows = summary[summary["outcome"] == f"{measure}.{name}"]
        for variant in run.variants:
            _fan(axes, rows[rows["scenario"] == variant], _colour(run, variant), variant, display.divisor)
        axes.set_title(textwrap.fill(labels.row(name), 120 // columns))  # about a panel's width
        _year_axes(axes, labels, display.unit_word(labels), whole=whole)
    for axes in panels[len(names):]:
        axes.set_visible(False)
    _legend(figure, panels[0], labels)
    title = labels.word(key)
    figure.suptitle(title)
    return figure, title


def _chance_of_lower(rows: pd.DataFrame, labels: Labels) -> str:
    """' (P(lower) <last year>: 83%)' of one variant's differences: for spend, the chance of a saving."""
    if rows.empty:
        return ""
    last = rows.loc[rows["year"].idxmax()]
    return f" ({labels.word('p_lower')} {int(last['year'])}: {labels.percent(float(last['p_lower']))})"


def _fan(axes: Axes, rows: pd.DataFrame, colour: str, label: str, divisor: float,
         bands: tuple[Band, ...] = BANDS) -> None:
    """One variant's median over the years with its ``bands`` (90% and 50%), in units of ``divisor``."""
    rows = rows.sort_values("year")
    years = rows["year"].to_numpy()
    for low, high, alpha, _ in bands:
        axes.fill_between(years, rows[low] / divisor, rows[high] / divisor, color=colour, alpha=alpha,
                          linewidth=0)
    axes.plot(years, rows["median"] / divisor, color=colour, marker="o", markersize=3, label=label)


def _figure(rows: int, columns: int, size: tuple[float, float] = FIGURE_SIZE) -> tuple[Drawing, list[Axes]]:
    """A figure of ``rows`` x ``columns`` panels sized for a committee paper, room left for a legend below."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(rows, columns, figsize=size, layout="constrained", squeeze=False)
    return figure, list(axes.flat)


def _year_axes(axes: Axes, labels: Labels, unit: str, *, whole: bool = False) -> None:
    """Whole years along x, the unit up y (whole numbers if ``whole``), numbers as the language writes."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    first, last = axes.dataLim.intervalx
    if last - first < 1:  # a run of one year: around it, not a century of empty axis
        axes.set_xlim(first - 1, last + 1)
    if whole:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(labels.word("year"))
    axes.set_ylabel(unit)
    axes.yaxis.set_major_formatter(_number_format(labels))
    axes.grid(alpha=0.3)


def _number_format(labels: Labels) -> FuncFormatter:
    """Tick labels as the language writes numbers (12.345,5 in Danish), with no more decimals than needed."""
    from matplotlib.ticker import FuncFormatter

    def shown(value: float, _position: int) -> str:
        decimals = next((d for d in range(3) if abs(round(value, d) - value) < 1e-9), 2)
        return labels.number(value, decimals)

    return FuncFormatter(shown)


def _legend(figure: Drawing, axes: Axes, labels: Labels, bands: tuple[Band, ...] = BANDS, *,
            titled: bool = True) -> None:
    """The variants (and any reference line) of ``axes``, then what the ``bands`` are, below the panels."""
    from matplotlib.patches import Patch

    handles, texts = axes.get_legend_handles_labels()
    handles += [Patch(color="grey", alpha=alpha) for _, _, alpha, _ in bands]
    texts += [labels.word(key) for *_, key in bands]
    room = LEGEND_WIDTH * figure.get_figwidth() / FIGURE_SIZE[0]  # characters across this figure
    widest = max(1, min(6, int(room // (max(map(len, texts)) + 8))))  # 8: the handle and the gap
    rows = -(-len(texts) // widest)
    figure.legend(handles, texts, loc="outside lower center", ncols=-(-len(texts) // rows), frameon=False,
                  title=f"{labels.word('variants')}, {labels.word('median').lower()}" if titled else None)


def _colour(run: Run, variant: str) -> str:
    """A variant's colour, the same in every figure: matplotlib's cycle by its place among the variants."""
    return f"C{run.variants.index(variant) % 10}"


def _save(figure: Drawing, title: str, name: str, folder: Path) -> Figure:
    """Write ``figure`` as PNG and SVG and close it (pyplot keeps every open figure alive)."""
    import matplotlib.pyplot as plt

    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    try:
        figure.savefig(png, dpi=DPI)
        figure.savefig(svg, metadata={"Date": None})  # no date: the same run gives the same file
    finally:
        plt.close(figure)
    return Figure(name, title, png, svg)
