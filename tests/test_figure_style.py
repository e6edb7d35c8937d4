"""Issue 22: figures that read at a glance.

Every figure kind is drawn with the shapes of the shipped configs (the
page's three optimizers, the landscapes' six, the tuned comparison's 14) and
its artists are read back: the series colours stay apart under every
simulated colour vision deficiency, no axes holds more than eight series,
no legend or note covers data, and no text is smaller than 9 pt.
"""

import itertools
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from conftest import capture_saved
from optimizer_animations.figures import (
    comparison,
    facets,
    frames,
    inside,
    phase,
    render,
    trajectories,
)
from optimizer_animations.figures.style import (
    DARK,
    LIGHT,
    MAX_SERIES,
    SERIES_COLOURS,
    THEMES,
    series_colour,
    use_theme,
)
from optimizer_animations.figures.surface import SurfaceFigure
from optimizer_animations.figures.trajectories import Path2D, Surface, TrajectoryFigure
from optimizer_animations.problems.problem import FunctionProblem
from optimizer_animations.records.history import History
from optimizer_animations.records.run_table import Band, Curve, SensitivityPoint

PAGE = ["SGD", "Adam", "RMSprop"]
LANDSCAPE = ["SGD", "Momentum", "Nesterov", "RMSprop", "Adam", "Adagrad"]
TUNED = [
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl",
    "Lamb", "Lion", "LossScale", "Muon", "Nadam", "RMSprop", "SGD",
]  # fmt: skip
CVD = ("protanomaly", "deuteranomaly", "tritanomaly")


def smallest_distance(colours: list[str], deficiency: str | None) -> float:
    """The smallest CIEDE2000 between any two of `colours`, as a reader with
    `deficiency` (full severity) sees them."""
    rgb = np.array([to_rgb(c) for c in colours])
    if deficiency:
        space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
        rgb = np.clip(cspace_convert(rgb, space, "sRGB1"), 0, 1)
    return min(deltaE(a, b, input_space="sRGB1") for a, b in itertools.combinations(rgb, 2))


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_the_palette_stays_apart_under_every_colour_vision_deficiency(theme, deficiency):
    assert smallest_distance(list(theme.series), deficiency) >= 10
    assert smallest_distance([*theme.series, theme.context], deficiency) >= 10


# --- every figure kind, drawn and read back ---------------------------------


FIGURE_MODULES = (render, comparison, facets, frames, trajectories, inside, phase)


@pytest.fixture
def drawn(monkeypatch) -> list:
    return capture_saved(monkeypatch, FIGURE_MODULES)


