"""Run names: a grid value as a part of a run's name, `lr0.01`."""

from typing import Any

# Grid arguments' short names in run names and legends (`adam-lr0.01`).
GRID_ABBREVIATIONS = {"learning_rate": "lr", "batch_size": "bs"}


def grid_name(argument: str, value: Any) -> str:
    """A grid value as a part of a run's name: `lr0.01`."""
    text = f"{value:g}" if isinstance(value, float) else str(value).lower()
    return f"{GRID_ABBREVIATIONS.get(argument, argument)}{text}"
