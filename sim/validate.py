"""``python -m sim.validate``: see :mod:`sim.calibration.cli`."""

import sys

from .calibration.cli import validate_main

if __name__ == "__main__":  # process-pool workers import this module too
    sys.exit(validate_main())
