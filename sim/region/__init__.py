"""Several municipalities in one ensemble: a region file, its run and the region's sums (docs/region.md)."""

from __future__ import annotations

from .definition import BASELINE, LoadedRegion, load_region
from .run import region_outcomes, region_tables, run_region, run_region_ensemble

__all__ = ["BASELINE", "LoadedRegion", "load_region", "region_outcomes", "region_tables", "run_region",
           "run_region_ensemble"]
