"""The optimizer's inside in a history (issue 25, part 1): after every update
the recorded state equals the variables of the same Keras optimizer stepping
alone by hand, bit for bit, and so do the gradient and the learning rate."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # the training tests need the training stack
import keras
import tensorflow as tf

from optimizer_animations.problems.data import generate_samples
from optimizer_animations.problems.problem import DenseProblem, build_problem
from optimizer_animations.records.history import load_history, save_history
from optimizer_animations.records.run import Run
from optimizer_animations.training import train
from optimizer_animations.training.keras_optimizers import load_optimizer_table
from optimizer_animations.training.state import NOT_STATE, state_names

# Every built-in optimizer; SGD with momentum, so that it has state.
OPTIMIZERS = sorted(load_optimizer_table())
ARGUMENTS = {"SGD": {"momentum": 0.9}}


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    train.configure_threads(1)


@pytest.fixture(scope="module")
def rosenbrock():
    return build_problem({"kind": "function", "function": "rosenbrock"})


@pytest.fixture(scope="module")
def page_model():
    """The page's model: one sample, three units, a kernel and a bias."""
    return DenseProblem.from_spec(
        {
            "init": {"kernel": [[-0.5095548, -0.7187625, 0.08668923]]},
            "data": {"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]},
            "use_bias": True,
        }
    )


def by_hand(problem, optimizer, arguments, start, batches):
    """The optimizer alone on the problem's own variables, one compiled step
    per batch ((inputs, targets), or None: every sample), as `fit` compiles
    its step: its state under the recorder's names (S+1, ...), the gradients
    (S, P) and the learning rates (S,)."""
    variables = [
        keras.Variable(np.asarray(value, np.float32), name=spec.name)
        for spec, value in zip(problem.variables, start, strict=True)
    ]
    keras_optimizer = train.make_optimizer(optimizer, arguments, "by-hand")
    keras_optimizer.build(variables)
    own = [v for v in keras_optimizer.variables if v.name not in NOT_STATE]

    @tf.function
    def step(batch):
        with tf.GradientTape() as tape:
            _, loss = problem.forward(variables, batch)
        gradients = tape.gradient(loss, variables)
        rate = tf.convert_to_tensor(keras_optimizer.learning_rate, tf.float32)
        keras_optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return gradients, rate

    rows, gradients, rates = [[v.numpy().copy() for v in own]], [], []
    for batch in batches:
        gradient, rate = step(batch)
        gradients.append(np.concatenate([g.numpy().ravel() for g in gradient]))
        rates.append(rate.numpy())
        rows.append([v.numpy().copy() for v in own])
    # A name Keras gives twice (Adafactor's row and column placeholders for a
    # vector, both named after it) is numbered from its second time.
    names, times = [], {}
    for name in state_names(keras_optimizer):
        times[name] = times.get(name, 0) + 1
        names.append(name if times[name] == 1 else f"{name}_{times[name]}")
    return (
        {name: np.stack([row[i] for row in rows]) for i, name in enumerate(names)},
        np.stack(gradients),
        np.array(rates, np.float32),
    )


def assert_inside_equals(history, reference):
    state, gradients, rates = reference
    assert history.records_state
    assert sorted(history.state) == sorted(state), history.label
    for name, values in state.items():
        np.testing.assert_array_equal(
            history.state[name], values, err_msg=f"{history.label} {name}"
        )
    np.testing.assert_array_equal(history.gradient, gradients, err_msg=history.label)
    np.testing.assert_array_equal(history.learning_rates, rates, err_msg=history.label)


def rate_runs(optimizer, rates, **fields):
    arguments = ARGUMENTS.get(optimizer, {})
    return [
        Run("inside", f"r{rate}", optimizer, {**arguments, "learning_rate": rate}, **fields)
        for rate in rates
    ]


def start_of(problem, history):
    return problem.unflatten(history.step_params[0])


def full_batch_runs_equal_by_hand(problem, optimizer, rates, epochs):
    """Runs of `rates` trained in one job with their inside recorded, each
    checked against the optimizer alone by hand; their histories."""
    runs = rate_runs(optimizer, rates)
    histories = train.train_experiment("inside", runs, epochs, problem, record_state=True)
    for run, history in zip(runs, histories, strict=True):
        start = start_of(problem, history)
        reference = by_hand(problem, optimizer, run.arguments, start, [None] * epochs)
        assert_inside_equals(history, reference)
    return histories


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_landscape_runs_state_equals_its_optimizer_stepping_alone(rosenbrock, optimizer):
    """Two rates of one optimizer share a job (stacked or through one graph,
    as the pipeline trains them); each run's record is a lone optimizer's."""
    histories = full_batch_runs_equal_by_hand(rosenbrock, optimizer, (1e-3, 2e-3), 12)
    assert histories[0].gradient.shape == (12, 2)
    # Every built-in optimizer keeps state here, and it moved.
    state = histories[0].state
    assert state and any((values[-1] != values[0]).any() for values in state.values())


@pytest.mark.parametrize("optimizer", ["Adam", "RMSprop", "Nadam", "Adafactor"])
def test_the_page_models_state_is_named_per_weight_and_equals_a_lone_optimizer(
    page_model, optimizer
):
    """Adam and Nadam stack their runs in one (R, P) variable, RMSprop and
    Adafactor train through one graph: every way records a lone optimizer's
    slots for the kernel and the bias, under their Keras names and shapes."""
    histories = full_batch_runs_equal_by_hand(page_model, optimizer, (0.01, 0.1), 8)
    assert histories[0].gradient.shape == (8, 6)
    state = histories[0].state
    assert any(name.startswith("kernel_") for name in state), sorted(state)
    assert any(name.startswith("bias_") for name in state), sorted(state)
    if optimizer in ("Adam", "RMSprop"):
        slot = "momentum" if optimizer == "Adam" else "velocity"
        assert state[f"kernel_{slot}"].shape == (9, 1, 3)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "Adagrad"])
