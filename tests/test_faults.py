"""Issue 3: bad input stops early, faults (divergence, kills, locks) lose nothing."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import (
    copy_workflow,
    default_config,
    digests,
    finished_small_run,
    run_snakemake,
    small_config,
    workflow_env,
)

pytestmark = pytest.mark.e2e


def start_snakemake(workdir: Path, *args: str) -> subprocess.Popen:
    """Snakemake in its own process group, so that a test can kill it with its jobs.

    Its output goes to `snakemake.out` in the workdir's parent: a pipe that
    nobody reads would fill up and stall it.
    """
    # The child keeps its own copy of the descriptor; ours can close at once.
    with open(workdir.parent / "snakemake.out", "w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "snakemake", *args],
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=workflow_env(workdir),
        )


def finish(process: subprocess.Popen, workdir: Path) -> str:
    process.wait(timeout=300)
    return (workdir.parent / "snakemake.out").read_text()


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def job_pids(workdir: Path, script: str) -> list[int]:
    """PIDs of the running Snakemake jobs of `workdir` whose script file name
    ends with `script` (only its own: other runs on the machine live on)."""
    scripts = f"{workdir.resolve()}/.snakemake/scripts/".encode()
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if any(a.startswith(scripts) and a.endswith(f".{script}".encode()) for a in args):
            pids.append(int(cmdline.parent.name))
    return pids


def partials(workdir: Path) -> list[Path]:
    return [p for p in (workdir / "results").rglob("*") if ".partial-" in p.name]


@pytest.fixture(scope="module")
def clean_digests(tmp_path_factory):
    return digests(finished_small_run(tmp_path_factory, "clean"))


def test_yaml_that_does_not_parse_is_reported_with_its_place(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "config.yaml").write_text("data:\n  x: [[1.0]\n  y: [[0, 1, 0]]\n")
    result = run_snakemake(workdir, "--cores", "1", check=False)
    assert result.returncode != 0
    assert "config/config.yaml line 3, column 3 is not valid YAML" in result.stdout + result.stderr
    assert not (workdir / "results").exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"frames": {"every": -3}}, "'frames.every' must be at least 1, got -3"),
        (
            {"experiments": {"outputs": {"epochs": 0}}},
            "'experiments.outputs.epochs' must be at least 1",
        ),
        ({"experiments": {"x/y": {"epochs": 3, "optimizers": ["SGD"]}}}, "not a safe folder name"),
        ({"frams": {}}, "Did you mean 'frames'?"),
    ],
)
def test_bad_config_exits_non_zero_and_touches_nothing(finished_copy, changes, message):
    before = digests(finished_copy)
    (finished_copy / "bad.yaml").write_text(yaml.safe_dump(changes))
    result = run_snakemake(finished_copy, "--cores", "1", "--configfile", "bad.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "invalid config: " in output and message in output
    assert "Traceback" not in output
    assert digests(finished_copy) == before


@pytest.fixture(scope="module")
def finished_copy(tmp_path_factory):
    return finished_small_run(tmp_path_factory, "done")


def test_diverging_run_finishes_and_says_so(tmp_path):
    config = small_config()
    config["frames"]["every"] = 20
    del config["publish"]  # it names results of the default experiments
    config["experiments"] = {
        "diverge": {
            "epochs": 60,
            "optimizers": [{"name": "SGD", "learning_rate": 10.0, "label": "sgd-lr10"}, "Adam"],
        }
    }
    workdir = copy_workflow(tmp_path / "wf", config)
    result = run_snakemake(workdir, "--cores", "2")
    with np.load(workdir / "results/diverge/sgd-lr10/history.npz") as npz:
        loss = npz["loss"]
    assert not np.isfinite(loss[-1]) and np.isfinite(loss[0])
    log = (workdir / "logs/diverge/train.log").read_text()
    assert "diverged at epoch" in log
    assert (workdir / "results/diverge/sgd-lr10/frames/pred060.png").exists()
    assert (workdir / "results/diverge/comparison.gif").exists()
    warnings = [
        line
        for path in (workdir / "logs").rglob("*.log")
        for line in path.read_text().splitlines()
        if "Warning" in line
    ]
    assert len(warnings) <= 2, warnings
    assert "Error" not in result.stderr.replace("failed call to cuInit", "")


def test_killing_snakemake_with_its_jobs_then_rerunning_equals_a_clean_run(tmp_path, clean_digests):
    workdir = copy_workflow(tmp_path / "wf", small_config())
    process = start_snakemake(workdir, "--cores", "4")
    first_frame = workdir / "results/outputs/sgd/frames/pred000.png"
    wait_for(first_frame.exists, what="the first frame")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    run_snakemake(workdir, "--unlock")
    run_snakemake(workdir, "--cores", "4")
    assert partials(workdir) == []
    assert digests(workdir) == clean_digests


@pytest.mark.parametrize("script", ["train.py", "render.py", "assemble_gif.py"])
def test_a_job_killed_mid_way_leaves_nothing_finished_looking(tmp_path, clean_digests, script):
    # A GIF job lives ~0.3 s: should it end between being seen and being
    # killed, try again in a fresh copy (at most 3 times).
    for attempt in range(3):
        workdir = copy_workflow(tmp_path / f"wf{attempt}", small_config())
        process = start_snakemake(workdir, "--cores", "4", "--keep-going")
        wait_for(lambda here=workdir: job_pids(here, script), what=f"a {script} job")
        killed = 0
        for pid in job_pids(workdir, script):
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        output = finish(process, workdir)
        if killed and process.returncode != 0:
            break
    assert process.returncode != 0, output
    assert "Error in rule" in output
    # Snakemake removes the outputs of the failed job; what remains is complete.
    run_snakemake(workdir, "--cores", "4")
    assert partials(workdir) == []
    assert digests(workdir) == clean_digests


def test_a_stray_partial_file_is_removed_when_the_next_run_starts(finished_copy):
    # Left by a job killed while writing an output the config no longer asks
    # for, by a process id past the largest the kernel gives: never alive
    # (a fixed small id can be a live process on a busy machine).
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    stray = finished_copy / f"results/old-experiment/sgd/.loss.png.partial-{gone}.png"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half a figure")
    (finished_copy / "more.yaml").write_text(yaml.safe_dump({"frames": {"hold_ms": 1500}}))
    run_snakemake(finished_copy, "--cores", "2", "--configfile", "more.yaml")
    assert not stray.exists()
    assert partials(finished_copy) == []


def test_a_second_invocation_fails_fast_on_the_lock(tmp_path, clean_digests):
    workdir = copy_workflow(tmp_path / "wf", small_config())
    first = start_snakemake(workdir, "--cores", "2")
    wait_for(lambda: job_pids(workdir, "train.py"), what="the first run's training")
    started = time.monotonic()
    second = run_snakemake(workdir, "--cores", "2", check=False)
    assert second.returncode != 0
    assert "LockException" in second.stdout + second.stderr
    assert time.monotonic() - started < 15
    output = finish(first, workdir)
    assert first.returncode == 0, output
    assert digests(workdir) == clean_digests


def test_default_config_is_byte_identical_across_runs_and_core_counts(tmp_path):
    first = copy_workflow(tmp_path / "a", default_config())
    second = copy_workflow(tmp_path / "b", default_config())
    run_snakemake(first, "--cores", "4")
    run_snakemake(second, "--cores", "1")
    assert digests(first) == digests(second)
    # index.html; per experiment 6 files and 3 of its paths; per run 5 files and its frames;
    # the 5 published figures' dark variants, and the dark frames of the comparison's 3 runs;
    # each of the 13 GIFs' frames and player file (2 per experiment, 1 per run, 3 dark ones)
    # and the player's 2 files beside the gallery
    assert len(digests(first)) == (
        1 + 2 * (6 + 3) + 6 * 5 + 3 * 21 + 3 * 5 + 5 + 3 * 21 + 2 * (2 * 2 + 6 + 3) + 2
    )


def test_seeded_weights_are_the_same_in_every_job(tmp_path):
    config = small_config()
    config["init"] = {"seed": 3}
    workdir = copy_workflow(tmp_path / "wf", config)
    run_snakemake(workdir, "--cores", "2")
    kernels = []
    for run in ("outputs/sgd", "outputs/adam", "losses/sgd", "losses/rms-fast"):
        with np.load(workdir / f"results/{run}/history.npz") as npz:
            kernels.append(npz["kernel"][0])
            assert '"seed": 3' in str(npz["meta"])
    for kernel in kernels[1:]:
        np.testing.assert_array_equal(kernel, kernels[0])