def decaying(count: int, epochs: int = 100, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(epochs + 1)
    return [1.07 * np.exp(-t / rng.uniform(20, 400)) + rng.uniform(0, 0.05) for _ in range(count)]


def curves(names: list[str]) -> list[Curve]:
    return [
        Curve(name, np.arange(len(loss)), loss, None, name.lower())
        for name, loss in zip(names, decaying(len(names)), strict=True)
    ]


def bands(names: list[str]) -> list[Band]:
    return [
        Band(name.lower(), name.lower(), {}, np.arange(len(loss)), loss, loss * 0.8, loss * 1.2, 10, 0, name)
        for name, loss in zip(names, decaying(len(names), seed=1), strict=True)
    ]  # fmt: skip


def sensitivity_lines(names: list[str]) -> dict[str, list[SensitivityPoint]]:
    rates = np.geomspace(1e-4, 10, 12)
    rng = np.random.default_rng(2)
    lines = {}
    for name in names:
        best = rng.uniform(-3, 0)
        medians = 1e-3 + (np.log10(rates) - best) ** 2 / 4
        lines[name] = [
            SensitivityPoint(float(r), float(m), float(m) * 0.7, float(m) * 1.4, 10, 0)
            for r, m in zip(rates, medians, strict=True)
        ]
    return lines


def page_history() -> History:
    """The page's 500 epochs: outputs from its printed start to its printed end."""
    start = np.array([-0.5095548, -0.7187625, 0.08668923])
    end = np.array([-0.0179761, 0.9393657, 0.00305823])
    t = (1 - np.exp(-np.arange(501) / 120))[:, None, None] / (1 - np.exp(-500 / 120))
    pred = (start + t * (end - start)).astype(np.float32)
    return History(
        epoch=np.arange(501),
        loss=np.linspace(1.07, 0.08, 501),
        arrays={"pred": pred, "kernel": pred},
        meta={"label": "sgd", "optimizer": {"class_name": "SGD"}, "data": {"y": [[0.0, 1.0, 0.0]]}},
    )


def landscape_paths(name: str, labels: list[str]) -> tuple[FunctionProblem, list[Path2D]]:
    """Paths from the function's start that curl into its minima, as momentum's do."""
    problem = FunctionProblem.from_spec({"function": name})
    landscape = problem.landscape
    start = np.asarray(landscape.start)
    # The saddle has no minimum: its paths run off towards the domain's corners.
    targets = landscape.minima or [(x, y) for x in landscape.domain[0] for y in landscape.domain[1]]
    ends = [np.asarray(targets[i % len(targets)]) for i in range(len(labels))]
    t = np.linspace(0, 1, 101)[:, None]
    paths = []
    for index, (label, end) in enumerate(zip(labels, ends, strict=True)):
        swing = 0.3 * (index - len(labels) / 2) * np.sin(np.pi * t) * (end - start)[::-1]
        paths.append(Path2D(label, start + t * (end - start) + swing, series_colour(index)))
    return problem, paths


def trajectory_figure(name: str, labels: list[str], panels: bool) -> TrajectoryFigure:
    problem, paths = landscape_paths(name, labels)
    surface = Surface.sample(problem.loss_numpy, problem.landscape.domain, points=80)
    return TrajectoryFigure(
        surface,
        paths,
        f"{name}: {len(paths)} optimizers",
        f"f(x, y) = {problem.landscape.formula}; 100 steps",
        problem.landscape.minima,
        axis_labels=("x", "y"),
        minima_label="minimum",
        panels=panels,
    )


def inside_histories(labels: list[str]) -> tuple[FunctionProblem, list[History]]:
    """The quadratic's runs with a recorded inside: each step's gradient of
    the function, a learning rate of 0.05 and a momentum that lags the step."""
    problem, paths = landscape_paths("quadratic", labels)
    histories = []
    for index, path in enumerate(paths):
        points = path.points.astype(np.float32)
        steps = len(points) - 1
        # The quadratic's gradient, computed on the float32 points.
        gradient = (points[:-1] * np.array([2.0, 20.0], np.float32)).astype(np.float32)
        momentum = np.vstack([np.zeros((1, 2)), np.diff(points, axis=0)]).astype(np.float32)
        name = labels[index] if labels[index] in ("Adam", "RMSprop", "Adagrad") else "SGD"
        histories.append(
            History(
                epoch=np.arange(steps + 1),
                loss=problem.loss_numpy(points).astype(np.float32),
                arrays={
                    "position": points,
                    "gradient": gradient,
                    "learning_rate": np.full(steps, 0.05, np.float32),
                    "state.position_momentum": momentum,
                },
                meta={
                    **problem.meta([points[0]], None),
                    "label": labels[index].lower(),
                    "family": labels[index].lower(),
                    "experiment": "inside",
                    "optimizer": {"class_name": name},
                },
            )
        )
    return problem, histories


def minibatch_history(label: str, batch: int | None, seed: int) -> History:
    """A two-weight regression's run on 64 samples: every update's weights
    walking noisily to the least-squares fit (batch None: full batch)."""
    from optimizer_animations.problems.data import generate_samples

    x, y = generate_samples({"generate": "linear", "samples": 64, "noise": 0.5, "seed": 0})
    epochs, per_epoch = 10, 64 // (batch or 64)
    rng = np.random.default_rng(seed)
    best = np.linalg.lstsq(np.column_stack([x[:, 0], np.ones(64)]), y[:, 0], rcond=None)[0]
    t = 1 - np.exp(-np.arange(epochs * per_epoch + 1) / (2 * per_epoch))
    steps = (
        t[:, None] * best
        + (0.3 / np.sqrt(batch or 64)) * rng.standard_normal((len(t), 2)) * t[:, None]
    )
    steps[0] = 0
    epoch_params = steps[::per_epoch].astype(np.float32)
    pred = (x[None, :, 0] * epoch_params[:, :1] + epoch_params[:, 1:])[..., None]
    arrays = {
        "pred": pred.astype(np.float32),
        "kernel": epoch_params[:, None, :1],
        "bias": epoch_params[:, 1:],
    }
    meta = {
        "label": label,
        "family": "sgd",
        "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.1}},
        "use_bias": True,
        "init": {"kernel": [[0.0]], "bias": [0.0]},
        "data": {"x": x.tolist(), "y": y.tolist()},
        "experiment": "regression",
    }
    if batch:
        arrays |= {
            "step_params": steps.astype(np.float32),
            "step_loss": rng.uniform(0.1, 0.5, len(t) - 1).astype(np.float32),
        }
        meta["batch"] = {"size": batch, "shuffle": True, "seed": seed, "steps_per_epoch": per_epoch}
    loss = np.linspace(1.0, 0.25, epochs + 1).astype(np.float32)
    return History(epoch=np.arange(epochs + 1), loss=loss, arrays=arrays, meta=meta)


def draw_every_kind(tmp_path, drawn) -> list[tuple[str, object]]:
    """(kind, figure) of every figure kind, at the shipped configs' sizes."""
    kinds = []
    out = tmp_path / "figure.png"
    for names, label in ((PAGE, "page"), (LANDSCAPE, "landscape"), (TUNED, "tuned")):
        render.plot_losses(curves(names), out)
        kinds.append((f"loss_plot:{label}", drawn[-1]))
        render.plot_losses(curves(names), out, None, ("Step", "f(x, y)"))
        kinds.append((f"landscape_loss:{label}", drawn[-1]))
        render.plot_loss_bands(bands(names), out, True)
        kinds.append((f"loss_bands:{label}", drawn[-1]))
        lines = sensitivity_lines(names)
        render.plot_sensitivity(lines, out, chosen={n: 1e-2 for n in names})
        kinds.append((f"sensitivity:{label}", drawn[-1]))
        comparison.plot_profile(
            {f"e{i}": {n: 1.0 + ((i + j) % 5) for j, n in enumerate(names)} for i in range(7)}, out
        )
        kinds.append((f"profile:{label}", drawn[-1]))
        entries = [
            comparison.TimesToTarget(n, [10 + i, 20 + i, 30], i % 3) for i, n in enumerate(names)
        ]
        comparison.plot_time_to_target(entries, out, "a loss of 0.1")
        kinds.append((f"time_to_target:{label}", drawn[-1]))
    render.plot_losses(curves(["SGD"]), out)
    kinds.append(("run_loss_plot", drawn[-1]))
    # The page's bar frames, at the page's first, middle and last epochs.
    history = page_history()
    for epoch in (0, 250, 500):
        bars = render.BarFrames(history, (-1.1, 1.1))
        bars.show(epoch)
        kinds.append((f"bar_frame:{epoch}", bars.figure))
    for function in ("himmelblau", "rosenbrock", "rastrigin", "beale", "saddle", "quadratic"):
        for panels in (False, True):
            figure = trajectory_figure(function, LANDSCAPE, panels)
            figure.save_whole(out)
            kinds.append((f"trajectory:{function}:{'panels' if panels else 'one'}", figure.figure))
    figure = trajectory_figure("quadratic", TUNED, False)
    figure.save_whole(out)
    kinds.append(("trajectory:tuned", figure.figure))
    # Stochastic gradients: a minibatch run's loss, its fit frame, the
    # batch-size panels and the gradient fan of a two-weight model.
    runs = [minibatch_history(f"sgd-bs{b}", b, i) for i, b in enumerate((1, 16, None))]
    render.plot_losses([Curve.of(runs[1])], out)
    kinds.append(("run_loss_plot:minibatch", drawn[-1]))
    render.use_page_style()
    fit = render.frames_of(runs[1], (-1.1, 1.1))
    fit.show(10)
    kinds.append(("fit_frame", fit.figure))
    scene = trajectories.scene_of(runs, "regression", None)
    batches = trajectories.batch_size_scene(scene, runs, "regression").figure(True, False)
    batches.save_whole(out, "Epoch")
    kinds.append(("batch_sizes", batches.figure))
    trajectories.plot_gradient_fan(scene, runs[1], out)
    kinds.append(("gradients", drawn[-1]))
    # The optimizer's inside: the frames' vectors, the anatomy, the step sizes.
    problem, histories = inside_histories(LANDSCAPE)
    colours = {h.run.family: series_colour(i) for i, h in enumerate(histories)}
    scene = trajectories.landscape_scene(histories, colours, None, inside.VECTOR_KINDS)
    figure = scene.figure()
    figure.save_whole(out)
    kinds.append(("trajectory:vectors", figure.figure))
    for function in ("rosenbrock", "quadratic"):
        surface_problem, paths = landscape_paths(function, LANDSCAPE)
        surface = Surface.sample(
            surface_problem.loss_numpy, surface_problem.landscape.domain, points=80
        )
        view = SurfaceFigure(
            surface,
            paths,
            function,
            surface_problem.loss_numpy,
            surface_problem.landscape.minima,
        )
        view.save_whole(out)
        kinds.append((f"surface:{function}", view.figure))
    inside.plot_anatomy(histories, colours, inside.VECTOR_KINDS, 10, out, problem.loss_numpy)
    kinds.append(("anatomy", drawn[-1]))
    inside.plot_step_sizes(histories, colours, out)
    kinds.append(("step_sizes", drawn[-1]))
    # A two-argument map: three entries over rate and momentum, one cell diverged.
    rates, momenta = np.geomspace(1e-3, 1, 4), np.array([0.0, 0.5, 0.9])
    maps = [
        phase.PhaseMap(
            name,
            rates,
            momenta,
            np.where(
                (rates[None] == 1) & (momenta[:, None] == 0.9),
                np.inf,
                (np.log10(rates)[None] + 2) ** 2 + momenta[:, None] + index,
            ),
        )
        for index, name in enumerate(PAGE)
    ]
    phase.plot_phase(maps, ("learning_rate", "momentum"), out)
    kinds.append(("phase", drawn[-1]))
    return kinds


def series_colours(axes, drawn_in) -> set[str]:
    """The colours of the axes' series: lines of two points or more (a single
    point is a marker: a start, a minimum), the context grey left out."""
    colours = set()
    for line in axes.get_lines():
        data = line.get_xydata()
        if line.get_visible() and len(data) >= 2 and np.isfinite(data).all(axis=1).sum() >= 2:
            colours.add(to_hex(line.get_color()))
    return colours - {to_hex(drawn_in.context)}


def dense_points(axes) -> np.ndarray:
    """Every line of the axes, sampled every pixel, and every band's vertices
    and centre, in display coordinates."""
    points = []
    for line in axes.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(line.get_xydata())
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) == 1 or line.get_linestyle() in ("None", "none", ""):
            points.append(xy)  # markers alone: their points
            continue
        for a, b in itertools.pairwise(xy):
            steps = max(2, int(np.hypot(*(b - a))) + 1)
            points.append(a + np.linspace(0, 1, steps)[:, None] * (b - a))
    for collection in axes.collections:
        if isinstance(collection, PolyCollection) and collection.get_visible():
            for path in collection.get_paths():
                xy = collection.get_transform().transform(path.vertices)
                points.append(xy[np.isfinite(xy).all(axis=1)])
    for bar in axes.patches:  # the page's bars: their whole area, every 2 pixels
        if isinstance(bar, Rectangle) and bar.get_visible() and bar.get_height():
            box = bar.get_window_extent()
            x, y = np.meshgrid(
                np.arange(box.x0, box.x1 + 1, 2.0), np.arange(box.y0, box.y1 + 1, 2.0)
            )
            points.append(np.column_stack([x.ravel(), y.ravel()]))
    return np.vstack(points) if points else np.empty((0, 2))


