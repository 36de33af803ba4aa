"""Experiments as data: a TOML file names a base scenario, its variants, the outcomes and the runs.

A new experiment is a new file in ``experiments/`` of the working
directory, no code; the experiments that ship with barnesim are package data
in ``shipped/`` beside this module, and one of the working directory's
takes precedence over a shipped one of the same name. Variants are
written exactly like a scenario file that extends the base (a number sets a
parameter from the start date, ``[variant.changes.timeline.DATE]`` from a
date), or name a whole scenario; a sweep sets one or more parameters to a
list of values, one variant per value. The whole file is checked before
anything runs, every variant included, and every problem is reported at
once with the file and the parameter path.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from .. import MAX_REPLICATIONS, MAX_YEARS
from ..errors import InputError, Problem, read_input
from ..montecarlo.draws import UNCERTAINTIES, uncertain_paths
from ..montecarlo.outcomes import outcome_names
from ..scenario import DEFAULT_SCENARIO, Scenario, extend_scenario, load_scenario
from ..scenario.messages import dotted, problems_from, suggest
from ..scenario.paths import file_tables
from ..scenario.strict import Strict
from ..scenario.tomlfile import parse_toml
from ..sensitivity.settings import Answer, Sensitivity
from .plan import LINES, Plan

USER_FOLDER = Path("experiments")
"""A user's own experiments, in the working directory: a name is looked up here first."""
SHIPPED = "shipped"
"""The folder, inside this package, of the experiments that ship with barnesim (package data)."""


class Variant(Strict):
    """One scenario of the experiment: the base (or ``scenario``) with ``changes`` laid over it."""

    label: str = Field(min_length=1, description="Name of the variant in tables and plots.")
    scenario: str | None = Field(None, min_length=1,
                                 description="A whole scenario instead of the base (name or path).")
    apply: list[str] = Field(default_factory=list, description="Named change sets laid over it, in order.")
    changes: dict[str, Any] = Field(default_factory=dict, description="Overrides, as in a scenario file.")


class Sweep(Strict):
    """Variants that set parameters to a list of values: the i-th variant takes the i-th value of each."""

    labels: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="One label per variant.")
    parameters: dict[str, list[int | float]] = Field(min_length=1, description="Dotted path -> values.")
    from_date: dt.date | None = Field(None, alias="from", description="Set from this date, not the start.")

    @model_validator(mode="after")
    def _one_value_per_label(self) -> Sweep:
        for path, values in self.parameters.items():
            if not all(path.split(".")):
                raise ValueError(f"{path!r} is not a dotted parameter path such as services.dut.places")
            if len(values) != len(self.labels):
                raise ValueError(f"{path} has {len(values)} values for {len(self.labels)} labels")
            inside = [other for other in self.parameters if other.startswith(path + ".")]
            if inside:
                raise ValueError(f"{path} holds {inside[0]}; sweep the parameter, not its table")
        return self

    def variants(self) -> list[Variant]:
        """The variants the sweep stands for."""
        date = None if self.from_date is None else self.from_date.isoformat()
        return [Variant(label=label, changes=file_tables(
                    {path: values[i] for path, values in self.parameters.items()}, date))
                for i, label in enumerate(self.labels)]


class Reference(Strict):
    """A published figure set beside what the experiment simulates, year by year."""

    label: str = Field(min_length=1, description="What the figure is.")
    outcome: str = Field(min_length=1, description="The outcome it compares with (an exact name).")
    variant: str = Field(min_length=1, description="Label of the variant it compares with.")
    kind: Literal["level", "difference", "against_plan"] = Field(
        "difference", description="Compare with the variant's value, its paired difference from baseline, "
        "or (``outcome`` then names a line of the table against the [plan]) its measure against the plan."
    )
    values: dict[str, float] = Field(min_length=1, description="Year -> published value.")
    unit_kr: float = Field(1.0, gt=0, description="Kroner per unit of the values: 1000000 for mio kr.")
    source: str = Field(min_length=1, description="Where the figure is published.")


class Experiment(Strict):
    """An experiment file."""

    name: str = Field(min_length=1, description="Short name, the file's name without .toml.")
    title: str = Field(min_length=1, description="One line saying what is compared.")
    description: str = Field("", description="What the experiment asks and why.")
    scenario: str = Field(DEFAULT_SCENARIO, min_length=1,
                          description="Base scenario (embedded name or path).")
    years: int = Field(10, ge=1, le=MAX_YEARS)
    replications: int = Field(100, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(0, ge=0)
    uncertainty: Literal[UNCERTAINTIES] = "stochastic"  # type: ignore[valid-type]
    outcomes: list[str] = Field(min_length=1, description="Outcome names or patterns such as spend_kr.*")
    baseline: str | None = Field(None, min_length=1,
                                 description="Label of the variant compared against; default first.")
    changes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Named change sets (as in a scenario file) that variants apply."
    )
    variant: list[Variant] = Field(default_factory=list)
    sweep: Sweep | None = None
    reference: list[Reference] = Field(default_factory=list, description="Published figures to set beside.")
    plan: Plan | None = Field(None, description="An investment case's plan a variant is measured against.")
    sensitivity: Sensitivity | None = Field(None, description="A sensitivity analysis after the variants.")

    def variants(self) -> list[Variant]:
        """The listed variants, then the sweep's."""
        return [*self.variant, *(self.sweep.variants() if self.sweep else [])]


