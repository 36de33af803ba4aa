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

import numpy as np
import pandas as pd

from ..montecarlo import Ensemble
from ..montecarlo.budget import outside_years
from ..montecarlo.figure import SIZE, draw_outcome
from ..montecarlo.registry import KRONER, describe
from ..output.prices import deflator
from ..output.words import Labels
from ..scenario import Scenario
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


def period_text(comparison: pd.DataFrame, period: pd.DataFrame, outcome: str, baseline: str) -> str:
    """Per variant, the paired difference of ``outcome`` in each year and summed since the first year.

    Years across; the running total of the last year is the period's total,
    with the probability that the variant is lower over the period so far.
    """
    years = sorted(int(year) for year in period["year"].unique())
    rows: dict[tuple[str, str], list[str]] = {}
    for variant in period["scenario"].unique():
        for what, table in (("in the year", comparison), (f"since {years[0]}", period)):
            mine = table[(table["scenario"] == variant) & (table["outcome"] == outcome)].set_index("year")
            rows[(variant, what)] = [_interval(mine.loc[year]) for year in years]
        rows[(variant, f"P(lower) since {years[0]}")] = [f"{p:.2f}" for p in mine.loc[years, "p_lower"]]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=years)
    frame.index = pd.MultiIndex.from_tuples(frame.index)
    return (f"{with_unit(outcome)}, paired difference from {baseline!r} in each year and summed since "
            f"{years[0]}, median [5% to 95%]\n{frame.to_string()}")


def verdict_text(period: pd.DataFrame, outcome: str, baseline: str) -> str:
    """The verdict over the period: per variant the total difference in mio kr and P(lower) over it."""
    last, first = int(period["year"].max()), int(period["first_year"].iloc[0])
    display = describe(outcome).figure
    rows = period[(period["year"] == last) & (period["outcome"] == outcome)]
    lines = [f"Verdict {first}-{last}: {outcome} summed over the years, variant minus {baseline!r}, "
             f"median [5% to 95%] in {display.unit_word(ENGLISH)}"]
    for _, row in rows.iterrows():
        numbers = [f"{row[q] / display.divisor:,.{display.decimals}f}" for q in ("median", "p5", "p95")]
        lines.append(f"  {row['scenario']!r}: {numbers[0]} [{numbers[1]} to {numbers[2]}], "
                     f"P(lower over the period) {row['p_lower']:.2f}")
    return "\n".join(lines)


REFERENCE_COLUMNS = ["reference", "variant", "outcome", "kind", "year", "published", "median", "p5", "p95",
                     "unit_kr", "source"]


def references(summary: pd.DataFrame, comparison: pd.DataFrame, experiment: LoadedExperiment,
               plan_summary: pd.DataFrame | None = None, price_year: int | None = None) -> pd.DataFrame:
    """Each published figure beside the simulated median and 90% interval, in the figure's own unit.

    A figure of kind ``against_plan`` is read from ``plan_summary`` (the
    table against the plan), its ``outcome`` naming the line. A published
    amount in kroner is read as current prices and, with ``price_year``, put
    in that year's prices as the simulated tables are.
    """
    rows = []
    for reference in experiment.definition.reference:
        if reference.kind == "against_plan":
            table = plan_summary if plan_summary is not None else pd.DataFrame(columns=["line", "year"])
            mine = table[table["line"] == reference.outcome].set_index("year")
        else:
            simulated = summary if reference.kind == "level" else comparison
            mine = simulated[(simulated["scenario"] == reference.variant)
                             & (simulated["outcome"] == reference.outcome)].set_index("year")
        kroner = reference.kind == "against_plan" or describe(reference.outcome).unit is KRONER
        scenario = experiment.scenarios[reference.variant]
        for year, published in reference.values.items():
            found = mine.loc[int(year)] if int(year) in mine.index else None
            if kroner:
                published = published / deflator(scenario, int(year), price_year)
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
        what = {"difference": f"{first['variant']!r} minus {baseline!r}",
                "against_plan": f"{first['variant']!r} against the plan"}.get(first["kind"],
                                                                               repr(first["variant"]))
        unit = "mio kr" if first["unit_kr"] == 1e6 else ("1,000 kr" if first["unit_kr"] == 1e3 else "")
        frame = pd.DataFrame({
            "published": rows["published"].map("{:,.1f}".format).to_numpy(),
            "simulated median": rows["median"].map("{:,.1f}".format).to_numpy(),
            "5% to 95%": [f"{a:,.1f} to {b:,.1f}" for a, b in zip(rows["p5"], rows["p95"], strict=True)],
        }, index=rows["year"].to_numpy()).T
        blocks.append(f"{label} ({first['outcome']}, {what}{', ' + unit if unit else ''}; "
                      f"{first['source']})\n{frame.to_string()}")
    return "\n\n".join(blocks)


PLAN_ROWS = (
    ("placements", "plan"), ("placements", "simulated"), ("total", "plan"),
    ("placements_volume", "sim - plan"), ("placements_price", "sim - plan"), ("preventive", "sim - plan"),
    ("home_based", "sim - plan"), ("small_children_special", "sim - plan"), ("start_gap", ""),
    ("extra_need_placements", ""), ("extra_need_other_levels", ""), ("extra_need", ""),
    ("required_savings", "plan"), ("investment", "plan"), ("net_saving", ""), ("cumulative_net_saving", ""),
)
"""Rows of the printed table against the plan: (line, what is shown). ``plan`` is the plan's own
figure, ``simulated`` the plan plus the median difference, and the others the median difference with
its interval (``sim - plan`` says so in the label of a line named as a level)."""


