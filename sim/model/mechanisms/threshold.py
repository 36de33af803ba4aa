"""The authority's threshold: the load on the caseworkers changes whether they act (a balancing loop).

Whether a report leads to an investigation, and an investigation to a
measure, is a judgement made by caseworkers under a legal deadline. An
overloaded team triages: it opens fewer investigations, decides fewer
measures and shortens its investigations; when capacity is freed the
threshold falls again. With the load ``caseload / reference caseload``::

    share = share at the reference x load ^ -elasticity      (never above 1)
    work days = work days x min(1, load ^ -shortening elasticity)

So an overloaded authority degrades (more children screened out, and so
reported again later; investigations shorter or late) but does not
explode: fewer new cases are opened while the caseload is high, and the
caseload stays bounded. The published share of notifications leading to
an investigation (28-29% in Ballerup 2016-2018) is an outcome of this
judgement at that load, not an input.
"""

from __future__ import annotations

from collections.abc import Callable

from ...scenario.schema import Assessment, Investigation
from ...scenario.schema import Threshold as ThresholdParams
from .mechanism import Inputs, Mechanism


class Threshold:
    """The shares investigated and given a measure, and the length of investigations, at the load of now."""

    def __init__(self, params: ThresholdParams, assessment: Assessment, investigation: Investigation,
                 caseload: Callable[[], float], on: bool = True):
        self.caseload = caseload
        self.reference = params.reference_caseload.value
        self.opening = params.opening_elasticity.value if on else 0.0
        self.measure = params.measure_elasticity.value if on else 0.0
        self.shortening = params.shortening_elasticity.value if on else 0.0
        self.investigated_at_reference = {
            need: getattr(assessment.investigated, need).value
            for need in type(assessment.investigated).model_fields
        }
        self.decided_at_reference = {
            need: getattr(investigation.measure_decided, need).value
            for need in type(investigation.measure_decided).model_fields
        }

    def load(self) -> float:
        """The caseload now over the reference caseload."""
        return max(self.caseload(), 1e-9) / self.reference

    def investigated(self, need: str) -> float:
        """The share of assessed children with ``need`` for whom an investigation is opened now."""
        return min(1.0, self.investigated_at_reference[need] * self.load() ** -self.opening)

    def measure_decided(self, need: str) -> float:
        """The share of investigations of a child with ``need`` that decide its measure now."""
        if need not in self.decided_at_reference:
            return 0.0
        return min(1.0, self.decided_at_reference[need] * self.load() ** -self.measure)

    def work_factor(self) -> float:
        """How much of an investigation's usual work is done now (1 at or below the reference load)."""
        return min(1.0, self.load() ** -self.shortening)


def _build(inputs: Inputs) -> Threshold:
    return Threshold(inputs.section, inputs.uses["assessment"], inputs.uses["investigation"],
                     inputs.signals["caseload"], inputs.on)


MECHANISM = Mechanism(
    name="threshold",
    section="threshold",
    uses=("assessment", "investigation"),
    reads=("caseload", "child"),
    changes="whether an assessment opens an investigation and an investigation decides a measure, "
            "and how long an investigation takes",
    build=_build,
)
