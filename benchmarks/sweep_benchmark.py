"""Cold wall time and peak memory of sweeps of 1, 10, 100 and 1,000 runs.

    python benchmarks/sweep_benchmark.py [--sizes 1 10 100 1000] [--minibatch] [--json out.json]

Each size runs in a fresh copy of the workflow (no .snakemake/), with
`snakemake --cores 4 --configfile sweep.yaml --replace-workflow-config`:
500 epochs per run, one frames+GIF run per optimizer, the aggregate plots and
summary.csv. Peak memory is the largest resident size of any one process
(the training job). Target (issue 6): 1,000 runs in under 60 s, under 2 GB.

`--minibatch` sweeps minibatch runs instead (issue 23): 256 generated samples
of the two-weight regression, batch 16, 20 epochs (320 updates a run), every
update recorded; the training split into jobs of 200 runs (`runs_per_job`)
so that the cores share it. Target: 1,000 runs in under 60 s, under 2 GB.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from optimizer_animations.testing import copy_workflow

REPO = Path(__file__).resolve().parent.parent


OPTIMIZERS = ["SGD", "Adam", "RMSprop", "Adagrad", "Nadam"]
RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
# runs -> (optimizers, learning rates, seeds)
SHAPES = {1: (1, [0.01], 1), 10: (5, [0.01, 0.1], 1), 100: (5, RATES, 2), 1000: (5, RATES, 20)}


# The minibatch sweep's runs per training job: one job per optimizer (200 runs).
MINIBATCH_RUNS_PER_JOB = 200


def sweep(runs: int, minibatch: bool = False) -> dict:
    optimizers, grid, seeds = SHAPES[runs]
    config = yaml.safe_load((REPO / "config" / "sweep.yaml").read_text())
    experiment = config["experiments"]["lr_sweep"]
    if minibatch:
        config["init"] = {"seed": 0}
        config["data"] = {"generate": "linear", "samples": 256, "noise": 0.5, "seed": 0}
        config["frames"]["every"] = 5
        experiment.update(epochs=20, batch_size=16, runs_per_job=MINIBATCH_RUNS_PER_JOB)
    experiment["seeds"] = {"count": seeds}
    experiment["optimizers"] = [
        {"name": name, "grid": {"learning_rate": grid}} for name in OPTIMIZERS[:optimizers]
    ]
    experiment["animate"] = [f"{name.lower()}-lr{grid[0]:g}-s0" for name in OPTIMIZERS[:optimizers]]
    return config


def measure(runs: int, minibatch: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        copy_workflow(workdir)
        (workdir / "sweep.yaml").write_text(yaml.safe_dump(sweep(runs, minibatch)))
        command = [
            sys.executable,
            "-c",
            "import resource, subprocess, sys;"
            "code = subprocess.call(sys.argv[1:]);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)",
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "4",
            "--configfile",
            "sweep.yaml",
            "--replace-workflow-config",
            "--quiet",
            "all",
        ]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(
                f"{runs} runs failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        histories = len(list((workdir / "results" / "lr_sweep").glob("*/history.npz")))
        assert histories == runs, (histories, runs)
        return {
            "runs": runs,
            "seconds": seconds,
            "peak_mb": int(result.stdout.split()[-1]) / 1024,
            "results_mb": sum(
                p.stat().st_size for p in (workdir / "results").rglob("*") if p.is_file()
            )
            / 2**20,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=sorted(SHAPES), choices=sorted(SHAPES)
    )
    parser.add_argument("--minibatch", action="store_true", help="minibatch runs (issue 23)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [measure(runs, args.minibatch) for runs in args.sizes]
    print(f"{'runs':>6} {'cold s':>8} {'s/run':>7} {'peak MB':>8} {'results MB':>11}")
    for row in rows:
        print(
            f"{row['runs']:>6} {row['seconds']:8.1f} {row['seconds'] / row['runs']:7.3f}"
            f" {row['peak_mb']:8.0f} {row['results_mb']:11.1f}"
        )
    biggest = rows[-1]
    if biggest["runs"] == 1000:
        met = biggest["seconds"] < 60 and biggest["peak_mb"] < 2048
        print(f"{'met' if met else 'MISSED'}: 1,000 runs under 60 s and 2 GB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
