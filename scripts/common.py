"""Code shared by the rule scripts: atomic outputs, history files, logging.

Every rule that imports this module lists it as an input, so editing it reruns
exactly those rules. It imports neither TensorFlow nor matplotlib.
"""

import json
import logging
import os
import re
import socket
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Grid arguments' short names in run names and legends (`adam-lr0.01`).
GRID_ABBREVIATIONS = {"learning_rate": "lr"}


def grid_name(argument: str, value: Any) -> str:
    """A grid value as a part of a run's name: `lr0.01`."""
    text = f"{value:g}" if isinstance(value, float) else str(value).lower()
    return f"{GRID_ABBREVIATIONS.get(argument, argument)}{text}"


# Temporary outputs are named `.{name}.partial-{host}-{pid}{suffix}` next to
# their target (same file system, so the final rename is atomic). The host and
# process say whether their writer still runs; files from before had no host.
PARTIAL_MARKER = ".partial-"
PARTIAL_WRITER = re.compile(r"\.partial-(?:(?P<host>.+)-)?(?P<pid>\d+)(?:\.[^.]*)?$")
HOST = socket.gethostname()


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{PARTIAL_MARKER}{HOST}-{os.getpid()}{path.suffix}")


def remove_stale_partials(path: Path) -> None:
    """Remove what a killed earlier job left while writing `path`.

    Safe: Snakemake never runs two jobs for the same output at once.
    """
    for stale in path.parent.glob(f".{path.name}{PARTIAL_MARKER}*"):
        stale.unlink(missing_ok=True)


def writer_is_gone(partial: Path) -> bool:
    """Whether the process that was writing `partial` on this machine has ended.

    A file written on another machine (a cluster node) is never judged here.
    """
    match = PARTIAL_WRITER.search(partial.name)
    if match is None or match["host"] not in (None, HOST):
        return False
    try:
        os.kill(int(match["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def remove_partial_outputs(root: str | Path) -> list[Path]:
    """Remove the temporary outputs under `root` whose writer has ended.

    Safe at any time, even while another Snakemake runs jobs there: a job's
    own temporary file has a live writer. The Snakefile calls it as it
    starts; a job removes its own outputs' leftovers when it writes them.
    """
    removed = [
        path
        for path in Path(root).rglob(f".*{PARTIAL_MARKER}*")
        if path.is_file() and writer_is_gone(path)
    ]
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


# The per-epoch arrays of a history that hold parameters, in their flat order
# (`History.params`): the page's model's weights, a landscape's position.
PARAMETER_KEYS = ("kernel", "bias", "position")
# Written after `meta`, as files written before problems existed have them,
# so that a history file's bytes do not change.
KEYS_AFTER_META = ("bias",)


@dataclass(frozen=True)
class History:
    """The training record of one run; arrays have one row per epoch 0..E.

    `arrays` holds what the run's problem records per epoch under the file's
    keys: `pred`, `kernel` and (with a bias) `bias` for the page's model.
    """

    epoch: np.ndarray  # (E+1,) int
    loss: np.ndarray  # (E+1,)
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]

    @property
    def pred(self) -> np.ndarray | None:  # (E+1, n_samples, units)
        return self.arrays.get("pred")

    @property
    def kernel(self) -> np.ndarray | None:  # (E+1, 1, units)
        return self.arrays.get("kernel")

    @property
    def bias(self) -> np.ndarray | None:  # (E+1, units), or None without a bias
        return self.arrays.get("bias")

    @property
    def params(self) -> np.ndarray:
        """Every parameter after each epoch, flat: (E+1, P)."""
        return np.concatenate(
            [
                self.arrays[key].reshape(len(self.epoch), -1)
                for key in PARAMETER_KEYS
                if key in self.arrays
            ],
            axis=1,
        )

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
        tuned = self.meta.get("tuned")
        if tuned:  # every seed's run of a tuned entry: `Adam (lr 0.126, best of 32)`
            family = self.meta["family"]
            name = class_name if family == class_name.lower() else family
            points = tuned["learning_rate_grid"]["points"]
            return f"{name} (lr {tuned['learning_rate']:.3g}, best of {points})"
        return class_name if self.label == class_name.lower() else self.label

    def first_non_finite_epoch(self) -> int | None:
        """The first epoch whose loss or any recorded array is NaN or infinite."""
        bad = ~np.isfinite(self.loss)
        for values in self.arrays.values():
            bad |= ~np.isfinite(values.reshape(len(self.epoch), -1)).all(axis=1)
        return int(self.epoch[np.argmax(bad)]) if bad.any() else None


def save_history(path: str | Path, history: History) -> None:
    arrays: dict[str, np.ndarray] = {"epoch": history.epoch, "loss": history.loss}
    arrays |= {k: v for k, v in history.arrays.items() if k not in KEYS_AFTER_META}
    arrays["meta"] = np.array(json.dumps(history.meta, sort_keys=True))
    arrays |= {k: v for k, v in history.arrays.items() if k in KEYS_AFTER_META}
    with atomic_output(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, **arrays)


class DamagedResult(ValueError):
    """A result file that cannot be read: rebuilt, never trusted."""


def load_history(path: str | Path) -> History:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return History(
                epoch=npz["epoch"],
                loss=npz["loss"],
                arrays={key: npz[key] for key in npz.files if key not in ("epoch", "loss", "meta")},
                meta=json.loads(str(npz["meta"])),
            )
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise DamagedResult(
            f"{path} cannot be read ({type(error).__name__}: {error}); the next"
            " `snakemake` run removes it and retrains its run"
        ) from error


# What every history.npz holds, whatever its problem.
HISTORY_MEMBERS = ("epoch.npy", "loss.npy", "meta.npy")


def history_damage(path: str | Path) -> str | None:
    """Why the history file at `path` cannot be read (None: it can), from its
    zip structure and every member's checksum, without loading it."""
    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in HISTORY_MEMBERS if name not in archive.namelist()]
            if missing:
                return f"it has no {', '.join(missing)}"
            broken = archive.testzip()
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        return f"{type(error).__name__}: {error}"
    return f"the checksum of {broken} does not match" if broken else None


def remove_damaged_histories(paths: list[str | Path]) -> list[tuple[Path, str]]:
    """Remove every existing history of `paths` that cannot be read, so that
    Snakemake sees it missing and retrains its run; return them and why.

    A history is a result: it can always be rebuilt, and one that is not
    whole would otherwise fail every job that reads it, on every run.
    """
    removed = []
    for path in map(Path, paths):
        if path.is_file() and (why := history_damage(path)) is not None:
            path.unlink()
            removed.append((path, why))
    return removed


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
