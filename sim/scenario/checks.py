"""Checks that involve more than one parameter.

Each field is checked on its own by the schema; these rules tie fields
together (a share that only makes sense given another, a chain of
substitute placement types that must end somewhere).
"""

from __future__ import annotations

from ..errors import Problem
from ..measures import PLACEMENT_TYPES
from .schema import Scenario


def cross_checks(scenario: Scenario, where) -> list[Problem]:
    """Problems with combinations of parameters; ``where(loc)`` names the file."""
    problems = []

    notified = scenario.notification
    again, per_child = notified.reported_again_share.value, notified.per_notified_child.value
    if per_child < 1 + again - 1e-9 or (again == 0 and per_child > 1):
        problems.append(Problem(
            where(("notification", "per_notified_child")), "notification.per_notified_child",
            f"with notification.reported_again_share = {again:g} a notified child has at least "
            f"{1 + again:g} notifications on average" + (" and exactly 1 when none is notified again"
                                                         if again == 0 else ""),
            per_child,
        ))

    if scenario.municipality is not None and \
            scenario.population.children.value != scenario.municipality.children_0_22:
        problems.append(Problem(
            where(("population", "children")), "population.children",
            f"differs from municipality.children_0_22 ({scenario.municipality.children_0_22:,}); the two "
            "count the same children: set only [municipality] children_0_22",
            scenario.population.children.value,
        ))

    reform = scenario.reform
    if reform.no_effect_caseload.value <= reform.full_effect_caseload.value:
        problems.append(Problem(
            where(("reform", "no_effect_caseload")), "reform.no_effect_caseload",
            f"must be above reform.full_effect_caseload ({reform.full_effect_caseload.value:g}): the "
            "reform's effect fades between the two",
            reform.no_effect_caseload.value,
        ))

    measures = [service.measure for _, service in scenario.services]
    for name, service in scenario.services:
        if measures.count(service.measure) > 1:
            problems.append(Problem(
                where(("services", name, "measure")), f"services.{name}.measure",
                "two in-house services deliver the same measure; give each its own", service.measure,
            ))

    substitutes = scenario.placement.substitutes.value
    for kind in PLACEMENT_TYPES:
        if scenario.placement.type(kind).pool is None:
            continue
        path, seen, current = [kind], {kind}, kind
        while scenario.placement.type(current).pool is not None:
            nxt = substitutes.get(current)
            if nxt is None:
                problems.append(Problem(
                    where(("placement", "substitutes")), "placement.substitutes",
                    f"'{current}' has a family pool but no substitute type; add "
                    f"{current} = \"<type without a pool>\"",
                ))
                break
            if nxt in seen:
                problems.append(Problem(
                    where(("placement", "substitutes")), "placement.substitutes",
                    f"substitutes go round in a circle ({' -> '.join([*path, nxt])}); "
                    "the chain must end at a type without a family pool",
                ))
                break
            path.append(nxt)
            seen.add(nxt)
            current = nxt
    return problems
