"""Assemble rendered PNG frames into looping GIFs.

Used for each run's animation (one panel) and for an experiment's comparison
(one panel per optimizer, side by side, the same epoch in every frame).
Pillow only: no matplotlib, no TensorFlow.
"""

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from common import atomic_output, load_history, log_to
from pages import RunSummary, write_animation_page, write_comparison_page


def frame_durations(count: int, duration_ms: int, hold_ms: int) -> list[int]:
    """Display time of each frame in milliseconds; the last one is held."""
    return [duration_ms] * (count - 1) + [hold_ms] if count else []


def tile(panels: Sequence[Image.Image], columns: int = 4) -> Image.Image:
    """The panels side by side, at most `columns` per row, on a white background."""
    columns = min(columns, len(panels))
    rows = -(-len(panels) // columns)
    width = max(panel.width for panel in panels)
    height = max(panel.height for panel in panels)
    canvas = Image.new("RGB", (width * columns, height * rows), "white")
    for index, panel in enumerate(panels):
        canvas.paste(panel.convert("RGB"), ((index % columns) * width, (index // columns) * height))
    return canvas


def pack_rgb(pixels: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (...) uint32 0xRRGGBB."""
    pixels = pixels.astype(np.uint32)
    return (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    """(...) uint32 0xRRGGBB -> (..., 3) uint8."""
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(
        np.uint8
    )


def index_frames(frames: Sequence[Image.Image]) -> list[Image.Image]:
    """Each frame as indices into one palette (n <= 256) shared by all frames.

    The palette holds the frames' most frequent colours, exactly: rendered
    charts have few colours beyond anti-aliasing shades, so the white
    background and the bar colours stay exact (a median cut would shift them);
    rarer shades map to their nearest palette colour. A shared palette keeps
    colours steady from frame to frame and gives one global colour table.
    Done here because Pillow's quantize(palette=...) maps even exact colours
    approximately (white became (252, 252, 252)). Each distinct colour is
    mapped once, for all pixels of all frames.
    """
    packed = [pack_rgb(np.asarray(frame.convert("RGB"))) for frame in frames]
    colours, counts = np.unique(
        np.concatenate([frame.ravel() for frame in packed]), return_counts=True
    )
    # Most frequent first; ties broken by colour value, so the order is deterministic.
    by_frequency = np.lexsort((colours, -counts))
    chosen, rest = by_frequency[:256], by_frequency[256:]
    palette = unpack_rgb(colours[chosen])
    # Palette index of every 24-bit colour that occurs (16 MiB, read once per pixel).
    index_of_colour = np.zeros(1 << 24, np.uint8)
    index_of_colour[colours[chosen]] = np.arange(len(chosen))
    # In blocks: a contour's shading has tens of thousands of rarer shades.
    for block in np.array_split(rest, max(1, rest.size // 4096)) if rest.size else []:
        distances = (
            (
                unpack_rgb(colours[block])[:, None, :].astype(np.int32)
                - palette[None].astype(np.int32)
            )
            ** 2
        ).sum(axis=2)
        index_of_colour[colours[block]] = distances.argmin(axis=1)
    indexed = []
    for frame in packed:
        image = Image.fromarray(index_of_colour[frame], mode="P")
        image.putpalette(palette.ravel().tolist())
        indexed.append(image)
    return indexed


def write_gif(
    frames: Sequence[Image.Image], path: str | Path, duration_ms: int, hold_ms: int
) -> None:
    """A GIF that loops forever, each frame shown for its own duration.

    Pillow drops a frame identical to the one before it and adds its duration
    to that one, so the timing stays right even then; `disposal=1` keeps the
    unchanged pixels, which makes the optimised frames small.
    """
    if not frames:
        raise ValueError("no frames to assemble")
    indexed = index_frames(frames)
    with atomic_output(path) as tmp:
        indexed[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=indexed[1:],
            duration=frame_durations(len(frames), duration_ms, hold_ms),
            loop=0,
            optimize=False,
            disposal=1,
        )


def open_rgb(path: str | Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def assemble(
    frame_paths: Sequence[str | Path],
    panels: int,
    path: str | Path,
    duration_ms: int,
    hold_ms: int,
    open_frame: Callable[[str | Path], Image.Image] = open_rgb,
) -> int:
    """Write the GIF of `frame_paths` (panel-major: all frames of panel 1, then 2...).

    `open_frame` reads a frame (a job that uses frames twice caches them).
    Returns the number of GIF frames.
    """
    if len(frame_paths) % panels:
        raise ValueError(f"{len(frame_paths)} frames do not split into {panels} panels")
    per_panel = len(frame_paths) // panels
    columns = [frame_paths[p * per_panel : (p + 1) * per_panel] for p in range(panels)]
    frames = []
    for row in zip(*columns, strict=True):
        images = [open_frame(frame_path) for frame_path in row]
        frames.append(tile(images))
    write_gif(frames, path, duration_ms, hold_ms)
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
    gif_settings = (smk.params.duration_ms, smk.params.hold_ms, functools.cache(open_rgb))
    for label, gif, page in zip(
        smk.params.animations, smk.output.gifs, smk.output.pages, strict=True
    ):
        count = assemble(frames[label], 1, gif, *gif_settings)
        write_animation_page(gif, page, runs[label])
        log.info("wrote %s: %d frames", gif, count)
    if smk.params.comparison:
        (gif,), (page,) = smk.output.comparison, smk.output.comparison_page
        count = assemble(smk.input.frames, len(labels), gif, *gif_settings)
        write_comparison_page(gif, page, list(runs.values()))
        log.info("wrote %s: %d frames of %d panels", gif, count, len(labels))


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
