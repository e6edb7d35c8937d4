"""Fair comparisons: one learning-rate grid for every optimizer, each grid
point trained from several seeds; the objective of a run, the choice of a
setting, the trial table (`tuning.csv`), the trials as runs (`tuned_run`),
the time-to-target threshold and the performance profile across experiments.

The protocol follows the benchmark suites (DeepOBS, AlgoPerf): the same
log-spaced grid and budget for every optimizer, the grid point with the best
median objective over the seeds (ties: the smaller learning rate), and a run
that fails counted as the worst. NumPy, YAML and problems.problem only (no
TensorFlow): the tuning jobs and the figure jobs import it; what the
Snakefile checks of a tune section is grid.py's.
"""

import csv
import dataclasses
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from optimizer_animations.config.names import setting_name
from optimizer_animations.files import atomic_output
from optimizer_animations.problems.problem import MINIMUM_TOLERANCE, FunctionProblem, Problem
from optimizer_animations.records.run import Run
from optimizer_animations.training.schedules import is_schedule, peak_rate, scale_schedule
from optimizer_animations.tuning.grid import OBJECTIVES

# A landscape's objectives: a trial that leaves the plot fails as one that diverges.
LANDSCAPE_OBJECTIVES = ("final_distance", "final_gap")
# Each objective (a landscape's too) as an axis title and inside a sentence.
OBJECTIVE_WORDS = {
    "final_loss": ("Final loss", "final loss"),
    "mean_loss": ("Mean loss over the epochs", "mean loss over the epochs"),
    "epochs_to_target": ("Epochs to the target loss", "epochs to reach a loss of {target}"),
    "final_distance": (
        "Final distance to the nearest minimum",
        "final distance to the nearest minimum (leaving the plot: worst)",
    ),
    "final_gap": (
        "Final f minus the lowest f in view",
        "final value's gap to the lowest value in view (no minimum; leaving the plot: worst)",
    ),
}


def objective_values(losses: np.ndarray, objective: str, target: float | None = None) -> np.ndarray:
    """Each run's objective (lower is better) from its loss curve, (R, E+1) -> (R,).

    `final_loss`: the last loss; `mean_loss`: the mean over epochs 0..E (the
    area under the curve per epoch); `epochs_to_target`: the first epoch whose
    loss is at most `target`. A run whose curve is not finite where the
    objective reads it, or that never reaches the target, gets infinity.
    """
    losses = np.asarray(losses, dtype=float)
    if objective == "final_loss":
        values = losses[:, -1].copy()
    elif objective == "mean_loss":
        with np.errstate(over="ignore", invalid="ignore"):
            values = losses.mean(axis=1)
    elif objective == "epochs_to_target":
        if target is None:
            raise ValueError("the objective epochs_to_target needs a target")
        with np.errstate(invalid="ignore"):
            reached = np.isfinite(losses) & (losses <= target)
        values = np.where(reached.any(axis=1), reached.argmax(axis=1), np.inf).astype(float)
    else:
        raise ValueError(f"unknown objective {objective!r}; allowed: {', '.join(OBJECTIVES)}")
    values[~np.isfinite(values)] = np.inf
    return values


def landscape_objective(value: float | None, left_domain_at: int | None) -> float:
    """A landscape run's objective: its final distance to the nearest known
    minimum (`final_distance`) or, on a function without one such as the
    saddle, its final value's gap to the lowest value in view (`final_gap`).
    Leaving the plotted domain, or a value that is not finite, is the worst."""
    if left_domain_at is not None or value is None or not math.isfinite(value):
        return math.inf
    return max(0.0, float(value))


def choose(rates: Sequence[float], values: np.ndarray) -> int:
    """The index of the chosen learning rate: the best median objective over
    the seeds (`values` is (rates, seeds)), ties to the smaller rate."""
    medians = np.median(np.asarray(values, dtype=float), axis=1)
    order = np.lexsort((np.asarray(rates, dtype=float), medians))
    return int(order[0])


# The trial table, tuning.csv: one row per trial; floats written with repr,
# so that they read back exactly. An entry with a grid (each of its settings
# tuned on its own) adds a column per grid argument after `optimizer`, its
# values as JSON (numbers exactly, `true`, strings quoted); without one the
# table keeps these columns alone.
TUNING_COLUMNS = ["optimizer", "learning_rate", "seed", "objective", "final_loss", "diverged"]


