import json
import subprocess
import sys

import pytest

pytest.importorskip("keras")

from optimizer_animations.training.keras_optimizers import (
    ARGUMENT_TYPES,
    argument_type,
    installed_optimizer_table,
    keras_arguments,
    load_optimizer_table,
)


def test_table_equals_the_installed_keras():
    # If this fails after upgrading Keras, run `python scripts/keras_optimizers.py`.
    assert load_optimizer_table() == installed_optimizer_table()


def test_table_holds_the_page_optimizers_and_no_wrappers():
    table = load_optimizer_table()
    assert {"SGD", "Adam", "RMSprop"} <= set(table)
    assert "LossScaleOptimizer" not in table and "MultiOptimizer" not in table
    assert table["SGD"]["learning_rate"] == 0.01
    assert all("name" not in arguments for arguments in table.values())


def test_every_argument_has_a_type_that_takes_its_keras_default():
    for class_name, arguments in load_optimizer_table().items():
        for argument, default in arguments.items():
            assert argument in ARGUMENT_TYPES, f"{class_name}.{argument} has no type"
            kind = argument_type(class_name, argument)
            assert kind.accepts(default), (class_name, argument, default)


def boundary_values(kind):
    """The closed ends of a numeric range, which Keras must accept."""
    values = []
    if kind.low is not None and not kind.low_open:
        values.append(kind.low)
    if kind.high is not None and not kind.high_open:
        values.append(kind.high)
    return [int(v) if kind.kind == "int" else v for v in values]


# In a process of its own: building an optimizer starts TensorFlow, whose
# thread settings the training tests must still be able to make.
BUILD_EACH = """
import json, sys
import keras
failures = []
for class_name, arguments in json.load(sys.stdin):
    try:
        getattr(keras.optimizers, class_name)(**arguments)
    except Exception as error:
        failures.append([class_name, arguments, str(error)])
print(json.dumps(failures))
"""


def test_keras_builds_every_optimizer_at_the_ends_of_every_allowed_range():
    cases = []
    for class_name, arguments in load_optimizer_table().items():
        for argument in arguments:
            kind = argument_type(class_name, argument)
            # EMA's arguments are only checked by Keras when EMA is on.
            extra = {"use_ema": True} if argument.startswith("ema_") else {}
            for value in boundary_values(kind):
                assert kind.accepts(value)
                cases.append([class_name, keras_arguments({argument: value, **extra})])
    assert len(cases) > 100
    built = subprocess.run(
        [sys.executable, "-c", BUILD_EACH],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(built.stdout.splitlines()[-1]) == []  # what Keras refused, and why


def test_types_refuse_text_for_numbers_and_values_out_of_range():
    assert not ARGUMENT_TYPES["ema_overwrite_frequency"].accepts("{{ 7*7 }}")
    assert not ARGUMENT_TYPES["momentum"].accepts(2.0)
    assert not ARGUMENT_TYPES["momentum"].accepts(float("nan"))
    assert not ARGUMENT_TYPES["beta_1"].accepts(1.0)
    assert not ARGUMENT_TYPES["nesterov"].accepts(1)
    assert not ARGUMENT_TYPES["clipnorm"].accepts(0.0)
    assert ARGUMENT_TYPES["clipnorm"].accepts(None)
    assert not ARGUMENT_TYPES["gradient_accumulation_steps"].accepts(1)
    assert not ARGUMENT_TYPES["exclude_layers"].accepts(["x"] * 17)
    # An integer where Keras wants a float: SGD refuses momentum=1 as an int.
    assert keras_arguments({"momentum": 1}) == {"momentum": 1.0}
    assert keras_arguments({"nesterov": True}) == {"nesterov": True}
