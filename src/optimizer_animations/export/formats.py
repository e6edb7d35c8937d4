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
    role: str  # "animation" (the GIF), "video" (a <source>), "poster", "frames", "player"


# In the order a page lists them: a browser plays the first video it can,
# and WebM is the smaller.
FORMATS = {
    fmt.name: fmt
    for fmt in (
        Format("gif", ".gif", "image/gif", "animation"),
        Format("webm", ".webm", "video/webm", "video"),
        Format("mp4", ".mp4", "video/mp4", "video"),
        Format("poster", ".poster.png", "image/png", "poster"),
        # Every frame, exact, in one indexed PNG (a grid, row-major): what a
        # page's player steps through where there is no video to seek.
        Format("frames", ".frames.png", "image/png", "frames"),
        # The player's description of the frames (site/player.py): their
        # count, size, timing and labels ("epoch 25").
        Format("player", ".player.json", "application/json", "player"),
    )
}
# What `animation.formats` may name (the schema's enum): the poster comes
# with any video, the frames without one, the player's file always.
ANIMATION_FORMATS = tuple(name for name, f in FORMATS.items() if f.role in ("animation", "video"))
VIDEO_FORMATS = tuple(name for name, f in FORMATS.items() if f.role == "video")
POSTER = FORMATS["poster"]
FRAMES = FORMATS["frames"]
PLAYER = FORMATS["player"]
# What an animation's companions may end in, for messages.
COMPANION_SUFFIXES = tuple(f.suffix for f in FORMATS.values() if f.role != "animation")
# Suffixes of more than one dot, longest first: `name.poster.png` is one name.
COMPOUND_SUFFIXES = sorted(
    (f.suffix for f in FORMATS.values() if f.suffix.count(".") > 1), key=len, reverse=True
)


def companion_formats(formats: Sequence[str]) -> list[Format]:
    """The formats of an animation's files beside its GIF for `formats`: each
    video in `formats`' order and the poster when there is a video, the
    frames when there is none; then the player's file."""
    videos = [FORMATS[name] for name in formats if name in VIDEO_FORMATS]
    return videos + ([POSTER] if videos else [FRAMES]) + [PLAYER]


def companion_paths(gif: str | Path, formats: Sequence[str]) -> list[str]:
    """The files written beside an animation's GIF for `formats`
    (companion_formats), as `name.webm`, `name.poster.png`, `name.player.json`..."""
    gif = Path(gif)
    return [str(gif.with_suffix(fmt.suffix)) for fmt in companion_formats(formats)]


def companions_by_role(gif: str | Path, formats: Sequence[str]) -> dict[str, list[str]]:
    """companion_paths grouped by their format's role (`video`, `poster`,
    `frames`, `player`)."""
    grouped: dict[str, list[str]] = {}
    for fmt in companion_formats(formats):
        grouped.setdefault(fmt.role, []).append(str(Path(gif).with_suffix(fmt.suffix)))
    return grouped


def format_of(path: str | Path) -> Format:
    """The format of a file, by its suffix."""
    name = Path(path).name
    for suffix in [*COMPOUND_SUFFIXES, Path(name).suffix]:
        if name.endswith(suffix):
            for fmt in FORMATS.values():
                if fmt.suffix == suffix:
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
    """`path`'s dark variant: `.dark` before its suffix (a compound one, such
    as a poster's `.poster.png`, whole)."""
    path = str(path)
    for suffix in (*COMPOUND_SUFFIXES, Path(path).suffix):
        if suffix and path.endswith(suffix):
            return path[: -len(suffix)] + DARK + suffix
    raise ValueError(f"{path}: a file name without a suffix has no dark variant")


def is_dark_variant(path: str | Path) -> bool:
    name = Path(path).name
    return any(name.endswith(DARK + suffix) for suffix in (*COMPOUND_SUFFIXES, Path(name).suffix))
