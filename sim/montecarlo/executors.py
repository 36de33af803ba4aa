"""Where an ensemble's batches run: in this process, in processes on this machine, or on a Dask cluster.

The commands that run ensembles (``python -m sim.experiments``,
``sim.calibrate``, ``sim.validate``), the app and the benchmark all get
their executor here, so ``--workers``, ``--cluster`` and the
``BARNESIM_CLUSTER`` variable mean the same everywhere and a manifest names
the executor the same way. The results do not depend on the choice: a
replication's seed comes from its number, not from where it runs.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

from ..errors import InputError, Problem

CLUSTER_VARIABLE = "BARNESIM_CLUSTER"
"""The environment variable naming a Dask scheduler, the default of ``--cluster``."""


def cluster_problems(address: str | None, flag: str = "--cluster") -> list[Problem]:
    """What is wrong with a Dask scheduler ``address`` on its face, before anything is started."""
    if not address:
        return []
    from distributed.comm import parse_address
    from distributed.comm.registry import backends

    scheme, location = parse_address(address, strict=False)
    if scheme not in backends:
        return [Problem(flag, "", f"must be a Dask scheduler address such as tcp://HOST:8786; "
                                  f"'{scheme}' is not one of the schemes {sorted(backends)}", address)]
    if not location:
        return [Problem(flag, "", "names no host: give it as tcp://HOST:PORT", address)]
    return []


@contextlib.contextmanager
def executor_for(workers: int | None = None, cluster: str | None = None, *,
                 spawn: bool = False) -> Iterator[tuple[Any, str]]:
    """The executor to hand to ``run_ensemble``, and how a manifest names it.

    ``cluster`` (a Dask scheduler address such as ``tcp://scheduler:8786``)
    wins over ``workers``; ``workers`` processes on this machine, all cores
    when None, and 1 means this process (no executor, easiest to debug).
    ``spawn`` starts the processes afresh instead of forking: a program with
    threads of its own (the app's server) must not be copied into its
    workers. On Ctrl-C or an error the batches not yet started are dropped
    and the worker processes ended at once (what they were running is lost;
    every finished batch is on disk), so the command stops within seconds.
    """
    if cluster:
        from distributed import Client

        if problems := cluster_problems(cluster):
            raise InputError(problems, "cannot run")
        try:
            client = Client(cluster, timeout="10s")
        except OSError as error:
            raise InputError([Problem("--cluster", "", f"no Dask scheduler answers there: {error}",
                                      cluster)], "cannot run") from None
        with client:
            yield client, f"dask cluster {cluster}"
        return
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be 1 or more (or None for every core), got {workers}")
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield None, "this process"
        return
    context = multiprocessing.get_context("spawn") if spawn else None
    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield pool, f"{workers} processes"
    except BaseException:  # Ctrl-C or an error: the batches running are ended too, not waited for
        running = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in running:
            process.terminate()
        raise
    pool.shutdown()
