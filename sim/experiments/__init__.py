"""Named experiments: variants of a scenario compared by Monte Carlo, defined as data in experiments/."""

from __future__ import annotations

from .definition import Experiment, LoadedExperiment, experiment_names, load_experiment
from .run import run_experiment

__all__ = ["Experiment", "LoadedExperiment", "experiment_names", "load_experiment", "run_experiment"]
