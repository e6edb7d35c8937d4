"""Issue 13: the documentation site in docs/, built by `snakemake --cores 4 docs`
from published figures only, with sphinx-build -W, byte-reproducible, and
working in a real browser."""

import html
import math
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import (
    REPO,
    chromium_browser,
    copy_workflow,
    digests,
    play_every_video,
    run_snakemake,
    serve_offline,
    small_config,
)
from optimizer_animations.export.formats import companion_paths, dark_variant
from optimizer_animations.tuning.protocol import read_tuning_csv

PAGES = ["index", "tutorial", "landscapes", "noise", "tuned"]
FORMATS = ["gif", "mp4", "webm"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The small config with videos, so that the tutorial page plays them too."""
    config = small_config()
    config["animation"] = {"formats": FORMATS}
    workdir = copy_workflow(tmp_path_factory.mktemp("site") / "wf", config)
    run_snakemake(workdir, "--cores", "4", "docs")
    return workdir


def test_docs_publishes_every_animation_with_its_videos_then_builds_the_pages(site):
    results, images = site / "results", site / "docs/images"
    for name, source in {
        "optimizer_outputs.gif": "outputs/sgd/animation.gif",
        "optimizer_comparison.gif": "outputs/comparison.gif",
    }.items():
        videos = zip(companion_paths(name, FORMATS), companion_paths(source, FORMATS), strict=True)
        pairs = [(name, source), *videos]
        for published, result in pairs:
            assert (images / published).read_bytes() == (results / result).read_bytes()
    site_dir = results / "site"
    assert all((site_dir / f"{page}.html").is_file() for page in PAGES)
    tutorial = (site_dir / "tutorial.html").read_text()
    # In the player: the video with its poster, WebM first, and the GIF
    # inside as the fallback; the browser's controls until the script runs.
    player = tutorial[tutorial.index('<span class="oa-player"') :]
    assert '"labels": ["epoch 0", "epoch 4", "epoch 8"' in html.unescape(
        player[: player.index("<video")]
    )
    video = tutorial[tutorial.index("<video") : tutorial.index("</video>")]
    assert "controls" in video and "autoplay" not in video
    assert video.index('.webm" type="video/webm"') < video.index('.mp4" type="video/mp4"')
    assert 'poster="_images/optimizer_outputs.poster.png"' in video
    assert '<img alt="SGD' in video and 'src="_images/optimizer_outputs.gif"' in video
    # Only what the pages show was copied, and the unpublished README figures are not among it.
    copied = {path.name for path in (site_dir / "_images").iterdir()}
    assert "optimizer_paths.webm" in copied and "rosenbrock.webm" in copied
    assert not {"gallery.png", "trajectory.png"} & copied
    again = run_snakemake(site, "--cores", "4", "docs")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_the_site_builds_to_the_same_bytes(site):
    first = digests(site, "results/site")
    run_snakemake(site, "--cores", "1", "--forcerun", "docs", "docs")
    assert digests(site, "results/site") == first


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("images/missing.png", "image file not readable: images/missing.png"),
        ("gallery.png", "gallery.png is not a published figure"),
    ],
)
def test_a_page_showing_an_unpublished_figure_fails_the_build(site, tmp_path, figure, message):
    workdir = tmp_path / "wf"
    shutil.copytree(site, workdir, symlinks=True)
    with (workdir / "docs/tutorial.md").open("a") as page:
        page.write(f"\n```{{image}} {figure}\n:alt: a figure\n```\n")
    result = run_snakemake(workdir, "--cores", "1", "docs", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "sphinx-build -W found problems" in output and message in output
    assert "tutorial.md" in output
    assert not (workdir / "results/site").exists(), "a failed build left a site behind"


def test_an_experiment_named_like_the_site_is_a_config_error(tmp_path):
    config = small_config()
    config["experiments"]["site"] = config["experiments"].pop("losses")
    workdir = copy_workflow(tmp_path / "wf", config)
    result = run_snakemake(workdir, "--cores", "1", "-n", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "'experiments.site': results/site/ holds the documentation site" in output


def test_every_site_page_shows_its_figures_and_plays_its_videos_in_a_real_browser(site):
    with chromium_browser() as chromium:
        for width in (1280, 390):  # a laptop and a phone
            page = chromium.new_page(viewport={"width": width, "height": 900})
            played = 0
            for name in PAGES:
                page.goto((site / "results/site" / f"{name}.html").as_uri())
                page.wait_for_load_state("load")
                # A browser that plays the video never loads the GIF inside it.
                images = page.eval_on_selector_all(
                    "article img:not(video img)",
                    "imgs => imgs.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])",
                )
                assert all(complete and size > 0 for _, complete, size in images), images
                # Every animation in the player, which has started (issue 24).
                states = page.eval_on_selector_all(
                    "article .oa-player", "ps => ps.map(p => p.dataset.state)"
                )
                assert len(states) == page.locator("article video").count()
                assert all(state in ("playing", "paused") for state in states), (name, states)
                for video in play_every_video(page):
                    source = video["source"]
                    assert video["error"] is None and source.endswith(".webm"), (name, video)
                    assert video["seconds"] > 0, f"{source} does not play on {name}.html"
                    assert (site / "results/site/_images" / Path(video["poster"]).name).is_file()
                    played += 1
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name}.html scrolls sideways at {width}px"
            # One on the first page, the tutorial's three, the landscapes page's
            # seven, the noise page's five.
            assert played == 1 + 3 + 7 + 5
            page.close()


def test_the_tuned_and_landscapes_pages_show_the_explorer_offline_in_a_frame_that_fits(site):
    """Issue 24: the `explorer` directive's frame, sandboxed, grown to its page."""
    with chromium_browser() as chromium:
        for name in ("tuned", "landscapes"):
            page = chromium.new_page(viewport={"width": 390, "height": 900})
            refused = serve_offline(page, site / "results/site")  # file:// passes
            page.goto((site / "results/site" / f"{name}.html").as_uri())
            frame_element = page.locator("iframe.oa-explorer-frame")
            assert frame_element.count() == 1
            assert frame_element.get_attribute("sandbox") == "allow-scripts"
            frame_element.scroll_into_view_if_needed()
            frame = frame_element.element_handle().content_frame()
            frame.wait_for_function("() => window.optimizerAnimations?.explorer?.ready")
            assert frame.evaluate("window.optimizerAnimations.explorer.state().shown.length") == 6
            # The frame follows its page's height, read at the same moment
            # (the page may still grow while its fonts and pictures settle).
            for _ in range(100):
                inner = frame.evaluate("document.documentElement.scrollHeight")
                outer = frame_element.evaluate("f => f.getBoundingClientRect().height")
                if abs(outer - inner) <= 2:
                    break
                page.wait_for_timeout(100)
            assert abs(outer - inner) <= 2, (name, outer, inner)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}.html scrolls sideways at 390px"
            page.close()
            assert not refused, refused


