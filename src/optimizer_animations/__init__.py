"""optimizer-animations: training small Keras models and 2-D test functions
with many optimizers, turned into documentation figures.

The version is the package metadata's (pyproject.toml), the one place it is
written; each history records it (`meta.versions`), the report's captions
and the documentation site show it.
"""

import importlib.metadata
import tomllib
from pathlib import Path


def _version() -> str:
    try:
        return importlib.metadata.version("optimizer-animations")
    except importlib.metadata.PackageNotFoundError:  # a source tree on the path
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]


__version__ = _version()
