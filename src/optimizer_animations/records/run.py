"""A run's spec, `Run`: what the plan gives a training or tuning job in its
params (`to_params`) and what the job reads back (`from_params`), the same
type on both sides. No NumPy, TensorFlow or config checks here, so that the
jobs that read it do not rerun when the checks change."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optimizer_animations.config.names import entry_label


@dataclass(frozen=True)
class Run:
    """One training run of one experiment: one history.npz.

    Without seeds or grid, an optimizer entry is one run named by its label.
    A sweep expands an entry into the product of its grid and the experiment's
    seeds, named like `adam-lr0.01-s3`.
    """

    experiment: str
    label: str  # the run's folder name
    optimizer: str  # Keras class name, e.g. "Adam"
    arguments: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None  # draws this run's initial weights
    setting: str = ""  # the run's name without its seed: runs to aggregate
    # The optimizer entry's label (one line in sensitivity.png); in a tuned
    # experiment, the setting's: each setting is tuned and drawn on its own.
    family: str = ""
    grid: dict[str, Any] = field(default_factory=dict)  # this run's grid values
    tuned: dict[str, Any] | None = None  # the tuning that chose its learning rate
    # Samples per update, or None: every sample, one full-batch update per
    # epoch (the page's model only).
    batch_size: int | None = None
    shuffle: bool = False  # each epoch's order drawn from the seed and the epoch

    def to_params(self) -> dict[str, Any]:
        """Plain data for a rule's params (the experiment is a param of its own)."""
        return {
            "label": self.label,
            "optimizer": self.optimizer,
            "arguments": self.arguments,
            "seed": self.seed,
            "setting": self.setting or self.label,
            "family": self.family or self.label,
            "grid": self.grid,
            **({"tuned": self.tuned} if self.tuned else {}),
            # Only a minibatch run's: a full-batch run's params (and so its
            # jobs) stay those written before minibatches existed.
            **({"batch_size": self.batch_size, "shuffle": self.shuffle} if self.minibatch else {}),
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any], experiment: str = "") -> "Run":
        label = str(params["label"])
        return cls(
            experiment=experiment,
            label=label,
            optimizer=str(params["optimizer"]),
            arguments=dict(params.get("arguments") or {}),
            seed=params.get("seed"),
            setting=params.get("setting") or label,
            family=params.get("family") or label,
            grid=dict(params.get("grid") or {}),
            tuned=params.get("tuned") or None,
            batch_size=params.get("batch_size"),
            shuffle=bool(params.get("shuffle", False)),
        )

    @classmethod
    def of(cls, run: "Run | Mapping[str, Any]", experiment: str = "") -> "Run":
        """`run` itself, or the run that `to_params` gave."""
        return run if isinstance(run, Run) else cls.from_params(run, experiment)

    @property
    def entry(self) -> str:
        """The optimizer entry's label, also in a tuned experiment."""
        return entry_label(self.family or self.label, self.grid)

    @property
    def minibatch(self) -> bool:
        """Whether the run takes several updates per epoch, or shuffles."""
        return self.batch_size is not None

    @property
    def learning_rate(self) -> Any:
        return self.arguments.get("learning_rate")

    @property
    def peak_rate(self) -> float:
        """The learning rate as one number: a schedule's peak (what `tune:` grids)."""
        from optimizer_animations.training.schedules import peak_rate

        return peak_rate(self.learning_rate)
