"""Optimizer paths over a loss surface: animation frames and the whole paths.

The surface (a contour, drawn once) comes from a problem's NumPy loss on a
grid of its plane; each frame redraws only the moving artists (trails,
markers, the step counter) over it, which is what makes a few hundred frames
cheap. Frames come back as Pillow images for the writers (export/writers.py),
through the one blitter (figures/frames.py). Never imports TensorFlow.
"""

import dataclasses
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from PIL import Image

from optimizer_animations.export.writers import Timing, write_animation
from optimizer_animations.figures.frames import Blitter
from optimizer_animations.figures.inside import (
    VECTOR_WORDS,
    draw_arrows,
    nice_scale,
    plot_anatomy,
    plot_step_sizes,
    step_vectors,
)
from optimizer_animations.figures.style import (
    MAX_SERIES,
    MIN_FONT_SIZE,
    SERIES_COLOURS,
    SMALL_FONT_SIZE,
    WARNING_COLOUR,
    entry_colours,
    save_figure,
    set_pixel_scale,
    theme,
    themes_to_draw,
    use_page_style,
)
from optimizer_animations.figures.surface import SurfaceFigure
from optimizer_animations.files import log_to
from optimizer_animations.problems.functions import first_outside
from optimizer_animations.problems.planes import named_plane, principal_plane
from optimizer_animations.problems.problem import DenseProblem, FunctionProblem, problem_from_meta
from optimizer_animations.records.history import History, load_history
from optimizer_animations.site.pages import write_trajectory_page

# Wider than the bar frames: a contour with its legend beside it.
FIGSIZE = (6.8, 4.2)  # inches: 680 x 420 pixels at 100 DPI
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

    def coarser(self, points: int) -> "Surface":
        """The same surface on about `points` per axis, its edges kept."""
        rows = np.unique(np.linspace(0, len(self.y) - 1, points).round().astype(int))
        columns = np.unique(np.linspace(0, len(self.x) - 1, points).round().astype(int))
        return Surface(self.x[columns], self.y[rows], self.loss[np.ix_(rows, columns)])


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


def fill_contour(axes: Any, surface: Surface, levels: np.ndarray, logarithmic: bool) -> None:
    """The surface's filled contour in the theme's shades, log-normed on log levels."""
    axes.contourf(
        surface.x,
        surface.y,
        np.clip(surface.loss, levels[0], levels[-1]),
        levels=levels,
        cmap=theme().surface,
        norm=LogNorm(levels[0], levels[-1]) if logarithmic else None,
        alpha=0.6,
    )


