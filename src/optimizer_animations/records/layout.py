"""Where every result lives: one map from (experiment, run, figure) to a path,
and `Figure`, a result as a page shows it.

The rules, the gallery, the report captions and the tests all ask this class,
so a figure's place is written down once. Paths are plain relative strings,
as Snakemake wants them (a host workflow's `prefix:` moves them all).
"""

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """Paths under `root` (empty: relative to the results folder itself, for links)."""

    root: str = "results"

    def _join(self, *parts: str) -> str:
        return "/".join(part for part in (self.root, *parts) if part)

    def relative(self) -> "Layout":
        """The same layout relative to the results folder (for links between results)."""
        return Layout("")

    # An experiment's aggregate results.
    def experiment(self, experiment: str) -> str:
        return self._join(experiment)

    def data(self, experiment: str) -> str:
        """A `generate:` spec's samples, as the experiment trains on them."""
        return self._join(experiment, "data.csv")

    def loss_plot(self, experiment: str) -> str:
        return self._join(experiment, "loss.png")

    def summary(self, experiment: str) -> str:
        return self._join(experiment, "summary.csv")

    def run_table(self, experiment: str) -> str:
        """Every run's settings and loss curve (records.run_table.RunTable)."""
        return self._join(experiment, "runs.npz")

    def sensitivity(self, experiment: str) -> str:
        return self._join(experiment, "sensitivity.png")

    def tuning(self, experiment: str) -> str:
        """Every tuning trial: optimizer, learning rate, seed, objective."""
        return self._join(experiment, "tuning.csv")

    def tuning_rows(self, experiment: str, index: int, count: int) -> str:
        """One tuning job's rows of tuning.csv (its share of the entries)."""
        return self._join(experiment, "tuning", f"rows-{index + 1}-of-{count}.csv")

    def tuning_trials(self, experiment: str, index: int, count: int) -> str:
        """One tuning job's trials, every path (records/trials.py), for the explorer."""
        return self._join(experiment, "tuning", f"trials-{index + 1}-of-{count}.npz")

    def explorer(self, experiment: str) -> str:
        """The page that moves through every run of a grid (site/explorer.py)."""
        return self._join(experiment, "explorer.html")

    def time_to_target(self, experiment: str) -> str:
        """A tuned experiment's epochs to its target, a box per optimizer."""
        return self._join(experiment, "time_to_target.png")

    def tuned(self, experiment: str) -> str:
        """The chosen settings, as optimizer entries of a config."""
        return self._join(experiment, "tuned.yaml")

    def comparison(self, experiment: str) -> str:
        return self._join(experiment, "comparison.gif")

    def comparison_page(self, experiment: str) -> str:
        return self._join(experiment, "comparison.html")

    def caption(self, experiment: str) -> str:
        return self._join(experiment, "caption.rst")

    def trajectory(self, experiment: str, landscape: bool, suffix: str = "gif") -> str:
        """The paths figure: `trajectory.gif` (the page's model in weight space)
        or `trajectories.gif` (a landscape's optimizers); also `png` and `html`."""
        return self._join(experiment, f"{'trajectories' if landscape else 'trajectory'}.{suffix}")

    def panels(self, experiment: str) -> str:
        """A landscape's small multiples: one panel per optimizer."""
        return self._join(experiment, "panels.gif")

    def batch_sizes(self, experiment: str) -> str:
        """One panel per optimizer entry and batch size, on one contour."""
        return self._join(experiment, "batch_sizes.png")

    def gradients(self, experiment: str) -> str:
        """A two-weight model's per-sample gradients at the start, and their mean."""
        return self._join(experiment, "gradients.png")

    def surface(self, experiment: str, suffix: str = "gif") -> str:
        """A landscape in 3-D with every path on it: `surface.gif`, `surface.png`."""
        return self._join(experiment, f"surface.{suffix}")

    def learning_rate_plot(self, experiment: str) -> str:
        """The learning rate of every run against the update (schedules)."""
        return self._join(experiment, "learning_rate.png")

    def phase(self, experiment: str) -> str:
        """A sweep over two numeric arguments: the median final loss over both."""
        return self._join(experiment, "phase.png")

    def anatomy(self, experiment: str) -> str:
        """One update of every optimizer zoomed in, with its vectors."""
        return self._join(experiment, "anatomy.png")

    def step_sizes(self, experiment: str) -> str:
        """Each coordinate's effective learning rate, one panel per optimizer."""
        return self._join(experiment, "step_sizes.png")

    # A run's results.
    def run(self, experiment: str, label: str) -> str:
        return self._join(experiment, label)

    def history(self, experiment: str, label: str) -> str:
        return self._join(experiment, label, "history.npz")

    def frame(self, experiment: str, label: str, epoch: int) -> str:
        return self._join(experiment, label, "frames", f"pred{epoch:03d}.png")

    def animation(self, experiment: str, label: str) -> str:
        return self._join(experiment, label, "animation.gif")

    def animation_page(self, experiment: str, label: str) -> str:
        return self._join(experiment, label, "animation.html")

    def run_loss_plot(self, experiment: str, label: str) -> str:
        return self._join(experiment, label, "loss.png")

    def run_caption(self, experiment: str, label: str) -> str:
        return self._join(experiment, label, "caption.rst")

    # The whole workflow's.
    def index(self) -> str:
        return self._join("index.html")

    def asset(self, name: str) -> str:
        """A file the gallery's page loads (the player's script and style)."""
        return self._join(name)

    def profile(self) -> str:
        """The performance profile across the tuned experiments."""
        return self._join("profile.png")

    def site(self) -> str:
        """The documentation site built from docs/ (`snakemake --cores 4 docs`)."""
        return self._join("site")


@dataclass(frozen=True)
class Figure:
    """One figure as a page shows it: its file (an animation's GIF) and what
    it shows, `subject: description` (the page's alt text)."""

    kind: str
    path: str
    subject: str
    description: str

    @property
    def alt(self) -> str:
        return f"{self.subject}: {self.description}" if self.subject else self.description

    def to_params(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, str]) -> "Figure":
        return cls(**params)