def notes_and_legends(figure) -> Iterator[tuple[object, object]]:
    """(artist, its axes or None) of every legend and every free text: an
    axes' notes and annotations, the figure's own texts."""
    for axes in figure.axes:
        legend = axes.get_legend()
        if legend is not None:
            yield legend, axes
        for text in axes.texts:
            yield text, axes
    for text in figure.texts:
        yield text, None


@pytest.fixture(scope="module", params=["light", "dark"])
def every_kind(request, tmp_path_factory):
    """Every kind, in the light theme and in the dark one of published figures."""
    drawn_in = THEMES[request.param]
    use_theme(drawn_in)
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            kinds = draw_every_kind(
                tmp_path_factory.mktemp("figures"), capture_saved(monkeypatch, FIGURE_MODULES)
            )
    finally:
        use_theme(LIGHT)
    return drawn_in, kinds


def test_every_figure_kind_has_at_most_eight_series_per_axes_that_a_colour_blind_reader_tells_apart(
    every_kind,
):
    drawn_in, kinds = every_kind
    for kind, figure in kinds:
        for axes in figure.axes:
            if not axes.get_visible():
                continue
            colours = sorted(series_colours(axes, drawn_in))
            assert len(colours) <= MAX_SERIES, (kind, len(colours))
            assert set(colours) <= {to_hex(c) for c in drawn_in.series}, (kind, colours)
            if len(colours) >= 2:
                for deficiency in CVD:
                    assert smallest_distance(colours, deficiency) >= 10, (kind, deficiency)


