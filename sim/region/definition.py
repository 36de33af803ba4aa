"""A region file: several municipalities, each a profile or a whole scenario, and the variants laid over all.

A region is run as one ensemble (:mod:`sim.region.run`). Its file is TOML,
read through the project's one door for input files (nesting limits
included) and validated strictly: an unknown key, a name given twice, a
municipality with both or neither of ``children_0_22`` and ``scenario``,
more than :data:`MAX_MUNICIPALITIES` municipalities, a scenario that cannot
be loaded or a variant that does not hold over a municipality are each
reported, all at once, with the file, the parameter path, the value and
what is allowed, before anything runs. The format is documented in
docs/region.md::

    [region]
    name = "my_region"
    title = "..."
    start_date = 2022-01-01          # for the municipalities given by their children
    years = 5                        # defaults of the command's flags
    replications = 10
    seed = 0

    foster_families = "separate"    # or "shared": one pool of each family type for the region

    [[municipality]]
    name = "m01"
    children_0_22 = 52_000           # a profile: the national figures scaled to these children

    [[municipality]]
    name = "ballerup"
    scenario = "ballerup_2017"       # or a whole scenario: an embedded name, or a path beside this file

    [variants.more_caseworkers]      # the same changes laid over every municipality
    changes = { caseworkers = { caseload = 25 } }

Every municipality runs in its baseline (as given) and in each variant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from .. import MAX_REPLICATIONS, MAX_YEARS
from ..errors import InputError, Problem, read_input
from ..model.together import together_problems
from ..model.work import Work, estimate
from ..scenario import Scenario, extend_scenario, load_scenario
from ..scenario.messages import problems_from, suggest
from ..scenario.schema import MAX_CHILDREN, MIN_CHILDREN
from ..scenario.strict import Strict
from ..scenario.tomlfile import parse_toml

MAX_MUNICIPALITIES = 200
"""The most municipalities a region file may list: Denmark has 98."""
BASELINE = "baseline"
"""The label of the municipalities as given, against which every variant is compared."""
SEPARATOR = "/"
"""Between a municipality's name and its variant's in an ensemble's scenario label: ``m01/baseline``."""
NAME_PATTERN = r"^[A-Za-z0-9_-]+$"
"""Names of municipalities and variants: letters, digits, '_' and '-' (no '/', no '.')."""
SHIPPED = "shipped"
"""The folder, inside this package, of the region files that ship with barnesim (package data)."""

Name = Annotated[str, Field(min_length=1, max_length=100, pattern=NAME_PATTERN)]


class RegionInfo(Strict):
    """The ``[region]`` table: what the region is, and the defaults of a run of it."""

    name: Name = Field(description="Short name, the file's name without .toml.")
    title: str = Field(min_length=1, description="One line saying what the region is.")
    description: str = Field("", description="What the region is, and how it was made.")
    start_date: dt.date | None = Field(None, description="The start of every municipality given by its "
                                       "children (those given by a scenario start at its own date).")
    years: int = Field(10, ge=1, le=MAX_YEARS, description="Years simulated (the default of --years).")
    replications: int = Field(10, ge=1, le=MAX_REPLICATIONS,
                              description="Replications of every municipality and variant (--replications).")
    seed: int = Field(0, ge=0, description="The ensemble's seed (--seed).")
    foster_families: Literal["separate", "shared"] = Field(
        "separate", description="``separate``: each municipality places its children in its own foster "
        "families; ``shared``: the municipalities recruit into and place from one pool of each family type "
        "(sim.model.together), and every replication of a variant runs them together.")


class MunicipalityEntry(Strict):
    """One ``[[municipality]]``: a profile by its children aged 0-22, or a whole scenario."""

    name: Name = Field(description="Its label in tables: unique within the region.")
    title: str = Field("", max_length=200, description="Its name in words (a profile's [municipality] name).")
    children_0_22: int | None = Field(None, ge=MIN_CHILDREN, le=MAX_CHILDREN,
                                      description="Children aged 0-22: a scenario built by the national "
                                      "profile (docs/howto/own-municipality.md).")
    scenario: str | None = Field(None, min_length=1, description="A whole scenario: an embedded name, or a "
                                 "path relative to the region file.")

    @model_validator(mode="after")
    def _one_of_children_or_scenario(self) -> MunicipalityEntry:
        if (self.children_0_22 is None) == (self.scenario is None):
            given = "both" if self.scenario is not None else "neither"
            raise ValueError(f"give exactly one of children_0_22 (a profile) and scenario (a whole "
                             f"scenario); {self.name!r} gives {given}")
        return self


