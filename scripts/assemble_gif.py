"""Assemble rendered PNG frames into looping GIFs.

Used for each run's animation (one panel) and for an experiment's comparison
(one panel per optimizer, side by side, the same epoch in every frame).
Pillow only: no matplotlib, no TensorFlow.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from common import atomic_output, log_to


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


def shared_palette(frames: Sequence[Image.Image]) -> np.ndarray:
    """One palette (n <= 256, 3) for all frames: their most frequent colours, exactly.

    Rendered charts have few colours beyond anti-aliasing shades, so the
    white background and the bar colours stay exact (a median cut would shift
    them); rarer shades map to their nearest palette colour. A shared palette
    keeps colours steady from frame to frame and gives one global colour table.
    """
    packed = np.concatenate(
        [pack_rgb(np.asarray(frame.convert("RGB"))).ravel() for frame in frames]
    )
    colours, counts = np.unique(packed, return_counts=True)
    # Most frequent first; ties broken by colour value, so the order is deterministic.
    chosen = colours[np.lexsort((colours, -counts))[:256]]
    return np.stack([(chosen >> 16) & 255, (chosen >> 8) & 255, chosen & 255], axis=1).astype(
        np.uint8
    )


def to_palette(frame: Image.Image, palette: np.ndarray) -> Image.Image:
    """`frame` as palette indices: exact where the colour is in `palette`, else nearest.

    Done here because Pillow's quantize(palette=...) maps even exact colours
    approximately (white became (252, 252, 252)).
    """
    pixels = np.asarray(frame.convert("RGB"))
    packed = pack_rgb(pixels)
    keys = pack_rgb(palette)
    order = np.argsort(keys)
    position = np.clip(np.searchsorted(keys[order], packed), 0, len(keys) - 1)
    indices = order[position]
    missing = keys[indices] != packed
    if missing.any():
        distances = (
            (pixels[missing][:, None, :].astype(int) - palette[None].astype(int)) ** 2
        ).sum(axis=2)
        indices[missing] = distances.argmin(axis=1)
    image = Image.fromarray(indices.astype(np.uint8), mode="P")
    image.putpalette(palette.ravel().tolist())
    return image


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
    indexed = [to_palette(frame, palette) for frame in frames]
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
    for row in zip(*columns, strict=True):
        images = [Image.open(frame_path) for frame_path in row]
        frames.append(tile(images))
    write_gif(frames, path, duration_ms, hold_ms)
    return len(frames)


def main(smk: Any) -> None:
    log = log_to(smk.log[0])
    count = assemble(
        smk.input.frames,
        smk.params.panels,
        smk.output.gif,
        smk.params.duration_ms,
        smk.params.hold_ms,
    )
    log.info("wrote %s: %d frames of %d panels", smk.output.gif, count, smk.params.panels)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
