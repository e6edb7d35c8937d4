"""Paths over a loss surface: levels, leaving the plot, frames that show the recorded points."""

import io

import numpy as np
import pytest
from PIL import Image

from optimizer_animations.figures.trajectories import (
    Path2D,
    Surface,
    TrajectoryFigure,
    contour_levels,
)
from optimizer_animations.problems.planes import named_plane, principal_plane
from optimizer_animations.problems.problem import FunctionProblem
from optimizer_animations.problems.spec import VariableSpec, weight_index


def landscape(name: str) -> tuple[FunctionProblem, Surface]:
    problem = FunctionProblem.from_spec({"function": name})
    return problem, Surface.sample(problem.loss_numpy, problem.landscape.domain, points=60)


def straight_paths(start, ends, steps=10) -> list[Path2D]:
    t = np.linspace(0, 1, steps + 1)[:, None]
    return [
        Path2D(f"run{i}", np.asarray(start) + t * (np.asarray(end) - np.asarray(start)))
        for i, end in enumerate(ends)
    ]


def test_rosenbrock_gets_log_levels_and_the_saddle_linear_ones():
    _, rosenbrock = landscape("rosenbrock")
    _, saddle = landscape("saddle")
    levels, logarithmic = contour_levels(rosenbrock.loss)
    assert logarithmic and np.all(np.diff(np.log(levels)) > 0)
    levels, logarithmic = contour_levels(saddle.loss)
    assert not logarithmic and levels[0] < 0 < levels[-1]


def test_a_path_says_when_it_left_the_domain():
    path = Path2D("sgd", np.array([[0.0, 0.0], [1.0, 1.9], [1.0, 2.5], [np.nan, np.nan]]))
    assert path.left_at(((-2, 2), (-2, 2))) == 2
    assert Path2D("in", np.zeros((3, 2))).left_at(((-2, 2), (-2, 2))) is None


@pytest.fixture
def figure():
    problem, surface = landscape("rosenbrock")
    paths = straight_paths(problem.landscape.start, [(1, 1), (0, 0), (-1, 1), (0.5, 2.5)])
    figure = TrajectoryFigure(surface, paths, "rosenbrock", "a subtitle", problem.landscape.minima)
    yield figure
    figure.close()


def test_frames_have_the_documented_size_and_move(figure):
    first, last = figure.frame(0), figure.frame(10)
    assert first.size == (680, 420) and first.mode == "RGB"
    assert np.asarray(first).tobytes() != np.asarray(last).tobytes()


def test_markers_sit_at_the_recorded_points(figure):
    figure.frame(4)
    for path, marker in zip(figure.paths, figure.markers, strict=True):
        x, y = marker.get_data()
        np.testing.assert_array_equal(np.column_stack([x, y]), path.points[4:5])
        trail_x, _ = figure.trails[figure.paths.index(path)].get_data()
        assert len(trail_x) == 5


def test_frames_are_the_same_bytes_when_drawn_again():
    problem, surface = landscape("himmelblau")
    paths = straight_paths(problem.landscape.start, problem.landscape.minima)
    encoded = []
    for _ in range(2):
        figure = TrajectoryFigure(surface, paths, "himmelblau", minima=problem.landscape.minima)
        buffer = io.BytesIO()
        figure.frame(7).save(buffer, format="png")
        encoded.append(buffer.getvalue())
        figure.close()
    assert encoded[0] == encoded[1]


def test_a_path_that_leaves_the_plot_is_named_on_the_frame(tmp_path):
    _, surface = landscape("saddle")
    paths = [
        Path2D("sgd", np.array([[-1.5, 0.01], [-1.0, 1.0], [-0.5, 3.0], [0.0, 9.0]])),
        Path2D("adam", np.array([[-1.5, 0.01], [-1.4, 0.1], [-1.3, 0.2], [-1.2, -2.5]])),
    ]
    figure = TrajectoryFigure(surface, paths, "saddle")
    figure.frame(3)
    assert figure.note.get_text() == "sgd: left at step 2\nadam: left at step 3"
    figure.frame(1)
    assert figure.note.get_text() == ""
    panels = TrajectoryFigure(surface, paths, "saddle", panels=True)  # said in their titles
    panels.frame(2)
    assert [axes.get_title() for axes in panels.panels] == ["sgd, left at step 2", "adam"]
    panels.frame(0)
    assert [axes.get_title() for axes in panels.panels] == ["sgd", "adam"]
    panels.close()
    figure.save_whole(tmp_path / "whole.png")
    figure.close()
    assert Image.open(tmp_path / "whole.png").size == (680, 420)


def test_the_principal_plane_of_paths_from_one_start_passes_through_it():
    start = np.array([1.0, -2.0, 0.5])
    t = np.linspace(0, 1, 11)[:, None]
    paths = [start + t * np.array([2.0, 0.0, 0.0]), start + t * np.array([0.0, 0.0, -1.0])]
    plane = principal_plane(paths)
    np.testing.assert_array_equal(plane.origin, start)
    for path in paths:  # both paths lie in the plane: projecting and lifting returns them
        np.testing.assert_allclose(plane.lift(plane.project(path)), path, atol=1e-12)
    assert "their common start" in plane.description and "(100.0% of it)" in plane.description
    assert plane.axis_labels[0].startswith("direction 1 (80% of the movement)")


def test_paths_from_different_starts_use_the_plane_through_their_mean_and_say_so():
    rng = np.random.default_rng(1)
    paths = [rng.normal(size=(5, 4)), rng.normal(size=(5, 4)) + 3.0]
    plane = principal_plane(paths)
    np.testing.assert_allclose(plane.origin, np.vstack(paths).mean(axis=0))
    assert "the mean of all their points" in plane.description
    assert "4 weights" in plane.description


def test_named_weights_are_parsed_against_the_model_never_evaluated():
    variables = (
        VariableSpec("kernel", (1, 3), "glorot_uniform"),
        VariableSpec("bias", (3,), "zeros"),
    )
    assert (
        weight_index("kernel[0,2]", variables) == 2 and weight_index(" bias[ 1 ] ", variables) == 4
    )
    for bad in ("kernel[1,0]", "bias[3]", "kernel[0]", "__import__('os')", "bias[1]+1", "w[0]"):
        with pytest.raises(ValueError, match="the model's weights run up to kernel"):
            weight_index(bad, variables)
    plane = named_plane(["kernel[0,1]", "bias[2]"], variables, np.arange(6.0))
    params = np.array([[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]])
    np.testing.assert_array_equal(plane.project(params), [[8.0, 12.0]])  # the weights themselves
    np.testing.assert_array_equal(plane.lift(np.array([8.0, 12.0])), [0, 8, 2, 3, 4, 12])
