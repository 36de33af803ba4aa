"""How much work a run is, before it starts: children to simulate, and whether that is within reason.

Every bound of :mod:`sim.scenario.plausible` can hold on its own and still
make a run of days or of more memory than a machine has: ten million
notifications a year for ten years is a hundred million children. So before
a run starts its work is estimated from the scenarios alone: the children
in the stock at the start, and the notifications of every year, each a
child that may enter (in Ballerup 2017 this counts 5,288 children in ten
years against the 6,524 a run meets, the rest coming by application). A
replication of more than :data:`MAX_CHILDREN` (half a minute of one core), or a
run of more than :data:`MAX_WORK` in all, is refused with the estimate,
unless forced: a slip of three zeros never starts hours of work unasked,
while a replication of the largest municipality (Copenhagen, about 150,000
children aged 0-22, about 100,000 children in ten years) runs as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Problem
from ..scenario import Scenario

CHILDREN_PER_SECOND = 5_000
"""Children of the estimate one core simulates a second, with the tables: a ten-year run of Ballerup 2017
is estimated at 5,288 children and took 0.92 s on 2026-12-01 (5,700 a second; a large municipality's
children are cheaper, 144,299 in 6.9 s); for the estimate of time only."""
MAX_REPLICATION_SECONDS = 30.0
"""Seconds of one core one replication may take unasked."""
MAX_CHILDREN = round(MAX_REPLICATION_SECONDS * CHILDREN_PER_SECOND)
"""Children one replication may simulate unasked: half a minute of one core (150,000 children; about
240 MB, at about 1.6 kB each for the run's tables). Denmark run as one municipality is beyond it from its
first year (about 171,000 children), and runs with force."""
MAX_WORK = 500_000_000
"""Children all replications together may simulate: about a day of one core."""
SAY_FROM = 60.0
"""Seconds of one core from which the estimate is printed before a run."""


@dataclass(frozen=True)
class Work:
    """The estimated work of a run."""

    children: dict[str, int]
    """Children one replication of each scenario simulates."""
    replications: int

    @property
    def total(self) -> int:
        """Children all replications of all scenarios simulate."""
        return sum(self.children.values()) * self.replications

    @property
    def seconds(self) -> float:
        """Seconds of one core the run takes, roughly."""
        return self.total / CHILDREN_PER_SECOND

    def text(self) -> str:
        """The estimate in words: 'about 1,234,567 children to simulate, about 8 min of one core'."""
        minutes = self.seconds / 60
        time = f"{minutes / 60:,.1f} h" if minutes >= 90 else f"{max(minutes, 0.1):,.1f} min"
        return f"about {self.total:,} children to simulate, about {time} of one core"


def children(scenario: Scenario, years: int) -> int:
    """Children one replication of ``scenario`` over ``years`` simulates: its stock and its notifications."""
    start = scenario.initial
    placed = start.placements
    stock = sum(int(getattr(placed, kind).value) for kind in type(placed).model_fields)
    stock += sum(int(count.value) for count in (start.investigations, start.preventive,
                                                start.home_based_measures))
    if scenario.small_children_special is not None:
        stock += int(scenario.small_children_special.persons_at_start.value)
    return stock + round(scenario.notification.per_year.value * years)


def estimate(scenarios: Mapping[str, Scenario], years: int, replications: int, together: int | None = None
             ) -> Work:
    """The work of ``replications`` replications of ``scenarios`` over ``years``.

    With ``together``, the scenarios run together in one replication (sharing
    their foster families, :mod:`sim.model.together`) in groups of that many,
    in their order: a group is one replication, and its children are counted
    as one.
    """
    counted = {label: children(s, years) for label, s in scenarios.items()}
    if together is None or together <= 1:
        return Work(counted, replications)
    labels = list(counted)
    groups = [labels[first:first + together] for first in range(0, len(labels), together)]
    return Work({(group[0] if len(group) == 1 else f"{group[0]} .. {group[-1]} ({len(group)} run together)"):
                 sum(counted[label] for label in group) for group in groups}, replications)


def work_problems(work: Work, flag: str = "force") -> list[Problem]:
    """Why ``work`` is too much to start unasked (``flag`` names how to ask), or nothing."""
    too_large = {label: n for label, n in work.children.items() if n > MAX_CHILDREN}
    problems = [Problem(label, "", f"one replication would simulate about {n:,} children, about "
                        f"{n / CHILDREN_PER_SECOND / 60:,.1f} min of one core, more than the "
                        f"{MAX_CHILDREN:,} (half a minute) run unasked; check the scenario's counts "
                        f"(three zeros too many?), or give {flag} to run it")
                for label, n in too_large.items()]
    if work.total > MAX_WORK:
        problems.append(Problem("replications", "", f"the run is {work.text()}, more than the "
                                f"{MAX_WORK:,} children allowed unasked; run fewer replications or years, "
                                f"or give {flag}", work.replications))
    return problems
