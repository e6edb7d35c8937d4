"""What a `tune:` section asks for: the learning-rate grid and the objectives.

The Snakefile checks and plans these where only Snakemake may be installed
(`snakemake -n` on a login node), so nothing here imports NumPy at import
time; the grid's rates are computed in the tuning jobs.
"""

import math
from dataclasses import dataclass
from typing import Any

# What a dense experiment's tuning may minimise (a landscape's is fixed).
OBJECTIVES = ("final_loss", "mean_loss", "epochs_to_target")


@dataclass(frozen=True)
class LearningRateGrid:
    low: float
    high: float
    points: int

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low > 0):
            raise ValueError(f"min = {self.low!r} and max = {self.high!r} must be positive numbers")
        if not self.low < self.high:
            raise ValueError(f"min = {self.low!r} must be less than max = {self.high!r}")
        if self.points < 2:
            raise ValueError(f"points = {self.points!r} must be at least 2")

    def rates(self) -> Any:
        """`points` learning rates from `low` to `high`, evenly spaced in log
        (NumPy's, which the trials' runs are named by: called in a job)."""
        import numpy as np

        return np.geomspace(self.low, self.high, self.points)
