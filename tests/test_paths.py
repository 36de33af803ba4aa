"""Dotted parameter paths: the one place a path becomes nested tables, and is read back."""

from __future__ import annotations

import pytest

from sim.scenario.paths import lookup, put

pytestmark = pytest.mark.unit


def test_put_makes_the_missing_tables_and_keeps_those_already_there():
    table = {"services": {"dut": {"price": 1}}, "caseworkers": {"count": 20}}
    put(table, "services.dut.places", 16)
    put(table, "services.familiehus.places", {"value": 30})
    put(table, "caseworkers.count", 32)
    assert table == {
        "services": {"dut": {"price": 1, "places": 16}, "familiehus": {"places": {"value": 30}}},
        "caseworkers": {"count": 32},
    }


def test_put_at_a_single_name_sets_the_top_level():
    table: dict = {}
    put(table, "note", "x")
    assert table == {"note": "x"}


def test_lookup_reads_tables_and_models_and_answers_none_where_nothing_is(default):
    table: dict = {}
    put(table, "services.dut.places", {"value": 16})
    assert lookup(table, "services.dut.places") == {"value": 16}
    assert lookup(table, "services.dut.price") is None
    assert lookup(default, "caseworkers.count") is default.caseworkers.count
    assert lookup(default, "caseworkers.nothing") is None


def test_lookup_does_not_take_an_attribute_of_a_value_for_a_parameter():
    """A user may write text where a table belongs; ``str.count`` is not a caseworker count."""
    assert lookup({"caseworkers": "many"}, "caseworkers.count") is None
