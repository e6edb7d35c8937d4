"""The frame protocol and the one blitter of every animation.

An animated figure (`Animated`) has two parts: a static background, drawn
once, and its `moving` artists, which `show(step)` sets for step k. The
`Blitter` draws the background once and, for each step, restores it and
draws only the moving artists over it (~6x faster than a full draw).

Blitting gives a full draw's pixels only where nothing static is painted
after the moving artists. A figure that must match a full draw byte for byte
(the bar frames, tests/test_render.py) names `exact_axes`: a step whose
moving artists reach those axes' spines is then drawn in full instead.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.image
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox
from PIL import Image

from optimizer_animations.figures.style import PNG_METADATA, save_figure
from optimizer_animations.files import atomic_output


class Animated(Protocol):
    """What every animated figure implements."""

    figure: plt.Figure
    # In the order a full draw paints them (by zorder, then as added).
    moving: Sequence[Any]
    # Blitting must equal a full draw inside these axes (None: not checked).
    exact_axes: plt.Axes | None

    def show(self, step: int) -> None:
        """Set the moving artists for `step`."""


class Blitter:
    """The background of `animated` drawn once; each step's frame drawn over it."""

    # Spines are 0.8 pt (~1 px) wide and anti-aliased into their neighbours.
    SPINE_CLEARANCE_PX = 3

    def __init__(self, animated: Animated) -> None:
        self.animated = animated
        self.figure = animated.figure
        self._set_animated(True)
        self.figure.canvas.draw()
        self.background = self.figure.canvas.copy_from_bbox(self.figure.bbox)
        self.renderer = self.figure.canvas.get_renderer()
        axes = animated.exact_axes
        self.clear_area = (
            None
            if axes is None
            else axes.get_window_extent(self.renderer).padded(-self.SPINE_CLEARANCE_PX)
        )

    def _set_animated(self, animated: bool) -> None:
        for artist in self.animated.moving:
            artist.set_animated(animated)

    def _extent(self, artist: Any) -> Bbox:
        if isinstance(artist, Line2D) and artist.get_marker() == "_":
            # Line2D pads its extent by the marker size in every direction;
            # a "_" marker is that wide but only its edge width high.
            points = artist.get_transform().transform(artist.get_xydata())
            to_px = self.figure.dpi / 72
            half_width = artist.get_markersize() * to_px / 2
            half_height = artist.get_markeredgewidth() * to_px / 2
            return Bbox.from_extents(
                points[:, 0].min() - half_width,
                points[:, 1].min() - half_height,
                points[:, 0].max() + half_width,
                points[:, 1].max() + half_height,
            )
        return artist.get_window_extent(self.renderer)

    def _clear_of_static(self) -> bool:
        area = self.clear_area
        if area is None:
            return True
        for artist in self.animated.moving:
            box = self._extent(artist)
            if not (
                area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1
            ):
                return False
        return True

    def _blit(self) -> None:
        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        for artist in self.animated.moving:
            self.figure.draw_artist(artist)

    def save_full(self, path: str | Path) -> None:
        """The figure as it stands, drawn in full (moving artists included)."""
        self._set_animated(False)
        save_figure(self.figure, path)
        self._set_animated(True)

    def save(self, step: int, path: str | Path) -> None:
        """Step `step`'s frame as a PNG, the bytes `savefig` would write."""
        self.animated.show(step)
        if not self._clear_of_static():
            self.save_full(path)
            return
        self._blit()
        # What savefig's PNG writer does with the drawn canvas.
        with atomic_output(path) as tmp:
            matplotlib.image.imsave(
                tmp,
                self.figure.canvas.buffer_rgba(),
                format="png",
                origin="upper",
                dpi=self.figure.dpi,
                metadata=PNG_METADATA,
            )

    def image(self, step: int) -> Image.Image:
        """Step `step`'s frame as an RGB image (for the writers)."""
        self.animated.show(step)
        canvas = self.figure.canvas
        if self._clear_of_static():
            self._blit()
        else:
            self._set_animated(False)
            canvas.draw()
            self._set_animated(True)
        return Image.frombuffer(
            "RGBA", canvas.get_width_height(), bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1
        ).convert("RGB")

    def images(self, steps: Sequence[int]) -> list[Image.Image]:
        return [self.image(step) for step in steps]
