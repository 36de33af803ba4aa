"""The executor the commands and the app run ensembles on: what ``--workers`` gives, and Ctrl-C."""

from __future__ import annotations

import concurrent.futures
import os
import time

import pytest

from sim.montecarlo.executors import executor_for

pytestmark = pytest.mark.unit


def test_one_worker_runs_in_this_process():
    with executor_for(1) as (executor, name):
        assert executor is None and name == "this process"


def test_workers_are_processes_named_for_the_manifest_and_shut_down_after():
    with executor_for(2) as (executor, name):
        assert isinstance(executor, concurrent.futures.ProcessPoolExecutor) and name == "2 processes"
        assert executor.submit(os.getpid).result() != os.getpid()
    with pytest.raises(RuntimeError, match="shutdown"):
        executor.submit(os.getpid)


def test_no_workers_given_means_every_core():
    with executor_for() as (_, name):
        cores = os.cpu_count() or 1
        assert name == ("this process" if cores == 1 else f"{cores} processes")


def test_spawn_starts_the_workers_afresh():
    with executor_for(2, spawn=True) as (executor, _):
        assert executor._mp_context.get_start_method() == "spawn"


def test_an_interruption_drops_the_batches_not_yet_started():
    with pytest.raises(KeyboardInterrupt), executor_for(2) as (executor, _):
        futures = [executor.submit(time.sleep, 0.2) for _ in range(12)]
        raise KeyboardInterrupt
    deadline = time.monotonic() + 10  # the pool cancels them in a thread of its own
    while not any(future.cancelled() for future in futures) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(future.cancelled() for future in futures)


def test_fewer_than_one_worker_is_refused_by_name():
    with pytest.raises(ValueError, match="workers must be 1 or more.*got 0"), executor_for(0):
        pass
