"""Detection: how readily reporters report decides how many of the children in need are found.

Of the children with a need, a share ``p`` is reported, or applies, before
the need passes by itself (``need.<need>.found_share`` at the intensity of
the start). If reports about a child in need come at the rate ``ρ`` and an
unmet need passes at the rate ``r``, then ``p = ρ / (ρ + r)``; reporting
``m`` times as readily finds::

    p(m) = m ρ / (m ρ + r) = m p / (m p + 1 - p)

of them. So a reporting surge finds few more of the children needing a
placement (``p`` near 1: almost all are found anyway) and many more of those
with lighter needs. A child screened out while still in need is reported
again at the rate ``m ρ`` while its need lasts (``need.<need>.lasts_days``).
Switched off, the intensity changes the reports about children without need
only: no more children in need are found, and screened-out children are
reported again as at the start.
"""

from __future__ import annotations

from ...measures import IN_NEED
from ...scenario.schema import Need
from .mechanism import Inputs, Mechanism

MOST_FOUND = 0.999
"""A found share of 1 would mean an unmet need is reported again at once; it is taken as this."""


class Detection:
    """The children in need found, and reported again, at a reporting intensity."""

    def __init__(self, need: Need, on: bool = True):
        self.on = on
        self.found = {kind: min(need.of(kind).found_share.value, MOST_FOUND) for kind in IN_NEED}
        self.lasts = {kind: need.of(kind).lasts_days.value for kind in IN_NEED}

    def found_factor(self, need: str, intensity: float) -> float:
        """How many times as many children with ``need`` are found at ``intensity`` as at the start's 1."""
        p = self.found[need]
        if not self.on or p <= 0 or intensity == 1.0:  # exactly 1 at the start's intensity, not 1 +- rounding
            return 1.0
        return intensity / (intensity * p + 1.0 - p)

    def report_rate(self, need: str, intensity: float) -> float:
        """Reports per day about a child screened out while in need, at ``intensity``."""
        p = self.found[need]
        rate = p / (1.0 - p) / self.lasts[need]
        return rate * (intensity if self.on else 1.0)


def _build(inputs: Inputs) -> Detection:
    return Detection(inputs.section, inputs.on)


MECHANISM = Mechanism(
    name="detection",
    section="need",
    uses=(),
    reads=("reporting_intensity",),
    changes="how many of the children in need are found, and how soon a screened-out child in need is "
            "reported again",
    build=_build,
)
