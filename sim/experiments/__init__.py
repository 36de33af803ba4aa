"""Named experiments: variants of a scenario compared by Monte Carlo, defined as data in TOML files.

The shipped ones are package data (``shipped/``); a user's own go in ``experiments/`` of the working
directory and take precedence over shipped ones of the same name.
"""

from __future__ import annotations

from .definition import Experiment, LoadedExperiment, experiment_names, load_experiment
from .run import run_experiment

__all__ = ["Experiment", "LoadedExperiment", "experiment_names", "load_experiment", "run_experiment"]
