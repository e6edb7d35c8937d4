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
import dataclasses
import difflib
import hashlib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A CSV file the config check reads before any job: read as a stream and
# refused at the first value past a bound, so that no file costs more than
# these, whatever its size. A sample is a row; the page's model takes at
# most 20,000 samples x units (config/check.py), so at most that many rows.
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_CSV_ROWS = 20_000
MAX_CSV_COLUMNS = 1_000
MAX_CSV_VALUES = 1_000_000  # numbers read: 8 MB as float64
# A header name that a message may show: a short identifier, never a value
# (a file named by mistake, credentials say, has its secret in "columns").
SHOWN_COLUMN = re.compile(r"\A[A-Za-z_][A-Za-z0-9_ .()-]{0,31}\Z")


class DataError(ValueError):
    """A data file or spec that cannot give samples; the message names the
    file, row and column, and never shows what a cell holds."""


@dataclass(frozen=True)
class Samples:
    """Inputs x (n rows of d values) and targets y (n rows of units values), as floats."""

    x: list[list[float]]
    y: list[list[float]]
    sha256: str = ""  # of the file they were read from

    @property
    def count(self) -> int:
        return len(self.x)


def read_samples(
    path: str | Path,
    x_columns: Sequence[str],
    y_columns: Sequence[str],
    samples: int | None = None,
    sha256: str | None = None,
) -> Samples:
    """The named numeric columns of the CSV file at `path` (a header row, then
    one sample per row), with exactly `samples` rows if given (a generated
    file's count). DataError naming the file, row and column for a file that
    is missing, too big, not UTF-8, lacks a column, holds a value that is not
    a finite number, has another number of samples, or other bytes than
    `sha256` (a run's record of the file it trained on). Parsed once per
    content (`_READ`): a parse that names one file in many experiments
    parses it once."""
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
        content = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path} cannot be read ({error.strerror or error})") from None
    digest = hashlib.sha256(content).hexdigest()
    if sha256 is not None and digest != sha256:
        raise DataError(
            f"{path} has changed since the runs that read it were trained (SHA-256"
            f" {digest[:12]}..., not {sha256[:12]}...); train them again"
        )
    key = (digest, str(path), tuple(x_columns), tuple(y_columns))
    result = _READ.get(key)
    if result is None:
        result = dataclasses.replace(_parse_samples(content, *key[1:]), sha256=digest)
        _READ[key] = result
        while len(_READ) > MAX_CACHED_FILES:
            del _READ[next(iter(_READ))]
    if samples is not None and result.count != samples:
        raise DataError(
            f"{path} has {result.count:,} samples where its config makes {samples:,}: it is"
            " damaged or was written by another config"
        )
    return result


# Files read in this process, by content digest, name and columns: the
# config check and a job read a file once, however many experiments name it.
_READ: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Samples] = {}
MAX_CACHED_FILES = 4


def _parse_samples(
    content: bytes, name: str, x_columns: tuple[str, ...], y_columns: tuple[str, ...]
) -> Samples:
    """`read_samples` of a file's bytes."""
    columns = (*x_columns, *y_columns)
    try:
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the first name.
        lines = io.StringIO(content.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{name} cannot be read as a UTF-8 CSV file (byte {error.start:,} is not UTF-8)"
        ) from None
    reader = csv.reader(lines)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not header:
            raise DataError(f"{name} is empty; it needs a header row naming its columns")
        if len(header) > MAX_CSV_COLUMNS:
            raise DataError(
                f"{name} has {len(header):,} columns in its header, more than {MAX_CSV_COLUMNS:,}"
            )
        indices = [_column_index(name, header, column) for column in columns]
        values = []
        for number, row in enumerate(reader, start=2):
            if not row:
                continue  # a blank line, e.g. at the end
            if len(values) == MAX_CSV_ROWS or (len(values) + 1) * len(columns) > MAX_CSV_VALUES:
                raise DataError(
                    f"{name} has more than {len(values):,} samples, the most a file may give"
                    f" ({MAX_CSV_ROWS:,} rows, {MAX_CSV_VALUES:,} numbers)"
                )
            values.append(
                [
                    _number(name, number, column, row, index)
                    for column, index in zip(columns, indices, strict=True)
                ]
            )
    except csv.Error as error:
        # csv's messages name no cell: "line contains NUL", "field larger than ..."
        raise DataError(f"{name} cannot be read as a CSV file ({error})") from None
    if not values:
        raise DataError(f"{name} has a header but no samples")
    d = len(x_columns)
    return Samples([row[:d] for row in values], [row[d:] for row in values])


def _column_index(name: str, header: list[str], column: str) -> int:
    if column in header:
        return header.index(column)
    shown = [cell for cell in header if SHOWN_COLUMN.match(cell)]
    # As config.safety.did_you_mean, which this layer does not import.
    lowered = {cell.lower(): cell for cell in shown}
    close = difflib.get_close_matches(column.lower(), list(lowered), n=1)
    hint = f" Did you mean {lowered[close[0]]!r}?" if close else ""
    if len(shown) == len(header) and len(header) <= 20:
        listed = f"; its header names {', '.join(repr(cell) for cell in header)}"
    else:
        # Names only: a header that is not a list of short names is not quoted.
        listed = f" among the {len(header):,} columns of its header"
    raise DataError(f"{name} has no column {column!r}{listed}.{hint}")


def _number(name: str, row_number: int, column: str, row: list[str], index: int) -> float:
    """The cell of `row` under `column` as a finite float; the refusal says
    what is wrong with it without showing it."""
    cell = row[index].strip() if index < len(row) else ""
    where = f"{name}, row {row_number:,}, column {column!r}"
    if not cell:
        raise DataError(f"{where} is empty; every sample needs a number there")
    try:
        value = float(cell)
    except ValueError:
        raise DataError(f"{where} holds text, not a number") from None
    if math.isnan(value):
        raise DataError(f"{where} is NaN, not a finite number")
    if not abs(value) <= 1e6:
        raise DataError(f"{where} is not a finite number between -1,000,000 and 1,000,000")
    return value


def samples_damage(
    path: str | Path, x_columns: Sequence[str], y_columns: Sequence[str], samples: int
) -> str | None:
    """Why the generated file at `path` is not the one its config writes (a
    cut or edited file), or None."""
    try:
        read_samples(path, x_columns, y_columns, samples)
    except DataError as error:
        return str(error).removeprefix(f"{path} ")
    return None


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
