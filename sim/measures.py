"""The ladder of measures (indsatstrappen), its budget levels and the states of a child.

These names are the model's vocabulary: scenario keys, column names and
documentation all use them, so a planner who knows the Danish system finds
the same words everywhere (the Danish term is given beside each).
"""

from __future__ import annotations

LEVELS = ("preventive", "home_based", "placement", "small_children_special", "authority")
"""Budget-frame levels of the municipal accounts, lightest first.

preventive: forebyggende; home_based: foregribende (the child lives at home);
placement: indgribende (anbringelse); small_children_special: småbørn og
særlige institutioner; authority: myndighed (caseworker salaries).
"""

HOME_BASED = ("family_treatment", "contact_person", "relief_care", "day_treatment")
"""familiebehandling, kontaktperson, aflastning, dagbehandling. A child can have several."""

PLACEMENT_TYPES = (
    "foster_family",
    "network_foster_family",
    "municipal_foster_family",
    "boarding_school",
    "own_room",
    "residential_institution",
    "residential_home",
)
"""The seven placement types of the published table, in its order:
almindelig plejefamilie, netværksplejefamilie, kommunal plejefamilie,
kost- og efterskole, eget værelse, døgninstitution, socialpædagogisk opholdssted."""

MEASURES = ("preventive", *HOME_BASED, *PLACEMENT_TYPES, "small_children_special")
"""Every measure a spell can be in."""

LEVEL_OF = {
    "preventive": "preventive",
    **{m: "home_based" for m in HOME_BASED},
    **{t: "placement" for t in PLACEMENT_TYPES},
    "small_children_special": "small_children_special",
}
"""Budget level of each measure."""

STATES = (
    "assessment",
    "awaiting_investigation",
    "investigation",
    "preventive",
    "home_based",
    "awaiting_placement",
    "placement",
    "small_children_special",
)
"""Where a child is at any moment; every child present is in exactly one.

assessment: the 24-hour assessment of a notification (vurdering);
awaiting_investigation: decided, waiting for a caseworker;
investigation: børnefaglig undersøgelse under way;
preventive / home_based / placement: on that rung of the ladder (a child
whose home-based measure waits for an in-house place is home_based);
awaiting_placement: placement decided, waiting to move in (home-based
measures continue meanwhile);
small_children_special: the accounts' separate stock of small-children
support and special institutions.
"""

OPEN_CASE_STATES = frozenset(
    {"awaiting_investigation", "investigation", "home_based", "awaiting_placement", "placement"}
)
"""States in which a child is an open case carried by the caseworkers (myndighed).

Preventive measures are run by the preventive social workers in the school
districts and do not count in the caseload.
"""

EXIT_REASONS = ("no_action", "closed", "moved_away", "aged_out")
"""Why a child leaves: no action after assessment, case closed, moved away, aged out."""

AFTER_NEED = ("step_down", "end", "renew")
"""What a review decides once a measure no longer fits: step down a rung, end
the case, or renew (a new measure on the same rung)."""

INVESTIGATION_OUTCOMES = ("none", "preventive", "home_based", "placement")
"""What an investigation decides."""

NEEDS = ("none", "preventive", "home_based", "placement")
"""What a reported child needs: nothing the authority must act on, or the measure of that rung.

A report is not a need: most reported children need nothing of the authority,
and a child in need may be reported several times or not at all. A child's
need is drawn when it is found and is what the assessment and the
investigation judge."""

IN_NEED = NEEDS[1:]
"""The needs that call for a measure."""

MECHANISM_NAMES = (
    "review_pace", "external_purchase", "foster_substitution", "detection", "threshold", "reform",
)
"""The mechanisms of the model (sim.model.mechanisms), by the name a scenario switches one off with."""
