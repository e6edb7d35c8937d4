"""Two-argument maps: a grid over two numeric arguments (learning rate and
momentum, beta_1 and beta_2) as a heat map of the median final loss over
seeds, one panel per optimizer entry, as Distill's momentum article draws
its (alpha, beta) phase diagram from the formula; here every cell is runs.
A tuned experiment's map puts the tuning's learning rates against an
entry's grid argument, each of whose values was tuned on its own: its
cells are the median objective over the tuning seeds (tuning.csv), and a
dot in each row marks the rate chosen for it (tuned.yaml).

A cell is diverged when more than half of its seeds diverged (a diverged
run counts as an infinite loss, so the median is infinite): it is hatched,
not coloured. The best cell (the lowest median) carries a star. An axis is
logarithmic where its values are positive and span a decade or more,
linear where they are evenly spaced, and otherwise a row or column per
value, labelled with it.
"""

import math
import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.patches import Patch, Rectangle

from optimizer_animations.config.names import setting_name
from optimizer_animations.figures.style import (
    MIN_FONT_SIZE,
    SMALL_FONT_SIZE,
    save_figure,
    theme,
    use_page_style,
)
from optimizer_animations.records.run_table import RunTable
from optimizer_animations.tuning.protocol import row_setting


@dataclass(frozen=True)
class PhaseMap:
    """One entry's cells: `medians[i, j]` at (`x[j]`, `y[i]`), inf where most
    seeds failed, NaN where the grid has no run. A tuned experiment's map
    also has `chosen[i]`: the learning rate (an x) tuned for `y[i]`."""

    name: str
    x: np.ndarray
    y: np.ndarray
    medians: np.ndarray
    seeds: int = 1  # the most runs in a cell
    chosen: np.ndarray | None = None

    @property
    def best(self) -> tuple[int, int] | None:
        """(i, j) of the lowest finite median, the first in grid order on a tie."""
        finite = np.where(np.isfinite(self.medians), self.medians, np.inf)
        if not np.isfinite(finite).any():
            return None
        i, j = np.unravel_index(int(np.argmin(finite)), finite.shape)
        return int(i), int(j)


# A map's cells: its name -> (x, y) -> each seed's value (inf: failed).
Cells = dict[str, dict[tuple[float, float], list[float]]]


def maps_of(cells: Cells, chosen: dict[str, dict[float, float]] | None = None) -> list[PhaseMap]:
    """The maps of `cells`, in the order their names first appear; `chosen`:
    name -> y -> the x tuned for it."""
    maps = []
    for name, by_pair in cells.items():
        xs = np.array(sorted({x for x, _ in by_pair}))
        ys = np.array(sorted({y for _, y in by_pair}))
        medians = np.full((len(ys), len(xs)), np.nan)
        for (x, y), values in by_pair.items():
            medians[np.searchsorted(ys, y), np.searchsorted(xs, x)] = float(np.median(values))
        seeds = max(len(values) for values in by_pair.values())
        tuned = None
        if chosen is not None:
            tuned = np.array([chosen.get(name, {}).get(float(y), np.nan) for y in ys])
        maps.append(PhaseMap(name, xs, ys, medians, seeds, tuned))
    return maps


def phase_maps(table: RunTable, arguments: tuple[str, str]) -> list[PhaseMap]:
    """A sweep's maps: per optimizer entry (and its values of any other grid
    argument), the median final loss over seeds at each pair of the two
    arguments' values; a diverged run counts as infinite."""
    first, second = arguments
    cells: Cells = defaultdict(lambda: defaultdict(list))
    for row, x, y in zip(table.rows, table.column(first), table.column(second), strict=True):
        if x is None or y is None:
            continue  # an entry whose grid lacks one of them: no map
        others = {k: v for k, v in row["grid"].items() if k not in arguments}
        name = setting_name(row["family"], others)
        diverged = row["diverged_at"] is not None or not math.isfinite(row["final_loss"])
        cells[name][(float(x), float(y))].append(math.inf if diverged else row["final_loss"])
    return maps_of(cells)


def tuning_phase_maps(
    rows: Sequence[dict[str, Any]], argument: str, tuned: Mapping[str, float]
) -> list[PhaseMap]:
    """A tuned experiment's maps from tuning.csv's rows: per optimizer entry
    (and its values of any other grid argument), the median objective over
    the tuning seeds at each learning rate (x) and value of `argument` (y),
    and for each value the rate tuned.yaml chose for it (`tuned`: setting ->
    rate). A failed trial's objective is infinite."""
    cells: Cells = defaultdict(lambda: defaultdict(list))
    chosen: dict[str, dict[float, float]] = defaultdict(dict)
    for row in rows:
        grid = row.get("grid", {})
        if not is_number(grid.get(argument)):
            continue  # an entry without that grid argument: no map
        others = {k: v for k, v in grid.items() if k != argument}
        name = setting_name(row["optimizer"], others)
        y = float(grid[argument])
        cells[name][(row["learning_rate"], y)].append(row["objective"])
        if (setting := row_setting(row)) in tuned:
            chosen[name][y] = tuned[setting]
    return maps_of(cells, chosen)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def logarithmic(values: np.ndarray) -> bool:
    return bool(len(values) > 1 and values.min() > 0 and values.max() >= 10 * values.min())


