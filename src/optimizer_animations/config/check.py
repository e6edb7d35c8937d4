"""Validate the workflow config and expand it into training runs.

Imported by the Snakefile while it parses, so it must stay light: no
TensorFlow, Keras or matplotlib here (see keras_optimizers.py).
"""

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from optimizer_animations.config.names import setting_name
from optimizer_animations.config.safety import (
    NAME_RULE,
    ConfigError,
    check_inside,
    check_name,
    check_relative_path,
    check_tree,
    check_yaml_file,
    did_you_mean,
    key_path,
    short_repr,
)
from optimizer_animations.export.formats import (
    COMPANION_SUFFIXES,
    COMPOUND_SUFFIXES,
    is_dark_variant,
)
from optimizer_animations.problems.data import DataError, generator_settings, read_samples
from optimizer_animations.problems.functions import (
    BUILT_IN,
    BUILT_IN_ARGUMENTS,
    FormulaError,
    parse_formula,
    value_at,
)
from optimizer_animations.problems.spec import (
    problem_spec,
    spec_landscape,
    spec_variables,
    weight_index,
)
from optimizer_animations.records.run import Run
from optimizer_animations.training.keras_optimizers import (
    CLIPPING,
    argument_type,
    load_optimizer_table,
)
from optimizer_animations.training.schedules import (
    SCHEDULES,
    check_schedule,
    is_schedule,
    peak_rate,
)
from optimizer_animations.tuning.grid import OBJECTIVES, LearningRateGrid

SCHEMA_PATH = Path(__file__).with_name("config.schema.yaml")


def load_schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text())


# The schema's types in the words of a YAML file.
TYPE_WORDS = {
    "object": "a mapping of keys to values (key: value)",
    "array": "a list ([a, b] or lines starting with '- ')",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}


def describe_schema_error(error: jsonschema.ValidationError) -> str:
    """One sentence naming the key, the value and what is allowed."""
    where = key_path(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(value) - set(allowed))
        hints = "".join(did_you_mean(k, allowed) for k in unknown)
        prefix = f"in '{where}': " if error.absolute_path else ""
        return (
            f"{prefix}unknown key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(k) for k in unknown)}; allowed: {', '.join(allowed)}.{hints}"
        )
    if error.validator == "required":
        return f"'{where}' is missing a required key: {error.message}"
    if error.validator == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        wanted = " or ".join(TYPE_WORDS.get(kind, kind) for kind in types)
        return f"'{where}' must be {wanted}, got {short_repr(value)}"
    if error.validator == "minimum":
        return f"'{where}' must be at least {schema['minimum']}, got {value!r}"
    if error.validator == "exclusiveMinimum":
        return f"'{where}' must be more than {schema['exclusiveMinimum']}, got {value!r}"
    if error.validator == "maximum":
        return f"'{where}' must be at most {schema['maximum']:,}, got {value!r}"
    if error.validator == "minItems" and schema["minItems"] > 1:
        return f"'{where}' needs {schema['minItems']} items or more, got {short_repr(value)}"
    if error.validator in ("minItems", "minProperties"):
        return f"'{where}' must not be empty (got {short_repr(value)})"
    if error.validator == "maxItems":
        return (
            f"'{where}' has {len(value):,} items, more than {schema['maxItems']:,}:"
            f" {short_repr(value)}"
        )
    if error.validator == "maxProperties":
        return f"'{where}' has {len(value):,} keys, more than {schema['maxProperties']:,}"
    if error.validator == "pattern":
        return f"'{where}' = {short_repr(value)} is not a safe folder name: use {NAME_RULE}"
    if error.validator == "maxLength":
        return f"'{where}' = {short_repr(value)} is longer than {schema['maxLength']} characters"
    if error.validator == "enum" and schema["enum"] == [False]:
        # A switch that is on by default and otherwise takes what it turns on
        # with (phase: [across, up]): true says nothing more.
        parent = error.parent.schema if error.parent is not None else {}
        takes = str(parent.get("description", "what it takes")).split(":")[0]
        return f"'{where}' = true: it is on by default; write false to turn it off, or {takes}"
    if error.validator == "uniqueItems":
        repeated = sorted({repr(item) for item in value if value.count(item) > 1})
        return f"'{where}' = {short_repr(value)} names {', '.join(repeated)} twice; each item once"
    if error.validator == "enum":
        allowed = [str(option) for option in schema["enum"]]
        either = ", ".join(allowed[:-1]) + f" or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        return (
            f"'{where}' = {short_repr(value)}: allowed {either}.{did_you_mean(str(value), allowed)}"
        )
    if error.validator == "oneOf":
        return f"'{where}' = {short_repr(value)} is not valid: expected {schema_summary(schema)}"
    return f"'{where}': {error.message}"


def schema_summary(schema: dict[str, Any]) -> str:
    options = []
    for option in schema.get("oneOf", []):
        if option.get("type") == "string":
            options.append("a name")
        elif "properties" in option:
            options.append("a mapping with keys " + ", ".join(option["properties"]))
    return " or ".join(options) or "a valid value"


def check_schema(config: dict[str, Any], schema: dict[str, Any] | None = None) -> None:
    schema = schema or load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        # Inside a oneOf, the branch that got furthest explains the problem best.
        if error.validator == "oneOf" and error.context:
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            if len(deepest.absolute_path) > len(error.absolute_path):
                error = deepest
        raise ConfigError(describe_schema_error(error))


