"""Why the money goes where it goes: each krone of a run's spend on measures attributed to one cause.

A planner whose investment case missed asks why. A deterministic plan
holds placements, home-based and preventive activity at planned levels;
the feedbacks it leaves out show in the ledger of one run as spend on
particular children:

- ``found_by_detection``: children found in need only because reporting
  was more intense than at the start (a surge, or the reform's district
  social workers). Which child that is cannot be told; a child found at a
  found factor ``f`` counts with the expected share ``1 - 1/f`` of its
  spend (the ``detected`` ledger);
- ``re_placement``: a placement of a child who was placed before in the run
  and went home (a placement after one that ended by a step down or was
  closed);
- ``after_step_down``: preventive and home-based measures of a child after a
  placement of its ended by a step down (the spill-over of fewer
  placements);
- ``external_while_waiting``: a measure bought from an external provider
  because the child waited for an in-house place past the time allowed;
- ``idle_places``: in-house places that stood empty;
- ``other``: everything else.

Each krone has one cause (detection first, then the order above), so the
causes add up to the spend on measures of the budget frame (authority
excepted), which a test checks. The attribution is read from one run, not
from switching mechanisms off: a switch answers "what if this mechanism did
not exist", which is another question.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures import PLACEMENT_TYPES
from ..model.calendar import Calendar
from ..model.records import Records

CAUSES = ("found_by_detection", "re_placement", "after_step_down", "external_while_waiting", "idle_places",
          "other")
"""The causes of spend, in the order the attribution gives them precedence."""

RETURNED_HOME = ("step_down", "closed")
"""End reasons of a placement after which the child lived at home again."""


def spend_by_cause(
    spend: pd.DataFrame, spell_table: pd.DataFrame, wait_table: pd.DataFrame, idle: dict[int, float],
    records: Records, calendar: Calendar,
) -> pd.DataFrame:
    """Per year and cause (:data:`CAUSES`): ``spend_kr``, every year and cause present (zero if none).

    ``idle`` is the cost per year of empty in-house places, as the budget frame counts it.
    """
    spells = spell_table.set_index("spell_id")
    cause = pd.Series("other", index=spells.index)
    cause[_bought_while_waiting(spell_table, wait_table)] = "external_while_waiting"
    cause[_after_step_down(spell_table)] = "after_step_down"
    cause[_re_placement(spell_table)] = "re_placement"
    detected = records.table("detected").groupby("child_id")["found_by_detection"].max()
    rows = spend.assign(cause=spend["spell_id"].map(cause))
    share = rows["child_id"].map(detected).fillna(0.0).to_numpy()
    found = rows.assign(cause="found_by_detection", spend_kr=rows["spend_kr"] * share)
    rows = rows.assign(spend_kr=rows["spend_kr"] * (1.0 - share))
    empty = pd.DataFrame({"year": list(idle), "cause": "idle_places", "spend_kr": list(idle.values())})
    parts = [frame[["year", "cause", "spend_kr"]] for frame in (found, rows, empty) if len(frame)]
    summed = pd.concat(parts, ignore_index=True).groupby(["year", "cause"])["spend_kr"].sum()
    full = pd.MultiIndex.from_product([calendar.year_list, CAUSES], names=["year", "cause"])
    return summed.reindex(full, fill_value=0.0).reset_index()


def _placed(spell_table: pd.DataFrame) -> pd.Series:
    return spell_table["measure"].isin(PLACEMENT_TYPES)


def _first_home_day(spell_table: pd.DataFrame) -> pd.Series:
    """Per child, the first day a placement of its ended with the child living at home again."""
    placements = spell_table[_placed(spell_table)]
    home = placements[placements["end_reason"].isin(RETURNED_HOME)]
    return home.groupby("child_id")["end_day"].min()


def _re_placement(spell_table: pd.DataFrame) -> np.ndarray:
    """Spell ids of placements that began after the child had gone home from an earlier placement."""
    since = spell_table["child_id"].map(_first_home_day(spell_table))
    again = _placed(spell_table) & (spell_table["start_day"] >= since)
    return spell_table.loc[again, "spell_id"].to_numpy()


def _after_step_down(spell_table: pd.DataFrame) -> np.ndarray:
    """Spell ids of measures at home that began after a placement of the child ended by a step down."""
    placements = spell_table[_placed(spell_table)]
    stepped = placements[placements["end_reason"] == "step_down"].groupby("child_id")["end_day"].min()
    since = spell_table["child_id"].map(stepped)
    after = ~_placed(spell_table) & (spell_table["start_day"] >= since)
    return spell_table.loc[after, "spell_id"].to_numpy()


def _bought_while_waiting(spell_table: pd.DataFrame, wait_table: pd.DataFrame) -> np.ndarray:
    """Spell ids of external measures that began when a wait for an in-house place ran out."""
    bought = wait_table.loc[wait_table["outcome"] == "external", ["child_id", "measure", "started_day"]]
    external = spell_table[spell_table["provider"] == "external"]
    matched = external.merge(bought, left_on=["child_id", "measure", "start_day"],
                             right_on=["child_id", "measure", "started_day"])
    return matched["spell_id"].to_numpy()
