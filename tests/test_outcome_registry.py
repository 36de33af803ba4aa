"""The outcome registry: every outcome a replication reports has a unit, display and label; only those."""

from __future__ import annotations

import pytest

from sim.experiments.report import shown, with_unit
from sim.montecarlo.outcomes import outcome_names
from sim.montecarlo.registry import OUTCOMES, describe, outcome_label
from sim.output.words import TERMS, Labels
from sim.scenario import embedded_names, load_scenario

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("name", embedded_names())
def test_every_outcome_a_scenario_reports_is_registered(name):
    """A new outcome fails here until it has an entry (sim/montecarlo/registry.py)."""
    missing = []
    for outcome in outcome_names(load_scenario(name)):
        try:
            describe(outcome)
        except KeyError:
            missing.append(outcome)
    assert not missing, f"outcomes without an entry in the outcome registry: {missing}"


def test_every_entry_is_an_outcome_a_replication_reports(default):
    """No entry for an outcome that is gone: each is a name, or the <what> of names, of outcome_names."""
    names = outcome_names(default)
    unused = [key for key, entry in OUTCOMES.items()
              if not any(n == key if not entry.family else n.startswith(f"{key}.") for n in names)]
    assert not unused, unused


def test_a_name_without_an_entry_is_refused():
    for name in ("spend_kr", "notifications.total", "a_new_outcome", "median_wait_days"):
        with pytest.raises(KeyError, match="not in the outcome registry"):
            describe(name)


def test_every_outcome_is_labelled_by_terms_in_both_languages(default):
    assert {entry.term for entry in OUTCOMES.values()} <= set(TERMS)
    danish, english = Labels("da"), Labels("en")
    for outcome in outcome_names(default):
        labels = outcome_label(outcome, danish), outcome_label(outcome, english)
        assert outcome not in labels and labels[0] != labels[1], (outcome, labels)


def test_labels_name_the_measure_and_its_row_in_the_order_the_accounts_use():
    danish, english = Labels("da"), Labels("en")
    assert outcome_label("spend_kr.placement", danish) == "Udgifter: Anbringelser"
    assert outcome_label("placements_31_dec.total", english) == "Placed children at 31 December: Total"
    assert outcome_label("median_wait_days.familiehus", danish) == "Familiehuset: Ventetid, median"
    assert outcome_label("caseload_per_worker.mean", english) == "Cases per caseworker"
    assert outcome_label("requests.skolehus", english) == "skolehus: Requests"  # a scenario's own service


def test_kroner_read_in_thousands_in_tables_and_millions_on_figures():
    spend = describe("spend_kr.total")
    english = Labels("en")
    assert spend.table.number(182_812_345, english) == "182,812"
    assert spend.table.unit_word(english) == "1,000 kr"
    assert spend.figure.number(182_812_345, english) == "182.8"
    assert spend.figure.unit_word(Labels("da")) == "mio. kr."
    assert describe("external_share.dut").table.number(0.1234, english) == "12.3"


def test_the_printed_summary_scales_and_names_units_as_the_registry_says():
    assert shown("spend_kr.total", -1_234_567) == "-1,235"
    assert shown("external_share.dut", 0.1234) == "12.3"
    assert shown("median_wait_days.dut", 12.6) == "13"  # whole days, as the report shows them
    assert shown("full_year_persons.placement", 143.46) == "143.5"
    assert [with_unit(o) for o in ("spend_kr.total", "external_share.dut", "notifications")] == [
        "spend_kr.total (1,000 kr)", "external_share.dut (%)", "notifications (count)"]
