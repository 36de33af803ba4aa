"""Results are finite before anything is written: an infinite amount is a value the model cannot count.

The plausible bounds of :mod:`sim.scenario.plausible` keep every input
within what Danish runs need, and no product of them overflows; this is the
last guard, for an input combination nobody foresaw. A missing value (NaN,
"no wait measured: nobody waited") is an answer; an infinite one is not, except
the day a spell ends when it does not end within the horizon.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, Problem


def refuse_infinite(tables: Mapping[str, pd.DataFrame], where: str) -> None:
    """Raise :class:`InputError` naming each table and column of ``tables`` that holds an infinite number.

    In a long table (one with an ``outcome`` column, as the ensembles'
    outcomes) the outcomes are named instead of the column. A day (``*_day``)
    is ``inf`` by convention when it lies beyond the horizon (docs/tables.md)
    and is not checked.
    """
    problems = []
    for name, table in tables.items():
        numbers = table.select_dtypes("number")
        numbers = numbers[[column for column in numbers.columns if not str(column).endswith("_day")]]
        infinite = np.isinf(numbers.to_numpy(float))
        if not infinite.any():
            continue
        if "outcome" in table.columns:
            places = table.loc[infinite.any(axis=1), "outcome"].unique()
        else:
            places = numbers.columns[infinite.any(axis=0)]
        problems += [Problem(where, f"{name}.{place}", "is infinite: a value of the scenario is beyond what "
                             "the model can count; lower it") for place in places]
    if problems:
        raise InputError(problems, "cannot write the results")
