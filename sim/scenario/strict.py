"""The base of every input file's model: unknown keys and loose types are errors.

A misspelt key in an experiment file must not be ignored silently, and
"12" is not 12: a planner who writes either gets an error naming the field.
"""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown keys and loose types are errors; a loaded file cannot be changed by accident."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
