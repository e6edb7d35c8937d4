"""Stochastic gradients: minibatches of a user's or generated samples, and
gradient noise on landscapes. Each run equals its Keras reference bit for bit,
whichever strategy trained it and whichever runs shared its job."""

import csv

import keras
import numpy as np
import pytest
import tensorflow as tf

from optimizer_animations.problems.data import generate_samples, read_samples, write_samples
from optimizer_animations.problems.problem import DenseProblem, FunctionProblem
from optimizer_animations.records.history import load_history, save_history
from optimizer_animations.records.run import Run
from optimizer_animations.training import train

# Stacked, one graph, one graph: every strategy a noisy landscape can take.
LANDSCAPE_OPTIMIZERS = ["SGD", "Adam", "RMSprop", "Adagrad", "Nadam", "Lion"]
MINIBATCH_OPTIMIZERS = ["SGD", "Adam", "RMSprop", "Adagrad", "Lamb"]


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    train.configure_threads(1)


@pytest.fixture(scope="module")
def regression():
    """37 samples of two inputs: 8 samples per batch leave a last batch of 5."""
    x, y = generate_samples(
        {"generate": "linear", "samples": 37, "inputs": 2, "noise": 0.2, "seed": 3}
    )
    return DenseProblem(x, y, True, None, None, 0)


