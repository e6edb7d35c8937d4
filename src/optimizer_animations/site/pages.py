"""What every figure of an experiment says: report captions and playable GIF pages.

- `caption.rst`: what each figure shows, read by `snakemake --report`;
  written with the experiment's summary, from the histories alone.
- `animation.html` / `comparison.html`: an animation in its player
  (site/player.py), in a self-contained page (frames, video, script and
  style inlined), because Snakemake's report offers GIFs only as downloads
  but shows HTML in place; written with the GIFs.

Each experiment's pages and captions are written by that experiment's jobs, so
a change to one experiment never rewrites another's files.
"""

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer_animations.files import atomic_output
from optimizer_animations.records.history import History
from optimizer_animations.site.html import render_page
from optimizer_animations.site.player import Shown, inline_assets
from optimizer_animations.tuning.protocol import OBJECTIVE_WORDS


@dataclass(frozen=True)
class RunSummary:
    experiment: str
    label: str
    title: str
    optimizer: str
    settings: dict[str, Any]  # the optimizer's full Keras config, name aside
    epochs: int
    use_bias: bool | None  # None on a landscape
    final_loss: float
    final_outputs: list[list[float]] | None  # the page's model's; None on a landscape
    diverged_at: int | None
    function: str | None = None  # a landscape's function name
    final_position: list[float] | None = None  # a landscape's final (x, y)
    tuned: dict[str, Any] | None = None  # a tuned run's choice and protocol (meta.tuned)
    versions: dict[str, str] | None = None  # what trained it (meta.versions)

    @classmethod
    def of(cls, history: History) -> "RunSummary":
        run = history.run
        config = dict(run.optimizer_config)
        config.pop("name", None)
        function = run.function
        return cls(
            experiment=run.experiment,
            label=run.label,
            title=run.title,
            optimizer=run.optimizer,
            settings=config,
            epochs=history.epochs,
            use_bias=run.use_bias,
            final_loss=float(history.loss[-1]),
            final_outputs=None if history.pred is None else history.pred[-1].tolist(),
            diverged_at=history.first_non_finite_epoch(),
            function=function["name"] if function else None,
            final_position=history.params[-1].tolist() if function else None,
            tuned=run.tuned,
            versions=run.versions,
        )

    def training_text(self, bias: bool = True) -> str:
        """`500 full-batch epochs without bias` (or without the bias part), or
        `400 steps on rosenbrock`."""
        if self.function is not None:
            return f"{self.epochs} steps on {self.function}"
        bias_text = f" {'with' if self.use_bias else 'without'} bias" if bias else ""
        return f"{self.epochs} full-batch epochs{bias_text}"

    @property
    def settings_text(self) -> str:
        return ", ".join(
            f"{key}={format_value(value)}" for key, value in sorted(self.settings.items())
        )

    @property
    def class_note(self) -> str:
        """Names the class, e.g. " (Adam)", when the title is a chosen label."""
        return "" if self.title == self.optimizer else f" ({self.optimizer})"

    @property
    def final_loss_text(self) -> str:
        if self.diverged_at is not None:
            return f"diverged at epoch {self.diverged_at}"
        return f"{self.final_loss:.6g}"


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


# Captions are reStructuredText that Snakemake's report first renders as a
# Jinja2 template: text from a config must reach the reader as text, not as
# markup of either (a `{{ ... }}` runs Python, a `.. raw::` writes HTML). These
# characters mean nothing to either where a caption puts them (mid-line: a
# colon makes a role only with a backtick, which is escaped, and a field list
# only at the start of a line, where captions put their own words).
RST_PLAIN = frozenset(" .,;:=+-()")


def rst_text(text: str) -> str:
    """`text` as literal reStructuredText: every character but letters,
    digits and RST_PLAIN backslash-escaped (which also keeps Jinja2's `{{`,
    `{%` and `{#` apart), anything unprintable written as its escape."""
    printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return "".join(c if c.isalnum() or c in RST_PLAIN else f"\\{c}" for c in printable)


def rst_literal(text: str) -> str:
    """`text` in a monospace font, literally: an inline literal where nothing in
    it could end one or mean something to Jinja2, else the `literal` role,
    whose text takes backslash escapes."""
    if text.isprintable() and not set(text) & set("`{}%#\\"):
        return f"``{text}``"
    return f":literal:`{rst_text(text)}`"


