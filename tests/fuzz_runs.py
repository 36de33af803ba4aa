"""Fuzzing whole runs: hostile scenario files through ``python -m sim run --years 1``, as a user would.

``tests/test_fuzz.py`` checks the loaders in this process. This script goes
further, through the command line a user meets: each generated scenario
file is run in a fresh folder of its own, and what comes back is counted:

- ``ran``: exit 0, its tables written to ``--out``;
- ``refused``: exit 2 with the project's own error, nothing written (no
  ``--out`` folder, nothing else in the folder it ran in);
- ``traceback``: a Python traceback on stderr, whatever the exit status;
- ``over 60 s``: still running after 60 seconds (then stopped);
- ``wrote on refusal``: refused, but something was written.

The files (320 by default) are, in turn:

- each numeric parameter of the default set to a hostile magnitude (huge,
  tiny, negative, zero, infinite, not a number, just inside or past its
  bound), as an overlay that extends ``ballerup_2017``;
- the magnitudes the adversarial trial of issue 26 used, each by name;
- a municipality from its population alone (a profile file), from a
  village to past the whole country, and nonsense populations;
- keys nested 15, 16, 17 and 600 levels deep;
- the shipped files damaged by the mutations of ``tests/test_fuzz.py``.

Run it from a checkout: ``python tests/fuzz_runs.py [--files 320] [--seed 0]``.
It prints one line per outcome and the totals, and exits 1 if any file
gave a traceback, ran over 60 s or wrote on refusal. It takes about ten
minutes on 2 cores and is not part of the test suite.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_fuzz import SCENARIO_FILES, as_file, scenario_inputs  # noqa: E402

import sim  # noqa: E402
from sim.scenario.parameters import parameters  # noqa: E402
from sim.scenario.plausible import PLAUSIBLE  # noqa: E402

LIMIT = 60.0
"""Seconds a run may take before it counts as a hang."""
HOSTILE = ("1e20", "1e308", "inf", "-inf", "nan", "-1", "0", "5e-324", "1e9", "100000000", "1000000",
           "1e15")
"""Magnitudes tried on every numeric parameter, besides its own bound and just past it."""
TRIAL = {
    "caseworkers.count": "1e20",
    "notification.per_year": "1e308",
    "initial.investigations": "100000000",
    "follow_up.placement_interval_days": "1e308",
    "prices.residential_institution.price_per_year": "1e308",
}
"""What the adversarial trial of issue 26 found to hang, crash or write infinite results (item 2-4)."""
PROFILES = ("1000", "15000", "150000", "600000", "1000000", "1300000", "1500000", "2000000", "2500000",
            "1e20", "inf", "nan", "-1", "0", "15_000.5")
"""Populations of a profile file: the plausible, Copenhagen's, the nation's, past its bound, and nonsense."""
HEAD = '[scenario]\nextends = "ballerup_2017"\nname = "fuzzed"\n'


def overlay(assignments: dict[str, str]) -> bytes:
    """A scenario extending the default, with ``path = value`` for each assignment (dotted keys first)."""
    return ("".join(f"{path} = {value}\n" for path, value in assignments.items()) + HEAD).encode()


def magnitude_files(count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """Numeric parameters set to hostile values; the trial's own values, each once."""
    numeric = [p for p in parameters(sim.load_scenario("ballerup_2017"))
               if isinstance(p.value.value, float | int)]
    files = [(f"trial {path}={value}", overlay({f"{path}.value": value})) for path, value in TRIAL.items()]
    while len(files) < count:
        parameter = rng.choice(numeric)
        bound = PLAUSIBLE.get(parameter.unit)
        values = [*HOSTILE, *([repr(float(bound.most)), repr(bound.most * 1.5)] if bound else [])]
        value = rng.choice(values)
        files.append((f"{parameter.path}={value}", overlay({f"{parameter.path}.value": value})))
    return files


def profile_files() -> list[tuple[str, bytes]]:
    """A municipality from its population alone, from a village to past the whole country."""
    head = '[scenario]\nname = "fuzzed"\nstart_date = 2017-01-01\n[municipality]\nname = "Fuzz"\n'
    return [(f"profile children_0_22={size}", f"{head}children_0_22 = {size}\n".encode())
            for size in PROFILES]


def deep_files() -> list[tuple[str, bytes]]:
    """Keys nested around the limit of 16 levels, and far past it."""
    return [(f"nested {depth} deep", overlay({"caseworkers." + "z." * (depth - 2) + "z": "1"}))
            for depth in (15, 16, 17, 600)]


def damaged_files(count: int) -> list[tuple[str, bytes]]:
    """The shipped files mutated as tests/test_fuzz.py mutates them, derandomized."""
    found: list[bytes] = []
    strategy = scenario_inputs(SCENARIO_FILES[0])

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(content):
        found.append(as_file(content))

    collect()
    return [(f"mutated {i}", content) for i, content in enumerate(found[:count])]


def run_one(label: str, content: bytes) -> tuple[str, str, float]:
    """(outcome, label, seconds) of ``python -m sim run`` on ``content`` in a new folder."""
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        (here / "fuzzed.toml").write_bytes(content)
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "sim", "run", "--scenario", "fuzzed.toml", "--years", "1", "--out",
                 "out"],
                cwd=here, capture_output=True, text=True, timeout=LIMIT)
        except subprocess.TimeoutExpired:
            return "over 60 s", label, time.monotonic() - started
        seconds = time.monotonic() - started
        if "Traceback" in done.stderr:
            return "traceback", f"{label}: {done.stderr.strip().splitlines()[-1]}", seconds
        written = sorted(p.name for p in here.iterdir() if p.name != "fuzzed.toml")
        if done.returncode == 0:
            return ("ran" if written == ["out"] else "ran, wrote elsewhere"), label, seconds
        if done.returncode == 2:
            return ("refused" if not written else "wrote on refusal"), label, seconds
        return f"exit {done.returncode}", f"{label}: {done.stderr.strip()[-200:]}", seconds


def main() -> int:
    """Generate, run and count; exit 1 on any traceback, hang or write on refusal."""
    top = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    top.add_argument("--files", type=int, default=320)
    top.add_argument("--seed", type=int, default=0)
    top.add_argument("--workers", type=int, default=2)
    args = top.parse_args()
    rng = random.Random(args.seed)
    fixed = [*profile_files(), *deep_files()]
    damaged = damaged_files(args.files // 3)
    files = [*magnitude_files(args.files - len(fixed) - len(damaged), rng), *fixed, *damaged]
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        for outcome, label, seconds in pool.map(lambda f: run_one(*f), files):
            outcomes[outcome] += 1
            slowest = max(slowest, seconds)
            if outcome not in ("ran", "refused"):
                print(f"{outcome}: {label} ({seconds:.1f} s)", flush=True)
    print(f"{len(files)} files: " + ", ".join(f"{n} {outcome}" for outcome, n in outcomes.most_common())
          + f"; slowest {slowest:.1f} s")
    return 0 if set(outcomes) <= {"ran", "refused"} else 1


if __name__ == "__main__":
    sys.exit(main())
