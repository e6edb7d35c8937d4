import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # the training tests need the training stack
import keras

import optimizer_animations
from conftest import default_config
from optimizer_animations.problems.problem import DenseProblem, build_problem
from optimizer_animations.records.history import History, load_history, save_history
from optimizer_animations.training import train
from optimizer_animations.training.keras_optimizers import load_optimizer_table

PAGE_KERNEL = [[-0.5095548, -0.7187625, 0.08668923]]
ONE_SAMPLE = {"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]}
THREE_SAMPLES = {"x": [[1.0], [-0.5], [2.0]], "y": [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]}


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    train.configure_threads(1)


def fit_reference(optimizer, arguments, data, kernel, bias, epochs):
    """What the page does: Keras `fit`, recording weights and outputs after every epoch."""
    x = np.asarray(data["x"], np.float32)
    y = np.asarray(data["y"], np.float32)
    model = train.build_model(y.shape[1], bias is not None)
    model.set_weights([kernel] + ([bias] if bias is not None else []))
    model.compile(loss="mse", optimizer=train.make_optimizer(optimizer, arguments, "ref"))
    losses, preds, kernels = [], [model.predict(x, verbose=0)], [model.get_weights()[0]]
    for _ in range(epochs):
        history = model.fit(x, y, epochs=1, batch_size=len(x), verbose=0, shuffle=False)
        losses.append(history.history["loss"][0])
        preds.append(model.predict(x, verbose=0))
        kernels.append(model.get_weights()[0])
    return np.array(losses, np.float32), np.array(preds), np.array(kernels)


def dense(init, data, use_bias):
    return DenseProblem.from_spec({"init": init, "data": data, "use_bias": use_bias})


def compiled(optimizer, arguments, data, kernel, bias, epochs):
    """One run through the pipeline's compiled loop; arrays as in a history file."""
    init = {"kernel": kernel.tolist(), **({"bias": bias.tolist()} if bias is not None else {})}
    problem = dense(init, data, bias is not None)
    optimizer = train.make_optimizer(optimizer, arguments, "run")
    result = train.train_run(problem, optimizer, problem.pinned_start(), epochs)
    return {"loss": result["loss"], **problem.history_arrays(result["params"], result["outputs"])}


# Keras 3.15's fit starts ScheduleFreeAdamW's momentum at zero instead of at the
# weights that its build() copies: one step of learning rate 0.05 then drops the
# loss from 1.333 to 0.277, which the documented update (every weight moves by
# at most 0.05) cannot do. Our loop follows the documented update.
FIT_DIFFERS = {"ScheduleFreeAdamW"}


@pytest.mark.parametrize(
    "optimizer",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                name in FIT_DIFFERS, reason="Keras fit's momentum start", strict=True
            ),
        )
        for name in sorted(load_optimizer_table())
    ],
)
def test_compiled_loop_equals_fit_for_every_keras_optimizer(optimizer):
    kernel = np.asarray(PAGE_KERNEL, np.float32)
    bias = np.array([0.1, -0.2, 0.3], np.float32)
    arguments = {"learning_rate": 0.05}
    losses, preds, kernels = fit_reference(optimizer, arguments, ONE_SAMPLE, kernel, bias, 4)
    result = compiled(optimizer, arguments, ONE_SAMPLE, kernel, bias, 4)
    np.testing.assert_array_equal(result["loss"][:-1], losses)
    np.testing.assert_array_equal(result["pred"], preds)
    np.testing.assert_array_equal(result["kernel"], kernels)


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop"])
def test_compiled_loop_equals_fit_with_several_samples(optimizer):
    kernel = np.array([[0.3, -0.4]], np.float32)
    arguments = {"learning_rate": 0.05}
    losses, preds, kernels = fit_reference(optimizer, arguments, THREE_SAMPLES, kernel, None, 5)
    result = compiled(optimizer, arguments, THREE_SAMPLES, kernel, None, 5)
    np.testing.assert_array_equal(result["pred"], preds)
    np.testing.assert_array_equal(result["kernel"], kernels)
    # Keras reports the epoch loss through a Mean metric (loss * n / n in
    # float32), which may round the last bit differently for n = 3.
    np.testing.assert_allclose(result["loss"][:-1], losses, rtol=2e-7, atol=0)
    assert "bias" not in result


