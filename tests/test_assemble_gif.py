import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from optimizer_animations.export.assemble import assemble
from optimizer_animations.export.writers import Timing, frame_durations, write_gif


def solid_frames(tmp_path, colours, name="f"):
    paths = []
    for index, colour in enumerate(colours):
        path = tmp_path / f"{name}{index:03d}.png"
        Image.new("RGB", (40, 30), colour).save(path)
        paths.append(path)
    return paths


def gif_durations(path) -> list[int]:
    with Image.open(path) as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
        return durations


def test_durations_hold_the_last_frame():
    assert frame_durations(3, 200, 1000) == [200, 200, 1000]
    assert frame_durations(1, 200, 1000) == [1000]


def test_gif_loops_forever_with_frame_durations_in_milliseconds(tmp_path):
    paths = solid_frames(tmp_path, ["red", "green", "blue", "white"])
    assemble(paths, 1, tmp_path / "a.gif", Timing(200, 1000))
    frames = iio.imread(tmp_path / "a.gif", index=None)
    assert frames.shape[:3] == (4, 30, 40)
    assert gif_durations(tmp_path / "a.gif") == [200, 200, 200, 1000]
    assert iio.immeta(tmp_path / "a.gif")["loop"] == 0
    np.testing.assert_array_equal(frames[1][0, 0, :3], [0, 128, 0])


def test_identical_consecutive_frames_keep_the_total_time(tmp_path):
    # Pillow merges equal neighbours; their display time must add up.
    paths = solid_frames(tmp_path, ["red", "red", "blue"])
    assemble(paths, 1, tmp_path / "m.gif", Timing(200, 1000))
    assert sum(gif_durations(tmp_path / "m.gif")) == 200 + 200 + 1000


def test_comparison_tiles_panels_side_by_side_at_the_same_epoch(tmp_path):
    left = solid_frames(tmp_path, ["red", "green"], "l")
    right = solid_frames(tmp_path, ["blue", "white"], "r")
    count = assemble(left + right, 2, tmp_path / "c.gif", Timing(100, 500))
    frames = iio.imread(tmp_path / "c.gif", index=None)
    assert count == 2 and frames.shape[:3] == (2, 30, 80)
    np.testing.assert_array_equal(frames[0][0, 0, :3], [255, 0, 0])
    np.testing.assert_array_equal(frames[0][0, 79, :3], [0, 0, 255])
    np.testing.assert_array_equal(frames[1][0, 79, :3], [255, 255, 255])


def test_gif_is_byte_identical_when_written_again(tmp_path):
    paths = solid_frames(tmp_path, ["red", "green", "blue"])
    assemble(paths, 1, tmp_path / "1.gif", Timing(200, 1000))
    assemble(paths, 1, tmp_path / "2.gif", Timing(200, 1000))
    assert (tmp_path / "1.gif").read_bytes() == (tmp_path / "2.gif").read_bytes()


def test_bad_panel_split_and_empty_input_are_refused(tmp_path):
    paths = solid_frames(tmp_path, ["red", "green", "blue"])
    with pytest.raises(ValueError, match="do not split into 2 panels"):
        assemble(paths, 2, tmp_path / "x.gif", Timing(200, 1000))
    with pytest.raises(ValueError, match="no frames"):
        write_gif([], tmp_path / "y.gif", 200, 1000)
    assert not (tmp_path / "x.gif").exists() and not (tmp_path / "y.gif").exists()
