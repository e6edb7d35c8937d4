"""Helpers for the tests and benchmarks of a checkout: copy the workflow into
a folder and run Snakemake there with the copy's own package.

As `numpy.testing`: part of the package so that the tests and the benchmarks
share one copy, not an API for workflows.
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# A checkout's root, when the package is imported from one (src/ layout).
CHECKOUT = Path(__file__).resolve().parents[2]
# What a workflow copy needs; results/, logs/ and .snakemake/ are left behind.
WORKFLOW_FILES = [
    "Snakefile",
    "workflow",
    "scripts",
    "src",
    "config",
    "profiles",
    "environment.yml",
    "docs",
]


def default_config() -> dict:
    return yaml.safe_load((CHECKOUT / "config" / "config.yaml").read_text())


def copy_workflow(destination: Path, config: dict | None = None) -> Path:
    """The checkout's workflow in `destination`, with `config` as its config."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = CHECKOUT / name
        if source.is_dir():
            shutil.copytree(
                source,
                destination / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
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


def package_source(workdir: Path) -> Path | None:
    """The `src/` of the workflow copy that holds `workdir`, if there is one."""
    for folder in (workdir, *workdir.parents):
        if (folder / "src" / "optimizer_animations").is_dir():
            return folder / "src"
    return None


def workflow_env(workdir: Path) -> dict[str, str]:
    """The environment of a `snakemake` run in `workdir`: a workflow copy's
    own package first, ahead of the installed one (so that a test may edit it)."""
    env = dict(os.environ)
    source = package_source(workdir)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return env


def run_snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=workflow_env(workdir),
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


# Started from a small process: a child forked from a test process (with
# TensorFlow loaded) would count that process's pages in its peak. Linux's
# wait4 reports the largest of the child and the descendants it waited for.
PEAK_OF = """
import os, subprocess, sys
with open(sys.argv[1], "w") as output:
    child = subprocess.Popen(sys.argv[2:], stdout=output, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def snakemake_peak(workdir: Path, *args: str) -> tuple[int, str, float]:
    """`snakemake *args` in `workdir`: its exit code, output, and the peak
    resident memory in MB of it or of its largest job."""
    output = workdir.parent / "snakemake.out"
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_OF, str(output), sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
        env=workflow_env(workdir),
    )
    code, peak_kb = map(int, measured.stdout.split())
    return code, output.read_text(), peak_kb / 1024


# --- pages in a real browser (Playwright's Chromium) ---------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def launch_chromium(executable: str) -> Iterator[Any]:
    """Headless Chromium at `executable`, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


PAGES_ORIGIN = "http://pages.test/"


def serve_offline(page: Any, root: Path) -> list[str]:
    """Serve `root` to a Playwright page at PAGES_ORIGIN (one origin, so that a
    canvas stays readable), and refuse every other request; returns the list
    of refused URLs, which a test asserts empty. `file://` pages load their
    files without the network, so they pass through."""
    refused: list[str] = []
    types = {
        ".html": "text/html",
        ".js": "text/javascript",
        ".css": "text/css",
        ".json": "application/json",
        ".png": "image/png",
        ".gif": "image/gif",
        ".webm": "video/webm",
        ".mp4": "video/mp4",
    }

    def handle(route):
        url = route.request.url
        if url.startswith("file://") or url.startswith("data:"):
            route.continue_()
        elif url.startswith(PAGES_ORIGIN):
            path = root / url[len(PAGES_ORIGIN) :].split("?")[0].split("#")[0]
            if not path.is_file():
                route.fulfill(status=404, body="not found")
                return
            body = path.read_bytes()
            headers = {
                "Content-Type": types.get(path.suffix, "application/octet-stream"),
                "Accept-Ranges": "bytes",
            }
            wanted = route.request.headers.get("range", "")
            if wanted.startswith("bytes="):  # a video seeks by byte ranges
                first, _, last = wanted[len("bytes=") :].partition("-")
                start, end = int(first or 0), int(last) if last else len(body) - 1
                headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                route.fulfill(status=206, headers=headers, body=body[start : end + 1])
            else:
                route.fulfill(status=200, headers=headers, body=body)
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", handle)
    return refused


def console_errors(page: Any) -> list[str]:
    """The page's console errors and uncaught exceptions, as they come."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_offline(page: Any, root: Path, path: str) -> tuple[list[str], list[str]]:
    """Open `root`/`path` in `page` at PAGES_ORIGIN (serve_offline), up to its
    load event; returns the refused requests and the console errors, both
    filled as they come, which a test asserts empty at its end."""
    refused = serve_offline(page, root)
    errors = console_errors(page)
    page.goto(PAGES_ORIGIN + path)
    page.wait_for_load_state("load")
    return refused, errors
