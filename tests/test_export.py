"""Animations as docs sites want them: videos beside the GIF, and posters."""

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from conftest import default_config
from export import companion_paths, video_frames, write_animation, write_video
from gallery import animation
from workflow_config import ConfigError, check_config


def moving_bar(count: int = 6, size: tuple[int, int] = (401, 301)) -> list[Image.Image]:
    """Frames of odd size: a bar that grows, as the page's charts do."""
    frames = []
    for index in range(count):
        pixels = np.full((size[1], size[0], 3), 255, np.uint8)
        pixels[100:200, 50 : 80 + 40 * index] = (31, 119, 180)
        frames.append(Image.fromarray(pixels))
    return frames


def decoded(path) -> tuple[dict, list[np.ndarray]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return meta, [np.frombuffer(f, np.uint8).reshape(height, width, 3) for f in reader]


@pytest.mark.parametrize("suffix", ["mp4", "webm"])
def test_videos_are_byte_identical_on_reruns_and_padded_not_scaled(tmp_path, suffix):
    frames = moving_bar()
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    write_video(frames, first, 200, 1000)
    write_video(frames, second, 200, 1000)
    assert first.read_bytes() == second.read_bytes()
    meta, pictures = decoded(first)
    assert tuple(meta["size"]) == (402, 302)  # padded to even, never scaled
    assert len(pictures) == 6 + 4  # the last frame held for 1000 ms at 200 ms a frame
    # Lossy, but the bar is where it was: compare the grown bar's last column.
    assert pictures[-1][150, 80 + 40 * 5 - 5, 2] > 150 and pictures[-1][150, 300, 2] > 240
    assert pictures[0][150, 120, 0] > 240  # not yet grown in the first frame


def test_video_frames_repeat_the_last_one_for_the_hold():
    arrays, fps = video_frames(moving_bar(3, (4, 3)), 80, 1500)
    assert fps == 12.5 and len(arrays) == 3 + 18
    assert arrays[0].shape == (4, 4, 3) and (arrays[0][3] == 255).all()


def test_write_animation_writes_each_format_and_a_poster(tmp_path):
    frames = moving_bar()
    gif = tmp_path / "animation.gif"
    companions = write_animation(frames, gif, 200, 1000, ["gif", "webm", "mp4"])
    assert companions == companion_paths(gif, ["webm", "mp4"])
    assert [p.rsplit("/", 1)[1] for p in companions] == [
        "animation.webm",
        "animation.mp4",
        "animation.poster.png",
    ]
    with Image.open(companions[-1]) as poster:
        np.testing.assert_array_equal(np.asarray(poster), np.asarray(frames[-1]))
    assert gif.stat().st_size > 0
    assert write_animation(frames, tmp_path / "only.gif", 200, 1000, ["gif"]) == []


def test_the_gallery_plays_the_video_with_the_gif_as_fallback():
    html = animation("run/animation.gif", "Adam: outputs", ["gif", "mp4", "webm"])
    assert html.startswith(
        '<video autoplay loop muted playsinline poster="run/animation.poster.png"'
    )
    assert html.index('type="video/webm"') < html.index('type="video/mp4"')
    assert '<img src="run/animation.gif" alt="Adam: outputs"></video>' in html
    assert animation("run/animation.gif", "x") == '<img src="run/animation.gif" alt="x">'


def test_an_unknown_format_is_a_config_error_naming_it():
    config = default_config()
    config["animation"] = {"formats": ["gif", "mov"]}
    with pytest.raises(
        ConfigError, match=r"'animation.formats\[1\]' = 'mov' .*Allowed: gif, mp4, webm"
    ):
        check_config(config)
