"""Draw the tutorial's figures from history files: bar-chart frames and loss curves.

Never imports TensorFlow; the style is figures/style.py's.
"""

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np

from optimizer_animations.figures.facets import draw_facets, place_legend
from optimizer_animations.figures.frames import Blitter
from optimizer_animations.figures.phase import phase_maps, plot_phase, tuning_phase_maps
from optimizer_animations.figures.style import (
    MIN_FONT_SIZE,
    SMALL_FONT_SIZE,
    WARNING_COLOUR,
    entry_colours,
    save_figure,
    series_colour,
    set_pixel_scale,
    theme,
    themes_to_draw,
    use_page_style,
)
from optimizer_animations.files import log_to
from optimizer_animations.problems.problem import run_samples, run_targets
from optimizer_animations.records.history import History, load_history
from optimizer_animations.records.run_table import (
    Band,
    Curve,
    RunTable,
    SensitivityPoint,
    sensitivity,
    sensitivity_lines,
    setting_bands,
)
from optimizer_animations.tuning.protocol import (
    LANDSCAPE_OBJECTIVES,
    OBJECTIVE_WORDS,
    load_tuned,
    objectives_by_rate,
    read_tuning_csv,
)


def bar_layout(n_samples: int, units: int) -> tuple[np.ndarray, float]:
    """x positions (n_samples, units) of grouped bars and their width."""
    width = 0.8 / n_samples
    offsets = (np.arange(n_samples) - (n_samples - 1) / 2) * width
    return np.arange(units)[None, :] + offsets[:, None], width


def clipped_heights(values: np.ndarray, ylim: Sequence[float]) -> np.ndarray:
    """Bar heights within the y-limits; NaN draws no bar."""
    return np.clip(np.nan_to_num(values, nan=0.0), ylim[0], ylim[1])


def divergence_note(epoch: int, diverged_at: int | None) -> str:
    if diverged_at is not None and epoch >= diverged_at:
        return f"diverged at epoch {diverged_at}"
    return ""


def render_frames(
    history: History,
    frame_epochs: Sequence[int],
    paths: Sequence[str | Path],
    ylim: Sequence[float],
) -> None:
    """One bar chart of the outputs per epoch in `frame_epochs`, saved to `paths`.

    One figure is drawn once and only the bars and text change from frame to
    frame, so every frame keeps the same layout and pixel size. What never
    changes (axes, ticks, labels, title) is drawn once; each frame redraws only
    the changing artists over it (blitting), ~6x faster than a full draw and
    the same pixels (tests/test_render.py compares the two).
    """
    if len(frame_epochs) != len(paths):
        raise ValueError(f"{len(frame_epochs)} frame epochs but {len(paths)} paths")
    use_page_style()
    frames = frames_of(history, ylim)
    blitter = Blitter(frames)
    for epoch, path in zip(frame_epochs, paths, strict=True):
        blitter.save(epoch, path)
    plt.close(frames.figure)


# The page's bar chart has a bar per sample and unit; with more samples than
# this, bars are noise (and hundreds of them take minutes a frame): a frame
# shows the model's fit instead.
MAX_BAR_SAMPLES = 8
FIT_FIGSIZE = (5.6, 3.6)  # inches: the bar chart's height, with room for the legend


def frames_of(history: History, ylim: Sequence[float]) -> "BarFrames | FitFrames":
    """The page's bar chart for a few samples, the model's fit for more."""
    if history.run.sample_count > MAX_BAR_SAMPLES:
        return FitFrames(history)
    return BarFrames(history, ylim)


