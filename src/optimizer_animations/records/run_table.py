"""Summaries across an experiment's runs: the run table, loss bands, sensitivity, CSV rows.

Plain NumPy; no plotting, no TensorFlow.
"""

import csv
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optimizer_animations.config.names import GRID_ABBREVIATIONS
from optimizer_animations.files import atomic_output
from optimizer_animations.problems.functions import first_outside, nearest_minimum_distance
from optimizer_animations.problems.problem import (
    MINIMUM_TOLERANCE,
    FunctionProblem,
    problem_from_meta,
)
from optimizer_animations.records.history import History
from optimizer_animations.training.schedules import rate_words

BAND = (10, 90)  # percentiles of the band drawn around the median


def epochs_to_fraction(loss: np.ndarray, fraction: float = 0.01) -> int | None:
    """The first epoch whose loss is at most `fraction` of the initial loss."""
    reached = np.flatnonzero(np.isfinite(loss) & (loss <= fraction * loss[0]))
    return int(reached[0]) if reached.size else None


def landscape_fields(history: History) -> dict[str, Any]:
    """A landscape run's row fields (none for the page's model): the function,
    where the run ended, its distance to the nearest known minimum, the first
    step within MINIMUM_TOLERANCE of a minimum's value, and the first step
    outside the plotted domain."""
    if not history.run.landscape:
        return {}
    problem = problem_from_meta(history.run)
    assert isinstance(problem, FunctionProblem)
    landscape, final = problem.landscape, history.params[-1]
    distance = nearest_minimum_distance(final, landscape.minima)
    lowest = problem.minimum_value
    reached = (
        np.flatnonzero(np.isfinite(history.loss) & (history.loss - lowest <= MINIMUM_TOLERANCE))
        if lowest is not None
        else np.array([], int)
    )
    return {
        "function": landscape.name,
        "final_position": [float(v) for v in final],
        "distance_to_minimum": distance if math.isfinite(distance) else None,
        "steps_to_minimum": int(reached[0]) if reached.size else None,
        "left_domain_at": first_outside(history.params, landscape.domain),
    }


RATE_PREFIX = "learning_rate_"


@dataclass(frozen=True)
class Curve:
    """One run's loss against epoch, as a loss plot draws it."""

    title: str
    epoch: np.ndarray
    loss: np.ndarray
    diverged_at: int | None
    family: str = ""  # its optimizer entry: its colour
    # A minibatch run's loss on each update's batch (S,), drawn thin under
    # the full-data loss per epoch; None for a full-batch run.
    step_loss: np.ndarray | None = None

    @classmethod
    def of(cls, history: History) -> "Curve":
        return cls(
            history.title,
            history.epoch,
            history.loss,
            history.first_non_finite_epoch(),
            history.run.family,
            history.arrays.get("step_loss"),
        )

    @property
    def step_epochs(self) -> np.ndarray:
        """Where each update's batch loss sits on the epoch axis: update s of
        k per epoch at epoch s / k (its batch was seen before the update)."""
        assert self.step_loss is not None
        per_epoch = len(self.step_loss) / max(int(self.epoch[-1]), 1)
        return np.arange(len(self.step_loss)) / per_epoch


