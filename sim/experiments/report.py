"""What an experiment shows: the printed summary table and a plot per outcome.

The printed table is the one a planner reads first: each outcome of the
experiment in the last year of the horizon, per variant the median and the
90% interval across replications, and the paired difference from the
baseline with its interval and the probability that the variant is lower
(for spend, the probability that it saves money). Each outcome is scaled
and named in its unit as the outcome registry says, as in the report. The
full per-year tables are in the run folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..montecarlo import Ensemble
from ..montecarlo.registry import describe
from ..output.words import Labels
from ..sensitivity.answers import variants_needed
from ..sensitivity.design import factors
from .definition import LoadedExperiment

ENGLISH = Labels("en")
"""The printed summary and its plots are in English, as the command line is."""


def shown(outcome: str, value: float) -> str:
    """A value as the report's tables show it (kroner in 1,000 kr, shares in per cent), in plain digits."""
    display = describe(outcome).table
    return f"{value / display.divisor:,.{display.decimals}f}"


def with_unit(outcome: str) -> str:
    """An outcome's name with the unit its values are printed in: 'spend_kr.total (1,000 kr)'."""
    return f"{outcome} ({describe(outcome).table.unit_word(ENGLISH)})"


def _interval(row: pd.Series) -> str:
    parts = [shown(row["outcome"], row[column]) for column in ("median", "p5", "p95")]
    return f"{parts[0]} [{parts[1]} to {parts[2]}]"


def summary_text(ensemble: Ensemble, outcomes: list[str], summary: pd.DataFrame,
                 comparison: pd.DataFrame) -> str:
    """Outcomes down, variants across, in the last year: level, then the paired difference."""
    year = int(summary["year"].max())
    level = summary[(summary["year"] == year) & summary["outcome"].isin(outcomes)]
    table = level.assign(cell=level.apply(_interval, axis=1)).pivot(index="outcome", columns="scenario",
                                                                     values="cell")
    table = table.reindex(index=outcomes, columns=list(ensemble.scenarios)).rename(index=with_unit)
    blocks = [f"{year}, median [5% to 95%] over {ensemble.replications} replications "
              f"({ensemble.uncertainty} uncertainty)", table.to_string()]
    if len(ensemble.scenarios) > 1:
        diff = comparison[(comparison["year"] == year) & comparison["outcome"].isin(outcomes)]
        cells = diff.apply(lambda r: f"{_interval(r)} P(lower) {r['p_lower']:.2f}", axis=1)
        paired = diff.assign(cell=cells).pivot(index="outcome", columns="scenario", values="cell")
        paired = paired.reindex(index=outcomes, columns=list(ensemble.scenarios[1:])).rename(index=with_unit)
        blocks += [f"\n{year}, paired difference from {ensemble.baseline!r} (variant minus baseline), "
                   "median [5% to 95%]", paired.to_string()]
    return "\n".join(blocks)


REFERENCE_COLUMNS = ["reference", "variant", "outcome", "kind", "year", "published", "median", "p5", "p95",
                     "unit_kr", "source"]


def references(summary: pd.DataFrame, comparison: pd.DataFrame, experiment: LoadedExperiment) -> pd.DataFrame:
    """Each published figure beside the simulated median and 90% interval, in the figure's own unit."""
    rows = []
    for reference in experiment.definition.reference:
        simulated = summary if reference.kind == "level" else comparison
        mine = simulated[(simulated["scenario"] == reference.variant)
                         & (simulated["outcome"] == reference.outcome)].set_index("year")
        for year, published in reference.values.items():
            found = mine.loc[int(year)] if int(year) in mine.index else None
            rows.append({
                "reference": reference.label, "variant": reference.variant, "outcome": reference.outcome,
                "kind": reference.kind, "year": int(year), "published": published,
                **{q: (found[q] / reference.unit_kr if found is not None else float("nan"))
                   for q in ("median", "p5", "p95")},
                "unit_kr": reference.unit_kr, "source": reference.source,
            })
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def references_text(table: pd.DataFrame, baseline: str) -> str:
    """The published figures and the simulated ones, a block per reference, years across."""
    blocks = []
    for label, rows in table.groupby("reference", sort=False):
        first = rows.iloc[0]
        what = (f"{first['variant']!r} minus {baseline!r}" if first["kind"] == "difference"
                else repr(first["variant"]))
        unit = "mio kr" if first["unit_kr"] == 1e6 else ("1,000 kr" if first["unit_kr"] == 1e3 else "")
        frame = pd.DataFrame({
            "published": rows["published"].map("{:,.1f}".format).to_numpy(),
            "simulated median": rows["median"].map("{:,.1f}".format).to_numpy(),
            "5% to 95%": [f"{a:,.1f} to {b:,.1f}" for a, b in zip(rows["p5"], rows["p95"], strict=True)],
        }, index=rows["year"].to_numpy()).T
        blocks.append(f"{label} ({first['outcome']}, {what}{', ' + unit if unit else ''}; "
                      f"{first['source']})\n{frame.to_string()}")
    return "\n\n".join(blocks)


