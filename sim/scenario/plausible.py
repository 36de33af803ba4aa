"""Plausible magnitudes: the largest value of each unit any Danish run needs, and why.

The schema's own bounds say what a value may be at all (a share lies in
[0, 1]); these say what a Danish municipality, or the whole country run as
one, can need. A value above its bound is a typing slip (an extra three
zeros, 1e20 for 20) and would make a run hang or fill the memory, so it is
refused before anything runs, naming the value and the bound. Each bound
leaves room for a national run: Denmark has about 1.5 million children and
young people aged 0-22 (Danmarks Statistik, FOLK1A), and the profile of a
municipality allows up to 2 million (``municipality.children_0_22``).
"""

from __future__ import annotations

from dataclasses import dataclass

NATIONAL_CHILDREN = 2_000_000
"""Children and young people aged 0-22 a scenario may hold: Denmark's 1.5 million with room to spare."""


@dataclass(frozen=True)
class Bound:
    """The largest plausible value of a unit, and the reason a planner can check."""

    most: float
    why: str


PLAUSIBLE = {
    "persons": Bound(NATIONAL_CHILDREN, "every child aged 0-22 in Denmark, with room to spare"),
    "children": Bound(NATIONAL_CHILDREN, "every child aged 0-22 in Denmark, with room to spare"),
    "places": Bound(NATIONAL_CHILDREN, "a place for every child aged 0-22 in Denmark"),
    "families": Bound(NATIONAL_CHILDREN, "a family for every child aged 0-22 in Denmark"),
    "measures": Bound(4 * NATIONAL_CHILDREN, "four measures (the most per child) for every child in Denmark"),
    "full-time caseworkers": Bound(100_000, "25 times the 4,000 or so caseworkers of children's cases in "
                                            "all of Denmark"),
    "notifications per year": Bound(5 * NATIONAL_CHILDREN, "five notifications a year (the most per "
                                                           "child) for every child in Denmark"),
    "families per year": Bound(100_000, "a hundred times the foster families Denmark approves in a year"),
    "per child per year": Bound(365, "once a day"),
    "per family per year": Bound(365, "once a day"),
    "days": Bound(10_000, "27 years, longer than a childhood from 0 to 22"),
    "months": Bound(120, "ten years"),
    "hours": Bound(8_760, "a year of hours"),
    "kr per year": Bound(100_000_000, "20 times the dearest placement, a secure institution, at about "
                                      "5 mio kr a year"),
    "kr per place-year": Bound(100_000_000, "20 times the dearest placement, at about 5 mio kr a year"),
    "investigations per caseworker": Bound(1_000, "more than one a working day for each caseworker"),
    "cases per caseworker": Bound(200, "four times the highest caseload surveyed, 46 (Ankestyrelsen 2009)"),
}
"""Unit (as the schema names it) -> its plausible bound. Units not listed (shares, ratios, elasticities)
are bounded by the schema itself."""


def implausible(unit: str, values: list[float]) -> str | None:
    """Why one of ``values`` (a value and its range) is above the bound of ``unit``, or None."""
    bound = PLAUSIBLE.get(unit)
    if bound is None:
        return None
    over = [value for value in values if value > bound.most]
    if not over:
        return None
    return (f"{max(over):,.6g} is above {bound.most:,.0f} {unit}, the most any Danish run needs "
            f"({bound.why})")
