"""Writing an animation's files: one function per format of the registry
(export/formats.py, `WRITE`), each turning the frames into one file beside
the GIF.

- GIF: one palette shared by all frames (Pillow's encoder), then, with
  `animation.gifsicle`, Debian's `gifsicle -O3` (lossless).
- MP4 (H.264, yuv420p, +faststart) and WebM (VP9) through the FFmpeg that
  the imageio-ffmpeg wheel ships; single-threaded with FFmpeg's bitexact
  flags, so that the same frames give the same bytes.
- The poster: the last frame as an indexed PNG (index_frames), what a
  `<video>` shows before it plays.
- Without a video, the frames: every frame, indexed with the GIF's
  palette, on one grid PNG that a page's player steps through exactly.
- The player's file (`name.player.json`): the frames' count, size, timing,
  grid and labels, which the gallery, the report pages and the Sphinx
  directive give the player (site/player.py).

Pillow, NumPy, gifsicle and imageio-ffmpeg only: no matplotlib, no TensorFlow.
"""

import json
import math
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from optimizer_animations.export.formats import companion_formats, companion_paths
from optimizer_animations.files import atomic_output

# Same frames, same bytes: one encoder thread, no version strings or dates.
BITEXACT = ["-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]
ENCODERS = {
    # CRF 23 is x264's default quality; the slowest preset and the still-image
    # tuning suit charts (flat colours, small changes): 10-15 % smaller than
    # `medium` here, at ~0.3 s of CPU per docs animation. +faststart puts the
    # index first, so that a browser plays before the file arrives.
    "mp4": (
        "libx264",
        ["-crf", "23", "-preset", "veryslow", "-tune", "stillimage", "-movflags", "+faststart"],
    ),
    # Constant quality (-b:v 0); row multithreading off for the same bytes.
    "webm": ("libvpx-vp9", ["-crf", "32", "-b:v", "0", "-row-mt", "0", "-deadline", "good"]),
}


@dataclass(frozen=True)
class Timing:
    """How an animation plays: each frame's time, the last one's, and what
    each frame shows (`labels`, "epoch 25"; empty: "frame 1", "frame 2"...)."""

    duration_ms: int
    hold_ms: int
    labels: Sequence[str] = field(default_factory=tuple)
    gifsicle: bool = False  # the GIF through `gifsicle -O3`

    def frame_labels(self, count: int) -> list[str]:
        if not self.labels:
            return [f"frame {index + 1}" for index in range(count)]
        if len(self.labels) != count:
            raise ValueError(f"{len(self.labels)} frame labels for {count} frames")
        return list(self.labels)


def frame_durations(count: int, duration_ms: int, hold_ms: int) -> list[int]:
    """Display time of each frame in milliseconds; the last one is held."""
    return [duration_ms] * (count - 1) + [hold_ms] if count else []


def pack_rgb(pixels: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> (...) uint32 0xRRGGBB."""
    pixels = pixels.astype(np.uint32)
    return (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    """(...) uint32 0xRRGGBB -> (..., 3) uint8."""
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1).astype(
        np.uint8
    )


class FrameStore:
    """An animation's frames, held exactly in little memory while the
    figure draws them one by one: each frame as its distinct colours and,
    per pixel, the index of its colour (2 bytes a pixel where a frame has
    fewer than 65,536 colours, as charts do, against 3 for RGB and 4 more
    for the packed colours an index needs). Every writer reads the frames
    from here: a video gets each frame's exact RGB back, the GIF and the
    frames' grid each frame's indices into one shared palette.
    """

    def __init__(self, frames: Iterable[Image.Image] = ()) -> None:
        # Per frame: its distinct colours (packed), each one's pixel count,
        # and each pixel's index into them.
        self._frames: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.size: tuple[int, int] = (0, 0)  # width, height
        for frame in frames:
            self.add(frame)

    @classmethod
    def of(cls, frames: "FrameStore | Iterable[Image.Image]") -> "FrameStore":
        return frames if isinstance(frames, FrameStore) else cls(frames)

    def add(self, frame: Image.Image) -> None:
        if self._frames and frame.size != self.size:
            raise ValueError(f"a frame of {frame.size} among frames of {self.size}")
        self.size = frame.size
        packed = pack_rgb(np.asarray(frame.convert("RGB")))
        colours, inverse, counts = np.unique(packed, return_inverse=True, return_counts=True)
        dtype = np.uint16 if len(colours) <= 1 << 16 else np.uint32
        self._frames.append((colours, counts, inverse.reshape(packed.shape).astype(dtype)))

    def __len__(self) -> int:
        return len(self._frames)

    def rgb(self, index: int) -> np.ndarray:
        """Frame `index` as (height, width, 3) uint8, exactly as drawn."""
        colours, _, inverse = self._frames[index]
        return unpack_rgb(colours[inverse])

    def indexed(self, indices: Sequence[int] | None = None) -> list[Image.Image]:
        """The frames of `indices` (all by default) as indices into one
        palette (n <= 256) chosen from those frames' colours (`palette_map`)."""
        indices = range(len(self)) if indices is None else indices
        palette, index_of_colour = self.palette_map(indices)
        images = []
        for index in indices:
            image = Image.fromarray(self.palette_indices(index, index_of_colour), mode="P")
            image.putpalette(palette.ravel().tolist())
            images.append(image)
        return images

    def palette_indices(self, index: int, index_of_colour: np.ndarray) -> np.ndarray:
        """Frame `index`'s pixels as palette indices (height, width) uint8."""
        colours, _, inverse = self._frames[index]
        return index_of_colour[colours][inverse]

    def palette_map(self, indices: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """The palette (n, 3) of the frames of `indices` and the palette index
        of every 24-bit colour that occurs in them (16 MiB, read per pixel).

        The palette holds the frames' most frequent colours, exactly:
        rendered charts have few colours beyond anti-aliasing shades, so the
        white background and the bar colours stay exact (a median cut would
        shift them); rarer shades map to their nearest palette colour. A
        shared palette keeps colours steady from frame to frame and gives one
        global colour table. Done here because Pillow's quantize(palette=...)
        maps even exact colours approximately (white became (252, 252, 252)).
        Each distinct colour is mapped once, for all pixels of all frames.
        """
        per_frame = [self._frames[i] for i in indices]
        colours, where = np.unique(
            np.concatenate([colours for colours, _, _ in per_frame]), return_inverse=True
        )
        counts = np.zeros(len(colours), np.int64)
        offset = 0
        for frame_colours, frame_counts, _ in per_frame:
            # A frame's colours are distinct: no index repeats within the slice.
            counts[where[offset : offset + len(frame_colours)]] += frame_counts
            offset += len(frame_colours)
        # Most frequent first; ties broken by colour value, so the order is deterministic.
        by_frequency = np.lexsort((colours, -counts))
        chosen, rest = by_frequency[:256], by_frequency[256:]
        palette = unpack_rgb(colours[chosen])
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
        return palette, index_of_colour


def index_frames(frames: "FrameStore | Sequence[Image.Image]") -> list[Image.Image]:
    """Each frame as indices into one palette (n <= 256) shared by all
    frames (FrameStore.palette_map)."""
    return FrameStore.of(frames).indexed()


class ToolMissing(RuntimeError):
    """A program the config asks for is not installed where the job runs."""


GIFSICLE_MISSING = (
    "'animation.gifsicle' is true, but gifsicle is not installed where this job runs:"
    " apt-get install gifsicle (Debian, Ubuntu), brew install gifsicle (macOS), or set"
    " animation: {gifsicle: false} for GIFs 3-4x larger"
)


def write_gif(
    frames: "FrameStore | Sequence[Image.Image]",
    path: str | Path,
    duration_ms: int,
    hold_ms: int,
    gifsicle: bool = False,
) -> None:
    """A GIF that loops forever, each frame shown for its own duration.

    Pillow drops a frame identical to the one before it and adds its duration
    to that one, so the timing stays right even then; `disposal=1` keeps the
    unchanged pixels, which makes the optimised frames small. `gifsicle`:
    then `gifsicle -O3`, which stores each frame's changed pixels only (the
    rest transparent) and tries LZW's options: a third to a quarter of the
    bytes, every decoded frame the same.
    """
    frames = FrameStore.of(frames)
    if not len(frames):
        raise ValueError("no frames to assemble")
    # Checked by the job, in the environment that runs it (a cluster node's),
    # not while Snakemake parses the workflow on a login node.
    if gifsicle and shutil.which("gifsicle") is None:
        raise ToolMissing(GIFSICLE_MISSING)
    indexed = index_frames(frames)
    with atomic_output(path) as tmp:
        pillow = tmp.with_name(f"{tmp.name}.pillow.gif") if gifsicle else tmp
        indexed[0].save(
            pillow,
            format="GIF",
            save_all=True,
            append_images=indexed[1:],
            duration=frame_durations(len(indexed), duration_ms, hold_ms),
            loop=0,
            optimize=False,
            disposal=1,
        )
        if gifsicle:
            try:
                subprocess.run(
                    ["gifsicle", "-O3", "--no-warnings", str(pillow), "-o", str(tmp)],
                    check=True,
                    capture_output=True,
                )
            finally:
                pillow.unlink(missing_ok=True)


def padded_rgb(frames: FrameStore, index: int) -> np.ndarray:
    """Frame `index` as RGB padded with white to even sizes (what yuv420p
    needs; the picture is never scaled)."""
    pixels = frames.rgb(index)
    height, width = pixels.shape[:2]
    padded = np.full((height + height % 2, width + width % 2, 3), 255, np.uint8)
    padded[:height, :width] = pixels
    return padded


def video_frames(
    frames: "FrameStore | Sequence[Image.Image]", duration_ms: int, hold_ms: int
) -> tuple[Iterator[np.ndarray], int, float]:
    """The frames as padded RGB arrays (padded_rgb), one at a time, at a
    constant rate of one frame per `duration_ms`, the last repeated to last
    about `hold_ms`: the arrays, their count and the rate."""
    frames = FrameStore.of(frames)
    repeats = max(1, round(hold_ms / duration_ms)) - 1
    order = [*range(len(frames)), *[len(frames) - 1] * repeats]
    return (padded_rgb(frames, index) for index in order), len(order), 1000 / duration_ms


def write_video(
    frames: "FrameStore | Sequence[Image.Image]", path: str | Path, duration_ms: int, hold_ms: int
) -> None:
    """An MP4 or WebM (by `path`'s suffix) of the frames."""
    import imageio_ffmpeg

    frames = FrameStore.of(frames)
    arrays, _, fps = video_frames(frames, duration_ms, hold_ms)
    codec, options = ENCODERS[Path(path).suffix.lstrip(".")]
    width, height = (side + side % 2 for side in frames.size)
    with atomic_output(path) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp),
            (width, height),
            fps=fps,
            codec=codec,
            quality=None,
            macro_block_size=2,
            output_params=[*options, *BITEXACT],
            ffmpeg_log_level="error",
        )
        writer.send(None)
        for array in arrays:
            writer.send(np.ascontiguousarray(array).tobytes())
        writer.close()


def write_poster(frames: "FrameStore | Sequence[Image.Image]", path: str | Path, _: Timing) -> None:
    """The last frame, indexed like the GIF's frames (its own most frequent
    colours, exact up to 256 of them): under half the RGB size."""
    frames = FrameStore.of(frames)
    with atomic_output(path) as tmp:
        frames.indexed([len(frames) - 1])[0].save(tmp, format="PNG", optimize=True)


def grid_columns(count: int, width: int, height: int) -> int:
    """Columns of the frames' grid: near square, so that neither side grows
    past what browsers decode (a strip of 100 frames is 48,000 px tall)."""
    return max(1, min(count, math.ceil(math.sqrt(count * height / width))))


def write_frames(frames: "FrameStore | Sequence[Image.Image]", path: str | Path, _: Timing) -> None:
    """Every frame, indexed with one palette (FrameStore.palette_map),
    row-major on a grid of grid_columns columns: frame i at column
    i % columns, row i // columns, each exactly as the GIF shows it."""
    frames = FrameStore.of(frames)
    width, height = frames.size
    columns = grid_columns(len(frames), width, height)
    rows = -(-len(frames) // columns)
    palette, index_of_colour = frames.palette_map(range(len(frames)))
    # Filled frame by frame: no list of indexed frames beside the grid.
    pixels = np.zeros((height * rows, width * columns), np.uint8)
    for index in range(len(frames)):
        top, left = (index // columns) * height, (index % columns) * width
        pixels[top : top + height, left : left + width] = frames.palette_indices(
            index, index_of_colour
        )
    sheet = Image.fromarray(pixels, mode="P")
    sheet.putpalette(palette.ravel().tolist())
    with atomic_output(path) as tmp:
        sheet.save(tmp, format="PNG", optimize=True)


def player_description(frames: "FrameStore | Sequence[Image.Image]", timing: Timing) -> dict:
    """What a page's player needs to know of an animation (`name.player.json`)."""
    frames = FrameStore.of(frames)
    width, height = frames.size
    return {
        "frames": len(frames),
        "width": width,
        "height": height,
        "columns": grid_columns(len(frames), width, height),
        "duration_ms": timing.duration_ms,
        "hold_ms": timing.hold_ms,
        "labels": timing.frame_labels(len(frames)),
    }


def write_player(
    frames: "FrameStore | Sequence[Image.Image]", path: str | Path, timing: Timing
) -> None:
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(player_description(frames, timing), indent=1) + "\n")


# The function that writes each registered format (export/formats.py).
WRITE: dict[str, Callable[[FrameStore, str | Path, Timing], None]] = {
    "gif": lambda frames, path, t: write_gif(frames, path, t.duration_ms, t.hold_ms, t.gifsicle),
    "webm": lambda frames, path, t: write_video(frames, path, t.duration_ms, t.hold_ms),
    "mp4": lambda frames, path, t: write_video(frames, path, t.duration_ms, t.hold_ms),
    "poster": write_poster,
    "frames": write_frames,
    "player": write_player,
}


def write_animation(
    frames: Iterable[Image.Image],
    gif: str | Path,
    timing: Timing,
    formats: Sequence[str] = ("gif",),
) -> list[str]:
    """The GIF of the frames and, for `formats`, the files beside it
    (companion_formats); returns the companions' paths. `frames` may be a
    generator: each frame is kept only in a FrameStore."""
    frames = FrameStore.of(frames)
    if not len(frames):
        raise ValueError("no frames to assemble")
    timing.frame_labels(len(frames))  # refused before any file is written
    WRITE["gif"](frames, gif, timing)
    companions = companion_paths(gif, formats)
    for fmt, path in zip(companion_formats(formats), companions, strict=True):
        WRITE[fmt.name](frames, path, timing)
    return companions
