"""The optimizer's inside, recorded at every update of a compiled loop: its
own variables (Keras's names), the gradient it was given and the learning
rate in effect.

A history that records it (README, "What you get") holds, for S updates:

- `state.<name>` (S+1, ...): each of the optimizer's variables after every
  update, row 0 as built, under the name Keras gives it (`position_momentum`,
  `kernel_velocity`, ...). Its step count and learning rate are left out:
  the first is the row, the second is `learning_rate`.
- `gradient` (S, P): the gradient of every update, flat like `params`
  (a noisy landscape's noise included: what the optimizer was given).
- `learning_rate` (S,): the learning rate of every update.
"""

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from optimizer_animations.records.history import (
    GRADIENT,
    LEARNING_RATE,
    STATE_PREFIX,
    is_inside_key,
)

__all__ = ["StateRecorder", "is_inside_key"]
# The optimizer's own bookkeeping, recorded otherwise (the row, `learning_rate`).
NOT_STATE = ("iteration", "learning_rate")
# Where a stacked run's variable lives (train.stacked_variable) and how Keras
# names the optimizer's slots for it: `stacked_params_momentum`.
STACKED_NAME = "stacked_params"


def state_variables(optimizer: Any) -> list[Any]:
    """The optimizer's variables that hold its state, in its own order."""
    return [v for v in optimizer.variables if v.name not in NOT_STATE]


def state_names(optimizer: Any) -> list[str]:
    """`state_variables`' names. A variable Keras leaves unnamed is numbered
    in creation order across the process (`variable`, `variable_1`, ...), so
    it takes the name of the optimizer's attribute that holds it instead
    (Nadam's `u_product`): a history's keys never depend on what ran before."""
    attributes = {id(value): name.lstrip("_") for name, value in vars(optimizer).items()}
    return [
        attributes.get(id(v), v.name) if re.fullmatch(r"variable(_\d+)?", v.name) else v.name
        for v in state_variables(optimizer)
    ]


class StateRecorder:
    """TensorArrays for one loop's records: `begin` before the loop, then per
    update `before` (gradient, learning rate) and `after` (the variables).
    Off, every method passes its arrays through and records nothing, so
    a loop's graph holds no extra op."""

    def __init__(self, optimizer: Any, on: bool) -> None:
        self.optimizer = optimizer
        self.on = on

    def begin(self, updates: Any) -> tuple:
        if not self.on:
            return ()
        variables = state_variables(self.optimizer)
        return (
            [tf.TensorArray(v.dtype, size=updates + 1).write(0, v.value) for v in variables],
            tf.TensorArray(tf.float32, size=updates),
            tf.TensorArray(tf.float32, size=updates),
        )

    def before(self, arrays: tuple, update: Any, gradient: Any) -> tuple:
        """`gradient`: flat (P,), or (R, P) for stacked runs."""
        if not self.on:
            return arrays
        states, gradients, rates = arrays
        rate = tf.convert_to_tensor(self.optimizer.learning_rate, tf.float32)
        return states, gradients.write(update, gradient), rates.write(update, rate)

    def after(self, arrays: tuple, update: Any) -> tuple:
        if not self.on:
            return arrays
        states, gradients, rates = arrays
        variables = state_variables(self.optimizer)
        states = [s.write(update + 1, v.value) for s, v in zip(states, variables, strict=True)]
        return states, gradients, rates

    def stack(self, arrays: tuple) -> tuple:
        if not self.on:
            return ()
        states, gradients, rates = arrays
        return [s.stack() for s in states], gradients.stack(), rates.stack()

    def records(self, stacked: tuple, problem: Any, runs: int | None = None) -> list[dict]:
        """Each run's arrays under the history's keys, from `stack`'s tensors.
        `runs`: how many runs share a stacked variable (None: one run, alone)."""
        if not self.on:
            return [{} for _ in range(runs or 1)]
        states, gradients, rates = (
            [s.numpy() for s in stacked[0]],
            stacked[1].numpy(),
            stacked[2].numpy(),
        )
        names = state_names(self.optimizer)
        if runs is None:
            return [
                {
                    **named_states(names, states),
                    GRADIENT: gradients,
                    LEARNING_RATE: rates,
                }
            ]
        return [
            {
                **named_states(*stacked_states(problem, names, states, run)),
                GRADIENT: gradients[:, run],
                LEARNING_RATE: rates.reshape(len(rates), runs)[:, run],  # (S, R, 1): per run
            }
            for run in range(runs)
        ]


def stacked_states(
    problem: Any, names: Sequence[str], states: Sequence[np.ndarray], run: int
) -> tuple[list[str], list[np.ndarray]]:
    """One run's share of a stacked optimizer's variables, under the names
    and shapes a lone run's optimizer gives them: `stacked_params_momentum`
    (S+1, R, P) -> `kernel_momentum` (S+1, 1, units), `bias_momentum`, ...
    A variable with no run axis (Nadam's momentum product) is every run's."""
    out_names, out_values = [], []
    prefix = STACKED_NAME + "_"
    for name, values in zip(names, states, strict=True):
        if name.startswith(prefix) and values.ndim == 3:
            slot = name[len(prefix) :]
            pieces = problem.unflatten(values[:, run])
            for spec, piece in zip(problem.variables, pieces, strict=True):
                out_names.append(f"{spec.name}_{slot}")
                out_values.append(piece)
        else:
            out_names.append(name)
            out_values.append(values)
    return out_names, out_values


def named_states(names: Sequence[str], values: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """`state.<name>` keys in name order; a name Keras gives twice (Adafactor's
    placeholders for a vector's row and column factors) is numbered."""
    seen: dict[str, int] = {}
    keyed = {}
    for name, value in zip(names, values, strict=True):
        seen[name] = seen.get(name, 0) + 1
        key = STATE_PREFIX + name + (f"_{seen[name]}" if seen[name] > 1 else "")
        keyed[key] = np.asarray(value)
    return dict(sorted(keyed.items()))
