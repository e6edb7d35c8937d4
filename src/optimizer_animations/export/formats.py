"""The registry of an animation's output formats, `FORMATS`.

Each format is one file beside the animation's GIF. The schema's allowed
`animation.formats` (a test keeps them equal), the companions of a published
GIF, the gallery's `<video>` sources and MIME types, and the Sphinx
directive all read it; export/writers.py writes each one (`WRITE`). A new
format is one entry here and one function there. Pure Python: Snakemake
reads it while it parses the workflow.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PIXEL_SCALES = (1, 2)  # frames.scale: 2 for HiDPI screens


@dataclass(frozen=True)
class Format:
    """One output format of an animation."""

    name: str  # as `animation.formats` names it
    suffix: str  # replaces the GIF's `.gif`
    mime: str  # the type a page's <source> or <img> declares
    role: str  # "animation" (the GIF), "video" (a <source>), "poster"


# In the order a page lists them: a browser plays the first video it can,
# and WebM is the smaller.
FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format("gif", ".gif", "image/gif", "animation"),
        Format("webm", ".webm", "video/webm", "video"),
        Format("mp4", ".mp4", "video/mp4", "video"),
        Format("poster", ".poster.png", "image/png", "poster"),
    )
}
# What `animation.formats` may name (the schema's enum): the poster comes
# with any video.
ANIMATION_FORMATS = tuple(name for name, f in FORMATS.items() if f.role != "poster")
VIDEO_FORMATS = tuple(name for name, f in FORMATS.items() if f.role == "video")
POSTER = FORMATS["poster"]


def companion_formats(formats: Sequence[str]) -> list[Format]:
    """The formats of an animation's files beside its GIF for `formats`: each
    video in `formats`' order, then the poster when there is a video."""
    videos = [FORMATS[name] for name in formats if name in VIDEO_FORMATS]
    return videos + ([POSTER] if videos else [])


def companion_paths(gif: str | Path, formats: Sequence[str]) -> list[str]:
    """The files written beside an animation's GIF for `formats`: each
    video, then the poster (`name.poster.png`) when there is a video."""
    gif = Path(gif)
    return [str(gif.with_suffix(fmt.suffix)) for fmt in companion_formats(formats)]


def format_of(path: str | Path) -> Format:
    """The format of a file, by its suffix."""
    name = Path(path).name
    for fmt in FORMATS.values():
        if name.endswith(fmt.suffix) and (fmt is POSTER or not name.endswith(POSTER.suffix)):
            return fmt
    raise ValueError(f"{path}: no format has this suffix")


def playback_order(videos: Sequence[str]) -> list[str]:
    """The videos in the order a page lists them as `<source>`s (FORMATS' order)."""
    order = list(FORMATS)
    return sorted(videos, key=lambda video: order.index(format_of(video).name))


# A published figure's dark variant: `name.dark.ext` beside `name.ext`
# (`animation.dark.gif`, its `animation.dark.webm`, `animation.dark.poster.png`).
DARK = ".dark"


def dark_variant(path: str | Path) -> str:
    """`path`'s dark variant: `.dark` before its suffix (a poster's `.poster.png` whole)."""
    path = str(path)
    for suffix in (POSTER.suffix, Path(path).suffix):
        if suffix and path.endswith(suffix):
            return path[: -len(suffix)] + DARK + suffix
    raise ValueError(f"{path}: a file name without a suffix has no dark variant")


def is_dark_variant(path: str | Path) -> bool:
    name = Path(path).name
    return any(name.endswith(DARK + suffix) for suffix in (POSTER.suffix, Path(name).suffix))