class VariantEntry(Strict):
    """One ``[variants.NAME]``: changes laid over every municipality, as in a scenario file extending it."""

    title: str = Field("", description="What the variant decides.")
    changes: dict[str, Any] = Field(default_factory=dict, description="Overrides, as in a scenario file.")


class Region(Strict):
    """A region file."""

    region: RegionInfo
    municipality: list[MunicipalityEntry] = Field(min_length=1, max_length=MAX_MUNICIPALITIES)
    variants: dict[str, VariantEntry] = Field(default_factory=dict)


class LoadedRegion:
    """A valid region with every municipality's scenario in every variant resolved."""

    def __init__(self, definition: Region, path: Path, text: str,
                 scenarios: dict[str, dict[str, Scenario]]):
        self.definition = definition
        self.path = path
        """The file it was loaded from."""
        self.text = text
        """The file's text as loaded, so a run records exactly what it ran."""
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.scenarios = scenarios
        """Municipality -> variant -> scenario; the municipalities in the file's order, the baseline first."""

    @property
    def name(self) -> str:
        """The region's name."""
        return self.definition.region.name

    @property
    def municipalities(self) -> list[str]:
        """The municipalities' names, in the file's order."""
        return list(self.scenarios)

    @property
    def variants(self) -> list[str]:
        """The variants' labels, the baseline first."""
        return [BASELINE, *self.definition.variants]

    @property
    def shared_families(self) -> bool:
        """Whether the municipalities share their foster families (``region.foster_families``)."""
        return self.definition.region.foster_families == "shared"

    def labelled(self) -> dict[str, Scenario]:
        """Ensemble label (``municipality/variant``) -> scenario.

        Municipality by municipality, so that a batch holds one municipality's
        variants; variant by variant when they share foster families, so that
        a batch holds the municipalities that run together.
        """
        if self.shared_families:
            return {label(m, v): self.scenarios[m][v] for v in self.variants for m in self.scenarios}
        return self.by_municipality()

    def work(self, years: int, replications: int) -> Work:
        """The run's estimated work.

        A variant's municipalities that share their foster families run together: one replication.
        """
        return estimate(self.labelled(), years, replications,
                        len(self.municipalities) if self.shared_families else None)

    def by_municipality(self) -> dict[str, Scenario]:
        """Ensemble label -> scenario, municipality by municipality, the order of the region's tables."""
        return {label(m, v): scenario for m, variants in self.scenarios.items()
                for v, scenario in variants.items()}

    def seed_groups(self) -> dict[str, str]:
        """Ensemble label -> its municipality: the variants of a municipality share their random numbers."""
        return {label(m, v): m for m, variants in self.scenarios.items() for v in variants}


def label(municipality: str, variant: str) -> str:
    """The ensemble's label of ``municipality`` in ``variant``."""
    return f"{municipality}{SEPARATOR}{variant}"


def shipped_folder() -> Path:
    """The folder of the shipped region files, wherever barnesim is installed."""
    return Path(str(resources.files(__package__).joinpath(SHIPPED)))


def region_names() -> list[str]:
    """Names of the shipped regions."""
    folder = shipped_folder()
    return sorted(path.stem for path in folder.glob("*.toml")) if folder.is_dir() else []


def find_region(ref: str | Path) -> Path:
    """The file of region ``ref``: a path, or the name of a shipped region."""
    path = Path(ref)
    if path.suffix == ".toml" or path.is_file():
        if path.is_file():
            return path
        raise InputError([Problem(str(ref), "", "no such region file")], "cannot load the region")
    if str(ref) in region_names():
        return shipped_folder() / f"{ref}.toml"
    known = region_names()
    raise InputError([Problem("region", "", "no such region" + (
        suggest(str(ref), known) or f"; shipped regions: {', '.join(known)}, or give a path to a .toml file"),
        str(ref))], "cannot load the region")