def grid_arguments(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The grid arguments of the rows' settings, in the order they first appear."""
    return list(dict.fromkeys(argument for row in rows for argument in row.get("grid", {})))


def write_tuning_csv(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    arguments = grid_arguments(rows)
    clash = set(arguments) & set(TUNING_COLUMNS)
    if clash:  # the config checks refuse a grid over the learning rate in `tune:`
        raise ValueError(f"grid argument(s) {sorted(clash)} clash with tuning.csv's columns")
    columns = TUNING_COLUMNS[:1] + arguments + TUNING_COLUMNS[1:]
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            grid = row.get("grid", {})
            writer.writerow(
                {
                    "optimizer": row["optimizer"],
                    **{a: json.dumps(grid[a]) if a in grid else "" for a in arguments},
                    "learning_rate": repr(row["learning_rate"]),
                    "seed": "" if row["seed"] is None else row["seed"],
                    "objective": "inf" if math.isinf(row["objective"]) else repr(row["objective"]),
                    "final_loss": repr(row["final_loss"]),
                    "diverged": "yes" if row["diverged"] else "no",
                }
            )


def read_tuning_csv(path: str | Path) -> list[dict[str, Any]]:
    """The rows `write_tuning_csv` wrote, with their types (floats round-trip exactly)."""
    with open(path, newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        arguments = [c for c in reader.fieldnames or () if c not in TUNING_COLUMNS]
        return [
            {
                "optimizer": row["optimizer"],
                "grid": {a: json.loads(row[a]) for a in arguments if row[a]},
                "learning_rate": float(row["learning_rate"]),
                "seed": int(row["seed"]) if row["seed"] else None,
                "objective": float(row["objective"]),
                "final_loss": float(row["final_loss"]),
                "diverged": row["diverged"] == "yes",
            }
            for row in reader
        ]


def row_setting(row: Mapping[str, Any]) -> str:
    """The setting a trial row belongs to: its entry's label and grid values,
    as its runs are named (`sgd-momentum0.9`); the label without a grid."""
    return setting_name(row["optimizer"], row.get("grid", {}))


def objectives_by_rate(rows: Sequence[dict[str, Any]]) -> dict[str, dict[float, list[float]]]:
    """Trial rows -> setting -> learning rate -> the seeds' objectives."""
    values: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        values[row_setting(row)][row["learning_rate"]].append(row["objective"])
    return values


def chosen_rates(rows: Sequence[dict[str, Any]]) -> dict[str, tuple[float, int]]:
    """Setting (an entry's label, with its grid values if it has a grid) ->
    (chosen learning rate, grid points): each setting tuned on its own."""
    chosen = {}
    for setting, by_rate in objectives_by_rate(rows).items():
        rates = sorted(by_rate)
        index = choose(rates, np.array([by_rate[rate] for rate in rates]))
        chosen[setting] = (rates[index], len(rates))
    return chosen


def performance_profile(
    costs: Mapping[str, Mapping[str, float]], taus: np.ndarray
) -> dict[str, np.ndarray]:
    """Dolan and More's performance profile.

    `costs[problem][optimizer]` is an optimizer's objective on a problem
    (lower is better, infinity for a failure). For each optimizer, the share
    of the problems it ran on where its cost is within a factor tau of the
    best optimizer's, at each of `taus` (>= 1). A problem that every
    optimizer fails counts as failed for each of them.
    """
    optimizers = list(dict.fromkeys(name for row in costs.values() for name in row))
    ratios: dict[str, list[float]] = {name: [] for name in optimizers}
    for row in costs.values():
        finite = [cost for cost in row.values() if math.isfinite(cost)]
        best = min(finite) if finite else math.inf
        for name, cost in row.items():
            if not math.isfinite(cost) or not math.isfinite(best):
                ratios[name].append(math.inf)
            elif best == 0:
                ratios[name].append(1.0 if cost == 0 else math.inf)
            else:
                ratios[name].append(cost / best)
    taus = np.asarray(taus, dtype=float)
    return {
        name: (np.asarray(values)[None, :] <= taus[:, None]).mean(axis=1)
        for name, values in ratios.items()
    }


def time_target(problem: Problem | None, tuning: dict[str, Any]) -> float | None:
    """What time_to_target.png counts the time to: the tune section's target
    loss, or on a landscape MINIMUM_TOLERANCE above its lowest minimum's value
    (as summary.csv's steps_to_minimum); None: no such figure."""
    if isinstance(problem, FunctionProblem):
        lowest = problem.minimum_value
        return None if lowest is None else lowest + MINIMUM_TOLERANCE
    return tuning.get("target")


def load_tuned(path: str | Path) -> dict[str, float]:
    """Setting -> chosen learning rate (a schedule's peak), from tuned.yaml
    (an entry's label: its setting's name)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {entry["label"]: peak_rate(entry["learning_rate"]) for entry in document["optimizers"]}


def rate_at(learning_rate: Any, rate: float) -> Any:
    """An entry's learning rate at a grid rate: the rate, or the entry's
    schedule with its peak there (a tuned schedule keeps its shape)."""
    return scale_schedule(learning_rate, rate) if is_schedule(learning_rate) else rate


def tuned_run(run: Run | Mapping[str, Any], rate: float, tuning: dict[str, Any]) -> Run:
    """A run of a tuned experiment at one grid learning rate (a trial); the
    chosen one's is the run itself. Its `meta.tuned` records the rate (a
    schedule's peak) and the protocol, as an entry pasted from tuned.yaml does."""
    run = Run.of(run)
    return dataclasses.replace(
        run,
        arguments={**run.arguments, "learning_rate": rate_at(run.learning_rate, rate)},
        tuned={"learning_rate": rate, **tuning},
    )
