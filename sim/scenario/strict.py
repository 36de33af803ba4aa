"""The base of every input file's model: unknown keys and loose types are errors.

A misspelt key in an experiment file must not be ignored silently, and
"12" is not 12: a planner who writes either gets an error naming the field.
Neither is infinity or not-a-number a figure (``values = {2017 = nan}``,
``unit_kr = inf``).
"""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown keys, loose types and non-finite numbers are errors; a loaded file stays as it was read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
