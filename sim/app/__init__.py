"""A planner's web app: set up a scenario, run it, compare, take the results to the committee.

``python -m sim.app`` serves it on this machine only (127.0.0.1) and prints
the address. It holds no model logic: the levers are scenario parameters
checked by the scenario format, a run is an experiment run by
:mod:`sim.experiments`, and the charts, workbook and HTML report are those
of :mod:`sim.report`. Its files live in a workspace folder
(:mod:`sim.app.workspace`), usable from the command line too.
"""
