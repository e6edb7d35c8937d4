"""Assemble rendered PNG frames into looping GIFs (and videos, export.py).

Used for each run's animation (one panel) and for an experiment's comparison
(one panel per optimizer, side by side, the same epoch in every frame).
Pillow only: no matplotlib, no TensorFlow.
"""

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from optimizer_animations.export.formats import dark_variant
from optimizer_animations.export.writers import FrameStore, Timing, write_animation
from optimizer_animations.files import log_to
from optimizer_animations.records.history import load_history
from optimizer_animations.site.pages import RunSummary, write_animation_page, write_comparison_page


def tile(panels: Sequence[Image.Image], columns: int = 4) -> Image.Image:
    """The panels side by side, at most `columns` per row, on the figures' own
    background (their corner's colour: white, or a dark variant's dark)."""
    columns = min(columns, len(panels))
    rows = -(-len(panels) // columns)
    width = max(panel.width for panel in panels)
    height = max(panel.height for panel in panels)
    background = panels[0].convert("RGB").getpixel((0, 0))
    canvas = Image.new("RGB", (width * columns, height * rows), background)
    for index, panel in enumerate(panels):
        canvas.paste(panel.convert("RGB"), ((index % columns) * width, (index // columns) * height))
    return canvas


def open_rgb(path: str | Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def assemble(
    frame_paths: Sequence[str | Path],
    panels: int,
    path: str | Path,
    timing: Timing,
    open_frame: Callable[[str | Path], Image.Image] = open_rgb,
    formats: Sequence[str] = ("gif",),
) -> int:
    """Write the GIF of `frame_paths` (panel-major: all frames of panel 1,
    then 2...) and the files beside it for `formats`.

    `open_frame` reads a frame (a job that uses frames twice caches them).
    Returns the number of GIF frames.
    """
    if len(frame_paths) % panels:
        raise ValueError(f"{len(frame_paths)} frames do not split into {panels} panels")
    per_panel = len(frame_paths) // panels
    columns = [frame_paths[p * per_panel : (p + 1) * per_panel] for p in range(panels)]
    frames = FrameStore(
        tile([open_frame(frame_path) for frame_path in row]) for row in zip(*columns, strict=True)
    )
    write_animation(frames, path, timing, formats)
    return len(frames)


def main(smk: Any) -> None:
    """The GIFs of some animated runs (and maybe the experiment's comparison),
    each with the page that plays it in the report."""
    log = log_to(smk.log[0])
    labels = smk.params.labels  # the runs whose frames and histories are inputs
    per_run = len(smk.input.frames) // len(labels)
    frames = {
        label: smk.input.frames[i * per_run : (i + 1) * per_run] for i, label in enumerate(labels)
    }
    runs = {
        label: RunSummary.of(load_history(path))
        for label, path in zip(labels, smk.input.histories, strict=True)
    }
    # The comparison reads every run's frames again: decode each PNG once.
    timing = Timing(
        smk.params.duration_ms,
        smk.params.hold_ms,
        [f"epoch {epoch}" for epoch in smk.params.frame_epochs],
        smk.params.gifsicle,
    )
    gif_settings = (timing, functools.cache(open_rgb), smk.params.formats)
    for label, gif, page in zip(
        smk.params.animations, smk.output.gifs, smk.output.pages, strict=True
    ):
        count = assemble(frames[label], 1, gif, *gif_settings)
        write_animation_page(gif, page, runs[label], smk.params.formats)
        log.info("wrote %s: %d frames", gif, count)
    if smk.params.comparison:
        (gif,), (page,) = smk.output.comparison, smk.output.comparison_page
        count = assemble(smk.input.frames, len(labels), gif, *gif_settings)
        write_comparison_page(gif, page, list(runs.values()), smk.params.formats)
        log.info("wrote %s: %d frames of %d panels", gif, count, len(labels))
    # A published GIF's dark variant, from the dark frames (figures/style.py).
    dark = set(smk.output.dark)
    dark_frames = {str(path) for path in smk.input.dark_frames}

    def dark_of(paths: Sequence[str]) -> list[str]:
        return [variant for path in paths if (variant := dark_variant(path)) in dark_frames]

    for label, gif in zip(smk.params.animations, smk.output.gifs, strict=True):
        if dark_variant(gif) in dark:
            assemble(dark_of(frames[label]), 1, dark_variant(gif), *gif_settings)
    if smk.params.comparison and dark_variant(smk.output.comparison[0]) in dark:
        assemble(
            dark_of(smk.input.frames),
            len(labels),
            dark_variant(smk.output.comparison[0]),
            *gif_settings,
        )
