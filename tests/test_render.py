import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from optimizer_animations.figures import frames, render
from optimizer_animations.figures.style import SERIES_COLOURS
from optimizer_animations.records.history import History
from optimizer_animations.records.run_table import Curve, RunTable

YLIM = (-1.1, 1.1)


def make_history(pred: np.ndarray, loss: np.ndarray | None = None, label="sgd", y=None) -> History:
    epochs = len(pred) - 1
    y = y if y is not None else [[0.0, 1.0, 0.0]]
    return History(
        epoch=np.arange(epochs + 1),
        loss=loss if loss is not None else np.linspace(1.0, 0.1, epochs + 1),
        arrays={"pred": pred.astype(np.float32), "kernel": pred[:, :1, :].astype(np.float32)},
        meta={"label": label, "optimizer": {"class_name": "SGD"}, "data": {"y": y}},
    )


def converging_history(epochs=10, units=3, samples=1) -> History:
    start = np.full((samples, units), -0.5)
    target = np.tile(np.eye(1, units, 1), (samples, 1))
    t = np.linspace(0, 1, epochs + 1)[:, None, None]
    return make_history(start + t * (target - start), y=target.tolist())


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_rendering_does_not_import_tensorflow():
    code = (
        "import sys; import optimizer_animations.figures.render,"
        " optimizer_animations.export.assemble; print('tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_frames_have_the_page_size_and_change_with_the_epoch(tmp_path):
    history = converging_history()
    paths = [tmp_path / f"pred{e:03d}.png" for e in (0, 5, 10)]
    render.render_frames(history, [0, 5, 10], paths, YLIM)
    images = [pixels(p) for p in paths]
    assert all(image.shape == (300, 400, 3) for image in images)
    assert not np.array_equal(images[0], images[1])
    assert not np.array_equal(images[1], images[2])
    assert not list(tmp_path.glob(".*partial*"))


def test_frames_are_byte_identical_when_rendered_again(tmp_path):
    history = converging_history()
    render.render_frames(history, [0, 10], [tmp_path / "a0.png", tmp_path / "a1.png"], YLIM)
    render.render_frames(history, [0, 10], [tmp_path / "b0.png", tmp_path / "b1.png"], YLIM)
    assert (tmp_path / "a0.png").read_bytes() == (tmp_path / "b0.png").read_bytes()
    assert (tmp_path / "a1.png").read_bytes() == (tmp_path / "b1.png").read_bytes()
    assert b"matplotlib" not in (tmp_path / "a0.png").read_bytes()


def colour_pixels(image: np.ndarray, colour: str) -> int:
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return int((np.abs(image.astype(int) - rgb).sum(axis=2) < 30).sum())


def blue_pixels(image: np.ndarray) -> int:
    # The first series colour, Okabe and Ito's blue (figures/style.py)
    return colour_pixels(image, SERIES_COLOURS[0])


def test_bars_grow_with_the_outputs(tmp_path):
    small = make_history(np.array([[[0.1, 0.1, 0.1]], [[0.9, 0.9, 0.9]]]))
    render.render_frames(small, [0, 1], [tmp_path / "s.png", tmp_path / "l.png"], YLIM)
    assert blue_pixels(pixels(tmp_path / "l.png")) > 5 * blue_pixels(pixels(tmp_path / "s.png"))


def test_grouped_bars_use_one_colour_per_sample(tmp_path):
    history = converging_history(samples=2)
    render.render_frames(history, [0], [tmp_path / "g.png"], YLIM)
    image = pixels(tmp_path / "g.png")
    orange = colour_pixels(image, SERIES_COLOURS[1])
    assert blue_pixels(image) > 100 and orange > 100


def test_diverged_frame_clips_bars_and_says_so(tmp_path):
    pred = np.array([[[0.0, 0.5, 0.0]], [[50.0, -np.inf, np.nan]]])
    history = make_history(pred, loss=np.array([1.0, np.inf]))
    assert history.first_non_finite_epoch() == 1
    assert render.divergence_note(1, 1) == "diverged at epoch 1"
    assert render.divergence_note(0, 1) == ""
    np.testing.assert_array_equal(render.clipped_heights(pred[1], YLIM), [[1.1, -1.1, 0.0]])
    render.render_frames(history, [0, 1], [tmp_path / "0.png", tmp_path / "1.png"], YLIM)
    assert pixels(tmp_path / "1.png").shape == (300, 400, 3)


def test_loss_plot_skips_non_finite_points_and_labels_divergence(tmp_path):
    good = make_history(np.zeros((5, 1, 3)), label="adam")
    good.meta["optimizer"]["class_name"] = "Adam"
    bad = make_history(np.zeros((5, 1, 3)), loss=np.array([1.0, 2.0, 1e30, np.inf, np.nan]))
    good, bad = Curve.of(good), Curve.of(bad)
    assert render.loss_label(bad) == "SGD (diverged at epoch 3)"
    assert render.loss_label(good) == "Adam"
    np.testing.assert_array_equal(np.isnan(render.finite_or_nan(bad.loss)), [0, 0, 0, 1, 1])
    render.plot_losses([good, bad], tmp_path / "loss.png", log_scale=True)
    render.plot_losses([good], tmp_path / "linear.png")
    # The page's height; a legend that would cover a line goes beside the axes.
    assert pixels(tmp_path / "loss.png").shape[0] == 300
    assert pixels(tmp_path / "linear.png").shape == (300, 400, 3)
    assert not np.array_equal(pixels(tmp_path / "loss.png"), pixels(tmp_path / "linear.png"))


def test_frame_count_must_match_paths(tmp_path):
    with pytest.raises(ValueError, match="2 frame epochs but 1 paths"):
        render.render_frames(converging_history(), [0, 1], [tmp_path / "x.png"], YLIM)


def sweep_history(label, rate, loss, seed):
    history = make_history(
        np.zeros((len(loss), 1, 3)), loss=np.asarray(loss, np.float32), label=label
    )
    history.meta.update(
        setting=label.rsplit("-s", 1)[0],
        family="sgd",
        seed=seed,
        grid={"learning_rate": rate},
        optimizer={"class_name": "SGD", "config": {"learning_rate": rate}},
    )
    return history


def test_sweep_plots_survive_runs_that_all_diverge(tmp_path):
    from optimizer_animations.records.run_table import sensitivity, setting_bands

    diverged = RunTable.from_histories(
        [sweep_history(f"sgd-lr3-s{s}", 3.0, [1.0, 1e30, np.inf], s) for s in (0, 1)]
    )
    render.plot_sensitivity(sensitivity(diverged, "learning_rate"), tmp_path / "sensitivity.png")
    render.plot_loss_bands(setting_bands(diverged), tmp_path / "loss.png", log_scale=True)
    assert pixels(tmp_path / "sensitivity.png").shape == (400, 640, 3)
    assert pixels(tmp_path / "loss.png").shape == (450, 750, 3)  # one setting: one axes


def test_sweep_loss_bands_get_one_panel_per_optimizer_entry(tmp_path):
    from optimizer_animations.records.run_table import setting_bands

    runs = [
        sweep_history(f"sgd-lr{rate:g}-s{s}", rate, np.geomspace(1, 1e-6 * rate, 5), s)
        for rate in (0.01, 0.1)
        for s in (0, 1, 2)
    ]
    adam = sweep_history("adam-lr0.1-s0", 0.1, [1.0, 0.5, 0.2, 0.1, 0.05], 0)
    adam.meta["family"] = "adam"
    table = RunTable.from_histories([*runs, adam])
    render.plot_loss_bands(setting_bands(table), tmp_path / "bands.png", log_scale=False)
    assert pixels(tmp_path / "bands.png").shape == (300, 800, 3)  # two panels of 4 x 3 inches


def diverging_history() -> History:
    pred = np.zeros((6, 1, 3))
    pred[:, 0, 1] = [0.2, 0.6, 1.5, 40.0, np.inf, np.nan]  # clipped, then non-finite
    loss = np.array([1.0, 0.5, 2.0, 900.0, np.inf, np.nan])
    return make_history(pred, loss)


def text_crossing_history() -> History:
    """Output 0 grows through the 'Epoch N' text, which a full draw paints over it."""
    pred = np.zeros((6, 1, 3))
    pred[:, 0, 0] = np.linspace(0.0, 1.0, 6)
    return make_history(pred)


@pytest.mark.parametrize(
    "history",
    [
        converging_history(),
        converging_history(samples=2),  # grouped bars and a legend over them
        converging_history(units=5, samples=3),
        diverging_history(),
        text_crossing_history(),
    ],
    ids=["page", "two-samples", "three-samples", "diverging", "text-crossing"],
)
def test_blitted_frames_equal_fully_drawn_ones_byte_for_byte(history, tmp_path, monkeypatch):
    epochs = list(range(len(history.epoch)))
    blitted = [tmp_path / f"blit{e}.png" for e in epochs]
    drawn = [tmp_path / f"full{e}.png" for e in epochs]
    render.render_frames(history, epochs, blitted, YLIM)
    blits = []
    monkeypatch.setattr(frames.Blitter, "_clear_of_static", lambda self: blits.append(1) and False)
    render.render_frames(history, epochs, drawn, YLIM)
    assert len(blits) == len(epochs)  # the second pass really drew every frame in full
    for blit, full in zip(blitted, drawn, strict=True):
        assert blit.read_bytes() == full.read_bytes(), blit.name


def test_frames_that_reach_the_spines_are_drawn_in_full(monkeypatch, tmp_path):
    saved = []
    original = frames.save_figure
    monkeypatch.setattr(
        frames, "save_figure", lambda figure, path: saved.append(path) or original(figure, path)
    )
    history = diverging_history()
    epochs = list(range(len(history.epoch)))
    render.render_frames(history, epochs, [tmp_path / f"{e}.png" for e in epochs], YLIM)
    # Epochs 2-4 clip the bar at the upper limit (inf too); NaN draws no bar.
    assert [path.name for path in saved] == ["2.png", "3.png", "4.png"]