def fit_by_batches(problem, run, start, orders):
    """Keras `fit` over each epoch's batches in the recorded order
    (`shuffle=False`), the weights recorded after every batch."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(problem.x.shape[1],)), keras.layers.Dense(problem.units)]
    )
    model.set_weights(start)
    model.compile(loss="mse", optimizer=train.make_optimizer(run.optimizer, run.arguments, "ref"))
    weights = [np.concatenate([w.ravel() for w in model.get_weights()])]

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            weights.append(np.concatenate([w.ravel() for w in self.model.get_weights()]))

    for order in orders:
        model.fit(
            problem.x[order],
            problem.y[order],
            batch_size=run.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[Record()],
        )
    return np.stack(weights)


def minibatch_runs(optimizers, seeds=(0, 1), batch_size=8):
    return [
        Run(
            "fit",
            f"{name.lower()}-s{seed}",
            name,
            {"learning_rate": 0.05},
            seed,
            batch_size=batch_size,
            shuffle=True,
        )
        for name in optimizers
        for seed in seeds
    ]


@pytest.mark.parametrize("optimizer", MINIBATCH_OPTIMIZERS)
def test_a_minibatch_run_equals_keras_fit_over_the_same_batches(regression, optimizer):
    runs = minibatch_runs([optimizer])
    histories = train.train_experiment("fit", runs, 4, regression)
    for run, history in zip(runs, histories, strict=True):
        steps = 4 * 5  # ceil(37 / 8) updates per epoch
        assert history.arrays["step_params"].shape == (steps + 1, 3)
        assert history.arrays["step_loss"].shape == (steps,)
        assert history.arrays["order"].shape == (4, 37)
        start = regression.unflatten(history.arrays["step_params"][0])
        reference = fit_by_batches(regression, run, start, history.arrays["order"])
        np.testing.assert_array_equal(history.arrays["step_params"], reference)
        # Per epoch: the weights at its end and the loss on every sample there.
        np.testing.assert_array_equal(history.params, reference[::5])
        np.testing.assert_allclose(regression.loss_numpy(history.params), history.loss, rtol=1e-6)


def test_sample_orders_are_drawn_from_the_seed_and_the_epoch(regression):
    (history,) = train.train_experiment(
        "orders", minibatch_runs(["SGD"], seeds=(7,)), 3, regression
    )
    for epoch, order in enumerate(history.arrays["order"]):
        np.testing.assert_array_equal(order, np.random.default_rng([7, epoch]).permutation(37))
    assert history.meta["batch"] == {"size": 8, "shuffle": True, "seed": 7, "steps_per_epoch": 5}
    unshuffled = Run("o", "sgd", "SGD", {"learning_rate": 0.05}, None, batch_size=8, shuffle=False)
    (plain,) = train.train_experiment("orders", [unshuffled], 2, regression)
    np.testing.assert_array_equal(plain.arrays["order"], np.tile(np.arange(37), (2, 1)))


def test_a_minibatch_run_does_not_depend_on_the_runs_that_share_its_job(regression):
    together = train.train_experiment(
        "job", minibatch_runs(["SGD", "Adam"], (0, 1, 2)), 3, regression
    )
    alone = train.train_experiment("job", minibatch_runs(["Adam"], (1,)), 3, regression)
    by_label = {history.label: history for history in together}
    for key in ("step_params", "step_loss", "order", "pred"):
        np.testing.assert_array_equal(by_label["adam-s1"].arrays[key], alone[0].arrays[key])
    unstacked = train.train_experiment(
        "job", minibatch_runs(["Adam"], (1,)), 3, regression, stack=False
    )
    np.testing.assert_array_equal(
        unstacked[0].arrays["step_params"], alone[0].arrays["step_params"]
    )


def test_a_full_batch_run_records_nothing_per_step(regression):
    full = Run("full", "sgd", "SGD", {"learning_rate": 0.05})
    (history,) = train.train_experiment("full", [full], 3, regression)
    assert not {"order", "step_params", "step_loss", "noise"} & set(history.arrays)
    assert (
        "batch" not in history.meta
        and full.to_params().keys() == Run.from_params(full.to_params()).to_params().keys()
    )
    assert "batch_size" not in full.to_params()


def test_a_minibatch_history_round_trips_and_reports_its_steps(regression, tmp_path):
    (history,) = train.train_experiment("io", minibatch_runs(["Adam"], (0,)), 2, regression)
    save_history(tmp_path / "history.npz", history)
    loaded = load_history(tmp_path / "history.npz")
    assert loaded.steps_per_epoch == 5 and loaded.step_params.shape == (11, 3)
    assert loaded.first_non_finite_epoch() is None
    np.testing.assert_array_equal(loaded.arrays["step_loss"], history.arrays["step_loss"])


def by_hand_with_noise(problem, optimizer, arguments, noise):
    """A Keras optimizer stepping a `keras.Variable` eagerly with each step's
    exact gradient plus the recorded noise."""
    position = keras.Variable(problem.pinned_start()[0], name="position")
    keras_optimizer = train.make_optimizer(optimizer, arguments, "by-hand")
    positions = [position.numpy()]
    for step_noise in noise:
        with tf.GradientTape() as tape:
            _, loss = problem.forward([position])
        (gradient,) = tape.gradient(loss, [position])
        keras_optimizer.apply_gradients([(gradient + step_noise, position)])
        positions.append(position.numpy())
    return np.stack(positions)


@pytest.mark.parametrize("optimizer", LANDSCAPE_OPTIMIZERS)
def test_a_noisy_landscape_run_equals_its_optimizer_stepping_by_hand(optimizer):
    problem = FunctionProblem.from_spec({"function": "rosenbrock", "noise": {"sigma": 2.0}})
    arguments = {"learning_rate": 0.002}
    runs = [Run("noisy", f"run-s{seed}", optimizer, arguments, seed) for seed in (0, 1, 2)]
    histories = train.train_experiment("noisy", runs, 40, problem)
    for run, history in zip(runs, histories, strict=True):
        noise = history.arrays["noise"]
        assert noise.shape == (40, 2) and noise.dtype == np.float32
        np.testing.assert_array_equal(noise, train.gradient_noise(2.0, run.seed, 40, 2))
        positions = by_hand_with_noise(problem, optimizer, arguments, noise)
        np.testing.assert_array_equal(history.arrays["position"], positions)
        assert history.meta["noise"] == {"sigma": 2.0} and history.meta["noise_seed"] == run.seed
    # Every seed starts at the function's start and gets its own noise.
    assert len({h.arrays["position"][0].tobytes() for h in histories}) == 1
    assert len({h.arrays["noise"].tobytes() for h in histories}) == 3


def test_a_step_s_noise_depends_only_on_the_seed_and_the_step():
    long = train.gradient_noise(1.5, 4, 30, 2)
    np.testing.assert_array_equal(train.gradient_noise(1.5, 4, 10, 2), long[:10])
    expected = 1.5 * np.random.Generator(np.random.Philox(key=4, counter=17)).standard_normal(2)
    np.testing.assert_array_equal(long[17], expected.astype(np.float32))
    assert not np.array_equal(train.gradient_noise(1.5, 5, 30, 2), long)


def test_a_noisy_run_does_not_depend_on_the_runs_that_share_its_job():
    problem = FunctionProblem.from_spec({"function": "quadratic", "noise": {"sigma": 1.0}})
    arguments = {"learning_rate": 0.01}
    many = [Run("n", f"adam-s{s}", "Adam", arguments, s) for s in range(6)]
    together = train.train_experiment("n", many, 30, problem)
    (alone,) = train.train_experiment("n", [many[3]], 30, problem)
    np.testing.assert_array_equal(together[3].arrays["position"], alone.arrays["position"])


def test_generated_samples_are_written_as_text_that_reads_back_to_the_same_floats(tmp_path):
    spec = {"generate": "two_class", "samples": 50, "inputs": 2, "noise": 0.5, "seed": 1}
    write_samples(tmp_path / "data.csv", spec)
    with open(tmp_path / "data.csv", encoding="utf-8") as file:
        header = next(csv.reader(file))
    assert header == ["x0", "x1", "y0"]
    samples = read_samples(tmp_path / "data.csv", ["x0", "x1"], ["y0"])
    x, y = generate_samples(spec)
    np.testing.assert_array_equal(np.asarray(samples.x, np.float32), x)
    np.testing.assert_array_equal(np.asarray(samples.y, np.float32), y)
    assert sorted(set(y.ravel())) == [-1.0, 1.0] and (y == 1).sum() == 25
    first = (tmp_path / "data.csv").read_bytes()
    write_samples(tmp_path / "data.csv", spec)
    assert (tmp_path / "data.csv").read_bytes() == first


def test_a_minibatch_path_shows_every_update_and_its_frames_end_each_epoch(regression):
    from optimizer_animations.figures.trajectories import scene_of

    histories = train.train_experiment(
        "paths", minibatch_runs(["SGD", "Adam"], (0,)), 3, regression
    )
    scene = scene_of(histories, "paths", None)
    assert scene.axis_labels[0].startswith("direction 1")  # three weights: the principal plane
    figure = scene.figure()
    try:
        figure.frame(2, scene.step_label)
        for path, marker in zip(figure.paths, figure.markers, strict=True):
            assert path.steps_per_epoch == 5 and len(path.points) == 16
            x, y = marker.get_data()
            # The marker at epoch 2's end: update 10, projected onto the plane.
            np.testing.assert_array_equal(np.column_stack([x, y]), path.points[10:11])
            assert len(figure.trails[figure.paths.index(path)].get_data()[0]) == 11
    finally:
        figure.close()


def test_two_weights_are_drawn_in_their_own_plane_with_the_exact_loss():
    from optimizer_animations.figures.trajectories import scene_of

    x, y = generate_samples({"generate": "linear", "samples": 20, "noise": 0.3, "seed": 0})
    problem = DenseProblem(x, y, True, None, None, 0)
    runs = [Run("w", "sgd", "SGD", {"learning_rate": 0.1}, None, batch_size=4, shuffle=True)]
    (history,) = train.train_experiment("w", runs, 4, problem)
    scene = scene_of([history], "w", None)
    assert scene.axis_labels == ("kernel[0,0]", "bias[0]")
    np.testing.assert_array_equal(scene.paths[0].points, history.step_params.astype(np.float64))
    surface = scene.surface
    exact = problem.loss_numpy(np.stack([surface.x[[3, 70]], surface.y[[5, 90]]], axis=-1))
    np.testing.assert_allclose(surface.loss[[5, 90], [3, 70]], exact, rtol=1e-12)
    assert "no other weights" in scene.subtitle


def test_a_noisy_landscape_draws_every_seed_faintly_and_the_animated_one_boldly():
    from optimizer_animations.figures.trajectories import scene_of

    problem = FunctionProblem.from_spec({"function": "quadratic", "noise": {"sigma": 1.0}})
    runs = [
        Run("c", f"adam-s{s}", "Adam", {"learning_rate": 0.05}, s, family="adam") for s in range(4)
    ]
    histories = train.train_experiment("c", runs, 20, problem)
    scene = scene_of(histories, "c", None, bold=["adam-s0"])
    assert [path.faint for path in scene.paths] == [False, True, True, True]
    assert "4 seeds (faint), one bold" in scene.subtitle
    figure = scene.figure()
    try:
        labels = [t.get_text() for t in figure.axes.get_legend().get_texts()]
        assert sum("adam" in label for label in labels) == 1
        assert figure.trails[1].get_alpha() < 1 and figure.trails[0].get_alpha() == 1
    finally:
        figure.close()


def test_many_samples_get_frames_of_the_fit_whose_line_is_the_recorded_model(regression, tmp_path):
    from optimizer_animations.figures.render import FitFrames, frames_of, render_frames

    one_input = DenseProblem(regression.x[:, :1], regression.y, True, None, None, 0)
    (history,) = train.train_experiment("fit", minibatch_runs(["Adam"], (0,)), 3, one_input)
    frames = frames_of(history, (-1.1, 1.1))
    assert isinstance(frames, FitFrames)
    frames.show(2)
    x, y = frames.lines[0].get_data()
    expected = x * history.kernel[2][0, 0] + history.bias[2][0]
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    paths = [tmp_path / f"pred{e}.png" for e in (0, 3)]
    render_frames(history, [0, 3], paths, (-1.1, 1.1))
    assert paths[0].read_bytes() != paths[1].read_bytes()
    # Several inputs: predicted against target, the recorded predictions.
    (two,) = train.train_experiment("fit", minibatch_runs(["Adam"], (0,)), 3, regression)
    several = frames_of(two, (-1.1, 1.1))
    several.show(3)
    targets, predictions = several.lines[0].get_data()
    np.testing.assert_array_equal(predictions, two.pred[3][:, 0])
    np.testing.assert_array_equal(targets, regression.y[:, 0].astype(float))


def test_the_run_table_keeps_each_minibatch_runs_batch_losses(regression, tmp_path):
    from optimizer_animations.records.run_table import RunTable

    runs = [*minibatch_runs(["SGD"], (0,)), Run("fit", "full", "SGD", {"learning_rate": 0.05})]
    histories = train.train_experiment("fit", runs, 3, regression)
    table = RunTable.from_histories(histories)
    table.save(tmp_path / "runs.npz")
    loaded = RunTable.load(tmp_path / "runs.npz")
    minibatch, full = loaded.curves()
    np.testing.assert_array_equal(minibatch.step_loss, histories[0].arrays["step_loss"])
    np.testing.assert_array_equal(minibatch.step_epochs[:6], np.arange(6) / 5)
    assert full.step_loss is None
    only_full = RunTable.from_histories(histories[1:])
    only_full.save(tmp_path / "full.npz")
    with np.load(tmp_path / "full.npz") as npz:
        assert sorted(npz.files) == ["epoch", "losses", "rows"]


def test_the_per_sample_gradients_average_to_the_full_batch_gradient(regression):
    start = np.array([0.3, -0.7, 0.2])
    per_sample = regression.sample_gradients(start)
    assert per_sample.shape == (37, 3)
    values = [tf.Variable(v.astype(np.float64)) for v in regression.unflatten(start)]
    with tf.GradientTape() as tape:
        x = tf.constant(regression.x, tf.float64)
        loss = tf.reduce_mean(
            tf.square(x @ values[0] + values[1] - regression.y.astype(np.float64))
        )
    full = np.concatenate([g.numpy().ravel() for g in tape.gradient(loss, values)])
    np.testing.assert_allclose(per_sample.mean(axis=0), full, rtol=1e-12)


def test_the_gradient_fan_draws_the_recorded_start_and_its_samples_gradients(tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.quiver import Quiver

    from optimizer_animations.figures import trajectories

    x, y = generate_samples({"generate": "linear", "samples": 30, "noise": 0.3, "seed": 0})
    problem = DenseProblem(x, y, True, None, None, 0)
    runs = [Run("fan", "sgd", "SGD", {"learning_rate": 0.1}, None, batch_size=5)]
    (history,) = train.train_experiment("fan", runs, 2, problem)
    scene = trajectories.scene_of([history], "fan", None)
    drawn = []
    real_close = plt.close
    plt.close = lambda figure: drawn.append(figure)  # keep the figure to read back
    try:
        trajectories.plot_gradient_fan(scene, history, tmp_path / "gradients.png")
    finally:
        plt.close = real_close
    quivers = [c for c in drawn[0].axes[0].get_children() if isinstance(c, Quiver)]
    samples, mean = quivers
    start = history.step_params[0].astype(np.float64)
    np.testing.assert_allclose(samples.X, np.full(30, start[0]))
    expected = -problem.sample_gradients(start)
    ratio = samples.U / expected[:, 0]
    np.testing.assert_allclose(samples.V, expected[:, 1] * ratio[0], rtol=1e-12)
    np.testing.assert_allclose(mean.U, expected[:, 0].mean() * ratio[0], rtol=1e-12)
    assert (tmp_path / "gradients.png").stat().st_size > 10_000
    real_close(drawn[0])


@pytest.fixture(scope="module")
def two_weights():
    """The stochastic config's model: one input, one unit and a bias."""
    x, y = generate_samples({"generate": "linear", "samples": 50, "noise": 0.5, "seed": 4})
    return DenseProblem(x, y, True, None, None, 0)


