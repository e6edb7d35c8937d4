"""Optimizer paths over a loss surface: animation frames and the whole paths.

The surface (a contour, drawn once) comes from a problem's NumPy loss on a
grid of its plane; each frame redraws only the moving artists (trails,
markers, the step counter) over it, which is what makes a few hundred frames
cheap. Frames come back as Pillow images for assemble_gif.write_gif, or are
saved as PNG. Never imports TensorFlow.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from PIL import Image

from render import save_figure, use_page_style

# Wider than the bar frames: a contour with a legend needs the room.
FIGSIZE = (5.0, 4.0)  # inches: 500 x 400 pixels at 100 DPI
GRID_POINTS = 200  # per axis of the contour


@dataclass(frozen=True)
class Surface:
    """A loss surface on a rectangle of a plane: `loss[i, j]` at (`x[j]`, `y[i]`)."""

    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray

    @classmethod
    def sample(
        cls,
        loss: Callable[[np.ndarray], np.ndarray],
        domain: Sequence[Sequence[float]],
        points: int = GRID_POINTS,
    ) -> "Surface":
        """`loss` maps (..., 2) points of the plane to (...) values."""
        x = np.linspace(*domain[0], points)
        y = np.linspace(*domain[1], points)
        grid = np.stack(np.meshgrid(x, y), axis=-1)
        return cls(x, y, np.asarray(loss(grid), dtype=float))


def contour_levels(values: np.ndarray, count: int = 30) -> tuple[np.ndarray, bool]:
    """Contour levels and whether they are log-spaced.

    Log-spaced where the finite values are positive and span three decades or
    more (Rosenbrock's valley is invisible on linear levels), else linear.
    """
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    if (
        finite.size
        and finite.min() >= 0
        and positive.size
        and positive.max() / positive.min() >= 1e3
    ):
        low = max(positive.min(), positive.max() * 1e-9)
        return np.geomspace(low, positive.max(), count), True
    return np.linspace(finite.min(), finite.max(), count), False


@dataclass(frozen=True)
class Path2D:
    """One run's positions in the plane, one row per epoch."""

    label: str
    points: np.ndarray  # (E+1, 2)

    def left_at(self, domain: Sequence[Sequence[float]]) -> int | None:
        """The first epoch at which the path is outside `domain` (or not finite)."""
        (x0, x1), (y0, y1) = domain
        x, y = self.points[:, 0], self.points[:, 1]
        outside = ~(np.isfinite(x) & np.isfinite(y) & (x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1))
        return int(np.argmax(outside)) if outside.any() else None


class TrajectoryFigure:
    """A contour of `surface` with one trail and marker per path.

    `draw(epoch)` shows every path up to `epoch`; the contour, axes, legend and
    minima are drawn once and restored for each frame.
    """

    def __init__(
        self,
        surface: Surface,
        paths: Sequence[Path2D],
        title: str,
        subtitle: str = "",
        minima: Sequence[Sequence[float]] = (),
        figsize: tuple[float, float] = FIGSIZE,
    ) -> None:
        use_page_style()
        self.paths = list(paths)
        self.domain = ((surface.x[0], surface.x[-1]), (surface.y[0], surface.y[-1]))
        self.figure, self.axes = plt.subplots(figsize=figsize)
        axes = self.axes
        levels, logarithmic = contour_levels(surface.loss)
        axes.contourf(
            surface.x,
            surface.y,
            np.clip(surface.loss, levels[0], levels[-1]),
            levels=levels,
            cmap="Greys_r",
            norm=LogNorm(levels[0], levels[-1]) if logarithmic else None,
            alpha=0.6,
        )
        axes.contour(
            surface.x, surface.y, surface.loss, levels=levels[::3], colors="grey", linewidths=0.4
        )
        axes.set_xlim(*self.domain[0])
        axes.set_ylim(*self.domain[1])
        axes.set_title(title, fontsize=11)
        if subtitle:
            self.figure.text(0.5, 0.005, subtitle, ha="center", va="bottom", fontsize=7)
        for minimum in minima:
            axes.plot(*minimum, marker="*", markersize=12, color="gold", markeredgecolor="black")
        starts = {tuple(path.points[0]) for path in self.paths}
        for start in starts:
            axes.plot(*start, marker="o", markersize=5, color="black")
        self.trails, self.markers = [], []
        for index, path in enumerate(self.paths):
            colour = f"C{index % 10}"
            (trail,) = axes.plot([], [], color=colour, linewidth=1.5, label=path.label)
            (marker,) = axes.plot([], [], marker="o", markersize=6, color=colour)
            self.trails.append(trail)
            self.markers.append(marker)
        # Part of the drawn-once background: redrawing its text each frame
        # would cost more than everything else in a frame.
        axes.legend(loc="upper right", fontsize=7)
        self.counter = axes.text(0.02, 0.95, "", transform=axes.transAxes, fontsize=10)
        self.note = axes.text(0.02, 0.02, "", transform=axes.transAxes, fontsize=8, color="tab:red")
        self.figure.tight_layout(rect=(0, 0.03 if subtitle else 0, 1, 1))
        self.changing = [*self.trails, *self.markers, self.counter, self.note]
        for artist in self.changing:
            artist.set_animated(True)
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def _update(self, epoch: int, label: str) -> None:
        left = []
        for path, trail, marker in zip(self.paths, self.trails, self.markers, strict=True):
            shown = path.points[: epoch + 1]
            trail.set_data(shown[:, 0], shown[:, 1])
            marker.set_data(shown[-1:, 0], shown[-1:, 1])
            at = path.left_at(self.domain)
            if at is not None and at <= epoch:
                left.append(f"{path.label} left the plot at step {at}")
        self.counter.set_text(f"{label} {epoch}")
        self.note.set_text("; ".join(left))

    def frame(self, epoch: int, label: str = "Step") -> Image.Image:
        """The figure at `epoch`, as an RGB image."""
        self._update(epoch, label)
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        for artist in self.changing:
            self.axes.draw_artist(artist)
        return Image.frombuffer(
            "RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1
        ).convert("RGB")

    def save_whole(self, path: str | Path, label: str = "Step") -> None:
        """The full paths, drawn in full (for print)."""
        self._update(max(len(p.points) for p in self.paths) - 1, label)
        for artist in self.changing:
            artist.set_animated(False)
        self.counter.set_text("")
        save_figure(self.figure, path)
        for artist in self.changing:
            artist.set_animated(True)

    def close(self) -> None:
        plt.close(self.figure)
