"""Issue 4: the workflow through a real (single-node) SLURM cluster.

tests/cluster/start-slurm.sh installs and starts the cluster; the fixture stops
it afterwards, also when a test fails, unless it was already running before.
"""

import os
import re
import subprocess
import time

import pytest

from conftest import (
    CLUSTER_SCRIPTS,
    REPO,
    cluster_running,
    copy_workflow,
    digests,
    run_snakemake,
    small_config,
)
from test_module import make_host

pytestmark = [pytest.mark.cluster, pytest.mark.e2e]

# Rules that go through the queue; the others are local rules (see render.smk).
QUEUED_RULES = {
    "train_outputs",
    "train_losses",
    "render_frames_outputs",
    "render_frames_losses",
    "draw_trajectories_outputs",
    "draw_trajectories_losses",
}


@pytest.fixture(scope="module")
def slurm():
    if os.geteuid() != 0:
        pytest.skip("starting a SLURM cluster needs root (it installs Debian packages)")
    already = cluster_running()
    started = subprocess.run(
        ["bash", str(CLUSTER_SCRIPTS / "start-slurm.sh")], capture_output=True, text=True
    )
    if started.returncode != 0:
        if "could not install" in started.stderr or "apt-get update failed" in started.stderr:
            pytest.skip(f"SLURM cannot be installed here: {started.stderr.strip()}")
        raise AssertionError(f"start-slurm.sh failed:\n{started.stdout}\n{started.stderr}")
    yield
    if not already:
        subprocess.run(["bash", str(CLUSTER_SCRIPTS / "stop-slurm.sh")], check=True)


def sacct_jobs(since: str) -> list[tuple[str, str, str]]:
    """(job id, job name, state) of every allocation since `since`."""
    result = subprocess.run(
        [
            "sacct",
            "-a",
            "-X",
            "-n",
            "-P",
            "--format=JobID,JobName,State,Comment",
            f"--starttime={since}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [tuple(line.split("|")[:3]) for line in result.stdout.splitlines() if line]


def submitted_rules(snakemake_output: str) -> dict[str, str]:
    """SLURM job id -> rule, from the plugin's "submitted with SLURM jobid" lines."""
    pattern = r"submitted with SLURM jobid (\d+) \(log: \S*/rule_([^/\s]+)/"
    return {job_id: rule for job_id, rule in re.findall(pattern, snakemake_output)}


def test_workflow_runs_through_slurm_like_it_runs_locally(slurm, tmp_path):
    local = copy_workflow(tmp_path / "local", small_config())
    started = time.monotonic()
    run_snakemake(local, "--cores", "2")
    local_seconds = time.monotonic() - started

    cluster = copy_workflow(tmp_path / "cluster", small_config())
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 1))
    started = time.monotonic()
    result = run_snakemake(cluster, "--profile", "profiles/slurm")
    cluster_seconds = time.monotonic() - started
    print(f"local run {local_seconds:.1f} s, SLURM run {cluster_seconds:.1f} s")

    submitted = submitted_rules(result.stdout + result.stderr)
    assert sorted(submitted.values()) == sorted(QUEUED_RULES), result.stdout
    states = {job_id: state for job_id, _, state in sacct_jobs(since)}
    for job_id, rule in submitted.items():
        assert states.get(job_id) == "COMPLETED", (
            f"{rule} (SLURM job {job_id}): {states.get(job_id)}"
        )
    assert digests(cluster) == digests(local)


def test_a_rule_failing_on_slurm_fails_the_run_and_shows_its_log(slurm, tmp_path):
    config = small_config()
    # Refused by Keras inside the training job: the copy's check of SGD's
    # momentum is loosened to let it through (the workflow refuses it before
    # any job).
    config["experiments"]["losses"]["optimizers"] = [{"name": "SGD", "momentum": 2.0}]
    config["publish"]["files"] = {}
    workdir = copy_workflow(tmp_path / "wf", config)
    table = workdir / "src/optimizer_animations/training/keras_optimizers.py"
    loosened = table.read_text().replace(
        '"momentum": UNIT,', '"momentum": ArgumentType("float", 0.0, 2.0),'
    )
    assert loosened != table.read_text()
    table.write_text(loosened)
    result = run_snakemake(workdir, "--profile", "profiles/slurm", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Error in rule train_losses" in output
    # The failed job's log, shown by Snakemake (show-failed-logs in the profile).
    assert "momentum" in output and "must be a float between [0, 1]" in output
    assert not (workdir / "results/losses/sgd/history.npz").exists()
    assert (workdir / "results/outputs/sgd/history.npz").exists()  # keep-going


def test_imported_workflow_runs_through_slurm_with_its_quick_rules_local(slurm, tmp_path):
    # A host repository imports the workflow as a module, its rules renamed
    # oa_*: `localrule: True` follows the renaming, a `localrules:` list would not.
    local = copy_workflow(tmp_path / "local", small_config())
    run_snakemake(local, "--cores", "2")
    host = make_host(tmp_path / "module")
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 1))
    result = run_snakemake(host, "--profile", str(REPO / "profiles" / "slurm"))
    submitted = submitted_rules(result.stdout + result.stderr)
    assert sorted(submitted.values()) == sorted(f"oa_{rule}" for rule in QUEUED_RULES), (
        result.stdout
    )
    states = {job_id: state for job_id, _, state in sacct_jobs(since)}
    for job_id, rule in submitted.items():
        assert states.get(job_id) == "COMPLETED", (
            f"{rule} (SLURM job {job_id}): {states.get(job_id)}"
        )
    assert digests(host / "figures") == digests(local)
