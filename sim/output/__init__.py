"""What a replication gives a user: its money, its tables, a result folder and the manifest of a run.

Everything here is derived from the records a replication leaves
(:mod:`sim.model.records`); nothing here changes the model.
"""