def test_page_numbers_sgd_with_bias_over_100_epochs():
    config = default_config()
    (history,) = train.train_experiment(
        "losses",
        [{"label": "sgd", "optimizer": "SGD", "arguments": {}}],
        100,
        dense(config["init"], config["data"], use_bias=True),
    )
    # Keras logs the loss before each epoch's update: epochs 1-3 and 98-100.
    assert [round(float(v), 4) for v in history.loss[[0, 1, 2]]] == [1.0738, 1.0453, 1.0176]
    assert [round(float(v), 4) for v in history.loss[[97, 98, 99]]] == [0.0794, 0.0773, 0.0753]
    assert history.loss.shape == (101,)


def test_page_numbers_sgd_without_bias_after_500_epochs():
    config = default_config()
    (history,) = train.train_experiment(
        "outputs",
        [{"label": "sgd", "optimizer": "SGD", "arguments": {}}],
        500,
        dense(config["init"], config["data"], use_bias=False),
    )
    page_before = np.array([[-0.5095548, -0.7187625, 0.08668923]], np.float32)
    page_after = np.array([[-0.0179761, 0.9393657, 0.00305823]], np.float32)
    np.testing.assert_array_equal(history.pred[0], page_before)
    # The page prints float32 values with 7 significant digits.
    np.testing.assert_allclose(history.pred[500], page_after, rtol=1e-6)
    np.testing.assert_array_equal(history.kernel[500], history.pred[500])
    assert history.bias is None
    assert history.pred.shape == (501, 1, 3) and history.kernel.shape == (501, 1, 3)


def test_seeded_initial_weights_are_deterministic_and_recorded():
    runs = [{"label": "sgd", "optimizer": "SGD", "arguments": {}}]
    data = default_config()["data"]
    first = train.train_experiment("e", runs, 2, dense({"seed": 7}, data, True))[0]
    keras.utils.set_random_seed(123)  # whatever ran before must not matter
    keras.layers.Dense(5).build((None, 2))
    second = train.train_experiment("e", runs, 2, dense({"seed": 7}, data, True))[0]
    other = train.train_experiment("e", runs, 2, dense({"seed": 8}, data, True))[0]
    np.testing.assert_array_equal(first.kernel, second.kernel)
    assert not np.array_equal(first.kernel[0], other.kernel[0])
    assert first.meta["init"]["seed"] == 7
    np.testing.assert_array_equal(
        np.array(first.meta["init"]["kernel"], np.float32), first.kernel[0]
    )
    np.testing.assert_array_equal(first.bias[0], np.zeros(3, np.float32))


def test_history_file_layout_and_meta(tmp_path):
    config = default_config()
    runs = [{"label": "adam-fast", "optimizer": "Adam", "arguments": {"learning_rate": 0.1}}]
    (history,) = train.train_experiment(
        "losses", runs, 3, dense(config["init"], config["data"], True)
    )
    path = tmp_path / "history.npz"
    save_history(path, history)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["bias", "epoch", "kernel", "loss", "meta", "pred"]
        assert npz["epoch"].dtype.kind == "i" and list(npz["epoch"]) == [0, 1, 2, 3]
        assert npz["pred"].shape == (4, 1, 3)
        assert npz["kernel"].shape == (4, 1, 3)
        assert npz["bias"].shape == (4, 3)
        meta = json.loads(str(npz["meta"]))
    assert meta["experiment"] == "losses" and meta["label"] == "adam-fast"
    assert meta["optimizer"]["class_name"] == "Adam"
    assert meta["optimizer"]["config"]["name"] == "adam-fast"
    assert meta["optimizer"]["config"]["learning_rate"] == pytest.approx(0.1)
    assert meta["epochs"] == 3 and meta["use_bias"] is True
    assert meta["init"]["kernel"] == [list(np.float32(PAGE_KERNEL[0]).astype(float))]
    assert set(meta["versions"]) == {"optimizer_animations", "tensorflow", "keras", "numpy"}
    assert meta["versions"]["optimizer_animations"] == optimizer_animations.__version__
    reloaded = load_history(path)
    np.testing.assert_array_equal(reloaded.loss, history.loss)
    assert reloaded.meta == meta


