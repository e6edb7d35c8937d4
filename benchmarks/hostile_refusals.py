"""How fast and small each hostile config is refused (issue 19: within 2 s and 300 MB).

    python benchmarks/hostile_refusals.py [--repeats 5] [--markdown]

Every probe of tests/hostile_probes.py (PROBES) through check_config,
the check that Snakemake runs while it parses: the median wall time over
--repeats, and the peak of Python's allocations (tracemalloc, one more run).
"""

import argparse
import importlib.util
import statistics
import time
import tracemalloc
from pathlib import Path

from optimizer_animations.config.check import ConfigError, check_config

ROOT = Path(__file__).resolve().parent.parent


def load_probes() -> list:
    """tests/hostile_probes.py's PROBES, loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        "hostile_probes", ROOT / "tests/hostile_probes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PROBES


def refuse(config) -> str:
    try:
        check_config(config)
    except ConfigError as error:
        return str(error)
    raise AssertionError("accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = []
    for name, config, _ in load_probes():
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            refuse(config)
            seconds.append(time.perf_counter() - start)
        tracemalloc.start()
        refuse(config)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append((name, statistics.median(seconds), peak / 2**20))
    if args.markdown:
        print("| probe | median refusal | peak allocations |\n|---|---|---|")
    for name, seconds, peak in rows:
        line = f"{name} | {seconds * 1000:.1f} ms | {peak:.1f} MB"
        print(f"| {line} |" if args.markdown else line)
    print(
        f"slowest {max(r[1] for r in rows) * 1000:.0f} ms, largest {max(r[2] for r in rows):.1f} MB"
        f" over {len(rows)} probes"
    )


if __name__ == "__main__":
    main()
