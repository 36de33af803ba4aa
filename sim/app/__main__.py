"""``python -m sim.app``: see :mod:`sim.app.cli`."""

import sys

from .cli import main

sys.exit(main())