class FitFrames:
    """The model's fit, frame by frame (the frame protocol, figures/frames.py).

    One input: the samples as points and the prediction as a line, per
    unit. Several inputs: each sample's prediction against its target, on
    the diagonal where they agree. The line (or points), the epoch caption
    and the divergence note move.
    """

    def __init__(self, history: History) -> None:
        self.history = history
        x, targets = (values.astype(float) for values in run_samples(history.run))
        self.diverged_at = history.first_non_finite_epoch()
        self.one_input = x.shape[1] == 1
        figure, axes = plt.subplots(figsize=FIT_FIGSIZE)
        self.figure, self.exact_axes = figure, None
        units = targets.shape[1]
        if self.one_input:
            self.line_x = np.linspace(x.min(), x.max(), 2)
            for unit in range(units):
                axes.plot(
                    x[:, 0],
                    targets[:, unit],
                    linestyle="none",
                    marker="o",
                    markersize=3,
                    alpha=0.5,
                    color=series_colour(unit),
                    label="samples" if units == 1 else f"samples, output {unit}",
                )
            self.lines = [
                axes.plot([], [], color=series_colour(unit), linewidth=2.0, label="prediction")[0]
                for unit in range(units)
            ]
            axes.set_xlabel("Input")
            axes.set_ylabel("Output")
            span = targets.max() - targets.min() or 1.0
            axes.set_ylim(targets.min() - 0.3 * span, targets.max() + 0.3 * span)
        else:
            low, high = targets.min(), targets.max()
            span = high - low or 1.0
            limits = (low - 0.3 * span, high + 0.3 * span)
            axes.plot(
                limits, limits, color=theme().context, linewidth=1.0, label="prediction = target"
            )
            self.lines = [
                axes.plot(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=3,
                    color=series_colour(unit),
                    label="samples" if units == 1 else f"output {unit}",
                )[0]
                for unit in range(units)
            ]
            axes.set_xlim(*limits)
            axes.set_ylim(*limits)
            axes.set_xlabel("Target")
            axes.set_ylabel("Prediction")
        axes.set_title(history.title, fontsize=12)
        self.caption = axes.text(0.03, 0.93, "", transform=axes.transAxes)
        self.note = axes.text(
            0.03, 0.04, "", transform=axes.transAxes, color=WARNING_COLOUR, fontsize=SMALL_FONT_SIZE
        )
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_FONT_SIZE)
        figure.tight_layout()
        self.moving = [*self.lines, self.caption, self.note]

    def show(self, step: int) -> None:
        history = self.history
        if self.one_input:
            kernel = history.kernel[step]  # (1, units)
            bias = history.bias[step] if history.bias is not None else np.zeros(kernel.shape[1])
            for unit, line in enumerate(self.lines):
                line.set_data(self.line_x, self.line_x * kernel[0, unit] + bias[unit])
        else:
            targets = run_targets(self.history.run).astype(float)
            for unit, line in enumerate(self.lines):
                line.set_data(targets[:, unit], history.pred[step][:, unit])
        self.caption.set_text(f"Epoch {step}")
        self.note.set_text(divergence_note(step, self.diverged_at))


class BarFrames:
    """The page's bar chart of the outputs (the frame protocol, figures/frames.py):
    the bars, target markers, epoch caption and divergence note move."""

    def __init__(self, history: History, ylim: Sequence[float]) -> None:
        self.history, self.ylim = history, ylim
        targets = run_targets(history.run).astype(float)
        n_samples, units = targets.shape
        positions, width = bar_layout(n_samples, units)
        self.diverged_at = history.first_non_finite_epoch()

        figure, axes = plt.subplots()
        self.figure, self.exact_axes = figure, axes
        self.bars = [
            axes.bar(
                positions[s],
                np.zeros(units),
                width=width,
                color=series_colour(s),
                label=f"sample {s + 1}",
            )
            for s in range(n_samples)
        ]
        (target_markers,) = axes.plot(
            positions.ravel(),
            targets.ravel(),
            linestyle="none",
            marker="_",
            markersize=24 / n_samples,
            markeredgewidth=2,
            color=theme().foreground,
            label="target",
        )
        axes.set_ylim(*ylim)
        axes.set_xticks(np.arange(units))
        axes.set_xlabel("Output Node")
        axes.set_ylabel("Output")
        axes.set_title(history.title, fontsize=12)
        # The page writes 'Epoch N' at (-0.4, 0.8) for ylim (-1.1, 1.1).
        text_y = ylim[0] + (0.8 - -1.1) / 2.2 * (ylim[1] - ylim[0])
        self.caption = axes.text(-0.4, text_y, "")
        self.note = axes.text(
            0.03, 0.04, "", transform=axes.transAxes, color=WARNING_COLOUR, fontsize=SMALL_FONT_SIZE
        )
        legend = axes.legend(loc="lower right") if n_samples > 1 else None
        figure.tight_layout()
        # In the order a full draw paints them (by zorder, then as added).
        self.moving = [
            *(bar for sample_bars in self.bars for bar in sample_bars),
            target_markers,
            self.caption,
            self.note,
            *([legend] if legend else []),
        ]

    def show(self, step: int) -> None:
        heights = clipped_heights(self.history.pred[step], self.ylim)
        for sample_bars, sample_heights in zip(self.bars, heights, strict=True):
            for bar, height in zip(sample_bars, sample_heights, strict=True):
                bar.set_height(height)
        self.caption.set_text(f"Epoch {step}")
        self.note.set_text(divergence_note(step, self.diverged_at))


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)


