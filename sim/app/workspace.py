"""The app's folder: uploaded scenarios, scenarios saved under a name, and runs.

Everything the app does goes through files a command-line user could use:
a saved scenario is a scenario file extending its base; a run is an
experiment file that ``python -m sim.experiments`` runs, and its run folder
is the one ``python -m sim.report`` reads. The layout::

    FOLDER/uploads/NAME.toml          uploaded scenarios (an Excel template becomes one)
    FOLDER/scenarios/NAME.toml        saved scenarios, each extending its base
    FOLDER/experiments/app_ID.toml    the experiment each run ran
    FOLDER/runs/app_ID/               its run folder (tables, manifest, reports)

Nothing is overwritten: a name already taken is refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ..errors import InputError, Problem, ScenarioError
from ..experiments import load_experiment, run_experiment
from ..experiments.definition import LoadedExperiment
from ..experiments.run_folder import is_complete
from ..montecarlo.draws import UNCERTAINTIES
from ..montecarlo.executors import executor_for
from ..output.folders import new_run_folder, write_atomically
from ..output.words import Labels
from ..report import LANGUAGES, REPORT, ReportFiles, make_report
from ..scenario import DEFAULT_SCENARIO, Scenario, embedded_names, extend_scenario, load_scenario
from ..scenario.tomlfile import parse_toml
from .template import read_template

OUTCOMES = [
    "spend_kr.*", "placements_31_dec.total", "placements_31_dec.*", "full_year_persons.*",
    "caseload_per_worker.mean",
    "awaiting_investigation.mean", "deadline_breaches", "median_wait_days.*", "max_wait_days.*",
    "waiting_31_dec.*", "external_share.*",
]
"""What an app run reports: spend, placements (the total first: the key answer speaks of it), full-year
persons, caseloads and waits."""
NAME = re.compile(r"[A-Za-z0-9_.\-]+")
MAX_UPLOAD = 2_000_000
"""Bytes an uploaded file may have: a scenario file is a few kB, the filled-in template about 30 kB."""
"""A scenario name, as the scenario format allows it (it names files and result folders)."""
UPLOADS, SCENARIOS, EXPERIMENTS, RUNS = "uploads", "scenarios", "experiments", "runs"


@dataclass(frozen=True)
class RunRequest:
    """What the planner asked to run: the start scenario, the edited one, saved ones to set beside."""

    start: str
    """The scenario started from: an embedded name or ``uploads/NAME.toml``; the baseline."""
    name: str
    """The edited scenario's name."""
    changes: dict[str, Any]
    """Its overrides of the start scenario, as a scenario file writes them."""
    compare: tuple[str, ...] = ()
    """Names of saved scenarios run beside it."""
    years: int = 5
    replications: int = 50
    seed: int = 0
    uncertainty: str = "stochastic"
    lang: str = "da"
    """The planner's language, which the run's title (the report's subtitle) is written in."""


