"""``python -m sim.bench``: the pieces it measures with work as they claim (no timing is asserted here).

Speed targets live in the benchmark's printed table, never in a test: a
slow or busy machine must not turn the suite red.
"""

from __future__ import annotations

import pytest
import simpy

from sim import bench


@pytest.mark.unit
def test_counting_events_leaves_simpy_as_it_was_and_counts_every_step(default):
    step = simpy.Environment.step
    events = bench.model_events(default, 1, 0)
    assert simpy.Environment.step is step
    assert events > 1_000
    assert bench.model_events(default, 1, 0) == events  # the same seed, the same events


@pytest.mark.unit
def test_the_table_records_targets_and_whether_they_were_met(capsys):
    table = bench.Table()
    table.add("a figure", 2.0, "s", "< 3 s", True)
    table.add("another", 5.0, "s", "< 3 s", False)
    table.add("no target", 1.0, "x")
    assert list(table.frame()["met"]) == ["yes", "no", ""]
    assert "NOT MET" in capsys.readouterr().out


@pytest.mark.functional
def test_bad_flags_exit_2_and_write_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert bench.main(["--replications", "0", "--efficiency-replications", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--replications" in err and "--efficiency-replications" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.unit
def test_the_projection_of_a_region_shrinks_with_workers_but_never_below_its_longest_tasks():
    derive, simulate = [1.0] * 97 + [2.0], [0.5] * 97 + [30.0]
    walls = [bench.projected_wall(derive, simulate, 100, workers) for workers in (1, 16, 64, 256, 10_000)]
    assert walls[0] == pytest.approx(sum(derive) + 100 * sum(simulate))  # one worker does all, once each
    assert walls == sorted(walls, reverse=True)
    assert walls[-1] == 32.0  # the longest derivation, then the largest municipality's replication
