"""The one word table: every word in both languages, each term once, every name the model uses named."""

from __future__ import annotations

import string
import subprocess
import sys

import pytest

from sim.measures import LEVELS, PLACEMENT_TYPES
from sim.output.words import COLUMNS, LANGUAGES, TERMS, UNCERTAINTY, WORDS, Labels
from sim.scenario import embedded_names, load_scenario

pytestmark = pytest.mark.unit

TABLES = {"TERMS": TERMS, "WORDS": WORDS, "UNCERTAINTY": UNCERTAINTY}


def fields(text: str) -> set[str]:
    """The ``{names}`` a word holds for its user to fill in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("table", TABLES)
def test_every_word_is_written_in_both_languages_with_the_same_blanks(table):
    for key, pair in TABLES[table].items():
        assert isinstance(pair, tuple) and len(pair) == len(LANGUAGES), (table, key)
        assert all(isinstance(text, str) and text.strip() for text in pair), (table, key)
        assert fields(pair[0]) == fields(pair[1]), (table, key)  # a sentence filled the same either way


def test_a_term_and_a_word_never_share_a_key_nor_are_written_twice():
    """A key in both tables, or one pair of words under two keys, is one word written twice."""
    assert not set(TERMS) & set(WORDS)
    assert set(COLUMNS.values()) <= set(WORDS)
    written: dict[tuple[str, str], str] = {}
    for key, pair in {**TERMS, **WORDS}.items():
        assert pair not in written, f"{key!r} repeats {written[pair]!r}"
        written[pair] = key


def test_every_level_placement_type_and_shipped_service_has_a_term():
    services = {name for scenario in embedded_names() for name, _ in load_scenario(scenario).services}
    named = {*LEVELS, *PLACEMENT_TYPES, "total", "total_with_authority", *services}
    assert named <= set(TERMS), sorted(named - set(TERMS))


def test_every_unit_of_the_scenario_format_is_written_in_danish():
    """Issue 25, bug 9: Danish screens showed the levers' units in English ("full-time caseworkers")."""
    from sim.scenario.parameters import parameters
    from sim.scenario.schema import Caseworkers

    units = {p.unit for name in embedded_names() for p in parameters(load_scenario(name))}
    units |= {field.json_schema_extra["unit"] for field in Caseworkers.model_fields.values()
              if isinstance(field.json_schema_extra, dict)}
    danish = Labels("da")
    assert all(danish.unit(unit) != unit for unit in units), sorted(u for u in units if danish.unit(u) == u)
    assert Labels("en").unit("full-time caseworkers") == "full-time caseworkers"
    assert danish.unit("full-time caseworkers") == "rådgivere (årsværk)"


def test_labels_pick_the_language_and_fall_back_to_a_name_without_a_term():
    danish, english = Labels("da"), Labels("en")
    assert (danish.row("placement"), english.row("placement")) == ("Anbringelser", "Placements")
    assert english.row("a_service_of_my_own") == "a_service_of_my_own"
    assert danish.heading("spend") == "Udgifter" and danish.heading("flows") == "Forløb"
    with pytest.raises(KeyError):
        english.word("never_written")
    with pytest.raises(ValueError, match='"lang" must be one of'):
        Labels("de")


def test_the_command_line_takes_its_words_without_loading_the_report_or_the_app():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, sim.cli; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert "sim.output.words" in loaded
    assert not [name for name in loaded if name.startswith(("sim.report", "sim.app", "sim.montecarlo"))]
