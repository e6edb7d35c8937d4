"""The table of Keras optimizers and their constructor arguments.

The workflow validates optimizer entries against ``keras_optimizers.json``
instead of importing Keras, because importing TensorFlow costs ~2.5 s on every
``snakemake`` invocation, even a dry run. ``tests/test_keras_optimizers.py``
keeps the table equal to what the installed Keras offers; regenerate it with
``python -m optimizer_animations.training.keras_optimizers``.
"""

import inspect
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("keras_optimizers.json")

# Wrappers around other optimizers: they cannot be built from a name alone.
WRAPPERS = {"LossScaleOptimizer", "MultiOptimizer"}
# Set by the workflow (the run's label), never by the user.
RESERVED_ARGUMENTS = {"name"}


def installed_optimizer_table() -> dict[str, dict[str, Any]]:
    """Map each built-in Keras optimizer class name to its arguments' defaults."""
    from keras import optimizers

    table: dict[str, dict[str, Any]] = {}
    for class_name in sorted(dir(optimizers)):
        cls = getattr(optimizers, class_name)
        if (
            not inspect.isclass(cls)
            or not issubclass(cls, optimizers.Optimizer)
            or cls is optimizers.Optimizer
            or class_name in WRAPPERS
        ):
            continue
        parameters = inspect.signature(cls.__init__).parameters.values()
        table[class_name] = {
            p.name: p.default
            for p in parameters
            if p.name != "self"
            and p.name not in RESERVED_ARGUMENTS
            and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
    return table


def load_optimizer_table() -> dict[str, dict[str, Any]]:
    return json.loads(TABLE_PATH.read_text())


@dataclass(frozen=True)
class ArgumentType:
    """What one Keras optimizer argument really takes, from Keras's docstrings
    and its constructors' own checks: a kind, bounds, and whether `null`
    (Keras's "off") is allowed. Bounds keep every value where the arithmetic
    is meaningful in float32 and where Keras's constructor does not raise."""

    kind: str  # "float", "int", "bool" or "names" (a list of layer names)
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low itself excluded
    high_open: bool = False
    nullable: bool = False

    def describe(self) -> str:
        if self.kind == "bool":
            text = "true or false"
        elif self.kind == "names":
            text = (
                f"a list of at most {MAX_NAMES} layer names of at most {MAX_NAME_LENGTH} characters"
            )
        else:
            text = "a number" if self.kind == "float" else "a whole number"
            if self.low is not None and self.high is not None:
                text += (
                    f" in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}"
                    f"{')' if self.high_open else ']'}"
                )
        return text + (" or null (off)" if self.nullable else "")

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "names":
            return (
                isinstance(value, list)
                and len(value) <= MAX_NAMES
                and all(
                    isinstance(v, str) and 0 < len(v) <= MAX_NAME_LENGTH and v.isprintable()
                    for v in value
                )
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        low_ok = self.low is None or (value > self.low if self.low_open else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return low_ok and high_ok

    def keras_value(self, value: Any) -> Any:
        """The value as Keras wants it: a float argument as a float (SGD
        refuses `momentum: 1` written as an integer)."""
        is_int = isinstance(value, int) and not isinstance(value, bool)
        return float(value) if self.kind == "float" and is_int else value


MAX_NAMES = 16
MAX_NAME_LENGTH = 128
# Rates, decays and scales: far beyond any useful value, well inside float32.
LARGE = 1e6
UNIT = ArgumentType("float", 0.0, 1.0)  # a decay or momentum in [0, 1]
DECAY = ArgumentType("float", 0.0, 1.0, high_open=True)  # a moment decay: 1 divides by zero
POSITIVE = ArgumentType("float", 0.0, LARGE, low_open=True)
NON_NEGATIVE = ArgumentType("float", 0.0, LARGE)
OPTIONAL_POSITIVE = ArgumentType("float", 0.0, LARGE, low_open=True, nullable=True)
BOOL = ArgumentType("bool")

# Every argument of keras_optimizers.json, by name (the same name means the same
# thing in every class); tests/test_keras_optimizers.py checks that each has one.
ARGUMENT_TYPES: dict[str, ArgumentType] = {
    "learning_rate": POSITIVE,
    "beta_1": DECAY,
    "beta_2": DECAY,
    "adam_beta_1": DECAY,
    "adam_beta_2": DECAY,
    "rho": DECAY,
    "momentum": UNIT,
    "ema_momentum": UNIT,
    "epsilon": ArgumentType("float", 0.0, 1.0),
    "epsilon_1": ArgumentType("float", 0.0, 1.0),
    "epsilon_2": ArgumentType("float", 0.0, 1.0),
    "weight_decay": ArgumentType("float", 0.0, LARGE, nullable=True),
    "adam_weight_decay": NON_NEGATIVE,
    "clipnorm": OPTIONAL_POSITIVE,
    "clipvalue": OPTIONAL_POSITIVE,
    "global_clipnorm": OPTIONAL_POSITIVE,
    "loss_scale_factor": OPTIONAL_POSITIVE,
    "ema_overwrite_frequency": ArgumentType("int", 1, LARGE, nullable=True),
    "gradient_accumulation_steps": ArgumentType("int", 2, 10_000, nullable=True),
    "use_ema": BOOL,
    "amsgrad": BOOL,
    "centered": BOOL,
    "nesterov": BOOL,
    "relative_step": BOOL,
    "exclude_embeddings": BOOL,
    "exclude_layers": ArgumentType("names", nullable=True),
    # Ftrl refuses the other signs.
    "initial_accumulator_value": NON_NEGATIVE,
    "learning_rate_power": ArgumentType("float", -LARGE, 0.0),
    "l1_regularization_strength": NON_NEGATIVE,
    "l2_regularization_strength": NON_NEGATIVE,
    "l2_shrinkage_regularization_strength": NON_NEGATIVE,
    "beta": NON_NEGATIVE,
    "beta_2_decay": ArgumentType("float", -LARGE, 0.0),
    "clip_threshold": POSITIVE,
    "adam_lr_ratio": POSITIVE,
    "rms_rate": NON_NEGATIVE,
    "muon_a": ArgumentType("float", -100.0, 100.0),
    "muon_b": ArgumentType("float", -100.0, 100.0),
    "muon_c": ArgumentType("float", -100.0, 100.0),
    "ns_steps": ArgumentType("int", 0, 100),
    "warmup_steps": ArgumentType("int", 0, 1_000_000),
}
# Where a class takes less than the name's usual range.
CLASS_ARGUMENT_TYPES: dict[tuple[str, str], ArgumentType] = {
    # Lion: beta_1 = 0 would make it SignSGD, which Keras refuses.
    ("Lion", "beta_1"): ArgumentType("float", 0.0, 1.0, low_open=True),
}


def argument_type(class_name: str, argument: str) -> ArgumentType:
    return CLASS_ARGUMENT_TYPES.get((class_name, argument), ARGUMENT_TYPES[argument])


# Keras takes at most one of these (BaseOptimizer refuses two).
CLIPPING = ("clipnorm", "clipvalue", "global_clipnorm")


def keras_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """A checked entry's arguments as Keras's constructors want them: a
    schedule built by name (training/schedules.py)."""
    from optimizer_animations.training.schedules import is_schedule, keras_schedule

    return {
        name: keras_schedule(value)
        if is_schedule(value)
        else ARGUMENT_TYPES[name].keras_value(value)
        for name, value in arguments.items()
    }


if __name__ == "__main__":
    TABLE_PATH.write_text(json.dumps(installed_optimizer_table(), indent=1) + "\n")
    print(f"wrote {TABLE_PATH}")
