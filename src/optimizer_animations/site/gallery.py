"""The gallery: `results/index.html`, every experiment on one static page.

Each experiment's comparison GIF and loss plot, then per animated run its
animation, loss curve and a table of settings and final values. Relative links
only: it works from `file://` and in a copied folder. The only job that reads
every experiment's results, so the only file that changes with any of them.
"""

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer_animations.export.formats import companion_paths, format_of, playback_order
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


@dataclass(frozen=True)
class Shown:
    """A figure as a page shows it: an image, or an animation's GIF with the
    videos and poster that `formats` wrote beside it."""

    src: str
    alt: str
    videos: list[dict[str, str]] = field(default_factory=list)  # src and MIME type
    poster: str | None = None

    @classmethod
    def of(cls, src: str, alt: str, formats: Collection[str] = ("gif",)) -> "Shown":
        companions = companion_paths(src, formats) if src.endswith(".gif") else []
        if not companions:
            return cls(src, alt)
        *videos, poster = companions
        return cls(
            src,
            alt,
            [{"src": video, "type": format_of(video).mime} for video in playback_order(videos)],
            poster,
        )


def animation(gif: str, alt: str, formats: Collection[str] = ("gif",), scale: int = 1) -> str:
    """An animation's HTML as the gallery writes it (see templates/figures.html)."""
    return str(
        TEMPLATES.get_template("figures.html").module.figure(Shown.of(gif, alt, formats), scale)
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


def shown_figure(figure: Figure, formats: Collection[str], subject: str | None = None) -> Shown:
    """A planned figure as the page shows it; `subject`: a run's title."""
    if subject is not None:
        figure = dataclasses.replace(figure, subject=subject)
    return Shown.of(figure.path, figure.alt, formats)


def experiment_entry(
    experiment: str,
    runs: list[RunSummary],
    shown: dict[str, Any],
    formats: Collection[str],
) -> dict[str, Any]:
    """What the gallery shows of one experiment, for templates/gallery.html:
    the figures the plan gives it (config/plan.py), the comparison wide."""
    link = Layout("")  # relative to index.html
    figures = [Figure.from_params(figure) for figure in shown["figures"]]
    comparison = [figure for figure in figures if figure.kind == "comparison"]
    return {
        "name": experiment,
        "protocol": protocol_text(runs[0].tuned) if runs[0].tuned else None,
        "comparison": shown_figure(comparison[0], formats) if comparison else None,
        "figures": [
            shown_figure(figure, formats) for figure in figures if figure.kind != "comparison"
        ],
        "summary": link.summary(experiment),
        "runs": [
            {
                "title": run.title,
                "figures": [
                    shown_figure(Figure.from_params(figure), formats, run.title)
                    for figure in run_figures
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
    formats: Collection[str] = ("gif",),
    scale: int = 1,
) -> str:
    """The page; `shown`: the plan's figures (config.plan.Plan.shown). Every
    image is marked as drawn at `scale` pixels per CSS pixel (`srcset`), so
    that a browser shows a frames.scale 2 figure at its layout size, sharp on
    a HiDPI screen."""
    profile = shown["profile"]
    return render_page(
        "gallery.html",
        title="optimizer-animations",
        scale=scale,
        profile=None if profile is None else shown_figure(Figure.from_params(profile), formats),
        experiments=[
            experiment_entry(experiment, runs, shown["experiments"][experiment], formats)
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
    """Write the gallery to `path` from each experiment's animated histories.

    The page links the figures by name: it depends on the histories and the
    config only, so redrawing a figure leaves it untouched.
    """
    experiments = {
        experiment: [RunSummary.of(load_history(path)) for path in paths]
        for experiment, paths in histories.items()
    }
    write_text(path, index_page(experiments, shown, formats, scale))
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