# 8 and 3..49 also checked out when this was written (1, 3, 7, 8, 16, 17, 32, 49):
# a shorter last batch, powers of two, one below and above them.
@pytest.mark.parametrize("batch_size", [1, 7, 16, 49])
def test_stacked_minibatch_runs_equal_runs_trained_alone_bit_for_bit(two_weights, batch_size):
    """Two weights stack: each optimizer's runs share one graph and equal the
    same runs trained alone, every update, every epoch's loss and outputs."""
    runs = [
        Run(
            "st",
            f"{name.lower()}-lr{rate}-s{seed}",
            name,
            {"learning_rate": rate},
            seed,
            batch_size=batch_size,
            shuffle=True,
        )
        for name in sorted(train.ELEMENTWISE)
        for rate in (0.01, 0.1)[: 1 if batch_size > 1 else 2]
        for seed in (0, 1)
    ]
    assert all(
        train.training_strategy(r.optimizer, r.arguments, two_weights, True, True)
        is train.Strategy.STACKED
        for r in runs
    )
    stacked = train.train_experiment("st", runs, 3, two_weights)
    alone = train.train_experiment("st", runs, 3, two_weights, stack=False)
    for a, b in zip(stacked, alone, strict=True):
        for key in ("step_params", "step_loss", "order", "pred", "kernel", "bias"):
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=f"{a.label} {key}")
        np.testing.assert_array_equal(a.loss, b.loss, err_msg=a.label)