class LoadedExperiment:
    """A valid experiment with its scenarios resolved."""

    def __init__(self, definition: Experiment, path: Path, text: str, scenarios: dict[str, Scenario],
                 outcomes: list[str]):
        self.definition = definition
        self.path = path
        """The file it was loaded from."""
        self.text = text
        """The file's text as loaded, so a run can record exactly what it ran."""
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.scenarios = scenarios
        """Variant label -> scenario, the baseline first."""
        self.outcomes = outcomes
        """The outcome names the patterns select, in the order the file gives them."""

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.definition.name

    @property
    def baseline(self) -> str:
        """Label of the variant the others are compared against."""
        return next(iter(self.scenarios))


def shipped_folder() -> Path:
    """The folder of the shipped experiments, wherever barnesim is installed.

    A folder of files, not only a resource to read: a run records the
    experiment's file, ``--resume`` opens it again, and a base scenario given
    by a relative path is looked for beside it. pip installs a package as
    files, so its package data is such a folder.
    """
    return Path(str(resources.files(__package__).joinpath(SHIPPED)))


def experiment_files() -> dict[str, list[Path]]:
    """Name -> the experiment files of that name, the one the name loads first.

    ``./experiments/NAME.toml`` comes before the shipped ``NAME.toml``; a
    second file means the user's experiment hides the shipped one, which
    ``--list`` shows.
    """
    found: dict[str, list[Path]] = {}
    for folder in (USER_FOLDER, shipped_folder()):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            if _is_file(path):
                found.setdefault(path.stem, []).append(path)
    return dict(sorted(found.items()))


