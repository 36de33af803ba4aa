"""``python -m sim.report``: see :mod:`sim.report.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
