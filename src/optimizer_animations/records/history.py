"""A run's record: `history.npz`, its arrays and `meta`; reading one that
may be damaged. No TensorFlow or matplotlib here."""

import functools
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


# What a history's `meta` holds. Files without a "format" key are format 1,
# so that a history's bytes stay those of the files written before it.
HISTORY_FORMAT = 1
DENSE = "dense"  # the page's model (problems.problem.DenseProblem.kind)
FUNCTION = "function"  # a 2-D test function (FunctionProblem.kind)


@dataclass(frozen=True)
class RunMeta:
    """A history's `meta`, parsed once: what every table, summary, page and
    figure reads of a run (`History.run`)."""

    kind: str  # DENSE or FUNCTION: which problem the run trained
    format: int
    experiment: str
    label: str  # the run's folder name
    setting: str  # the run's name without its seed
    family: str  # its optimizer entry's label
    optimizer: str  # the Keras class name
    optimizer_config: dict[str, Any]  # the optimizer's full Keras config
    arguments: dict[str, Any]  # the config's arguments of the optimizer
    grid: dict[str, Any]
    seed: int | None  # the run's seed, or the global `init: {seed}` (None: pinned)
    tuned: dict[str, Any] | None  # a tuned run's choice and protocol
    use_bias: bool | None  # the page's model only
    data: dict[str, Any] | None  # the page's model's inputs `x` and targets `y`
    init: dict[str, Any] | None  # the page's model's start (and the seed that drew it)
    function: dict[str, Any] | None  # a landscape's function, domain, start, minima
    versions: dict[str, str]  # what trained the run: this package, TensorFlow, Keras, NumPy

    @classmethod
    def parse(cls, meta: dict[str, Any]) -> "RunMeta":
        """ValueError (or KeyError, TypeError) for a `meta` that is not a run's."""
        version = meta.get("format", 1)
        if version != HISTORY_FORMAT:
            raise ValueError(f"history format {version!r}; this version reads {HISTORY_FORMAT}")
        label = str(meta["label"])
        function = meta.get("function")
        kind = FUNCTION if function is not None else DENSE
        seed = meta.get("seed")
        if seed is None:  # a global `init: {seed: N}` drew the weights, or none did
            seed = meta.get("init", {}).get("seed")
        return cls(
            kind=kind,
            format=version,
            experiment=str(meta.get("experiment", "")),
            label=label,
            setting=meta.get("setting") or label,
            family=meta.get("family") or label,
            optimizer=str(meta["optimizer"]["class_name"]),
            optimizer_config=dict(meta["optimizer"].get("config", {})),
            arguments=dict(meta.get("arguments", {})),
            grid=dict(meta.get("grid") or {}),
            seed=seed,
            tuned=meta.get("tuned") or None,
            use_bias=meta.get("use_bias"),
            data=meta.get("data"),
            init=meta.get("init"),
            function=function,
            versions=dict(meta.get("versions") or {}),
        )

    @property
    def landscape(self) -> bool:
        return self.kind == FUNCTION

    @property
    def targets(self) -> list[list[float]]:
        """The page's model's targets `y` (n_samples, units)."""
        assert self.data is not None, "a landscape run has no targets"
        return self.data["y"]

    @property
    def learning_rate(self) -> Any:
        return self.optimizer_config.get("learning_rate")

    @property
    def title(self) -> str:
        """The optimizer's class name (as in the page's legend) unless a label was chosen."""
        class_name = self.optimizer
        if self.tuned:  # every seed's run of a tuned entry: `Adam (lr 0.126, best of 32)`
            name = class_name if self.family == class_name.lower() else self.family
            points = self.tuned["learning_rate_grid"]["points"]
            return f"{name} (lr {self.tuned['learning_rate']:.3g}, best of {points})"
        return class_name if self.label == class_name.lower() else self.label


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


# What reading a file that is not a whole history raises: a cut or corrupt
# zip or array, or a `meta` that is not a run's.
UNREADABLE = (
    OSError,
    EOFError,
    AttributeError,
    KeyError,
    TypeError,
    ValueError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
)


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


# What every history.npz holds, whatever its problem.
HISTORY_MEMBERS = ("epoch.npy", "loss.npy", "meta.npy")


def history_damage(path: str | Path) -> str | None:
    """Why the history file at `path` cannot be read (None: it can), from its
    zip structure, every member's checksum and its `meta`, without loading
    its arrays."""
    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in HISTORY_MEMBERS if name not in archive.namelist()]
            if missing:
                return f"it has no {', '.join(missing)}"
            broken = archive.testzip()
            if broken:
                return f"the checksum of {broken} does not match"
            with archive.open("meta.npy") as member:
                RunMeta.parse(json.loads(str(np.lib.format.read_array(member))))
    except UNREADABLE as error:
        return f"{type(error).__name__}: {error}"
    return None


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