def loss_label(curve: Curve) -> str:
    if curve.diverged_at is None:
        return curve.title
    return f"{curve.title} (diverged at epoch {curve.diverged_at})"


def spans_decades(curves: Sequence[Curve], decades: float = 3.0) -> bool:
    """Whether no finite loss is negative and the positive ones span `decades`
    or more (a run that reaches exactly 0 leaves the log axis there)."""
    finite = np.concatenate([c.loss[np.isfinite(c.loss)] for c in curves])
    positive = finite[finite > 0]
    return bool(
        positive.size and finite.min() >= 0 and positive.max() >= 10**decades * positive.min()
    )


def plot_losses(
    curves: Sequence[Curve],
    path: str | Path,
    log_scale: bool | None = False,
    axis_labels: tuple[str, str] = ("Epoch", "Loss"),
    families: Sequence[str] | None = None,
) -> None:
    """The page's loss figures: loss against epoch, one line per run, in its
    entry's colour (`families`: the experiment's entries, in order).

    `log_scale=None` chooses it: logarithmic when the losses span decades (a
    landscape's f). A single run gets a legend only to say that it diverged;
    several runs get the page's legend in the lower left, or, on a chosen
    scale, one beside the axes. More runs than an eye can follow: one panel
    each (figures/facets.py).
    """
    use_page_style()
    chosen_scale = log_scale is None
    if log_scale is None:
        log_scale = spans_decades(curves)
    colours = entry_colours(families or [c.family for c in curves])

    def draw(axes: Any, curve: Curve, colour: str, highlighted: bool) -> None:
        if curve.step_loss is not None and highlighted:
            # Each update's batch loss, thin: the noise that the bold
            # full-data loss averages out.
            axes.plot(
                curve.step_epochs,
                finite_or_nan(curve.step_loss),
                color=colour,
                linewidth=0.6,
                alpha=0.45,
                label="each update's batch" if len(curves) == 1 else None,
            )
        axes.plot(
            curve.epoch,
            finite_or_nan(curve.loss),
            color=colour,
            label=loss_label(curve) if highlighted else None,
            linewidth=(2.0 if curve.step_loss is not None else 1.5) if highlighted else 1.0,
        )

    facets = draw_facets(
        curves,
        [colours[c.family] for c in curves],
        draw,
        loss_label,
        (6.4, 3.6) if chosen_scale and len(curves) > 1 else plt.rcParams["figure.figsize"],
    )
    diverged = any(curve.diverged_at is not None for curve in curves)
    for axes in facets.axes:
        if log_scale:
            axes.set_yscale("log")
        elif diverged:
            # The last finite losses of a diverging run reach ~1e38; keep the
            # others readable by capping the axis at twice the largest start.
            axes.set_ylim(0, 2 * max(float(curve.loss[0]) for curve in curves))
    bottom, left = facets.outer_axes()
    for axes in bottom:
        axes.set_xlabel(axis_labels[0])
    for axes in left:
        axes.set_ylabel(axis_labels[1])
    axes = None if facets.faceted else facets.axes[0]
    facets.figure.tight_layout()
    minibatch = any(curve.step_loss is not None for curve in curves)
    if axes is not None and not facets.crowded and (len(curves) > 1 or diverged or minibatch):
        if chosen_scale:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
            facets.figure.tight_layout()
        else:
            place_legend(axes, "lower left")  # the page's place, if it covers nothing
    save_figure(facets.figure, path)
    plt.close(facets.figure)


