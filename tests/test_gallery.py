"""Issue 5: the report, the gallery (in a real browser) and publishing."""

import json
import os
import shutil
import time
import zipfile
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from conftest import (
    chromium_browser,
    copy_workflow,
    default_config,
    finished_small_run,
    open_offline,
    play_every_video,
    run_snakemake,
    small_config,
)
from optimizer_animations.config.plan import build_plan
from optimizer_animations.export.writers import Timing, write_animation
from optimizer_animations.records.history import History, load_history, save_history
from optimizer_animations.site import gallery, pages
from optimizer_animations.site.pages import RunSummary
from optimizer_animations.site.publish import publish


def write_run(results: Path, experiment: str, label: str, loss_end: float) -> Path:
    epochs = 4
    history = History(
        epoch=np.arange(epochs + 1),
        loss=np.linspace(1.0, loss_end, epochs + 1).astype(np.float32),
        arrays={
            "pred": np.zeros((epochs + 1, 1, 3), np.float32),
            "kernel": np.zeros((epochs + 1, 1, 3), np.float32),
        },
        meta={
            "experiment": experiment,
            "label": label,
            "optimizer": {"class_name": "Adam", "config": {"name": label, "learning_rate": 0.01}},
            "epochs": epochs,
            "use_bias": False,
            "data": {"y": [[0.0, 1.0, 0.0]]},
        },
    )
    folder = results / experiment / label
    folder.mkdir(parents=True)
    save_history(folder / "history.npz", history)
    (folder / "loss.png").write_bytes(b"PNG")
    return folder / "history.npz"


def write_animations(root, plan) -> None:
    """Every animation of `plan` under `root`: two small frames each."""
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("white", "navy")]
    for path in plan.figure_paths():
        if path.endswith(".gif"):
            write_animation(frames, root / path, Timing(100, 300, ["epoch 0", "epoch 4"]))


def test_gallery_pages_and_captions_name_settings_and_final_loss(tmp_path):
    results = tmp_path / "results"
    histories = {
        "exp": [write_run(results, "exp", "adam", 0.25), write_run(results, "exp", "fast", 0.5)]
    }
    config = default_config()
    config.pop("publish")
    config["experiments"] = {
        "exp": {
            "epochs": 4,
            "optimizers": ["Adam", {"name": "Adam", "label": "fast", "learning_rate": 0.01}],
        }
    }
    plan = build_plan(config)
    write_animations(tmp_path, plan)
    gallery.write_index(results / "index.html", histories, plan.shown())
    runs = [RunSummary.of(load_history(path)) for path in histories["exp"]]
    run_captions = [results / "exp" / r.label / "caption.rst" for r in runs]
    pages.write_captions("exp", runs, len(runs), results / "exp/caption.rst", run_captions)
    for run in runs:
        folder = results / "exp" / run.label
        pages.write_animation_page(
            folder / "animation.gif", folder / "animation.html", run, ["gif"]
        )
    index = (results / "index.html").read_text()
    assert 'src="exp/comparison.gif"' in index and 'src="exp/fast/animation.gif"' in index
    assert "file://" not in index and "http" not in index.replace("http-equiv", "")
    assert "learning_rate" in index and "0.25" in index
    caption = (results / "exp/fast/caption.rst").read_text()
    assert "**exp**" in caption and "**fast** (Adam)" in caption and "final loss 0.5" in caption
    assert "learning_rate=0.01" in caption and "4 full-batch epochs without bias" in caption
    assert "**Adam**: final loss 0.25" in (results / "exp/caption.rst").read_text()
    assert '"labels": ["epoch 0", "epoch 4"]' in index
    assert '<script src="oa-player.js" defer></script>' in index
    page = (results / "exp/adam/animation.html").read_text()
    # Standing alone: the GIF, its frames and the player, all inlined.
    assert 'src="data:image/gif;base64,R0lGODlh' in page
    assert '"sprite": "data:image/png;base64,iVBORw0KGgo' in page
    assert "window.optimizerAnimations" in page and "<script src" not in page


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    return finished_small_run(tmp_path_factory, "gallery")


def test_report_registers_every_figure_with_categories(finished):
    run_snakemake(finished, "--report", "results/report.zip")
    with zipfile.ZipFile(finished / "results/report.zip") as archive:
        names = [Path(name).name for name in archive.namelist()]
        report_html = archive.read("report/report.html").decode()
    # 4 runs: each loss.png and animation.html; 2 experiments: loss.png, comparison.html
    assert names.count("loss.png") == 6 and names.count("animation.html") == 4
    assert names.count("comparison.html") == 2
    results = report_html[report_html.index("var results = ") :]
    for figure in ("outputs/loss.png", "outputs/sgd/loss.png", "losses/rms-fast/animation.html"):
        assert f'"results/{figure}": {{' in results, figure
    assert "all optimizers" in report_html and "rms-fast" in report_html
    assert "final loss" in results and "learning_rate=0.01" in results


