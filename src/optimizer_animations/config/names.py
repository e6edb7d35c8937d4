"""Run names: a grid value as a part of a run's name, `lr0.01`, and a
setting's name, `sgd-momentum0.9` (an entry's label and its grid values)."""

from collections.abc import Mapping
from typing import Any

# Grid arguments' short names in run names and legends (`adam-lr0.01`).
GRID_ABBREVIATIONS = {"learning_rate": "lr", "batch_size": "bs"}


def grid_name(argument: str, value: Any) -> str:
    """A grid value as a part of a run's name: `lr0.01`."""
    text = f"{value:g}" if isinstance(value, float) else str(value).lower()
    return f"{GRID_ABBREVIATIONS.get(argument, argument)}{text}"


def setting_name(label: str, values: Mapping[str, Any]) -> str:
    """A setting's name: the entry's label, then each grid value (`sgd-momentum0.9`);
    the label alone without a grid."""
    return "-".join([label] + [grid_name(a, v) for a, v in values.items()])


def entry_label(family: str, values: Mapping[str, Any]) -> str:
    """The optimizer entry a run belongs to, from its family and grid values:
    a tuned experiment's settings are families of their own (a colour and a
    legend line each, as when its tuned.yaml is pasted in), named
    `setting_name(entry, values)`; any other run's family is its entry."""
    suffix = setting_name("", values)
    return family.removesuffix(suffix) if values and family.endswith(suffix) else family
