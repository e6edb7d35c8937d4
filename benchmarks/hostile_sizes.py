"""Issue 43's size probes: small configs that took gigabytes or hours.

    python benchmarks/hostile_sizes.py [--only NAME ...] [--markdown]

Each probe runs in a fresh copy of the workflow: `snakemake --cores 2` (the
whole workflow) for those that should complete, `snakemake -n` for those that
should be refused. Reported: whether it was refused (and the message's
start), the wall time, and the peak resident memory of the largest process
(Snakemake or one of its jobs: testing.snakemake_peak). The issue's target: each
refused within 15 s and 1 GB, or complete within 2 GB.
"""

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from optimizer_animations.testing import copy_workflow, snakemake_peak


def big_csv(workdir: Path) -> None:
    (workdir / "big.csv").write_text("a,b\n" + "1,2\n" * 4_000_000)  # 16 MiB


def points_csv(workdir: Path) -> None:
    rows = "".join(f"{i / 100},{i / 50}\n" for i in range(500))
    (workdir / "points.csv").write_text("x,y\n" + rows)


def csv_experiment(x: list[str], y: list[str], path: str = "big.csv") -> dict:
    return {
        "epochs": 5,
        "use_bias": True,
        "init": {"seed": 0},
        "data": {"csv": path, "x": x, "y": y},
        "optimizers": ["SGD"],
    }


def landscape(epochs: int, **settings) -> dict:
    return {"experiments": {"l": {"epochs": epochs, "function": "rosenbrock", **settings}}}


GRID = {
    "learning_rate": [float(f"{v:.3g}") for v in np.geomspace(1e-4, 1e-2, 40)],
    "momentum": [float(f"{v:.3g}") for v in np.linspace(0.0, 0.98, 50)],
}

# name -> (config, files it needs, and `-n` or `--cores 2`: a refusal or a
# plan is checked by a dry run, the rest run whole)
PROBES: dict[str, tuple[dict, Callable[[Path], None] | None, bool]] = {
    "16 MiB CSV of 4 million rows": (
        {"experiments": {"e": csv_experiment(["a"], ["b"])}},
        big_csv,
        True,
    ),
    "the same, one column as x and y": (
        {"experiments": {"e": csv_experiment(["a"], ["a"])}},
        big_csv,
        True,
    ),
    "40 experiments naming one CSV (dry run)": (
        {"experiments": {f"e{i}": csv_experiment(["x"], ["y"], "points.csv") for i in range(40)}},
        points_csv,
        True,  # planned, not refused: the parse's cost
    ),
    "frames every step of 499 (landscape)": (
        landscape(499, optimizers=["SGD", "Adam"]) | {"frames": {"every": 1}},
        None,
        False,
    ),
    "frames every step of 1,999 (landscape)": (
        landscape(1999, optimizers=["SGD", "Adam"]) | {"frames": {"every": 1}},
        None,
        True,
    ),
    "1,000,000 steps with state and vectors, every 5,000": (
        landscape(
            1_000_000,
            optimizers=[{"name": "SGD", "learning_rate": 1e-4}],
            vectors={"show": ["gradient", "update"]},
        )
        | {"frames": {"every": 5000}},
        None,
        False,
    ),
    "20,000 generated samples x 16 inputs": (
        {
            "init": {"seed": 0},
            "data": {"generate": "linear", "samples": 20_000, "inputs": 16},
            "experiments": {"e": {"epochs": 2, "use_bias": True, "optimizers": ["SGD", "Adam"]}},
        },
        None,
        False,
    ),
    "20,000 samples, batch 1, 249 epochs, 10 seeds": (
        {
            "init": {"seed": 0},
            "data": {"generate": "linear", "samples": 20_000},
            "experiments": {
                "e": {
                    "epochs": 249,
                    "use_bias": True,
                    "batch_size": 1,
                    "seeds": {"count": 10},
                    "optimizers": ["SGD"],
                }
            },
        },
        None,
        True,
    ),
    "a 40 x 50 grid with an explorer (landscape, 100 steps)": (
        {"max_runs": 5000}
        | landscape(100, explorer=True, optimizers=[{"name": "SGD", "grid": GRID}]),
        None,
        False,
    ),
}


def run(name: str, root: Path) -> tuple[str, float, float]:
    config, files, dry_run = PROBES[name]
    workdir = copy_workflow(root / "wf", config)
    if files is not None:
        files(workdir)
    args = ["-n"] if dry_run else ["--cores", "2"]
    start = time.perf_counter()
    code, text, peak = snakemake_peak(workdir, *args)
    seconds = time.perf_counter() - start
    said = next((line for line in text.splitlines() if "invalid config" in line), "")
    outcome = "refused: " + said[:160] if code else ("planned" if dry_run else "completed")
    return outcome, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="probe names (a part is enough)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    names = [n for n in PROBES if not args.only or any(part in n for part in args.only)]
    if args.markdown:
        print("| probe | outcome | wall time | peak memory |\n|---|---|---:|---:|")
    for name in names:
        with tempfile.TemporaryDirectory() as folder:
            outcome, seconds, peak = run(name, Path(folder))
        if args.markdown:
            print(f"| {name} | {outcome} | {seconds:.1f} s | {peak:,.0f} MB |")
        else:
            print(f"{name}: {outcome}; {seconds:.1f} s, {peak:,.0f} MB", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
