"""A history's `meta`, parsed once (`RunMeta`), and whether a history file
can be read at all, checked without loading its arrays.

Pure Python (no NumPy): Snakemake checks every history of the config with
these while it parses the workflow.
"""

import ast
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer_animations.config.names import entry_label

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
    family: str  # its optimizer entry's label; a tuned experiment's: its setting
    optimizer: str  # the Keras class name
    optimizer_config: dict[str, Any]  # the optimizer's full Keras config
    arguments: dict[str, Any]  # the config's arguments of the optimizer
    grid: dict[str, Any]
    seed: int | None  # the run's seed, or the global `init: {seed}` (None: pinned)
    tuned: dict[str, Any] | None  # a tuned run's choice and protocol
    use_bias: bool | None  # the page's model only
    # The page's model's inputs `x` and targets `y`, or the CSV
    # file, columns, count and SHA-256 of the samples it trained on (read by
    # problems.problem.run_samples).
    data: dict[str, Any] | None
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
    def sample_count(self) -> int:
        """How many samples the page's model trained on (their values:
        problems.problem.run_samples)."""
        assert self.data is not None, "a landscape run has no samples"
        return int(self.data["samples"]) if "csv" in self.data else len(self.data["y"])

    @property
    def learning_rate(self) -> Any:
        return self.optimizer_config.get("learning_rate")

    @property
    def schedule(self) -> dict[str, Any] | None:
        """The learning-rate schedule as configured (training/schedules.py), or None."""
        value = self.arguments.get("learning_rate")
        return value if isinstance(value, dict) else None

    @property
    def rate(self) -> float:
        """The learning rate as one number: a schedule's peak."""
        from optimizer_animations.training.schedules import schedule_peak

        return schedule_peak(self.schedule) if self.schedule else float(self.learning_rate)

    @property
    def entry(self) -> str:
        """The optimizer entry's label, also in a tuned experiment."""
        return entry_label(self.family, self.grid)

    @property
    def rate_words(self) -> str:
        """`lr 0.05`, or `cosine, peak 0.1`."""
        from optimizer_animations.training.schedules import rate_words

        return rate_words(self.schedule or self.learning_rate)

    @property
    def title(self) -> str:
        """The optimizer's class name (as in the page's legend) unless a label was chosen."""
        class_name = self.optimizer
        if self.tuned:  # every seed's run of a tuned entry: `Adam (lr 0.126, best of 32)`
            name = class_name if self.entry == class_name.lower() else self.entry
            points = self.tuned["learning_rate_grid"]["points"]
            from optimizer_animations.training.schedules import rate_words

            rate = rate_words(self.schedule or self.tuned["learning_rate"])
            # A gridded entry's settings are tuned each on its own: `SGD momentum 0.9 (...)`.
            grid = "".join(
                f" {k} {v:g}" if isinstance(v, float) else f" {k} {v}" for k, v in self.grid.items()
            )
            return f"{name}{grid} ({rate}, best of {points})"
        return class_name if self.label == class_name.lower() else self.label


class DamagedResult(ValueError):
    """A result file that cannot be read: rebuilt, never trusted."""


# What reading a file that is not a whole history raises: a cut or corrupt
# zip or array, or a `meta` that is not a run's.
UNREADABLE = (
    OSError,
    EOFError,
    AttributeError,
    KeyError,
    SyntaxError,  # a .npy header that is not a literal
    TypeError,
    ValueError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
)


def read_text_array(npy: bytes) -> str:
    """The text of a 0-d NumPy unicode array in `.npy` format (what
    `np.array(json.dumps(meta))` saves), read without NumPy."""
    if npy[:6] != b"\x93NUMPY":
        raise ValueError("meta.npy is not a .npy array")
    length_bytes = 2 if npy[6] == 1 else 4  # format 1.0, or 2.0 and 3.0
    start = 8 + length_bytes
    end = start + int.from_bytes(npy[8:start], "little")
    header = ast.literal_eval(npy[start:end].decode("latin1"))  # a literal dict, never code
    descr = header.get("descr")
    if header.get("shape") != () or not isinstance(descr, str) or not descr.startswith("<U"):
        raise ValueError(f"meta.npy is not one text (dtype {descr!r})")
    return npy[end : end + 4 * int(descr[2:])].decode("utf-32-le").rstrip("\x00")


# What every history.npz holds, whatever its problem.
HISTORY_MEMBERS = ("epoch.npy", "loss.npy", "meta.npy")


def archive_damage(
    path: str | Path,
    members: Sequence[str],
    check: Callable[[zipfile.ZipFile], None] | None = None,
) -> str | None:
    """Why the .npz at `path` cannot be read (None: it can): a missing member
    of `members`, a member whose checksum does not match, or what `check`
    (given the open archive) raises."""
    try:
        with zipfile.ZipFile(path) as archive:
            missing = [name for name in members if name not in archive.namelist()]
            if missing:
                return f"it has no {', '.join(missing)}"
            broken = archive.testzip()
            if broken:
                return f"the checksum of {broken} does not match"
            if check is not None:
                check(archive)
    except UNREADABLE as error:
        # Cut: a message may quote a few bytes of the file, never much of it.
        return f"{type(error).__name__}: {str(error)[:80]}"
    return None


def history_damage(path: str | Path) -> str | None:
    """Why the history file at `path` cannot be read (None: it can), from its
    zip structure, every member's checksum and its `meta`, without loading
    its arrays."""

    def parse_meta(archive: zipfile.ZipFile) -> None:
        with archive.open("meta.npy") as member:
            RunMeta.parse(json.loads(read_text_array(member.read())))

    return archive_damage(path, HISTORY_MEMBERS, parse_meta)


# What every trial table (records/trials.py) holds.
TRIAL_TABLE_MEMBERS = tuple(
    f"{name}.npy"
    for name in (
        *("families", "titles", "arguments", "family", "points", "seed", "steps"),
        *("params", "loss", "diverged_at", "reached_at", "distance"),
    )
)


def trial_table_damage(path: str | Path) -> str | None:
    """Why the trial table at `path` cannot be read (None: it can), from its
    zip structure and every member's checksum."""
    return archive_damage(path, TRIAL_TABLE_MEMBERS)


def remove_damaged(
    paths: Sequence[str | Path], damage: Callable[[Path], str | None]
) -> list[tuple[Path, str]]:
    """Remove every existing file of `paths` that `damage` finds damaged (a
    history or trial table that cannot be read, a data file that is not the
    config's), so that Snakemake sees it missing and rebuilds it; return them
    and why.

    A result can always be rebuilt, and one that is not whole would otherwise
    fail every job that reads it, on every run, or be trusted.
    """
    removed = []
    for path in map(Path, paths):
        if path.is_file() and (why := damage(path)) is not None:
            path.unlink()
            removed.append((path, why))
    return removed