class Workspace:
    """The app's folder and what can be done with it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def starts(self) -> list[str]:
        """The scenarios a planner can start from: the embedded default, the other embedded, the uploaded."""
        uploads = sorted(p.name for p in (self.folder / UPLOADS).glob("*.toml"))
        embedded = [DEFAULT_SCENARIO, *(name for name in embedded_names() if name != DEFAULT_SCENARIO)]
        return [*embedded, *(f"{UPLOADS}/{name}" for name in uploads)]

    def _path(self, start: str) -> str | Path:
        """What ``load_scenario`` takes for the start ``start``; a start the app does not know is refused."""
        if start not in self.starts():
            raise InputError([Problem("start", "", f"no such scenario; choose one of {self.starts()}",
                                      start)], "cannot load the scenario")
        return self.folder / start if start.startswith(f"{UPLOADS}/") else start

    def load(self, start: str) -> Scenario:
        """The start scenario ``start``."""
        return load_scenario(self._path(start))

    def upload(self, filename: str, data: bytes) -> str:
        """Keep an uploaded scenario (TOML, or a filled-in Excel template) and give its start name.

        It is checked whole first; every problem names the uploaded file, as
        the command line names a file it is given. A file of the same name
        already uploaded is refused unless it is the same.
        """
        stem, suffix = Path(filename).stem, Path(filename).suffix.lower()
        problems = [] if len(data) <= MAX_UPLOAD else [
            Problem(filename, "", f"is more than {MAX_UPLOAD:,} bytes, the most an upload may be (a scenario "
                                  "file or a filled-in template is a few tens of thousands)")]
        problems += [] if NAME.fullmatch(stem) else [
            Problem(filename, "", "the file name may hold only letters, digits, '_', '-' and '.'")]
        if suffix not in (".toml", ".xlsx"):
            problems.append(Problem(filename, "",
                                    "must be a scenario file (.toml) or the Excel template (.xlsx)"))
        if problems:
            raise InputError(problems, "cannot upload")
        if suffix == ".xlsx":
            data = self._from_template(filename, data)
        else:
            self._check_base(filename, data)
        target = self.folder / UPLOADS / f"{stem}.toml"
        if target.exists() and target.read_bytes() != data:
            raise InputError([Problem(filename, "", f"a different {target.name} was uploaded before; "
                                      "rename the file to keep both")], "cannot upload")
        # checked beside the other uploads, so that a base it extends there is found; not a .toml
        # while it is checked, so it is not offered as a start
        staged = target.with_name(f"{stem}.upload")
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(data)
        try:
            load_scenario(staged)
        except ScenarioError as error:  # named as uploaded, not as the staged copy
            raise ScenarioError([_relabel(p, str(staged), filename) for p in error.problems],
                                error.title.replace(str(staged), filename)) from None
        finally:
            staged.unlink(missing_ok=True)
        write_atomically(target, data)
        return f"{UPLOADS}/{target.name}"

    def _check_base(self, filename: str, data: bytes) -> None:
        """Refuse an upload extending anything but an embedded scenario or another upload of this workspace.

        A path (``/etc/passwd``, ``../x``) is refused by its form alone,
        before anything looks for it, so an upload learns nothing about the
        server's files.
        """
        base = parse_toml(filename, data, "a scenario").get("scenario", {})
        base = base.get("extends") if isinstance(base, dict) else None
        if base is None:
            return
        uploaded = self.folder / UPLOADS / str(base)
        if isinstance(base, str) and (base in embedded_names() or (
                NAME.fullmatch(Path(base).stem) and Path(base).name == base and base.endswith(".toml")
                and uploaded.is_file())):
            return
        raise InputError([Problem(filename, "scenario.extends", "may name an embedded scenario "
                                  f"({', '.join(embedded_names())}) or a scenario file uploaded here before, "
                                  "by its file name", base)], "cannot upload")

    def _from_template(self, filename: str, data: bytes) -> bytes:
        """The scenario file text of a filled-in template; the base it extends must be one the app knows."""
        content = read_template(filename, data, self._path)
        base = content["scenario"].get("extends")
        if base is not None and base.startswith(f"{UPLOADS}/"):
            content["scenario"]["extends"] = Path(base).name  # beside it in uploads/
        return tomli_w.dumps(content).encode("utf-8")

    def scenario(self, start: str, name: str, changes: dict[str, Any]) -> Scenario:
        """The start scenario with ``changes``, named ``name``; problems name the levers of ``name``."""
        if not NAME.fullmatch(name or ""):
            raise InputError([Problem("name", "", "may hold only letters, digits, '_', '-' and '.'", name)],
                             "cannot name the scenario")
        overrides = {**changes, "scenario": {"name": name}}
        return extend_scenario(self._path(start), overrides, f"levers of {name}")

    def saved(self) -> list[str]:
        """Names of the saved scenarios."""
        return sorted(p.stem for p in (self.folder / SCENARIOS).glob("*.toml"))

    def save(self, start: str, name: str, changes: dict[str, Any], title: str = "") -> Path:
        """Save the start scenario with ``changes`` as ``scenarios/NAME.toml``, checked; never overwrites."""
        self.scenario(start, name, changes)
        target = self.folder / SCENARIOS / f"{name}.toml"
        if target.exists():
            raise InputError([Problem("name", "", "a scenario of this name is saved already; choose another",
                                      name)], "cannot save")
        base = f"../{start}" if start.startswith(f"{UPLOADS}/") else start
        text = tomli_w.dumps({"scenario": {"extends": base, "name": name, "title": title}, **changes})
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, text.encode("utf-8"))
        return target

    def load_saved(self, name: str) -> tuple[str, Scenario]:
        """The start a saved scenario extends, and the scenario."""
        path = self.folder / SCENARIOS / f"{name}.toml"
        if name not in self.saved():
            raise InputError([Problem("saved", "", f"no such saved scenario; saved: {self.saved()}", name)],
                             "cannot load")
        scenario = load_scenario(path)
        base = scenario.files[-2][0].removeprefix("embedded:")
        start = base if base in embedded_names() else f"{UPLOADS}/{Path(base).name}"
        return start, scenario

    def prepare(self, request: RunRequest) -> tuple[LoadedExperiment, Path]:
        """Write the experiment of ``request`` and load it, checked whole; its run folder, not yet made.

        The experiment file is only kept when it is valid, so a mistake
        leaves nothing behind.
        """
        problems = []
        if request.uncertainty not in UNCERTAINTIES:
            problems.append(Problem("uncertainty", "", f"must be one of {list(UNCERTAINTIES)}",
                                    request.uncertainty))
        unknown = [name for name in request.compare if name not in self.saved()]
        if unknown:
            problems.append(Problem("compare", "", f"must name saved scenarios: {self.saved()}", unknown))
        if problems:
            raise InputError(problems, "cannot run")
        base = self.load(request.start)
        name = self._new_name()
        folder = self.folder / RUNS / name
        start = f"../{request.start}" if request.start.startswith(f"{UPLOADS}/") else request.start
        definition = {
            "name": name,
            "title": Labels(request.lang).word("against").format(variant=request.name, baseline=base.name),
            "description": "Run from the barnesim app.",
            "scenario": start, "years": request.years, "replications": request.replications,
            "seed": request.seed, "uncertainty": request.uncertainty, "outcomes": OUTCOMES,
            "variant": [
                {"label": base.name},
                {"label": request.name, "changes": {**request.changes, "scenario": {"name": request.name}}},
                *({"label": saved, "scenario": f"../{SCENARIOS}/{saved}.toml"} for saved in request.compare),
            ],
        }
        path = self.folder / EXPERIMENTS / f"{name}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, tomli_w.dumps(definition).encode("utf-8"))
        try:
            experiment = load_experiment(path)
        except InputError as error:
            path.unlink()
            variant = f"{path} [variant {request.name!r}]"
            raise InputError([_relabel(_relabel(p, variant, f"levers of {request.name}"), str(path),
                                       "run settings") for p in error.problems],
                             f"cannot run {request.name}") from None
        return experiment, folder

    def _new_name(self) -> str:
        """``app_`` and the time now, with a number if a run of that second exists: names file and folder."""
        stamp = new_run_folder(self.folder / RUNS).name.replace("-", "_")
        name, n = f"app_{stamp}", 1
        while (self.folder / RUNS / name).exists() or (self.folder / EXPERIMENTS / f"{name}.toml").exists():
            n += 1
            name = f"app_{stamp}_{n}"
        return name

    def run(self, experiment: LoadedExperiment, folder: Path, *, workers: int = 1,
            progress: Callable[[int, int], None] | None = None) -> Path:
        """Run ``experiment`` into ``folder`` on ``workers`` processes, telling ``progress(done, total)``."""
        definition = experiment.definition
        # spawned, not forked: the app's server threads must not be copied into the workers; when
        # stopped, batches not yet started are dropped and the finished ones are kept
        with executor_for(workers, spawn=True) as (executor, name):
            run_experiment(experiment, folder, replications=definition.replications, seed=definition.seed,
                           executor=executor, executor_name=name, progress=progress or False)
        return folder

    def runs(self) -> list[Path]:
        """The complete run folders, newest first."""
        return sorted((p for p in (self.folder / RUNS).glob("app_*") if is_complete(p)), reverse=True)

    def report(self, folder: Path, lang: str) -> ReportFiles:
        """The report of the run in ``folder`` in ``lang`` (in ``report_LANG/``), made once."""
        if lang not in LANGUAGES:
            raise InputError([Problem("lang", "", f"must be one of {list(LANGUAGES)}", lang)],
                             "cannot report")
        target = folder / f"report_{lang}"
        if (target / REPORT).is_file():
            return ReportFiles.in_folder(target)
        return make_report(folder, lang, target)

    def bundle(self, folder: Path) -> bytes:
        """The files that reproduce the run in ``folder``, as a zip laid out as the workspace is.

        It holds the experiment, the edited scenario as a file of its own,
        the saved scenarios run beside it and the uploaded base, and a
        README with the command that runs it again.
        """
        experiment = load_experiment(self.folder / EXPERIMENTS / f"{folder.name}.toml")
        definition = experiment.definition
        files = {f"{EXPERIMENTS}/{experiment.path.name}": experiment.path.read_bytes()}
        start = definition.scenario.removeprefix("../")
        if start.startswith(f"{UPLOADS}/"):
            files[start] = (self.folder / start).read_bytes()
        edited = definition.variant[1]
        scenario_file = {"scenario": {"extends": definition.scenario, "name": edited.label},
                         **{k: v for k, v in edited.changes.items() if k != "scenario"}}
        files[f"{SCENARIOS}/{edited.label}.toml"] = tomli_w.dumps(scenario_file).encode("utf-8")
        for variant in definition.variant[2:]:
            saved = str(variant.scenario).removeprefix("../")
            files[saved] = (self.folder / saved).read_bytes()
        command = (f"python -m sim.experiments {EXPERIMENTS}/{experiment.path.name} --replications "
                   f"{definition.replications} --seed {definition.seed}")
        files["README.txt"] = (
            f"Reproduces the barnesim app's run {folder.name}.\n\n    {command}\n\nruns it again and gives "
            f"the same numbers. {SCENARIOS}/{edited.label}.toml is the edited scenario alone:\n\n"
            f"    python -m sim run {SCENARIOS}/{edited.label}.toml\n").encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return buffer.getvalue()


def _relabel(problem: Problem, old: str, new: str) -> Problem:
    """``problem`` with ``old`` in where it is replaced by ``new``."""
    where = problem.where.replace(old, new)
    return Problem(where, problem.path, problem.message, problem.value)
