"""Global sensitivity analysis: which assumption drives the answer.

Much of the model is not published (durations, transition shares, the
caseload effect, prices): each such number is an assumption with a range.
An experiment with a ``[sensitivity]`` table asks, for a few answers (the
net saving of a staffing case, placements at 31 December, a median wait),
which of those assumptions the answer hangs on: Morris screening of all of
them, then Sobol first- and total-order indices of the strongest, with
confidence intervals, sampled and analysed by SALib. See
``docs/sensitivity.md``.
"""

from .study import COLUMNS, FOLDER, SensitivityResult, run_sensitivity

__all__ = ["COLUMNS", "FOLDER", "SensitivityResult", "run_sensitivity"]
