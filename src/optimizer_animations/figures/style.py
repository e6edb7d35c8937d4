"""The figures' one style: the page's look, the series colours, pixel scale and PNG bytes.

The output depends only on the data and the arguments: matplotlib's defaults
(not the user's matplotlibrc), its bundled DejaVu Sans font, the Agg backend,
a fixed DPI and no timestamps in the PNGs.

Series (an experiment's optimizer entries) take Okabe and Ito's colours, in
the order of the experiment's entries in every figure of it, so that Adam is
the same colour in its path, its loss and its sensitivity line. No axes
holds more than MAX_SERIES of them: beyond that a figure draws small
multiples, one panel per entry with the others in the context grey behind
it. A published figure is also drawn in the DARK theme (themes_to_draw).
"""

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from optimizer_animations.export.formats import PIXEL_SCALES, dark_variant
from optimizer_animations.files import atomic_output

FIGSIZE = (4.0, 3.0)  # inches, as on the page
DPI = 100  # so every frame is 400 x 300 pixels
# Without a software tag, the PNG bytes do not change with matplotlib's version.
PNG_METADATA = {"Software": None}


# Okabe and Ito's eight: under a simulated protan-, deuteran- or
# tritanomaly at full severity every two keep a CIEDE2000 distance of 11 or
# more (2.3 is about the least people see; tests/test_figure_style.py).
# Blue, orange and green first, as matplotlib's default cycle starts, so the
# page's figures keep their look; yellow and black last, the weakest on white.
SERIES_COLOURS = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
MAX_SERIES = len(SERIES_COLOURS)
# The other entries behind a panel's own, and marks that are not a series.
CONTEXT_COLOUR = "#CCCCCC"
WARNING_COLOUR = "#D55E00"  # a note that a run diverged or left the plot
# The smallest text of any figure at scale 1 (tests/test_figure_style.py).
MIN_FONT_SIZE = 9.0
SMALL_FONT_SIZE = 10.0  # legends, panel titles, notes


@dataclass(frozen=True)
class Theme:
    """The colours a figure is drawn in: the page's light one, or the dark
    variant of a published figure (`<name>.dark.<ext>` beside it,
    export/formats.py's dark_variant)."""

    name: str
    series: tuple[str, ...]
    context: str  # the other entries behind a panel's own
    foreground: str  # text, axes, markers that are not a series
    background: str | None  # None: matplotlib's own white
    surface: str  # the colour map of a loss surface
    contour: str  # its level lines


LIGHT = Theme("light", SERIES_COLOURS, CONTEXT_COLOUR, "black", None, "Greys_r", "grey")
# Furo's dark background, light text; black's place in the palette goes to
# white (the distances stay as above, tests/test_figure_style.py).
DARK = Theme(
    "dark",
    (*SERIES_COLOURS[:-1], "#FFFFFF"),
    "#555555",
    "#FFFFFF",
    "#131416",
    "Greys",
    "#777777",
)
THEMES = {theme.name: theme for theme in (LIGHT, DARK)}
# The theme of the figures a job draws now (use_theme).
CURRENT = {"theme": LIGHT}


def theme() -> Theme:
    return CURRENT["theme"]


def use_theme(chosen: Theme) -> None:
    """Draw the next figures in `chosen` (call use_page_style after it)."""
    CURRENT["theme"] = chosen


def series_colour(index: int) -> str:
    """The colour of an experiment's `index`-th optimizer entry (0-based).
    Past MAX_SERIES the colours repeat, which only small multiples allow."""
    return theme().series[index % MAX_SERIES]


def entry_colours(families: Sequence[str]) -> dict[str, str]:
    """Entry label -> its colour, in the experiment's order of entries."""
    return {family: series_colour(index) for index, family in enumerate(dict.fromkeys(families))}


# `frames.scale`: 2 draws every figure at twice the pixels with the same
# layout (HiDPI screens); set once per job, before any figure.
PIXEL_SCALE = {"scale": 1}


def set_pixel_scale(scale: int) -> None:
    if scale not in PIXEL_SCALES:
        raise ValueError(f"scale {scale!r}: allowed {PIXEL_SCALES}")
    PIXEL_SCALE["scale"] = scale


# What a dark theme draws in its light foreground colour.
DARK_FOREGROUND_KEYS = (
    "text.color",
    "axes.labelcolor",
    "axes.edgecolor",
    "xtick.color",
    "ytick.color",
    "legend.edgecolor",
    "boxplot.boxprops.color",
    "boxplot.whiskerprops.color",
    "boxplot.capprops.color",
    "boxplot.medianprops.color",
)


def use_page_style() -> None:
    """The page's `plt.style.use('default')`, figsize (4, 3) and font size 12,
    at DPI x `frames.scale`, with the series colours."""
    matplotlib.rcdefaults()
    dpi = DPI * PIXEL_SCALE["scale"]
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "font.size": 12,
            "font.family": ["DejaVu Sans"],
            "axes.prop_cycle": matplotlib.cycler(color=theme().series),
            "svg.hashsalt": "optimizer-animations",
        }
    )
    dark = theme().background
    if dark is not None:
        light = theme().foreground
        plt.rcParams.update(
            {
                **dict.fromkeys(
                    ("figure.facecolor", "axes.facecolor", "savefig.facecolor", "legend.facecolor"),
                    dark,
                ),
                **dict.fromkeys(DARK_FOREGROUND_KEYS, light),
            }
        )


def save_figure(figure: plt.Figure, path: str | Path) -> None:
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", metadata=PNG_METADATA)


def themes_to_draw(dark_outputs: Collection[str]) -> Iterator[Callable[[str], str | None]]:
    """The themes a figure job draws in, one after the other: for each, where
    a figure (named by its light path) goes in it, or None (not drawn in it).

    The light theme always; then the dark one, for the figures whose dark
    variant is among `dark_outputs` (the published ones: a run that
    publishes nothing draws nothing twice).
    """
    use_theme(LIGHT)
    yield lambda path: path
    wanted = set(map(str, dark_outputs))
    if wanted:
        use_theme(DARK)
        try:
            yield lambda path: variant if (variant := dark_variant(path)) in wanted else None
        finally:
            use_theme(LIGHT)