@dataclass(frozen=True)
class RunTable:
    """An experiment's runs, one row each, and their loss curves.

    Each row: `run`, `title`, `optimizer` (class), `family` (the optimizer
    entry), `setting` (the run without its seed), `seed`, `grid` (the run's
    grid values: one column per grid argument, see `column`), `arguments` (as
    configured), `learning_rate` (the effective one, from the Keras config),
    `final_loss`, `epochs_to_1pct`, `diverged_at`. The summary job builds it
    from the histories, once per experiment, and saves it as runs.npz; the
    summary, the loss bands and the sensitivity plot read it.
    """

    rows: list[dict[str, Any]]
    epoch: np.ndarray  # (E+1,)
    losses: np.ndarray  # (R, E+1)
    # Row index -> a minibatch run's batch losses (S,): saved as `step_loss_<i>`
    # (none in a table without minibatch runs, whose file stays as it was).
    step_losses: dict[int, np.ndarray] | None = None
    # Row index -> the learning rate of each update (S,), where the
    # experiment has a schedule and its histories record it: `learning_rate_<i>`.
    learning_rates: dict[int, np.ndarray] | None = None

    @classmethod
    def from_histories(cls, histories: Sequence[History]) -> "RunTable":
        rows = []
        for history in histories:
            run = history.run
            rows.append(
                {
                    "run": history.label,
                    "title": history.title,
                    "optimizer": run.optimizer,
                    "family": run.family,
                    "setting": run.setting,
                    "seed": run.seed,
                    "grid": run.grid,
                    "arguments": run.arguments,
                    "learning_rate": run.rate,
                    **({"schedule": run.schedule} if run.schedule else {}),
                    "final_loss": float(history.loss[-1]),
                    "epochs_to_1pct": epochs_to_fraction(history.loss),
                    "diverged_at": history.first_non_finite_epoch(),
                    **landscape_fields(history),
                    **({"tuned": True} if run.tuned else {}),
                }
            )
        epoch = histories[0].epoch if histories else np.arange(1)
        losses = np.stack([h.loss for h in histories]) if histories else np.empty((0, 1))
        step_losses = {
            i: h.arrays["step_loss"] for i, h in enumerate(histories) if "step_loss" in h.arrays
        }
        scheduled = any(h.run.schedule for h in histories)
        learning_rates = {
            i: h.learning_rates for i, h in enumerate(histories) if scheduled and h.records_state
        }
        return cls(rows, epoch, losses, step_losses or None, learning_rates or None)

    def save(self, path: str | Path) -> None:
        steps = {f"step_loss_{i}": values for i, values in (self.step_losses or {}).items()}
        steps |= {f"{RATE_PREFIX}{i}": values for i, values in (self.learning_rates or {}).items()}
        with atomic_output(path) as tmp, open(tmp, "wb") as file:
            np.savez(
                file,
                epoch=self.epoch,
                losses=self.losses,
                rows=np.array(json.dumps(self.rows, sort_keys=True)),
                **steps,
            )

    @classmethod
    def load(cls, path: str | Path) -> "RunTable":
        with np.load(path, allow_pickle=False) as npz:
            steps = {
                int(key.removeprefix("step_loss_")): npz[key]
                for key in npz.files
                if key.startswith("step_loss_")
            }
            rates = {
                int(key.removeprefix(RATE_PREFIX)): npz[key]
                for key in npz.files
                if key.startswith(RATE_PREFIX)
            }
            return cls(
                json.loads(str(npz["rows"])),
                npz["epoch"],
                npz["losses"],
                steps or None,
                rates or None,
            )

    def column(self, name: str) -> list[Any]:
        """A row field, or a grid argument's values (None where a run has none)."""
        if self.rows and name in self.rows[0]:
            return [row[name] for row in self.rows]
        return [row["grid"].get(name) for row in self.rows]

    @property
    def grid_arguments(self) -> list[str]:
        """Every grid argument of the experiment, in config order."""
        return list(dict.fromkeys(name for row in self.rows for name in row["grid"]))

    def is_sweep(self) -> bool:
        """Several seeds or grid points per optimizer entry: aggregate, don't draw each run."""
        return any(row["grid"] or row["setting"] != row["run"] for row in self.rows)

    def has_seeds(self) -> bool:
        """Whether runs differ by their seed (their initial weights, or a
        landscape's gradient noise)."""
        return any(row["seed"] is not None for row in self.rows)

    def is_landscape(self) -> bool:
        """Runs descending a 2-D function rather than training the page's model."""
        return bool(self.rows) and "function" in self.rows[0]

    def families(self) -> list[str]:
        """The optimizer entries in the experiment's order: its series' colours."""
        return list(dict.fromkeys(row["family"] for row in self.rows))

    def curves(self, runs: Sequence[str] | None = None, with_rate: bool = False) -> list[Curve]:
        """The loss curves of `runs` (default: all), in that order; `with_rate`
        names each run's learning rate in its title."""
        index = {row["run"]: i for i, row in enumerate(self.rows)}
        chosen = [index[run] for run in runs] if runs is not None else range(len(self.rows))
        curves = []
        for i in chosen:
            row = self.rows[i]
            named = with_rate and not row.get("tuned")  # a tuned title names its rate
            rate = rate_words(row.get("schedule") or row["learning_rate"])
            title = f"{row['title']} ({rate})" if named else row["title"]
            steps = (self.step_losses or {}).get(i)
            curves.append(
                Curve(title, self.epoch, self.losses[i], row["diverged_at"], row["family"], steps)
            )
        return curves


@dataclass(frozen=True)
class Band:
    label: str  # the setting, e.g. adam-lr0.01
    family: str  # the optimizer entry's label, e.g. adam
    values: dict[str, Any]  # the setting's grid values, e.g. {"learning_rate": 0.01}
    epochs: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: int
    diverged: int
    title: str = ""  # its runs' legend title: `Adam (lr 0.126, best of 32)` when tuned

    @property
    def values_text(self) -> str:
        """`lr 0.01, momentum 0.9`: the grid values that tell settings apart."""
        return ", ".join(f"{argument_label(k)} {format_number(v)}" for k, v in self.values.items())


def argument_label(argument: str) -> str:
    return GRID_ABBREVIATIONS.get(argument, argument)


