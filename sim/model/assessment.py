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

if TYPE_CHECKING:
    from .child import Child
    from .wiring import Model


def assess(model: Model, child: Child, resume: object = None) -> Generator[simpy.Event, None, str | None]:
    """Assess the first notification about a child; returns the next step."""
    params = model.scenario.assessment
    model.set_state(child, "assessment")
    yield model.env.timeout(float(child.rng.random()) * params.hours.value / 24.0)
    to_investigation = params.share_to_investigation.value / (
        1.0 - model.scenario.notification.repeat_share.value
    )
    u = float(child.rng.random())
    if u < to_investigation:
        return "investigation"
    if u < to_investigation + (1.0 - to_investigation) * params.share_early_preventive.value:
        return "preventive"
    model.exit(child, "no_action")
    return None
