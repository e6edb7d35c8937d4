"""What checking the histories costs every `snakemake` start (issues 19, 20).

    python benchmarks/history_check.py [--runs 1000] [--repeats 5]

Writes `--runs` histories shaped like config/sweep.yaml's (the page's model
with a bias, 500 epochs) into a temporary folder, then times, as medians of
--repeats, the three steps of records.meta.history_damage over all of
them: the zip structure alone, plus every member's CRC, plus parsing `meta`
into a RunMeta (the whole check).
"""

import argparse
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from optimizer_animations.records.history import History, save_history
from optimizer_animations.records.meta import HISTORY_MEMBERS, history_damage


def sweep_history(index: int, epochs: int = 500) -> History:
    rng = np.random.default_rng(index)
    return History(
        epoch=np.arange(epochs + 1),
        loss=rng.random(epochs + 1).astype(np.float32),
        arrays={
            "pred": rng.random((epochs + 1, 1, 3)).astype(np.float32),
            "kernel": rng.random((epochs + 1, 1, 3)).astype(np.float32),
            "bias": rng.random((epochs + 1, 3)).astype(np.float32),
        },
        meta={
            "experiment": "lr_sweep",
            "label": f"sgd-lr0.1-s{index}",
            "setting": "sgd-lr0.1",
            "family": "sgd",
            "grid": {"learning_rate": 0.1},
            "seed": index,
            "arguments": {"learning_rate": 0.1},
            "optimizer": {"class_name": "SGD", "config": {"name": "sgd", "learning_rate": 0.1}},
            "epochs": epochs,
            "use_bias": True,
            "init": {"seed": index, "kernel": [[0.1, 0.2, 0.3]], "bias": [0.0, 0.0, 0.0]},
            "data": {"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]},
        },
    )


def structure(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert all(name in archive.namelist() for name in HISTORY_MEMBERS)


def checksums(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


def median_seconds(step, paths: list[Path], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for path in paths:
            step(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder, f"{i}.npz") for i in range(args.runs)]
        for index, path in enumerate(paths):
            save_history(path, sweep_history(index))
        results = {
            "zip structure": median_seconds(structure, paths, args.repeats),
            "structure + CRCs": median_seconds(checksums, paths, args.repeats),
            "whole check (+ meta)": median_seconds(
                lambda path: history_damage(path) is None or 1 / 0, paths, args.repeats
            ),
        }
    whole = results["whole check (+ meta)"]
    print(f"{args.runs} histories, median of {args.repeats}:")
    for name, seconds in results.items():
        print(f"  {name:22s} {seconds:6.3f} s  ({seconds / whole:.2f} of the whole check)")


if __name__ == "__main__":
    main()
