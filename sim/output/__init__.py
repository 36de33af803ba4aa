"""What a replication gives a user: its money, its tables, a result folder, a run's manifest and its words.

Everything here is derived from the records a replication leaves
(:mod:`sim.model.records`); nothing here changes the model. The words
(:mod:`sim.output.words`) are the one Danish/English table every screen uses.
"""