def test_publish_copies_only_changed_files_and_keeps_mtimes(finished, tmp_path):
    results = finished / "results"
    docs = tmp_path / "docs"
    files = {
        "fig02.png": results / "losses/sgd/loss.png",
        "anim.gif": results / "outputs/sgd/animation.gif",
    }
    assert publish(files, docs) == {"fig02.png": "created", "anim.gif": "created"}
    old = time.time() - 3600
    for name in files:
        os.utime(docs / name, (old, old))
    (docs / "anim.gif").write_bytes(b"stale")
    os.utime(docs / "anim.gif", (old, old))
    assert publish(files, docs) == {"fig02.png": "unchanged", "anim.gif": "updated"}
    assert (docs / "fig02.png").stat().st_mtime == pytest.approx(old)
    assert (docs / "anim.gif").read_bytes() == files["anim.gif"].read_bytes()
    assert (docs / "anim.gif").stat().st_mtime > old + 1000
    assert sorted(p.name for p in docs.iterdir()) == ["anim.gif", "fig02.png"]


def test_publish_rule_uses_the_config_section(finished):
    shutil.rmtree(finished / "docs/images")  # the repository's own, copied with docs/
    result = run_snakemake(finished, "--cores", "1", "publish")
    assert "created  docs/images/basics_of_optimizer_03.png" in result.stdout
    again = run_snakemake(finished, "--cores", "1", "publish")
    # Each with its dark variant; each of the 3 GIFs with its frames and player file.
    assert again.stdout.count("unchanged") == 2 * (5 + 3 * 2)
    published = finished / "docs/images/basics_of_optimizer_03.png"
    assert published.read_bytes() == (finished / "results/losses/loss.png").read_bytes()


def test_unknown_published_result_is_a_config_error(tmp_path):
    config = small_config()
    config["publish"]["files"]["x.png"] = "losses/sgd/los.png"
    workdir = copy_workflow(tmp_path / "wf", config)
    result = run_snakemake(workdir, "--cores", "1", "publish", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "'publish.files.x.png' = 'losses/sgd/los.png' is not a result" in output
    assert "Did you mean 'losses/sgd/loss.png'?" in output
    assert not (workdir / "results").exists()


def test_gallery_loads_every_image_and_animates_in_a_real_browser(finished):
    index = finished / "results/index.html"
    with chromium_browser() as chromium:
        for width in (1280, 390):  # a laptop and a phone
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.goto(index.as_uri())
            page.wait_for_load_state("load")
            sizes = page.eval_on_selector_all(
                "img",
                "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])",
            )
            assert len(sizes) == 2 * 3 + 4 * 2  # per experiment: paths, comparison, losses
            assert all(complete and width > 0 for _, complete, width in sizes), sizes
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page scrolls sideways at {width}px"
            player = page.locator(
                ".oa-player", has=page.locator('img[src="outputs/comparison.gif"]')
            )
            player.scroll_into_view_if_needed()
            seen = set()
            for _ in range(8):  # 800 ms: four 200 ms frames, the last held 1 s
                seen.add(player.get_attribute("data-frame"))
                page.wait_for_timeout(100)
            assert len(seen) > 1, "the comparison does not play"
            if width == 1280:
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(finished / "results/gallery.png"))
            page.close()
    assert (finished / "results/gallery.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def with_videos(tmp_path_factory):
    config = small_config()
    config["animation"] = {"formats": ["gif", "mp4", "webm"]}
    workdir = copy_workflow(tmp_path_factory.mktemp("videos") / "wf", config)
    run_snakemake(workdir, "--cores", "4")
    return workdir


def test_gallery_videos_play_in_a_real_browser(with_videos):
    index = with_videos / "results/index.html"
    with chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 390, "height": 900})
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        videos = play_every_video(page)
        assert len(videos) == 2 * 2 + 4  # per experiment: paths, comparison; each run
        for video in videos:
            assert video["error"] is None and video["width"] > 0, video
            assert video["source"].endswith(".webm")  # the smaller, listed first
            assert video["seconds"] > 0, f"{video['source']} does not play"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the page scrolls sideways at 390px"
        posters = page.eval_on_selector_all("video", "vs => vs.map(v => v.poster)")
        assert all((with_videos / "results" / p.split("/results/")[1]).exists() for p in posters)


def player_frames(results: Path, gif: str) -> list[np.ndarray]:
    """An animation's frames as its GIF holds them."""
    return list(iio.imread(results / gif, index=None)[..., :3])


