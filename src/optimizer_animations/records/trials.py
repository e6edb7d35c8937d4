"""Every trial's path in one compact file: `trials.npz`, what an explorer
(site/explorer.py) lets a reader move through.

A tuned experiment's jobs keep each trial's path here (one file per tuning
job, `tuning/trials-<i>-of-<n>.npz`; still no file per trial); a sweep's
explorer reads the same table from its runs' histories. Arrays, T trials
of S recorded steps and P parameters:

- `family` (T,) int: the optimizer entry, an index into `families`
  (`titles`: how a legend names it)
- `points` (T, A) float64: each trial's value of each grid argument of
  `arguments` (NaN: the entry has no such argument)
- `seed` (T,) int64: the seed that drew its start (-1: none)
- `steps` (S,) int64: the recorded steps (epochs of the page's model), the
  first 0 and the last the final one; every `stride`-th in between
- `params` (T, S, P) float32: the parameters after each recorded step, as
  trained (a landscape's P = 2: x and y)
- `loss` (T, S) float32: the loss there
- `diverged_at` (T,) int64: the first non-finite step (-1: none)
- `reached_at` (T,) int64: a landscape's first step within tolerance of its
  minimum, the page's model's first epoch at or under the tune target (-1:
  never, or no target)
- `distance` (T,) float64: a landscape's final distance to its nearest
  minimum (NaN: the page's model, or diverged)

Saved without pickles and read back checked; a damaged file is an error,
never a silently shorter table.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optimizer_animations.files import atomic_output
from optimizer_animations.records.history import History
from optimizer_animations.records.run_table import landscape_fields

NO_VALUE = -1  # a seed, step or epoch that is not there


def recorded_steps(epochs: int, stride: int) -> np.ndarray:
    """0, stride, 2 * stride... and the last step, `epochs`."""
    return np.unique(np.append(np.arange(0, epochs + 1, stride), epochs)).astype(np.int64)


def entry_title(history: History) -> str:
    """How the explorer names an optimizer entry: its class (`Adam`), or its
    own label where it has one (`sgd-momentum`)."""
    entry = history.run.entry
    return history.run.optimizer if entry == history.run.optimizer.lower() else entry


def grid_point(history: History) -> dict[str, float]:
    """A run's place on the explorer's sliders: its grid values."""
    return {key: float(value) for key, value in history.run.grid.items()}


@dataclass(frozen=True)
class TrialTable:
    families: list[str]
    titles: list[str]
    arguments: list[str]
    family: np.ndarray
    points: np.ndarray
    seed: np.ndarray
    steps: np.ndarray
    params: np.ndarray
    loss: np.ndarray
    diverged_at: np.ndarray
    reached_at: np.ndarray
    distance: np.ndarray

    @property
    def landscape(self) -> bool:
        return self.params.shape[2] == 2 and not np.isnan(self.distance).all()

    @classmethod
    def of(
        cls,
        histories: Sequence[History],
        stride: int = 1,
        target: float | None = None,
        points: Sequence[dict[str, float]] | None = None,
    ) -> "TrialTable":
        """The trials of `histories` (one experiment's, every `stride`-th step
        recorded); `target`: the page's model's loss target (reached_at);
        `points`: each trial's grid values as the plan gave them (default:
        its history's grid; a tuned trial's rate there is Keras' float32)."""
        # By entry: a tuned entry's grid is the explorer's slider.
        families = list(dict.fromkeys(h.run.entry for h in histories))
        titles = {h.run.entry: entry_title(h) for h in histories}
        points = list(points) if points is not None else [grid_point(h) for h in histories]
        arguments = list(dict.fromkeys(key for point in points for key in point))
        steps = recorded_steps(histories[0].epochs, stride)
        reached, distance = [], []
        for history in histories:
            fields = landscape_fields(history)
            if fields:
                reached.append(fields["steps_to_minimum"])
                distance.append(fields["distance_to_minimum"])
            else:
                below = np.flatnonzero(history.loss <= target) if target is not None else []
                reached.append(int(below[0]) if len(below) else None)
                distance.append(None)
        return cls(
            families=families,
            titles=[titles[family] for family in families],
            arguments=arguments,
            family=np.array([families.index(h.run.entry) for h in histories], np.int64),
            points=np.array(
                [[point.get(key, math.nan) for key in arguments] for point in points], np.float64
            ).reshape(len(histories), len(arguments)),
            seed=np.array(
                [NO_VALUE if h.run.seed is None else h.run.seed for h in histories], np.int64
            ),
            steps=steps,
            params=np.stack([h.params[steps] for h in histories]).astype(np.float32),
            loss=np.stack([h.loss[steps] for h in histories]).astype(np.float32),
            diverged_at=np.array(
                [NO_VALUE if (at := h.first_non_finite_epoch()) is None else at for h in histories],
                np.int64,
            ),
            reached_at=np.array([NO_VALUE if r is None else r for r in reached], np.int64),
            distance=np.array([math.nan if d is None else d for d in distance], np.float64),
        )

    def save(self, path: str | Path) -> None:
        arrays = {
            "families": np.array(self.families, dtype=np.str_),
            "titles": np.array(self.titles, dtype=np.str_),
            "arguments": np.array(self.arguments, dtype=np.str_),
            **{name: getattr(self, name) for name in NUMERIC},
        }
        with atomic_output(path) as tmp, open(tmp, "wb") as file:
            np.savez_compressed(file, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "TrialTable":
        with np.load(path, allow_pickle=False) as data:
            missing = {"families", "titles", "arguments", *NUMERIC} - set(data.files)
            if missing:
                raise ValueError(f"{path}: not a trial table (no {', '.join(sorted(missing))})")
            table = cls(
                families=[str(v) for v in data["families"]],
                titles=[str(v) for v in data["titles"]],
                arguments=[str(v) for v in data["arguments"]],
                **{name: data[name] for name in NUMERIC},
            )
        table.check(path)
        return table

    def check(self, path: str | Path) -> None:
        trials, steps = len(self.family), len(self.steps)
        shapes = {
            "points": (trials, len(self.arguments)),
            "seed": (trials,),
            "loss": (trials, steps),
            "diverged_at": (trials,),
            "reached_at": (trials,),
            "distance": (trials,),
        }
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise ValueError(f"{path}: {name} has shape {getattr(self, name).shape}")
        if self.params.shape[:2] != (trials, steps) or self.params.dtype != np.float32:
            raise ValueError(f"{path}: params has shape {self.params.shape}")
        if trials and not (self.family.min() >= 0 and self.family.max() < len(self.families)):
            raise ValueError(f"{path}: a trial's family is not one of {self.families}")

    @classmethod
    def join(cls, tables: Sequence["TrialTable"]) -> "TrialTable":
        """One table of several jobs' tables (their families in order)."""
        families = list(dict.fromkeys(f for table in tables for f in table.families))
        titles = {
            f: t for table in tables for f, t in zip(table.families, table.titles, strict=True)
        }
        arguments = list(dict.fromkeys(a for table in tables for a in table.arguments))
        if any(not np.array_equal(table.steps, tables[0].steps) for table in tables):
            raise ValueError("the tables record different steps")

        def points(table: "TrialTable") -> np.ndarray:
            out = np.full((len(table.family), len(arguments)), math.nan)
            for column, name in enumerate(table.arguments):
                out[:, arguments.index(name)] = table.points[:, column]
            return out

        def family(table: "TrialTable") -> np.ndarray:
            return np.array([families.index(table.families[i]) for i in table.family], np.int64)

        return cls(
            families=families,
            titles=[titles[f] for f in families],
            arguments=arguments,
            family=np.concatenate([family(t) for t in tables]),
            points=np.concatenate([points(t) for t in tables]),
            seed=np.concatenate([t.seed for t in tables]),
            steps=tables[0].steps,
            params=np.concatenate([t.params for t in tables]),
            loss=np.concatenate([t.loss for t in tables]),
            diverged_at=np.concatenate([t.diverged_at for t in tables]),
            reached_at=np.concatenate([t.reached_at for t in tables]),
            distance=np.concatenate([t.distance for t in tables]),
        )


NUMERIC = (
    "family",
    "points",
    "seed",
    "steps",
    "params",
    "loss",
    "diverged_at",
    "reached_at",
    "distance",
)