def test_saving_twice_gives_identical_bytes(tmp_path):
    config = default_config()
    runs = [{"label": "sgd", "optimizer": "SGD", "arguments": {}}]
    for name in ("a.npz", "b.npz"):
        (history,) = train.train_experiment(
            "e", runs, 5, dense(config["init"], config["data"], False)
        )
        save_history(tmp_path / name, history)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_diverging_run_keeps_non_finite_values():
    config = default_config()
    runs = [{"label": "sgd-lr10", "optimizer": "SGD", "arguments": {"learning_rate": 10.0}}]
    (history,) = train.train_experiment("e", runs, 200, dense(config["init"], config["data"], True))
    assert isinstance(history, History)
    assert not np.isfinite(history.loss[-1])
    diverged = history.first_non_finite_epoch()
    assert diverged is not None and 0 < diverged < 200
    assert np.isfinite(history.loss[:diverged]).all()


def test_schedule_free_first_step_follows_the_documented_update():
    # With weight 1/step = 1 at the first step, the new weights are the
    # momentum: the old weights minus lr * g / (|g| + eps), i.e. lr * sign(g).
    kernel = np.asarray(PAGE_KERNEL, np.float32)
    bias = np.array([0.1, -0.2, 0.3], np.float32)
    result = compiled("ScheduleFreeAdamW", {"learning_rate": 0.05}, ONE_SAMPLE, kernel, bias, 1)
    gradient_sign = np.sign(kernel[0] + bias - np.array(ONE_SAMPLE["y"][0]))
    np.testing.assert_allclose(result["kernel"][1, 0], kernel[0] - 0.05 * gradient_sign, atol=1e-6)
    np.testing.assert_allclose(result["bias"][1], bias - 0.05 * gradient_sign, atol=1e-6)


TWO_SAMPLES = {"x": [[1.0], [-0.5]], "y": [[0.0, 1.0, 0.0], [1.0, 0.0, 0.5]]}


@pytest.mark.parametrize("optimizer", sorted(load_optimizer_table()))
@pytest.mark.parametrize("data", [ONE_SAMPLE, TWO_SAMPLES], ids=["1 sample", "2 samples"])
def test_stacked_runs_equal_separate_runs_bit_for_bit(optimizer, data):
    # A learning-rate grid times seeds, as a sweep trains them.
    runs = [
        {
            "label": f"r{lr}-s{seed}",
            "optimizer": optimizer,
            "arguments": {"learning_rate": lr},
            "seed": seed,
        }
        for lr in (0.001, 0.05, 0.3)
        for seed in (0, 1)
    ]
    stacked = train.train_experiment("e", runs, 25, dense({"seed": 0}, data, True), stack=True)
    separate = train.train_experiment("e", runs, 25, dense({"seed": 0}, data, True), stack=False)
    for a, b in zip(stacked, separate, strict=True):
        for key in ("loss", "pred", "kernel", "bias"):
            np.testing.assert_array_equal(
                getattr(a, key), getattr(b, key), err_msg=f"{a.label} {key}"
            )
        assert a.meta == b.meta


def test_pipeline_training_equals_fit():
    # train_experiment (stacked, one run per graph here) against Keras fit.
    config = default_config()
    for optimizer in ("SGD", "Adam", "RMSprop"):
        runs = [{"label": "run", "optimizer": optimizer, "arguments": {"learning_rate": 0.05}}]
        (history,) = train.train_experiment("e", runs, 4, dense(config["init"], ONE_SAMPLE, True))
        kernel = np.asarray(config["init"]["kernel"], np.float32)
        losses, preds, kernels = fit_reference(
            optimizer, {"learning_rate": 0.05}, ONE_SAMPLE, kernel, np.zeros(3, np.float32), 4
        )
        np.testing.assert_array_equal(history.loss[:-1], losses)
        np.testing.assert_array_equal(history.pred, preds)
        np.testing.assert_array_equal(history.kernel, kernels)


def test_seeded_weights_equal_a_dense_layer_built_after_seeding():
    for seed in (0, 7):
        keras.utils.set_random_seed(seed)
        built = train.build_model(3, True).get_weights()
        problem = dense({"seed": seed}, ONE_SAMPLE, use_bias=True)
        kernel, bias = train.seeded_values(seed, problem.variables)
        np.testing.assert_array_equal(kernel, built[0])
        np.testing.assert_array_equal(bias, built[1])


