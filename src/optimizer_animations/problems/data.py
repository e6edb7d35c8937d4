"""The page's model's training samples: inline, from a user's CSV file, or generated.

A config's `data:` is one of

- `{x: [[...]], y: [[...]]}`: the samples inline (the page's one sample);
- `{csv: points.csv, x: [columns], y: [columns]}`: numeric columns of a CSV
  file in the working directory, by header name;
- `{generate: linear, samples: 256, inputs: 1, noise: 0.3, seed: 0}`:
  synthetic samples from a seeded NumPy generator, written once to
  `results/<experiment>/data.csv` (so that they can be inspected and
  published) and then read like a user's file.

A rule's problem spec names a file by `csv` and its columns; reading the file
is `read_samples` here, for the config's checks (which need only the
standard library: they run before any job) and for the jobs (which convert
the same floats to float32). The generators import NumPy when called.
"""

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A CSV file the config check reads at once, before any job: a bounded size.
MAX_CSV_BYTES = 16 * 1024 * 1024


class DataError(ValueError):
    """A data file or spec that cannot give samples; the message names the value."""


@dataclass(frozen=True)
class Samples:
    """Inputs x (n rows of d values) and targets y (n rows of units values), as floats."""

    x: list[list[float]]
    y: list[list[float]]

    @property
    def count(self) -> int:
        return len(self.x)


def read_samples(path: str | Path, x_columns: Sequence[str], y_columns: Sequence[str]) -> Samples:
    """The named numeric columns of the CSV file at `path` (a header row, then
    one sample per row). DataError naming the file, row and column for a file
    that is missing, too big, not UTF-8, lacks a column, or holds a value that
    is not a finite number."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DataError(f"{path} cannot be read ({error.strerror or error})") from None
    if not path.is_file():  # a folder, a pipe or a device: never opened
        raise DataError(f"{path} is not a regular file")
    if size > MAX_CSV_BYTES:
        raise DataError(f"{path} has {size:,} bytes, more than {MAX_CSV_BYTES:,}")
    try:
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path} cannot be read as a UTF-8 CSV file ({error})") from None
    if not rows:
        raise DataError(f"{path} is empty; it needs a header row naming its columns")
    header = [name.strip() for name in rows[0]]
    indices = []
    for column in (*x_columns, *y_columns):
        if column not in header:
            shown = ", ".join(repr(name) for name in header[:20])
            raise DataError(f"{path} has no column {column!r}; its header names {shown}")
        indices.append(header.index(column))
    values = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue  # a blank line, e.g. at the end
        parsed = []
        for column, index in zip((*x_columns, *y_columns), indices, strict=True):
            cell = row[index].strip() if index < len(row) else ""
            try:
                value = float(cell)
            except ValueError:
                raise DataError(
                    f"{path}, row {number}, column {column!r}: {cell[:40]!r} is not a number"
                ) from None
            if not math.isfinite(value) or abs(value) > 1e6:
                raise DataError(
                    f"{path}, row {number}, column {column!r}: {cell[:40]!r} is not a finite"
                    " number between -1,000,000 and 1,000,000"
                )
            parsed.append(value)
        values.append(parsed)
    if not values:
        raise DataError(f"{path} has a header but no samples")
    d = len(x_columns)
    return Samples([row[:d] for row in values], [row[d:] for row in values])


# name -> what it draws (README, "Data"); each takes samples, inputs, outputs,
# noise and a NumPy Generator.
def _linear(samples: int, inputs: int, outputs: int, noise: float, rng: Any) -> tuple[Any, Any]:
    """y = x W + b + noise: x uniform in [-1, 1], W and b standard normal."""
    x = rng.uniform(-1.0, 1.0, size=(samples, inputs))
    weights = rng.standard_normal((inputs, outputs))
    bias = rng.standard_normal(outputs)
    return x, x @ weights + bias + noise * rng.standard_normal((samples, outputs))


def _two_class(samples: int, inputs: int, outputs: int, noise: float, rng: Any) -> tuple[Any, Any]:
    """Two Gaussian blobs (spread `noise`) around +-1 on every input; targets
    +1 and -1 (a classifier trained by least squares), alternating."""
    labels = (-1.0) ** (1 + (rng.permutation(samples) % 2))
    x = labels[:, None] + noise * rng.standard_normal((samples, inputs))
    return x, labels[:, None].repeat(outputs, axis=1)


GENERATORS = {"linear": _linear, "two_class": _two_class}
GENERATOR_DEFAULTS = {"inputs": 1, "outputs": 1, "noise": 0.1, "seed": 0}


def generator_settings(data: dict[str, Any]) -> dict[str, Any]:
    """A `generate:` spec with its defaults filled in."""
    return {**GENERATOR_DEFAULTS, **data}


def generated_columns(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The x and y columns of the file a `generate:` spec writes."""
    settings = generator_settings(data)
    return (
        [f"x{i}" for i in range(settings["inputs"])],
        [f"y{i}" for i in range(settings["outputs"])],
    )


def generate_samples(data: dict[str, Any]) -> tuple[Any, Any]:
    """The float32 (x, y) a `generate:` spec draws, from
    `numpy.random.default_rng(seed)` in the order its generator states."""
    import numpy as np

    settings = generator_settings(data)
    rng = np.random.default_rng(settings["seed"])
    x, y = GENERATORS[settings["generate"]](
        settings["samples"], settings["inputs"], settings["outputs"], settings["noise"], rng
    )
    return np.asarray(x, np.float32), np.asarray(y, np.float32)


def write_samples(path: str | Path, data: dict[str, Any]) -> None:
    """Write a `generate:` spec's samples as CSV, each float32 in the shortest
    text that reads back to it."""
    from optimizer_animations.files import atomic_output

    x, y = generate_samples(data)
    x_columns, y_columns = generated_columns(data)
    with atomic_output(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*x_columns, *y_columns])
        for inputs, targets in zip(x, y, strict=True):
            writer.writerow([str(value) for value in (*inputs, *targets)])


def main(smk: Any) -> None:
    from optimizer_animations.files import log_to

    log_to(smk.log[0])
    write_samples(smk.output.data, dict(smk.params.generate))
    print(f"{smk.output.data}: {smk.params.generate['samples']} samples", flush=True)
