"""The optimizer's inside, drawn from histories that record it (`state`,
training/state.py): each step's vectors on a landscape, the anatomy of one
step, and each coordinate's effective learning rate.

At the point after k updates, update k+1 is made of:

- `gradient`: the negative gradient scaled by the learning rate, -lr g, the
  step plain gradient descent would take;
- `momentum`: the direction the optimizer carries into the step, where it
  keeps one (DIRECTIONS), in the units of a step;
- `update`: the step it took, the next point minus this one.

Every arrow's data are these recorded numbers (tests/test_inside.py); a
frame's arrows are drawn on one stated scale, the anatomy's at their size.
"""

import copy
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter

from optimizer_animations.figures.facets import PANEL_COLUMNS, a_panel_each, draw_facets
from optimizer_animations.figures.style import (
    MIN_FONT_SIZE,
    SMALL_FONT_SIZE,
    save_figure,
    theme,
    use_page_style,
)
from optimizer_animations.records.history import History

VECTOR_KINDS = ("gradient", "momentum", "update")


@dataclass(frozen=True)
class Direction:
    """Where an optimizer keeps the direction it carries from step to step:
    its state variable `<weight>_<slot>`, and how it becomes a step."""

    slot: str
    # "step": it is added to the weights as it is (times `sign`); "gradient":
    # a running mean of gradients, scaled by -lr like the gradient itself.
    units: str
    sign: float = 1.0
    words: str = "momentum"


# Keras's update rules (keras/src/optimizers/*.py): SGD adds its momentum
# m = beta m - lr g to the weights, RMSprop subtracts its momentum; the Adam
# family and Lion keep a first moment of the gradients. ScheduleFreeAdamW's
# "momentum" is a sequence of points, not a direction, so none is drawn.
_FIRST_MOMENT = Direction("momentum", "gradient", words="-lr x first moment")
DIRECTIONS = {
    "SGD": Direction("momentum", "step", words="momentum (its velocity)"),
    "RMSprop": Direction("momentum", "step", -1.0, words="momentum"),
    **{
        name: _FIRST_MOMENT for name in ("Adam", "AdamW", "Adamax", "Nadam", "Lamb", "Lion", "Muon")
    },
}
VECTOR_WORDS = {
    "gradient": "−lr × gradient",
    "momentum": "momentum it carries",
    "update": "update (its path's colour)",
}


def step_vectors(history: History) -> dict[str, np.ndarray]:
    """Each kind's vector at every point but the last (S, P): row k belongs to
    update k+1, made at the point after k updates. `momentum` only where the
    optimizer keeps a direction (DIRECTIONS) and it is not all zero."""
    points = history.step_params
    rates = history.learning_rates[:, None]
    vectors = {"gradient": -rates * history.gradient, "update": np.diff(points, axis=0)}
    direction = DIRECTIONS.get(history.run.optimizer)
    if direction is not None:
        moving = [
            values
            for name, values in sorted(history.state.items())
            if name.endswith("_" + direction.slot) and values.shape[0] == len(points)
        ]
        if moving:
            carried = np.concatenate([m.reshape(len(points), -1) for m in moving], axis=1)[:-1]
            if carried.any():
                vectors["momentum"] = (
                    direction.sign * carried if direction.units == "step" else -rates * carried
                )
    return vectors


def effective_rates(history: History) -> np.ndarray:
    """Each coordinate's effective learning rate at every update (S, P): the
    update divided by the negative gradient, NaN where the gradient is zero
    (plain gradient descent: its learning rate, everywhere)."""
    update = np.diff(history.step_params.astype(np.float64), axis=0)
    gradient = history.gradient.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = -update / gradient
    return np.where(gradient != 0, rates, np.nan)


def nice_scale(lengths: np.ndarray, target: float) -> float:
    """A 1, 2 or 5 times a power of ten that brings the median of the
    (finite, non-zero) `lengths` to about `target`: a frame's arrow scale."""
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    if not lengths.size:
        return 1.0
    wanted = target / float(np.median(lengths))
    power = 10.0 ** math.floor(math.log10(wanted))
    return max(m * power for m in (1, 2, 5) if m * power <= wanted)


@dataclass(frozen=True)
class ArrowStyle:
    colour: str | None  # None: the path's own
    hollow: bool
    width: float


def arrow_style(kind: str) -> ArrowStyle:
    """Told apart by their look, not a colour, which names the optimizer:
    the gradient solid in the foreground colour, the momentum hollow, the
    update in its path's colour."""
    foreground = theme().foreground
    return {
        "gradient": ArrowStyle(foreground, False, 0.003),
        "momentum": ArrowStyle(foreground, True, 0.006),
        "update": ArrowStyle(None, False, 0.008),
    }[kind]


