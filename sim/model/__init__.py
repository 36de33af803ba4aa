"""The engine: one replication of a municipality's child welfare system as a SimPy model.

:func:`simulate` builds the parts (see :mod:`sim.model.wiring`) and runs
them; everything a run leaves is in its :class:`~sim.model.records.Records`.
"""

from .wiring import Model, simulate

__all__ = ["Model", "simulate"]
