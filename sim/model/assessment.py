"""Assessment of a notification (vurdering), within 24 hours.

Each child newly notified (or notified again after being screened out) is
assessed. Whether an investigation is opened depends on what the child
needs (``assessment.investigated``) and on the authority's threshold at its
load of the moment (:mod:`sim.model.mechanisms.threshold`): so the share of
notifications that lead to an investigation comes out of who is reported
and how loaded the caseworkers are. Of the others, a share gets early
preventive advice (forebyggende rådgivning, § 11); the rest end without
action, and a child in need among them may be reported again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from ..scenario.schema import Assessment as AssessmentParams
from .mechanisms.threshold import Threshold
from .register import Register

if TYPE_CHECKING:
    from .child import Child
    from .ladder import Resume


class Assessment:
    """The 24-hour assessment of a notified child."""

    def __init__(self, env: simpy.Environment, register: Register, params: AssessmentParams,
                 threshold: Threshold, unmet: Callable[[Child], None]):
        self.env = env
        self.register = register
        self.hours = params.hours.value
        self.early_preventive = params.share_early_preventive.value
        self.threshold = threshold
        self.unmet = unmet
        """Called for a child who leaves without a measure (it may be reported again if in need)."""

    def assess(self, child: Child, resume: Resume | None = None) -> Generator[simpy.Event, None, str | None]:
        """Assess the child's notification; returns the next step (None: no action, the child leaves)."""
        self.register.set_state(child, "assessment")
        yield self.env.timeout(float(child.rng.random()) * self.hours / 24.0)
        investigated = self.threshold.investigated(child.need)
        u = float(child.rng.random())
        if u < investigated:
            return "investigation"
        if u < investigated + (1.0 - investigated) * self.early_preventive:
            return "preventive"
        self.register.exit(child, "no_action")
        self.unmet(child)
        return None
