"""Statistical equivalence of the model before and after a change of its random numbers.

A refactoring keeps every record bit-identical (``tests/test_baseline.py``
checks). A change that draws the same distributions in another order
cannot: its baseline is regenerated, and this script shows that the
distributions of the outcomes did not move. Run the default's ensemble from
a checkout before the change and from one after, with different seeds so
that the two samples are independent, then compare::

    python tests/equivalence.py run before.parquet --seed 0     # on the commit before
    python tests/equivalence.py run after.parquet --seed 1      # on the commit after
    python tests/equivalence.py compare before.parquet after.parquet

``run`` writes the outcomes of 200 ten-year replications of the default (a
few minutes on 2 cores). ``compare`` tests each outcome in each year whose
values vary with a two-sample Kolmogorov-Smirnov test and a Mann-Whitney U
test, and prints how many fall below 0.05 and 0.01 (about 5% and 1% are
expected by chance alone, the outcomes being correlated), the smallest p
with its Bonferroni bound, and the outcomes of the last year ranked by p.
It exits 1 when the Bonferroni-adjusted smallest p of either test is below
0.05. It is not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from scipy import stats

REPLICATIONS = 200
YEARS = 10


def run(out: str, seed: int, workers: int) -> None:
    """The outcomes of the default's ensemble, as Parquet."""
    from sim.montecarlo import run_ensemble
    from sim.montecarlo.executors import executor_for
    from sim.scenario import DEFAULT_SCENARIO

    with executor_for(workers) as (pool, _):
        ensemble = run_ensemble([DEFAULT_SCENARIO], REPLICATIONS, seed, years=YEARS, executor=pool,
                                progress=True)
    ensemble.outcomes.to_parquet(out)


def tests(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and year whose values vary: the medians and the p of each two-sample test."""
    rows = []
    after_by = {key: group["value"].to_numpy() for key, group in after.groupby(["outcome", "year"])}
    for (outcome, year), group in before.groupby(["outcome", "year"]):
        a, b = group["value"].to_numpy(), after_by.get((outcome, year))
        if b is None or (np.ptp(a) == 0 and np.ptp(b) == 0):
            continue
        rows.append((outcome, year, np.median(a), np.median(b), stats.ks_2samp(a, b, method="asymp").pvalue,
                     stats.mannwhitneyu(a, b).pvalue))
    return pd.DataFrame(rows, columns=["outcome", "year", "median_before", "median_after", "ks_p", "mw_p"])


def compare(before_file: str, after_file: str) -> int:
    """Print the tests and return 1 when an outcome moved beyond chance (Bonferroni, 5%)."""
    table = tests(pd.read_parquet(before_file), pd.read_parquet(after_file))
    count = len(table)
    print(f"{count} outcome-years tested (those constant before and after left out)")
    moved = False
    for column, name in (("ks_p", "Kolmogorov-Smirnov"), ("mw_p", "Mann-Whitney U")):
        p = table[column]
        bound = min(1.0, float(p.min()) * count)
        moved |= bound < 0.05
        print(f"{name}: p < 0.05 for {int((p < 0.05).sum())} ({(p < 0.05).mean():.1%}), p < 0.01 for "
              f"{int((p < 0.01).sum())} ({(p < 0.01).mean():.1%}); smallest p {p.min():.2g}, "
              f"Bonferroni bound {bound:.2g}")
    last = table[table["year"] == table["year"].max()].sort_values("ks_p")
    print(last.head(12).to_string(index=False))
    return 1 if moved else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    top = argparse.ArgumentParser(prog="python tests/equivalence.py", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    running = commands.add_parser("run", help="the default's outcomes over 200 replications")
    running.add_argument("out")
    running.add_argument("--seed", type=int, default=0)
    running.add_argument("--workers", type=int, default=None)
    comparing = commands.add_parser("compare", help="two-sample tests per outcome and year")
    comparing.add_argument("before")
    comparing.add_argument("after")
    args = top.parse_args(argv)
    if args.command == "run":
        run(args.out, args.seed, args.workers)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
