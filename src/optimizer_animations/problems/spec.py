"""What a problem is, from the config alone: its spec, its variables, its landscape.

The Snakefile plans and checks with these, so this module needs nothing but
the standard library: `snakemake -n`, `--lint` and `--dag` run where only
Snakemake is installed (a catalog's crawler, a cluster's login node). The
numbers (losses, starts, histories) are problem.py's, inside the jobs.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from optimizer_animations.problems.data import generated_columns, generator_settings
from optimizer_animations.problems.functions import Landscape, built_in
from optimizer_animations.records.layout import Layout
from optimizer_animations.records.meta import DENSE, FUNCTION


@dataclass(frozen=True)
class VariableSpec:
    name: str
    shape: tuple[int, ...]
    initializer: str  # the Keras initializer a seed draws, e.g. "glorot_uniform"

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def dense_variables(units: int, use_bias: bool, inputs: int = 1) -> tuple[VariableSpec, ...]:
    """`Dense(units)` on `inputs` inputs: its kernel (inputs, units) and its bias (units,)."""
    kernel = VariableSpec("kernel", (inputs, units), "glorot_uniform")
    return (kernel, VariableSpec("bias", (units,), "zeros")) if use_bias else (kernel,)


# A landscape's one variable: the point in the plane, at the function's start.
FUNCTION_VARIABLES = (VariableSpec("position", (2,), "zeros"),)


def problem_spec(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """The plain data (for a rule's params) that defines an experiment's problem."""
    settings = config["experiments"][experiment]
    if "function" in settings:
        return {
            "kind": FUNCTION,
            "function": settings["function"],
            "start": settings.get("start"),
            "domain": settings.get("domain"),
            # Only when set, so that a landscape's params stay as they were.
            **({"noise": settings["noise"]} if "noise" in settings else {}),
        }
    return {
        "kind": DENSE,
        "data": data_spec(config, experiment),
        "init": settings.get("init") or config["init"],
        "use_bias": settings["use_bias"],
    }


def data_spec(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """The page's model's samples as a job reads them: inline `{x, y}`, or a
    CSV file's path and columns (a `generate:` spec's file is the experiment's
    `data.csv`, which a job writes first)."""
    data = experiment_data(config, experiment)
    if "generate" in data:
        x, y = generated_columns(data)
        # The count a job checks the file against whenever it reads it.
        samples = generator_settings(data)["samples"]
        return {"csv": generated_file(config, experiment), "x": x, "y": y, "samples": samples}
    return data


def experiment_data(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """The samples an experiment of the page's model trains on, as the config
    gives them: its own `data`, else the top-level one."""
    return config["experiments"][experiment].get("data") or config["data"]


def generated_file(config: dict[str, Any], experiment: str) -> str:
    """Where a `generate:` spec's samples are written for `experiment`."""
    return Layout(config["results_dir"]).data(experiment)


def data_file(spec: dict[str, Any]) -> str | None:
    """The CSV file a problem spec reads (None: inline samples, or a landscape)."""
    return spec.get("data", {}).get("csv")


def spec_variables(spec: dict[str, Any]) -> tuple[VariableSpec, ...]:
    """The variables of the problem `spec` defines."""
    if spec["kind"] == FUNCTION:
        return FUNCTION_VARIABLES
    data = spec["data"]
    inputs, units = (
        (len(data["x"]), len(data["y"]))
        if "csv" in data
        else (len(data["x"][0]), len(data["y"][0]))
    )
    return dense_variables(units, bool(spec["use_bias"]), inputs)


def parameter_count(spec: dict[str, Any]) -> int:
    return sum(variable.size for variable in spec_variables(spec))


def spec_landscape(spec: dict[str, Any]) -> Landscape:
    """A landscape spec's function (a built-in's name, or {formula, domain,
    start, minima}) with the optional overrides `start` and `domain`."""
    function = spec["function"]
    if isinstance(function, str):
        landscape = built_in(function)
    elif "name" in function:
        landscape = built_in(**function)
    else:
        landscape = Landscape.from_mapping("formula", function)
    overrides = {key: spec[key] for key in ("start", "domain") if spec.get(key) is not None}
    if "start" in overrides:
        overrides["start"] = tuple(overrides["start"])
    if "domain" in overrides:
        overrides["domain"] = tuple(map(tuple, overrides["domain"]))
    return replace(landscape, **overrides)


# `kernel[0,1]`, `bias[1]`: a variable's name and one index per axis, nothing else.
WEIGHT_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*$")


def weight_index(name: str, variables: Sequence[VariableSpec]) -> int:
    """The flat parameter index of a weight named like `kernel[0,1]`.

    ValueError, saying what the model has, for anything else.
    """
    names = ", ".join(
        f"{spec.name}[{','.join(str(s - 1) for s in spec.shape)}]" for spec in variables
    )
    allowed = f"the model's weights run up to {names}"
    match = WEIGHT_NAME.match(name)
    if not match:
        raise ValueError(
            f"{name!r} is not a weight name like 'kernel[0,1]' or 'bias[1]'; {allowed}"
        )
    variable, *indices = match.groups()
    index = tuple(int(i) for i in indices if i is not None)
    offset = 0
    for spec in variables:
        if spec.name == variable:
            if len(index) != len(spec.shape) or any(
                i >= s for i, s in zip(index, spec.shape, strict=True)
            ):
                raise ValueError(f"{name!r} is not a weight of this model; {allowed}")
            flat = 0
            for i, s in zip(index, spec.shape, strict=True):  # row-major, as NumPy's
                flat = flat * s + i
            return offset + flat
        offset += spec.size
    raise ValueError(f"{name!r}: the model has no variable {variable!r}; {allowed}")