def test_a_dark_colour_scheme_sees_the_dark_variants_and_a_light_one_the_light(site):
    """Issue 22: the published figures' dark variants, picked by Furo's
    only-light / only-dark classes from the reader's colour scheme."""
    paired = {
        "basics_of_optimizer_02",
        "basics_of_optimizer_03",
        "optimizer_outputs",
        "optimizer_comparison",
        "optimizer_paths",
    }
    tutorial = (site / "results/site/tutorial.html").as_uri()
    with chromium_browser() as chromium:
        for scheme in ("light", "dark"):
            page = chromium.new_page(color_scheme=scheme)
            page.goto(tutorial)
            page.wait_for_load_state("load")
            shown = page.eval_on_selector_all(
                "article img:visible:not(video img)", "imgs => imgs.map(i => i.getAttribute('src'))"
            ) + [video["poster"] for video in play_every_video(page)]
            page.close()
            names = {Path(src).name for src in shown}
            dark = {name.split(".")[0] for name in names if ".dark." in name}
            light = {name.split(".")[0] for name in names if ".dark." not in name}
            if scheme == "dark":
                assert dark == paired and not paired & light, names
            else:
                assert not dark and paired <= light, names


def test_the_committed_site_figures_are_what_their_configs_publish():
    """The landscape and tuned pages show files that their configs' `publish:`
    wrote; each published animation comes with its videos and poster."""
    for config_name in ("landscapes", "tuned", "stochastic", "internals"):
        config = yaml.safe_load((REPO / "config" / f"{config_name}.yaml").read_text())
        folder = REPO / config["publish"]["dir"]
        formats = config.get("animation", {}).get("formats", ["gif"])
        expected = set()
        for name in config["publish"]["files"]:
            # A figure comes with its dark variant (issue 22), an animation with its videos.
            variants = [name, dark_variant(name)] if name.endswith((".png", ".gif")) else [name]
            for variant in variants:
                gif = variant.endswith(".gif")
                expected |= {variant, *(companion_paths(variant, formats) if gif else [])}
        assert {path.name for path in folder.iterdir()} == expected