def test_no_legend_or_note_covers_data(every_kind):
    for kind, figure in every_kind[1]:
        canvas = FigureCanvasAgg(figure)  # pyplot's close leaves a bare canvas
        canvas.draw()
        renderer = canvas.get_renderer()
        for artist, owner in notes_and_legends(figure):
            if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text()):
                continue
            box = artist.get_window_extent(renderer)
            for axes in [owner] if owner is not None else figure.axes:
                if not axes.get_visible():
                    continue
                points = dense_points(axes)
                # Lines are clipped to their axes: only what shows can be covered.
                frame = axes.get_window_extent(renderer)
                points = points[
                    (points[:, 0] >= frame.x0)
                    & (points[:, 0] <= frame.x1)
                    & (points[:, 1] >= frame.y0)
                    & (points[:, 1] <= frame.y1)
                ]
                inside = (
                    (points[:, 0] > box.x0)
                    & (points[:, 0] < box.x1)
                    & (points[:, 1] > box.y0)
                    & (points[:, 1] < box.y1)
                )
                what = "legend" if isinstance(artist, Legend) else repr(artist.get_text()[:30])
                assert not inside.any(), (kind, what, points[inside][:3])


def test_every_text_is_at_least_9_points(every_kind):
    for kind, figure in every_kind[1]:
        for text in figure.findobj(Text):
            if text.get_visible() and text.get_text().strip():
                assert text.get_fontsize() >= 9, (kind, text.get_text()[:40], text.get_fontsize())


