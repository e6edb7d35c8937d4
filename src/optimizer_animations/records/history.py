"""A run's record: `history.npz`, its arrays and `meta`; reading one that
may be damaged. No TensorFlow or matplotlib here."""

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer_animations.files import atomic_output

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