def experiment_names() -> list[str]:
    """Names of the experiments in ``./experiments`` and the shipped ones, sorted."""
    return list(experiment_files())


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a name too long for the system is none (``is_file`` would raise)."""
    try:
        return path.is_file()
    except OSError:
        return False


def find_experiment(ref: str | Path) -> Path:
    """The file of experiment ``ref``: a path, or a name in ``./experiments``, else a shipped one."""
    path = Path(ref)
    if path.suffix == ".toml" or _is_file(path):
        if _is_file(path):
            return path
        raise InputError([Problem(str(ref), "", "no such experiment file")], "cannot load the experiment")
    files = experiment_files()
    if str(ref) in files:
        return files[str(ref)][0]
    known = list(files)
    raise InputError([Problem(
        "experiment", "", "no such experiment" + (suggest(str(ref), known) or f"; known: {', '.join(known)}"),
        str(ref),
    )], "cannot load the experiment")


def load_experiment(ref: str | Path) -> LoadedExperiment:
    """Read, validate and resolve an experiment, reporting every problem at once."""
    path = find_experiment(ref)
    label = str(path)
    raw = read_input(path, "cannot load the experiment")
    definition = _definition(label, raw)
    problems: list[Problem] = []
    if definition.name != path.stem:
        problems.append(Problem(label, "name", f"must be the file's name, {path.stem!r}", definition.name))
    scenarios = _scenarios(definition, path, problems)
    return _loaded(definition, path, raw.decode("utf-8"), scenarios, problems)


def experiment_of_text(text: str, label: str, scenarios: dict[str, Scenario]) -> LoadedExperiment:
    """The experiment file ``text`` (named ``label``) run on ``scenarios`` already resolved, baseline first.

    An ensemble run in Python is recorded so: its variants' scenarios need
    not exist as files, and everything else is checked as
    :func:`load_experiment` checks it.
    """
    return _loaded(_definition(label, text.encode("utf-8")), Path(label), text, scenarios, [])


def _definition(label: str, raw: bytes) -> Experiment:
    """The experiment file ``raw``, valid as a file (its scenarios not yet looked at)."""
    data = parse_toml(label, raw, "an experiment")
    try:
        return Experiment.model_validate(data)
    except ValidationError as error:
        raise InputError(problems_from(error.errors(include_url=False), Experiment, lambda loc: label),
                         f"experiment {label} is not valid") from None


def _loaded(definition: Experiment, path: Path, text: str, scenarios: dict[str, Scenario],
            problems: list[Problem]) -> LoadedExperiment:
    """The experiment once its outcomes, references, plan and sensitivity are found valid on ``scenarios``."""
    label = str(path)
    outcomes = _outcomes(definition, scenarios, label, problems)
    _check_references(definition, scenarios, label, problems)
    _check_plan(definition, scenarios, label, problems)
    _check_sensitivity(definition, scenarios, label, problems)
    if problems:
        raise InputError(problems, f"experiment {label} is not valid")
    return LoadedExperiment(definition, path, text, scenarios, outcomes)


def _scenarios(definition: Experiment, path: Path, problems: list[Problem]) -> dict[str, Scenario]:
    """Label -> scenario of each variant, the baseline first; problems of every variant are collected.

    A base scenario given by path is looked for beside the experiment file
    first; one that cannot be opened is reported at the field naming it,
    once however many variants share it.
    """
    label = str(path)
    variants = definition.variants()
    if not variants:
        problems.append(Problem(label, "variant", "give at least one [[variant]] or a [sweep]"))
        return {}
    labels = [v.label for v in variants]
    twice = sorted({name for name in labels if labels.count(name) > 1})
    if twice:
        problems.append(Problem(label, "variant.label", "each variant needs a label of its own", twice))
    slugs = [_slug(name) for name in labels]
    alike = {name for name, slug in zip(labels, slugs, strict=True) if slugs.count(slug) > 1} - set(twice)
    if alike:
        problems.append(Problem(label, "variant.label", "labels that differ only in spaces and signs give "
                                "their scenarios one name; make them differ in letters or digits",
                                sorted(alike)))
    baseline = labels[0] if definition.baseline is None else definition.baseline
    if baseline not in labels:
        problems.append(Problem(label, "baseline", f"must be the label of a variant: {labels}", baseline))
    scenarios: dict[str, Scenario] = {}
    for variant in variants:
        if variant.scenario is None:
            base, named_in = definition.scenario, (label, "scenario")
        else:
            base, named_in = variant.scenario, (label, f"variant {variant.label!r}.scenario")
        for name, change in ((f"variant {variant.label!r}.changes", variant.changes),
                             *((f"changes.{name}", definition.changes[name]) for name in variant.apply
                               if name in definition.changes)):
            if isinstance(change.get("scenario"), dict) and "extends" in change["scenario"]:
                problems.append(Problem(
                    label, f"{name}.scenario.extends", "a variant's changes are laid over its base: give "
                    "another base as the variant's own scenario = ...", change["scenario"]["extends"]))
        unknown = [name for name in variant.apply if name not in definition.changes]
        if unknown:
            problems.append(Problem(label, f"variant {variant.label!r}.apply", "must name change sets of "
                                    f"[changes]: {sorted(definition.changes)}", unknown))
            continue
        changes: dict[str, Any] = {}
        for name in variant.apply:
            changes = _overlay(changes, definition.changes[name])
        changes = _overlay(changes, variant.changes)
        changes = _overlay(changes, {"scenario": {"name": f"{definition.name}.{_slug(variant.label)}"}})
        try:
            if variant.changes or variant.apply or variant.scenario is None:
                where = f"{label} [variant {variant.label!r}]"
                scenarios[variant.label] = extend_scenario(base, changes, where, relative_to=path.parent,
                                                           named_in=named_in)
            else:
                scenarios[variant.label] = load_scenario(base, relative_to=path.parent, named_in=named_in)
        except InputError as error:  # a base shared by several variants is reported once
            problems += [problem for problem in error.problems if problem not in problems]
    if baseline in scenarios:
        scenarios = {baseline: scenarios[baseline], **scenarios}
    return scenarios


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base``, table by table (a value in ``over`` wins)."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def _slug(label: str) -> str:
    """``label`` as a scenario name may spell it: letters, digits, '_', '-' and '.'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "variant"


def _outcomes(definition: Experiment, scenarios: dict[str, Scenario], label: str,
              problems: list[Problem]) -> list[str]:
    """The outcome names the experiment's patterns select; a pattern selecting none is a problem."""
    if not scenarios:
        return []
    known = outcome_names(next(iter(scenarios.values())))
    selected: list[str] = []
    for i, pattern in enumerate(definition.outcomes):
        matches = [name for name in known if fnmatch.fnmatchcase(name, pattern)]
        if not matches:
            problems.append(Problem(label, f"outcomes.{i}", "no such outcome" + suggest(pattern, known),
                                    pattern))
        selected += [m for m in matches if m not in selected]
    return selected


