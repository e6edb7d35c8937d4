"""Animations as docs sites want them: videos beside the GIF, and posters."""

import json
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image, ImageSequence

from conftest import copy_workflow, default_config, run_snakemake
from optimizer_animations.config.check import ConfigError, check_config, load_schema
from optimizer_animations.export import writers
from optimizer_animations.export.formats import (
    ANIMATION_FORMATS,
    FORMATS,
    PIXEL_SCALES,
    companion_paths,
    format_of,
    playback_order,
)
from optimizer_animations.export.writers import (
    WRITE,
    Timing,
    grid_columns,
    video_frames,
    write_animation,
    write_gif,
    write_video,
)
from optimizer_animations.site.gallery import animation


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
    arrays, count, fps = video_frames(moving_bar(3, (4, 3)), 80, 1500)
    arrays = list(arrays)
    assert fps == 12.5 and len(arrays) == count == 3 + 18
    assert arrays[0].shape == (4, 4, 3) and (arrays[0][3] == 255).all()


def test_write_animation_writes_each_format_and_a_poster(tmp_path):
    frames = moving_bar()
    gif = tmp_path / "animation.gif"
    labels = [f"epoch {10 * i}" for i in range(len(frames))]
    companions = write_animation(frames, gif, Timing(200, 1000, labels), ["gif", "webm", "mp4"])
    assert companions == companion_paths(gif, ["webm", "mp4"])
    assert [p.rsplit("/", 1)[1] for p in companions] == [
        "animation.webm",
        "animation.mp4",
        "animation.poster.png",
        "animation.player.json",
    ]
    with Image.open(companions[2]) as poster:
        np.testing.assert_array_equal(np.asarray(poster.convert("RGB")), np.asarray(frames[-1]))
    assert gif.stat().st_size > 0
    player = json.loads(Path(companions[3]).read_text())
    assert player == {
        "frames": len(frames),
        "width": frames[0].width,
        "height": frames[0].height,
        "columns": grid_columns(len(frames), frames[0].width, frames[0].height),
        "duration_ms": 200,
        "hold_ms": 1000,
        "labels": labels,
    }


