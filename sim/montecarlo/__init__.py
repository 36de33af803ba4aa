"""Monte Carlo: ensembles of replications, compared under common random numbers.

::

    from sim.montecarlo import run_ensemble
    ensemble = run_ensemble(["ballerup_2017", "ballerup_2017_familiehus_plus_10"], replications=100)
    ensemble.summary()      # per scenario, year and outcome: mean, mcse, median, percentiles
    ensemble.compare()      # paired differences from the first scenario, P(higher), P(lower)
"""

from __future__ import annotations

from .draws import UNCERTAINTIES
from .ensemble import Ensemble, run_ensemble
from .replication import replication_seed
from .summary import compare, convergence, paired_differences, summarise

__all__ = [
    "UNCERTAINTIES",
    "Ensemble",
    "compare",
    "convergence",
    "paired_differences",
    "replication_seed",
    "run_ensemble",
    "summarise",
]
