"""The optimizer's inside drawn (issue 25, parts 2 and 3): every arrow of the
frames and of the anatomy, and every line of the step sizes, is the
recorded number; the config refuses vectors it cannot draw."""

import copy

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # trains the runs it draws
from matplotlib.quiver import Quiver

from conftest import capture_saved, default_config
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import EXPERIMENT_FIGURES, build_plan
from optimizer_animations.figures import facets, inside, trajectories
from optimizer_animations.figures.surface import SurfaceFigure
from optimizer_animations.problems.problem import build_problem
from optimizer_animations.records.run import Run
from optimizer_animations.training import train

KINDS = ["gradient", "momentum", "update"]


@pytest.fixture(scope="module")
def runs():
    """Four kinds of direction on the ill-conditioned quadratic: SGD's
    velocity, Adam's first moment, RMSprop's subtracted momentum, none."""
    train.configure_threads(1)
    problem = build_problem({"kind": "function", "function": "quadratic"})
    entries = [
        ("sgd-momentum", "SGD", {"learning_rate": 0.01, "momentum": 0.9}),
        ("adam", "Adam", {"learning_rate": 0.1}),
        ("rmsprop", "RMSprop", {"learning_rate": 0.01, "momentum": 0.5}),
        ("adagrad", "Adagrad", {"learning_rate": 0.5}),
        ("sgd", "SGD", {"learning_rate": 0.01}),
    ]
    runs = [Run("inside", label, name, args, family=label) for label, name, args in entries]
    return train.train_experiment("inside", runs, 30, problem, record_state=True)


def by_label(histories, label):
    return next(h for h in histories if h.label == label)


def test_each_steps_vectors_are_the_recorded_gradient_state_and_step(runs):
    for history in runs:
        vectors = inside.step_vectors(history)
        rates = history.learning_rates[:, None]
        np.testing.assert_array_equal(vectors["gradient"], -rates * history.gradient)
        np.testing.assert_array_equal(vectors["update"], np.diff(history.params, axis=0))
    sgd = inside.step_vectors(by_label(runs, "sgd-momentum"))
    # SGD adds its momentum to the weights: the step is the momentum it ends with.
    np.testing.assert_array_equal(
        sgd["momentum"], by_label(runs, "sgd-momentum").state["position_momentum"][:-1]
    )
    np.testing.assert_allclose(  # up to the rounding of the weights, about 1e-7
        sgd["update"], by_label(runs, "sgd-momentum").state["position_momentum"][1:], atol=2e-7
    )
    adam = by_label(runs, "adam")
    np.testing.assert_array_equal(
        inside.step_vectors(adam)["momentum"],
        -adam.learning_rates[:, None] * adam.state["position_momentum"][:-1],
    )
    rmsprop = by_label(runs, "rmsprop")
    np.testing.assert_array_equal(
        inside.step_vectors(rmsprop)["momentum"], -rmsprop.state["position_momentum"][:-1]
    )
    # Adagrad keeps no direction; SGD without momentum keeps no state at all.
    assert "momentum" not in inside.step_vectors(by_label(runs, "adagrad"))
    assert "momentum" not in inside.step_vectors(by_label(runs, "sgd"))


def quivers(figure):
    return [c for axes in figure.axes for c in axes.collections if isinstance(c, Quiver)]


def test_every_frames_arrows_are_the_steps_recorded_vectors(runs):
    scene = trajectories.landscape_scene(runs, {h.run.family: "#0072B2" for h in runs}, None, KINDS)
    figure = scene.figure()
    assert scene.arrow_scale > 0 and f"{scene.arrow_scale:g} times" in scene.subtitle
    assert [kind for kind, _, _ in figure.arrows] == KINDS
    for step in (0, 1, 17, 29):
        figure.frame(step)
        for kind, members, quiver in figure.arrows:
            assert quiver.scale == pytest.approx(1 / scene.arrow_scale)
            for row, index in enumerate(members):
                history = runs[index]
                expected = inside.step_vectors(history)[kind][step]
                np.testing.assert_array_equal(quiver.get_offsets()[row], history.params[step])
                np.testing.assert_array_equal([quiver.U[row], quiver.V[row]], expected)
    # Momentum only at the runs that keep one; none past the last update.
    momentum = next(members for kind, members, _ in figure.arrows if kind == "momentum")
    assert sorted(runs[i].label for i in momentum) == ["adam", "rmsprop", "sgd-momentum"]
    figure.frame(30)
    assert all(np.ma.array(q.U, mask=q.Umask).mask.all() for _, _, q in figure.arrows)
    figure.close()


