"""The table of Keras optimizers and their constructor arguments.

The workflow validates optimizer entries against ``keras_optimizers.json``
instead of importing Keras, because importing TensorFlow costs ~2.5 s on every
``snakemake`` invocation, even a dry run. ``tests/test_keras_optimizers.py``
keeps the table equal to what the installed Keras offers; regenerate it with
``python scripts/keras_optimizers.py``.
"""

import inspect
import json
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


if __name__ == "__main__":
    TABLE_PATH.write_text(json.dumps(installed_optimizer_table(), indent=1) + "\n")
    print(f"wrote {TABLE_PATH}")