def _check_references(definition: Experiment, scenarios: dict[str, Scenario], label: str,
                      problems: list[Problem]) -> None:
    """Each reference must name a variant, an outcome and years the experiment has."""
    if not scenarios:
        return
    known, years = _outcomes_and_years(definition, scenarios)
    for i, reference in enumerate(definition.reference):
        if reference.kind == "against_plan":
            problems += _against_plan_problems(definition, reference, f"reference.{i}", label)
        else:
            problems += _pointer_problems(reference, f"reference.{i}", list(scenarios), known, label)
        for year in reference.values:
            if not re.fullmatch(r"[0-9]{4}", year) or int(year) not in years:  # not '²', nor 5000 digits
                problems.append(Problem(label, dotted(("reference", i, "values", year)),
                                        f"must be a year of the horizon, {years[0]} to {years[-1]}", year))


def _against_plan_problems(definition: Experiment, reference: Reference, here: str, label: str
                           ) -> list[Problem]:
    """A reference to the table against the plan needs a plan, a line of it and the plan's variant."""
    if definition.plan is None:
        return [Problem(label, f"{here}.kind", "\"against_plan\" needs a [plan]", reference.kind)]
    problems = []
    if reference.outcome not in LINES:
        problems.append(Problem(label, f"{here}.outcome", "must be a line against the plan"
                                + (suggest(reference.outcome, list(LINES)) or f": {list(LINES)}"),
                                reference.outcome))
    if reference.variant != definition.plan.variant:
        problems.append(Problem(label, f"{here}.variant", f"must be the plan's variant, "
                                f"{definition.plan.variant!r}", reference.variant))
    return problems


def _check_plan(definition: Experiment, scenarios: dict[str, Scenario], label: str,
                problems: list[Problem]) -> None:
    """The plan's variants must be the experiment's and hold the levels it plans, its years in the horizon."""
    plan = definition.plan
    if plan is None or not scenarios:
        return
    for field in ("variant", "without"):
        name = getattr(plan, field)
        if name is None:
            continue
        if name not in scenarios:
            problems.append(Problem(label, f"plan.{field}", "must be the label of a variant"
                                    + suggest(name, list(scenarios)), name))
            continue
        problems += [Problem(label, f"plan.level.{level}", f"the plan's {field} {name!r} has no "
                             f"[{level}] level to measure the plan against; leave [plan.level.{level}] out",
                             level)
                     for level in plan.level if level not in scenarios[name].levels]
    _, years = _outcomes_and_years(definition, scenarios)
    inside = [year for year in plan.years if year in years]
    if not inside:
        problems.append(Problem(label, "plan", f"plans no year of the horizon, {years[0]} to {years[-1]}; "
                                "give placement persons per year", plan.years))


def _outcomes_and_years(definition: Experiment, scenarios: dict[str, Scenario]) -> tuple[list[str], range]:
    """The outcomes a run of the experiment has, and the calendar years of its horizon."""
    first = next(iter(scenarios.values()))
    start = first.scenario.start_date.year
    return outcome_names(first), range(start, start + definition.years)


def _pointer_problems(pointer: Reference | Answer, here: str, variants: list[str], known: list[str],
                      label: str) -> list[Problem]:
    """Problems with the variant, kind and outcome a reference or an answer points at."""
    problems = []
    if pointer.variant not in variants:
        problems.append(Problem(label, f"{here}.variant", "must be the label of a variant"
                                + suggest(pointer.variant, variants), pointer.variant))
    elif pointer.kind == "difference" and pointer.variant == variants[0]:
        problems.append(Problem(label, f"{here}.variant", "is the baseline; a difference needs another "
                                "variant, or kind = \"level\"", pointer.variant))
    if pointer.outcome not in known:
        problems.append(Problem(label, f"{here}.outcome",
                                "no such outcome" + suggest(pointer.outcome, known), pointer.outcome))
    return problems


def _check_sensitivity(definition: Experiment, scenarios: dict[str, Scenario], label: str,
                       problems: list[Problem]) -> None:
    """Answers must name a variant, an outcome and a year the experiment has; patterns an assumption."""
    study = definition.sensitivity
    if study is None or not scenarios:
        return
    known, years = _outcomes_and_years(definition, scenarios)
    for i, answer in enumerate(study.answer):
        here = f"sensitivity.answer.{i}"
        problems += _pointer_problems(answer, here, list(scenarios), known, label)
        if answer.year is not None and answer.year not in years:
            problems.append(Problem(label, f"{here}.year",
                                    f"must be a year of the horizon, {years[0]} to {years[-1]}", answer.year))
    labels = [answer.label for answer in study.answer]
    twice = sorted({name for name in labels if labels.count(name) > 1})
    if twice:
        problems.append(Problem(label, "sensitivity.answer.label", "each answer needs a label of its own",
                                twice))
    varied = uncertain_paths(list(scenarios.values()))
    for i, pattern in enumerate(study.parameters):
        if not any(fnmatch.fnmatchcase(path, pattern) for path in varied):
            problems.append(Problem(label, f"sensitivity.parameters.{i}", "matches no assumption with a "
                                    "range that the variants share and do not change"
                                    + suggest(pattern, varied), pattern))