def against_plan_text(table: pd.DataFrame, paybacks: pd.Series, planned_payback: float, plan_label: str,
                      variant: str) -> str:
    """The plan, the simulation and the extra need per year in mio kr, and the planner's verdict."""
    years = sorted(table["year"].unique())
    indexed = table.set_index(["line", "year"])
    rows = {}
    for line, shown_as in PLAN_ROWS:
        if line not in indexed.index.get_level_values("line"):
            continue
        label = f"{shown_as}: {ENGLISH.row(line)}" if shown_as else ENGLISH.row(line)
        cells = []
        for year in years:
            row = indexed.loc[(line, year)]
            if shown_as == "plan":
                cells.append(f"{row['plan'] / 1e6:,.1f}")
            elif shown_as == "simulated":
                cells.append(f"{(row['plan'] + row['median']) / 1e6:,.1f}")
            else:
                cells.append(f"{row['median'] / 1e6:,.1f} [{row['p5'] / 1e6:,.1f}, {row['p95'] / 1e6:,.1f}]")
        rows[label] = cells
    frame = pd.DataFrame(rows, index=years).T
    last = indexed.loc[("cumulative_net_saving", years[-1])]
    paid = indexed.loc[("paid_back", years[-1]), "mean"]
    finite = paybacks[np.isfinite(paybacks)]
    median = paybacks.median()
    payback = "never within the horizon" if not np.isfinite(median) else f"{median:.0f}"
    by_year = ", ".join(f"{year} {indexed.loc[('net_saving', year), 'p_above_zero']:.2f}" for year in years)
    return "\n".join([
        f"Against the plan ({plan_label}), variant {variant!r}; mio kr, median [5%, 95%]",
        frame.to_string(),
        "",
        f"Verdict {years[0]}-{years[-1]}: cumulative net saving {last['median'] / 1e6:,.1f} mio kr "
        f"[{last['p5'] / 1e6:,.1f}, {last['p95'] / 1e6:,.1f}], P(> 0) {last['p_above_zero']:.2f}; "
        f"payback year: median {payback} (the plan's own: "
        f"{'never' if not np.isfinite(planned_payback) else f'{planned_payback:.0f}'}), "
        f"paid back by {years[-1]} in {paid:.0%} of replications"
        + (f" (earliest {finite.min():.0f})" if len(finite) else ""),
        f"P(net saving > 0) by year: {by_year}",
    ])


def causes_text(summary: pd.DataFrame, variant: str) -> str:
    """The variant's spend by cause per year (the ledger's attribution), median in mio kr."""
    rows = summary[(summary["scenario"] == variant) & summary["outcome"].str.startswith("spend_by_cause.")]
    table = rows.pivot(index="outcome", columns="year", values="median") / 1e6
    table.index = [name.partition(".")[2] for name in table.index]
    return (f"Why: spend on measures of {variant!r} by cause (the ledger of each run), median mio kr\n"
            + table.to_string(float_format="{:,.1f}".format))


BUDGET_ROWS = (("budget_kr", "budget"), ("median", "spend, median [5% to 95%]"),
               ("p_overspend", "P(overspend)"))
"""Rows of the printed budget table per level: the budget, the spend and the probability of overspending."""


def budget_text(table: pd.DataFrame, scenarios: dict[str, Scenario], prices: str) -> str:
    """Per variant with a budget: each level and the total, years across, in 1,000 kr, and P(overspend)."""
    blocks = []
    for label, rows in table.groupby("scenario", sort=False):
        budget = scenarios[label].budget
        one_run = bool((rows["p5"] == rows["p95"]).all())  # a single replication has no interval to show
        cells: dict[tuple[str, str], dict[int, str]] = {}
        for _, row in rows.iterrows():
            for column, what in BUDGET_ROWS:
                text = (f"{row[column]:.2f}" if column == "p_overspend" else
                        f"{row['median'] / 1e3:,.0f}" if column == "median" and one_run else
                        f"{row['median'] / 1e3:,.0f} [{row['p5'] / 1e3:,.0f} to {row['p95'] / 1e3:,.0f}]"
                        if column == "median" else f"{row[column] / 1e3:,.0f}")
                what = "spend" if column == "median" and one_run else what
                cells.setdefault((ENGLISH.row(row["level"]), what), {})[int(row["year"])] = text
        frame = pd.DataFrame.from_dict(cells, orient="index").fillna("")
        frame.index = pd.MultiIndex.from_tuples(frame.index)
        blocks.append(f"Budget of {label!r} ({budget.source}); 1,000 kr, {prices}\n{frame.to_string()}")
    return "\n\n".join(blocks)


def budget_notes(scenarios: dict[str, Scenario], years: list[int]) -> list[str]:
    """A note per set of budget years a run does not simulate, naming the variants whose budget has them."""
    outside: dict[tuple[int, ...], list[str]] = {}
    for label, scenario in scenarios.items():
        if found := outside_years(scenario, years):
            outside.setdefault(tuple(found), []).append(label)
    return [f"note: the budget of {', '.join(map(repr, labels))} names years outside the run, not measured: "
            f"{', '.join(map(str, found))}" for found, labels in outside.items()]


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
    """One PNG per outcome: the median per year of each variant with its 90% band (:func:`draw_outcome`).

    Drawn without pyplot, so that a notebook's backend is left as it was.
    """
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for outcome in outcomes:
        figure = Figure(figsize=SIZE)
        draw_outcome(figure.subplots(), summary, outcome, scenarios)
        figure.tight_layout()
        path = folder / f"{outcome}.png"
        figure.savefig(path, dpi=100)
        written.append(path)
    return written
