"""Monte Carlo ensembles: many replications of several scenarios under common random numbers.

``run_ensemble`` is the one engine every later analysis (experiments,
calibration, sensitivity, reports) builds on. It runs the replications in
batches: in this process, on any ``concurrent.futures`` executor (a process
pool for the cores of one machine), or on a Dask ``Client`` (a
``LocalCluster`` or a cluster's scheduler). The result does not depend on
which: each replication's seed is derived from the ensemble's seed and the
replication's number alone, and the tables are put in a fixed order before
they are returned, so sequential, parallel and Dask runs agree bit for bit.
Given a folder, finished batches are written as they come and found again,
so an interrupted ensemble resumes where it stopped.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import replications_problems, run_argument_problems
from ..errors import InputError, Problem
from ..model.equilibrium import SteadyState, derived_from_text, fingerprint
from ..model.together import together_problems
from ..model.work import estimate, work_problems
from ..output.result import Result
from ..scenario import Scenario, load_scenario
from ..scenario.messages import suggest
from . import outcomes as standard
from .draws import UNCERTAINTIES, uncertain_paths
from .figure import draw_outcome, new_axes
from .replication import DRAW_COLUMNS, OUTCOME_COLUMNS, Batch, run_batch
from .store import Store, refuse_other_settings
from .summary import compare, summarise

DEFAULT_BATCH_SIZE = 1
"""Replications per batch. One replication of every scenario is already seconds of work, and an
interruption then loses at most one replication per worker."""


@dataclass(frozen=True)
class Ensemble:
    """The outcomes of an ensemble: every scenario, replication, year and outcome."""

    outcomes: pd.DataFrame
    """``scenario``, ``replication``, ``seed``, ``year``, ``outcome``, ``value``."""
    draws: pd.DataFrame
    """``scenario``, ``replication``, ``path``, ``value`` of each drawn assumption (empty if none)."""
    scenarios: tuple[str, ...]
    replications: int
    seed: int
    years: int
    uncertainty: str
    resolved: Mapping[str, Scenario] = field(default_factory=dict, repr=False, compare=False)
    """Label -> the scenario as run, the baseline first: what a report of the ensemble records
    (``sim.report.make_report(ensemble, out=...)``)."""

    @property
    def baseline(self) -> str:
        """The first scenario, against which the others are compared."""
        return self.scenarios[0]

    def summary(self) -> pd.DataFrame:
        """Distribution of every outcome per scenario and year (see :func:`summarise`)."""
        return summarise(self.outcomes)

    def compare(self, baseline: str | None = None) -> pd.DataFrame:
        """Paired differences of each scenario from ``baseline`` (default: the first scenario)."""
        return compare(self.outcomes, self._baseline(self.baseline if baseline is None else baseline))

    def plot(self, outcome: str, ax: Any = None) -> Any:
        """The median of ``outcome`` per year of each scenario with its 90% band, on matplotlib axes.

        Drawn on ``ax``, or on a new figure's axes; the axis is in the unit
        the outcome registry shows it in on figures (mio kr for kroner, per
        cent for shares). Returns the axes: one line per scenario.
        """
        rows = self.outcomes[self.outcomes["outcome"] == self._outcome(outcome)]
        return draw_outcome(new_axes() if ax is None else ax, summarise(rows), outcome, self.scenarios)

    def plot_difference(self, outcome: str, ax: Any = None, baseline: str | None = None) -> Any:
        """Each other scenario's paired difference from ``baseline`` (default the first), as :meth:`plot`.

        One line per scenario but the baseline, and a grey line at zero.
        """
        baseline = self._baseline(self.baseline if baseline is None else baseline)
        if len(self.scenarios) < 2:
            raise InputError([Problem("scenarios", "", "a difference needs a second scenario to compare with "
                                      "the first", list(self.scenarios))], "cannot plot the difference")
        rows = self.outcomes[self.outcomes["outcome"] == self._outcome(outcome)]
        others = tuple(name for name in self.scenarios if name != baseline)
        return draw_outcome(new_axes() if ax is None else ax, compare(rows, baseline), outcome, others,
                            baseline)

    def _baseline(self, baseline: str) -> str:
        if baseline not in self.scenarios:
            raise InputError([Problem("baseline", "", f"must be one of {list(self.scenarios)}", baseline)],
                             "cannot compare the scenarios")
        return baseline

    def _outcome(self, outcome: str) -> str:
        """``outcome``, if the ensemble has it; else an InputError naming the nearest it has."""
        known = list(dict.fromkeys(self.outcomes["outcome"]))
        if outcome not in known:
            raise InputError([Problem("outcome", "", "the ensemble has no such outcome"
                                      + (suggest(str(outcome), known) or f"; it has {', '.join(known)}"),
                                      outcome)], "cannot plot")
        return outcome


def run_ensemble(
    scenarios: Sequence[Scenario | str | Path] | Mapping[str, Scenario | str | Path],
    replications: int,
    seed: int = 0,
    *,
    years: int = 10,
    uncertainty: str = "stochastic",
    executor: Any = None,
    folder: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    scenarios_per_batch: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
    measure: Callable[[Result], pd.DataFrame] = standard.outcomes,
    common_random_numbers: bool = True,
    seed_groups: Mapping[str, str] | None = None,
    shared_families: bool = False,
    force: bool = False,
) -> Ensemble:
    """Run ``replications`` replications of every scenario, replication k of each with the same seed.

    ``scenarios`` is a list (named by each scenario's name) or a mapping of
    labels to scenarios (a sweep of one scenario built in code); the first is
    the baseline. ``uncertainty`` is ``"stochastic"`` (assumptions at their
    values) or ``"parameters"`` (each replication also draws the assumptions
    from their ranges, see :mod:`sim.montecarlo.draws`). ``executor`` is
    None (this process), a ``concurrent.futures.Executor`` or a Dask
    ``distributed.Client``. With ``folder``, finished batches are kept there
    and those already there are not run again.

    A batch holds ``batch_size`` replications of every scenario, or of
    ``scenarios_per_batch`` scenarios at a time: an ensemble of many
    scenarios and few replications (a sensitivity design) needs the latter
    to keep every worker busy. The grouping changes nothing in the result.

    ``progress`` True shows a progress bar; a function ``progress(done,
    total)`` is told the runs done after each batch instead (the web app
    draws its own bar).

    ``measure`` is what is kept of each replication (default: the
    outcomes of :mod:`sim.montecarlo.outcomes`); calibration keeps each
    published figure's counterpart instead. It must be a module-level
    function, so that it reaches other processes by name.
    ``common_random_numbers=False`` gives each scenario its own seeds, for
    analyses that need independent draws (calibration) rather than paired
    comparisons. ``seed_groups`` (label -> group name, every label given
    one) keeps common random numbers within each group and gives each group
    its own seeds: a region's municipalities, each with its variants
    (:mod:`sim.region`). Give it with ``scenarios_per_batch`` and the labels
    of a group next to each other, so that a group runs as one batch.
    ``shared_families=True`` runs the scenarios of each batch together in
    one environment in every replication, sharing their foster families
    (:mod:`sim.model.together`): a region's municipalities in one variant,
    given next to each other with ``scenarios_per_batch`` their number. Then
    the batches are the unit of the result, not a choice of grouping.

    A run whose estimated work (:mod:`sim.model.work`) is beyond what a
    machine holds or should be asked unawares is refused with the estimate
    unless ``force``.
    """
    named = _checked(scenarios, replications, seed, years, uncertainty, batch_size, executor,
                     scenarios_per_batch, common_random_numbers, seed_groups, shared_families)
    groups = tuple((label, seed_groups[label]) for label in named) if seed_groups is not None else ()
    together = (scenarios_per_batch or len(named)) if shared_families else None
    work = estimate(named, years, replications, together)
    if not force and (problems := work_problems(work, "force=True")):
        raise InputError(problems, "cannot run the ensemble")
    drawn = tuple(uncertain_paths(list(named.values()))) if uncertainty == "parameters" else ()
    store = open_store(folder, named, seed, years, uncertainty, measure, common_random_numbers,
                       seed_groups, shared_families) if folder is not None else None
    done = store.finished() if store else set()
    steady = _derived_on(executor, named, done, replications)
    batches = _batches(named, replications, seed, years, drawn, batch_size, scenarios_per_batch, done,
                       measure, common_random_numbers, groups, steady=steady, shared_families=shared_families)
    todo = _runs_to_do(list(named), replications, scenarios_per_batch, done)
    parts = []
    for batch, (outcomes, draws) in _progress(_execute(batches, executor), todo, progress,
                                              len(named) * replications - todo):
        if store:
            store.add(outcomes, draws, batch.name)
        else:
            parts.append((outcomes, draws))
    if store:
        outcomes, draws = store.read(replications, list(named))
    else:
        outcomes = pd.concat([p[0] for p in parts], ignore_index=True)
        draws = pd.concat([p[1] for p in parts], ignore_index=True)
    order = {name: i for i, name in enumerate(named)}
    return Ensemble(
        _in_order(outcomes, OUTCOME_COLUMNS, order, ["replication", "year", "outcome"]),
        _in_order(draws, DRAW_COLUMNS, order, ["replication", "path"]),
        tuple(named), replications, seed, years, uncertainty, dict(named),
    )


def open_store(folder: str | Path, scenarios: Mapping[str, Scenario], seed: int, years: int,
               uncertainty: str, measure: Callable[[Result], pd.DataFrame] = standard.outcomes,
               common_random_numbers: bool = True, seed_groups: Mapping[str, str] | None = None,
               shared_families: bool = False) -> Store:
    """The store of an ensemble in ``folder``; refused if the folder holds an ensemble of other settings.

    A measure other than the outcomes, seeds per scenario, seed groups and shared foster families are
    part of the settings when used (so stores written before they existed still resume).
    """
    return Store(folder, _settings(scenarios, seed, years, uncertainty, measure, common_random_numbers,
                                   seed_groups, shared_families))


def check_store(folder: str | Path, scenarios: Mapping[str, Scenario], seed: int, years: int,
                uncertainty: str, measure: Callable[[Result], pd.DataFrame] = standard.outcomes,
                common_random_numbers: bool = True, seed_groups: Mapping[str, str] | None = None,
                shared_families: bool = False) -> None:
    """Refuse ``folder`` if it holds an ensemble of other settings, changing nothing in it."""
    refuse_other_settings(Path(folder), _settings(scenarios, seed, years, uncertainty, measure,
                                                  common_random_numbers, seed_groups, shared_families))


def _settings(scenarios: Mapping[str, Scenario], seed: int, years: int, uncertainty: str,
              measure: Callable[[Result], pd.DataFrame], common_random_numbers: bool,
              seed_groups: Mapping[str, str] | None = None, shared_families: bool = False) -> dict[str, Any]:
    """What defines an ensemble in its folder (``ensemble.json``)."""
    settings = {
        "scenarios": {name: s.fingerprint() for name, s in scenarios.items()},
        "seed": seed, "years": years, "uncertainty": uncertainty,
    }
    if measure is not standard.outcomes:
        settings["measure"] = f"{measure.__module__}.{measure.__qualname__}"
    if not common_random_numbers:
        settings["common_random_numbers"] = False
    if seed_groups is not None:
        settings["seed_groups"] = {name: seed_groups[name] for name in scenarios}
    if shared_families:
        settings["shared_families"] = True
    return settings


def _batches(named: Mapping[str, Scenario], replications: int, seed: int, years: int,
             drawn: tuple[str, ...], batch_size: int, scenarios_per_batch: int | None,
             done: set[tuple[str, int]], measure: Callable[[Result], pd.DataFrame],
             common: bool, groups: tuple[tuple[str, str], ...] = (), *,
             steady: Mapping[str, tuple[str, SteadyState]] | None = None, shared_families: bool = False
             ) -> Iterator[Batch]:
    """The batches still to run: groups of scenarios times groups of replications not all done.

    They are made one at a time as they are asked for, never all up front,
    so the memory a run needs does not grow with its replications. Each
    carries the steady states in ``steady`` (scenario -> fingerprint and
    state) of its scenarios.
    """
    steady = steady or {}
    labels = list(named)
    for first, members in _scenario_groups(labels, scenarios_per_batch):
        texts = tuple((name, named[name].model_dump_json()) for name in members)
        mine = tuple((name, group) for name, group in groups if name in members)
        states = tuple(dict(steady[name] for name in members if name in steady).items())
        todo = (k for k in range(replications) if any((name, k) not in done for name in members))
        while chunk := tuple(itertools.islice(todo, batch_size)):
            name = f"batch-{chunk[0]:06d}" + (f"-{first:06d}" if len(members) < len(labels) else "")
            yield Batch(texts, chunk, years, seed, drawn, name, common, measure, mine, states,
                        shared_families)


def _runs_to_do(labels: list[str], replications: int, scenarios_per_batch: int | None,
                done: set[tuple[str, int]]) -> int:
    """Runs (scenario x replication) the batches of :func:`_batches` hold, counted without making them."""
    total = 0
    for _, members in _scenario_groups(labels, scenarios_per_batch):
        started = {k for _, k in done if k < replications}
        finished = sum(all((name, k) in done for name in members) for k in started)
        total += len(members) * (replications - finished)
    return total


def _scenario_groups(labels: list[str], scenarios_per_batch: int | None) -> list[tuple[int, list[str]]]:
    """(index of the first, labels) of each group of ``scenarios_per_batch`` scenarios a batch holds."""
    group = scenarios_per_batch or len(labels)
    return [(first, labels[first:first + group]) for first in range(0, len(labels), group)]


Tables = tuple[pd.DataFrame, pd.DataFrame]
"""A batch's outcomes and draws."""


IN_FLIGHT_PER_WORKER = 2
"""Batches handed to each worker at a time: one running and one waiting, so no worker idles between
batches, while the rest are made only as these finish (and Ctrl-C has only these to stop)."""


def _execute(batches: Iterator[Batch], executor: Any) -> Iterator[tuple[Batch, Tables]]:
    """Each batch with its tables, in the order they finish; unfinished ones are cancelled on leaving."""
    if executor is None:
        for batch in batches:
            yield batch, run_batch(batch)
        return
    window = IN_FLIGHT_PER_WORKER * _workers(executor)
    executor = _futures_executor(executor)
    running: dict[concurrent.futures.Future, Batch] = {}

    def submit(count: int) -> None:
        for batch in itertools.islice(batches, count):
            running[executor.submit(run_batch, batch)] = batch

    submit(window)
    try:
        while running:
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                yield running.pop(future), future.result()
            submit(len(finished))
    finally:  # stopped (Ctrl-C, an error, a consumer that left): what has not started never will
        for future in running:
            future.cancel()


def _derived_on(executor: Any, named: Mapping[str, Scenario], done: set[tuple[str, int]],
                replications: int) -> dict[str, tuple[str, SteadyState]]:
    """Scenario -> (fingerprint, steady state), each fingerprint derived once, on ``executor``'s workers.

    Without it every worker derives each scenario it meets, about a second
    each: a region of 98 municipalities on many workers would spend most
    of its time deriving the same states again. Scenarios whose every
    replication is done need none; in this process (no executor) a scenario
    is derived once anyway.
    """
    if executor is None:
        return {}
    todo = {name: scenario for name, scenario in named.items()
            if any((name, k) not in done for k in range(replications))}
    keys = {name: fingerprint(scenario) for name, scenario in todo.items()}
    first = {key: name for name, key in reversed(keys.items())}
    futures = _futures_executor(executor)
    running = {futures.submit(derived_from_text, todo[name].model_dump_json()): key
               for key, name in first.items()}
    try:
        states = {running[future]: future.result()[1] for future in concurrent.futures.as_completed(running)}
    finally:  # stopped: what has not started never will
        for future in running:
            future.cancel()
    return {name: (key, states[key]) for name, key in keys.items()}


def _futures_executor(executor: Any) -> concurrent.futures.Executor:
    """``executor`` as a ``concurrent.futures`` executor (a Dask Client gives one of its own)."""
    if isinstance(executor, concurrent.futures.Executor):
        return executor
    return executor.get_executor(pure=False)


def _workers(executor: Any) -> int:
    """How many batches ``executor`` runs at once: a pool's processes, a Dask cluster's threads."""
    if hasattr(executor, "nthreads"):  # a Dask Client
        return max(1, sum(executor.nthreads().values()))
    return max(1, getattr(executor, "_max_workers", None) or os.cpu_count() or 1)


def _progress(results: Iterable, total: int, show: bool | Callable[[int, int], None],
              already: int) -> Iterable:
    """``results`` with a progress bar of runs (scenario x replication: done, rate, time left).

    ``show`` is False (no bar), True (a tqdm bar) or a function told
    ``(done, total)`` after each batch, runs already in the store counted as done.
    """
    if not show:
        yield from results
        return
    if callable(show):
        done = already
        show(done, total + already)
        for batch, tables in results:
            done += len(batch.scenarios) * len(batch.replications)
            show(done, total + already)
            yield batch, tables
        return
    from tqdm.auto import tqdm

    with tqdm(total=total + already, initial=already, unit="run") as bar:
        for batch, tables in results:
            bar.update(len(batch.scenarios) * len(batch.replications))
            yield batch, tables


def _in_order(
    table: pd.DataFrame, columns: list[str], order: dict[str, int], keys: list[str]
) -> pd.DataFrame:
    """``table`` sorted by scenario (in the given order) then ``keys``, whatever order batches came in."""
    table = table[columns].astype({"scenario": "string", "replication": "int64"})
    if "seed" in table:
        table = table.astype({"seed": "int64"})
    rank = table["scenario"].map(order)
    table = table.assign(_rank=rank).sort_values(["_rank", *keys], kind="stable")
    return table.drop(columns="_rank").reset_index(drop=True)


def _checked(scenarios: Any, replications: Any, seed: Any, years: Any, uncertainty: Any, batch_size: Any,
             executor: Any, scenarios_per_batch: Any, common: Any = True, seed_groups: Any = None,
             shared_families: Any = False) -> dict[str, Scenario]:
    """Label -> loaded scenario, once every argument is found valid; else every problem at once."""
    problems = run_argument_problems(years, seed) + replications_problems(replications)
    counts = [("batch_size", batch_size)]
    if scenarios_per_batch is not None:
        counts.append(("scenarios_per_batch", scenarios_per_batch))
    for name, value in counts:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(Problem(name, "", "must be a whole number, 1 or more", value))
    if uncertainty not in UNCERTAINTIES:
        problems.append(Problem("uncertainty", "", f"must be one of {list(UNCERTAINTIES)}", uncertainty))
    if not (executor is None or isinstance(executor, concurrent.futures.Executor)
            or hasattr(executor, "get_executor")):
        problems.append(Problem("executor", "", "must be None, a concurrent.futures.Executor or a Dask "
                                "distributed.Client", type(executor).__name__))
    named: dict[str, Scenario] = {}
    try:
        named = _named_scenarios(scenarios)
    except InputError as error:
        problems += error.problems
    if seed_groups is not None:
        problems += _seed_group_problems(seed_groups, list(named), common)
    if not isinstance(shared_families, bool):
        problems.append(Problem("shared_families", "", "must be True or False", shared_families))
    elif shared_families and not problems:
        problems += _together_problems(named, scenarios_per_batch)
    if problems:
        raise InputError(problems, "cannot run the ensemble")
    return named


def _together_problems(named: Mapping[str, Scenario], scenarios_per_batch: int | None) -> list[Problem]:
    """What keeps the scenarios of each batch from running together, sharing their foster families."""
    return [Problem("shared_families", "", why, members)
            for _, members in _scenario_groups(list(named), scenarios_per_batch)
            for why in together_problems({label: named[label] for label in members})]


def _seed_group_problems(seed_groups: Any, labels: list[str], common: Any) -> list[Problem]:
    """What is wrong with ``seed_groups``: each label needs a group named by text, under common numbers."""
    if common is not True:
        return [Problem("seed_groups", "", "groups share common random numbers within them; give them "
                        "with common_random_numbers=True", common)]
    if not isinstance(seed_groups, Mapping):
        return [Problem("seed_groups", "", "must be a mapping of scenario labels to group names",
                        type(seed_groups).__name__)]
    problems = []
    if missing := [label for label in labels if label not in seed_groups]:
        problems.append(Problem("seed_groups", "", "must give every scenario's label a group", missing))
    if unknown := [label for label in seed_groups if label not in labels]:
        problems.append(Problem("seed_groups", "", "names labels the ensemble does not have", unknown))
    if bad := [label for label, group in seed_groups.items() if not isinstance(group, str) or not group]:
        problems.append(Problem("seed_groups", "", "each group must be named by non-empty text", bad))
    return problems


def _named_scenarios(scenarios: Any) -> dict[str, Scenario]:
    """Label -> loaded scenario, refusing duplicate labels and an empty list."""
    if isinstance(scenarios, Mapping):
        labels = [str(label) for label in scenarios]
        named = {str(label): load_scenario(s) for label, s in scenarios.items()}
    else:
        loaded = [load_scenario(s) for s in scenarios]
        labels = [s.name for s in loaded]
        named = {s.name: s for s in loaded}
    if len(named) < len(labels):
        twice = sorted({n for n in labels if labels.count(n) > 1})
        raise InputError([Problem("scenarios", "", "give each scenario once, or label them in a mapping",
                                  twice)], "cannot run the ensemble")
    if not named:
        raise InputError([Problem("scenarios", "", "must name at least one scenario", [])],
                         "cannot run the ensemble")
    return named
