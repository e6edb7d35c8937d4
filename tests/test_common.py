import os
import subprocess

import numpy as np
import pytest

from optimizer_animations.files import HOST, atomic_output, partial_path, remove_partial_outputs
from optimizer_animations.records.history import History, load_history, save_history


def test_atomic_output_renames_only_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert not target.exists()
    assert list((tmp_path / "sub").iterdir()) == []
    with atomic_output(target) as tmp:
        assert tmp.name.startswith(".out.txt.partial-") and tmp.suffix == ".txt"
        tmp.write_text("whole")
    assert target.read_text() == "whole"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["out.txt"]


def test_stale_partial_of_a_killed_job_is_removed_on_the_next_write(tmp_path):
    target = tmp_path / "frame.png"
    stale = target.with_name(".frame.png.partial-99999.png")
    stale.write_bytes(b"half a frame")
    other = tmp_path / ".other.png.partial-99999.png"
    other.write_bytes(b"not ours")
    with atomic_output(target) as tmp:
        tmp.write_bytes(b"frame")
    assert not stale.exists() and other.exists()
    assert partial_path(target).name == f".frame.png.partial-{HOST}-{os.getpid()}.png"


def test_only_partials_whose_writer_has_ended_on_this_machine_are_swept(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    names = {
        "old-format": f".a.png.partial-{ended.pid}.png",
        "ended": f".b.png.partial-{HOST}-{ended.pid}.png",
        "running": f".c.png.partial-{HOST}-{os.getpid()}.png",
        "other-host": f".d.png.partial-node-7-{ended.pid}.png",
    }
    for name in names.values():
        (tmp_path / "exp").mkdir(exist_ok=True)
        (tmp_path / "exp" / name).write_bytes(b"half")
    removed = remove_partial_outputs(tmp_path)
    assert sorted(path.name for path in removed) == sorted([names["old-format"], names["ended"]])
    left = sorted(path.name for path in (tmp_path / "exp").iterdir())
    assert left == sorted([names["running"], names["other-host"]])


def test_history_without_bias_round_trips(tmp_path):
    history = History(
        epoch=np.arange(3),
        loss=np.array([1.0, 0.5, np.nan], np.float32),
        arrays={"pred": np.zeros((3, 2, 4), np.float32), "kernel": np.zeros((3, 1, 4), np.float32)},
        meta={"label": "x", "optimizer": {"class_name": "SGD"}},
    )
    save_history(tmp_path / "h.npz", history)
    loaded = load_history(tmp_path / "h.npz")
    assert loaded.bias is None and loaded.meta == history.meta
    np.testing.assert_array_equal(loaded.loss, history.loss)
    assert loaded.first_non_finite_epoch() == 2 and loaded.epochs == 2
