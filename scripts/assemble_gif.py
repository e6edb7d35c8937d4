"""Assemble rendered PNG frames into looping GIFs.

Used for each run's animation (one panel) and for an experiment's comparison
(one panel per optimizer, side by side, the same epoch in every frame).
Pillow only: no matplotlib, no TensorFlow.
"""

from pathlib import Path
from typing import Any, Sequence

from PIL import Image

from common import atomic_output, log_to


def frame_durations(count: int, duration_ms: int, hold_ms: int) -> list[int]:
    """Display time of each frame in milliseconds; the last one is held."""
    return [duration_ms] * (count - 1) + [hold_ms] if count else []


def tile_horizontally(panels: Sequence[Image.Image]) -> Image.Image:
    """The panels side by side, top-aligned, on a white background."""
    width = sum(panel.width for panel in panels)
    height = max(panel.height for panel in panels)
    canvas = Image.new("RGB", (width, height), "white")
    x = 0
    for panel in panels:
        canvas.paste(panel.convert("RGB"), (x, 0))
        x += panel.width
    return canvas


def shared_palette(frames: Sequence[Image.Image]) -> Image.Image:
    """One 256-colour palette for all frames, from all of their pixels.

    A shared palette keeps colours steady from frame to frame (no flicker)
    and lets Pillow write a single global colour table.
    """
    strip = Image.new("RGB", (frames[0].width, frames[0].height * len(frames)))
    for index, frame in enumerate(frames):
        strip.paste(frame, (0, index * frames[0].height))
    return strip.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


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
    palette = shared_palette(frames)
    indexed = [
        frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames
    ]
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


def assemble(
    frame_paths: Sequence[str | Path], panels: int, path: str | Path, duration_ms: int, hold_ms: int
) -> int:
    """Write the GIF of `frame_paths` (panel-major: all frames of panel 1, then 2...).

    Returns the number of GIF frames.
    """
    if len(frame_paths) % panels:
        raise ValueError(f"{len(frame_paths)} frames do not split into {panels} panels")
    per_panel = len(frame_paths) // panels
    columns = [frame_paths[p * per_panel : (p + 1) * per_panel] for p in range(panels)]
    frames = []
    for row in zip(*columns):
        images = [Image.open(frame_path) for frame_path in row]
        frames.append(tile_horizontally(images))
    write_gif(frames, path, duration_ms, hold_ms)
    return len(frames)


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    count = assemble(
        smk.input.frames, smk.params.panels, smk.output.gif, smk.params.duration_ms, smk.params.hold_ms
    )
    log.info("wrote %s: %d frames of %d panels", smk.output.gif, count, smk.params.panels)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