def apply_defaults(
    config: dict[str, Any], schema: dict[str, Any], root: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Fill in the schema's defaults, as Snakemake's validate() does.

    `root` is the whole schema, against which `$ref`s resolve.
    """
    root = root if root is not None else schema
    for key, subschema in schema.get("properties", {}).items():
        if key not in config and "default" in subschema:
            config[key] = _copy(subschema["default"])
        if isinstance(config.get(key), dict) and "properties" in subschema:
            apply_defaults(config[key], subschema, root)
    if isinstance(schema.get("additionalProperties"), dict):
        ref = schema["additionalProperties"].get("$ref", "")
        item_schema = _resolve(root, ref) if ref else schema["additionalProperties"]
        for key, value in config.items():
            if key not in schema.get("properties", {}) and isinstance(value, dict):
                apply_defaults(value, item_schema, root)
    return config


def _copy(value: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(value))


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def frame_epochs(epochs: int, every: int) -> list[int]:
    """Epoch 0, every `every`-th epoch, and the last epoch."""
    return sorted(set(range(0, epochs + 1, every)) | {epochs})


def frame_count(epochs: int, every: int) -> int:
    """len(frame_epochs(epochs, every)), without building the list."""
    return epochs // every + 1 + (epochs % every != 0)


# What one config may make the machine hold (README, "Bad input and faults"):
# the values of every history (float32), and those of one run. The contour of
# the page's model evaluates every sample and unit at 200 x 200 points.
MAX_RECORDED_VALUES = 250_000_000  # 1 GB of histories in all
MAX_RUN_VALUES = 25_000_000  # 100 MB for one run
MAX_SAMPLE_OUTPUTS = 20_000  # samples x units
# The most variables a built-in optimizer keeps per weight (Adam with amsgrad
# three, Adafactor's factors and velocity four): the budget of a recorded state.
STATE_SLOTS = 4


def records_state(settings: dict[str, Any]) -> bool:
    """Whether an experiment's histories hold the optimizer's inside
    (training/state.py): a landscape's and a scheduled one's by default, the
    page's model's if asked."""
    return bool(settings.get("state", is_landscape(settings) or has_schedule(settings)))


def has_schedule(settings: dict[str, Any]) -> bool:
    """Whether an optimizer entry of the experiment has a learning-rate schedule."""
    return any(
        isinstance(entry, dict) and is_schedule(entry.get("learning_rate"))
        for entry in settings["optimizers"]
    )


@dataclass(frozen=True)
class DataShape:
    """What the page's model's samples are: how many, and their widths."""

    samples: int
    inputs: int
    units: int


def recorded_values(config: dict[str, Any], experiment: str, data: DataShape | None) -> int:
    """How many numbers one run of `experiment` records: per epoch its loss,
    its parameters and (the page's model) every sample's outputs; per update
    of a minibatch run its parameters and loss, per epoch its sample order."""
    settings = config["experiments"][experiment]
    epochs = settings["epochs"]
    if is_landscape(settings):
        noise = epochs * 2 if "noise" in settings else 0
        return (epochs + 1) * (1 + 2) + noise + _state_values(settings, epochs, 2)
    assert data is not None
    parameters = data.units * (data.inputs + (1 if settings["use_bias"] else 0))
    per_epoch = 1 + data.samples * data.units + parameters
    batch = _smallest_batch(settings, data.samples)
    if batch >= data.samples:
        return (epochs + 1) * per_epoch + _state_values(settings, epochs, parameters)
    steps = epochs * math.ceil(data.samples / batch)
    return (
        (epochs + 1) * per_epoch
        + steps * (parameters + 1)
        + epochs * data.samples
        + _state_values(settings, steps, parameters)
    )


def _state_values(settings: dict[str, Any], updates: int, parameters: int) -> int:
    """The inside's numbers: the state after each update and before the
    first, each update's gradient and learning rate."""
    if not records_state(settings):
        return 0
    return (updates + 1) * STATE_SLOTS * parameters + updates * (parameters + 1)


def _smallest_batch(settings: dict[str, Any], samples: int) -> int:
    """The fewest samples per update any run of the experiment may take."""
    sizes = [settings.get("batch_size", samples)]
    for entry in settings["optimizers"]:
        if isinstance(entry, dict):
            sizes += [
                entry.get("batch_size", samples),
                *entry.get("grid", {}).get("batch_size", []),
            ]
    return max(1, min((size for size in sizes if isinstance(size, int)), default=samples))


def _check_sizes(
    config: dict[str, Any], runs: dict[str, list["Run"]], shapes: dict[str, DataShape]
) -> None:
    """Refuse what would take more memory or disk than MAX_*, before any job."""
    total = 0
    for experiment, experiment_runs in runs.items():
        per_run = recorded_values(config, experiment, shapes.get(experiment))
        if per_run > MAX_RUN_VALUES:
            raise ConfigError(
                f"'experiments.{experiment}' would record {per_run:,} numbers per run"
                f" ({config['experiments'][experiment]['epochs']:,} epochs), more than"
                f" {MAX_RUN_VALUES:,}; train fewer epochs, or larger batches"
            )
        total += per_run * len(experiment_runs)
    if total > MAX_RECORDED_VALUES:
        raise ConfigError(
            f"the experiments would record {total:,} numbers in their histories, more than"
            f" {MAX_RECORDED_VALUES:,} (1 GB); train fewer runs or epochs"
        )


# What one config may make the machine do (README, "Bad input and faults"):
# optimizer steps in all its runs and tuning trials (one step of the page's
# model on one sample takes ~23 us here: 20 million, about 8 minutes), and
# paths an animated figure draws again in every frame.
MAX_UPDATES = 20_000_000
MAX_PATH_FRAMES = 250_000


def _check_work(
    config: dict[str, Any], runs: dict[str, list["Run"]], shapes: dict[str, DataShape]
) -> None:
    """Refuse what would take hours to train or to draw, before any job."""
    total, every = 0, config["frames"]["every"]
    for experiment, experiment_runs in runs.items():
        settings = config["experiments"][experiment]
        epochs, shape = settings["epochs"], shapes.get(experiment)
        tuning = experiment_tuning(settings)
        trials = tuning.grid.points if tuning is not None else 1
        for run in experiment_runs:
            per_epoch = 1
            if shape is not None and run.batch_size is not None:
                per_epoch = math.ceil(shape.samples / run.batch_size)
            total += epochs * per_epoch * trials
        frames = frame_count(epochs, every)
        if len(experiment_runs) * frames > MAX_PATH_FRAMES:
            raise ConfigError(
                f"'experiments.{experiment}' has {len(experiment_runs):,} runs, whose paths its"
                f" animated trajectory would draw in each of {frames:,} frames:"
                f" {len(experiment_runs) * frames:,} paths, more than {MAX_PATH_FRAMES:,};"
                " draw fewer frames (a larger 'frames.every') or split the grid"
            )
    if total > MAX_UPDATES:
        raise ConfigError(
            f"the experiments would take {total:,} optimizer steps (every run's epochs x"
            f" updates per epoch, every tuning trial's too), more than {MAX_UPDATES:,}"
            " (about 8 minutes of training); train fewer runs or epochs, or larger batches"
        )


def _data_samples(
    data: dict[str, Any], where: str
) -> tuple[list[list[float]], list[list[float]]] | None:
    """The inline or CSV samples (x, y) as the config gives them at `where`;
    None for a `generate:` spec, whose shape is its settings'."""
    if "generate" in data:
        return None
    if "csv" not in data:
        return data["x"], data["y"]
    path = check_relative_path(f"{where}.csv", data["csv"], "file")
    check_inside(f"{where}.csv", path)
    overlap = sorted(set(data["x"]) & set(data["y"]))
    if overlap:
        raise ConfigError(
            f"'{where}.x' and '{where}.y' both name the column(s) {overlap}: a column is an"
            " input or a target, not both"
        )
    try:
        samples = read_samples(path, data["x"], data["y"])
    except DataError as error:
        raise ConfigError(f"'{where}.csv' = {short_repr(path)}: {error}") from None
    return samples.x, samples.y


def _check_data(
    data: dict[str, Any], where: str, init: dict[str, Any], init_where: str
) -> DataShape:
    """Check that the samples at `where` and the initial weights at
    `init_where` agree; return the samples' shape."""
    samples = _data_samples(data, where)
    if samples is None:
        settings = generator_settings(data)
        shape = DataShape(settings["samples"], settings["inputs"], settings["outputs"])
    else:
        x, y = samples
        inputs, units = len(x[0]), len(y[0])
        if any(len(row) != inputs for row in x):
            raise ConfigError(
                f"'{where}.x' rows must all have the same length (the number of inputs),"
                f" got lengths {sorted({len(r) for r in x})}; write x: [[1.0]] for one sample"
            )
        if any(len(row) != units for row in y):
            raise ConfigError(
                f"'{where}.y' rows must all have the same length (the number of output units),"
                f" got lengths {sorted({len(r) for r in y})}"
            )
        if len(x) != len(y):
            raise ConfigError(
                f"'{where}.x' has {len(x)} samples but '{where}.y' has {len(y)}: they must agree"
            )
        shape = DataShape(len(x), inputs, units)
    if shape.samples * shape.units > MAX_SAMPLE_OUTPUTS:
        raise ConfigError(
            f"'{where}' has {shape.samples:,} samples x {shape.units} units ="
            f" {shape.samples * shape.units:,} outputs, more than {MAX_SAMPLE_OUTPUTS:,}"
        )
    if "kernel" in init:
        kernel = init["kernel"]
        rows = "/".join(str(n) for n in sorted({len(r) for r in kernel}))
        if len(kernel) != shape.inputs or any(len(row) != shape.units for row in kernel):
            raise ConfigError(
                f"'{init_where}.kernel' must be {shape.inputs} x {shape.units} ({shape.inputs}"
                f" input(s) as in '{where}.x', {shape.units} unit(s) as in '{where}.y'), got"
                f" {len(kernel)} x {rows}"
            )
        bias = init.get("bias", [0.0] * shape.units)
        if len(bias) != shape.units:
            raise ConfigError(
                f"'{init_where}.bias' must have {shape.units} values (the units of '{where}.y'),"
                f" got {len(bias)}"
            )
    return shape


def data_shapes(config: dict[str, Any]) -> dict[str, DataShape]:
    """Each experiment of the page's model -> the shape of its samples, each
    distinct `data` checked (and a CSV file read) once."""
    shapes: dict[str, DataShape] = {}
    checked: dict[tuple[int, int], DataShape] = {}
    for experiment, settings in config["experiments"].items():
        if is_landscape(settings):
            continue
        where = f"experiments.{experiment}"
        data, data_where = (
            (settings["data"], f"{where}.data") if "data" in settings else (config["data"], "data")
        )
        init, init_where = (
            (settings["init"], f"{where}.init")
            if "init" in settings
            else (config.get("init", {}), "init")
        )
        key = (id(data), id(init))
        if key not in checked:
            checked[key] = _check_data(data, data_where, init, init_where)
        shapes[experiment] = checked[key]
    return shapes


# Keys that only one kind of experiment takes.
DENSE_ONLY_KEYS = ("use_bias", "trajectory", "batch_size", "shuffle", "data", "init")
LANDSCAPE_ONLY_KEYS = ("start", "domain", "noise", "vectors")
# What the page's model has instead of each.
DENSE_INSTEAD = {
    "start": "the page's model starts from 'init'",
    "domain": "the page's model's trajectory plane follows from its weights ('trajectory')",
    "noise": "the page's model's gradients are noisy through minibatches: set 'batch_size'",
    "vectors": "each step's vectors are drawn on a landscape's contour only",
}
# What an optimizer entry, its grid or the experiment may set of how a run
# trains, rather than of its Keras optimizer.
TRAINING_SETTINGS = ("batch_size", "shuffle")


def is_landscape(settings: dict[str, Any]) -> bool:
    """Whether an experiment descends a 2-D function (`function:`) instead of
    training the page's model."""
    return "function" in settings


def _check_vectors(settings: dict[str, Any], where: str) -> None:
    """Vectors come from the recorded state, and the anatomy's update must be one."""
    if "vectors" not in settings:
        return
    if not records_state(settings):
        raise ConfigError(
            f"'{where}.vectors' draws each step's gradient, momentum and update from the"
            f" optimizer's recorded state, but '{where}.state' is false; remove one of them"
        )
    anatomy = settings["vectors"].get("anatomy", 1)
    if anatomy > settings["epochs"]:
        raise ConfigError(
            f"'{where}.vectors.anatomy' = {anatomy} is past the last update: the experiment"
            f" takes {settings['epochs']} step(s), so it must be 1 to {settings['epochs']}"
        )


def _check_experiment_kinds(config: dict[str, Any]) -> list[str]:
    """Refuse keys of the other kind of experiment; fill `use_bias`; check
    landscapes. Returns the experiments that train the page's model."""
    dense = []
    for name, settings in config["experiments"].items():
        where = f"experiments.{name}"
        if is_landscape(settings):
            for key in DENSE_ONLY_KEYS:
                if key in settings:
                    raise ConfigError(
                        f"'{where}.{key}' applies only to the page's model, but '{name}' is a"
                        " landscape experiment (it has 'function:'); remove the key"
                    )
            _check_vectors(settings, where)
            if "seeds" in settings and "noise" not in settings:
                raise ConfigError(
                    f"'{where}.seeds': a landscape experiment starts every run from its one"
                    " start ('start:' or the function's own), so seeds apply only to its"
                    " gradient noise ('noise: {sigma: 1.0}'); compare settings with a 'grid'"
                    " instead"
                )
            if "noise" in settings and "tune" in settings:
                raise ConfigError(
                    f"'{where}.noise': tuning a landscape under gradient noise is not built"
                    " yet (its trials have one start and no seeds); remove 'noise' or 'tune'"
                )
            _check_landscape(where, config, name)
        else:
            for key in LANDSCAPE_ONLY_KEYS:
                if key in settings:
                    raise ConfigError(
                        f"'{where}.{key}' applies only to landscape experiments (with"
                        f" 'function:'); {DENSE_INSTEAD[key]}"
                    )
            settings.setdefault("use_bias", True)
            dense.append(name)
    missing = [name for name in dense if "data" not in config["experiments"][name]]
    if missing and "data" not in config:
        raise ConfigError(
            f"'data' is missing: experiment{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            f" train{'' if len(missing) > 1 else 's'} the page's model, which needs training samples, e.g."
            " data: {x: [[1.0]], y: [[0.0, 1.0, 0.0]]} (a config of only landscape"
            " experiments, with 'function:', needs none)"
        )
    return dense


def _check_landscape(where: str, config: dict[str, Any], experiment: str) -> None:
    function = config["experiments"][experiment]["function"]
    if isinstance(function, str) or "name" in function:
        name = function if isinstance(function, str) else function["name"]
        if name not in BUILT_IN:
            raise ConfigError(
                f"'{where}.function': unknown function {name!r}.{did_you_mean(name, BUILT_IN)}"
                f" Built in: {', '.join(BUILT_IN)}; or write"
                " {formula: ..., domain: ..., start: ...}"
            )
        arguments = (
            {} if isinstance(function, str) else {k: v for k, v in function.items() if k != "name"}
        )
        if arguments and name not in BUILT_IN_ARGUMENTS:
            raise ConfigError(
                f"'{where}.function': {name} takes no arguments, got {sorted(arguments)}"
                f" (only {', '.join(BUILT_IN_ARGUMENTS)} does)"
            )
    landscape = spec_landscape(problem_spec(config, experiment))
    try:
        tree = parse_formula(landscape.formula)
    except FormulaError as error:
        raise ConfigError(f"'{where}.function.formula': {error}") from None
    for axis, (low, high) in zip("xy", landscape.domain, strict=True):
        if not low < high:
            raise ConfigError(
                f"'{where}.domain' (or the function's): the {axis} range must be increasing"
                f" ([low, high]), got {[low, high]}"
            )
    (x0, x1), (y0, y1) = landscape.domain
    x, y = landscape.start
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise ConfigError(
            f"'{where}.start' = {list(landscape.start)} lies outside the plotted domain"
            f" {[list(axis) for axis in landscape.domain]}; move it or widen 'domain'"
        )
    value = value_at(tree, x, y)
    if not math.isfinite(value):
        raise ConfigError(
            f"'{where}.function': the function is not finite at the start"
            f" {list(landscape.start)} (it is {value}); choose another start"
        )


DEFAULT_TUNE_SEEDS = 5


@dataclass(frozen=True)
class Tuning:
    """An experiment's `tune:` section, checked."""

    grid: LearningRateGrid
    seeds: list[int | None]  # [None] on a landscape: its one start
    objective: str  # final_distance or final_gap on a landscape
    target: float | None
    optimizers_per_job: int | None = None  # how the trials split into jobs

    def to_params(self) -> dict[str, Any]:
        """The protocol, as a tuned run's `meta` records it (not how it was split)."""
        return {
            "learning_rate_grid": {
                "min": self.grid.low,
                "max": self.grid.high,
                "points": self.grid.points,
            },
            "seeds": self.seeds,
            "objective": self.objective,
            "target": self.target,
        }


def experiment_tuning(
    settings: dict[str, Any], tune: dict[str, Any] | None = None
) -> Tuning | None:
    """The experiment's tuning (checked by check_config), or None; `tune`: a
    section other than the experiment's own (an entry's `tuned:` record)."""
    tune = settings.get("tune") if tune is None else tune
    if tune is None:
        return None
    rates = tune["learning_rate"]
    grid = LearningRateGrid(float(rates["min"]), float(rates["max"]), int(rates["points"]))
    per_job = tune.get("optimizers_per_job")
    if is_landscape(settings):
        landscape = spec_landscape({"function": settings["function"]})
        objective = "final_distance" if landscape.minima else "final_gap"
        return Tuning(grid, [None], objective, None, per_job)
    seeds = list(range(tune.get("seeds", DEFAULT_TUNE_SEEDS)))
    return Tuning(grid, seeds, tune.get("objective", "final_loss"), tune.get("target"), per_job)


def _check_tune_section(where: str, settings: dict[str, Any], tune: dict[str, Any]) -> None:
    """The checks of a `tune:` section (an experiment's, or an entry's `tuned:` record)."""
    if is_landscape(settings):
        for key in ("seeds", "objective", "target"):
            if key in tune:
                why = (
                    "seeds do not apply to a landscape's fixed start"
                    if key == "seeds"
                    else "a landscape's objective is the final distance to the nearest"
                    " minimum (the gap to the lowest value in view without one)"
                )
                raise ConfigError(f"'{where}.{key}': {why}; remove the key")
    try:
        experiment_tuning(settings, tune)
    except ValueError as error:
        raise ConfigError(f"'{where}.learning_rate': {error}") from None
    objective = tune.get("objective", "final_loss")
    if objective not in OBJECTIVES:
        raise ConfigError(
            f"'{where}.objective': unknown objective {objective!r}."
            f"{did_you_mean(objective, OBJECTIVES)} Allowed: {', '.join(OBJECTIVES)}"
        )
    if objective == "epochs_to_target" and "target" not in tune:
        raise ConfigError(f"'{where}': the objective epochs_to_target needs a 'target' loss")


def _check_tune(config: dict[str, Any], experiment: str) -> None:
    settings = config["experiments"][experiment]
    for index, entry in enumerate(settings["optimizers"]):
        if isinstance(entry, dict) and "tuned" in entry:
            _check_tuned_entry(f"experiments.{experiment}.optimizers[{index}]", settings, entry)
    tune = settings.get("tune")
    if tune is None:
        return
    where = f"experiments.{experiment}.tune"
    if "seeds" in settings and not is_landscape(settings):
        raise ConfigError(
            f"'experiments.{experiment}.seeds': a tuned experiment's runs use the seeds of"
            f" '{where}.seeds'; remove one of them"
        )
    _check_tune_section(where, settings, tune)
    for index, entry in enumerate(settings["optimizers"]):
        if not isinstance(entry, dict):
            continue
        entry_where = f"experiments.{experiment}.optimizers[{index}]"
        if "learning_rate" in entry and not is_schedule(entry["learning_rate"]):
            raise ConfigError(
                f"'{entry_where}.learning_rate' is set by hand, but '{where}' tunes it;"
                " remove one of them (a schedule may stay: the grid's rates are its peaks)"
            )
        if "learning_rate" in entry.get("grid", {}):
            raise ConfigError(
                f"'{entry_where}.grid.learning_rate': '{where}' grids the learning rate"
                " itself; remove it from 'grid' (a grid over other arguments may stay: each"
                " of its settings is tuned on its own)"
            )


def _check_tuned_entry(where: str, settings: dict[str, Any], entry: dict[str, Any]) -> None:
    """An entry pasted from a tuned.yaml: its `tuned:` records the tuning that
    chose its learning rate (legends say `best of 32`)."""
    if "tune" in settings:
        raise ConfigError(
            f"'{where}.tuned' records an earlier tuning, but the experiment tunes again"
            " ('tune:'); remove 'tuned'"
        )
    rate = entry.get("learning_rate")
    if (not isinstance(rate, (int, float)) or isinstance(rate, bool)) and not is_schedule(rate):
        raise ConfigError(
            f"'{where}.tuned' records how 'learning_rate' was chosen, so the entry needs"
            f" 'learning_rate' as a number or a schedule, got {short_repr(rate)}"
        )
    if not isinstance(entry["tuned"], dict) or "learning_rate" not in entry["tuned"]:
        raise ConfigError(
            f"'{where}.tuned' = {entry['tuned']!r} must be a tune section as tuned.yaml"
            " writes it: {learning_rate: {min, max, points}, seeds, objective}"
        )
    _check_tune_section(f"{where}.tuned", settings, entry["tuned"])


def _check_trajectory_axes(config: dict[str, Any], experiment: str) -> None:
    axes = config["experiments"][experiment].get("trajectory", {}).get("axes")
    if axes is None:
        return
    variables = spec_variables(problem_spec(config, experiment))
    where = f"experiments.{experiment}.trajectory.axes"
    try:
        indices = [weight_index(name, variables) for name in axes]
    except ValueError as error:
        raise ConfigError(f"'{where}': {error}") from None
    if indices[0] == indices[1]:
        raise ConfigError(f"'{where}' names the same weight twice: {axes}")


def parse_optimizer(
    where: str, entry: str | dict[str, Any], table: dict[str, dict[str, Any]]
) -> tuple[str, str, dict[str, Any]]:
    """(class name, label, Keras arguments) of one optimizer entry."""
    if isinstance(entry, str):
        entry = {"name": entry}
    name = entry["name"]
    by_lower = {n.lower(): n for n in table}
    if name.lower() not in by_lower:
        raise ConfigError(
            f"'{where}.name': unknown optimizer {name!r}.{did_you_mean(name, table)}"
            f" Allowed: {', '.join(table)}"
        )
    class_name = by_lower[name.lower()]
    label = entry.get("label", class_name.lower())
    arguments = {k: v for k, v in entry.items() if k not in ("name", "label")}
    allowed = table[class_name]
    for argument, value in arguments.items():
        if argument not in allowed:
            raise ConfigError(
                f"'{where}': {class_name} takes no argument {argument!r}."
                f"{did_you_mean(argument, allowed)} Allowed: name, label, {', '.join(allowed)}"
            )
        check_argument(f"{where}.{argument}", class_name, argument, value)
    clipping = [name for name in CLIPPING if arguments.get(name) is not None]
    if len(clipping) > 1:
        raise ConfigError(
            f"'{where}': {' and '.join(clipping)} are both set; Keras clips in one way at a"
            f" time, so keep one of {', '.join(CLIPPING)}"
        )
    return class_name, label, arguments


def check_argument(where: str, class_name: str, argument: str, value: Any) -> None:
    """Refuse a value that `argument` does not really take (ARGUMENT_TYPES)."""
    if argument == "learning_rate" and is_schedule(value):
        check_schedule(where, value)
        return
    kind = argument_type(class_name, argument)
    if argument == "learning_rate" and isinstance(value, str) and ".grid." not in where:
        named = value if value in SCHEDULES else "CosineDecay"
        hint = "" if value in SCHEDULES else did_you_mean(value, SCHEDULES)
        raise ConfigError(
            f"'{where}' = {short_repr(value)} is text: a learning rate is a number in"
            f" (0, 1e+06], or a schedule written as a mapping, e.g. {{schedule: {named},"
            f" initial_learning_rate: 0.1, decay_steps: 100}}.{hint} Schedules:"
            f" {', '.join(SCHEDULES)}"
        )
    if not kind.accepts(value):
        raise ConfigError(
            f"'{where}' = {short_repr(value)} has the wrong type or range: {class_name}'s"
            f" {argument} takes {kind.describe()}"
        )


# Folders of a working directory that hold what the workflow reads (its code,
# its config, the site's sources): results and published files stay out of
# them, so that no config can overwrite the workflow or its config.
PROTECTED_FOLDERS = ("config", "workflow", "scripts", "profiles", "tests")


def _check_not_protected(where: str, folder: str, protected: Iterable[str]) -> None:
    top = folder.split("/")[0]
    if top in protected:
        raise ConfigError(
            f"'{where}' = {short_repr(folder)} is inside {top}/, which holds what the"
            f" workflow reads; choose a folder outside {', '.join(f'{p}/' for p in protected)}"
        )


def _inside(folder: str, other: str) -> bool:
    return folder == other or folder.startswith(f"{other}/")


def check_paths(config: dict[str, Any]) -> None:
    """The folders a config names stay inside the working directory and out
    of the workflow's own folders, and every published name is a relative
    path of safe names with its result's suffix."""
    results = check_relative_path("results_dir", config["results_dir"], "folder")
    check_inside("results_dir", results)
    _check_not_protected("results_dir", results, (*PROTECTED_FOLDERS, "docs"))
    publish = config.get("publish")
    if publish is None:
        return
    folder = check_relative_path("publish.dir", publish["dir"], "folder")
    check_inside("publish.dir", folder)
    _check_not_protected("publish.dir", folder, PROTECTED_FOLDERS)
    if _inside(folder, results) or _inside(results, folder):
        raise ConfigError(
            f"'publish.dir' = {short_repr(folder)} and 'results_dir' = {short_repr(results)}"
            " overlap: publishing would overwrite results, or results the published files"
        )
    for name, source in publish["files"].items():
        where = f"publish.files.{name}"
        check_relative_path(where, name, "file")
        if Path(name).suffix != Path(source).suffix:
            raise ConfigError(
                f"'{where}': a published file keeps its result's suffix"
                f" ({Path(source).suffix or 'none'}), got {short_repr(name)}"
            )
        compound = next((s for s in COMPOUND_SUFFIXES if name.endswith(s)), None)
        if compound is not None and not source.endswith(compound):
            raise ConfigError(
                f"'{where}': a name ending in {compound} is what the workflow publishes beside"
                f" an animation's GIF (name.gif, {', '.join(COMPANION_SUFFIXES)}); a"
                f" {Path(source).suffix} figure needs a name without {compound}"
            )
        if is_dark_variant(name):
            raise ConfigError(
                f"'{where}': a name like {short_repr(name)} is the dark variant that the"
                " workflow publishes beside each figure (name.dark.ext); choose another name"
            )


def check_config(config: dict[str, Any]) -> dict[str, list[Run]]:
    """Validate `config` in place (filling defaults); raise ConfigError on the first problem.

    Returns the runs of each experiment, which validating them expanded.
    """
    if not isinstance(config, dict):
        raise ConfigError(
            f"the config must be a mapping of keys to values, got {short_repr(config)}"
        )
    check_tree(config)  # first: every later check walks it
    schema = load_schema()
    check_schema(config, schema)
    apply_defaults(config, schema)
    check_paths(config)
    for experiment in config["experiments"]:
        check_name(f"experiments.{experiment}", experiment, "experiment name")
    dense = _check_experiment_kinds(config)
    for experiment in config["experiments"]:
        _check_tune(config, experiment)
    shapes = data_shapes(config)
    if dense:
        for experiment in dense:
            _check_trajectory_axes(config, experiment)
    frames = config["frames"]
    low, high = frames["ylim"]
    if not low < high:
        raise ConfigError(f"'frames.ylim' must be increasing ([low, high]), got {[low, high]}")
    runs_by_experiment = experiment_runs(config, shapes)  # checks names, arguments, labels
    for experiment, runs in runs_by_experiment.items():
        animated_runs(config, experiment, runs)
        _check_explorer(config, experiment)
        _check_phase(config, experiment)
    _check_sizes(config, runs_by_experiment, shapes)
    for experiment, settings in config["experiments"].items():
        count = frame_count(settings["epochs"], frames["every"])
        if count > frames["max_frames"]:
            needed = math.ceil(settings["epochs"] / (frames["max_frames"] - 1))
            raise ConfigError(
                f"'experiments.{experiment}' would animate {count} frames, more than"
                f" 'frames.max_frames' = {frames['max_frames']}; set 'frames.every' to"
                f" {needed} or more"
            )
    _check_work(config, runs_by_experiment, shapes)
    return runs_by_experiment


def _check_explorer(config: dict[str, Any], experiment: str) -> None:
    """An explorer needs runs to move between (a grid, tuning trials or
    seeds), and puts each grid argument on a slider: numbers only."""
    settings = config["experiments"][experiment]
    if not settings.get("explorer"):
        return
    where = f"experiments.{experiment}.explorer"
    grids = [grid for grid in entry_grids(settings) if grid]
    if not grids and "tune" not in settings and len(experiment_seeds(settings)) < 2:
        raise ConfigError(
            f"'{where}' = true: an explorer moves between runs, but experiment {experiment!r}"
            " has no grid, no tune section and fewer than two seeds; give an optimizer entry a"
            " 'grid' (e.g. {name: Adam, grid: {learning_rate: [0.001, 0.01, 0.1]}}), a 'tune'"
            " section or 'seeds'"
        )
    for grid in grids:
        for argument, values in grid.items():
            wrong = [v for v in values if not is_numeric([v])]
            if wrong:
                raise ConfigError(
                    f"'{where}' = true: grid argument {argument!r} has the value"
                    f" {short_repr(wrong[0])}, which a slider cannot place; the explorer's"
                    " sliders take numbers only (set explorer: false, or grid numbers)"
                )


def experiment_seeds(settings: dict[str, Any]) -> list[int | None]:
    """The experiment's seeds: a list, or {count, start}; a tuned experiment's
    tuning seeds; [None] without seeds."""
    tuning = experiment_tuning(settings)
    if tuning is not None:
        return tuning.seeds
    seeds = settings.get("seeds")
    if seeds is None:
        return [None]
    if isinstance(seeds, dict):
        return list(range(seeds.get("start", 0), seeds.get("start", 0) + seeds["count"]))
    return list(seeds)


def is_numeric(values: list[Any]) -> bool:
    """Whether grid values can be an axis: numbers, not booleans."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def sensitivity_argument(settings: dict[str, Any]) -> str | None:
    """The grid argument a sensitivity plot puts on its x axis: the experiment's
    first grid argument whose values are all numbers (None: no plot)."""
    for grid in entry_grids(settings):
        for argument, values in grid.items():
            if is_numeric(values):
                return argument
    return None


def phase_arguments(settings: dict[str, Any]) -> tuple[str, str] | None:
    """The two arguments of a phase map (figures/phase.py), None: no map.

    The experiment's `phase` where it names them (checked by _check_phase),
    none where it is false. Else a sweep's: the first two numeric grid
    arguments of the first entry whose grid has two. A tuned experiment's:
    the learning rate (the tuning's grid) and the first numeric argument of
    an entry's grid, each of whose values is tuned on its own.
    """
    chosen = settings.get("phase")
    if chosen is False:
        return None
    if chosen is not None:
        return (chosen[0], chosen[1])
    wanted = 1 if "tune" in settings else 2
    for grid in entry_grids(settings):
        numeric = [argument for argument, values in grid.items() if is_axis(values)]
        if len(numeric) >= wanted:
            return ("learning_rate", numeric[0]) if wanted == 1 else (numeric[0], numeric[1])
    return None


def entry_grids(settings: dict[str, Any]) -> list[dict[str, list[Any]]]:
    """The grid of each optimizer entry ({} for an entry without one)."""
    return [
        entry.get("grid", {}) if isinstance(entry, dict) else {} for entry in settings["optimizers"]
    ]


def is_axis(values: list[Any]) -> bool:
    """Whether grid values can span a map's axis: two or more numbers."""
    return len(values) > 1 and is_numeric(values)


def _check_phase(config: dict[str, Any], experiment: str) -> None:
    """A map that `phase` names: numeric grid arguments with two or more
    values each, both in one entry's grid (a sweep), or the learning rate
    against one (a tuned experiment, whose tuning grids the rate)."""
    settings = config["experiments"][experiment]
    chosen = settings.get("phase")
    if not chosen:
        return
    where = f"experiments.{experiment}.phase"
    grids = entry_grids(settings)
    axes = list(dict.fromkeys(a for grid in grids for a, values in grid.items() if is_axis(values)))
    allowed = ", ".join(axes) if axes else "none: give an optimizer entry a 'grid' of numbers"
    tuned = "tune" in settings
    if tuned and chosen[0] != "learning_rate":
        raise ConfigError(
            f"'{where}[0]' = {short_repr(chosen[0])}: a tuned experiment's map puts the"
            " tuning's learning rates across, so it must be 'learning_rate'"
            f" (e.g. phase: [learning_rate, {axes[0] if axes else 'momentum'}])"
        )
    for index, argument in enumerate(chosen[1:] if tuned else chosen, start=int(tuned)):
        found = [grid[argument] for grid in grids if argument in grid]
        if any(is_axis(values) for values in found):
            continue
        if not found:
            problem = "is not a grid argument of any optimizer entry"
        elif not is_numeric(found[0]):
            problem = f"has the grid values {short_repr(found[0])}, not all numbers"
        else:
            problem = f"has one grid value, {short_repr(found[0][0])}"
        raise ConfigError(
            f"'{where}[{index}]' = {short_repr(argument)} {problem}; a map's axes are grid"
            f" arguments with two or more numbers (here: {allowed})"
        )
    if not tuned and not any(all(is_axis(grid.get(a, [])) for a in chosen) for grid in grids):
        raise ConfigError(
            f"'{where}' = {short_repr(chosen)}: no optimizer entry's grid has both; a map's"
            " cells are runs of one entry at each pair of values"
        )


def expand_entry(
    where: str,
    experiment: str,
    settings: dict[str, Any],
    entry: str | dict[str, Any],
    seeds: list[int | None],
    table: dict[str, dict[str, Any]],
    samples: int | None = None,
) -> list[Run]:
    """The runs of one optimizer entry: its grid times the experiment's seeds.

    `samples`: how many samples the page's model trains on (its runs'
    `batch_size` must not exceed it); None for a landscape.
    """
    grid = entry.get("grid", {}) if isinstance(entry, dict) else {}
    # How runs train (TRAINING_SETTINGS): key -> (value, where the config sets it).
    training = {
        key: (settings[key], f"experiments.{experiment}.{key}")
        for key in TRAINING_SETTINGS
        if key in settings
    }
    tuned = None
    if isinstance(entry, dict):
        record = experiment_tuning(settings, entry["tuned"]) if "tuned" in entry else None
        if record is not None:  # pasted from a tuned.yaml: as the tuning's own runs record it
            tuned = {"learning_rate": peak_rate(entry["learning_rate"]), **record.to_params()}
        for key in TRAINING_SETTINGS:
            if key in entry:
                training[key] = (entry[key], f"{where}.{key}")
        entry = {
            key: value
            for key, value in entry.items()
            if key not in ("grid", "tuned", *TRAINING_SETTINGS)
        }
    class_name, label, arguments = parse_optimizer(where, entry, table)
    for argument, values in grid.items():
        if any(is_schedule(value) for value in values):
            raise ConfigError(
                f"'{where}.grid.{argument}': a grid's values are numbers or names; a"
                " schedule goes in the entry's own 'learning_rate'"
            )
        if argument in arguments or (
            argument in training and training[argument][1] == f"{where}.{argument}"
        ):
            raise ConfigError(
                f"'{where}': {argument!r} is both fixed and in 'grid'; keep one of them"
            )
        for value in values:  # checked like fixed arguments
            if argument in TRAINING_SETTINGS:  # with the entry's other setting, if fixed
                run_batch(training | {argument: (value, f"{where}.grid.{argument}")}, samples)
            else:
                parse_optimizer(f"{where}.grid", {"name": class_name, argument: value}, table)
    runs = []
    for combination in itertools.product(*grid.values()):
        values = dict(zip(grid, combination, strict=True))
        setting = setting_name(label, values)
        # Each setting of a tuned entry has a learning rate of its own: it is
        # drawn as an optimizer of its own (Run.entry gives the entry back).
        family = setting if "tune" in settings else label
        batch_size, shuffle = run_batch(
            training
            | {
                key: (value, f"{where}.grid.{key}")
                for key, value in values.items()
                if key in TRAINING_SETTINGS
            },
            samples,
        )
        optimizer_values = {k: v for k, v in values.items() if k not in TRAINING_SETTINGS}
        for seed in seeds:
            runs.append(
                Run(
                    experiment,
                    setting if seed is None else f"{setting}-s{seed}",
                    class_name,
                    {**arguments, **optimizer_values},
                    seed,
                    setting,
                    family,
                    values,
                    tuned,
                    batch_size,
                    shuffle,
                )
            )
    return runs


def run_batch(training: dict[str, tuple[Any, str]], samples: int | None) -> tuple[int | None, bool]:
    """A run's (batch_size, shuffle) from the TRAINING_SETTINGS that apply to
    it: (None, False) for full-batch training (every sample, in their order)."""
    if not training:
        return None, False
    if samples is None:
        _, at = next(iter(training.values()))
        raise ConfigError(
            f"'{at}' applies only to the page's model, but a landscape experiment has no"
            " samples to batch (it has 'function:'); remove the key"
        )
    size, size_at = training.get("batch_size", (None, ""))
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(
                f"'{size_at}' = {short_repr(size)} must be a positive whole number of samples"
            )
        if size > samples:
            raise ConfigError(
                f"'{size_at}' = {size} is larger than the data's {samples} sample(s); at most"
                f" {samples} (every sample: one full-batch update per epoch)"
            )
    shuffle, shuffle_at = training.get("shuffle", (None, ""))
    if shuffle is not None and not isinstance(shuffle, bool):
        raise ConfigError(f"'{shuffle_at}' = {short_repr(shuffle)} must be true or false")
    minibatch = size is not None and size < samples
    if shuffle and not minibatch:
        raise ConfigError(
            f"'{shuffle_at}' = true, but the runs train full-batch (one update per epoch on"
            f" all {samples} sample(s)); shuffling applies to minibatches: set 'batch_size'"
            f" below {samples}, or remove 'shuffle'"
        )
    if not minibatch:
        return None, False
    return size, True if shuffle is None else shuffle


# Folders under results/ that are not experiments.
RESERVED_NAMES = {"site": "the documentation site (`snakemake --cores 4 docs`)"}


def experiment_runs(
    config: dict[str, Any], shapes: dict[str, DataShape] | None = None
) -> dict[str, list[Run]]:
    """Experiment name -> its runs, in config order (grid, then seeds, innermost).

    `shapes`: each page's-model experiment's samples (`data_shapes`; read
    again if None).
    """
    if shapes is None:
        shapes = data_shapes(config)
    table = load_optimizer_table()
    runs: dict[str, list[Run]] = {}
    total = 0
    for experiment, settings in config["experiments"].items():
        if experiment in RESERVED_NAMES:
            raise ConfigError(
                f"'experiments.{experiment}': results/{experiment}/ holds"
                f" {RESERVED_NAMES[experiment]}; name the experiment differently"
            )
        names: dict[str, str] = {}
        seeds = experiment_seeds(settings)
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"'experiments.{experiment}.seeds' repeats a seed: {seeds}")
        runs[experiment] = []
        for index, entry in enumerate(settings["optimizers"]):
            where = f"experiments.{experiment}.optimizers[{index}]"
            samples = shapes[experiment].samples if experiment in shapes else None
            for run in expand_entry(where, experiment, settings, entry, seeds, table, samples):
                check_name(where, run.label, "folder name for a run (its label and grid values)")
                if run.label in names:
                    raise ConfigError(
                        f"'{where}': run name {run.label!r} is already used by"
                        f" {names[run.label]}; give one of them a distinct 'label'"
                    )
                names[run.label] = where
                runs[experiment].append(run)
        tuning = experiment_tuning(settings)
        # A tuned experiment trains every run at every grid point (its trials).
        total += len(runs[experiment]) * (tuning.grid.points if tuning else 1)
    max_runs = config.get("max_runs", 5000)
    if total > max_runs:
        counts = ", ".join(f"{e}: {len(r)}" for e, r in runs.items())
        raise ConfigError(
            f"the experiments would train {total} runs ({counts}), more than"
            f" 'max_runs' = {max_runs}; shrink a grid or the seeds, or raise 'max_runs'"
        )
    return runs


def animated_runs(config: dict[str, Any], experiment: str, runs: list[Run]) -> list[Run]:
    """The runs that get frames, GIFs and their own loss plot.

    `animate:` names them; by default, the first seed of every setting.
    """
    chosen = config["experiments"][experiment].get("animate")
    if chosen is None:
        first_seed = experiment_seeds(config["experiments"][experiment])[0]
        return [run for run in runs if run.seed == first_seed]
    by_name = {run.label: run for run in runs}
    for name in chosen:
        if name not in by_name:
            raise ConfigError(
                f"'experiments.{experiment}.animate': no run named {name!r}."
                f"{did_you_mean(name, by_name)} Runs are named like {runs[0].label!r}"
            )
    return [run for run in runs if run.label in set(chosen)]


def training_chunks(config: dict[str, Any], experiment: str, runs: list[Run]) -> list[list[Run]]:
    """The runs of each training job: all of them, or `runs_per_job` at a time.

    A chunk never mixes optimizer names when it is cut, so that each chunk's
    runs can share compiled graphs.
    """
    size = config["experiments"][experiment].get("runs_per_job")
    if size is None:
        return [runs]
    chunks: list[list[Run]] = []
    for _, group in itertools.groupby(runs, key=lambda run: run.optimizer):
        group = list(group)
        chunks += [group[i : i + size] for i in range(0, len(group), size)]
    return chunks


def check_yaml_syntax(path: str | Path) -> None:
    """Refuse a config file that is not plain YAML, naming the place (see
    safety.check_yaml_file), or that is too big or too deep.

    Walked here as well as in check_config, before `configfile:` loads the
    file: Snakemake merges a loaded config into its own mapping by mapping,
    so nine levels of aliased mappings would take it 10^9 steps first.
    """
    check_tree(check_yaml_file(path))


def check_publish(config: dict[str, Any], results: Iterable[str], results_dir: str) -> None:
    """Every published file must be a result of this config."""
    available = sorted(path.removeprefix(f"{results_dir}/") for path in results)
    for name, source in config.get("publish", {}).get("files", {}).items():
        if source not in available:
            raise ConfigError(
                f"'publish.files.{name}' = {source!r} is not a result of this config"
                f" (a path under {results_dir}/).{did_you_mean(source, available)}"
                f" Results include: {', '.join(p for p in available if not p.endswith('.npz'))[:400]}..."
            )


def tuning_chunks(config: dict[str, Any], experiment: str, runs: list[Run]) -> list[list[Run]]:
    """The runs of each tuning job: whole optimizer entries (every seed), all of
    them or `tune.optimizers_per_job` entries at a time, so that each job can
    choose its entries' learning rates and write their chosen runs."""
    tuning = experiment_tuning(config["experiments"][experiment])
    assert tuning is not None
    families = [list(group) for _, group in itertools.groupby(runs, key=lambda run: run.entry)]
    size = tuning.optimizers_per_job or len(families)
    return [
        list(itertools.chain.from_iterable(families[i : i + size]))
        for i in range(0, len(families), size)
    ]