def loss_axis(bands: Sequence[Band], log_scale: bool) -> tuple[bool, tuple[float, float] | None]:
    """Whether the bands' loss axis is logarithmic, and its limits (None: no
    band has a finite start).

    Loss curves of a sweep span decades: a linear axis would show one of them.
    Diverging runs reach ~1e38: the axis stops at 10x the highest start.
    """
    finite = np.concatenate([b.median[np.isfinite(b.median)] for b in bands] or [np.array([1.0])])
    positive = finite[finite > 0]
    logarithmic = bool(positive.size) and (log_scale or positive.max() / positive.min() > 100)
    starts = [b.median[0] for b in bands if np.isfinite(b.median[0])]
    if not starts:
        return logarithmic, None
    top = 10 * max(starts)
    bottom = max(float(positive.min()) / 2, top * 1e-20) if logarithmic and positive.size else 0
    return logarithmic, (bottom, top)


def plot_loss_bands(
    bands: Sequence[Band],
    path: str | Path,
    log_scale: bool,
    families: Sequence[str] | None = None,
    axis_labels: tuple[str, str] = ("Epoch", "Loss"),
) -> None:
    """Per setting, the median loss across seeds and its 10-90 % band.

    One panel per optimizer entry, its settings coloured in the order of
    their grid values, so that a sweep of dozens of settings stays readable.
    `axis_labels`: the time and the quantity (a landscape's step and f).
    """
    use_page_style()
    families = list(dict.fromkeys(band.family for band in bands))
    if len(families) == len(bands):  # one setting per entry (seeds only, or tuned)
        plot_bands_together(bands, path, log_scale, families, axis_labels)
        return
    columns = min(3, len(families))
    rows = -(-len(families) // columns)
    figure, panels = plt.subplots(
        rows, columns, figsize=(4.0 * columns, 3.0 * rows), sharex=True, sharey=True, squeeze=False
    )
    logarithmic, limits = loss_axis(bands, log_scale)
    for axes, family in zip(panels.flat, families, strict=False):
        members = sorted(
            (b for b in bands if b.family == family), key=lambda b: tuple(b.values.values())
        )
        colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(members)))
        for band, colour in zip(members, colours, strict=True):
            suffix = f" ({band.diverged}/{band.runs} diverged)" if band.diverged else ""
            axes.plot(
                band.epochs,
                band.median,
                color=colour,
                linewidth=1.2,
                label=f"{band.values_text or band.label}{suffix}",
            )
            if band.runs > 1:
                axes.fill_between(
                    band.epochs, band.low, band.high, color=colour, alpha=0.15, linewidth=0
                )
        axes.set_title(family, fontsize=12)
        if logarithmic:
            axes.set_yscale("log")
    for axes in panels.flat[len(families) :]:
        axes.set_visible(False)
    if limits:
        panels.flat[0].set_ylim(*limits)
    for axes in panels[-1]:
        axes.set_xlabel(axis_labels[0])
    for axes in panels[:, 0]:
        axes.set_ylabel(f"{axis_labels[1]} (median, 10-90 %)")
    figure.tight_layout()
    for axes in panels.flat[: len(families)]:
        place_legend(axes, "lower left", fontsize=MIN_FONT_SIZE, ncol=2)
    save_figure(figure, path)
    plt.close(figure)


def plot_bands_together(
    bands: Sequence[Band],
    path: str | Path,
    log_scale: bool,
    families: Sequence[str] | None = None,
    axis_labels: tuple[str, str] = ("Epoch", "Loss"),
) -> None:
    """One setting per optimizer entry: every entry's median and band, on one
    axes with a legend beside it, or one panel each over the others in grey
    (figures/facets.py); the legend or the panel says each one's setting."""
    colours = entry_colours(families or [band.family for band in bands])

    def title(band: Band) -> str:
        suffix = f" ({band.diverged}/{band.runs} diverged)" if band.diverged else ""
        return f"{band.title}{suffix}"

    def draw(axes: Any, band: Band, colour: str, highlighted: bool) -> None:
        axes.plot(
            band.epochs,
            band.median,
            color=colour,
            linewidth=1.4 if highlighted else 0.9,
            label=title(band) if highlighted else None,
        )
        if band.runs > 1 and highlighted:
            axes.fill_between(band.epochs, band.low, band.high, color=colour, alpha=0.15, lw=0)

    facets = draw_facets(bands, [colours[band.family] for band in bands], draw, title, (7.5, 4.5))
    logarithmic, limits = loss_axis(bands, log_scale)
    for axes in facets.axes:
        if logarithmic:
            axes.set_yscale("log")
            if limits:
                axes.set_ylim(*limits)
    facets.finish(
        path,
        axis_labels[0],
        f"{axis_labels[1]} (median{', 10-90 %' if bands[0].runs > 1 else ''})",
        "Each panel: one optimizer, over the others in grey",
    )


