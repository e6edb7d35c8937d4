"""Issue 5: the report, the gallery (in a real browser) and publishing."""

import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import (
    chromium_browser,
    copy_workflow,
    default_config,
    finished_small_run,
    play_every_video,
    run_snakemake,
    small_config,
)
from optimizer_animations.config.plan import build_plan
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
    for name in ("animation.gif", "loss.png"):
        (folder / name).write_bytes(b"GIF89a")
    (results / experiment / "comparison.gif").write_bytes(b"GIF89a")
    return folder / "history.npz"


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
    gallery.write_index(results / "index.html", histories, build_plan(config).shown())
    runs = [RunSummary.of(load_history(path)) for path in histories["exp"]]
    run_captions = [results / "exp" / r.label / "caption.rst" for r in runs]
    pages.write_captions("exp", runs, len(runs), results / "exp/caption.rst", run_captions)
    for run in runs:
        folder = results / "exp" / run.label
        pages.write_animation_page(folder / "animation.gif", folder / "animation.html", run)
    index = (results / "index.html").read_text()
    assert 'src="exp/comparison.gif"' in index and 'src="exp/fast/animation.gif"' in index
    assert "file://" not in index and "http" not in index.replace("http-equiv", "")
    assert "learning_rate" in index and "0.25" in index
    caption = (results / "exp/fast/caption.rst").read_text()
    assert "**exp**" in caption and "**fast** (Adam)" in caption and "final loss 0.5" in caption
    assert "learning_rate=0.01" in caption and "4 full-batch epochs without bias" in caption
    assert "**Adam**: final loss 0.25" in (results / "exp/caption.rst").read_text()
    page = (results / "exp/adam/animation.html").read_text()
    assert 'src="data:image/gif;base64,R0lGODlh' in page  # the GIF itself, embedded


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
    assert again.stdout.count("unchanged") == 2 * 5  # each with its dark variant
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
            gif = page.locator('img[src="outputs/comparison.gif"]')
            first = gif.screenshot()
            page.wait_for_timeout(700)  # more than three 200 ms frames
            second = gif.screenshot()
            assert first != second, "the comparison GIF does not animate"
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
