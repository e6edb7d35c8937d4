"""Learning-rate schedules as settings: a Keras schedule by class name and
arguments wherever a learning rate goes,

    learning_rate: {schedule: CosineDecay, initial_learning_rate: 0.1,
                    decay_steps: 400, warmup_steps: 20, warmup_target: 0.5}

checked against SCHEDULES (each argument's kind and range, as for an
optimizer's arguments) before any job, and built by name from
`keras.optimizers.schedules`, never by deserializing what a config wrote:
a config names no module or class beyond this table. A history's `meta`
keeps the schedule as Keras serializes it (inside the optimizer's config)
and as configured (its `arguments`).

No Keras import here: the workflow checks configs without TensorFlow;
tests/test_schedules.py keeps the table equal to the installed Keras.
"""

import itertools
import math
from dataclasses import dataclass
from typing import Any

from optimizer_animations.config.safety import ConfigError, did_you_mean, short_repr
from optimizer_animations.training.keras_optimizers import (
    BOOL,
    LARGE,
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    ArgumentType,
)

SCHEDULE_KEY = "schedule"
STEPS = ArgumentType("int", 1, 1_000_000_000)
OPTIONAL_STEPS = ArgumentType("int", 0, 1_000_000_000)
OPTIONAL_RATE = ArgumentType("float", 0.0, LARGE, low_open=True, nullable=True)
# PiecewiseConstantDecay's lists: at most this many pieces.
MAX_PIECES = 100


@dataclass(frozen=True)
class ScheduleArgument:
    kind: ArgumentType | str  # an ArgumentType, or "boundaries" / "values" (lists)
    required: bool = False


# Keras 3's schedules (keras/src/optimizers/schedules/learning_rate_schedule.py),
# each argument but `name`, which the workflow leaves at Keras's default.
SCHEDULES: dict[str, dict[str, ScheduleArgument]] = {
    "CosineDecay": {
        "initial_learning_rate": ScheduleArgument(POSITIVE, True),
        "decay_steps": ScheduleArgument(STEPS, True),
        "alpha": ScheduleArgument(UNIT),
        "warmup_target": ScheduleArgument(OPTIONAL_RATE),
        "warmup_steps": ScheduleArgument(OPTIONAL_STEPS),
    },
    "CosineDecayRestarts": {
        "initial_learning_rate": ScheduleArgument(POSITIVE, True),
        "first_decay_steps": ScheduleArgument(STEPS, True),
        "t_mul": ScheduleArgument(POSITIVE),
        "m_mul": ScheduleArgument(POSITIVE),
        "alpha": ScheduleArgument(UNIT),
    },
    "ExponentialDecay": {
        "initial_learning_rate": ScheduleArgument(POSITIVE, True),
        "decay_steps": ScheduleArgument(STEPS, True),
        "decay_rate": ScheduleArgument(POSITIVE, True),
        "staircase": ScheduleArgument(BOOL),
    },
    "InverseTimeDecay": {
        "initial_learning_rate": ScheduleArgument(POSITIVE, True),
        "decay_steps": ScheduleArgument(STEPS, True),
        "decay_rate": ScheduleArgument(NON_NEGATIVE, True),
        "staircase": ScheduleArgument(BOOL),
    },
    "PiecewiseConstantDecay": {
        "boundaries": ScheduleArgument("boundaries", True),
        "values": ScheduleArgument("values", True),
    },
    "PolynomialDecay": {
        "initial_learning_rate": ScheduleArgument(POSITIVE, True),
        "decay_steps": ScheduleArgument(STEPS, True),
        "end_learning_rate": ScheduleArgument(NON_NEGATIVE),
        "power": ScheduleArgument(POSITIVE),
        "cycle": ScheduleArgument(BOOL),
    },
}
# How a legend names them: "cosine, peak 0.1".
SCHEDULE_WORDS = {
    "CosineDecay": "cosine",
    "CosineDecayRestarts": "cosine restarts",
    "ExponentialDecay": "exponential",
    "InverseTimeDecay": "inverse time",
    "PiecewiseConstantDecay": "piecewise",
    "PolynomialDecay": "polynomial",
}


def is_schedule(value: Any) -> bool:
    return isinstance(value, dict)


def _check_list(where: str, kind: str, value: Any) -> None:
    whole = kind == "boundaries"
    fits = (
        isinstance(value, list)
        and 0 < len(value) <= MAX_PIECES + (0 if whole else 1)
        and all(
            (STEPS if whole else POSITIVE).accepts(v) and not (whole and isinstance(v, float))
            for v in value
        )
    )
    if not fits:
        what = (
            f"a list of at most {MAX_PIECES} increasing whole step numbers"
            if whole
            else f"a list of at most {MAX_PIECES + 1} learning rates in (0, {LARGE:g}]"
        )
        raise ConfigError(f"'{where}' = {short_repr(value)} must be {what}")
    if whole and any(b <= a for a, b in itertools.pairwise(value)):
        raise ConfigError(f"'{where}' = {short_repr(value)} must increase")


