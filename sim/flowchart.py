"""The flow of children as the model runs it: a diagram and a table made from a run, not drawn by hand.

The states are the code's own (:data:`sim.measures.STATES`), and so are the
routes in and the reasons for leaving. The arrows are the transitions a run
of the default scenario actually makes, counted per year, so the diagram in
``docs/flow.md`` cannot drift from the code: a transition the model starts
to make appears at the next regeneration, and a test checks that every
transition a run makes is in the page::

    python -m sim.flowchart --figure docs/figures/flow.svg > docs/flow.md
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from .measures import EXIT_REASONS, STATES
from .output.result import Result

ENTRIES = ("notification", "application", "renotified", "small_children", "start_date_stock")
"""How children come in: a notification, an application without one, a notification again after being
screened out while in need, the small-children stock's own inflow, and the stock on the start date (every
``initial_<where>`` route)."""
EXITS = tuple(f"exit: {reason}" for reason in EXIT_REASONS)
"""The ends of a child's time in the system, one per exit reason."""
PLACES = {
    "notification": (0.0, 4.5), "renotified": (0.0, 3.5), "application": (0.0, 2.5),
    "start_date_stock": (0.0, 1.3), "small_children": (0.0, 0.0),
    "assessment": (1.7, 4.5), "awaiting_investigation": (3.4, 3.0), "investigation": (5.1, 3.0),
    "preventive": (6.8, 3.9), "home_based": (6.8, 2.3), "awaiting_placement": (8.5, 1.1),
    "placement": (10.2, 2.5), "small_children_special": (6.8, 0.0),
    **{end: (12.2, 5.2 - 1.6 * i) for i, end in enumerate(EXITS)},
}
"""Where each box stands: entries on the left, the ladder in the middle, exits on the right."""


def transitions(result: Result) -> pd.DataFrame:
    """``from``, ``to``, ``children``, ``per_year``: every move between entries, states and exits a run made.

    ``children`` counts the moves over the whole run; ``per_year`` divides by
    its years (for the stock on the start date, a one-off, it says little).
    """
    states = result.states.sort_values(["child_id", "start_day", "end_day"], kind="stable")
    following = states.groupby("child_id")["state"].shift(-1)
    moves = pd.DataFrame({"from": states["state"], "to": following}).dropna()
    children = result.children
    first = states.groupby("child_id")["state"].first()
    last = states.groupby("child_id")["state"].last()
    route = children.set_index("child_id")["route"].where(lambda r: ~r.str.startswith("initial_"),
                                                          "start_date_stock")
    entries = pd.DataFrame({"from": route.reindex(first.index), "to": first})
    ended = children.set_index("child_id")["exit_reason"].dropna()
    exits = pd.DataFrame({"from": last.reindex(ended.index), "to": "exit: " + ended})
    found = pd.concat([entries, moves, exits], ignore_index=True)
    years = result.budget_frame["year"].nunique()
    table = found.groupby(["from", "to"]).size().rename("children").reset_index()
    table["per_year"] = table["children"] / years
    order = {name: i for i, name in enumerate([*ENTRIES, *STATES, *EXITS])}
    return table.sort_values(["from", "to"], key=lambda c: c.map(order), kind="stable").reset_index(drop=True)


def draw(table: pd.DataFrame, path: Path) -> None:
    """The diagram as SVG (text kept as text): a box per entry, state and exit, arrows as wide as the flow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    figure, axes = plt.subplots(figsize=(15, 6.5))
    boxes = {}
    for name, (x, y) in PLACES.items():
        kind = "entry" if name in ENTRIES else ("exit" if name in EXITS else "state")
        colour = {"entry": "#e8f0e0", "state": "#dde8f5", "exit": "#f5e3dd"}[kind]
        boxes[name] = axes.text(x, y, name.replace("_", " ").replace("exit: ", "exit:\n"), ha="center",
                                va="center", fontsize=9, zorder=3, bbox={
                                    "boxstyle": "round,pad=0.4", "facecolor": colour, "edgecolor": "#555"})
    axes.set_xlim(-0.8, 13.0)
    axes.set_ylim(-0.6, 5.6)
    figure.canvas.draw()  # places the boxes, so that each arrow can stop at their edges
    widest = table["per_year"].max()
    for source, target, _, per_year in table.itertuples(index=False, name=None):
        bend = 0.3 if PLACES[source][0] >= PLACES[target][0] else 0.05  # a move back down arcs apart
        axes.add_patch(FancyArrowPatch(
            PLACES[source], PLACES[target], arrowstyle="-|>", mutation_scale=12, color="#4a6fa5", alpha=0.6,
            linewidth=0.6 + 5 * per_year / widest, connectionstyle=f"arc3,rad={bend}", zorder=2,
            shrinkA=_to_edge(axes, boxes[source], PLACES[target]), shrinkB=_to_edge(axes, boxes[target],
                                                                                    PLACES[source])))
    axes.axis("off")
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "barnesim"}):
        figure.savefig(path, metadata={"Date": None}, bbox_inches="tight")
    plt.close(figure)


def _to_edge(axes: Any, box: Any, towards: tuple[float, float]) -> float:
    """Points from the centre of ``box`` to its edge in the direction of ``towards``."""
    extent = box.get_bbox_patch().get_window_extent()
    centre = axes.transData.transform(box.get_position())
    dx, dy = axes.transData.transform(towards) - centre
    reach = min(extent.width / 2 / abs(dx) if dx else float("inf"),
                extent.height / 2 / abs(dy) if dy else float("inf"))
    return float(reach * (dx * dx + dy * dy) ** 0.5 * 72 / axes.figure.dpi) + 2


def page(table: pd.DataFrame, figure: str, years: int, seed: int) -> str:
    """``docs/flow.md``: the diagram and the table of transitions per year."""
    rows = "\n".join(f"| `{r['from']}` | `{r['to']}` | {r['children']:,} | {r['per_year']:,.1f} |"
                     for _, r in table.iterrows())
    return f"""# The flow of children, from the code

<!-- generated by: python -m sim.flowchart --figure docs/figures/flow.svg > docs/flow.md -->

The boxes are the model's own states (`sim.measures.STATES`), the routes by
which children come in and the reasons they leave. The arrows are the moves
a run of the default scenario (`ballerup_2017`, {years} years, seed {seed})
made, as wide as their yearly number, so the diagram shows what the code
does, not what it was meant to do. A test fails when a run makes a move
that this page does not list. See [odd.md](odd.md) for what each state
means and [model.md](model.md) for the rules behind each arrow.

![The flow of children through the model's states]({figure})

| From | To | Children ({years} years) | Per year |
|---|---|---:|---:|
{rows}
"""


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.flowchart``: write the diagram and print the page."""
    parser = argparse.ArgumentParser(prog="python -m sim.flowchart", description=__doc__.splitlines()[0])
    parser.add_argument("--figure", type=Path, required=True,
                        help="where to write the SVG diagram (the page links to it relative to docs/)")
    parser.add_argument("--years", type=int, default=10, help="years of the default run (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the default run (default: 0)")
    args = parser.parse_args(argv)
    from . import run

    table = transitions(run("ballerup_2017", years=args.years, seed=args.seed))
    draw(table, args.figure)
    sys.stdout.write(page(table, os.path.relpath(args.figure, "docs"), args.years, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
