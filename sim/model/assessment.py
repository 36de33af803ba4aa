"""Assessment of a notification (vurdering), within 24 hours.

The published share of notifications leads to a child protection
investigation. Repeat notifications join their case instead of being
assessed afresh, so among first notifications the share is higher:
``share_to_investigation / (1 - repeat_share)``. Of the rest, a share gets
early preventive advice (forebyggende rådgivning, § 11); the others end
without action.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from ..scenario.schema import Assessment as AssessmentParams
from .register import Register

if TYPE_CHECKING:
    from .child import Child
    from .ladder import Resume


class Assessment:
    """The 24-hour assessment of the first notification about a child."""

    def __init__(self, env: simpy.Environment, register: Register, params: AssessmentParams,
                 repeat_share: float):
        self.env = env
        self.register = register
        self.hours = params.hours.value
        self.to_investigation = params.share_to_investigation.value / (1.0 - repeat_share)
        """The share of first notifications that lead to an investigation."""
        self.early_preventive = params.share_early_preventive.value

    def assess(self, child: Child, resume: Resume | None = None) -> Generator[simpy.Event, None, str | None]:
        """Assess the child's notification; returns the next step (None: no action, the child leaves)."""
        self.register.set_state(child, "assessment")
        yield self.env.timeout(float(child.rng.random()) * self.hours / 24.0)
        u = float(child.rng.random())
        if u < self.to_investigation:
            return "investigation"
        if u < self.to_investigation + (1.0 - self.to_investigation) * self.early_preventive:
            return "preventive"
        self.register.exit(child, "no_action")
        return None