def draw_arrows(
    axes: Any,
    kind: str,
    origins: np.ndarray,
    vectors: np.ndarray,
    colours: Sequence[str],
    scale: float = 1.0,
    label: str | None = None,
) -> Any:
    """One quiver of `kind`'s arrows from `origins` (N, 2); `vectors` (N, 2)
    are the recorded numbers as they are, drawn `scale` times their length."""
    style = arrow_style(kind)
    colour = style.colour or list(colours)
    masked = np.ma.masked_invalid(vectors)
    return axes.quiver(
        origins[:, 0],
        origins[:, 1],
        masked[:, 0],
        masked[:, 1],
        angles="xy",
        scale_units="xy",
        scale=1.0 / scale,
        width=style.width,
        facecolor="none" if style.hollow else colour,
        edgecolor=colour if style.hollow else "none",
        linewidth=1.0 if style.hollow else 0.0,
        # The thin gradient over the wide update: where they coincide (SGD)
        # both show.
        zorder={"update": 4, "momentum": 5, "gradient": 6}[kind],
        label=label,
    )


# An anatomy panel is sized by its step; an arrow longer than this many
# times the step runs off the panel, and the panel's title says how long.
LONGEST_SHOWN = 3.0


def window_around(
    point: np.ndarray, vectors: dict[str, np.ndarray]
) -> tuple[tuple[float, float], ...]:
    """The square around `point` that holds its update, and every other
    arrow up to LONGEST_SHOWN times the update's reach, padded."""

    def reach(vector: np.ndarray) -> float:
        return float(np.max(np.abs(vector))) if np.isfinite(vector).all() else 0.0

    step = reach(vectors["update"])
    others = [reach(v) for v in vectors.values()]
    half = max(others) if not step else max(min(r, LONGEST_SHOWN * step) for r in others)
    half = 1.3 * (half or 1e-3)
    return tuple((float(c) - half, float(c) + half) for c in point)


def length_note(vectors: dict[str, np.ndarray]) -> str:
    """`gradient 40x, momentum 9x the update`, for the arrows that run off
    their panel."""
    update = float(np.hypot(*vectors["update"]))
    longer = [
        f"{kind} {length / update:.0f}×"
        for kind, vector in vectors.items()
        if kind != "update"
        and update
        and (length := float(np.hypot(*vector))) > LONGEST_SHOWN * update
    ]
    return f"{', '.join(longer)} the update" if longer else ""


def plot_anatomy(
    histories: Sequence[History],
    colours: dict[str, str],
    kinds: Sequence[str],
    update: int,
    path: str | Path,
    loss: Any,
) -> None:
    """One panel per run, zoomed in on update `update` (1: the first) at its
    own size: the point it starts from, the path before it, its arrows, and
    the point it reaches, over the loss (`loss`: (..., 2) -> (...)). Many
    runs: the first of each entry (a_panel_each)."""
    histories, which = a_panel_each(histories)
    from optimizer_animations.figures.trajectories import Surface, contour_levels, fill_contour

    use_page_style()
    k = update - 1
    columns = math.ceil(math.sqrt(len(histories)))
    rows = -(-len(histories) // columns)
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(3.3 * columns, 3.2 * rows + 0.9),
        squeeze=False,
        layout="constrained",  # keeps square panels and their titles apart
    )
    for unused in grid.flat[len(histories) :]:
        unused.set_visible(False)
    drawn_kinds: dict[str, Any] = {}
    for axes, history in zip(grid.flat, histories, strict=False):
        vectors = step_vectors(history)
        points = history.step_params.astype(np.float64)
        here = points[k]
        shown = [kind for kind in kinds if kind in vectors]
        at_step = {kind: vectors[kind][k].astype(np.float64) for kind in shown}
        window = window_around(here, {**at_step, "update": vectors["update"][k]})
        surface = Surface.sample(loss, window, 80)
        levels, logarithmic = contour_levels(surface.loss, 20)
        fill_contour(axes, surface, levels, logarithmic)
        colour = colours[history.run.family]
        axes.plot(*points[: k + 1].T, color=colour, linewidth=1.2, marker="o", markersize=3)
        axes.plot(*points[k + 1], marker="o", markersize=5, color=colour, fillstyle="none")
        for kind in shown:
            drawn_kinds[kind] = draw_arrows(
                axes, kind, here[None], vectors[kind][k][None], [colour], 1.0, VECTOR_WORDS[kind]
            )
        axes.set_xlim(*window[0])
        axes.set_ylim(*window[1])
        axes.set_aspect("equal")  # the gradient at right angles to its contour
        axes.tick_params(labelsize=MIN_FONT_SIZE)
        axes.locator_params(nbins=4)
        note = length_note(at_step)
        title = f"{history.title}\n{note}" if note else history.title
        axes.set_title(title, fontsize=MIN_FONT_SIZE if note else SMALL_FONT_SIZE)
    handles = list(drawn_kinds.values())
    figure.legend(
        handles,
        [VECTOR_WORDS[kind] for kind in drawn_kinds],
        loc="outside lower center",
        ncol=len(handles),
        fontsize=SMALL_FONT_SIZE,
        frameon=False,
    )
    experiment = histories[0].run.experiment
    figure.suptitle(f"{experiment}: update {update} of every optimizer, at its own size{which}")
    save_figure(figure, path)
    plt.close(figure)