def plot_sensitivity(
    lines: dict[str, list[SensitivityPoint]],
    path: str | Path,
    argument: str = "learning_rate",
    quantity: str = "Final loss",
    chosen: dict[str, float] | None = None,
) -> None:
    """`quantity` (median and band across seeds) against a grid argument, a
    line per optimizer entry (in the experiment's order: its colours);
    `chosen` marks each line's chosen value. More lines than an eye can
    follow: one panel each (figures/facets.py).

    Logarithmic axes where the values span a decade or more (learning rates).
    """
    use_page_style()
    names = list(lines)
    colours = entry_colours(names)

    def title(name: str) -> str:
        diverged = sum(p.diverged for p in lines[name])
        runs = sum(p.runs for p in lines[name])
        return f"{name} ({diverged}/{runs} diverged)" if diverged else name

    def draw(axes: Any, name: str, colour: str, highlighted: bool) -> None:
        points = lines[name]
        rates = np.array([p.value for p in points])
        median = np.array([p.median for p in points])
        if not highlighted:
            axes.plot(rates, median, color=colour, linewidth=0.9)
            return
        low = np.array([p.low for p in points])
        high = np.array([p.high for p in points])
        axes.plot(rates, median, marker="o", markersize=3, color=colour, label=title(name))
        axes.fill_between(rates, low, high, color=colour, alpha=0.2, linewidth=0)
        if chosen and name in chosen:
            at = int(np.argmin(np.abs(rates - chosen[name])))
            axes.plot(
                rates[at],
                median[at],
                marker="*",
                markersize=12,
                color=colour,
                markeredgecolor=theme().foreground,
                linestyle="none",
            )

    facets = draw_facets(
        names,
        [colours[n] for n in names],
        draw,
        title,
        (7.5, 4.5) if len(lines) > 4 else (6.4, 4.0),
    )
    # From the values themselves: points without a finite loss set no limits.
    values = [p.value for points in lines.values() for p in points]
    finals = np.array([p.median for points in lines.values() for p in points])
    positive = finals[np.isfinite(finals) & (finals > 0)]
    for axes in facets.axes:
        if min(values) > 0 and max(values) >= 10 * min(values):
            axes.set_xscale("log")
            axes.set_xlim(min(values) / 1.5, max(values) * 1.5)
        if positive.size:
            axes.set_yscale("log")
            # A diverging line climbs to ~1e38: keep the axis on where lines meet,
            # up to 100x the worst median at each line's smallest value.
            smallest = [points[0].median for points in lines.values()]
            top = 100 * max([v for v in smallest if np.isfinite(v) and v > 0] or [positive.max()])
            axes.set_ylim(max(float(positive.min()) / 2, top * 1e-24), top)
    if not positive.size:
        facets.axes[0].text(
            0.5,
            0.5,
            "every run diverged",
            transform=facets.axes[0].transAxes,
            ha="center",
            color=WARNING_COLOUR,
        )
    facets.finish(
        path,
        argument.replace("_", " ").capitalize(),
        # A landscape's quantity is a long phrase: wrapped, it stays inside the figure.
        textwrap.fill(f"{quantity} (median, 10-90 %)", 32),
        "Each panel: one optimizer, over the others in grey"
        + ("; star: the chosen value" if chosen else ""),
    )


def main_frames(smk: Any) -> None:
    log = log_to(smk.log[0])
    frame_epochs = smk.params.frame_epochs
    per_run = len(frame_epochs)
    histories = [load_history(path) for path in smk.input.histories]
    for target in themes_to_draw(smk.output.dark):
        for index, history in enumerate(histories):
            paths = smk.output.frames[index * per_run : (index + 1) * per_run]
            wanted = [to for path in paths if (to := target(path))]
            if wanted:  # a run whose animation and comparison are unpublished has no dark frames
                render_frames(history, frame_epochs, wanted, smk.params.ylim)
                log.info("rendered %d frames of %s", len(wanted), smk.input.histories[index])