def test_without_a_video_every_frame_is_on_one_grid_exactly_as_the_gif_shows_it(tmp_path):
    frames = moving_bar(7)
    gif = tmp_path / "only.gif"
    companions = write_animation(frames, gif, Timing(200, 1000), ["gif"])
    assert [Path(p).name for p in companions] == ["only.frames.png", "only.player.json"]
    player = json.loads(Path(companions[1]).read_text())
    assert player["labels"] == [f"frame {i + 1}" for i in range(7)]
    width, height, columns = player["width"], player["height"], player["columns"]
    with Image.open(companions[0]) as sheet:
        grid = np.asarray(sheet.convert("RGB"))
    assert grid.shape == (height * -(-7 // columns), width * columns, 3)
    gif_frames = iio.imread(gif, index=None)[..., :3]
    for index, frame in enumerate(frames):
        row, column = divmod(index, columns)
        cell = grid[row * height : (row + 1) * height, column * width : (column + 1) * width]
        np.testing.assert_array_equal(cell, np.asarray(frame))
        np.testing.assert_array_equal(cell, gif_frames[index])


def test_frame_labels_that_do_not_match_the_frames_are_refused_before_any_file(tmp_path):
    with pytest.raises(ValueError, match="2 frame labels for 3 frames"):
        write_animation(moving_bar(3), tmp_path / "x.gif", Timing(200, 1000, ["a", "b"]))
    assert not list(tmp_path.iterdir())


def test_a_tall_animation_is_laid_out_near_square():
    assert grid_columns(101, 640, 480) == 9  # 9 x 12 frames: 5,760 x 5,760 px
    assert grid_columns(1, 640, 480) == 1
    assert grid_columns(3, 100, 1000) == 3


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
        ConfigError, match=r"'animation.formats\[1\]' = 'mov': allowed gif, webm or mp4"
    ):
        check_config(config)


def test_the_schema_allows_the_formats_and_scales_of_the_registry_and_each_has_a_writer():
    schema = load_schema()
    animation = schema["properties"]["animation"]["properties"]
    assert animation["formats"]["items"]["enum"] == list(ANIMATION_FORMATS)
    assert schema["properties"]["frames"]["properties"]["scale"]["enum"] == list(PIXEL_SCALES)
    # Every format has its own suffix, each file is traced back to its format,
    # and every format has its writer.
    assert len({fmt.suffix for fmt in FORMATS.values()}) == len(FORMATS)
    for name, fmt in FORMATS.items():
        assert format_of(f"results/x/anim{fmt.suffix}").name == name
    assert set(WRITE) == set(FORMATS)
    assert companion_paths("a/b.gif", ["mp4", "gif"]) == [
        "a/b.mp4",
        "a/b.poster.png",
        "a/b.player.json",
    ]
    assert companion_paths("a/b.gif", ["gif"]) == ["a/b.frames.png", "a/b.player.json"]
    assert playback_order(["a.mp4", "a.webm"]) == ["a.webm", "a.mp4"]


# --- HiDPI: frames.scale ------------------------------------------------------


def test_a_scale_other_than_1_or_2_is_a_config_error():
    config = default_config()
    config["frames"]["scale"] = 3
    with pytest.raises(ConfigError, match=r"'frames.scale' = 3: allowed 1 or 2"):
        check_config(config)


def test_the_gallery_marks_scaled_images_with_their_density():
    formats = ["gif", "webm"]
    assert animation("a/loss.png", "x", scale=1) == '<img src="a/loss.png" alt="x">'
    assert animation("a/loss.png", "x", scale=2) == (
        '<img src="a/loss.png" srcset="a/loss.png 2x" alt="x">'
    )
    assert animation("a/animation.gif", "y", formats, scale=2).endswith(
        '<img src="a/animation.gif" srcset="a/animation.gif 2x" alt="y"></video>'
    )


def test_scale_2_draws_every_figure_at_twice_the_pixels(tmp_path):
    from optimizer_animations.records.layout import Layout

    config = default_config()
    del config["publish"]
    config["experiments"] = {"losses": config["experiments"]["losses"]}
    config["frames"]["scale"] = 2
    config["animation"] = {"formats": ["gif", "mp4"]}
    workdir = copy_workflow(tmp_path, config)
    run_snakemake(workdir, "--cores", "2")
    layout = Layout(str(workdir / "results"))
    sizes = {
        layout.frame("losses", "sgd", 0): (800, 600),
        layout.run_loss_plot("losses", "sgd"): (800, 600),
        layout.animation("losses", "sgd"): (800, 600),
        layout.comparison("losses"): (2400, 600),
        layout.trajectory("losses", False, "png"): (1360, 840),
    }
    for path, size in sizes.items():
        with Image.open(path) as image:
            assert image.size == size, path
    meta, _ = decoded(layout.animation("losses", "sgd").replace(".gif", ".mp4"))
    assert tuple(meta["size"]) == (800, 600)
    index = Path(layout.index()).read_text()
    assert 'srcset="losses/sgd/loss.png 2x"' in index
    # The player shows the 2400 px comparison at 1200 CSS px (its scale).
    assert '"scale": 2, "sprite": "", "width": 2400}' in index
    assert (
        '<video controls preload="metadata" playsinline poster="losses/comparison.poster.png"'
        in index
    )


# --- the smallest GIFs: gifsicle -O3 -------------------------------------------


def decoded_gif(path) -> list[np.ndarray]:
    with Image.open(path) as image:
        return [np.asarray(frame.convert("RGB")).copy() for frame in ImageSequence.Iterator(image)]


def test_gifsicle_shrinks_a_gif_and_keeps_every_decoded_frame(tmp_path):
    # Anti-aliased shades (a gradient), as rendered charts have.
    frames = []
    for index in range(8):
        pixels = np.full((120, 160, 3), 255, np.uint8)
        pixels[:, : 20 + 15 * index] = np.linspace(0, 250, 120, dtype=np.uint8)[:, None, None]
        frames.append(Image.fromarray(pixels))
    plain, small = tmp_path / "plain.gif", tmp_path / "small.gif"
    write_gif(frames, plain, 200, 1000)
    write_gif(frames, small, 200, 1000, gifsicle=True)
    assert small.stat().st_size < plain.stat().st_size
    before, after = decoded_gif(plain), decoded_gif(small)
    assert len(before) == len(after) == 8
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    again = tmp_path / "again.gif"
    write_gif(frames, again, 200, 1000, gifsicle=True)
    assert again.read_bytes() == small.read_bytes()
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_a_missing_gifsicle_fails_the_job_that_needs_it_naming_the_fix(monkeypatch, tmp_path):
    # The job checks, where it runs: parsing needs only Snakemake (issue 21).
    frames = [Image.new("RGB", (8, 6), (i * 60, 0, 0)) for i in range(3)]
    monkeypatch.setattr(writers.shutil, "which", lambda name: None)
    with pytest.raises(writers.ToolMissing, match=r"'animation\.gifsicle' is true, but gifsicle"):
        write_gif(frames, tmp_path / "a.gif", 200, 1000, gifsicle=True)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    write_gif(frames, tmp_path / "b.gif", 200, 1000, gifsicle=False)
    assert (tmp_path / "b.gif").is_file()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"frames": 0}, "frames = 0 is not a whole number"),
        ({"width": "400"}, "width = '400' is not a whole number"),
        ({"duration_ms": True}, "duration_ms = True is not a whole number"),
        ({"labels": ["a"]}, "its frame count and labels disagree"),
        ({"extra": 1}, "not an animation's player file"),
    ],
)
def test_a_player_file_that_is_not_what_the_writers_write_is_refused(tmp_path, change, message):
    from optimizer_animations.site.player import read_player

    write_animation(moving_bar(2), tmp_path / "a.gif", Timing(100, 200, ["x", "y"]))
    path = tmp_path / "a.player.json"
    data = json.loads(path.read_text()) | change
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=message):
        read_player(path)
