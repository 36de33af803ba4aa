"""``python -m sim.app``: see :mod:`sim.app.cli`."""

import sys

from .cli import main

if __name__ == "__main__":  # a run's spawned worker processes import this module again: they must not serve
    sys.exit(main())