@pytest.fixture
def saved(monkeypatch):
    return capture_saved(monkeypatch, (inside, facets))


def test_the_anatomy_draws_each_runs_vectors_of_its_update_at_their_size(runs, saved, tmp_path):
    problem = build_problem({"kind": "function", "function": "quadratic"})
    colours = {h.run.family: "#0072B2" for h in runs}
    inside.plot_anatomy(runs, colours, KINDS, 4, tmp_path / "anatomy.png", problem.loss_numpy)
    assert (tmp_path / "anatomy.png").stat().st_size > 20_000
    (figure,) = saved
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert [axes.get_title().split("\n")[0] for axes in panels] == [h.title for h in runs]
    for axes, history in zip(panels, runs, strict=True):
        vectors = inside.step_vectors(history)
        drawn = [c for c in axes.collections if isinstance(c, Quiver)]
        assert len(drawn) == len(vectors)
        for quiver, kind in zip(drawn, [k for k in KINDS if k in vectors], strict=True):
            assert quiver.scale == 1.0  # at their own size
            np.testing.assert_array_equal(quiver.get_offsets()[0], history.params[3])
            np.testing.assert_array_equal([quiver.U[0], quiver.V[0]], vectors[kind][3])
        # The panel holds the step it dissects.
        reached = history.params[4]
        (x0, x1), (y0, y1) = axes.get_xlim(), axes.get_ylim()
        assert x0 < reached[0] < x1 and y0 < reached[1] < y1


def test_the_step_sizes_are_each_coordinates_update_over_its_negative_gradient(
    runs, saved, tmp_path
):
    colours = {h.run.family: "#0072B2" for h in runs}
    inside.plot_step_sizes(runs, colours, tmp_path / "step_sizes.png")
    (figure,) = saved
    panels = [axes for axes in figure.axes if axes.get_visible()]
    assert len(panels) == len(runs)
    for axes, history in zip(panels, runs, strict=True):
        assert axes.get_yscale() == "log"
        update = np.diff(history.params.astype(np.float64), axis=0)
        expected = -update / history.gradient.astype(np.float64)
        lines = axes.get_lines()
        for coordinate in range(2):
            shown = lines[coordinate].get_ydata()
            positive = expected[:, coordinate] > 0
            np.testing.assert_array_equal(shown[positive], expected[positive, coordinate])
            assert np.isnan(shown[~positive]).all()
        np.testing.assert_array_equal(lines[2].get_ydata(), history.learning_rates)
        # Decade to decade, every line inside: its labels are powers of ten.
        low, high = np.log10(axes.get_ylim())
        assert low == round(low) and high == round(high) and high - low >= 1
        drawn = np.concatenate([line.get_ydata() for line in lines])
        drawn = drawn[np.isfinite(drawn) & (drawn > 0)]
        assert 10**low <= drawn.min() and drawn.max() <= 10**high
    # Five panels make rows of three, a grid as square as it can be, not rows
    # of four too flat to read at a page column's width.
    columns = {round(axes.get_position().x0, 3) for axes in panels}
    rows = {round(axes.get_position().y0, 3) for axes in panels}
    assert len(runs) == 5 and (len(columns), len(rows)) == (3, 2)
    # Plain SGD's effective rate is its learning rate, everywhere.
    sgd = inside.effective_rates(by_label(runs, "sgd"))
    np.testing.assert_allclose(sgd, 0.01, rtol=1e-5)
    adam = inside.effective_rates(by_label(runs, "adam"))
    assert np.nanmax(adam) / np.nanmin(np.abs(adam)) > 10  # adaptive: it moves


