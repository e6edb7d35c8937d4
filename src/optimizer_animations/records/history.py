"""A run's record: `history.npz`, its arrays and `meta`; reading one that
may be damaged. No TensorFlow or matplotlib here."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer_animations.files import atomic_output
from optimizer_animations.records.meta import UNREADABLE, DamagedResult, RunMeta

# The per-epoch arrays of a history that hold parameters, in their flat order
# (`History.params`): the page's model's weights, a landscape's position.
PARAMETER_KEYS = ("kernel", "bias", "position")
# A minibatch run's records per update, and a noisy landscape run's noise
# (README, "What you get"): not one row per epoch.
STEP_KEYS = ("order", "step_params", "step_loss", "noise")
# The optimizer's inside, per update (training/state.py records it):
# `state.<Keras name>` (S+1, ...), `gradient` (S, P), `learning_rate` (S,).
STATE_PREFIX = "state."
GRADIENT = "gradient"
LEARNING_RATE = "learning_rate"


def is_inside_key(key: str) -> bool:
    """Whether a history key holds the optimizer's inside rather than an epoch's record."""
    return key.startswith(STATE_PREFIX) or key in (GRADIENT, LEARNING_RATE)


# Written after `meta`, as files written before problems existed have them,
# so that a history file's bytes do not change.
KEYS_AFTER_META = ("bias",)


@dataclass(frozen=True)
class History:
    """The training record of one run; arrays have one row per epoch 0..E.

    `arrays` holds what the run's problem records per epoch under the file's
    keys: `pred`, `kernel` and (with a bias) `bias` for the page's model; and
    STEP_KEYS, per update: a minibatch run's `order` (E, n), `step_params`
    (S+1, P) and `step_loss` (S,), a noisy landscape's `noise` (E, 2).
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
    def step_params(self) -> np.ndarray:
        """Every parameter after each update, flat (S+1, P): a full-batch
        run's updates are its epochs."""
        return self.arrays.get("step_params", self.params)

    @property
    def records_state(self) -> bool:
        """Whether it holds the optimizer's inside (`state`, `gradient`, `learning_rates`)."""
        return GRADIENT in self.arrays

    @property
    def state(self) -> dict[str, np.ndarray]:
        """The optimizer's variables after each update (S+1, ...), by Keras name."""
        return {
            key[len(STATE_PREFIX) :]: value
            for key, value in self.arrays.items()
            if key.startswith(STATE_PREFIX)
        }

    @property
    def gradient(self) -> np.ndarray:
        """The gradient of each update, flat (S, P)."""
        return self.arrays[GRADIENT]

    @property
    def learning_rates(self) -> np.ndarray:
        """The learning rate of each update (S,)."""
        return self.arrays[LEARNING_RATE]

    @property
    def steps_per_epoch(self) -> int:
        return (len(self.step_params) - 1) // max(self.epochs, 1)

    @functools.cached_property
    def run(self) -> RunMeta:
        """`meta`, parsed (load_history parses it once, refusing a bad one)."""
        return RunMeta.parse(self.meta)

    @property
    def label(self) -> str:
        return self.run.label

    @property
    def title(self) -> str:
        return self.run.title

    def first_non_finite_epoch(self) -> int | None:
        """The first epoch whose loss or any recorded array is NaN or infinite."""
        bad = ~np.isfinite(self.loss)
        for key, values in self.arrays.items():
            if key not in STEP_KEYS and not is_inside_key(key):
                bad |= ~np.isfinite(values.reshape(len(self.epoch), -1)).all(axis=1)
        return int(self.epoch[np.argmax(bad)]) if bad.any() else None


def save_history(path: str | Path, history: History) -> None:
    arrays: dict[str, np.ndarray] = {"epoch": history.epoch, "loss": history.loss}
    arrays |= {k: v for k, v in history.arrays.items() if k not in KEYS_AFTER_META}
    arrays["meta"] = np.array(json.dumps(history.meta, sort_keys=True))
    arrays |= {k: v for k, v in history.arrays.items() if k in KEYS_AFTER_META}
    with atomic_output(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, **arrays)


def load_history(path: str | Path) -> History:
    try:
        with np.load(path, allow_pickle=False) as npz:
            history = History(
                epoch=npz["epoch"],
                loss=npz["loss"],
                arrays={key: npz[key] for key in npz.files if key not in ("epoch", "loss", "meta")},
                meta=json.loads(str(npz["meta"])),
            )
        history.run  # noqa: B018 (parsed here, so that a bad `meta` is a damaged file)
        return history
    except UNREADABLE as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise DamagedResult(
            f"{path} cannot be read ({type(error).__name__}: {error}); the next"
            " `snakemake` run removes it and retrains its run"
        ) from error
