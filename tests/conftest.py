import os
import shutil
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from optimizer_animations.testing import CHECKOUT as REPO
from optimizer_animations.testing import (
    PAGES_ORIGIN,
    console_errors,
    copy_workflow,
    default_config,
    digests,
    launch_chromium,
    open_offline,
    package_source,
    run_snakemake,
    serve_offline,
    workflow_env,
)

# The helpers the test modules import from here.
__all__ = [
    "PAGES_ORIGIN",
    "REPO",
    "chromium_browser",
    "console_errors",
    "copy_workflow",
    "default_config",
    "digests",
    "every_kind_config",
    "finished_small_run",
    "fresh_venv",
    "open_offline",
    "package_source",
    "pinned",
    "play_every_video",
    "run_snakemake",
    "serve_offline",
    "small_config",
    "workflow_env",
]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLUSTER_SCRIPTS = REPO / "tests" / "cluster"
SLURM_STATE_DIR = Path(
    os.environ.get("SLURM_TEST_STATE_DIR", "/var/tmp/optimizer-animations-slurm")
)


def small_config() -> dict:
    """Two experiments, a few epochs: the default's shape at a fraction of its
    cost. The repository's test config, .test/config/config.yaml, which the
    catalog's checks run too."""
    return yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())


def every_kind_config() -> dict:
    """The small config plus a landscape, two tuned landscapes (so the
    performance profile and time to target too) and minibatches of generated
    samples: every rule of `all`."""
    config = small_config()
    config.pop("publish")
    config["experiments"]["bowl"] = {
        "epochs": 20,
        "function": "quadratic",
        "optimizers": ["SGD", "Adam"],
    }
    for name, function in (("tuned_bowl", "quadratic"), ("tuned_saddle", "rosenbrock")):
        config["experiments"][name] = {
            "epochs": 20,
            "function": function,
            "optimizers": ["SGD", "Adam"],
            "tune": {"learning_rate": {"min": 0.001, "max": 0.1, "points": 2}},
        }
    config["experiments"]["tuned_bowl"]["explorer"] = True  # its trials, explorer.html
    # Two weights and minibatches of generated samples, more than a bar chart
    # holds: data.csv, fit frames, batch_sizes.png, gradients.png.
    config["experiments"]["minibatch"] = {
        "epochs": 2,
        "use_bias": True,
        "data": {"generate": "linear", "samples": 12},
        "init": {"seed": 0},
        "optimizers": [{"name": "SGD", "grid": {"batch_size": [4, 12]}}],
    }
    return config


def pinned(*names: str) -> list[str]:
    """`name==version` of each of `names`, as requirements.txt pins it."""
    pins = dict(
        line.split("==")
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    return [f"{name}=={pins[name]}" for name in names]


@pytest.fixture(scope="session")
def package_wheel(tmp_path_factory) -> Path:
    """The package as a wheel, built from the checkout's working tree as a
    release would be (without its egg-info, build folders or bytecode)."""
    source = tmp_path_factory.mktemp("package-source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = source / "dist"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(dist), str(source)),
        ],
        check=True,
    )
    (wheel,) = dist.glob("optimizer_animations-*.whl")
    return wheel


def fresh_venv(path: Path, wheel: Path, *requirements: str) -> Path:
    """A new venv holding `requirements` (with what they depend on) and the
    package without its dependencies: a machine that has only those. Its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *requirements],
        check=True,
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True
    )
    return python


def finished_small_run(tmp_path_factory, name: str) -> Path:
    """A copy of the workflow after a complete run of the small config.

    Each test module gets its own (module-scoped fixtures), since some
    add files to it.
    """
    workdir = copy_workflow(tmp_path_factory.mktemp(name) / "wf", small_config())
    run_snakemake(workdir, "--cores", "4")
    return workdir


@contextmanager
def chromium_browser():
    """Headless Debian Chromium driven by Playwright, or a skip saying why not."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    with launch_chromium(CHROMIUM) as chromium:
        yield chromium


def play_every_video(page) -> list[dict]:
    """Each shown `<video>` of a Playwright page (not one that the reader's
    colour scheme hides), scrolled into view (Chromium pauses muted video out
    of sight) and given 600 ms: its chosen source, time played, error code,
    width and poster."""
    states = []
    videos = page.locator("video:visible")
    for number in range(videos.count()):
        video = videos.nth(number)
        video.scroll_into_view_if_needed()
        page.wait_for_timeout(600)
        states.append(
            video.evaluate(
                "v => ({source: v.currentSrc, seconds: v.currentTime,"
                " error: v.error && v.error.code, width: v.videoWidth, poster: v.poster})"
            )
        )
    return states


def cluster_running() -> bool:
    """Whether every daemon that tests/cluster/start-slurm.sh recorded still runs."""
    pids = SLURM_STATE_DIR / "pids"
    if not pids.is_file() or not pids.read_text().strip():
        return False
    return all(
        Path(f"/proc/{line.split()[1]}").exists() for line in pids.read_text().splitlines() if line
    )


@pytest.fixture(scope="session", autouse=True)
def slurm_controller_for_the_session():
    """Keep `snakemake` starts fast where SLURM's client is installed.

    The SLURM plugin runs `scontrol show config` when Snakemake loads it, on
    every start, and waits up to 10 s when no controller answers: after the
    cluster tests have installed SLURM once, each of the suite's ~60 Snakemake
    runs would wait. So where the client is installed, the session starts the
    test cluster first (as .ci/run does) and stops it at the end.
    """
    if shutil.which("scontrol") is None or cluster_running():
        yield
        return
    if os.geteuid() != 0:
        warnings.warn(
            "SLURM's client is installed but no controller answers and the test cluster needs"
            " root to start: every snakemake start waits ~10 s",
            stacklevel=1,
        )
        yield
        return
    started = subprocess.run(
        ["bash", str(CLUSTER_SCRIPTS / "start-slurm.sh")], capture_output=True, text=True
    )
    if started.returncode != 0:
        warnings.warn(
            f"could not start the test cluster, snakemake starts will wait ~10 s: {started.stderr}",
            stacklevel=1,
        )
        yield
        return
    yield
    subprocess.run(["bash", str(CLUSTER_SCRIPTS / "stop-slurm.sh")], check=True)


def pytest_collection_modifyitems(config, items):
    """Run the cluster tests last.

    On a machine without SLURM they install its client; should they stop
    their cluster before other tests ran, every later `snakemake` start
    would wait ~10 s (see slurm_controller_for_the_session).
    """
    items.sort(key=lambda item: item.get_closest_marker("cluster") is not None)


def capture_saved(monkeypatch, modules) -> list:
    """Every figure that `modules`' plotting code saves from now on, in order."""
    figures = []
    for module in modules:
        original = module.save_figure

        def capture(figure, path, original=original):
            figures.append(figure)
            original(figure, path)

        monkeypatch.setattr(module, "save_figure", capture)
    return figures
