"""What a config from a stranger may hold, checked before anything is built from it.

A docs repository's CI runs the workflow on configs from pull requests, so a
config is untrusted data: bounded in size and depth, made only of plain YAML
values, and every name that becomes a path or an HTML attribute matched whole.
The limits are in the README ("Bad input and faults").

Imported while the Snakefile parses: no NumPy, Keras or matplotlib here.
"""

import difflib
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A config problem, worded for the person who wrote the config."""

    def __init__(self, problem: str) -> None:
        # One line, whatever a key holds: a newline in a name shows as \n.
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in problem)
        super().__init__(f"invalid config: {text}")


# Values in the whole config, counting a YAML alias once per use: the
# default config has ~60, config/tuned.yaml ~400, the largest data taken
# (1,000 samples x units) ~2,000. A "billion laughs" file of nine nested
# aliases expands to 10^9. Bounded so that the schema's check (~45 us a
# value) stays under a second.
MAX_CONFIG_VALUES = 20_000
MAX_LIST_ITEMS = 1_000  # as the schema's longest lists
MAX_CONFIG_DEPTH = 32  # nested lists and mappings
MAX_TEXT_LENGTH = 1_000  # characters of any text, a key or a value

# A name that becomes a folder, a file or part of an HTML attribute: a full
# match, so no newline, no separator, no leading dot (so no "..").
NAME_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}\Z")
NAME_RULE = (
    "letters, digits and '_', '.', '+', '-', starting with a letter or digit,"
    " at most 64 characters (no '/', no spaces, no newline)"
)


def key_path(parts: Iterable[Any]) -> str:
    """`experiments.outputs.optimizers[1]` from the keys and indices to a value."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` Did you mean 'Adam'?` for the closest of `choices`, or nothing."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean '{lowered[close[0]]}'?" if close else ""


def short_repr(value: Any, limit: int = 80) -> str:
    """`value` for a message: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def check_tree(config: Any) -> None:
    """Refuse a config that is too big, too deep, or holds anything but plain
    values (text, numbers, true/false, null, lists, mappings with text keys),
    non-finite numbers or overlong text, before any other check walks it.

    Iterative and stopped at the first problem, so that an alias bomb or a
    deep nesting costs milliseconds, not a traceback or gigabytes.
    """
    count = 0
    stack: list[tuple[tuple[Any, ...], Any]] = [((), config)]
    while stack:
        path, value = stack.pop()
        count += 1
        if count > MAX_CONFIG_VALUES:
            raise ConfigError(
                f"the config holds more than {MAX_CONFIG_VALUES:,} values (a YAML alias"
                f" counts each time it is used); the last one read is at '{key_path(path)}'"
            )
        if len(path) > MAX_CONFIG_DEPTH:
            raise ConfigError(
                f"'{key_path(path[:MAX_CONFIG_DEPTH])}' nests lists or mappings more than"
                f" {MAX_CONFIG_DEPTH} levels deep"
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ConfigError(
                        f"'{key_path(path)}' has the key {short_repr(key)}: keys must be text"
                    )
                _check_text((*path, key), key)
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            if len(value) > MAX_LIST_ITEMS:
                raise ConfigError(
                    f"'{key_path(path)}' has {len(value):,} items, more than {MAX_LIST_ITEMS:,}"
                )
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(path, value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ConfigError(f"'{key_path(path)}' = {value!r}: numbers must be finite")
        elif value is not None and not isinstance(value, int | bool):
            raise ConfigError(
                f"'{key_path(path)}' = {short_repr(value)} is a {type(value).__name__}: a config"
                " holds only text, numbers, true/false, null, lists and mappings"
            )


def _check_text(path: tuple[Any, ...], text: str) -> None:
    if len(text) > MAX_TEXT_LENGTH:
        raise ConfigError(
            f"'{key_path(path)}' holds text of {len(text):,} characters, more than"
            f" {MAX_TEXT_LENGTH:,}"
        )


def check_name(where: str, value: Any, what: str = "folder name") -> str:
    """`value` if it is a safe name (NAME_PATTERN, matched whole)."""
    if not isinstance(value, str) or NAME_PATTERN.match(value) is None:
        raise ConfigError(f"'{where}' = {short_repr(value)} is not a safe {what}: use {NAME_RULE}")
    return value


def check_relative_path(where: str, value: Any, what: str = "file") -> str:
    """`value` if it is a relative path of safe names (`docs/images`,
    `tuned/loss.png`): inside the folder it is relative to."""
    if not isinstance(value, str) or any(
        NAME_PATTERN.match(part) is None for part in value.split("/")
    ):
        raise ConfigError(
            f"'{where}' = {short_repr(value)} must be a relative {what} path without '..':"
            f" each part between '/' of {NAME_RULE}; no leading '/'"
        )
    return value


def check_inside(where: str, value: str, root: str | Path = ".") -> None:
    """Refuse a relative path that leaves `root` through a symbolic link."""
    base = Path(root).resolve()
    target = (base / value).resolve()
    if target != base and base not in target.parents:
        raise ConfigError(
            f"'{where}' = {short_repr(value)} leads outside the working directory"
            f" (to {target}, through a symbolic link)"
        )


def check_yaml_file(path: str | Path) -> Any:
    """The YAML file at `path` (None if there is none), refused with the place
    where it stops being YAML, and refused when it asks for templating.

    Snakemake's `configfile:` hands YAML to YTE, which runs the Python
    expressions of a file whose top level says `__use_yte__: true`.
    """
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # Snakemake's `configfile:` reports a missing file
    except RecursionError:
        raise ConfigError(
            f"{path} nests lists or mappings more than {MAX_CONFIG_DEPTH} levels deep"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}{where} is not valid YAML: {problem}") from None
    if isinstance(document, dict) and "__use_yte__" in document:
        raise ConfigError(
            f"{path} has the key '__use_yte__': YAML templates (YTE) run Python code,"
            " which a config may not; write plain values"
        )
    return document
