"""Train the tutorial's Dense model full-batch with Keras optimizers.

The page calls `fit(epochs=1)` and `predict` once per epoch (~90 ms each here);
`train_run` records every epoch inside one compiled `tf.function` loop instead,
with the same arithmetic as `Model.fit` (tests/test_train.py checks equality).
"""

import functools
import itertools
import os
import time
from collections.abc import Callable
from typing import Any

# Before TensorFlow is imported. oneDNN picks kernels by the CPU's instruction
# set, so its results could differ between a laptop and a cluster node; the
# model is far too small to gain from it.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import keras
import numpy as np
import tensorflow as tf

from common import History, log_to, save_history
from keras_optimizers import load_optimizer_table


def configure_threads(threads: int) -> None:
    """Make TensorFlow use no more cores than the rule asked for, deterministically."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.config.experimental.enable_op_determinism()


def build_model(units: int, use_bias: bool) -> keras.Sequential:
    """The page's model: `Dense(units, input_shape=[1])`."""
    return keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(units, use_bias=use_bias)])


def initial_weights(
    init: dict[str, Any], units: int, use_bias: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(kernel (1, units), bias (units,) or None): pinned in `init`, or drawn from `init.seed`."""
    if "seed" in init:
        return seeded_weights(init["seed"], units, use_bias)
    kernel = np.asarray(init["kernel"], dtype=np.float32)
    bias = np.asarray(init.get("bias", [0.0] * units), dtype=np.float32) if use_bias else None
    return kernel, bias


@functools.cache
def seeded_weights(seed: int, units: int, use_bias: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """What `Dense(units)` draws right after `keras.utils.set_random_seed(seed)`.

    Drawn with Dense's own initializers rather than by building a model (~30x
    faster, which a 1,000-seed sweep needs); tests/test_train.py checks that the
    two agree. Seeding first makes the draw independent of what ran before.
    """
    keras.utils.set_random_seed(seed)
    layer = keras.layers.Dense(units)
    kernel = keras.ops.convert_to_numpy(layer.kernel_initializer(shape=(1, units), dtype="float32"))
    return kernel, (np.zeros(units, np.float32) if use_bias else None)


def make_optimizer(optimizer: str, arguments: dict[str, Any], label: str) -> keras.Optimizer:
    """The Keras optimizer class `optimizer` (e.g. "Adam") built with `arguments`.

    By class rather than `keras.optimizers.get`, whose registry lacks some
    built-ins (Lamb). An explicit name: Keras would otherwise number them
    (adam, adam_1, ...) in creation order, and `meta` would depend on what ran before.
    """
    arguments = dict(arguments)
    if isinstance(arguments.get("learning_rate"), dict):
        arguments["learning_rate"] = keras.optimizers.schedules.deserialize(
            arguments["learning_rate"]
        )
    return getattr(keras.optimizers, optimizer)(**arguments, name=label)


def train_run(
    model: keras.Sequential,
    optimizer: keras.Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
) -> dict[str, np.ndarray]:
    """Train full-batch for `epochs` updates; return every epoch's loss, outputs and weights.

    Row e of each array is the state after e updates (row 0: before training),
    so `loss[e]` equals Keras's `history['loss'][e]` (the loss before update e+1).
    """
    return compile_training(model, optimizer, x, y)(epochs)


def compile_training(
    model: keras.Sequential, optimizer: keras.Optimizer, x: np.ndarray, y: np.ndarray
) -> Callable[[int], dict[str, np.ndarray]]:
    """`train_run` as a reusable function of the epochs: traced once, then called
    again for each run after resetting the model's and the optimizer's variables."""
    variables = model.trainable_variables
    optimizer.build(variables)
    loss_fn = keras.losses.MeanSquaredError()
    x_t = tf.constant(x, dtype=tf.float32)
    y_t = tf.constant(y, dtype=tf.float32)

    @tf.function
    def loop(n: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, list[tf.Tensor]]:
        preds = tf.TensorArray(tf.float32, size=n + 1)
        losses = tf.TensorArray(tf.float32, size=n + 1)
        weights = [tf.TensorArray(tf.float32, size=n + 1) for _ in variables]

        def record(e, pred, loss, preds, losses, weights):
            return (
                preds.write(e, pred),
                losses.write(e, loss),
                [w.write(e, v) for w, v in zip(weights, variables, strict=True)],
            )

        for e in tf.range(n):
            with tf.GradientTape() as tape:
                pred = model(x_t, training=True)
                loss = loss_fn(y_t, pred)
            preds, losses, weights = record(e, pred, loss, preds, losses, weights)
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
        pred = model(x_t, training=False)
        preds, losses, weights = record(n, pred, loss_fn(y_t, pred), preds, losses, weights)
        return preds.stack(), losses.stack(), [w.stack() for w in weights]

    def run(epochs: int) -> dict[str, np.ndarray]:
        preds, losses, weights = loop(tf.constant(epochs))
        result = {"loss": losses.numpy(), "pred": preds.numpy(), "kernel": weights[0].numpy()}
        if len(weights) > 1:
            result["bias"] = weights[1].numpy()
        return result

    return run


def train_one_graph(
    optimizer: str,
    arguments: dict[str, Any],
    learning_rates: np.ndarray,
    kernels: np.ndarray,
    biases: np.ndarray | None,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
) -> list[dict[str, np.ndarray]]:
    """Train runs one after another through one traced graph.

    For optimizers that cannot be stacked bit-exactly: each run gets the
    model's and the optimizer's freshly built state back and its own learning
    rate, so its numbers equal a run trained alone, without tracing anew.
    """
    units = kernels.shape[2]
    model = build_model(units, biases is not None)
    keras_optimizer = make_optimizer(
        optimizer, {**arguments, "learning_rate": float(learning_rates[0])}, "shared"
    )
    keras_optimizer.build(model.trainable_variables)
    fresh_state = [variable.numpy() for variable in keras_optimizer.variables]
    run = compile_training(model, keras_optimizer, x, y)
    results = []
    for index, rate in enumerate(learning_rates):
        model.set_weights([kernels[index]] + ([biases[index]] if biases is not None else []))
        for variable, value in zip(keras_optimizer.variables, fresh_state, strict=True):
            variable.assign(value)
        keras_optimizer.learning_rate = float(rate)
        results.append(run(epochs))
    return results


# Optimizers whose update of each weight depends only on that weight's own
# gradient and state, so that independent runs can share one stacked variable,
# and whose stacked runs were checked to follow a separate run's numbers bit
# for bit (tests/test_train.py). Adagrad, Adadelta and RMSprop are elementwise
# too, but their square roots round differently in TensorFlow's vectorised
# kernels than for a lone run's three weights: they train through one graph
# reused run after run instead (train_one_graph).
ELEMENTWISE = {"SGD", "Adam", "AdamW", "Adamax", "Nadam", "Lion", "Ftrl"}
# Optimizers whose freshly built state copies the weights (the schedule-free
# momentum starts at them): a reused graph cannot reset them, so each run
# builds its own.
STATE_FROM_WEIGHTS = {"ScheduleFreeAdamW"}
# Arguments that couple the elements of a variable (norms over all of it).
COUPLING_ARGUMENTS = {"clipnorm", "global_clipnorm"}


# With more samples, a stacked run's sums over the samples may associate
# differently from a separate run's and differ in the last bit; so that a
# history never depends on how runs were grouped into jobs, those train alone.
MAX_STACKED_SAMPLES = 2


def training_strategy(optimizer: str, arguments: dict[str, Any], samples: int, stack: bool) -> str:
    """How a run trains, each way giving the numbers of a run trained alone:

    - "stacked": with the other runs of its group in one stacked variable;
    - "one_graph": after the others of its group, through one traced graph;
    - "alone": its own model, optimizer and graph (a learning-rate schedule,
      state built from the weights, or `stack=False`).
    """
    if (
        not stack
        or isinstance(arguments.get("learning_rate"), dict)
        or optimizer in STATE_FROM_WEIGHTS
    ):
        return "alone"
    if (
        optimizer in ELEMENTWISE
        and samples <= MAX_STACKED_SAMPLES
        and not any(arguments.get(name) is not None for name in COUPLING_ARGUMENTS)
    ):
        return "stacked"
    return "one_graph"


class PerRunLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """A constant learning rate per stacked run, shaped to broadcast over its weights."""

    def __init__(self, rates: np.ndarray) -> None:
        self.rates = tf.constant(np.asarray(rates, np.float32).reshape(-1, 1, 1))

    def __call__(self, step: Any) -> tf.Tensor:
        return self.rates


def train_stacked(
    optimizer: str,
    arguments: dict[str, Any],
    learning_rates: np.ndarray,
    kernels: np.ndarray,
    biases: np.ndarray | None,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
) -> dict[str, np.ndarray]:
    """Train R independent runs of an elementwise optimizer in one compiled loop.

    The runs' kernels (R, 1, units) and biases (R, units) live in one variable
    (R, 1 or 2, units); the loss is the sum of the runs' MSEs, so each run's
    slice gets exactly its own gradient, and the learning rate is a per-run
    tensor. Returns arrays with the run as the first axis, each shaped as
    `train_run`'s.
    """
    runs = kernels.shape[0]
    initial = kernels if biases is None else np.concatenate([kernels, biases[:, None, :]], axis=1)
    weights = keras.Variable(initial.astype(np.float32), name="stacked_weights")
    keras_optimizer = make_optimizer(
        optimizer, {**arguments, "learning_rate": PerRunLearningRate(learning_rates)}, "stacked"
    )
    keras_optimizer.build([weights])
    x_t = tf.constant(np.broadcast_to(x, (runs, *x.shape)), dtype=tf.float32)
    y_t = tf.constant(y, dtype=tf.float32)
    samples = float(x.shape[0])

    def forward(w: Any) -> tuple[tf.Tensor, tf.Tensor]:
        w = tf.convert_to_tensor(w)
        pred = tf.matmul(x_t, w[:, :1, :])
        if biases is not None:
            pred = pred + w[:, 1:, :]
        # Keras's MSE: mean over the units, then the sum over the samples / n.
        per_sample = tf.reduce_mean(tf.square(y_t - pred), axis=-1)
        return pred, tf.reduce_sum(per_sample, axis=-1) / samples

    @tf.function
    def loop(n: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        preds = tf.TensorArray(tf.float32, size=n + 1)
        losses = tf.TensorArray(tf.float32, size=n + 1)
        states = tf.TensorArray(tf.float32, size=n + 1)
        for e in tf.range(n):
            with tf.GradientTape() as tape:
                pred, loss = forward(weights)
                total = tf.reduce_sum(loss)
            preds = preds.write(e, pred)
            losses = losses.write(e, loss)
            states = states.write(e, weights.value)
            (gradient,) = tape.gradient(total, [weights])
            keras_optimizer.apply_gradients([(gradient, weights)])
        pred, loss = forward(weights)
        return (
            preds.write(n, pred).stack(),
            losses.write(n, loss).stack(),
            states.write(n, weights.value).stack(),
        )

    preds, losses, states = (t.numpy() for t in loop(tf.constant(epochs)))
    result = {
        "pred": preds.transpose(1, 0, 2, 3),
        "loss": losses.T,
        "kernel": states[:, :, :1, :].transpose(1, 0, 2, 3),
    }
    if biases is not None:
        result["bias"] = states[:, :, 1, :].transpose(1, 0, 2)
    return result


def run_meta(
    experiment: str,
    run: dict[str, Any],
    optimizer: dict[str, Any],
    epochs: int,
    init: dict[str, Any],
    kernel: np.ndarray,
    bias: np.ndarray | None,
    data: dict[str, np.ndarray],
) -> dict[str, Any]:
    seed = run.get("seed") if run.get("seed") is not None else init.get("seed")
    return {
        "experiment": experiment,
        "label": run["label"],
        "setting": run.get("setting") or run["label"],
        "family": run.get("family") or run["label"],
        "grid": run.get("grid") or {},
        "seed": run.get("seed"),
        "arguments": run["arguments"],
        "optimizer": optimizer,
        "epochs": epochs,
        "use_bias": bias is not None,
        "init": {
            **({"seed": seed} if seed is not None else {}),
            "kernel": kernel.tolist(),
            **({"bias": bias.tolist()} if bias is not None else {}),
        },
        "data": {"x": data["x"].tolist(), "y": data["y"].tolist()},
        "versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }


def train_experiment(
    experiment: str,
    runs: list[dict[str, Any]],
    epochs: int,
    use_bias: bool,
    init: dict[str, Any],
    data: dict[str, Any],
    stack: bool = True,
) -> list[History]:
    """Train every run of one experiment; return their histories in run order.

    A run starts from its own seed's weights or else from `init`. Runs of one
    elementwise optimizer whose arguments differ at most in the learning rate
    train together in one stacked graph (`stack=False` trains each alone).
    """
    x = np.asarray(data["x"], dtype=np.float32)
    y = np.asarray(data["y"], dtype=np.float32)
    arrays_of_data = {"x": x, "y": y}
    units = y.shape[1]

    def start_weights(run: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
        if run.get("seed") is not None:
            return seeded_weights(run["seed"], units, use_bias)
        return initial_weights(init, units, use_bias)

    def group_key(item: tuple[int, dict[str, Any]]) -> tuple[str, str, str, int]:
        """Runs with equal keys train together: same strategy, optimizer and
        arguments but the learning rate (a run training alone is its own group)."""
        index, run = item
        strategy = training_strategy(run["optimizer"], run["arguments"], len(x), stack)
        fixed = {k: v for k, v in run["arguments"].items() if k != "learning_rate"}
        return (
            strategy,
            run["optimizer"],
            repr(sorted(fixed.items())),
            index if strategy == "alone" else -1,
        )

    histories: dict[int, History] = {}
    ordered = sorted(enumerate(runs), key=group_key)
    for key, group in itertools.groupby(ordered, key=group_key):
        group = list(group)
        start = time.perf_counter()
        first = group[0][1]
        weights = [start_weights(run) for _, run in group]
        default_rate = load_optimizer_table()[first["optimizer"]]["learning_rate"]
        fixed = {k: v for k, v in first["arguments"].items() if k != "learning_rate"}
        rates = np.array([run["arguments"].get("learning_rate", default_rate) for _, run in group])
        kernels = np.stack([k for k, _ in weights])
        biases = np.stack([b for _, b in weights]) if use_bias else None
        strategy = key[0]
        if strategy == "alone":
            model = build_model(units, use_bias)
            model.set_weights([kernels[0]] + ([biases[0]] if use_bias else []))
            optimizer = make_optimizer(first["optimizer"], first["arguments"], first["label"])
            per_run = [train_run(model, optimizer, x, y, epochs)]
        elif strategy == "stacked":
            stacked = train_stacked(first["optimizer"], fixed, rates, kernels, biases, x, y, epochs)
            per_run = [
                {name: value[i] for name, value in stacked.items()} for i in range(len(group))
            ]
        else:
            per_run = train_one_graph(
                first["optimizer"], fixed, rates, kernels, biases, x, y, epochs
            )
        for (index, run), arrays, (kernel, bias) in zip(group, per_run, weights, strict=True):
            optimizer = keras.optimizers.serialize(
                make_optimizer(run["optimizer"], run["arguments"], run["label"])
            )
            meta = run_meta(experiment, run, optimizer, epochs, init, kernel, bias, arrays_of_data)
            histories[index] = History(
                epoch=np.arange(epochs + 1, dtype=np.int64),
                loss=arrays["loss"],
                pred=arrays["pred"],
                kernel=arrays["kernel"],
                bias=arrays.get("bias"),
                meta=meta,
            )
        seconds = time.perf_counter() - start
        diverged = sum(histories[i].first_non_finite_epoch() is not None for i, _ in group)
        print(
            f"{experiment}: {len(group)} run(s) of {first['optimizer']}"
            f" ({', '.join(run['label'] for _, run in group[:3])}{', ...' if len(group) > 3 else ''}):"
            f" {epochs} epochs in {seconds:.2f} s" + (f"; {diverged} diverged" if diverged else ""),
            flush=True,
        )
        for index, _ in group:
            history = histories[index]
            at = history.first_non_finite_epoch()
            if at is not None:
                print(f"  {history.label}: diverged at epoch {at}", flush=True)
    return [histories[i] for i in range(len(runs))]


def main(smk: Any) -> None:
    log_to(smk.log[0])
    configure_threads(smk.threads)
    histories = train_experiment(
        smk.params.experiment,
        smk.params.runs,
        smk.params.epochs,
        smk.params.use_bias,
        smk.params.init,
        smk.params.data,
    )
    for history, path in zip(histories, smk.output.histories, strict=True):
        save_history(path, history)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
