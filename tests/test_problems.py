"""The problem abstraction without TensorFlow: parameters, starts, NumPy losses."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import default_config
from optimizer_animations.problems.problem import DenseProblem, build_problem
from optimizer_animations.problems.spec import problem_spec


def page_problem(use_bias: bool) -> DenseProblem:
    config = default_config()
    return DenseProblem.from_spec(
        {"data": config["data"], "init": config["init"], "use_bias": use_bias}
    )


def test_the_pages_model_has_its_weights_as_parameters():
    with_bias, without = page_problem(True), page_problem(False)
    assert [v.name for v in with_bias.variables] == ["kernel", "bias"]
    assert with_bias.parameter_count == 6 and without.parameter_count == 3
    assert [v.shape for v in with_bias.variables] == [(1, 3), (3,)]
    start = with_bias.pinned_start()
    np.testing.assert_array_equal(start[0], np.float32([[-0.5095548, -0.7187625, 0.08668923]]))
    np.testing.assert_array_equal(start[1], np.zeros(3))


def test_flat_parameters_round_trip_with_leading_axes():
    problem = page_problem(True)
    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(4, 5, 1, 3)), rng.normal(size=(4, 5, 3))
    flat = problem.flatten([kernel, bias], leading=2)
    assert flat.shape == (4, 5, 6)
    back = problem.unflatten(flat)
    np.testing.assert_array_equal(back[0], kernel)
    np.testing.assert_array_equal(back[1], bias)


def test_numpy_loss_is_the_pages_first_loss_and_vectorises():
    problem = page_problem(True)
    start = problem.flatten(problem.pinned_start())
    # The page logs 1.0738 before SGD's first update (with bias).
    assert round(float(problem.loss_numpy(start)), 4) == 1.0738
    grid = np.broadcast_to(start, (7, 2, 6)).copy()
    grid[:, 1, 3:] = 1.0  # a bias of one everywhere
    losses = problem.loss_numpy(grid)
    assert losses.shape == (7, 2)
    np.testing.assert_allclose(losses[:, 0], problem.loss_numpy(start))
    assert (losses[:, 1] != losses[:, 0]).all()


def test_a_seeded_config_pins_no_start_and_names_its_seed():
    config = default_config()
    config["init"] = {"seed": 4}
    config["experiments"]["losses"]["use_bias"] = True
    problem = build_problem(problem_spec(config, "losses"))
    assert problem.pinned_start() is None and problem.seed == 4


def test_only_several_samples_refuse_stacking():
    data = {"x": [[1.0], [2.0], [3.0]], "y": [[0.0], [1.0], [0.5]]}
    three = DenseProblem.from_spec({"data": data, "init": {"seed": 0}, "use_bias": False})
    assert page_problem(False).stackable() and not three.stackable()


@pytest.mark.parametrize(
    "module",
    ["problems.problem", "records.layout", "records.run_table", "figures.render", "config.check"],
)
def test_modules_used_outside_training_do_not_import_tensorflow(module):
    code = f"import sys; import optimizer_animations.{module}; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