def axis_kind(values: np.ndarray) -> str:
    """`log` where the values span a decade, `linear` where they are evenly
    spaced, else `category`: evenly spaced cells labelled with the values
    (momentums 0, 0.5, 0.9, 0.99 each get a row one can read)."""
    if logarithmic(values):
        return "log"
    steps = np.diff(values.astype(float))
    if len(values) <= 2 or np.allclose(steps, steps[0], rtol=0.01, atol=0):
        return "linear"
    return "category"


def axis_positions(values: np.ndarray, kind: str) -> np.ndarray:
    """Where each of an axis's values is drawn: at itself, or a category's index."""
    return np.arange(len(values), dtype=float) if kind == "category" else values.astype(float)


def place(values: np.ndarray, kind: str, at: np.ndarray) -> np.ndarray:
    """The positions of `at` (some of the axis's values, NaN: none) on the axis."""
    at = np.asarray(at, dtype=float)
    if kind != "category":
        return at
    index = np.searchsorted(values, np.where(np.isnan(at), values[0], at))
    return np.where(np.isnan(at), np.nan, index.astype(float))


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
    failed: str = "diverged",
) -> None:
    """One heat map per entry, on one colour scale: the median `quantity`;
    `failed`: what an infinite cell's runs did. A tuned map's chosen rates
    are white dots, one per row."""
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
        x_kind, y_kind = axis_kind(phase.x), axis_kind(phase.y)
        xs, ys = axis_positions(phase.x, x_kind), axis_positions(phase.y, y_kind)
        x_edges, y_edges = cell_edges(xs, x_kind == "log"), cell_edges(ys, y_kind == "log")
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
                xs[best[1]],
                ys[best[0]],
                marker="*",
                markersize=13,
                color="gold",
                markeredgecolor="black",
                linestyle="none",
            )
        if phase.chosen is not None:
            axes.plot(
                place(phase.x, x_kind, phase.chosen),
                ys,
                marker="o",
                markersize=5,
                color="white",
                markeredgecolor="black",
                linestyle="none",
                zorder=3,  # above the star: the best cell is also its row's choice
            )
        for kind, values, scale, ticks in (
            (x_kind, phase.x, axes.set_xscale, axes.set_xticks),
            (y_kind, phase.y, axes.set_yscale, axes.set_yticks),
        ):
            if kind == "log":
                scale("log")
            elif kind == "category":
                ticks(np.arange(len(values)), [f"{v:g}" for v in values])
        axes.set_xlim(x_edges[0], x_edges[-1])
        axes.set_ylim(y_edges[0], y_edges[-1])
        axes.set_xlabel(arguments[0], fontsize=SMALL_FONT_SIZE)
        axes.set_ylabel(arguments[1], fontsize=SMALL_FONT_SIZE)
        axes.tick_params(labelsize=MIN_FONT_SIZE)
        axes.set_title(phase.name, fontsize=SMALL_FONT_SIZE)
    seeds = max((m.seeds for m in maps), default=1)
    median = "median " if seeds > 1 else ""
    if mesh is not None:
        bar = figure.colorbar(mesh, ax=list(grid.flat[: len(maps)]), shrink=0.9)
        bar.set_label(
            f"{median}{quantity}{' over seeds' if median else ''}", fontsize=SMALL_FONT_SIZE
        )
        # A log bar spanning under two decades labels its minor ticks too.
        bar.ax.tick_params(which="both", labelsize=MIN_FONT_SIZE)
    handles = [
        Patch(facecolor="none", edgecolor=theme().foreground, hatch="xx"),
        marker_handle("*", 12, "gold"),
    ]
    labels = [f"{failed} (most seeds)" if median else failed, "best cell"]
    if any(m.chosen is not None for m in maps):
        handles.append(marker_handle("o", 5, "white"))
        labels.append(f"tuned learning rate for each {arguments[1]}")
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        # One panel's width holds two entries side by side, not three.
        ncol=len(handles) if columns > 1 or len(handles) < 3 else 1,
        fontsize=SMALL_FONT_SIZE,
        frameon=False,
    )
    shown = f"{median}{quantity}"
    title = f"{shown[:1].upper()}{shown[1:]} over {arguments[0]} and {arguments[1]}"
    figure.suptitle(textwrap.fill(title, 48 * columns), fontsize=11)
    save_figure(figure, path)
    plt.close(figure)


def marker_handle(marker: str, size: float, colour: str) -> Any:
    """A legend entry for a marker drawn on the maps."""
    return plt.Line2D(
        [],
        [],
        marker=marker,
        markersize=size,
        color=colour,
        markeredgecolor="black",
        linestyle="none",
    )
