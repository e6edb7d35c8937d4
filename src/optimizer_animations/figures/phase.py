"""Two-argument maps: a grid over two numeric arguments (learning rate and
momentum, beta_1 and beta_2) as a heat map of the median final loss over
seeds, one panel per optimizer entry, as Distill's momentum article draws
its (alpha, beta) phase diagram from the formula; here every cell is runs.

A cell is diverged when more than half of its seeds diverged (a diverged
run counts as an infinite loss, so the median is infinite): it is hatched,
not coloured. The best cell (the lowest median) carries a star. An axis is
logarithmic where its values are positive and span a decade or more.
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.patches import Patch, Rectangle

from optimizer_animations.figures.style import (
    MIN_FONT_SIZE,
    SMALL_FONT_SIZE,
    save_figure,
    theme,
    use_page_style,
)
from optimizer_animations.records.run_table import RunTable


@dataclass(frozen=True)
class PhaseMap:
    """One entry's cells: `medians[i, j]` at (`x[j]`, `y[i]`), inf where diverged,
    NaN where the grid has no run."""

    name: str
    x: np.ndarray
    y: np.ndarray
    medians: np.ndarray

    @property
    def best(self) -> tuple[int, int] | None:
        """(i, j) of the lowest finite median, the first in grid order on a tie."""
        finite = np.where(np.isfinite(self.medians), self.medians, np.inf)
        if not np.isfinite(finite).any():
            return None
        i, j = np.unravel_index(int(np.argmin(finite)), finite.shape)
        return int(i), int(j)


def phase_maps(table: RunTable, arguments: tuple[str, str]) -> list[PhaseMap]:
    """Per optimizer entry (and its values of any other grid argument), the
    median final loss over seeds at each pair of the two arguments' values."""
    first, second = arguments
    cells: dict[str, dict[tuple[float, float], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row, x, y in zip(table.rows, table.column(first), table.column(second), strict=True):
        if x is None or y is None:
            continue  # an entry whose grid lacks one of them: no map
        others = {k: v for k, v in row["grid"].items() if k not in arguments}
        name = "-".join([row["family"]] + [f"{k}{v}" for k, v in others.items()])
        diverged = row["diverged_at"] is not None or not math.isfinite(row["final_loss"])
        cells[name][(float(x), float(y))].append(math.inf if diverged else row["final_loss"])
    maps = []
    for name, by_pair in cells.items():
        xs = np.array(sorted({x for x, _ in by_pair}))
        ys = np.array(sorted({y for _, y in by_pair}))
        medians = np.full((len(ys), len(xs)), np.nan)
        for (x, y), values in by_pair.items():
            medians[np.searchsorted(ys, y), np.searchsorted(xs, x)] = float(np.median(values))
        maps.append(PhaseMap(name, xs, ys, medians))
    return maps


def logarithmic(values: np.ndarray) -> bool:
    return bool(len(values) > 1 and values.min() > 0 and values.max() >= 10 * values.min())


def cell_edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Edges halfway between neighbouring values (geometrically on a log
    axis), the outer ones as far out as the inner: each value at its
    cell's centre."""
    points = np.log10(values) if log else values.astype(float)
    if len(points) == 1:
        half = 0.5 if log else max(abs(points[0]) * 0.5, 0.5)
        edges = np.array([points[0] - half, points[0] + half])
    else:
        middle = (points[1:] + points[:-1]) / 2
        edges = np.concatenate(
            [
                [points[0] - (middle[0] - points[0])],
                middle,
                [points[-1] + (points[-1] - middle[-1])],
            ]
        )
    return 10.0**edges if log else edges


def plot_phase(
    maps: Sequence[PhaseMap],
    arguments: tuple[str, str],
    path: str | Path,
    quantity: str = "final loss",
) -> None:
    """One heat map per entry, on one colour scale: the median `quantity`."""
    use_page_style()
    columns = min(3, len(maps))
    rows = -(-len(maps) // columns)
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(3.4 * columns + 0.9, 3.0 * rows + 0.9),
        squeeze=False,
        layout="constrained",
    )
    for unused in grid.flat[len(maps) :]:
        unused.set_visible(False)
    finite = np.concatenate([m.medians[np.isfinite(m.medians)] for m in maps] or [np.empty(0)])
    positive = finite.size and finite.min() > 0
    norm = (
        LogNorm(finite.min(), max(finite.max(), finite.min() * 1.001))
        if positive and finite.max() >= 10 * finite.min()
        else Normalize(finite.min() if finite.size else 0, finite.max() if finite.size else 1)
    )
    mesh = None
    for axes, phase in zip(grid.flat, maps, strict=False):
        log_x, log_y = logarithmic(phase.x), logarithmic(phase.y)
        x_edges, y_edges = cell_edges(phase.x, log_x), cell_edges(phase.y, log_y)
        shown = np.ma.masked_invalid(phase.medians)
        mesh = axes.pcolormesh(x_edges, y_edges, shown, cmap="viridis", norm=norm)
        for i, j in zip(*np.nonzero(np.isposinf(phase.medians)), strict=True):
            axes.add_patch(
                Rectangle(
                    (x_edges[j], y_edges[i]),
                    x_edges[j + 1] - x_edges[j],
                    y_edges[i + 1] - y_edges[i],
                    facecolor="none",
                    edgecolor=theme().foreground,
                    hatch="xx",
                    linewidth=0,
                )
            )
        if (best := phase.best) is not None:
            axes.plot(
                phase.x[best[1]],
                phase.y[best[0]],
                marker="*",
                markersize=13,
                color="gold",
                markeredgecolor="black",
                linestyle="none",
            )
        if log_x:
            axes.set_xscale("log")
        if log_y:
            axes.set_yscale("log")
        axes.set_xlim(x_edges[0], x_edges[-1])
        axes.set_ylim(y_edges[0], y_edges[-1])
        axes.set_xlabel(arguments[0], fontsize=SMALL_FONT_SIZE)
        axes.set_ylabel(arguments[1], fontsize=SMALL_FONT_SIZE)
        axes.tick_params(labelsize=MIN_FONT_SIZE)
        axes.set_title(phase.name, fontsize=SMALL_FONT_SIZE)
    if mesh is not None:
        bar = figure.colorbar(mesh, ax=list(grid.flat[: len(maps)]), shrink=0.9)
        bar.set_label(f"median {quantity} over seeds", fontsize=SMALL_FONT_SIZE)
        bar.ax.tick_params(labelsize=MIN_FONT_SIZE)
    figure.legend(
        [
            Patch(facecolor="none", edgecolor=theme().foreground, hatch="xx"),
            plt.Line2D(
                [],
                [],
                marker="*",
                markersize=12,
                color="gold",
                markeredgecolor="black",
                linestyle="none",
            ),
        ],
        ["diverged (most seeds)", "best cell"],
        loc="outside lower center",
        ncol=2,
        fontsize=SMALL_FONT_SIZE,
        frameon=False,
    )
    figure.suptitle(f"Median {quantity} over {arguments[0]} and {arguments[1]}", fontsize=11)
    save_figure(figure, path)
    plt.close(figure)