def test_an_optimizer_keeps_its_colour_in_every_figure_of_an_experiment(tmp_path, drawn):
    # Adam is the second entry: the same colour in its loss, sensitivity and path.
    out = tmp_path / "figure.png"
    families = [name.lower() for name in LANDSCAPE]
    render.plot_losses(curves(LANDSCAPE), out, families=families)
    loss = {line.get_label(): to_hex(line.get_color()) for line in drawn[-1].axes[0].get_lines()}
    render.plot_sensitivity(sensitivity_lines(families), out)
    sensitivity = {
        line.get_label(): to_hex(line.get_color()) for line in drawn[-1].axes[0].get_lines()
    }
    figure = trajectory_figure("himmelblau", LANDSCAPE, False)
    path = {t.get_label(): to_hex(t.get_color()) for t in figure.trails}
    assert loss["Adam"] == sensitivity["adam"] == to_hex(SERIES_COLOURS[LANDSCAPE.index("Adam")])
    assert path["Adam"] == loss["Adam"]
    # The run's own loss plot, alone, in its entry's colour too.
    render.plot_losses(curves(["Adam"]), out, families=families)
    assert to_hex(drawn[-1].axes[0].get_lines()[0].get_color()) == loss["Adam"]


def test_the_overlap_check_sees_a_legend_on_a_line(tmp_path):
    # The check above is not vacuous: the page's legend place on its data is caught.
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([0, 1], [0, 0], label="flat")
    axes.plot([0, 1], [1, 1], label="high")
    axes.set_ylim(-0.05, 1.05)
    legend = axes.legend(loc="lower left")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    box = legend.get_window_extent(canvas.get_renderer())
    points = dense_points(axes)
    assert (
        (points[:, 0] > box.x0)
        & (points[:, 0] < box.x1)
        & (points[:, 1] > box.y0)
        & (points[:, 1] < box.y1)
    ).any()
    plt.close(figure)


def luminance(colour) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_each_theme_draws_its_background_and_text_apart(every_kind):
    # Drawn in its theme, not inverted: the background dark, every text light.
    drawn_in, kinds = every_kind
    for kind, figure in kinds:
        background = luminance(figure.get_facecolor())
        for text in figure.findobj(Text):
            if text.get_visible() and text.get_text().strip() and text.get_color() != "#D55E00":
                contrast = abs(luminance(text.get_color()) - background)
                assert contrast > 0.5, (kind, text.get_text()[:30], text.get_color())
        assert (background < 0.1) == (drawn_in is DARK), kind
