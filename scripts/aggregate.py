"""Summaries across runs: per-setting loss bands, learning-rate sensitivity, CSV rows.

Plain NumPy on loaded histories; no plotting, no TensorFlow.
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

from common import History, atomic_output

BAND = (10, 90)  # percentiles of the band drawn around the median


def is_sweep(histories: Sequence[History]) -> bool:
    """Several seeds or grid points per optimizer entry: aggregate, don't draw each run."""
    return any(h.meta.get("grid") or h.meta.get("setting", h.label) != h.label for h in histories)


def epochs_to_fraction(loss: np.ndarray, fraction: float = 0.01) -> int | None:
    """The first epoch whose loss is at most `fraction` of the initial loss."""
    reached = np.flatnonzero(np.isfinite(loss) & (loss <= fraction * loss[0]))
    return int(reached[0]) if reached.size else None


@dataclass(frozen=True)
class Band:
    label: str  # the setting, e.g. adam-lr0.01
    family: str  # the optimizer entry's label, e.g. adam
    learning_rate: float
    epochs: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    runs: int
    diverged: int


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


def setting_bands(histories: Sequence[History]) -> list[Band]:
    """Per setting (runs that differ only in their seed): the loss's median and band."""
    groups: dict[str, list[History]] = defaultdict(list)
    for history in histories:
        groups[history.meta.get("setting") or history.label].append(history)
    bands = []
    for setting, group in groups.items():
        losses = np.stack([h.loss.astype(float) for h in group])
        median, low, high = nan_band(losses)
        diverged = sum(h.first_non_finite_epoch() is not None for h in group)
        meta = group[0].meta
        bands.append(
            Band(
                setting,
                meta.get("family") or setting,
                float(meta["optimizer"]["config"]["learning_rate"]),
                group[0].epoch,
                median,
                low,
                high,
                len(group),
                diverged,
            )
        )
    return bands


@dataclass(frozen=True)
class SensitivityPoint:
    learning_rate: float
    median: float
    low: float
    high: float
    runs: int
    diverged: int


def sensitivity(histories: Sequence[History]) -> dict[str, list[SensitivityPoint]]:
    """Per optimizer entry (and its other grid values): final loss against learning rate."""
    lines: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for history in histories:
        others = {k: v for k, v in history.meta.get("grid", {}).items() if k != "learning_rate"}
        name = "-".join(
            [history.meta.get("family") or history.label] + [f"{k}{v}" for k, v in others.items()]
        )
        rate = float(history.meta["optimizer"]["config"]["learning_rate"])
        lines[name][rate].append(float(history.loss[-1]))
    result = {}
    for name, by_rate in lines.items():
        points = []
        for rate in sorted(by_rate):
            finals = np.array(by_rate[rate])
            finite = finals[np.isfinite(finals)]
            if finite.size:
                low, high = np.percentile(finite, BAND)
                median = float(np.median(finite))
            else:
                median = low = high = math.nan
            points.append(
                SensitivityPoint(
                    rate,
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


def summary_row(history: History) -> dict[str, Any]:
    reached = epochs_to_fraction(history.loss)
    seed = history.meta.get("seed")
    if seed is None:  # a global `init: {seed: N}` drew the weights, or none did
        seed = history.meta.get("init", {}).get("seed")
    return {
        "run": history.label,
        "optimizer": history.meta["optimizer"]["class_name"],
        "setting": history.meta.get("setting") or history.label,
        # As configured (grid values included); the full Keras config is in history.npz.
        "arguments": json.dumps(history.meta.get("arguments", {}), sort_keys=True),
        "learning_rate": repr(float(history.meta["optimizer"]["config"]["learning_rate"])),
        "seed": "" if seed is None else seed,
        "final_loss": repr(float(history.loss[-1])),
        "epochs_to_1pct": "" if reached is None else reached,
        "diverged": "yes" if history.first_non_finite_epoch() is not None else "no",
    }


def write_summary(histories: Sequence[History], path: str | Path) -> None:
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for history in histories:
            writer.writerow(summary_row(history))
