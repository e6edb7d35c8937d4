"""Series on one axes, or small multiples when there are too many to follow.

Up to MAX_SERIES series share one axes, each in its entry's colour. Beyond
that every series gets a panel of its own, drawn in its colour over the
others in the theme's context grey, so that a reader follows one line at a
time and still sees where it stands (as xarray's facet grids, one piece for
every figure kind that has series). A legend goes where it covers no data.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection

from optimizer_animations.figures.style import MAX_SERIES, SMALL_FONT_SIZE, save_figure, theme

T = TypeVar("T")

# Small multiples: four panels of 3.2 x 2.6 inches to a row.
PANEL_SIZE = (3.2, 2.6)
PANEL_COLUMNS = 4
# More series than this get no panel each: a wall of stamps nobody reads,
# and every panel draws every other series (a 40 x 50 grid: 4 million lines
# that took minutes). They share one axes, each a thin line in its colour.
MAX_PANELS = 36


@dataclass(frozen=True)
class Facets:
    """The figure and its axes: one, or a panel per series."""

    figure: Any
    axes: list[Any]
    columns: int = PANEL_COLUMNS
    crowded: bool = False  # more than MAX_PANELS series on one axes: no legend

    @property
    def faceted(self) -> bool:
        return len(self.axes) > 1

    def outer_axes(self) -> tuple[list[Any], list[Any]]:
        """The axes of the bottom row (x labels) and of the left column (y labels)."""
        columns = min(self.columns, len(self.axes))
        count = len(self.axes)
        bottom = [a for i, a in enumerate(self.axes) if i + columns >= count]
        left = [a for i, a in enumerate(self.axes) if i % columns == 0]
        return bottom, left

    def finish(
        self,
        path: Any,
        xlabel: str,
        ylabel: str,
        heading: str,
        title: str = "",
        legend: dict[str, Any] | None = None,
    ) -> None:
        """Label the outer axes; put `heading` above the panels, or on one
        axes its `title` and a legend beside it (`legend`: more of its
        arguments); lay out, save and close the figure."""
        bottom, left = self.outer_axes()
        for axes in bottom:
            axes.set_xlabel(xlabel)
        for axes in left:
            axes.set_ylabel(ylabel)
        if self.faceted:
            self.figure.suptitle(heading)
        elif self.crowded:
            self.axes[0].set_title(heading, fontsize=SMALL_FONT_SIZE)
        else:
            if title:
                self.axes[0].set_title(title)
            self.axes[0].legend(
                fontsize=SMALL_FONT_SIZE,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                **(legend or {}),
            )
        self.figure.tight_layout()
        save_figure(self.figure, path)
        plt.close(self.figure)


def a_panel_each(histories: Sequence[T]) -> tuple[list[T], str]:
    """The runs of a figure with a panel per run (anatomy, step sizes), at
    most MAX_PANELS: every run, or the first of each optimizer entry; and
    words for its title that say which."""
    if len(histories) <= MAX_PANELS:
        return list(histories), ""
    firsts: dict[str, T] = {}
    for history in histories:
        firsts.setdefault(history.run.family, history)  # type: ignore[attr-defined]
    shown = list(firsts.values())[:MAX_PANELS]
    return shown, f" (the first run of {len(shown)} entries: {len(histories):,} runs in all)"


def draw_facets(
    series: Sequence[T],
    colours: Sequence[str],
    draw: Callable[[Any, T, str, bool], None],
    title: Callable[[T], str],
    figsize: tuple[float, float],
    sharey: bool = True,
    panels: bool = False,
    columns: int = PANEL_COLUMNS,
) -> Facets:
    """`draw(axes, item, colour, highlighted)` for every series: on one axes of
    `figsize` if there are MAX_SERIES or fewer (and not `panels`), else one
    panel per series (`title(item)` above it, `columns` to a row) with the
    others drawn first in the context grey."""
    if len(series) <= MAX_SERIES and not panels:
        figure, axes = plt.subplots(figsize=figsize)
        for item, colour in zip(series, colours, strict=True):
            draw(axes, item, colour, True)
        return Facets(figure, [axes])
    if len(series) > MAX_PANELS:
        figure, axes = plt.subplots(figsize=figsize)
        for item, colour in zip(series, colours, strict=True):
            draw(axes, item, colour, False)
        axes.set_title(f"{len(series):,} runs, one thin line each", fontsize=SMALL_FONT_SIZE)
        return Facets(figure, [axes], crowded=True)
    rows = -(-len(series) // columns)
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows + 0.4),
        sharex=True,
        sharey=sharey,
        squeeze=False,
    )
    panels = list(grid.flat[: len(series)])
    for unused in grid.flat[len(series) :]:
        unused.set_visible(False)
    for axes, item, colour in zip(panels, series, colours, strict=True):
        for other in series:
            if other is not item:
                draw(axes, other, theme().context, False)
        draw(axes, item, colour, True)
        axes.set_title(title(item), fontsize=SMALL_FONT_SIZE)
    # Shared axes hide the inner tick labels; keep them on every panel.
    for axes in panels:
        axes.tick_params(labelbottom=True, labelleft=True, labelsize=SMALL_FONT_SIZE - 1)
    return Facets(figure, panels, columns)


# Where a legend may go inside the axes, in the order tried after the preferred one.
CORNERS = ("upper right", "upper left", "lower left", "lower right")


def data_paths(axes: Any) -> list[tuple[Any, bool]]:
    """The axes' data in display coordinates, each with whether it is an area:
    every line and its markers, and every band (fill_between). A contour is
    the ground they lie on."""
    paths = []
    for line in axes.get_lines():
        if line.get_visible() and len(line.get_xydata()):
            paths.append((line.get_transform().transform_path(line.get_path()), False))
    for collection in axes.collections:
        if isinstance(collection, PolyCollection) and collection.get_visible():
            transform = collection.get_transform()
            paths += [(transform.transform_path(path), True) for path in collection.get_paths()]
    return paths


def covers_data(axes: Any, box: Any) -> bool:
    """Whether the display box `box` covers a point, a stretch or an area of
    the axes' data."""
    for path, area in data_paths(axes):
        finite = path.vertices[np.isfinite(path.vertices).all(axis=1)]
        if not len(finite):
            continue
        if path.intersects_bbox(box, filled=area) or box.contains(*finite[0]):
            return True
    return False


def place_legend(axes: Any, preferred: str = "upper right", **options: Any) -> Any:
    """A legend inside the axes where it covers no data (`preferred` first,
    then the corners), else beside the axes. Call after the layout: the box's
    place among the data depends on the axes' size."""
    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    for loc in dict.fromkeys((preferred, *CORNERS)):
        legend = axes.legend(loc=loc, **options)
        if not covers_data(axes, legend.get_window_extent(renderer)):
            return legend
    # Beside the axes, the figure widened by the legend's width so that the
    # axes keep their size.
    legend = axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **options)
    width = legend.get_window_extent(renderer).width / figure.dpi
    figure.set_figwidth(figure.get_figwidth() + width + 0.1)
    figure.tight_layout()
    return legend
