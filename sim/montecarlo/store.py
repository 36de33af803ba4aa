"""Finished replications on disk, batch by batch, so an interrupted ensemble resumes.

Each batch is written as Parquet the moment it finishes, first to a
temporary name and then renamed, so a batch file is either whole or absent
whatever happens to the process. Batches live in folders of their own
(``chunks/outcomes``, ``chunks/draws``) so that each reads as one dataset.
``ensemble.json`` holds what defines the ensemble (scenarios, seed, years,
uncertainty); a resume with other settings is refused rather than mixing
two ensembles in one folder. The number of replications is not part of
it: resuming with more replications extends an ensemble.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, Problem
from ..output.folders import write_atomically
from .replication import DRAW_COLUMNS, OUTCOME_COLUMNS

SPEC = "ensemble.json"
KINDS = ("outcomes", "draws")
KEYS = {
    "outcomes": ["scenario", "replication", "year", "outcome"],
    "draws": ["scenario", "replication", "path"],
}
"""What identifies a row of each kind of batch table."""
COLUMNS = {"outcomes": OUTCOME_COLUMNS, "draws": DRAW_COLUMNS}


def refuse_other_settings(folder: Path, spec: dict[str, Any]) -> None:
    """Refuse the ensemble in ``folder`` if it was started with settings other than ``spec``; reads only."""
    spec_file = Path(folder) / SPEC
    if not spec_file.exists():
        return
    found = json.loads(spec_file.read_text(encoding="utf-8"))
    differing = sorted(k for k in spec.keys() | found.keys() if spec.get(k) != found.get(k))
    if differing:
        raise InputError([
            Problem(str(spec_file), key, f"was {found.get(key)!r} when the ensemble was started; "
                    "resume with the same settings or start a new folder", spec.get(key))
            for key in differing
        ], "cannot resume: this folder holds another ensemble")


class Store:
    """The batches of one ensemble under ``folder``."""

    def __init__(self, folder: str | Path, spec: dict[str, Any]):
        self.folder = Path(folder)
        self.set_aside: list[str] = []
        """Batch files found damaged on opening, renamed ``*.damaged`` and to be run again."""
        spec_file = self.folder / SPEC
        if spec_file.exists():
            refuse_other_settings(self.folder, spec)
            self._drop_unfinished()
        else:
            for kind in KINDS:
                (self.folder / "chunks" / kind).mkdir(parents=True, exist_ok=True)
            write_atomically(spec_file, json.dumps(spec, indent=2, sort_keys=True).encode("utf-8"))

    def _drop_unfinished(self) -> None:
        """Remove what an interrupted batch left: partial files, and draws whose outcomes never came.

        A batch file that cannot be read (cut short by a full disk, damaged
        by a copy) is set aside, both its kinds renamed ``*.damaged`` and
        never deleted, so that its replications run again.
        """
        chunks = self.folder / "chunks"
        for partial in chunks.glob("*/*.partial"):
            partial.unlink()
        for damaged in sorted({f.name for kind in KINDS for f in (chunks / kind).glob("batch-*.parquet")
                               if not _readable(f)}):
            for kind in KINDS:
                if (chunks / kind / damaged).exists():
                    (chunks / kind / damaged).rename(chunks / kind / f"{damaged}.damaged")
                    self.set_aside.append(f"chunks/{kind}/{damaged}")
        done = {f.name for f in (chunks / "outcomes").glob("batch-*.parquet")}
        for orphan in (chunks / "draws").glob("batch-*.parquet"):
            if orphan.name not in done:
                orphan.unlink()

    def finished(self) -> set[tuple[str, int]]:
        """(scenario, replication) pairs whose batch was written whole."""
        done = self._read("outcomes", columns=["scenario", "replication"]).drop_duplicates()
        return {(str(s), int(r)) for s, r in zip(done["scenario"], done["replication"], strict=True)}

    def add(self, outcomes: pd.DataFrame, draws: pd.DataFrame, name: str) -> None:
        """Write one finished batch as ``name``; its outcomes last, since they mark the batch as done."""
        for kind, table in (("draws", draws), ("outcomes", outcomes)):
            path = self.folder / "chunks" / kind / f"{name}.parquet"
            write_atomically(path, table.to_parquet(index=False))

    def read(self, replications: int, scenarios: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Outcomes and draws of ``scenarios``, replications 0 to ``replications`` - 1, found on disk.

        A pair written twice (a batch rerun after a resume with another
        grouping) is kept once; its rows are the same, the seeds being the same.
        """
        found = []
        for kind in KINDS:
            table = self._read(kind)
            table = table[(table["replication"] < replications) & table["scenario"].isin(scenarios)]
            found.append(table.drop_duplicates(subset=KEYS[kind]))
        return found[0], found[1]

    def _read(self, kind: str, columns: list[str] | None = None) -> pd.DataFrame:
        """Every batch of ``kind`` (only ``columns``, if given); empty, with those or all columns, if none.

        Draws can be empty in every batch and their files gone, while the outcomes are there.
        """
        files = sorted((self.folder / "chunks" / kind).glob("batch-*.parquet"))
        if not files:
            return pd.DataFrame(columns=columns or COLUMNS[kind])
        return pd.concat([pd.read_parquet(f, columns=columns) for f in files], ignore_index=True)


def _readable(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file (its footer and every row group read)."""
    try:
        pq.read_table(path)
    except (OSError, pa.ArrowException):
        return False
    return True
