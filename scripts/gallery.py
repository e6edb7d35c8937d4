"""The gallery: `results/index.html`, every experiment on one static page.

Each experiment's comparison GIF and loss plot, then per animated run its
animation, loss curve and a table of settings and final values. Relative links
only: it works from `file://` and in a copied folder. The only job that reads
every experiment's results, so the only file that changes with any of them.
"""

import html
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from common import load_history, log_to
from export import companion_paths, playback_order
from layout import Layout
from pages import RunSummary, format_value, page, protocol_text, write_text


def settings_table(run: RunSummary) -> str:
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
    rows += [(key, format_value(value)) for key, value in sorted(run.settings.items())]
    diverged = ' class="diverged"' if run.diverged_at is not None else ""
    body = "".join(
        f"<tr><th>{html.escape(key)}</th>"
        f"<td{diverged if key == 'final loss' else ''}>{html.escape(value)}</td></tr>"
        for key, value in rows
    )
    return f"<table>{body}</table>"


def animation(gif: str, alt: str, formats: Collection[str] = ("gif",)) -> str:
    """An animation as the page shows it: a muted looping video with its
    poster when `formats` made videos (browsers autoplay only muted video),
    the GIF inside it as the fallback; otherwise the GIF."""
    image = f'<img src="{gif}" alt="{html.escape(alt)}">'
    companions = companion_paths(gif, formats)
    if not companions:
        return image
    *videos, poster = companions
    sources = "".join(
        f'<source src="{video}" type="video/{Path(video).suffix.lstrip(".")}">'
        for video in playback_order(videos)
    )
    return (
        f'<video autoplay loop muted playsinline poster="{poster}"'
        f' aria-label="{html.escape(alt)}">{sources}{image}</video>'
    )


def figure(source: str, alt: str, formats: Collection[str] = ("gif",)) -> str:
    return f'<p class="wide">{animation(source, alt, formats)}</p>'


def index_page(
    experiments: dict[str, list[RunSummary]],
    sensitivity: Collection[str] = (),
    trajectories: Collection[str] = (),
    time_to_target: Collection[str] = (),
    profile: bool = False,
    formats: Collection[str] = ("gif",),
    scale: int = 1,
) -> str:
    """The page; `sensitivity`, `trajectories` and `time_to_target` name the
    experiments that have that figure; `profile`: whether the tuned
    experiments' performance profile exists."""
    parts = [
        "<h1>optimizer-animations</h1>",
        "<p>Every experiment's optimizers side by side, their paths over the loss"
        " and their losses, then each optimizer's animation, loss curve and settings.</p>",
    ]
    link = Layout("")  # relative to index.html
    if profile:
        parts.append(
            "<p>Across the tuned experiments: the share of experiments on which each"
            " optimizer's cost is within a factor tau of the best one's.</p>"
            + figure(link.profile(), "performance profile across the tuned experiments")
        )
    for experiment, runs in experiments.items():
        name = html.escape(experiment)
        landscape = runs[0].function is not None
        parts.append(f'<h2 id="{name}">{name}</h2>')
        if runs[0].tuned:
            parts.append(f'<p class="protocol">{html.escape(protocol_text(runs[0].tuned))}</p>')
        if not landscape:
            parts.append(figure(link.comparison(experiment), f"{name}: all optimizers", formats))
        parts.append("<p>")
        # At their own size (a phone scales them down): stretched, they blur.
        if experiment in trajectories:
            gif = link.trajectory(experiment, landscape)
            parts.append(animation(gif, f"{name}: every optimizer's path", formats) + " ")
        if landscape and experiment in trajectories:
            gif = link.panels(experiment)
            parts.append(animation(gif, f"{name}: one panel per optimizer", formats) + " ")
        parts.append(
            f'<img src="{link.loss_plot(experiment)}" alt="{name}: loss of every optimizer">'
        )
        if experiment in sensitivity:
            parts.append(
                f' <img src="{link.sensitivity(experiment)}"'
                f' alt="{name}: final loss against learning rate">'
            )
        if experiment in time_to_target:
            parts.append(
                f' <img src="{link.time_to_target(experiment)}"'
                f' alt="{name}: time to the target, a box per optimizer">'
            )
        parts.append(
            f'</p><p><a href="{link.summary(experiment)}">summary.csv</a>:'
            " every run's final loss</p>"
        )
        parts.append('<div class="runs">')
        for run in runs:
            title = html.escape(run.title)
            images = (
                ""
                if landscape
                else animation(
                    link.animation(experiment, run.label),
                    f"{run.title}: outputs per epoch",
                    formats,
                )
                + f'<img src="{link.run_loss_plot(experiment, run.label)}" alt="{title}: loss">'
            )
            parts.append(
                f'<div class="run"><h3>{title}</h3>{images}'
                f"{settings_table(run)}"
                f'<p><a href="{link.history(experiment, run.label)}">history.npz</a></p></div>'
            )
        parts.append("</div>")
    return page("optimizer-animations", with_density("\n".join(parts), scale))


def with_density(body: str, scale: int) -> str:
    """Every image marked as drawn at `scale` pixels per CSS pixel (`srcset`),
    so that a browser shows a frames.scale 2 figure at its layout size,
    sharp on a HiDPI screen."""
    if scale == 1:
        return body
    return re.sub(r'<img src="([^"]+)"', rf'<img src="\1" srcset="\1 {scale}x"', body)


def write_index(
    path: str | Path,
    histories: dict[str, list[Path]],
    sensitivity: Collection[str] = (),
    trajectories: Collection[str] = (),
    time_to_target: Collection[str] = (),
    profile: bool = False,
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
    write_text(
        path,
        index_page(experiments, sensitivity, trajectories, time_to_target, profile, formats, scale),
    )
    return experiments


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    # The inputs are each experiment's animated histories, in the params' order.
    paths = iter(smk.input.histories)
    histories = {
        experiment: [Path(next(paths)) for _ in labels]
        for experiment, labels in smk.params.animated.items()
    }
    experiments = write_index(
        smk.output.index,
        histories,
        smk.params.sensitivity,
        smk.params.trajectories,
        smk.params.time_to_target,
        smk.params.profile,
        smk.params.formats,
        smk.params.scale,
    )
    log.info("gallery of %d experiments written to %s", len(experiments), smk.output.index)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
