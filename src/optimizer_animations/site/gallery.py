"""The gallery: `results/index.html`, every experiment on one static page.

Each experiment's comparison GIF and loss plot, then per animated run its
animation, loss curve and a table of settings and final values. Relative links
only: it works from `file://` and in a copied folder. The only job that reads
every experiment's results, so the only file that changes with any of them.
"""

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer_animations.files import log_to
from optimizer_animations.records.history import load_history
from optimizer_animations.records.layout import Figure, Layout
from optimizer_animations.site.html import TEMPLATES, render_page
from optimizer_animations.site.pages import (
    RunSummary,
    format_value,
    protocol_text,
    write_text,
)
from optimizer_animations.site.player import ASSETS, Shown, asset_text


def animation(
    gif: str,
    alt: str,
    formats: Collection[str] = ("gif",),
    scale: int = 1,
    root: Path | None = None,
) -> str:
    """An animation's HTML as the gallery writes it (see templates/figures.html)."""
    return str(
        TEMPLATES.get_template("figures.html").module.figure(
            Shown.of(gif, alt, formats, root, scale), scale
        )
    )


def settings_rows(run: RunSummary) -> list[tuple[str, str]]:
    if run.final_position is not None:
        rows = [
            ("optimizer", run.optimizer),
            ("steps", str(run.epochs)),
            ("final loss", run.final_loss_text),
            ("final position", ", ".join(f"{v:.4g}" for v in run.final_position)),
        ]
    else:
        rows = [
            ("optimizer", run.optimizer),
            ("epochs", str(run.epochs)),
            ("bias", "yes" if run.use_bias else "no"),
            ("final loss", run.final_loss_text),
            (
                "final outputs",
                "; ".join(", ".join(f"{v:.4g}" for v in row) for row in run.final_outputs or []),
            ),
        ]
    return rows + [(key, format_value(value)) for key, value in sorted(run.settings.items())]


@dataclass(frozen=True)
class Showing:
    """How the gallery shows its figures: `formats`, drawn at `scale`, read
    from `root` (the results folder; None: no players)."""

    formats: Collection[str] = ("gif",)
    scale: int = 1
    root: Path | None = None

    def figure(self, figure: Figure, subject: str | None = None) -> Shown:
        """A planned figure as the page shows it; `subject`: a run's title."""
        if subject is not None:
            figure = dataclasses.replace(figure, subject=subject)
        return Shown.of(figure.path, figure.alt, self.formats, self.root, self.scale)


def experiment_entry(
    experiment: str,
    runs: list[RunSummary],
    shown: dict[str, Any],
    showing: Showing,
) -> dict[str, Any]:
    """What the gallery shows of one experiment, for templates/gallery.html:
    the figures the plan gives it (config/plan.py), the comparison wide."""
    link = Layout("")  # relative to index.html
    figures = [Figure.from_params(figure) for figure in shown["figures"]]
    comparison = [figure for figure in figures if figure.kind == "comparison"]
    return {
        "name": experiment,
        "protocol": protocol_text(runs[0].tuned) if runs[0].tuned else None,
        "comparison": showing.figure(comparison[0]) if comparison else None,
        "figures": [showing.figure(figure) for figure in figures if figure.kind != "comparison"],
        "summary": link.summary(experiment),
        "explorer": shown.get("explorer"),
        "runs": [
            {
                "title": run.title,
                "figures": [
                    showing.figure(Figure.from_params(figure), run.title) for figure in run_figures
                ],
                "rows": settings_rows(run),
                "diverged": run.diverged_at is not None,
                "history": link.history(experiment, run.label),
            }
            for run, run_figures in zip(runs, shown["run_figures"], strict=True)
        ],
    }


def index_page(
    experiments: dict[str, list[RunSummary]],
    shown: dict[str, Any],
    showing: Showing = Showing(),
) -> str:
    """The page; `shown`: the plan's figures (config.plan.Plan.shown). Every
    image is marked as drawn at `showing.scale` pixels per CSS pixel
    (`srcset`), so that a browser shows a frames.scale 2 figure at its
    layout size, sharp on a HiDPI screen."""
    profile = shown["profile"]
    return render_page(
        "gallery.html",
        title="optimizer-animations",
        scale=showing.scale,
        assets=ASSETS if showing.root is not None else (),
        profile=None if profile is None else showing.figure(Figure.from_params(profile)),
        experiments=[
            experiment_entry(experiment, runs, shown["experiments"][experiment], showing)
            for experiment, runs in experiments.items()
        ],
    )


def write_index(
    path: str | Path,
    histories: dict[str, list[Path]],
    shown: dict[str, Any],
    formats: Collection[str] = ("gif",),
    scale: int = 1,
) -> dict[str, list[RunSummary]]:
    """Write the gallery to `path` from each experiment's animated histories,
    and the player's files (ASSETS) beside it.

    The page links the figures by name and reads each animation's player
    file (its frames' count, size and labels), never the figures
    themselves.
    """
    experiments = {
        experiment: [RunSummary.of(load_history(path)) for path in paths]
        for experiment, paths in histories.items()
    }
    folder = Path(path).parent
    write_text(path, index_page(experiments, shown, Showing(formats, scale, folder)))
    for name in ASSETS:
        write_text(folder / name, asset_text(name))
    return experiments


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    shown = smk.params.figures
    # The inputs are each experiment's animated histories, in the plan's order.
    paths = iter(smk.input.histories)
    histories = {
        experiment: [Path(next(paths)) for _ in entry["run_figures"]]
        for experiment, entry in shown["experiments"].items()
    }
    experiments = write_index(
        smk.output.index, histories, shown, smk.params.formats, smk.params.scale
    )
    log.info("gallery of %d experiments written to %s", len(experiments), smk.output.index)