def test_a_minibatch_runs_state_is_recorded_at_every_batch(optimizer):
    """37 samples in batches of 8 (the last one of 5), shuffled per epoch:
    one record per update, equal to a lone optimizer fed the same batches."""
    x, y = generate_samples(
        {"generate": "linear", "samples": 37, "inputs": 2, "noise": 0.2, "seed": 3}
    )
    problem = DenseProblem(x, y, True, None, None, 0)
    runs = rate_runs(optimizer, (0.01, 0.05), seed=1, batch_size=8, shuffle=True)
    histories = train.train_experiment("inside", runs, 3, problem, record_state=True)
    for run, history in zip(runs, histories, strict=True):
        batches = [
            (problem.x[order[i : i + 8]], problem.y[order[i : i + 8]])
            for order in history.arrays["order"]
            for i in range(0, 37, 8)
        ]
        start = start_of(problem, history)
        reference = by_hand(problem, optimizer, run.arguments, start, batches)
        assert_inside_equals(history, reference)
        assert history.gradient.shape == (15, 3)


@pytest.mark.parametrize("optimizer", ["Adam", "RMSprop"])
def test_recording_the_inside_changes_no_other_number(rosenbrock, page_model, optimizer):
    for problem in (rosenbrock, page_model):
        runs = rate_runs(optimizer, (0.01, 0.1))
        plain = train.train_experiment("inside", runs, 6, problem)
        inside = train.train_experiment("inside", runs, 6, problem, record_state=True)
        for a, b in zip(plain, inside, strict=True):
            assert not a.records_state
            assert set(b.arrays) - set(a.arrays) == {"gradient", "learning_rate"} | {
                "state." + name for name in b.state
            }
            for key, values in a.arrays.items():
                np.testing.assert_array_equal(b.arrays[key], values, err_msg=key)
            np.testing.assert_array_equal(a.loss, b.loss)


def test_a_history_with_its_inside_round_trips(rosenbrock, tmp_path):
    (history,) = train.train_experiment(
        "inside", rate_runs("Adam", (0.01,)), 5, rosenbrock, record_state=True
    )
    save_history(tmp_path / "history.npz", history)
    loaded = load_history(tmp_path / "history.npz")
    assert sorted(loaded.state) == ["position_momentum", "position_velocity"]
    for name, values in history.state.items():
        np.testing.assert_array_equal(loaded.state[name], values)
    np.testing.assert_array_equal(loaded.gradient, history.gradient)
    np.testing.assert_array_equal(loaded.learning_rates, np.full(5, 0.01, np.float32))
    assert loaded.first_non_finite_epoch() is None