def run_caption(run: RunSummary) -> str:
    return (
        f"Experiment **{rst_text(run.experiment)}**, optimizer **{rst_text(run.title)}**"
        f"{rst_text(run.class_note)}, {rst_text(run.training_text())}; final loss"
        f" {rst_text(run.final_loss_text)}.\n\n"
        f"Optimizer settings: {rst_literal(run.settings_text)}\n"
    )


def protocol_text(tuned: dict[str, Any]) -> str:
    """The tuning protocol in one sentence, from a run's `meta.tuned`."""
    grid = tuned["learning_rate_grid"]
    seeds = [seed for seed in tuned["seeds"] if seed is not None]
    objective = OBJECTIVE_WORDS[tuned["objective"]][1].format(target=tuned.get("target"))
    from_seeds = f", each from {len(seeds)} seeds" if seeds else ""
    return (
        f"Tuned: every optimizer got the same {grid['points']} learning rates, log-spaced"
        f" from {grid['min']:.3g} to {grid['max']:.3g}{from_seeds}; the rate with the best"
        f" median {objective} was chosen (ties: the smaller rate)."
    )


def experiment_caption(experiment: str, runs: Sequence[RunSummary], total: int) -> str:
    start = "the same start" if runs[0].function else "the same initial weights"
    lines = [
        f"Experiment **{rst_text(experiment)}**: {total} runs of"
        f" {rst_text(runs[0].training_text(bias=False))}"
        + (
            f" from {start}."
            if total == len(runs)
            else f"; the aggregate figures use all of them (see summary.csv), the"
            f" animated {len(runs)} are:"
        ),
        "",
    ]
    for run in runs:
        lines.append(
            f"- **{rst_text(run.title)}**{rst_text(run.class_note)}: final loss"
            f" {rst_text(run.final_loss_text)}; {rst_literal(run.settings_text)}"
        )
    if runs[0].tuned:
        lines += ["", rst_text(protocol_text(runs[0].tuned))]
    made_with = trained_with(runs[0].versions or {})
    if made_with:
        lines += ["", rst_text(made_with)]
    return "\n".join(lines) + "\n"


def trained_with(versions: dict[str, str]) -> str:
    """`Trained with optimizer-animations 1.0.0 (TensorFlow 2.21.0, Keras
    3.15.0).`, as the run's history records it (none for an older history)."""
    if "optimizer_animations" not in versions:
        return ""
    libraries = ", ".join(
        f"{name} {versions[key]}"
        for key, name in (("tensorflow", "TensorFlow"), ("keras", "Keras"))
        if key in versions
    )
    return f"Trained with optimizer-animations {versions['optimizer_animations']}" + (
        f" ({libraries})." if libraries else "."
    )


def gif_page(gif: Path, title: str, description: str, formats: Collection[str]) -> str:
    """A self-contained page that plays `gif` (and the files `formats` wrote
    beside it) in its player."""
    return render_page(
        "gif_page.html",
        title=title,
        description=description,
        shown=Shown.standing_alone(gif, title, formats),
        inline=inline_assets(),
    )


def write_text(path: str | Path, text: str) -> None:
    with atomic_output(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def write_captions(
    experiment: str,
    runs: Sequence[RunSummary],
    total: int,
    path: str | Path,
    run_paths: Sequence[str | Path],
) -> None:
    """The experiment's caption to `path`, its first runs' to `run_paths`
    (none: a landscape's runs share their figures)."""
    write_text(path, experiment_caption(experiment, runs, total))
    for run, run_path in zip(runs if run_paths else [], run_paths, strict=True):
        write_text(run_path, run_caption(run))


def write_animation_page(
    gif: str | Path, path: str | Path, run: RunSummary, formats: Collection[str]
) -> None:
    """The page that plays one run's `gif`."""
    description = f"{run.epochs} epochs, final loss {run.final_loss_text}; {run.settings_text}"
    title = f"{run.experiment}: {run.title}"
    write_text(path, gif_page(Path(gif), title, description, formats))


def write_comparison_page(
    gif: str | Path, path: str | Path, runs: Sequence[RunSummary], formats: Collection[str]
) -> None:
    """The page that plays an experiment's comparison `gif` of `runs`."""
    description = "; ".join(f"{r.title}: final loss {r.final_loss_text}" for r in runs)
    title = f"{runs[0].experiment}: all optimizers"
    write_text(path, gif_page(Path(gif), title, description, formats))


def write_trajectory_page(
    gif: str | Path, path: str | Path, experiment: str, subtitle: str, formats: Collection[str]
) -> None:
    """The page that plays an experiment's trajectory `gif`."""
    write_text(path, gif_page(Path(gif), f"{experiment}: paths", subtitle, formats))