def plot_step_sizes(
    histories: Sequence[History], colours: dict[str, str], path: str | Path, axis_names=("x", "y")
) -> None:
    """One panel per run: each coordinate's effective learning rate against
    the update, on a log scale, over the learning rate in effect. Many runs:
    the first of each entry (a_panel_each)."""
    use_page_style()
    histories, which = a_panel_each(histories)
    styles = ("-", "--", ":", "-.")

    def draw(axes: Any, history: History, colour: str, highlighted: bool) -> None:
        if not highlighted:
            return  # each panel is one optimizer's alone: its scale is its own
        rates = effective_rates(history)
        steps = np.arange(1, len(rates) + 1)
        for coordinate in range(rates.shape[1]):
            values = np.where(rates[:, coordinate] > 0, rates[:, coordinate], np.nan)
            axes.plot(
                steps,
                values,
                color=colour,
                linestyle=styles[coordinate % len(styles)],
                linewidth=1.2,
                label=f"along {axis_names[coordinate]}",
            )
        axes.plot(
            steps,
            history.learning_rates,
            color=theme().foreground,
            linewidth=0.8,
            linestyle=(0, (1, 2)),
            label="learning rate",
        )
        axes.set_yscale("log")
        # From decade to decade, at least one: a constant rate is a flat line,
        # not its rounding, and every panel's labels are powers of ten.
        shown = np.concatenate([rates.ravel(), history.learning_rates])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        if shown.size:
            low = math.floor(math.log10(float(shown.min())))
            high = max(math.ceil(math.log10(float(shown.max()))), low + 1)
            axes.set_ylim(10.0**low, 10.0**high)
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_title(history.title, fontsize=SMALL_FONT_SIZE)

    facets = draw_facets(
        list(histories),
        [colours[h.run.family] for h in histories],
        draw,
        lambda h: h.title,
        (4.0, 3.0),
        sharey=False,
        panels=True,
        # A squarer grid than a row of four: it reads at a page column's width.
        columns=min(len(histories), PANEL_COLUMNS, max(2, math.ceil(math.sqrt(len(histories))))),
    )
    note = textwrap.fill(
        "Effective learning rate: each coordinate's update divided by its negative"
        " gradient; gaps: a step against the gradient (momentum) or none.",
        int(facets.figure.get_figwidth() * 13),
    )
    facets.figure.text(0.5, 0.005, note, ha="center", va="bottom", fontsize=MIN_FONT_SIZE)
    bottom, left = facets.outer_axes()
    for axes in bottom:
        axes.set_xlabel("update")
    for axes in left:
        axes.set_ylabel("−update / gradient")
    experiment = histories[0].run.experiment
    facets.figure.suptitle(f"{experiment}: the step size each coordinate gets{which}")
    lines = note.count("\n") + 1
    facets.figure.tight_layout(
        rect=(0, (lines * MIN_FONT_SIZE * 1.3 / 72 + 0.05) / facets.figure.get_figheight(), 1, 1)
    )
    # Above the panels, right: every panel's line styles mean the same, so
    # the legend shows them in the foreground colour, not the first panel's.
    handles, labels = facets.axes[0].get_legend_handles_labels()
    handles = [copy.copy(handle) for handle in handles]
    for handle in handles:
        handle.set_color(theme().foreground)
    height = facets.figure.get_figheight()
    facets.figure.legend(
        handles,
        labels,
        loc="upper right",
        bbox_to_anchor=(0.99, 1 - 0.4 / height),  # under the title's line
        ncol=len(handles),
        fontsize=MIN_FONT_SIZE,
        frameon=False,
    )
    top = facets.figure.subplotpars.top
    facets.figure.subplots_adjust(top=top - 0.3 / height)
    save_figure(facets.figure, path)
    plt.close(facets.figure)
