"""The player that every page gives an animation (static/oa-player.js).

An animation's `name.player.json` (export/writers.py) says how many frames
it has, their size, timing and labels; a page hands it to the player with
the URL of the frames' grid (`name.frames.png`, where there is no video)
and the pixel scale. The gallery and the Sphinx directive link the
player's script and style (ASSETS); a report page, which must stand alone,
inlines them (inline_assets).
"""

import base64
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer_animations.export.formats import companions_by_role, format_of, playback_order

STATIC = Path(__file__).with_name("static")
# The player's files, as a page links them (beside the gallery, in a site's _static).
ASSETS = ("oa-player.css", "oa-player.js")


def asset_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def inline_assets() -> dict[str, str]:
    """The player's style and script, for a page that stands alone."""
    return {"css": asset_text("oa-player.css"), "js": asset_text("oa-player.js")}


def read_player(path: str | Path) -> dict[str, Any]:
    """An animation's `name.player.json`, checked to be what the writers write."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    expected = {"frames", "width", "height", "columns", "duration_ms", "hold_ms", "labels"}
    if not isinstance(data, dict) or set(data) != expected:
        raise ValueError(f"{path}: not an animation's player file")
    # A docs repository's published file may come from a stranger: numbers
    # that are whole and bounded, labels that are short text.
    for key in ("frames", "width", "height", "columns", "duration_ms", "hold_ms"):
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100_000:
            raise ValueError(f"{path}: {key} = {value!r} is not a whole number from 1 to 100,000")
    labels = data["labels"]
    if not isinstance(labels, list) or len(labels) != data["frames"]:
        raise ValueError(f"{path}: its frame count and labels disagree")
    if not all(isinstance(label, str) and len(label) <= 100 for label in labels):
        raise ValueError(f"{path}: a frame label is not text of at most 100 characters")
    return data


def player_data(
    player_file: str | Path, sprite: str | None = None, scale: int = 1
) -> dict[str, Any]:
    """What a page's `data-player` holds: the player file's contents, the
    URL of the frames' grid (none: the page seeks its video) and the scale."""
    return {**read_player(player_file), "sprite": sprite or "", "scale": scale}


@dataclass(frozen=True)
class Shown:
    """A figure as a page shows it: an image, or an animation's GIF with the
    videos and poster that `formats` wrote beside it and what its player
    needs (site/player.py)."""

    src: str
    alt: str
    videos: list[dict[str, str]] = field(default_factory=list)  # src and MIME type
    poster: str | None = None
    player: dict[str, Any] | None = None

    @classmethod
    def of(
        cls,
        src: str,
        alt: str,
        formats: Collection[str] = ("gif",),
        root: Path | None = None,
        scale: int = 1,
    ) -> "Shown":
        """`root`: where `src` is on disk (the player file is read from
        there); None: no player."""
        if not src.endswith(".gif"):
            return cls(src, alt)
        files = companions_by_role(src, formats)
        videos = playback_order(files.get("video", []))
        player = None
        if root is not None:
            sprite = files.get("frames", [None])[0]
            player = player_data(root / files["player"][0], sprite, scale)
        return cls(
            src,
            alt,
            [{"src": video, "type": format_of(video).mime} for video in videos],
            files.get("poster", [None])[0],
            player,
        )

    @classmethod
    def standing_alone(cls, gif: Path, alt: str, formats: Collection[str]) -> "Shown":
        """`gif` in a page that stands alone (a report's): its files inlined
        as data URIs, the first video only, its poster as the fallback."""
        shown = cls.of(str(gif), alt, formats, Path("."))
        assert shown.player is not None
        player = dict(shown.player)
        if player["sprite"]:
            player["sprite"] = data_uri(player["sprite"])
        if not shown.videos:
            return cls(data_uri(gif), alt, player=player)
        assert shown.poster is not None
        first = shown.videos[0]
        poster = data_uri(shown.poster)
        return cls(poster, alt, [{**first, "src": data_uri(first["src"])}], poster, player)


def data_uri(path: str | Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:{format_of(path).mime};base64,{data}"
