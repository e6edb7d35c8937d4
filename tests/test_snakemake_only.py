"""Issue 21: reading the workflow needs Snakemake alone.

The catalog's crawler and a cluster's login node run `snakemake -n`,
`--lint` and `--dag` where only Snakemake is installed. A fresh venv holds
Snakemake (with what it depends on) and the package without its
dependencies: no NumPy, matplotlib or TensorFlow. There the workflow plans
exactly the jobs it plans with the whole stack, and a bad config is refused
with the same message.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import copy_workflow, every_kind_config, fresh_venv, pinned, run_snakemake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def snakemake_only(tmp_path_factory, package_wheel) -> Path:
    """The `snakemake` of a venv with Snakemake and the package only."""
    python = fresh_venv(
        tmp_path_factory.mktemp("venv") / "snakemake-only", package_wheel, *pinned("snakemake")
    )
    for library in ("numpy", "matplotlib", "tensorflow", "keras", "PIL", "imageio"):
        probe = subprocess.run([str(python), "-c", f"import {library}"], capture_output=True)
        assert probe.returncode != 0, f"{library} is installed in the Snakemake-only venv"
    return python.with_name("snakemake")


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> Path:
    """Every kind of experiment, and trajectory axes named by weight."""
    config = every_kind_config()
    config["experiments"]["outputs"]["trajectory"] = {"axes": ["kernel[0,0]", "kernel[0,2]"]}
    config["experiments"]["tuned_dense"] = {
        "epochs": 5,
        "use_bias": True,
        "optimizers": ["SGD", "Adam"],
        "tune": {
            "learning_rate": {"min": 0.01, "max": 0.1, "points": 2},
            "seeds": 2,
            "objective": "epochs_to_target",
            "target": 0.1,
        },
    }
    return copy_workflow(tmp_path_factory.mktemp("workflow") / "wf", config)


def run(snakemake: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    # No PYTHONPATH: the venv's installed package, not the copy's src/.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(snakemake), *args], cwd=workdir, capture_output=True, text=True, env=env
    )


def job_counts(output: str) -> dict[str, int]:
    """Rule -> count, from a dry run's job stats table."""
    table = output[output.index("Job stats:") :]
    return {rule: int(count) for rule, count in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_a_dry_run_plans_the_same_jobs_as_with_the_whole_stack(snakemake_only, workflow):
    alone = run(snakemake_only, workflow, "-n", "--cores", "4")
    assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr[-3000:]
    whole = run_snakemake(workflow, "-n", "--cores", "4")
    counts = job_counts(alone.stdout + alone.stderr)
    assert counts == job_counts(whole.stdout + whole.stderr)
    # Every kind of job, the tuned ones' time to target and profile among them.
    for rule in (
        "train_outputs",
        "tune_tuned_dense",
        "plot_time_to_target_tuned_dense",
        "plot_time_to_target_tuned_bowl",
        "profile",
        "draw_trajectories_bowl",
        "gallery",
    ):
        assert counts.get(rule), (rule, counts)


def test_lint_and_dag_run(snakemake_only, workflow):
    lint = run(snakemake_only, workflow, "--lint")
    assert lint.returncode == 0, lint.stdout[-3000:] + lint.stderr[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in lint.stdout + lint.stderr
    dag = run(snakemake_only, workflow, "--dag")
    assert dag.returncode == 0, dag.stderr[-3000:]
    assert dag.stdout.lstrip().startswith("digraph snakemake_dag")
    assert "train_outputs" in dag.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"function": {"formula": "log(x)", "domain": [[-1, 1], [-1, 1]], "start": [0, 0.5]}},
            "'experiments.bowl.function': the function is not finite at the start [0, 0.5]",
        ),
        (
            {"function": "rosenbrok"},
            "'experiments.bowl.function': unknown function 'rosenbrok'. Did you mean 'rosenbrock'?",
        ),
        (
            {"tune": {"learning_rate": {"min": 0.1, "max": 0.01, "points": 3}}},
            "'experiments.bowl.tune.learning_rate': min = 0.1 must be less than max = 0.01",
        ),
    ],
)
def test_a_bad_config_is_refused_with_the_same_message(snakemake_only, tmp_path, change, message):
    config = every_kind_config()
    config["experiments"]["bowl"].update(change)
    workdir = copy_workflow(tmp_path / "wf", config)
    alone = run(snakemake_only, workdir, "-n")
    whole = run_snakemake(workdir, "-n", check=False)
    assert alone.returncode != 0 and whole.returncode != 0
    assert message in alone.stdout + alone.stderr, alone.stdout[-2000:]
    assert message in whole.stdout + whole.stderr, whole.stdout[-2000:]


def test_trajectory_axes_are_checked_against_the_models_weights(snakemake_only, tmp_path):
    config = every_kind_config()
    config["experiments"]["outputs"]["trajectory"] = {"axes": ["kernel[0,0]", "kernel[0,3]"]}
    workdir = copy_workflow(tmp_path / "wf", config)
    alone = run(snakemake_only, workdir, "-n")
    assert alone.returncode != 0
    said = alone.stdout + alone.stderr
    assert "'kernel[0,3]' is not a weight of this model" in said
    assert "the model's weights run up to kernel[0,2]" in said
