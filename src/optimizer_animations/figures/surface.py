"""A landscape in 3-D: the surface, drawn once, with every optimizer's path
lifted onto it, one frame per frame step through the frame protocol
(figures/frames.py): the surface is the background, the trails and markers
move. The view does not turn, so each frame blits like a contour's.

Where f spans decades (contour_levels says so) the height is
log10(1 + f - f_min) over the plotted rectangle, and the axis says it; a
point outside the rectangle is not drawn (the path ends at its edge).
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from optimizer_animations.figures.frames import Blitter
from optimizer_animations.figures.style import (
    MIN_FONT_SIZE,
    SMALL_FONT_SIZE,
    theme,
    use_page_style,
)

FIGSIZE = (7.2, 4.8)  # the legend beside the axes, not on the surface
SURFACE_POINTS = 60  # per axis: a 3-D mesh finer than this costs more than it shows
VIEW = {"elev": 38, "azim": -125}


class SurfaceFigure:
    """`surface` (a trajectories.Surface) in 3-D with `paths` (Path2D) on it."""

    def __init__(
        self,
        surface: Any,
        paths: Sequence[Any],
        title: str,
        loss: Any,
        minima: Sequence[Sequence[float]] = (),
    ) -> None:
        from optimizer_animations.figures.trajectories import contour_levels

        use_page_style()
        self.paths = [path for path in paths if not path.faint]
        _, self.logarithmic = contour_levels(surface.loss)
        self.floor = float(np.nanmin(surface.loss))
        coarse = surface.coarser(SURFACE_POINTS)
        self.domain = ((surface.x[0], surface.x[-1]), (surface.y[0], surface.y[-1]))
        self.figure = plt.figure(figsize=FIGSIZE)
        axes = self.figure.add_subplot(projection="3d", computed_zorder=False)
        self.axes = axes
        x, y = np.meshgrid(coarse.x, coarse.y)
        axes.plot_surface(
            x,
            y,
            self.height(coarse.loss),
            cmap=theme().surface,
            alpha=0.75,
            linewidth=0,
            antialiased=False,
            rstride=1,
            cstride=1,
        )
        for minimum in minima:
            axes.plot(
                *minimum,
                self.height(loss(np.asarray(minimum, float))),
                marker="*",
                markersize=11,
                color="gold",
                markeredgecolor=theme().foreground,
                linestyle="none",
            )
        self.heights = [self.height(loss(path.points)) for path in self.paths]
        self.trails, self.markers = [], []
        for path in self.paths:
            (trail,) = axes.plot([], [], [], color=path.colour, linewidth=1.6, label=path.label)
            (marker,) = axes.plot([], [], [], marker="o", markersize=5, color=path.colour)
            self.trails.append(trail)
            self.markers.append(marker)
        axes.view_init(**VIEW)
        axes.set_xlim(*self.domain[0])
        axes.set_ylim(*self.domain[1])
        axes.set_xlabel("x", fontsize=SMALL_FONT_SIZE)
        axes.set_ylabel("y", fontsize=SMALL_FONT_SIZE)
        axes.set_zlabel(
            "log10(1 + f − min f)" if self.logarithmic else "f(x, y)", fontsize=SMALL_FONT_SIZE
        )
        axes.tick_params(labelsize=MIN_FONT_SIZE)
        axes.set_title(title, fontsize=11)
        axes.set_box_aspect(None, zoom=0.82)  # room for the tick labels at every edge
        self.figure.legend(loc="upper right", bbox_to_anchor=(0.99, 0.9), fontsize=MIN_FONT_SIZE)
        self.counter = self.figure.text(0.99, 0.95, "", ha="right", fontsize=SMALL_FONT_SIZE)
        self.figure.subplots_adjust(left=-0.02, right=0.72, bottom=0.0, top=0.95)
        self.moving = [*self.trails, *self.markers, self.counter]
        self.exact_axes = None
        self.blitter = Blitter(self)

    def height(self, loss: np.ndarray) -> np.ndarray:
        loss = np.asarray(loss, dtype=float)
        return np.log10(1 + loss - self.floor) if self.logarithmic else loss

    def inside(self, points: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.domain
        return (
            (points[:, 0] >= x0)
            & (points[:, 0] <= x1)
            & (points[:, 1] >= y0)
            & (points[:, 1] <= y1)
        )

    def lifted(self, index: int, step: int) -> np.ndarray:
        """Path `index`'s points up to `step` as (n, 3): x, y and the drawn
        height; outside the rectangle, NaN (not drawn)."""
        path = self.paths[index]
        points = path.upto(step).astype(float)
        z = self.heights[index][: len(points)]
        lifted = np.column_stack([points, z])
        lifted[~self.inside(points)] = np.nan
        return lifted

    def show(self, step: int) -> None:
        for index, (trail, marker) in enumerate(zip(self.trails, self.markers, strict=True)):
            points = self.lifted(index, step)
            trail.set_data_3d(points[:, 0], points[:, 1], points[:, 2])
            marker.set_data_3d(points[-1:, 0], points[-1:, 1], points[-1:, 2])
        self.counter.set_text(f"Step {step}")

    def frame(self, step: int, label: str = "Step") -> Image.Image:
        """The figure at `step`, as an RGB image (a landscape counts steps)."""
        return self.blitter.image(step)

    def save_whole(self, path: str | Path, label: str = "Step") -> None:
        self.show(max(len(p.points) - 1 for p in self.paths))
        self.counter.set_text("")
        self.blitter.save_full(path)

    def close(self) -> None:
        plt.close(self.figure)
