"""The figures' one style: the page's look, pixel scale and PNG bytes.

The output depends only on the data and the arguments: matplotlib's defaults
(not the user's matplotlibrc), its bundled DejaVu Sans font, the Agg backend,
a fixed DPI and no timestamps in the PNGs.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from optimizer_animations.export.formats import PIXEL_SCALES
from optimizer_animations.files import atomic_output

FIGSIZE = (4.0, 3.0)  # inches, as on the page
DPI = 100  # so every frame is 400 x 300 pixels
# Without a software tag, the PNG bytes do not change with matplotlib's version.
PNG_METADATA = {"Software": None}


# `frames.scale`: 2 draws every figure at twice the pixels with the same
# layout (HiDPI screens); set once per job, before any figure.
PIXEL_SCALE = {"scale": 1}


def set_pixel_scale(scale: int) -> None:
    if scale not in PIXEL_SCALES:
        raise ValueError(f"scale {scale!r}: allowed {PIXEL_SCALES}")
    PIXEL_SCALE["scale"] = scale


def use_page_style() -> None:
    """The page's `plt.style.use('default')`, figsize (4, 3) and font size 12,
    at DPI x `frames.scale`."""
    matplotlib.rcdefaults()
    dpi = DPI * PIXEL_SCALE["scale"]
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "font.size": 12,
            "font.family": ["DejaVu Sans"],
            "svg.hashsalt": "optimizer-animations",
        }
    )


def save_figure(figure: plt.Figure, path: str | Path) -> None:
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", metadata=PNG_METADATA)