def test_a_stacked_minibatch_run_equals_keras_fit(two_weights):
    runs = minibatch_runs(["Adam", "SGD"], (0, 1, 2), batch_size=16)
    histories = train.train_experiment("fit", runs, 3, two_weights)
    for run, history in zip(runs, histories, strict=True):
        start = two_weights.unflatten(history.arrays["step_params"][0])
        reference = fit_by_batches(two_weights, run, start, history.arrays["order"])
        np.testing.assert_array_equal(history.arrays["step_params"], reference)


@pytest.mark.parametrize("samples", [3, 256, 1000])
def test_stacked_epoch_losses_equal_a_lone_runs_for_one_input_and_one_unit(samples):
    x, y = generate_samples({"generate": "linear", "samples": samples, "noise": 0.5, "seed": 9})
    problem = DenseProblem(x, y, True, None, None, 0)
    params = np.random.default_rng(2).standard_normal((1, 20, 2)).astype(np.float32)
    losses, outputs = train.epoch_records(problem, params)
    for index, row in enumerate(params[0]):
        output, loss = problem.forward(problem.unflatten(row))
        assert losses[0, index] == keras.ops.convert_to_numpy(loss)
        np.testing.assert_array_equal(outputs[0, index], keras.ops.convert_to_numpy(output))