def check_schedule(where: str, value: dict[str, Any]) -> None:
    """Refuse a schedule that is not one of SCHEDULES with arguments it takes."""
    if SCHEDULE_KEY not in value:
        raise ConfigError(
            f"'{where}' is a mapping without '{SCHEDULE_KEY}': a schedule is written"
            f" {{{SCHEDULE_KEY}: CosineDecay, initial_learning_rate: 0.1, decay_steps: 400}};"
            " a serialized Keras object (module, class_name, config) is never loaded"
        )
    name = value.get(SCHEDULE_KEY)
    if not isinstance(name, str) or name not in SCHEDULES:
        hint = did_you_mean(name, SCHEDULES) if isinstance(name, str) else ""
        raise ConfigError(
            f"'{where}.{SCHEDULE_KEY}' = {short_repr(name)} is not a Keras learning-rate"
            f" schedule.{hint} Allowed: {', '.join(SCHEDULES)}"
        )
    allowed = SCHEDULES[name]
    for argument, given in value.items():
        if argument == SCHEDULE_KEY:
            continue
        if argument not in allowed:
            raise ConfigError(
                f"'{where}': {name} takes no argument {short_repr(argument)}."
                f"{did_you_mean(str(argument), allowed)} Allowed: {', '.join(allowed)}"
            )
        kind = allowed[argument].kind
        at = f"{where}.{argument}"
        if isinstance(kind, str):
            _check_list(at, kind, given)
        elif not kind.accepts(given):
            raise ConfigError(
                f"'{at}' = {short_repr(given)} has the wrong type or range: {name}'s"
                f" {argument} takes {kind.describe()}"
            )
    missing = [a for a, spec in allowed.items() if spec.required and a not in value]
    if missing:
        raise ConfigError(f"'{where}': {name} needs {', '.join(missing)}")
    if name == "PiecewiseConstantDecay" and len(value["values"]) != len(value["boundaries"]) + 1:
        raise ConfigError(
            f"'{where}.values' has {len(value['values'])} rate(s) for"
            f" {len(value['boundaries'])} boundaries: it needs one more rate than boundaries"
        )


def keras_schedule(value: dict[str, Any]) -> Any:
    """The Keras schedule of a checked `value`, its floats as floats."""
    from keras.optimizers import schedules

    name = value[SCHEDULE_KEY]
    arguments = {}
    for argument, given in value.items():
        if argument == SCHEDULE_KEY:
            continue
        kind = SCHEDULES[name][argument].kind
        if kind == "values" or (isinstance(kind, ArgumentType) and kind.kind == "float"):
            given = [float(v) for v in given] if isinstance(given, list) else given
            given = (
                float(given) if isinstance(given, int) and not isinstance(given, bool) else given
            )
        arguments[argument] = given
    return getattr(schedules, name)(**arguments)


def schedule_peak(value: dict[str, Any]) -> float:
    """The highest rate the schedule names: its warmup target, its start,
    its end or its largest piece (what the legend calls its peak)."""
    rates = [
        value.get(key)
        for key in ("initial_learning_rate", "warmup_target", "end_learning_rate")
        if isinstance(value.get(key), int | float)
    ]
    rates += list(value.get("values", []))
    return float(max(rates))


# The arguments that are learning rates (scaled together when `tune:` moves
# the peak); the others are steps, shapes or fractions of these.
RATE_ARGUMENTS = ("initial_learning_rate", "warmup_target", "end_learning_rate", "values")


def peak_rate(value: Any) -> float:
    """A learning rate as one number: a schedule's peak, or the rate itself."""
    return schedule_peak(value) if is_schedule(value) else float(value)


def scale_schedule(value: dict[str, Any], peak: float) -> dict[str, Any]:
    """The schedule of the same shape with its peak at `peak`: how `tune:`
    tunes a schedule. The arguments that equal the peak become `peak`
    exactly (a grid rate, so that tuning.csv and tuned.yaml name the rate
    the run trained with); the other rates are scaled by peak / old peak."""
    old = schedule_peak(value)

    def scaled(rate: Any) -> Any:
        if not isinstance(rate, int | float) or isinstance(rate, bool):
            return rate  # warmup_target: null
        return peak if float(rate) == old else float(rate) * (peak / old)

    return {
        key: ([scaled(r) for r in given] if isinstance(given, list) else scaled(given))
        if key in RATE_ARGUMENTS
        else given
        for key, given in value.items()
    }


def rate_words(value: Any) -> str:
    """A learning rate as a legend says it: `lr 0.01`, `cosine, peak 0.1`."""
    if is_schedule(value):
        return f"{SCHEDULE_WORDS[value[SCHEDULE_KEY]]}, peak {schedule_peak(value):.3g}"
    return f"lr {value:.3g}" if isinstance(value, int | float) and math.isfinite(value) else ""
