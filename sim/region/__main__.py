"""``python -m sim.region``: see :mod:`sim.region.cli`."""

import sys

from .cli import main

if __name__ == "__main__":  # process-pool workers import this module too
    sys.exit(main())
