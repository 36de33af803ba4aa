"""``python -m sim.calibrate``: see :mod:`sim.calibration.cli`."""

import sys

from .calibration.cli import calibrate_main

if __name__ == "__main__":  # process-pool workers import this module too
    sys.exit(calibrate_main())