def test_the_committed_stochastic_figures_are_current(tmp_path):
    """The gradient fan of config/stochastic.yaml, drawn afresh from its
    generated samples, is byte for byte what docs/images/stochastic/ holds."""
    config = yaml.safe_load((REPO / "config/stochastic.yaml").read_text())
    config["experiments"] = {"regression": config["experiments"]["regression"]}
    config["publish"]["files"] = {"gradients.png": "regression/gradients.png"}
    workdir = copy_workflow(tmp_path / "wf", config)
    shutil.rmtree(workdir / "docs/images/stochastic")
    run_snakemake(workdir, "--cores", "2", "publish")
    published = workdir / "docs/images/stochastic"
    names = ["gradients.png", "gradients.dark.png"]
    assert sorted(path.name for path in published.iterdir()) == sorted(names)
    for name in names:
        assert (published / name).read_bytes() == (
            REPO / "docs/images/stochastic" / name
        ).read_bytes(), name


def test_the_committed_inside_the_step_figures_are_current(tmp_path):
    """Four experiments of config/internals.yaml, trained and drawn afresh:
    the anatomy of Adam's first step, the step sizes of four optimizers, SGD's
    learning rate x momentum map and the map and paths of each momentum tuned
    on its own are byte for byte what docs/images/internals/ holds, and the
    page's table of tuned rates is what the tuning recorded."""
    config = yaml.safe_load((REPO / "config/internals.yaml").read_text())
    config["experiments"] = {
        name: config["experiments"][name]
        for name in ("adam-first-steps", "step-sizes", "sgd-map", "sgd-tuned-map")
    }
    files = {
        "adam-anatomy.png": "adam-first-steps/anatomy.png",
        "step-sizes.png": "step-sizes/step_sizes.png",
        "sgd-map.png": "sgd-map/phase.png",
        "sgd-tuned-map.png": "sgd-tuned-map/phase.png",
        "sgd-tuned-paths.gif": "sgd-tuned-map/trajectories.gif",
    }
    config["publish"]["files"] = files
    workdir = copy_workflow(tmp_path / "wf", config)
    shutil.rmtree(workdir / "docs/images/internals")
    run_snakemake(workdir, "--cores", "2", "publish")
    published = workdir / "docs/images/internals"
    formats = config.get("animation", {}).get("formats", ["gif"])
    names = [
        path
        for name in files
        for variant in (name, dark_variant(name))
        for path in [variant, *(companion_paths(variant, formats) if name.endswith(".gif") else [])]
    ]
    assert sorted(path.name for path in published.iterdir()) == sorted(names)
    for name in names:
        assert (published / name).read_bytes() == (
            REPO / "docs/images/internals" / name
        ).read_bytes(), name

    # The page's table: each momentum's tuned rate and its final distance.
    tuned = yaml.safe_load((workdir / "results/sgd-tuned-map/tuned.yaml").read_text())
    rows = read_tuning_csv(workdir / "results/sgd-tuned-map/tuning.csv")
    expected = []
    for entry in tuned["optimizers"]:
        (row,) = [
            r
            for r in rows
            if r["grid"] == {"momentum": entry["momentum"]}
            and r["learning_rate"] == entry["learning_rate"]
        ]
        expected.append(
            [f"{entry['momentum']:g}", f"{entry['learning_rate']:.3g}", f"{row['objective']:.2g}"]
        )
    page = (REPO / "docs/internals.md").read_text()
    section = page[page.index("## Each momentum tuned on its own") :]
    table = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ")
    ]
    assert table[0][0] == "momentum" and table[2:] == expected
    # "From 0.9 on, every rate that stays in the plot ends within a factor of
    # 6 of the others"; "at 0.3 every momentum diverges or leaves the plot".
    for momentum in (0.9, 0.95, 0.99):
        kept = [
            r["objective"]
            for r in rows
            if r["grid"]["momentum"] == momentum and math.isfinite(r["objective"])
        ]
        assert max(kept) / min(kept) < 6, momentum
    assert all(not math.isfinite(r["objective"]) for r in rows if r["learning_rate"] == 0.3)


def test_the_committed_landscape_figures_are_current(tmp_path):
    """One landscape of config/landscapes.yaml, drawn afresh, is byte for byte
    the GIF, videos and poster that docs/images/landscapes/ holds."""
    config = yaml.safe_load((REPO / "config/landscapes.yaml").read_text())
    config["experiments"] = {"saddle": config["experiments"]["saddle"]}
    config["publish"]["files"] = {"saddle.gif": "saddle/trajectories.gif"}
    workdir = copy_workflow(tmp_path / "wf", config)
    shutil.rmtree(workdir / "docs/images/landscapes")
    run_snakemake(workdir, "--cores", "2", "publish")
    published = workdir / "docs/images/landscapes"
    names = [
        gif_name
        for gif in ("saddle.gif", "saddle.dark.gif")
        for gif_name in [gif, *companion_paths(gif, config["animation"]["formats"])]
    ]
    assert sorted(path.name for path in published.iterdir()) == sorted(names)
    for name in names:
        assert (published / name).read_bytes() == (
            REPO / "docs/images/landscapes" / name
        ).read_bytes(), name
