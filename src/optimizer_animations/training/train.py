"""Train a problem (the tutorial's Dense model, ...) full-batch with Keras optimizers.

The page calls `fit(epochs=1)` and `predict` once per epoch (~90 ms each here);
`train_run` records every epoch inside one compiled `tf.function` loop instead,
with the same arithmetic as `Model.fit` (tests/test_train.py checks equality).
"""

import enum
import functools
import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

# Before TensorFlow is imported. oneDNN picks kernels by the CPU's instruction
# set, so its results could differ between a laptop and a cluster node; the
# model is far too small to gain from it.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

import keras
import numpy as np
import tensorflow as tf

from optimizer_animations import __version__
from optimizer_animations.files import log_to
from optimizer_animations.problems.problem import (
    DenseProblem,
    FunctionProblem,
    Problem,
    build_problem,
)
from optimizer_animations.problems.spec import VariableSpec
from optimizer_animations.records.history import History, save_history
from optimizer_animations.records.run import Run
from optimizer_animations.training.keras_optimizers import keras_arguments, load_optimizer_table
from optimizer_animations.training.schedules import is_schedule, keras_schedule
from optimizer_animations.training.state import StateRecorder, is_inside_key


def configure_threads(threads: int) -> None:
    """Make TensorFlow use no more cores than the rule asked for, deterministically."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.config.experimental.enable_op_determinism()


def build_model(units: int, use_bias: bool) -> keras.Sequential:
    """The page's model: `Dense(units, input_shape=[1])` (the tests' reference for `fit`)."""
    return keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(units, use_bias=use_bias)])


@functools.cache
def seeded_values(seed: int, variables: tuple[VariableSpec, ...]) -> tuple[np.ndarray, ...]:
    """What a Keras layer with these variables draws right after `keras.utils.set_random_seed(seed)`.

    Drawn with the variables' initializers rather than by building a layer
    (~30x faster, which a 1,000-seed sweep needs); tests/test_train.py checks
    that the page's model gets what `Dense(units)` draws. Seeding first makes
    the draw independent of what ran before.
    """
    keras.utils.set_random_seed(seed)
    return tuple(
        keras.ops.convert_to_numpy(
            keras.initializers.get(spec.initializer)(shape=spec.shape, dtype="float32")
        )
        for spec in variables
    )


def start_values(problem: Problem, seed: int | None) -> list[np.ndarray]:
    """A run's start: drawn from its own seed, else pinned, else from the
    problem's seed. A landscape's start is its own whatever the seed (which
    draws only its gradient noise)."""
    if (
        seed is None or isinstance(problem, FunctionProblem)
    ) and problem.pinned_start() is not None:
        return [np.asarray(value, np.float32) for value in problem.pinned_start()]
    seed = seed if seed is not None else problem.seed
    if seed is None:
        raise ValueError("the problem pins no start and no seed was given")
    return list(seeded_values(seed, problem.variables))


# The one optimizer argument Keras takes a schedule (a function of the step)
# for: a config may give a serialized schedule, and it is how the runs of a
# stacked group each get their own value. Runs that differ in it alone train
# together; any other difference makes another group.
SCHEDULED = "learning_rate"


def shared_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments that the runs of one group have in common."""
    return {k: v for k, v in arguments.items() if k != SCHEDULED}


def make_optimizer(optimizer: str, arguments: dict[str, Any], label: str) -> keras.Optimizer:
    """The Keras optimizer class `optimizer` (e.g. "Adam") built with `arguments`.

    By class rather than `keras.optimizers.get`, whose registry lacks some
    built-ins (Lamb). An explicit name: Keras would otherwise number them
    (adam, adam_1, ...) in creation order, and `meta` would depend on what ran before.
    """
    return getattr(keras.optimizers, optimizer)(**keras_arguments(arguments), name=label)


def train_run(
    problem: Problem,
    optimizer: keras.Optimizer,
    start: Sequence[np.ndarray],
    epochs: int,
    noise: np.ndarray | None = None,
    record_state: bool = False,
) -> dict[str, np.ndarray]:
    """Train one run full-batch for `epochs` updates from `start`.

    Returns every epoch's `loss` (E+1,), `params` (E+1, P) and `outputs`
    (E+1, ...) or None. Row e is the state after e updates (row 0: before
    training), so `loss[e]` equals Keras's `history['loss'][e]` (the loss
    before update e+1). `noise` (E, P): added to each update's gradient.
    `record_state`: also the optimizer's state, gradients and learning
    rates (training/state.py).
    """
    return compile_training(problem, optimizer, start, noise is not None, record_state)(
        epochs, noise
    )


def built_variables(
    problem: Problem, optimizer: keras.Optimizer, start: Sequence[np.ndarray]
) -> list[keras.Variable]:
    """The problem's variables at `start`, created before `optimizer` is built
    on them (some optimizers copy them into their state)."""
    variables = [
        keras.Variable(np.asarray(value, np.float32), name=spec.name)
        for spec, value in zip(problem.variables, start, strict=True)
    ]
    optimizer.build(variables)
    return variables


def flat_tensor(values: Sequence[tf.Tensor]) -> tf.Tensor:
    """Per-variable tensors -> one flat (P,) tensor, in `Problem.flatten`'s order."""
    return tf.concat([tf.reshape(value, [-1]) for value in values], axis=0)


def stacked_variable(
    problem: Problem,
    optimizer: str,
    arguments: dict[str, Any],
    rates: Sequence[Any],  # each run's learning rate or schedule
    starts: Sequence[Sequence[np.ndarray]],
) -> tuple[keras.Variable, keras.Optimizer]:
    """R runs' flat parameters as one (R, P) variable, and the optimizer
    built on it with each run's own learning rate."""
    initial = np.stack([problem.flatten(start) for start in starts]).astype(np.float32)
    weights = keras.Variable(initial, name="stacked_params")
    keras_optimizer = make_optimizer(
        optimizer, {**arguments, SCHEDULED: PerRunLearningRate(rates)}, "stacked"
    )
    keras_optimizer.build([weights])
    return weights, keras_optimizer


def compile_training(
    problem: Problem,
    optimizer: keras.Optimizer,
    start: Sequence[np.ndarray],
    noisy: bool = False,
    record_state: bool = False,
) -> Callable[..., dict[str, np.ndarray]]:
    """`train_run` as a reusable function of the epochs (and, `noisy`, of
    each update's gradient noise), traced once.

    The problem's variables are created at `start` before the optimizer is
    built (some optimizers copy them into their state); `train_one_graph`
    resets the variables and the optimizer's state between runs.
    """
    variables = built_variables(problem, optimizer, start)
    has_outputs = problem.outputs_key is not None
    recorder = StateRecorder(optimizer, record_state)

    @tf.function
    def loop(n: tf.Tensor, noise: tf.Tensor) -> tuple[Any, ...]:
        outputs = tf.TensorArray(tf.float32, size=n + 1)
        losses = tf.TensorArray(tf.float32, size=n + 1)
        states = [tf.TensorArray(tf.float32, size=n + 1) for _ in variables]
        inside = recorder.begin(n)

        def record(e, output, loss, outputs, losses, states):
            return (
                outputs.write(e, output) if has_outputs else outputs,
                losses.write(e, loss),
                [w.write(e, v) for w, v in zip(states, variables, strict=True)],
            )

        for e in tf.range(n):
            with tf.GradientTape() as tape:
                output, loss = problem.forward(variables)
            outputs, losses, states = record(e, output, loss, outputs, losses, states)
            gradients = tape.gradient(loss, variables)
            if noisy:  # decided when tracing: an exact run's graph has no addition
                added = problem.unflatten(noise[e], tf.reshape)
                gradients = [g + a for g, a in zip(gradients, added, strict=True)]
            inside = recorder.before(inside, e, flat_tensor(gradients))
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
            inside = recorder.after(inside, e)
        output, loss = problem.forward(variables)
        outputs, losses, states = record(n, output, loss, outputs, losses, states)
        return (
            outputs.stack() if has_outputs else losses.stack(),
            losses.stack(),
            [w.stack() for w in states],
            recorder.stack(inside),
        )

    def run(epochs: int, noise: np.ndarray | None = None) -> dict[str, np.ndarray]:
        noise_tensor = tf.constant(
            np.zeros((0, problem.parameter_count), np.float32) if noise is None else noise
        )
        outputs, losses, states, inside = loop(tf.constant(epochs), noise_tensor)
        params = problem.flatten([state.numpy() for state in states], leading=1)
        return {
            "loss": losses.numpy(),
            "params": params,
            "outputs": outputs.numpy() if has_outputs else None,
            **recorder.records(inside, problem)[0],
        }

    run.variables = variables  # type: ignore[attr-defined]
    return run


def compile_minibatch_training(
    problem: DenseProblem,
    optimizer: keras.Optimizer,
    start: Sequence[np.ndarray],
    batch_size: int,
    record_state: bool = False,
) -> Callable[[np.ndarray], dict[str, np.ndarray]]:
    """A minibatch run as a reusable function of its sample orders (E, n),
    traced once: each epoch takes ceil(n / batch_size) updates, on the
    consecutive batches of that epoch's order (the last one shorter), as
    Keras `fit(x[order], y[order], batch_size, shuffle=False)` does.

    Returns `train_run`'s arrays, every epoch's at the epoch's end (the loss
    and outputs on every sample), and `step_params` (S+1, P) after every
    update (row 0: the start) and `step_loss` (S,) of each update's batch
    before it.
    """
    variables = built_variables(problem, optimizer, start)
    samples = problem.samples
    steps = math.ceil(samples / batch_size)
    x, y = tf.constant(problem.x), tf.constant(problem.y)
    recorder = StateRecorder(optimizer, record_state)

    @tf.function
    def loop(order: tf.Tensor) -> tuple[Any, ...]:
        epochs = tf.shape(order)[0]
        inside = recorder.begin(epochs * steps)
        outputs = tf.TensorArray(tf.float32, size=epochs + 1)
        losses = tf.TensorArray(tf.float32, size=epochs + 1)
        step_losses = tf.TensorArray(tf.float32, size=epochs * steps)
        states = [
            tf.TensorArray(tf.float32, size=epochs * steps + 1).write(0, v) for v in variables
        ]
        for e in tf.range(epochs):
            output, loss = problem.forward(variables)
            outputs, losses = outputs.write(e, output), losses.write(e, loss)
            for b in tf.range(steps):
                indices = order[e, b * batch_size : tf.minimum((b + 1) * batch_size, samples)]
                batch = (tf.gather(x, indices), tf.gather(y, indices))
                with tf.GradientTape() as tape:
                    _, batch_loss = problem.forward(variables, batch)
                step = e * steps + b
                step_losses = step_losses.write(step, batch_loss)
                gradients = tape.gradient(batch_loss, variables)
                inside = recorder.before(inside, step, flat_tensor(gradients))
                optimizer.apply_gradients(zip(gradients, variables, strict=True))
                inside = recorder.after(inside, step)
                states = [w.write(step + 1, v) for w, v in zip(states, variables, strict=True)]
        output, loss = problem.forward(variables)
        outputs, losses = outputs.write(epochs, output), losses.write(epochs, loss)
        return (
            outputs.stack(),
            losses.stack(),
            step_losses.stack(),
            [w.stack() for w in states],
            recorder.stack(inside),
        )

    def run(order: np.ndarray) -> dict[str, np.ndarray]:
        outputs, losses, step_losses, states, inside = loop(tf.constant(order, tf.int32))
        step_params = problem.flatten([state.numpy() for state in states], leading=1)
        return {
            "loss": losses.numpy(),
            "params": step_params[::steps],
            "outputs": outputs.numpy(),
            "order": np.asarray(order, np.int32),
            "step_params": step_params,
            "step_loss": step_losses.numpy(),
            **recorder.records(inside, problem)[0],
        }

    run.variables = variables  # type: ignore[attr-defined]
    return run


def train_stacked_minibatches(
    problem: DenseProblem,
    optimizer: str,
    arguments: dict[str, Any],
    rates: Sequence[Any],  # each run's learning rate or schedule
    starts: Sequence[Sequence[np.ndarray]],
    orders: Sequence[np.ndarray],
    batch_size: int,
    record_state: bool = False,
) -> list[dict[str, np.ndarray]]:
    """R minibatch runs of an elementwise optimizer in one compiled loop, as
    `train_stacked` stacks full-batch runs: each run's batch is gathered from
    its own sample orders, the loss is the sum of the runs' batch losses.

    The loss and outputs on every sample at each epoch's end are computed
    after the loop, for every run and epoch at once (`epoch_records`).
    Returns each run's arrays as `compile_minibatch_training` does.
    """
    samples = problem.samples
    steps = math.ceil(samples / batch_size)
    weights, keras_optimizer = stacked_variable(problem, optimizer, arguments, rates, starts)
    x, y = tf.constant(problem.x), tf.constant(problem.y)
    recorder = StateRecorder(keras_optimizer, record_state)

    @tf.function
    def loop(order: tf.Tensor) -> tuple[Any, ...]:  # order: (R, E, n)
        epochs = tf.shape(order)[1]
        inside = recorder.begin(epochs * steps)
        step_losses = tf.TensorArray(tf.float32, size=epochs * steps)
        states = tf.TensorArray(tf.float32, size=epochs * steps + 1).write(0, weights.value)
        for e in tf.range(epochs):
            for b in tf.range(steps):
                indices = order[:, e, b * batch_size : tf.minimum((b + 1) * batch_size, samples)]
                batch = (tf.gather(x, indices), tf.gather(y, indices))
                with tf.GradientTape() as tape:
                    _, batch_loss = problem.forward_stacked(tf.convert_to_tensor(weights), batch)
                    total = tf.reduce_sum(batch_loss)
                step = e * steps + b
                step_losses = step_losses.write(step, batch_loss)
                (gradient,) = tape.gradient(total, [weights])
                inside = recorder.before(inside, step, gradient)
                keras_optimizer.apply_gradients([(gradient, weights)])
                inside = recorder.after(inside, step)
                states = states.write(step + 1, weights.value)
        return step_losses.stack(), states.stack(), recorder.stack(inside)

    step_losses, states, inside = loop(tf.constant(np.stack(orders), tf.int32))
    step_losses, states = step_losses.numpy(), states.numpy()
    recorded = recorder.records(inside, problem, len(starts))
    per_epoch = states[::steps]  # (E+1, R, P)
    losses, outputs = epoch_records(problem, per_epoch.transpose(1, 0, 2))
    return [
        {
            "loss": losses[run],
            "params": per_epoch[:, run],
            "outputs": outputs[run],
            "order": np.asarray(orders[run], np.int32),
            "step_params": states[:, run],
            "step_loss": step_losses[:, run],
            **recorded[run],
        }
        for run in range(len(starts))
    ]


def epoch_records(problem: DenseProblem, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss (R, E+1) and outputs (R, E+1, n, units) on every sample at
    each of R runs' (R, E+1, P) parameters, stacked: for the problems whose
    minibatches stack (one input, one unit), these sums over the samples
    equal a lone run's (tests/test_stochastic.py)."""
    runs, points, count = params.shape
    outputs, losses = problem.forward_stacked(tf.constant(params.reshape(runs * points, count)))
    return (
        losses.numpy().reshape(runs, points),
        outputs.numpy().reshape(runs, points, *outputs.shape[1:]),
    )


def sample_orders(seed: int, epochs: int, samples: int, shuffle: bool) -> np.ndarray:
    """Each epoch's sample order (E, n): `numpy.random.default_rng([seed,
    epoch]).permutation(n)` when shuffling (README, "Minibatches"), else 0..n-1."""
    if not shuffle:
        return np.tile(np.arange(samples, dtype=np.int32), (epochs, 1))
    return np.stack(
        [np.random.default_rng([seed, epoch]).permutation(samples) for epoch in range(epochs)]
    ).astype(np.int32)


def gradient_noise(sigma: float, seed: int, steps: int, size: int) -> np.ndarray:
    """The noise (S, size) added to each step's gradient: row s is
    `sigma * Generator(Philox(key=seed, counter=s)).standard_normal(size)` as
    float32, so that a step's noise depends only on the seed and the step."""
    rows = [
        np.random.Generator(np.random.Philox(key=seed, counter=step)).standard_normal(size)
        for step in range(steps)
    ]
    return (sigma * np.asarray(rows, np.float64).reshape(steps, size)).astype(np.float32)


def train_one_graph(
    problem: Problem,
    optimizer: str,
    arguments: dict[str, Any],
    rates: Sequence[float],  # each run's learning rate (no schedule: see training_strategy)
    starts: Sequence[Sequence[np.ndarray]],
    epochs: int,
    feeds: Sequence[np.ndarray | None] | None = None,
    batch_size: int | None = None,
    record_state: bool = False,
) -> list[dict[str, np.ndarray]]:
    """Train runs one after another through one traced graph.

    For optimizers that cannot be stacked bit-exactly: each run gets the
    variables' and the optimizer's freshly built state back and its own
    learning rate, so its numbers equal a run trained alone, without tracing anew.
    The fresh state is built for each run's start, since some optimizers copy
    the weights into it (ScheduleFreeAdamW's momentum starts at them).
    `feeds`: each run's gradient noise (E, P) or, with `batch_size`, its
    sample orders (E, n).
    """
    feeds = list(feeds) if feeds is not None else [None] * len(starts)
    keras_optimizer = make_optimizer(optimizer, {**arguments, SCHEDULED: float(rates[0])}, "shared")
    if batch_size is not None:
        assert isinstance(problem, DenseProblem)
        minibatch = compile_minibatch_training(
            problem, keras_optimizer, starts[0], batch_size, record_state
        )
        variables = minibatch.variables  # type: ignore[attr-defined]

        def train(feed: np.ndarray | None) -> dict[str, np.ndarray]:
            return minibatch(feed)
    else:
        full_batch = compile_training(
            problem, keras_optimizer, starts[0], feeds[0] is not None, record_state
        )
        variables = full_batch.variables  # type: ignore[attr-defined]

        def train(feed: np.ndarray | None) -> dict[str, np.ndarray]:
            return full_batch(epochs, feed)

    fresh_states: dict[bytes, list[np.ndarray]] = {}
    results = []
    for start, rate, feed in zip(starts, rates, feeds, strict=True):
        key = b"".join(np.asarray(value, np.float32).tobytes() for value in start)
        if key not in fresh_states:  # a grid of rates times a few seeds: a few builds
            fresh_states[key] = fresh_optimizer_state(problem, optimizer, arguments, start)
        for variable, value in zip(variables, start, strict=True):
            variable.assign(value)
        for variable, value in zip(keras_optimizer.variables, fresh_states[key], strict=True):
            variable.assign(value)
        setattr(keras_optimizer, SCHEDULED, float(rate))
        results.append(train(feed))
    return results


def fresh_optimizer_state(
    problem: Problem, optimizer: str, arguments: dict[str, Any], start: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """The state a new optimizer builds for variables at `start` (eagerly, no tracing)."""
    fresh = make_optimizer(optimizer, arguments, "fresh")
    built_variables(problem, fresh, start)
    return [variable.numpy() for variable in fresh.variables]


# Optimizers whose update of each weight depends only on that weight's own
# gradient and state, so that independent runs can share one stacked variable,
# and whose stacked runs were checked to follow a separate run's numbers bit
# for bit (tests/test_train.py). Adagrad, Adadelta and RMSprop are elementwise
# too, but their square roots round differently in TensorFlow's vectorised
# kernels than for a lone run's three weights: they train through one graph
# reused run after run instead (train_one_graph).
ELEMENTWISE = {"SGD", "Adam", "AdamW", "Adamax", "Nadam", "Lion", "Ftrl"}
# Arguments that couple the elements of a variable (norms over all of it).
COUPLING_ARGUMENTS = {"clipnorm", "global_clipnorm"}


class Strategy(enum.Enum):
    """How a run trains; each way gives the numbers of a run trained alone."""

    STACKED = "stacked"  # with the other runs of its group in one stacked variable
    ONE_GRAPH = "one_graph"  # after the others of its group, through one traced graph
    ALONE = "alone"  # its own variables, optimizer and graph


def training_strategy(
    optimizer: str,
    arguments: dict[str, Any],
    problem: Problem,
    stack: bool,
    minibatch: bool = False,
) -> Strategy:
    """ALONE for `stack=False`; STACKED for elementwise optimizers on a
    problem that stacks exactly (full batch), with or without a schedule;
    ONE_GRAPH otherwise, or ALONE for a schedule (one graph reuses its
    optimizer with another rate, which a schedule is not)."""
    if not stack:
        return Strategy.ALONE
    stacks = problem.stackable_minibatches() if minibatch else problem.stackable()
    if (
        optimizer in ELEMENTWISE
        and stacks
        and not any(arguments.get(name) is not None for name in COUPLING_ARGUMENTS)
    ):
        return Strategy.STACKED
    return Strategy.ALONE if isinstance(arguments.get(SCHEDULED), dict) else Strategy.ONE_GRAPH


class PerRunLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Each stacked run's learning rate, shaped (R, 1) to broadcast over its
    parameters: a constant, or its own schedule at the step (the float32
    number that schedule gives a lone optimizer, so the elementwise update
    of each row is the lone run's)."""

    def __init__(self, rates: Sequence[Any]) -> None:
        if any(is_schedule(rate) for rate in rates):
            self.schedules = [
                keras_schedule(rate) if is_schedule(rate) else tf.constant(rate, tf.float32)
                for rate in rates
            ]
            self.rates = None
        else:
            self.rates = tf.constant(np.asarray(rates, np.float32).reshape(-1, 1))

    def __call__(self, step: Any) -> tf.Tensor:
        if self.rates is not None:
            return self.rates
        rates = [
            schedule if tf.is_tensor(schedule) else tf.cast(schedule(step), tf.float32)
            for schedule in self.schedules
        ]
        return tf.reshape(tf.stack(rates), (-1, 1))


def train_stacked(
    problem: Problem,
    optimizer: str,
    arguments: dict[str, Any],
    rates: Sequence[Any],  # each run's learning rate or schedule
    starts: Sequence[Sequence[np.ndarray]],
    epochs: int,
    noises: Sequence[np.ndarray] | None = None,
    record_state: bool = False,
) -> list[dict[str, np.ndarray]]:
    """Train R independent runs of an elementwise optimizer in one compiled loop.

    The runs' flat parameters live in one (R, P) variable; the loss is the sum
    of the runs' losses, so each run's row gets exactly its own gradient, and
    the learning rate is a per-run tensor. `noises`: each run's gradient
    noise (E, P). Returns each run's arrays as `train_run` does.
    """
    weights, keras_optimizer = stacked_variable(problem, optimizer, arguments, rates, starts)
    has_outputs = problem.outputs_key is not None
    noisy = noises is not None
    noise = tf.constant(
        np.stack(noises, axis=1) if noisy else np.zeros((0, 0, 0), np.float32)
    )  # (E, R, P)
    recorder = StateRecorder(keras_optimizer, record_state)

    @tf.function
    def loop(n: tf.Tensor) -> tuple[Any, ...]:
        outputs = tf.TensorArray(tf.float32, size=n + 1)
        losses = tf.TensorArray(tf.float32, size=n + 1)
        states = tf.TensorArray(tf.float32, size=n + 1)
        inside = recorder.begin(n)
        for e in tf.range(n):
            with tf.GradientTape() as tape:
                output, loss = problem.forward_stacked(tf.convert_to_tensor(weights))
                total = tf.reduce_sum(loss)
            outputs = outputs.write(e, output) if has_outputs else outputs
            losses = losses.write(e, loss)
            states = states.write(e, weights.value)
            (gradient,) = tape.gradient(total, [weights])
            if noisy:
                gradient = gradient + noise[e]
            inside = recorder.before(inside, e, gradient)
            keras_optimizer.apply_gradients([(gradient, weights)])
            inside = recorder.after(inside, e)
        output, loss = problem.forward_stacked(tf.convert_to_tensor(weights))
        outputs = outputs.write(n, output) if has_outputs else outputs
        return (
            outputs.stack() if has_outputs else losses.stack(),
            losses.write(n, loss).stack(),
            states.write(n, weights.value).stack(),
            recorder.stack(inside),
        )

    outputs, losses, states, inside = loop(tf.constant(epochs))
    outputs, losses, states = outputs.numpy(), losses.numpy(), states.numpy()
    recorded = recorder.records(inside, problem, len(starts))
    return [
        {
            "loss": losses[:, run],
            "params": states[:, run],
            "outputs": outputs[:, run] if has_outputs else None,
            **recorded[run],
        }
        for run in range(len(starts))
    ]


def run_seed(problem: Problem, run: Run) -> int:
    """The seed of a run's sample orders or gradient noise: its own, else the
    problem's (`init: {seed}`), else 0."""
    if run.seed is not None:
        return run.seed
    return problem.seed if problem.seed is not None else 0


def run_feed(problem: Problem, run: Run, epochs: int) -> np.ndarray | None:
    """What a run's loop takes besides its start: a minibatch run's sample
    orders (E, n), a noisy landscape run's gradient noise (E, P), or None."""
    if run.batch_size is not None:
        assert isinstance(problem, DenseProblem)
        return sample_orders(run_seed(problem, run), epochs, problem.samples, run.shuffle)
    if isinstance(problem, FunctionProblem) and problem.noise is not None:
        return gradient_noise(
            problem.noise, run_seed(problem, run), epochs, problem.parameter_count
        )
    return None


def run_meta(
    experiment: str,
    run: Run,
    optimizer: dict[str, Any],
    epochs: int,
    problem: Problem,
    start: Sequence[np.ndarray],
) -> dict[str, Any]:
    seed = run.seed if run.seed is not None else problem.seed
    return {
        "experiment": experiment,
        "label": run.label,
        "setting": run.setting or run.label,
        "family": run.family or run.label,
        "grid": run.grid,
        "seed": run.seed,
        "arguments": run.arguments,
        "optimizer": optimizer,
        "epochs": epochs,
        **({"tuned": run.tuned} if run.tuned else {}),
        **(
            {
                "batch": {
                    "size": run.batch_size,
                    "shuffle": run.shuffle,
                    "seed": run_seed(problem, run),
                    "steps_per_epoch": math.ceil(problem.samples / run.batch_size),
                }
            }
            if run.batch_size is not None and isinstance(problem, DenseProblem)
            else {}
        ),
        **(
            {"noise_seed": run_seed(problem, run)}
            if isinstance(problem, FunctionProblem) and problem.noise is not None
            else {}
        ),
        **problem.meta(start, seed),
        "versions": {
            "optimizer_animations": __version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }


def train_experiment(
    experiment: str,
    runs: Sequence[Run | dict[str, Any]],
    epochs: int,
    problem: Problem,
    stack: bool = True,
    record_state: bool = False,
) -> list[History]:
    """Train every run of one experiment; return their histories in run order.

    A run starts from its own seed's draw or else the problem's start. Runs of
    one elementwise optimizer whose arguments differ at most in the learning
    rate train together in one stacked graph (`stack=False` trains each alone).
    `record_state`: each history also holds the optimizer's state, gradients
    and learning rates (training/state.py). `runs`: Runs, or their params.
    """
    runs = [Run.of(run, experiment) for run in runs]

    def group_key(item: tuple[int, Run]) -> tuple[str, str, str, int, int]:
        """Runs with equal keys train together: same strategy, optimizer,
        batch size and arguments but the learning rate (a run training alone
        is its own group)."""
        index, run = item
        strategy = training_strategy(run.optimizer, run.arguments, problem, stack, run.minibatch)
        fixed = sorted(shared_arguments(run.arguments).items())
        alone = strategy is Strategy.ALONE
        batch = run.batch_size or 0
        return strategy.value, run.optimizer, repr(fixed), batch, index if alone else -1

    histories: dict[int, History] = {}
    ordered = sorted(enumerate(runs), key=group_key)
    for key, group in itertools.groupby(ordered, key=group_key):
        group = list(group)
        start_time = time.perf_counter()
        first = group[0][1]
        starts = [start_values(problem, run.seed) for _, run in group]
        default_rate = load_optimizer_table()[first.optimizer][SCHEDULED]
        fixed = shared_arguments(first.arguments)
        rates = [run.arguments.get(SCHEDULED, default_rate) for _, run in group]
        strategy = Strategy(key[0])
        feeds = [run_feed(problem, run, epochs) for _, run in group]
        noises = feeds if first.batch_size is None and feeds[0] is not None else None
        if strategy is Strategy.ALONE:
            optimizer = make_optimizer(first.optimizer, first.arguments, first.label)
            if first.batch_size is not None:
                assert isinstance(problem, DenseProblem)
                train = compile_minibatch_training(
                    problem, optimizer, starts[0], first.batch_size, record_state
                )
                per_run = [train(feeds[0])]
            else:
                per_run = [train_run(problem, optimizer, starts[0], epochs, feeds[0], record_state)]
        elif strategy is Strategy.STACKED and first.batch_size is not None:
            assert isinstance(problem, DenseProblem)
            per_run = train_stacked_minibatches(
                problem,
                first.optimizer,
                fixed,
                rates,
                starts,
                feeds,
                first.batch_size,
                record_state,
            )
        elif strategy is Strategy.STACKED:
            per_run = train_stacked(
                problem, first.optimizer, fixed, rates, starts, epochs, noises, record_state
            )
        else:
            per_run = train_one_graph(
                problem,
                *(first.optimizer, fixed, rates, starts, epochs, feeds),
                first.batch_size,
                record_state,
            )
        for (index, run), arrays, start, feed in zip(group, per_run, starts, feeds, strict=True):
            optimizer = keras.optimizers.serialize(
                make_optimizer(run.optimizer, run.arguments, run.label)
            )
            histories[index] = History(
                epoch=np.arange(epochs + 1, dtype=np.int64),
                loss=arrays["loss"],
                arrays=problem.history_arrays(arrays["params"], arrays["outputs"])
                | {
                    key: arrays[key]
                    for key in arrays
                    if key in ("order", "step_params", "step_loss") or is_inside_key(key)
                }
                | ({"noise": feed} if noises is not None else {}),
                meta=run_meta(experiment, run, optimizer, epochs, problem, start),
            )
        seconds = time.perf_counter() - start_time
        diverged = sum(histories[i].first_non_finite_epoch() is not None for i, _ in group)
        print(
            f"{experiment}: {len(group)} run(s) of {first.optimizer}"
            f" ({', '.join(run.label for _, run in group[:3])}{', ...' if len(group) > 3 else ''}):"
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
    experiment = smk.params.experiment
    runs = [Run.from_params(run, experiment) for run in smk.params.runs]
    data = getattr(smk.input, "data", None)  # a CSV file's samples, where Snakemake has it
    histories = train_experiment(
        experiment,
        runs,
        smk.params.epochs,
        build_problem(smk.params.problem, data),
        record_state=smk.params.state,
    )
    for history, path in zip(histories, smk.output.histories, strict=True):
        save_history(path, history)