def landscape_config(**settings):
    config = copy.deepcopy(default_config())
    config["experiments"]["bowl"] = {
        "function": "quadratic",
        "epochs": 20,
        "optimizers": [{"name": "SGD", "momentum": 0.9}, "Adam"],
        **settings,
    }
    return config


def planned_kinds(config):
    plan = build_plan(config)["bowl"]
    return plan, {kind.kind for kind in EXPERIMENT_FIGURES if kind.applies(plan)}


def test_vectors_plan_the_anatomy_and_every_landscape_with_state_its_step_sizes():
    plan, kinds = planned_kinds(
        landscape_config(vectors={"show": ["gradient", "update"], "anatomy": 3})
    )
    assert plan.vectors == ("gradient", "update") and plan.anatomy_step == 3
    assert {"anatomy", "step_sizes"} <= kinds
    plan, kinds = planned_kinds(landscape_config())
    assert plan.records_state and "step_sizes" in kinds and "anatomy" not in kinds
    plan, kinds = planned_kinds(landscape_config(state=False))
    assert not plan.records_state and not {"anatomy", "step_sizes"} & kinds


@pytest.mark.parametrize(
    "settings, expected",
    [
        (
            {"state": False, "vectors": {"show": ["update"]}},
            ["'experiments.bowl.vectors'", "'experiments.bowl.state' is false"],
        ),
        (
            {"vectors": {"show": ["update"], "anatomy": 21}},
            ["'experiments.bowl.vectors.anatomy' = 21", "1 to 20"],
        ),
        ({"vectors": {"show": ["velocity"]}}, ["experiments.bowl.vectors.show[0]", "'velocity'"]),
        ({"vectors": {"show": ["update", "update"]}}, ["experiments.bowl.vectors.show"]),
    ],
)
def test_vectors_it_cannot_draw_are_a_config_error_naming_the_key(settings, expected):
    with pytest.raises(ConfigError) as error:
        check_config(landscape_config(**settings))
    for part in expected:
        assert part in str(error.value), str(error.value)


def test_vectors_on_the_page_model_are_refused():
    config = copy.deepcopy(default_config())
    config["experiments"]["outputs"]["vectors"] = {"show": ["update"]}
    with pytest.raises(
        ConfigError, match=r"'experiments\.outputs\.vectors' applies only to landscape"
    ):
        check_config(config)


def test_the_surface_lifts_every_recorded_point_onto_the_function(runs, tmp_path):
    """Each frame's 3-D trail is the run's recorded positions up to its step,
    at the height of f there (log10(1 + f - min f) where f spans decades)."""
    problem = build_problem({"kind": "function", "function": "quadratic"})
    scene = trajectories.landscape_scene(runs, {h.run.family: "#0072B2" for h in runs})
    figure = SurfaceFigure(scene.surface, scene.paths, scene.title, problem.loss_numpy)
    assert figure.logarithmic  # the quadratic's f spans decades over its rectangle
    floor = float(np.nanmin(scene.surface.loss))
    for step in (0, 7, 30):
        image = figure.frame(step)
        assert image.size == (720, 480)
        for trail, history in zip(figure.trails, runs, strict=True):
            x, y, z = (np.asarray(values, float) for values in trail.get_data_3d())
            points = history.params[: step + 1].astype(float)
            np.testing.assert_array_equal(np.column_stack([x, y]), points)
            f = problem.loss_numpy(history.params[: step + 1])
            np.testing.assert_array_equal(z, np.log10(1 + np.asarray(f, float) - floor))
    assert figure.counter.get_text() == "Step 30"
    figure.save_whole(tmp_path / "surface.png")
    assert (tmp_path / "surface.png").stat().st_size > 30_000
    figure.close()