def format_number(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def nan_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and band over axis 0, ignoring non-finite values (NaN where none is left)."""
    finite = np.where(np.isfinite(values), values, np.nan)
    with np.errstate(all="ignore"):
        if np.isnan(finite).all(axis=0).any():
            columns = ~np.isnan(finite).all(axis=0)
            median = np.full(finite.shape[1:], np.nan)
            low, high = median.copy(), median.copy()
            median[columns] = np.nanmedian(finite[:, columns], axis=0)
            low[columns], high[columns] = np.nanpercentile(finite[:, columns], BAND, axis=0)
            return median, low, high
        low, high = np.nanpercentile(finite, BAND, axis=0)
        return np.nanmedian(finite, axis=0), low, high


def setting_bands(table: RunTable) -> list[Band]:
    """Per setting (runs that differ only in their seed): the loss's median and band."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(table.rows):
        groups[row["setting"]].append(index)
    bands = []
    for setting, members in groups.items():
        median, low, high = nan_band(table.losses[members].astype(float))
        first = table.rows[members[0]]
        # Its runs' legend title: a tuned run's names its rate; the others the
        # setting (not the first seed's run), or the class for a plain entry.
        title = (
            first["title"]
            if first.get("tuned")
            else first["optimizer"]
            if setting == first["optimizer"].lower()
            else setting
        )
        bands.append(
            Band(
                setting,
                first["family"],
                first["grid"],
                table.epoch,
                median,
                low,
                high,
                len(members),
                sum(table.rows[i]["diverged_at"] is not None for i in members),
                title,
            )
        )
    return bands


@dataclass(frozen=True)
class SensitivityPoint:
    value: float  # of the argument on the x axis
    median: float
    low: float
    high: float
    runs: int
    diverged: int


def sensitivity(table: RunTable, argument: str) -> dict[str, list[SensitivityPoint]]:
    """Final loss against `argument`, per optimizer entry and its other grid values."""
    lines: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row, value in zip(table.rows, table.column(argument), strict=True):
        if value is None:
            continue
        others = {k: v for k, v in row["grid"].items() if k != argument}
        name = "-".join([row["family"]] + [f"{k}{v}" for k, v in others.items()])
        lines[name][float(value)].append(row["final_loss"])
    return sensitivity_lines(lines)


def sensitivity_lines(
    lines: dict[str, dict[float, list[float]]],
) -> dict[str, list[SensitivityPoint]]:
    """Line name -> x value -> the runs' values: per x, the median and band of
    the finite values and the count of the others, in increasing x."""
    result = {}
    for name, by_value in lines.items():
        points = []
        for value in sorted(by_value):
            finals = np.array(by_value[value], dtype=float)
            finite = finals[np.isfinite(finals)]
            if finite.size:
                low, high = np.percentile(finite, BAND)
                median = float(np.median(finite))
            else:
                median = low = high = math.nan
            points.append(
                SensitivityPoint(
                    value,
                    median,
                    float(low),
                    float(high),
                    finals.size,
                    int((~np.isfinite(finals)).sum()),
                )
            )
        result[name] = points
    return result


SUMMARY_COLUMNS = [
    "run",
    "optimizer",
    "setting",
    "arguments",
    "learning_rate",
    "seed",
    "final_loss",
    "epochs_to_1pct",
    "diverged",
]


# A landscape's summary: where each run ended instead of its epochs to 1 %.
LANDSCAPE_SUMMARY_COLUMNS = [
    "run",
    "optimizer",
    "setting",
    "arguments",
    "learning_rate",
    "final_f",
    "final_x",
    "final_y",
    "distance_to_minimum",
    "steps_to_minimum",
    "diverged",
    "left_domain_at",
]


def optional(value: Any) -> Any:
    return "" if value is None else value


def setting_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The summary fields of every kind of run: what ran, with which settings."""
    return {
        "run": row["run"],
        "optimizer": row["optimizer"],
        "setting": row["setting"],
        # As configured (grid values included); the full Keras config is in history.npz.
        "arguments": json.dumps(row["arguments"], sort_keys=True),
        "learning_rate": repr(row["learning_rate"]),
    }


def landscape_summary_row(row: dict[str, Any]) -> dict[str, Any]:
    """A landscape run table row as summary.csv writes it."""
    x, y = row["final_position"]
    distance = row["distance_to_minimum"]
    return {
        **setting_fields(row),
        "final_f": repr(row["final_loss"]),
        "final_x": repr(x),
        "final_y": repr(y),
        "distance_to_minimum": "" if distance is None else repr(distance),
        "steps_to_minimum": optional(row["steps_to_minimum"]),
        "diverged": "yes" if row["diverged_at"] is not None else "no",
        "left_domain_at": optional(row["left_domain_at"]),
    }


def summary_row(row: dict[str, Any]) -> dict[str, Any]:
    """A run table row as summary.csv writes it."""
    if "function" in row:
        return landscape_summary_row(row)
    return {
        **setting_fields(row),
        "seed": optional(row["seed"]),
        "final_loss": repr(row["final_loss"]),
        "epochs_to_1pct": optional(row["epochs_to_1pct"]),
        "diverged": "yes" if row["diverged_at"] is not None else "no",
    }


def write_summary(table: RunTable, path: str | Path) -> None:
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as file:
        landscape = bool(table.rows) and "function" in table.rows[0]
        columns = LANDSCAPE_SUMMARY_COLUMNS if landscape else SUMMARY_COLUMNS
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in table.rows:
            writer.writerow(summary_row(row))
