"""Train the tutorial's Dense model full-batch with Keras optimizers.

The page calls `fit(epochs=1)` and `predict` once per epoch (~90 ms each here);
`train_run` records every epoch inside one compiled `tf.function` loop instead,
with the same arithmetic as `Model.fit` (tests/test_train.py checks equality).
"""

import os
import time
from typing import Any

# Before TensorFlow is imported. oneDNN picks kernels by the CPU's instruction
# set, so its results could differ between a laptop and a cluster node; the
# model is far too small to gain from it.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import numpy as np
import tensorflow as tf
import keras

from common import History, log_to, save_history


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
        # Drawn in a fresh model right after seeding, so every job that draws
        # with the same seed gets the same weights, whatever ran before.
        keras.utils.set_random_seed(init["seed"])
        weights = build_model(units, use_bias).get_weights()
        kernel, bias = weights[0], (weights[1] if use_bias else None)
    else:
        kernel = np.asarray(init["kernel"], dtype=np.float32)
        bias = np.asarray(init.get("bias", [0.0] * units), dtype=np.float32) if use_bias else None
    return kernel, bias


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
                [w.write(e, v) for w, v in zip(weights, variables)],
            )

        for e in tf.range(n):
            with tf.GradientTape() as tape:
                pred = model(x_t, training=True)
                loss = loss_fn(y_t, pred)
            preds, losses, weights = record(e, pred, loss, preds, losses, weights)
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
        pred = model(x_t, training=False)
        preds, losses, weights = record(n, pred, loss_fn(y_t, pred), preds, losses, weights)
        return preds.stack(), losses.stack(), [w.stack() for w in weights]

    preds, losses, weights = loop(tf.constant(epochs))
    result = {
        "epoch": np.arange(epochs + 1, dtype=np.int64),
        "loss": losses.numpy(),
        "pred": preds.numpy(),
        "kernel": weights[0].numpy(),
    }
    if len(weights) > 1:
        result["bias"] = weights[1].numpy()
    return result


def train_experiment(
    experiment: str,
    runs: list[dict[str, Any]],
    epochs: int,
    use_bias: bool,
    init: dict[str, Any],
    data: dict[str, Any],
) -> list[History]:
    """Train every run of one experiment from the same initial weights."""
    x = np.asarray(data["x"], dtype=np.float32)
    y = np.asarray(data["y"], dtype=np.float32)
    units = y.shape[1]
    kernel, bias = initial_weights(init, units, use_bias)
    histories = []
    for run in runs:
        start = time.perf_counter()
        model = build_model(units, use_bias)
        model.set_weights([kernel] + ([bias] if use_bias else []))
        optimizer = make_optimizer(run["optimizer"], run["arguments"], run["label"])
        arrays = train_run(model, optimizer, x, y, epochs)
        meta = {
            "experiment": experiment,
            "label": run["label"],
            "optimizer": keras.optimizers.serialize(optimizer),
            "epochs": epochs,
            "use_bias": use_bias,
            "init": {
                **({"seed": init["seed"]} if "seed" in init else {}),
                "kernel": kernel.tolist(),
                **({"bias": bias.tolist()} if bias is not None else {}),
            },
            "data": {"x": x.tolist(), "y": y.tolist()},
            "versions": {
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
                "numpy": np.__version__,
            },
        }
        history = History(bias=arrays.pop("bias", None), meta=meta, **arrays)
        histories.append(history)
        diverged = history.first_non_finite_epoch()
        print(
            f"{experiment}/{run['label']}: {epochs} epochs in"
            f" {time.perf_counter() - start:.2f} s, loss {history.loss[0]:.6g} ->"
            f" {history.loss[-1]:.6g}"
            + (f" (diverged at epoch {diverged})" if diverged is not None else ""),
            flush=True,
        )
    return histories


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
    for history, path in zip(histories, smk.output.histories):
        save_history(path, history)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