def design_text(experiment: LoadedExperiment) -> str:
    """What the sensitivity analysis will run, so its cost is known before it starts."""
    study = experiment.definition.sensitivity
    chosen = len(factors(list(experiment.scenarios.values()), study.parameters))
    strongest = min(study.sobol_parameters, chosen)
    variants = len(variants_needed(study.answer, list(experiment.scenarios)))
    morris, sobol = (chosen + 1) * study.trajectories, (strongest + 2) * study.samples if strongest else 0
    return (f"then a sensitivity analysis of {chosen} assumptions: Morris {morris} points, Sobol {sobol} "
            f"points ({strongest} assumptions); each point runs {variants} variants x {study.replications} "
            f"replications, {(morris + sobol) * variants * study.replications:,} runs in all")


def sensitivity_text(indices: pd.DataFrame, answers: pd.DataFrame, top: int = 10) -> str:
    """Per answer, the ``top`` assumptions it hangs on, strongest first, and its Monte Carlo noise."""
    blocks = []
    for label, rows in indices.groupby("answer", sort=False):
        about = answers[answers["answer"] == label]
        first = about.iloc[0]
        noise = ", ".join(f"{r['stage']} {r['noise_share']:.0%}" for _, r in about.iterrows()
                          if pd.notna(r["noise_share"]))
        frame = pd.DataFrame({
            "assumption": rows["parameter"],
            "mu*": [shown(first["outcome"], v) for v in rows["mu_star"]],
            "ST [conf]": [f"{st:.2f} ± {c:.2f}" if pd.notna(st) else "" for st, c in
                          zip(rows["ST"], rows["ST_conf"], strict=True)],
            "low end -> high end": [
                f"{shown(first['outcome'], lo)} -> {shown(first['outcome'], hi)}"
                for lo, hi in zip(rows["low_end"], rows["high_end"], strict=True)],
        }).head(top).set_axis(rows["rank"].head(top).to_numpy())
        what = f"{first['variant']!r}{' minus the baseline' if first['kind'] == 'difference' else ''}"
        blocks.append(f"{label}: {with_unit(first['outcome'])}, {what}, {first['year']}; Monte Carlo "
                      f"noise share of the variance between points: {noise or 'not estimated'}\n"
                      f"{frame.to_string()}")
    return "\n\n".join(blocks)


def convergence_note(summary: pd.DataFrame, outcomes: list[str], precision: float) -> str:
    """Whether the means of the last year are known to ``precision``, and what would be needed if not."""
    year = int(summary["year"].max())
    mine = summary[(summary["year"] == year) & summary["outcome"].isin(outcomes) & (summary["mean"] != 0)]
    known = int(mine["converged"].sum())
    note = f"\n{known} of {len(mine)} non-zero means in {year} are known to {precision:.0%} (relative MCSE)"
    if known < len(mine):
        worst = mine.sort_values("relative_mcse").iloc[-1]
        note += (f"; the least precise, {worst['outcome']} of {worst['scenario']!r}, needs about "
                 f"{worst['replications_needed']:,.0f} replications (see summary.csv)")
    return note


def plot_outcomes(
    summary: pd.DataFrame, outcomes: list[str], scenarios: tuple[str, ...], folder: Path
) -> list[Path]:
    """One PNG per outcome: the median per year of each variant with its 90% band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for outcome in outcomes:
        rows = summary[summary["outcome"] == outcome]
        display = describe(outcome).figure
        figure, axes = plt.subplots(figsize=(7, 4))
        for scenario in scenarios:
            mine = rows[rows["scenario"] == scenario].sort_values("year")
            axes.plot(mine["year"], mine["median"] / display.divisor, marker="o", label=scenario)
            axes.fill_between(mine["year"], mine["p5"] / display.divisor, mine["p95"] / display.divisor,
                              alpha=0.15)
        axes.set_title(outcome)
        axes.set_xlabel("year")
        axes.set_ylabel(f"{display.unit_word(ENGLISH)}, median and 90% interval")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.legend(fontsize="small")
        figure.tight_layout()
        path = folder / f"{outcome}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written