@dataclass(frozen=True)
class Path2D:
    """One run's positions in the plane, one row per update (S+1 rows)."""

    label: str
    points: np.ndarray  # (S+1, 2): S = E x steps_per_epoch
    colour: str = "#0072B2"  # its optimizer entry's (figures/style.py)
    family: str = ""  # its optimizer entry: its panel among small multiples
    steps_per_epoch: int = 1  # a minibatch run's updates per epoch (frames are epochs)
    # One of a cloud of seeds: drawn thin and pale, without a legend entry,
    # around its entry's bold (animated) run.
    faint: bool = False
    # Each step's vectors to draw at its point (figures/inside.py): kind -> (S, 2).
    vectors: dict[str, np.ndarray] | None = None

    def upto(self, epoch: int) -> np.ndarray:
        """The points up to the end of `epoch`."""
        return self.points[: epoch * self.steps_per_epoch + 1]

    def left_at(self, domain: Sequence[Sequence[float]]) -> int | None:
        """The first epoch at whose end the path has been outside `domain` (or not finite)."""
        at = first_outside(self.points, domain)
        return None if at is None else -(-at // self.steps_per_epoch)


class TrajectoryFigure:
    """A contour of `surface` with one trail and marker per path.

    With `panels`, small multiples: one axes per path, three to a row, each
    with the same contour. `frame(epoch)` shows every path up to `epoch`; the
    contours, axes, legend and minima are drawn once and restored for each
    frame, and only the trails, markers and texts are drawn over them.
    """

    def __init__(
        self,
        surface: Surface,
        paths: Sequence[Path2D],
        title: str,
        subtitle: str = "",
        minima: Sequence[Sequence[float]] = (),
        figsize: tuple[float, float] | None = None,
        axis_labels: tuple[str, str] = ("", ""),
        minima_label: str = "",
        panels: bool = False,
        context: bool = True,
        vector_kinds: Sequence[str] = (),
        arrow_scale: float = 1.0,
    ) -> None:
        use_page_style()
        self.paths = list(paths)
        # One panel per optimizer entry: its paths, over every other path in grey.
        by_family: dict[str, list[int]] = {}
        for index, path in enumerate(self.paths):
            by_family.setdefault(path.family or path.label, []).append(index)
        # More entries than an eye can follow on one contour: panels.
        panels = panels or len(by_family) > MAX_SERIES
        self.small_multiples = panels
        self.domain = ((surface.x[0], surface.x[-1]), (surface.y[0], surface.y[-1]))
        if panels:
            groups = list(by_family.values())
            columns = min(PANEL_COLUMNS, len(groups))
            rows = -(-len(groups) // columns)
            size = figsize or (PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows + 0.3)
            self.figure, grid = plt.subplots(rows, columns, figsize=size, squeeze=False)
            self.panels = list(grid.flat[: len(groups)])
            for unused in grid.flat[len(groups) :]:
                unused.set_visible(False)
        else:
            self.figure, axes = plt.subplots(figsize=figsize or FIGSIZE)
            self.panels = [axes]
            groups = [list(range(len(self.paths)))]
        levels, logarithmic = contour_levels(surface.loss)
        if panels:
            # A 260-pixel panel shows no more than 100 points of contour;
            # computing six full ones would cost more than all its frames.
            surface = surface.coarser(PANEL_GRID_POINTS)
        self.trails: list[Any] = [None] * len(self.paths)
        self.markers: list[Any] = [None] * len(self.paths)
        # (kind, the paths that have it, their quiver): one quiver per kind.
        self.arrows: list[tuple[str, list[int], Any]] = []
        self.arrow_scale = arrow_scale
        self.notes = []
        for axes, members in zip(self.panels, groups, strict=True):
            self._draw_background(axes, surface, levels, logarithmic, minima, minima_label, panels)
            if panels and context:
                # Every other path, whole and grey: where this one stands among them.
                for index, other in enumerate(self.paths):
                    if index not in members:
                        axes.plot(*other.points.T, color=theme().context, linewidth=0.8)
            # A cloud's faint paths first, so that its bold ones lie on top.
            for index in sorted(members, key=lambda i: not self.paths[i].faint):
                path = self.paths[index]
                colour = path.colour
                faint = path.faint
                (self.trails[index],) = axes.plot(
                    [],
                    [],
                    color=colour,
                    linewidth=0.7 if faint else 1.5,
                    alpha=0.35 if faint else 1.0,
                    label=None if faint else path.label,
                )
                (self.markers[index],) = axes.plot(
                    [], [], marker="o", markersize=2.5 if faint else 6, color=colour
                )
            if not panels:
                self._draw_arrows(axes, vector_kinds)
            if panels:
                # The panel's title names its path and, once it has, says
                # when the path left the plot: a note that covers nothing.
                self.notes.append(
                    axes.set_title(self.panel_title(members), fontsize=SMALL_FONT_SIZE)
                )
            else:
                axes.set_xlabel(axis_labels[0], fontsize=SMALL_FONT_SIZE)
                axes.set_ylabel(axis_labels[1], fontsize=SMALL_FONT_SIZE)
                axes.set_title(title, fontsize=11)
                # Beside the axes, never on a path. Part of the drawn-once
                # background: redrawing its text each frame would cost more
                # than everything else in a frame.
                axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=SMALL_FONT_SIZE)
                # Under the legend, outside the axes.
                self.notes.append(
                    axes.text(
                        1.02,
                        0.0,
                        "",
                        transform=axes.transAxes,
                        fontsize=MIN_FONT_SIZE,
                        color=WARNING_COLOUR,
                        va="bottom",
                        ha="left",
                    )
                )
        self.members = groups
        self.axes = self.panels[0]
        if panels:
            self.figure.suptitle(title, fontsize=10, x=0.99, ha="right")
            self.counter = self.figure.text(0.01, 0.99, "", fontsize=10, va="top")
        else:  # above the legend, beside the title
            self.counter = self.axes.text(
                1.02, 1.01, "", transform=self.axes.transAxes, fontsize=SMALL_FONT_SIZE, va="bottom"
            )
        subtitle_inches = 0.0
        if subtitle:
            # Wrapped by hand: matplotlib's wrap=True lets centred text run off the left edge.
            lines = textwrap.fill(subtitle, int(self.figure.get_figwidth() * 13))
            self.figure.text(0.5, 0.01, lines, ha="center", va="bottom", fontsize=MIN_FONT_SIZE)
            subtitle_inches = (lines.count("\n") + 1) * MIN_FONT_SIZE * 1.25 / 72 + 0.1
        if panels:  # fixed margins: tight_layout of six axes costs ~0.4 s
            height = self.figure.get_figheight()
            self.figure.subplots_adjust(
                left=0.07,
                right=0.99,
                bottom=(0.45 + subtitle_inches) / height,
                top=1 - 0.75 / height,
                wspace=0.28,
                hspace=0.45,
            )
        else:
            rect = (0, subtitle_inches / self.figure.get_figheight(), 1, 1)
            self.figure.tight_layout(rect=rect)
            # A title wider than its axes would run under the step counter
            # beside them: two lines instead.
            renderer = self.figure.canvas.get_renderer()
            heading = self.axes.title
            if heading.get_window_extent(renderer).x1 > self.counter.get_window_extent(renderer).x0:
                heading.set_text(textwrap.fill(title, len(title) // 2 + 8))
                self.figure.tight_layout(rect=rect)
        # The frame protocol (figures/frames.py): these move, the rest is drawn once.
        self.moving = [
            *self.trails,
            *self.markers,
            *(quiver for _, _, quiver in self.arrows),
            *self.notes,
            self.counter,
        ]
        self.exact_axes = None
        self.step_label = "Step"
        self.blitter = Blitter(self)

    def _draw_arrows(self, axes: Any, kinds: Sequence[str]) -> None:
        """A quiver per vector kind over the bold paths that have it, with its
        legend entry; `show` moves them to each step's points."""
        for kind in kinds:
            members = [
                i
                for i, path in enumerate(self.paths)
                if not path.faint and path.vectors is not None and kind in path.vectors
            ]
            if not members:
                continue
            origins, vectors = self._arrows_at(kind, members, 0)
            quiver = draw_arrows(
                axes,
                kind,
                origins,
                vectors,
                [self.paths[i].colour for i in members],
                self.arrow_scale,
                VECTOR_WORDS[kind],
            )
            self.arrows.append((kind, members, quiver))

    def _arrows_at(self, kind: str, members: Sequence[int], step: int) -> tuple[Any, Any]:
        """The points after `step` updates and the vectors of the next one
        (NaN, not drawn, past a path's last update)."""
        origins, vectors = [], []
        for index in members:
            path = self.paths[index]
            assert path.vectors is not None
            rows = path.vectors[kind]
            origins.append(path.points[min(step, len(path.points) - 1)])
            vectors.append(rows[step] if step < len(rows) else np.full(2, np.nan))
        return np.array(origins, float), np.array(vectors, float)

    def panel_title(self, members: Sequence[int]) -> str:
        """A panel's path, or its entry's name when it holds several (a grid)."""
        first = self.paths[members[0]]
        bold = [i for i in members if not self.paths[i].faint]
        return first.label if len(bold) == 1 and len(members) == 1 else first.family

    @property
    def note(self) -> Any:
        """The first panel's note (the only one of a single plot)."""
        return self.notes[0]

    def _draw_background(
        self,
        axes: Any,
        surface: Surface,
        levels: np.ndarray,
        logarithmic: bool,
        minima: Sequence[Sequence[float]],
        minima_label: str,
        small: bool,
    ) -> None:
        fill_contour(axes, surface, levels, logarithmic)
        axes.contour(
            surface.x,
            surface.y,
            surface.loss,
            levels=levels[::3],
            colors=theme().contour,
            linewidths=0.4,
        )
        axes.set_xlim(*self.domain[0])
        axes.set_ylim(*self.domain[1])
        axes.tick_params(labelsize=MIN_FONT_SIZE)
        if small:
            axes.locator_params(nbins=5)  # fewer ticks, so that their labels do not touch
        for index, minimum in enumerate(minima):
            axes.plot(
                *minimum,
                marker="*",
                markersize=9 if small else 12,
                color="gold",
                markeredgecolor=theme().foreground,
                linestyle="none",
                label=minima_label if index == 0 and minima_label else None,
            )
        starts = sorted({tuple(path.points[0]) for path in self.paths})
        for index, start in enumerate(starts):
            axes.plot(
                *start,
                marker="o",
                markersize=5,
                color=theme().foreground,
                linestyle="none",
                label=("start" if len(starts) == 1 else "starts") if index == 0 else None,
            )

    def show(self, step: int) -> None:
        """Every path up to `step`, and its counter ("Step 40", "Epoch 40")."""
        epoch, label = step, self.step_label
        for path, trail, marker in zip(self.paths, self.trails, self.markers, strict=True):
            shown = path.upto(epoch)
            trail.set_data(shown[:, 0], shown[:, 1])
            marker.set_data(shown[-1:, 0], shown[-1:, 1])
        for kind, members, quiver in self.arrows:
            origins, vectors = self._arrows_at(kind, members, epoch)
            quiver.set_offsets(origins)
            masked = np.ma.masked_invalid(vectors)
            quiver.set_UVC(masked[:, 0], masked[:, 1])
        for note, members in zip(self.notes, self.members, strict=True):
            left = []
            for index in members:
                if self.paths[index].faint:
                    continue  # a cloud's note would be a wall of text
                at = self.paths[index].left_at(self.domain)
                if at is not None and at <= epoch:
                    left.append((self.paths[index].label, f"left at {label.lower()} {at}"))
            if self.small_multiples:  # the note is the panel's title
                name = self.panel_title(members)
                if len(members) == 1 and left:
                    name = f"{name}, {left[0][1]}"
                elif left:
                    name = f"{name}, {len(left)} of {len(members)} left the plot"
                note.set_text(name)
                continue
            note.set_text("\n".join(textwrap.fill(f"{n}: {what}", 30) for n, what in left))
            note.set_visible(bool(left))  # laying out an empty text costs as much as a line
        self.counter.set_text(f"{label} {epoch}")

    def frame(self, epoch: int, label: str = "Step") -> Image.Image:
        """The figure at `epoch`, as an RGB image."""
        self.step_label = label
        return self.blitter.image(epoch)

    def save_whole(self, path: str | Path, label: str = "Step") -> None:
        """The full paths, drawn in full (for print)."""
        self.step_label = label
        self.show(max((len(p.points) - 1) // p.steps_per_epoch for p in self.paths))
        self.counter.set_text("")
        self.blitter.save_full(path)

    def close(self) -> None:
        plt.close(self.figure)


# Small multiples: three panels of 300 x 270 pixels to a row.
PANEL_SIZE = (3.0, 2.7)
PANEL_COLUMNS = 3
PANEL_GRID_POINTS = 100


@dataclass(frozen=True)
class Scene:
    """What a trajectory figure of an experiment shows, from its histories alone."""

    surface: Surface
    paths: list[Path2D]
    title: str
    subtitle: str
    minima: list[tuple[float, float]]
    minima_label: str
    axis_labels: tuple[str, str]
    step_label: str  # "Step" on a landscape, "Epoch" for the page's model
    vector_kinds: tuple[str, ...] = ()  # drawn at each point of the one-plot figure
    arrow_scale: float = 1.0  # times their length

    def figure(self, panels: bool = False, context: bool = True) -> TrajectoryFigure:
        """All paths on one contour, or (`panels`) one small contour per path
        (with every other path in grey, unless not `context`)."""
        return TrajectoryFigure(
            self.surface,
            self.paths,
            self.title,
            "" if panels else self.subtitle,
            self.minima,
            axis_labels=self.axis_labels,
            minima_label=self.minima_label,
            panels=panels,
            context=context,
            vector_kinds=() if panels else self.vector_kinds,
            arrow_scale=self.arrow_scale,
        )


def path_label(history: History) -> str:
    """`Adam (lr 0.05)`: the legend names the learning rate, which the figure depends on."""
    run = history.run
    if run.tuned or not (run.schedule or isinstance(run.learning_rate, float | int)):
        return history.title  # a tuned run's title names its rate already
    return f"{history.title} ({run.rate_words})"


def landscape_scene(
    histories: Sequence[History],
    colours: dict[str, str],
    bold: Sequence[str] | None = None,
    vector_kinds: Sequence[str] = (),
) -> Scene:
    """`vector_kinds`: each step's vectors drawn at the bold paths' points
    (figures/inside.py), on one scale that the subtitle states."""
    problem = problem_from_meta(histories[0].run)
    assert isinstance(problem, FunctionProblem)
    landscape = problem.landscape
    surface = Surface.sample(problem.loss_numpy, landscape.domain)
    _, logarithmic = contour_levels(surface.loss)
    name = landscape.name if landscape.name != "formula" else "f(x, y)"
    start = ", ".join(f"{value:.3g}" for value in landscape.start)
    entries = len({h.run.family for h in histories})
    seeds = len(histories) // max(entries, 1)
    noise = histories[0].meta.get("noise")
    cloud = (
        f"; gradient noise sigma {noise['sigma']:g}, {seeds} seeds (faint), one bold"
        if noise and bold is not None and seeds > 1
        else (f"; gradient noise sigma {noise['sigma']:g}" if noise else "")
    )
    paths = [
        Path2D(
            path_label(h),
            h.params,
            colours[h.run.family],
            h.run.family,
            faint=(faint := bold is not None and h.label not in bold),
            vectors=step_vectors(h) if vector_kinds and not faint else None,
        )
        for h in histories
    ]
    # One scale for every arrow: the median step (of the kinds shown, if no
    # step is) a tenth of the plot wide. A longer -lr x gradient runs off.
    measured = ["update"] if "update" in vector_kinds else vector_kinds
    lengths = np.concatenate(
        [
            np.hypot(*path.vectors[kind].T)
            for path in paths
            if path.vectors is not None
            for kind in measured
            if kind in path.vectors
        ]
        or [np.empty(0)]
    )
    width = min(np.ptp(landscape.domain[0]), np.ptp(landscape.domain[1]))
    scale = nice_scale(lengths, 0.1 * width)
    arrows = f"; arrows drawn {scale:g} times their length" if vector_kinds else ""
    return Scene(
        surface,
        paths,
        f"{name}: {entries} optimizer{'s' if entries != 1 else ''} from ({start})",
        f"f(x, y) = {landscape.formula}; {histories[0].epochs} steps{cloud};"
        f" {'log-spaced' if logarithmic else 'linear'} contour levels{arrows}",
        [tuple(minimum) for minimum in landscape.minima],
        "minimum" if len(landscape.minima) == 1 else "minima",
        ("x", "y"),
        "Step",
        tuple(vector_kinds),
        scale,
    )


def plane_domain(
    points: Sequence[np.ndarray], margin: float = 0.15
) -> tuple[tuple[float, float], ...]:
    """A rectangle around `points` (each (N, 2)), with `margin` of its size on every side."""
    stacked = np.vstack([p[np.isfinite(p).all(axis=1)] for p in points])
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    span = np.maximum(high - low, 1e-3 * np.maximum(1.0, np.abs(high)))
    return tuple(
        (float(lo - margin * s), float(hi + margin * s))
        for lo, hi, s in zip(low, high, span, strict=True)
    )


def weight_scene(
    histories: Sequence[History],
    experiment: str,
    colours: dict[str, str],
    axes: Sequence[str] | None = None,
) -> Scene:
    """The page's model: every run's weights, on the principal plane or two named weights."""
    problem = problem_from_meta(histories[0].run)
    # Every update of a minibatch run: its jitter is what the figure shows.
    params = [h.step_params for h in histories]
    if not axes and problem.parameter_count == 2:
        # Two weights (one input, one unit, a bias): the plane is the weight
        # plane itself, its contour the exact loss; no projection.
        axes = [f"{spec.name}[{','.join('0' for _ in spec.shape)}]" for spec in problem.variables]
    if axes:
        finals = [p[-1] for p in params if np.isfinite(p[-1]).all()]
        losses = [float(problem.loss_numpy(p)) for p in finals]
        rest = finals[int(np.argmin(losses))] if finals else params[0][0]
        plane = named_plane(axes, problem.variables, rest)
    else:
        plane = principal_plane(params)
    projected = [plane.project(p) for p in params]
    # The view follows the runs that stay finite: a diverging run leaves it
    # (and the figure says when) instead of shrinking everything else to a dot.
    steady = [
        xy for xy, h in zip(projected, histories, strict=True) if h.first_non_finite_epoch() is None
    ]
    domain = plane_domain(steady or [xy[: max(2, len(xy) // 10)] for xy in projected])
    surface = Surface.sample(lambda grid: problem.loss_numpy(plane.lift(grid)), domain)
    lowest = np.unravel_index(np.nanargmin(surface.loss), surface.loss.shape)
    return Scene(
        surface,
        [
            Path2D(path_label(h), xy, colours[h.run.family], h.run.family, h.steps_per_epoch)
            for h, xy in zip(histories, projected, strict=True)
        ],
        f"{experiment}: every optimizer's path in weight space",
        plane.description,
        [(float(surface.x[lowest[1]]), float(surface.y[lowest[0]]))],
        "lowest loss in view",
        plane.axis_labels,
        "Epoch",
    )


def scene_of(
    histories: Sequence[History],
    experiment: str,
    axes: Sequence[str] | None,
    families: Sequence[str] | None = None,
    bold: Sequence[str] | None = None,
    vector_kinds: Sequence[str] = (),
) -> Scene:
    """`families`: the experiment's optimizer entries in order (their colours);
    `bold`: of a cloud of seeds, the runs drawn boldly (the others faint);
    `vector_kinds`: a landscape's step vectors to draw (figures/inside.py)."""
    colours = entry_colours(families or [h.run.family for h in histories])
    if histories[0].run.landscape:
        return landscape_scene(histories, colours, bold, vector_kinds)
    return weight_scene(histories, experiment, colours, axes)


def batch_size_scene(scene: Scene, histories: Sequence[History], experiment: str) -> Scene:
    """`scene`'s paths, one panel per optimizer entry and batch size (the
    entries in order, the batch sizes rising), on its one contour."""

    def batch(history: History) -> int:
        return (
            history.meta["batch"]["size"] if "batch" in history.meta else history.run.sample_count
        )

    def words(history: History) -> str:
        size = batch(history)
        return f"batch {size}" if "batch" in history.meta else f"all {size} samples"

    families = list(dict.fromkeys(h.run.family for h in histories))
    order = sorted(
        range(len(histories)),
        key=lambda i: (families.index(histories[i].run.family), batch(histories[i])),
    )

    def entry(history: History) -> str:
        run = history.run
        return run.optimizer if run.family == run.optimizer.lower() else run.family

    paths = [
        dataclasses.replace(
            scene.paths[i],
            label=f"{entry(histories[i])}, {words(histories[i])}",
            family=f"{histories[i].run.family} {words(histories[i])}",
        )
        for i in order
    ]
    return dataclasses.replace(
        scene, paths=paths, title=f"{experiment}: each batch size's path, on one contour"
    )


def plot_gradient_fan(scene: Scene, history: History, path: str | Path) -> None:
    """At the runs' start, each sample's negative gradient (thin) and their
    mean, the full-batch negative gradient (bold), on the weight plane of a
    two-weight model, whose coordinates are the weights themselves."""
    use_page_style()  # the theme's colours, whatever was drawn before in this job
    problem = problem_from_meta(history.run)
    assert isinstance(problem, DenseProblem) and problem.parameter_count == 2
    start = history.step_params[0].astype(np.float64)
    gradients = -problem.sample_gradients(start)
    mean = gradients.mean(axis=0)
    # One scale for every arrow, in weight units: the longest spans 40 % of
    # the trajectory's view; the view is then the square around the start
    # that holds every arrow, with the exact loss under it.
    (x0, x1), (y0, y1) = (scene.surface.x[[0, -1]], scene.surface.y[[0, -1]])
    longest = float(np.max(np.hypot(*gradients.T))) or 1.0
    scale = 0.4 * min(x1 - x0, y1 - y0) / longest
    reach = 1.15 * longest * scale
    domain = ((start[0] - reach, start[0] + reach), (start[1] - reach, start[1] + reach))
    surface = Surface.sample(problem.loss_numpy, domain)
    (x0, x1), (y0, y1) = domain
    figure, axes = plt.subplots(figsize=FIGSIZE)
    levels, logarithmic = contour_levels(surface.loss)
    fill_contour(axes, surface, levels, logarithmic)
    colour = SERIES_COLOURS[0]
    axes.quiver(
        np.full(len(gradients), start[0]),
        np.full(len(gradients), start[1]),
        gradients[:, 0] * scale,
        gradients[:, 1] * scale,
        angles="xy",
        scale_units="xy",
        scale=1,
        color=colour,
        alpha=0.35,
        width=0.003,
        label=f"−gradient of each\nof {len(gradients)} samples",
    )
    axes.quiver(
        start[0],
        start[1],
        mean[0] * scale,
        mean[1] * scale,
        angles="xy",
        scale_units="xy",
        scale=1,
        color=theme().foreground,
        width=0.008,
        label="their mean: the\nfull-batch −gradient",
    )
    axes.plot(
        *start, marker="o", markersize=5, color=theme().foreground, linestyle="none", label="start"
    )
    axes.set_xlim(x0, x1)
    axes.set_ylim(y0, y1)
    axes.set_xlabel(scene.axis_labels[0], fontsize=SMALL_FONT_SIZE)
    axes.set_ylabel(scene.axis_labels[1], fontsize=SMALL_FONT_SIZE)
    axes.tick_params(labelsize=MIN_FONT_SIZE)
    axes.set_title(f"{history.run.experiment}: gradients at the start", fontsize=11)
    axes.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=SMALL_FONT_SIZE)
    axes.set_aspect("equal")
    note = textwrap.fill(
        "Every arrow on one scale; contour: the loss. A minibatch's gradient is the mean"
        " of its samples' arrows, so small batches point anywhere in the fan.",
        int(figure.get_figwidth() * 13),
    )
    figure.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=MIN_FONT_SIZE)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    save_figure(figure, path)
    plt.close(figure)


def animate(
    figure: "TrajectoryFigure | SurfaceFigure",
    frame_epochs: Sequence[int],
    path: str | Path,
    step_label: str,
    duration_ms: int,
    hold_ms: int,
    formats: Sequence[str] = ("gif",),
    gifsicle: bool = False,
) -> None:
    """One frame per frame epoch: the GIF, and its videos and poster for `formats`."""
    # A generator: each frame is drawn, then kept only as the writers' FrameStore.
    frames = (figure.frame(epoch, step_label) for epoch in frame_epochs)
    labels = [f"{step_label.lower()} {epoch}" for epoch in frame_epochs]
    write_animation(frames, path, Timing(duration_ms, hold_ms, labels, gifsicle), formats)


def draw_trajectories(
    histories: Sequence[History],
    experiment: str,
    frame_epochs: Sequence[int],
    outputs: dict[str, str],
    duration_ms: int,
    hold_ms: int,
    axes: Sequence[str] | None = None,
    formats: Sequence[str] = ("gif",),
    gifsicle: bool = False,
    families: Sequence[str] | None = None,
    bold: Sequence[str] | None = None,
    vector_kinds: Sequence[str] = (),
    anatomy_step: int = 1,
) -> Scene:
    """`outputs`: any of `gif`, `png` and `panels` (one small figure per
    optimizer entry), `batch_sizes`, `gradients`, `anatomy` (update
    `anatomy_step` zoomed in) and `step_sizes`; each animation also in
    `formats`."""
    scene = scene_of(histories, experiment, axes, families, bold, vector_kinds)
    timing = (duration_ms, hold_ms, formats, gifsicle)
    if "gif" in outputs or "png" in outputs:
        figure = scene.figure()
        if "gif" in outputs:
            animate(figure, frame_epochs, outputs["gif"], scene.step_label, *timing)
        if "png" in outputs:
            figure.save_whole(outputs["png"], scene.step_label)
        figure.close()
    if "panels" in outputs:
        panels = scene.figure(panels=True)
        animate(panels, frame_epochs, outputs["panels"], scene.step_label, *timing)
        panels.close()
    if "batch_sizes" in outputs:
        batches = batch_size_scene(scene, histories, experiment).figure(panels=True, context=False)
        batches.save_whole(outputs["batch_sizes"], scene.step_label)
        batches.close()
    if "gradients" in outputs:
        plot_gradient_fan(scene, histories[0], outputs["gradients"])
    shown = [h for h in histories if bold is None or h.label in bold]
    colours = entry_colours(families or [h.run.family for h in histories])
    if "surface" in outputs or "surface_png" in outputs:
        loss = problem_from_meta(histories[0].run).loss_numpy
        surface = SurfaceFigure(scene.surface, scene.paths, scene.title, loss, scene.minima)
        if "surface" in outputs:
            animate(surface, frame_epochs, outputs["surface"], scene.step_label, *timing)
        if "surface_png" in outputs:
            surface.save_whole(outputs["surface_png"])
        surface.close()
    if "anatomy" in outputs:
        loss = problem_from_meta(histories[0].run).loss_numpy
        plot_anatomy(shown, colours, vector_kinds, anatomy_step, outputs["anatomy"], loss)
    if "step_sizes" in outputs:
        plot_step_sizes(shown, colours, outputs["step_sizes"], scene.axis_labels)
    return scene


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    set_pixel_scale(smk.params.scale)
    histories = [load_history(path) for path in smk.input.histories]
    outputs = {"gif": smk.output.gif, "png": smk.output.png}
    for name in ("panels", "batch_sizes", "gradients", "anatomy", "step_sizes", "surface"):
        if getattr(smk.output, name):
            outputs[name] = getattr(smk.output, name)[0]
    if smk.output.get("surface_png"):
        outputs["surface_png"] = smk.output.surface_png[0]
    for target in themes_to_draw(smk.output.dark):
        scene = draw_trajectories(
            histories,
            smk.params.experiment,
            smk.params.frame_epochs,
            {name: to for name, path in outputs.items() if (to := target(path))},
            smk.params.duration_ms,
            smk.params.hold_ms,
            smk.params.axes,
            smk.params.formats,
            smk.params.gifsicle,
            smk.params.families,
            smk.params.get("bold"),
            smk.params.vectors,
            smk.params.anatomy_step,
        )
    write_trajectory_page(
        smk.output.gif, smk.output.page, smk.params.experiment, scene.subtitle, smk.params.formats
    )
    log.info(
        "drew %d paths in %d frames: %s", len(scene.paths), len(smk.params.frame_epochs), outputs
    )