def load_region(ref: str | Path) -> LoadedRegion:
    """Read, validate and resolve a region file, reporting every problem at once."""
    path = find_region(ref)
    where = str(path)
    raw = read_input(path, "cannot load the region")
    data = parse_toml(where, raw, "a region")
    problems = _duplicate_problems(data, where)
    try:
        definition = Region.model_validate(data)
    except ValidationError as error:
        problems = problems_from(error.errors(include_url=False), Region, lambda loc: where) + problems
        raise InputError(problems, f"region {where} is not valid") from None
    problems += _variant_problems(definition, where)
    if definition.region.name != path.stem:
        problems.append(Problem(where, "region.name", f"must be the file's name, {path.stem!r}",
                                definition.region.name))
    if definition.region.start_date is None and any(m.scenario is None for m in definition.municipality):
        problems.append(Problem(where, "region.start_date", "is required when a municipality is given by "
                                "children_0_22: the date its profile starts"))
    if problems:
        raise InputError(problems, f"region {where} is not valid")
    scenarios = _scenarios(definition, path, problems)
    if definition.region.foster_families == "shared" and not problems:
        for variant in [BASELINE, *definition.variants]:
            problems += [Problem(where, "region.foster_families", f"is 'shared', but in variant {variant!r} "
                                 + why, "shared")
                         for why in together_problems({m: own[variant] for m, own in scenarios.items()})]
    if problems:
        raise InputError(problems, f"region {where} is not valid")
    return LoadedRegion(definition, path, raw.decode("utf-8-sig"), scenarios)


def _duplicate_problems(data: dict[str, Any], where: str) -> list[Problem]:
    """A municipality name given twice, read off the raw tables so it is reported with any other problem."""
    entries = data.get("municipality")
    if not isinstance(entries, list):
        return []
    names = [entry.get("name") for entry in entries if isinstance(entry, dict)]
    names = [name for name in names if isinstance(name, str)]
    twice = sorted({name for name in names if names.count(name) > 1})
    return [Problem(where, "municipality.name", "each municipality needs a name of its own", twice)] \
        if twice else []


def _variant_problems(definition: Region, where: str) -> list[Problem]:
    """Variant names must be names, not the baseline's, and not start another base."""
    problems = []
    for name, variant in definition.variants.items():
        here = f"variants.{name}"
        if name == BASELINE:
            problems.append(Problem(where, here, f"{BASELINE!r} is the municipalities as given; name the "
                                    "variant otherwise", name))
        elif not _is_name(name):
            problems.append(Problem(where, here, "may hold only letters, digits, '_' and '-'", name))
        scenario = variant.changes.get("scenario")
        if isinstance(scenario, dict) and "extends" in scenario:
            problems.append(Problem(where, f"{here}.changes.scenario.extends", "a variant's changes are laid "
                                    "over each municipality; it cannot extend another scenario",
                                    scenario["extends"]))
    return problems


def _is_name(text: str) -> bool:
    return bool(text) and len(text) <= 100 and all(c.isascii() and (c.isalnum() or c in "_-") for c in text)


def _scenarios(definition: Region, path: Path, problems: list[Problem]) -> dict[str, dict[str, Scenario]]:
    """Municipality -> variant -> scenario; the problems of every municipality and variant are collected.

    A scenario that cannot be opened is reported at the field naming it,
    once however many variants share it.
    """
    where = str(path)
    region = definition.region
    found: dict[str, dict[str, Scenario]] = {}
    for i, entry in enumerate(definition.municipality):
        mine: dict[str, Scenario] = {}
        own_name = f"{region.name}.{entry.name}"
        for variant in [BASELINE, *definition.variants]:
            changes = {} if variant == BASELINE else definition.variants[variant].changes
            name = own_name if variant == BASELINE else f"{own_name}.{variant}"
            at = f"{where} [municipality {entry.name!r}" + ("]" if variant == BASELINE else
                                                            f", variant {variant!r}]")
            try:
                mine[variant] = _resolve(entry, i, changes, name, at, path, region)
            except InputError as error:
                problems += [problem for problem in error.problems if problem not in problems]
        if len(mine) == 1 + len(definition.variants):
            found[entry.name] = mine
    return found


def _resolve(entry: MunicipalityEntry, i: int, changes: dict[str, Any], name: str, at: str, path: Path,
             region: RegionInfo) -> Scenario:
    """The scenario of municipality ``entry`` with ``changes`` laid over it, named ``name``."""
    if entry.scenario is not None:
        named_in = (str(path), f"municipality.{i}.scenario")
        if not changes:
            return load_scenario(entry.scenario, relative_to=path.parent, named_in=named_in)
        return extend_scenario(entry.scenario, _overlay(changes, {"scenario": {"name": name}}), at,
                               relative_to=path.parent, named_in=named_in)
    own = {
        "scenario": {"name": name, "title": entry.title or f"{entry.name} ({region.title})",
                     "start_date": region.start_date},
        "municipality": {"name": entry.title or entry.name, "children_0_22": entry.children_0_22},
    }
    return extend_scenario(None, _overlay(_overlay(own, changes), {"scenario": {"name": name}}), at)


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid over ``base``, table by table (a value in ``over`` wins)."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged
