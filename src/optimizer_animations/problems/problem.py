"""What is trained: a problem's parameters, its start, its loss and its history.

The training strategies in train.py take a problem, not a Keras model, so that
every kind of experiment trains through one code path. A problem says

- which variables it has (name, shape, the Keras initializer a seed draws);
- its pinned start, if the config pins one;
- its loss and outputs for one run (TensorFlow, with the variables as Keras
  holds them, so that per-variable optimizers such as Lamb see the same
  tensors as in `fit`), for R stacked runs of flat parameters (TensorFlow,
  (R, P)), and in NumPy for any array of flat parameters (contours);
- which arrays its history file keeps, and what its `meta` records.

The page's Dense model is `DenseProblem`; a point descending a 2-D function
(a loss landscape) is `FunctionProblem`. This module imports neither
TensorFlow nor matplotlib at import time: the figure scripts use it too. The
TensorFlow passes import it when they are called, inside a job that trains.
What the Snakefile needs of a problem (its spec, its variables, its
landscape) is spec.py's, without NumPy.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from optimizer_animations.problems.data import read_samples
from optimizer_animations.problems.functions import (
    Landscape,
    elementwise_exact,
    evaluate,
    parse_formula,
)
from optimizer_animations.problems.spec import (
    FUNCTION_VARIABLES,
    VariableSpec,
    dense_variables,
    spec_landscape,
)
from optimizer_animations.records.meta import DENSE, FUNCTION, RunMeta


class Problem:
    """The interface of what is trained; see the module's docstring."""

    kind: ClassVar[str]
    variables: tuple[VariableSpec, ...]
    seed: int | None = None  # draws the start when nothing pins it
    # The outputs recorded per epoch are stored under this key (None: none).
    outputs_key: ClassVar[str | None] = None

    @property
    def parameter_count(self) -> int:
        return sum(spec.size for spec in self.variables)

    def pinned_start(self) -> list[np.ndarray] | None:
        """The configured start, one array per variable, or None (seeds draw it)."""
        raise NotImplementedError

    def flatten(self, values: Sequence[np.ndarray], leading: int = 0) -> np.ndarray:
        """Per-variable arrays with `leading` batch axes -> (..., P)."""
        return np.concatenate(
            [
                np.reshape(value, (*np.shape(value)[:leading], spec.size))
                for spec, value in zip(self.variables, values, strict=True)
            ],
            axis=-1,
        )

    def unflatten(self, params: Any, reshape: Any = np.reshape) -> list[Any]:
        """(..., P) -> one array per variable with the same leading axes.

        Works on NumPy arrays and on TensorFlow tensors (pass `tf.reshape`).
        """
        leading = tuple(params.shape[:-1])
        values, offset = [], 0
        for spec in self.variables:
            values.append(
                reshape(params[..., offset : offset + spec.size], (*leading, *spec.shape))
            )
            offset += spec.size
        return values

    def stackable(self) -> bool:
        """Whether R runs stacked in one (R, P) variable give each run's own numbers."""
        return True

    def stackable_minibatches(self) -> bool:
        """`stackable`, for minibatch runs (only the page's model has them)."""
        return False

    def forward(
        self, values: Sequence[Any], batch: tuple[Any, Any] | None = None
    ) -> tuple[Any, Any]:
        """(outputs or None, loss) of one run, in TensorFlow; on `batch`, a
        minibatch's (inputs, targets) instead of every sample."""
        raise NotImplementedError

    def forward_stacked(self, params: Any) -> tuple[Any, Any]:
        """(outputs with a leading run axis or None, loss (R,)) of R runs' (R, P) params."""
        raise NotImplementedError

    def loss_numpy(self, params: np.ndarray) -> np.ndarray:
        """The loss at every point of `params` (..., P), in NumPy."""
        raise NotImplementedError

    def history_arrays(
        self, params: np.ndarray, outputs: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """The named per-epoch arrays a history file keeps, from (E+1, P) params."""
        raise NotImplementedError

    def meta(self, start: Sequence[np.ndarray], seed: int | None) -> dict[str, Any]:
        """What a run's `meta` records about the problem and its start."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class DenseProblem(Problem):
    """The page's model: `Dense(units)` on inputs `x`, mean squared error against `y`."""

    kind: ClassVar[str] = DENSE
    outputs_key: ClassVar[str | None] = "pred"

    x: np.ndarray  # (n_samples, inputs)
    y: np.ndarray  # (n_samples, units)
    use_bias: bool
    kernel: np.ndarray | None = None  # pinned start (inputs, units), or None
    bias: np.ndarray | None = None  # pinned start (units,)
    seed: int | None = None  # draws the start of runs without a seed of their own
    source: dict[str, Any] | None = None  # the CSV file and columns the samples came from

    # With more samples, a stacked run's sums over the samples may associate
    # differently from a separate run's and differ in the last bit; so that a
    # history never depends on how runs were grouped into jobs, those train
    # run after run.
    MAX_STACKED_SAMPLES: ClassVar[int] = 2

    @classmethod
    def from_spec(cls, spec: dict[str, Any], data_file: str | None = None) -> "DenseProblem":
        """From the plain data a rule passes: `data`, `init` and `use_bias`.

        A `data` that names a CSV file is read from `data_file` (the rule's
        input: the file where Snakemake has it) or else from its own path.
        """
        data, source = spec["data"], None
        if "csv" in data:
            path = data_file or data["csv"]
            samples = read_samples(
                path, data["x"], data["y"], data.get("samples"), data.get("sha256")
            )
            x = np.asarray(samples.x, np.float32)
            y = np.asarray(samples.y, np.float32)
            # What a history records of them (`meta`): the file where this job
            # read it, and its digest, not the samples.
            source = {
                "csv": str(path),
                "x": list(data["x"]),
                "y": list(data["y"]),
                "samples": samples.count,
                "sha256": samples.sha256,
            }
        else:
            x = np.asarray(data["x"], np.float32)
            y = np.asarray(data["y"], np.float32)
        init, units = spec["init"], y.shape[1]
        kernel = bias = None
        if "kernel" in init:
            kernel = np.asarray(init["kernel"], np.float32)
            if spec["use_bias"]:
                bias = np.asarray(init.get("bias", [0.0] * units), np.float32)
        return cls(x, y, bool(spec["use_bias"]), kernel, bias, init.get("seed"), source)

    @property
    def units(self) -> int:
        return int(self.y.shape[1])

    @property
    def samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def variables(self) -> tuple[VariableSpec, ...]:  # type: ignore[override]
        return dense_variables(self.units, self.use_bias, int(self.x.shape[1]))

    def pinned_start(self) -> list[np.ndarray] | None:
        if self.kernel is None:
            return None
        return [self.kernel] + ([self.bias] if self.use_bias else [])

    def stackable(self) -> bool:
        return len(self.x) <= self.MAX_STACKED_SAMPLES

    def forward(
        self, values: Sequence[Any], batch: tuple[Any, Any] | None = None
    ) -> tuple[Any, Any]:
        # What `Dense.call` and `model.compile(loss="mse")` compute, op for op,
        # so that the numbers equal Keras `fit`'s (tests/test_train.py).
        import keras

        x, y = (self.x, self.y) if batch is None else batch
        pred = keras.ops.matmul(x, values[0])
        if self.use_bias:
            pred = keras.ops.add(pred, values[1])
        return pred, keras.losses.MeanSquaredError()(y, pred)

    def stackable_minibatches(self) -> bool:
        """Whether minibatch runs stacked in one (R, P) variable give each
        run's own numbers: with one input and one unit, each prediction is a
        single product and each gradient a dot product over the batch, which
        the stacked and the lone kernels were checked to sum alike
        (tests/test_stochastic.py, every batch size from 1 to the data)."""
        return self.x.shape[1] == 1 and self.units == 1

    def forward_stacked(self, params: Any, batch: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
        """On `batch`, each run's minibatch: inputs (R, b, inputs), targets (R, b, units)."""
        import tensorflow as tf

        runs = params.shape[0]
        values = self.unflatten(params, tf.reshape)
        if batch is None:
            x = tf.constant(np.broadcast_to(self.x, (runs, *self.x.shape)))
            y, count = tf.constant(self.y), float(len(self.x))
        else:
            x, y = batch
            count = tf.cast(tf.shape(x)[1], tf.float32)
        pred = tf.matmul(x, values[0])
        if self.use_bias:
            pred = pred + values[1][:, None, :]
        # Keras's MSE: mean over the units, then the sum over the samples / n.
        per_sample = tf.reduce_mean(tf.square(y - pred), axis=-1)
        return pred, tf.reduce_sum(per_sample, axis=-1) / count

    # Points of a contour evaluated at once: each holds every sample's
    # outputs, so that 200 x 200 points of 20,000 samples stay ~100 MB.
    LOSS_CHUNK_VALUES = 12_000_000

    def loss_numpy(self, params: np.ndarray) -> np.ndarray:
        params = np.asarray(params, np.float64)
        flat = params.reshape(-1, params.shape[-1])
        chunk = max(1, self.LOSS_CHUNK_VALUES // (self.samples * self.units))
        losses = [self._loss_rows(flat[i : i + chunk]) for i in range(0, len(flat), chunk)]
        return (
            np.concatenate(losses).reshape(params.shape[:-1])
            if losses
            else np.empty(params.shape[:-1])
        )

    def _loss_rows(self, params: np.ndarray) -> np.ndarray:
        values = self.unflatten(params)
        pred = self.x.astype(np.float64) @ values[0]
        if self.use_bias:
            pred = pred + values[1][..., None, :]
        return np.mean(np.square(self.y - pred), axis=(-2, -1))

    def sample_gradients(self, params: np.ndarray) -> np.ndarray:
        """Each sample's gradient (n, P) of its own loss (the mean squared
        error over the units) at the flat parameters `params` (P,), in
        float64; their mean is the full-batch gradient."""
        values = self.unflatten(np.asarray(params, np.float64))
        x, y = self.x.astype(np.float64), self.y.astype(np.float64)
        pred = x @ values[0] + (values[1] if self.use_bias else 0.0)
        residual = 2.0 * (pred - y) / self.units  # d(loss_i) / d(pred_i)
        kernel = x[:, :, None] * residual[:, None, :]  # (n, inputs, units)
        parts = [kernel.reshape(len(x), -1)] + ([residual] if self.use_bias else [])
        return np.concatenate(parts, axis=1)

    def history_arrays(
        self, params: np.ndarray, outputs: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        values = self.unflatten(params)
        arrays = {"pred": outputs, "kernel": values[0]}
        if self.use_bias:
            arrays["bias"] = values[1]
        return arrays

    def meta(self, start: Sequence[np.ndarray], seed: int | None) -> dict[str, Any]:
        return {
            "use_bias": self.use_bias,
            "init": {
                **({"seed": seed} if seed is not None else {}),
                "kernel": np.asarray(start[0]).tolist(),
                **({"bias": np.asarray(start[1]).tolist()} if self.use_bias else {}),
            },
            # Samples from a file stay in the file: each history of 20,000 of
            # them would hold 28 MB of text.
            "data": self.source or {"x": self.x.tolist(), "y": self.y.tolist()},
        }


# A landscape run has reached a minimum once its value is within this of the
# minimum's value (summary.csv's steps_to_minimum, time_to_target.png).
MINIMUM_TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class FunctionProblem(Problem):
    """A point in the plane descending a 2-D function (a loss landscape).

    The parameters are one 2-vector, `position`, at a fixed start (seeds do
    not apply). Its history keeps `position` (E+1, 2).
    """

    kind: ClassVar[str] = FUNCTION
    outputs_key: ClassVar[str | None] = None

    landscape: Landscape
    # The standard deviation of the Gaussian noise added to each step's
    # gradient (None: the exact gradient).
    noise: float | None = None

    @classmethod
    def from_spec(cls, spec: dict[str, Any], data_file: str | None = None) -> "FunctionProblem":
        """From `function` (a built-in's name, or {formula, domain, start, minima}),
        the optional overrides `start` and `domain`, and the optional `noise`."""
        noise = spec.get("noise")
        return cls(spec_landscape(spec), None if noise is None else float(noise["sigma"]))

    @classmethod
    def from_meta(cls, function: dict[str, Any]) -> "FunctionProblem":
        """From a history's `meta["function"]`."""
        return cls(Landscape.from_mapping(function["name"], function))

    @property
    def variables(self) -> tuple[VariableSpec, ...]:  # type: ignore[override]
        return FUNCTION_VARIABLES

    @property
    def minimum_value(self) -> float | None:
        """The lowest value of the function at its known minima (None without minima)."""
        if not self.landscape.minima:
            return None
        return float(np.min(self.loss_numpy(np.asarray(self.landscape.minima))))

    @functools.cached_property
    def lowest_in_view(self) -> float:
        """The lowest value of the function on a 401 x 401 grid over its plotted
        domain (edges included): what a run can reach without leaving the figure."""
        (x0, x1), (y0, y1) = self.landscape.domain
        x, y = np.meshgrid(np.linspace(x0, x1, 401), np.linspace(y0, y1, 401))
        values = self.loss_numpy(np.stack([x, y], axis=-1))
        return float(np.min(values[np.isfinite(values)]))

    @functools.cached_property
    def tree(self) -> Any:
        return parse_formula(self.landscape.formula)

    def pinned_start(self) -> list[np.ndarray] | None:
        return [np.asarray(self.landscape.start, np.float32)]

    def stackable(self) -> bool:
        # sin, exp, pow... of a 2-vector and of a stack of them may take
        # TensorFlow's scalar and its vectorised kernels, which round
        # differently: only a formula of + - * / and whole powers stacks.
        return elementwise_exact(self.tree)

    def forward(
        self, values: Sequence[Any], batch: tuple[Any, Any] | None = None
    ) -> tuple[Any, Any]:
        import tensorflow as tf

        position = values[0]
        return None, evaluate(self.tree, position[0], position[1], tf.math)

    def forward_stacked(self, params: Any) -> tuple[Any, Any]:
        import tensorflow as tf

        return None, evaluate(self.tree, params[:, 0], params[:, 1], tf.math)

    def loss_numpy(self, params: np.ndarray) -> np.ndarray:
        params = np.asarray(params, np.float64)
        with np.errstate(all="ignore"):
            return evaluate(self.tree, params[..., 0], params[..., 1], np)

    def history_arrays(
        self, params: np.ndarray, outputs: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        return {"position": params}

    def meta(self, start: Sequence[np.ndarray], seed: int | None) -> dict[str, Any]:
        landscape = self.landscape
        return {
            "function": {
                "name": landscape.name,
                "formula": landscape.formula,
                "domain": [list(axis) for axis in landscape.domain],
                "start": np.asarray(start[0]).tolist(),
                "minima": [list(minimum) for minimum in landscape.minima],
            },
            **({"noise": {"sigma": self.noise}} if self.noise is not None else {}),
        }


PROBLEM_KINDS: dict[str, type[Problem]] = {
    DenseProblem.kind: DenseProblem,
    FunctionProblem.kind: FunctionProblem,
}


def build_problem(spec: dict[str, Any], data_file: str | None = None) -> Problem:
    """The problem a rule's spec defines; `data_file`: where its CSV samples are."""
    return PROBLEM_KINDS[spec["kind"]].from_spec(spec, data_file)  # type: ignore[attr-defined]


def run_samples(run: RunMeta) -> tuple[np.ndarray, np.ndarray]:
    """The samples (x, y) a run of the page's model trained on, float32: the
    recorded ones, or those of the file it recorded, which must still hold
    the bytes it trained on (DataError otherwise). A job reads a file once."""
    assert run.data is not None, "a landscape run has no samples"
    data = run.data
    if "csv" not in data:
        return np.asarray(data["x"], np.float32), np.asarray(data["y"], np.float32)
    return _file_samples(
        data["csv"], tuple(data["x"]), tuple(data["y"]), data["samples"], data["sha256"]
    )


def run_targets(run: RunMeta) -> np.ndarray:
    """The targets y (n_samples, units) a run of the page's model trained on,
    float32 (run_samples')."""
    assert run.data is not None, "a landscape run has no samples"
    if "csv" not in run.data:
        return np.asarray(run.data["y"], np.float32)
    return run_samples(run)[1]


@functools.lru_cache(maxsize=4)
def _file_samples(
    path: str, x: tuple[str, ...], y: tuple[str, ...], samples: int, sha256: str
) -> tuple[np.ndarray, np.ndarray]:
    read = read_samples(path, x, y, samples, sha256)
    return np.asarray(read.x, np.float32), np.asarray(read.y, np.float32)


def problem_from_meta(run: RunMeta) -> Problem:
    """The problem a history was trained on, from its parsed `meta`
    (`History.run`; for figures: no TensorFlow, no config)."""
    if run.landscape:
        return FunctionProblem.from_meta(run.function)
    return DenseProblem.from_spec({"data": run.data, "init": run.init, "use_bias": run.use_bias})
