"""``denmark_synthetic``: 98 made-up municipalities whose sizes follow Denmark's, together its children.

No municipality in it is real. Denmark has 98 municipalities; their sizes
are very unequal, from Læsø (1,789 inhabitants on 1 January 2023) to
København (about 650,000), with a median of about 44,000, and together
5,932,654 inhabitants on 1 January 2023 (Danmarks Statistik, FOLK1A). The
synthetic municipalities follow these four figures: the largest has
København's 650,000, and the i-th smallest of the other 97 sits at the
quantile (i - 0.5) / 98 of a two-piece lognormal distribution with median
44,000, whose spread below the median puts the smallest at Læsø's 1,789
and whose spread above it is the one (found by bisection) at which the 98
add up to the national 5,932,654. Each municipality's
children aged 0-22 are then the national children of the year before the
start date (the national profile's figure, ``sim/scenario/national/
denmark.toml``) shared in proportion to its inhabitants, rounded by largest
remainders so that they add up exactly to the national figure. Every
municipality therefore has the national share of children; only the sizes
are Denmark's.

``python -m sim.region.synthetic`` writes the file the package ships
(``sim/region/shipped/denmark_synthetic.toml``) again, or prints it with
``-``; a test checks that the shipped file is what this module makes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from pathlib import Path
from statistics import NormalDist

from ..scenario.profile import national
from .definition import shipped_folder

NAME = "denmark_synthetic"
COUNT = 98
"""Denmark's municipalities since the reform of 1 January 2007."""
SMALLEST = 1_789
"""Inhabitants of Læsø, the smallest municipality, on 1 January 2023 (Danmarks Statistik, FOLK1A)."""
LARGEST = 650_000
"""Inhabitants of København, the largest, about 2022-2023 (Danmarks Statistik, FOLK1A), rounded."""
MEDIAN = 44_000
"""The median municipality's inhabitants, about 2022-2023 (Danmarks Statistik, FOLK1A), rounded."""
INHABITANTS = 5_932_654
"""Denmark's inhabitants on 1 January 2023 (Danmarks Statistik, FOLK1A)."""
START = dt.date(2022, 1, 1)
"""The start date: the latest at which the national profile of any size stands still (from 2023 the
national notifications of 2022, 152,700, are more than the national stock of measures holds)."""
YEARS, REPLICATIONS, SEED = 5, 10, 0
"""The region file's defaults of a run: --years, --replications, --seed."""


def inhabitants(count: int = COUNT, smallest: float = SMALLEST, median: float = MEDIAN,
                largest: float = LARGEST, total: float = INHABITANTS) -> list[float]:
    """The inhabitants of ``count`` municipalities, largest first, adding up to ``total``.

    The largest has ``largest``; the i-th smallest of the others is at the
    standard normal quantile z of (i - 0.5) / ``count``, at ``median`` times
    exp(z s), where s is the spread below the median for z < 0 (chosen so
    that the smallest is ``smallest``) and the spread above it for z > 0
    (chosen by bisection so that all add up to ``total``).
    """
    quantiles = [NormalDist().inv_cdf((i - 0.5) / count) for i in range(1, count)]
    below = math.log(median / smallest) / -quantiles[0]

    def sizes(above: float) -> list[float]:
        return [median * math.exp(z * (below if z < 0 else above)) for z in quantiles] + [largest]

    low, high = 0.0, 5.0
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (low, middle) if sum(sizes(middle)) > total else (middle, high)
    return sorted(sizes((low + high) / 2), reverse=True)


def national_children(start: dt.date = START) -> tuple[int, int]:
    """(year, children aged 0-22) of the national profile for a start on ``start``: the year before's."""
    by_year = national()["population"]["children_0_22"]["value"]
    year = min((int(y) for y in by_year), key=lambda y: (abs(y - (start.year - 1)), y))
    return year, int(by_year[str(year)])


def shares(total: int, weights: list[float]) -> list[int]:
    """``total`` shared in proportion to ``weights`` in whole numbers adding up to it (largest remainders)."""
    exact = [total * w / sum(weights) for w in weights]
    whole = [math.floor(x) for x in exact]
    left = total - sum(whole)
    for i in sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))[:left]:
        whole[i] += 1
    return whole


def children(start: dt.date = START) -> list[tuple[str, int, float]]:
    """(name, children aged 0-22, synthetic inhabitants) of every synthetic municipality, largest first."""
    sizes = inhabitants()
    _, total = national_children(start)
    width = len(str(COUNT))
    return [(f"m{i + 1:0{width}d}", n, size) for i, (n, size) in enumerate(zip(shares(total, sizes), sizes,
                                                                             strict=True))]


def text(start: dt.date = START) -> str:
    """The region file ``denmark_synthetic.toml``."""
    year, total = national_children(start)
    municipalities = children(start)
    lines = [
        "# denmark_synthetic: 98 SYNTHETIC municipalities. No municipality here is real, and none is named.",
        "# Written by `python -m sim.region.synthetic` (sim/region/synthetic.py); do not edit by hand, a",
        "# test checks this file is what the module writes. How it is made (docs/region.md):",
        f"# - inhabitants: the largest {LARGEST:,} (København, about 2022-2023); the others two-piece",
        f"#   lognormal quantiles at (i - 0.5) / {COUNT} with the median at {MEDIAN:,}, the smallest at "
        f"{SMALLEST:,}",
        "#   (Læsø, 1 January 2023), and the spread above the median chosen so that all add up to",
        f"#   Denmark's {INHABITANTS:,} on 1 January 2023 (Danmarks Statistik, FOLK1A).",
        f"# - children aged 0-22: the national {total:,} of {year} (sim/scenario/national/denmark.toml,",
        "#   the year before the start date) shared in proportion to the inhabitants, rounded by largest",
        "#   remainders so that they add up exactly to it.",
        "",
        "[region]",
        f'name = "{NAME}"',
        f'title = "Denmark as {COUNT} synthetic municipalities of Danish sizes, {start.isoformat()}"',
        'description = "SYNTHETIC: no municipality is real. Sizes follow the national distribution of '
        "municipality sizes (the largest København's inhabitants, the others a two-piece lognormal through "
        "Læsø's and the median's, adding up to Denmark's; Danmarks Statistik FOLK1A); the children"
        f' add up to the national {total:,} aged 0-22 of {year}. Every municipality is the national profile '
        'scaled to its children."',
        f"start_date = {start.isoformat()}",
        f"years = {YEARS}",
        f"replications = {REPLICATIONS}",
        f"seed = {SEED}",
    ]
    for name, count, size in municipalities:
        lines += ["", "[[municipality]]", f'name = "{name}"',
                  f"children_0_22 = {count:_}  # {round(size):,} synthetic inhabitants"]
    return "\n".join(lines) + "\n"


def shipped_file() -> Path:
    """Where the package ships the file."""
    return shipped_folder() / f"{NAME}.toml"


def main(argv: list[str] | None = None) -> int:
    """Write the file again (or print it, given ``-``)."""
    top = argparse.ArgumentParser(prog="python -m sim.region.synthetic", description=__doc__.split("\n")[0])
    top.add_argument("out", nargs="?", default=None, metavar="FILE",
                     help=f"where to write it, '-' for the screen (default: {shipped_file()})")
    args = top.parse_args(argv)
    written = text()
    if args.out == "-":
        sys.stdout.write(written)
    else:
        target = Path(args.out) if args.out else shipped_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(written, encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
