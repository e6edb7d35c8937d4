import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLUSTER_SCRIPTS = REPO / "tests" / "cluster"
SLURM_STATE_DIR = Path(
    os.environ.get("SLURM_TEST_STATE_DIR", "/var/tmp/optimizer-animations-slurm")
)
# What a workflow copy needs; results/, logs/ and .snakemake/ are left behind.
WORKFLOW_FILES = [
    "Snakefile",
    "workflow",
    "scripts",
    "config",
    "profiles",
    "environment.yml",
    "docs",
]


def default_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def small_config() -> dict:
    """Two experiments, a few epochs: the default's shape at a fraction of its cost."""
    config = default_config()
    config["frames"]["every"] = 4
    config["experiments"] = {
        "outputs": {"epochs": 10, "use_bias": False, "optimizers": ["SGD", "Adam"]},
        "losses": {
            "epochs": 6,
            "use_bias": True,
            "optimizers": ["SGD", {"name": "RMSprop", "learning_rate": 0.01, "label": "rms-fast"}],
        },
    }
    return config


def copy_workflow(destination: Path, config: dict | None = None) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / name)
    if config is not None:
        (destination / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return destination


def digests(workdir: Path, folder: str = "results") -> dict[str, str]:
    """Path -> SHA-256 of every file under `workdir`/`folder`."""
    return {
        str(path.relative_to(workdir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((workdir / folder).rglob("*"))
        if path.is_file()
    }


def run_snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


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
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def play_every_video(page) -> list[dict]:
    """Each `<video>` of a Playwright page, scrolled into view (Chromium pauses
    muted video out of sight) and given 600 ms: its chosen source, time
    played, error code, width and poster."""
    states = []
    videos = page.locator("video")
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