def test_runs_with_their_own_seed_start_from_different_weights():
    runs = [{"label": f"s{s}", "optimizer": "SGD", "arguments": {}, "seed": s} for s in (0, 1)]
    first, second = train.train_experiment("e", runs, 2, dense({"seed": 9}, ONE_SAMPLE, False))
    assert not np.array_equal(first.kernel[0], second.kernel[0])
    assert first.meta["init"]["seed"] == 0 and second.meta["init"]["seed"] == 1


def test_history_params_are_the_weights_and_the_numpy_loss_follows_them():
    config = default_config()
    problem = dense(config["init"], config["data"], True)
    runs = [{"label": "adam", "optimizer": "Adam", "arguments": {"learning_rate": 0.05}}]
    (history,) = train.train_experiment("e", runs, 30, problem)
    assert history.params.shape == (31, problem.parameter_count)
    np.testing.assert_array_equal(history.params[:, :3], history.kernel[:, 0, :])
    np.testing.assert_array_equal(history.params[:, 3:], history.bias)
    # The contour's loss (NumPy, float64) at the recorded weights is the training loss.
    np.testing.assert_allclose(problem.loss_numpy(history.params), history.loss, rtol=1e-6)


def by_hand(problem, optimizer, arguments, steps):
    """A Keras optimizer stepping a `keras.Variable` through `apply_gradients`, one
    traced step at a time: the reference for a landscape run."""
    import tensorflow as tf

    position = keras.Variable(problem.pinned_start()[0], name="position")
    keras_optimizer = train.make_optimizer(optimizer, arguments, "by-hand")
    keras_optimizer.build([position])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            _, loss = problem.forward([position])
        gradients = tape.gradient(loss, [position])
        keras_optimizer.apply_gradients(zip(gradients, [position], strict=True))
        return loss

    losses = [step().numpy() for _ in range(steps)]
    return np.array(losses, np.float32), position.numpy()


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop", "Nadam"])
def test_a_landscape_run_equals_its_optimizer_stepping_a_variable_by_hand(optimizer):
    from optimizer_animations.problems.problem import FunctionProblem

    problem = FunctionProblem.from_spec({"function": "rosenbrock"})
    arguments = {"learning_rate": 0.001}
    runs = [{"label": "run", "optimizer": optimizer, "arguments": arguments}]
    (history,) = train.train_experiment("rosenbrock", runs, 50, problem)
    losses, final = by_hand(problem, optimizer, arguments, 50)
    np.testing.assert_array_equal(history.loss[:-1], losses)
    np.testing.assert_array_equal(history.arrays["position"][-1], final)
    assert history.params.shape == (51, 2) and history.pred is None
    assert history.meta["function"]["name"] == "rosenbrock"


def test_a_run_on_the_saddle_finishes_and_leaves_the_domain():
    from optimizer_animations.problems.problem import FunctionProblem

    problem = FunctionProblem.from_spec({"function": "saddle"})
    runs = [{"label": "sgd", "optimizer": "SGD", "arguments": {"learning_rate": 0.05}}]
    (history,) = train.train_experiment("saddle", runs, 300, problem)
    (low, high) = problem.landscape.domain[1]
    outside = np.flatnonzero(~((low <= history.params[:, 1]) & (history.params[:, 1] <= high)))
    assert outside.size and 0 < outside[0] < 300  # it left, and the run went on
    assert len(history.loss) == 301


@pytest.mark.parametrize("function", ["rosenbrock", "beale", "himmelblau", "saddle", "quadratic"])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "Nadam", "Lion"])
def test_stacked_landscape_runs_equal_separate_runs_bit_for_bit(function, optimizer):
    # A formula of + - * / and whole powers stacks; the built-ins' y**3 and
    # x**2 are products, which round alike for a point and a stack of them.
    problem = build_problem({"kind": "function", "function": function})
    assert problem.stackable()
    runs = [
        {"label": f"r{i}", "optimizer": optimizer, "arguments": {"learning_rate": lr}}
        for i, lr in enumerate((1e-4, 0.003, 0.05, 0.7))
    ]
    stacked = train.train_experiment("e", runs, 60, problem, stack=True)
    separate = train.train_experiment("e", runs, 60, problem, stack=False)
    for a, b in zip(stacked, separate, strict=True):
        np.testing.assert_array_equal(a.loss, b.loss, err_msg=a.label)
        np.testing.assert_array_equal(a.arrays["position"], b.arrays["position"], err_msg=a.label)