def main_losses(smk: Any) -> None:
    log = log_to(smk.log[0])
    table = RunTable.load(smk.input.run_table)
    families = table.families()
    log_scale = smk.params.log_scale
    for target in themes_to_draw(smk.output.dark):
        for curve, path in zip(
            table.curves(smk.params.animated), smk.output.run_plots, strict=True
        ):
            if to := target(path):
                plot_losses([curve], to, log_scale, families=families)
        if to := target(smk.output.experiment_plot):
            if table.is_landscape() and table.has_seeds():  # under gradient noise
                plot_loss_bands(setting_bands(table), to, log_scale, families, ("Step", "f(x, y)"))
            elif table.is_landscape():
                curves = table.curves(with_rate=True)
                plot_losses(curves, to, log_scale, ("Step", "f(x, y)"), families)
            elif table.is_sweep():
                plot_loss_bands(setting_bands(table), to, log_scale, families)
            else:
                plot_losses(table.curves(), to, log_scale, families=families)
        for path in smk.output.sensitivity:
            if to := target(path):
                argument = smk.params.sensitivity
                plot_sensitivity(sensitivity(table, argument), to, argument)
        for path in smk.output.get("learning_rate", []):
            if to := target(path):
                plot_learning_rates(table, to, families)
        for path in smk.output.get("phase", []):
            if to := target(path):
                arguments = tuple(smk.params.phase)
                quantity = "final f(x, y)" if table.is_landscape() else "final loss"
                plot_phase(phase_maps(table, arguments), arguments, to, quantity)
    log.info("plotted the losses of %d runs", len(table.rows))


def plot_learning_rates(table: RunTable, path: str | Path, families: Sequence[str]) -> None:
    """The learning rate in effect at every update, a line per run (its
    legend: `Adam (cosine, peak 0.1)`), as the runs recorded it."""
    use_page_style()
    colours = entry_colours(families)
    rates = table.learning_rates or {}
    curves = [
        (curve, rates[i]) for i, curve in enumerate(table.curves(with_rate=True)) if i in rates
    ]

    def draw(axes: Any, item: tuple[Curve, np.ndarray], colour: str, highlighted: bool) -> None:
        curve, values = item
        axes.plot(
            np.arange(1, len(values) + 1),
            values,
            color=colour,
            linewidth=1.5 if highlighted else 1.0,
            label=curve.title if highlighted else None,
        )

    facets = draw_facets(
        curves,
        [colours[curve.family] for curve, _ in curves],
        draw,
        lambda item: item[0].title,
        (6.4, 3.6),
    )
    facets.finish(path, "update", "learning rate", "Each panel: one run's learning rate")


def tuning_lines(rows: Sequence[dict[str, Any]]) -> dict[str, list[SensitivityPoint]]:
    """tuning.csv's rows -> per optimizer entry, the objective against the rate."""
    return sensitivity_lines(objectives_by_rate(rows))


def main_tuning(smk: Any) -> None:
    log = log_to(smk.log[0])
    rows = read_tuning_csv(smk.input.tuning)
    chosen = load_tuned(smk.input.tuned)
    objective = OBJECTIVE_WORDS[smk.params.tuning["objective"]][0]
    landscape = smk.params.tuning["objective"] in LANDSCAPE_OBJECTIVES
    for target in themes_to_draw(smk.output.dark):
        if to := target(smk.output.sensitivity):
            plot_sensitivity(tuning_lines(rows), to, "learning_rate", objective, chosen)
        for path in smk.output.get("phase", []):
            if to := target(path):
                arguments = tuple(smk.params.phase)
                plot_phase(
                    tuning_phase_maps(rows, arguments[1], chosen),
                    arguments,
                    to,
                    objective[:1].lower() + objective[1:],
                    "diverged or left the plot" if landscape else "diverged",
                )
    log.info("plotted %d tuning trials", len(rows))


def main(smk: Any) -> None:
    """The frames, loss and tuning figure jobs, by `params.figure`."""
    set_pixel_scale(smk.params.scale)
    {"frames": main_frames, "losses": main_losses, "tuning": main_tuning}[smk.params.figure](smk)