def test_every_animation_plays_in_the_player_exactly_offline_and_by_keyboard(finished):
    """Issue 24: every animation of the gallery in the player, served at one
    origin (so that its canvas reads back) with every other request refused."""
    results = finished / "results"
    with chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        refused, errors = open_offline(page, results, "index.html")
        players = page.locator(".oa-player")
        gifs = page.eval_on_selector_all(
            ".oa-player img", "imgs => imgs.map(i => i.getAttribute('src'))"
        )
        assert (
            players.count() == len(gifs) == 2 * 2 + 4
        )  # per experiment: paths, comparison; each run
        # Every control has an accessible name.
        names = page.eval_on_selector_all(
            ".oa-controls button, .oa-controls input",
            "els => els.map(e => e.getAttribute('aria-label'))",
        )
        assert len(names) == 4 * len(gifs) and all(names), names
        gif = "outputs/sgd/animation.gif"
        player = page.locator(".oa-player", has=page.locator(f'img[src="{gif}"]'))
        player.scroll_into_view_if_needed()
        page.wait_for_function("p => p.dataset.state === 'playing'", arg=player.element_handle())
        # Keyboard only: focus the player, pause, step, jump.
        player.focus()
        page.keyboard.press("Space")
        assert player.get_attribute("data-state") == "paused"
        page.keyboard.press("Home")
        assert player.get_attribute("data-frame") == "0"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert player.get_attribute("data-frame") == "2"
        # The test config's 10 epochs, a frame every 4 and the last.
        assert "epoch 8 (3/4)" in player.locator("output").inner_text()
        slider = player.locator("input[type=range]")
        assert slider.get_attribute("aria-valuetext") == "epoch 8"
        frames = player_frames(results, gif)
        assert len(frames) == 4
        for index in (3, 0, 2, 1):
            slider.fill(str(index))
            assert player.get_attribute("data-frame") == str(index)
            drawn = player.locator("canvas").evaluate(
                "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
            )
            pixels = np.asarray(drawn, np.uint8).reshape(*frames[index].shape[:2], 4)[..., :3]
            np.testing.assert_array_equal(pixels, frames[index], err_msg=f"frame {index}")
        page.keyboard.press("End")
        assert player.get_attribute("data-frame") == "3"
        player.locator("button[aria-label=Play]").click()
        assert player.get_attribute("data-state") == "playing"
        assert player.get_attribute("data-frame") == "0"  # from the start again
        page.wait_for_timeout(500)
        assert player.get_attribute("data-frame") in ("2", "3")
        page.close()
        assert not refused, refused
        assert not errors, errors


def test_reduced_motion_starts_paused_on_the_last_frame_and_a_tap_plays(finished):
    results = finished / "results"
    with chromium_browser() as chromium:
        context = chromium.new_context(
            viewport={"width": 390, "height": 800},
            has_touch=True,
            is_mobile=True,
            reduced_motion="reduce",
        )
        page = context.new_page()
        refused, _ = open_offline(page, results, "index.html")
        player = page.locator(".oa-player").nth(0)
        player.scroll_into_view_if_needed()
        page.wait_for_timeout(400)
        count = json.loads(player.get_attribute("data-player"))["frames"]
        assert player.get_attribute("data-state") == "paused"
        assert player.get_attribute("data-frame") == str(count - 1)
        player.locator(".oa-stage").tap()
        assert player.get_attribute("data-state") == "playing"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the gallery scrolls sideways at 390px"
        context.close()
        assert not refused, refused


def test_the_player_seeks_the_video_to_each_frame(with_videos):
    results = with_videos / "results"
    with chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        refused, errors = open_offline(page, results, "index.html")
        player = page.locator(".oa-player", has=page.locator("video")).nth(0)
        player.scroll_into_view_if_needed()
        page.wait_for_function("p => p.dataset.state === 'playing'", arg=player.element_handle())
        data = json.loads(player.get_attribute("data-player"))
        player.locator("button[aria-label=Pause]").click()
        slider = player.locator("input[type=range]")
        seconds = data["duration_ms"] / 1000
        for index in (0, 1, data["frames"] - 1):
            slider.fill(str(index))
            time = player.locator("video").evaluate("v => v.currentTime")
            assert index * seconds <= time < (index + 1) * seconds, (index, time)
            assert slider.get_attribute("aria-valuetext") == data["labels"][index]
        player.locator("button[aria-label=Play]").click()
        page.wait_for_timeout(600)
        assert player.locator("video").evaluate("v => !v.paused && v.currentTime > 0")
        page.close()
        assert not refused, refused
        assert not errors, errors
