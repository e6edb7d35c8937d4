"""Code shared by the rule scripts: atomic outputs, history files, logging.

Every rule that imports this module lists it as an input, so editing it reruns
exactly those rules. It imports neither TensorFlow nor matplotlib.
"""

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Temporary outputs are named `.{name}.partial-{pid}{suffix}` next to their
# target (same file system, so the final rename is atomic).
PARTIAL_MARKER = ".partial-"


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{PARTIAL_MARKER}{os.getpid()}{path.suffix}")


def remove_stale_partials(path: Path) -> None:
    """Remove what a killed earlier job left while writing `path`.

    Safe: Snakemake never runs two jobs for the same output at once.
    """
    for stale in path.parent.glob(f".{path.name}{PARTIAL_MARKER}*"):
        stale.unlink(missing_ok=True)


def remove_partial_outputs(root: str | Path) -> list[Path]:
    """Remove every temporary output under `root`; return what was removed.

    Only safe while no job runs there: the Snakefile calls it from `onstart`,
    which Snakemake runs under its directory lock, before any job, and never
    inside a job.
    """
    removed = [path for path in Path(root).rglob(f".*{PARTIAL_MARKER}*") if path.is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; rename it to `path` only on success.

    A job killed mid-write leaves no file that looks finished: the rename is
    atomic on POSIX file systems.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(path)
    tmp = partial_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class History:
    """The training record of one run; arrays have one row per epoch 0..E."""

    epoch: np.ndarray  # (E+1,) int
    loss: np.ndarray  # (E+1,)
    pred: np.ndarray  # (E+1, n_samples, units)
    kernel: np.ndarray  # (E+1, 1, units)
    bias: np.ndarray | None  # (E+1, units), or None without a bias
    meta: dict[str, Any]

    @property
    def epochs(self) -> int:
        return int(self.epoch[-1])

    @property
    def label(self) -> str:
        return str(self.meta["label"])

    @property
    def title(self) -> str:
        """The optimizer's class name (as in the page's legend) unless a label was chosen."""
        class_name = str(self.meta["optimizer"]["class_name"])
        return class_name if self.label == class_name.lower() else self.label

    def first_non_finite_epoch(self) -> int | None:
        """The first epoch whose loss or outputs are NaN or infinite."""
        bad = ~np.isfinite(self.loss) | ~np.isfinite(self.pred).all(axis=(1, 2))
        return int(self.epoch[np.argmax(bad)]) if bad.any() else None


def save_history(path: str | Path, history: History) -> None:
    arrays: dict[str, np.ndarray] = {
        "epoch": history.epoch,
        "loss": history.loss,
        "pred": history.pred,
        "kernel": history.kernel,
        "meta": np.array(json.dumps(history.meta, sort_keys=True)),
    }
    if history.bias is not None:
        arrays["bias"] = history.bias
    with atomic_output(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, **arrays)


def load_history(path: str | Path) -> History:
    with np.load(path, allow_pickle=False) as npz:
        return History(
            epoch=npz["epoch"],
            loss=npz["loss"],
            pred=npz["pred"],
            kernel=npz["kernel"],
            bias=npz["bias"] if "bias" in npz.files else None,
            meta=json.loads(str(npz["meta"])),
        )


def log_to(path: str | Path) -> logging.Logger:
    """Send this process's stdout, stderr (also of C libraries) and logging to `path`."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s", force=True
    )
    return logging.getLogger("optimizer-animations")
