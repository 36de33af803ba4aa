"""The ``[sensitivity]`` table of an experiment file: what to vary, how, and which answers to explain.

Kept apart from the experiment file's other tables so that the analysis
can be used without the experiments package, and documented field by
field in docs/sensitivity.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..scenario.strict import Strict


class Answer(Strict):
    """One number a sensitivity analysis explains: an outcome of a variant in a year, or its saving."""

    label: str = Field(min_length=1, description="What the number is, as tables and charts name it.")
    outcome: str = Field(min_length=1, description="The outcome (an exact name).")
    variant: str = Field(min_length=1, description="Label of the variant.")
    kind: Literal["level", "difference"] = Field(
        "level", description="The variant's value, or its paired difference from the baseline."
    )
    year: int | None = Field(None, description="Calendar year; default the horizon's last.")


class Sensitivity(Strict):
    """Which assumptions drive the answers: Morris screening of all, then Sobol indices of the strongest."""

    parameters: list[str] = Field(
        default_factory=lambda: ["*"], min_length=1,
        description="Patterns of the assumptions varied (dotted paths, * and ? allowed); default all.")
    replications: int = Field(2, ge=1, description="Replications per design point, with the same seeds at "
                              "every point (common random numbers).")
    trajectories: int = Field(10, ge=2, description="Morris trajectories.")
    levels: int = Field(4, ge=2, description="Morris grid levels across each range (an even number).")
    sobol_parameters: int = Field(10, ge=0, description="How many of the strongest assumptions after "
                                  "screening get Sobol indices; 0 for screening only.")
    samples: int = Field(64, ge=2, description="Sobol base samples (a power of 2).")
    confidence: float = Field(0.95, gt=0, lt=1, description="Level of the confidence intervals.")
    answer: list[Answer] = Field(min_length=1, description="The numbers to explain.")

    @field_validator("levels")
    @classmethod
    def _even(cls, levels: int) -> int:
        if levels % 2:
            raise ValueError(f"got {levels}; Morris needs an even number of levels, such as 4")
        return levels

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, samples: int) -> int:
        if samples & (samples - 1):
            raise ValueError(f"got {samples}; Sobol sampling needs a power of 2, such as 64")
        return samples
