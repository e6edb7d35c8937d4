"""End to end: the Snakemake workflow on a small config in a temporary directory."""

import json
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import yaml

from conftest import REPO, copy_workflow, digests, finished_small_run, run_snakemake, small_config
from optimizer_animations.config.check import frame_epochs
from optimizer_animations.export.formats import dark_variant
from optimizer_animations.records.layout import Layout

pytestmark = pytest.mark.e2e


def expected_outputs(config: dict) -> list[str]:
    layout = Layout("results")
    paths = [layout.index()]
    published = {
        f"results/{source}" for source in config.get("publish", {}).get("files", {}).values()
    }
    for experiment, settings in config["experiments"].items():
        paths += [
            layout.loss_plot(experiment),
            layout.summary(experiment),
            layout.run_table(experiment),
            layout.comparison(experiment),
            layout.comparison_page(experiment),
            layout.caption(experiment),
            # every optimizer's path in weight space
            *(layout.trajectory(experiment, False, suffix) for suffix in ("gif", "png", "html")),
        ]
        for entry in settings["optimizers"]:
            label = entry.lower() if isinstance(entry, str) else entry["label"]
            paths += [
                layout.history(experiment, label),
                layout.run_loss_plot(experiment, label),
                layout.animation(experiment, label),
                layout.animation_page(experiment, label),
                layout.run_caption(experiment, label),
            ]
            frames = [
                layout.frame(experiment, label, e)
                for e in frame_epochs(settings["epochs"], config["frames"]["every"])
            ]
            paths += frames
            # Issue 22: a published animation's dark variant needs dark frames;
            # the comparison needs every run's.
            animations = {layout.animation(experiment, label), layout.comparison(experiment)}
            if animations & published:
                paths += [dark_variant(frame) for frame in frames]
    # Every published figure is also drawn dark, beside it.
    paths += [dark_variant(path) for path in published]
    # Issue 24: every GIF's player file, and its frames (no video here); the
    # gallery's player script and style.
    paths += [
        gif.removesuffix(".gif") + suffix
        for gif in paths
        if gif.endswith(".gif")
        for suffix in (".frames.png", ".player.json")
    ]
    return [*paths, layout.asset("oa-player.css"), layout.asset("oa-player.js")]


def planned_jobs(workdir: Path, changes: dict | None = None) -> dict[str, int]:
    """Rule name -> job count of a dry run, with `changes` merged into the config."""
    args = []
    if changes:
        (workdir / "changes.yaml").write_text(yaml.safe_dump(changes))
        args = ["--configfile", "changes.yaml"]
    result = run_snakemake(workdir, "-n", "--quiet", "rules", *args)
    counts = {}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    return finished_small_run(tmp_path_factory, "run")


def test_every_output_exists_and_nothing_else(finished_run):
    config = small_config()
    expected = sorted(expected_outputs(config))
    produced = sorted(digests(finished_run))
    assert produced == expected


def test_histories_hold_every_epoch(finished_run):
    with np.load(finished_run / "results/losses/rms-fast/history.npz") as npz:
        assert list(npz["epoch"]) == list(range(7))
        assert npz["pred"].shape == (7, 1, 3) and npz["bias"].shape == (7, 3)
        meta = json.loads(str(npz["meta"]))
    assert meta["optimizer"]["class_name"] == "RMSprop"
    assert meta["optimizer"]["config"]["learning_rate"] == pytest.approx(0.01)
    with np.load(finished_run / "results/outputs/sgd/history.npz") as npz:
        assert "bias" not in npz.files and npz["loss"].shape == (11,)


def test_animations_and_comparison_have_a_frame_per_frame_epoch(finished_run):
    frames = iio.imread(finished_run / "results/outputs/adam/animation.gif", index=None)
    assert frames.shape[:3] == (4, 300, 400)  # epochs 0, 4, 8, 10
    comparison = iio.imread(finished_run / "results/outputs/comparison.gif", index=None)
    assert comparison.shape[:3] == (4, 300, 800)  # SGD and Adam side by side


def test_second_run_has_nothing_to_do(finished_run):
    result = run_snakemake(finished_run, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_frame_setting_rerenders_without_retraining(finished_run):
    jobs = planned_jobs(finished_run, {"frames": {"every": 5}})
    assert not any(rule.startswith("train_") for rule in jobs)
    assert jobs["render_frames_outputs"] == 1 and jobs["render_frames_losses"] == 1
    assert jobs["animate_outputs"] == 1 and jobs["animate_losses"] == 1
    # The page holds each animation's frame labels (its player's), not its pixels.
    assert jobs["gallery"] == 1
    assert not any(rule.startswith("plot_losses") for rule in jobs)


def test_gif_timing_reassembles_only_the_gifs(finished_run):
    jobs = planned_jobs(finished_run, {"frames": {"duration_ms": 100, "hold_ms": 2000}})
    assert jobs == {
        "animate_outputs": 1,
        "animate_losses": 1,
        "draw_trajectories_outputs": 1,
        "draw_trajectories_losses": 1,
        "gallery": 1,  # its players hold each animation's timing
        "all": 1,
    }


def test_training_setting_of_one_experiment_leaves_the_other_alone(finished_run):
    jobs = planned_jobs(finished_run, {"experiments": {"outputs": {"epochs": 12}}})
    assert "train_outputs" in jobs and "render_frames_outputs" in jobs
    assert not any(rule.endswith("_losses") for rule in jobs)
    assert jobs["animate_outputs"] == 1 and jobs["gallery"] == 1


def planned_outputs(workdir: Path, changes: dict) -> list[str]:
    """Every output file of the jobs a dry run plans with `changes` merged in."""
    (workdir / "changes.yaml").write_text(yaml.safe_dump(changes))
    result = run_snakemake(workdir, "-n", "--configfile", "config/config.yaml", "changes.yaml")
    return [
        path
        for line in result.stdout.splitlines()
        if line.startswith("    output: ")
        for path in line.removeprefix("    output: ").split(", ")
    ]


def test_one_experiments_change_touches_only_its_files_and_the_gallery(finished_run):
    outputs = planned_outputs(finished_run, {"experiments": {"losses": {"epochs": 7}}})
    assert "results/losses/sgd/history.npz" in outputs  # the change is planned
    assert "results/losses/comparison.html" in outputs and "results/losses/caption.rst" in outputs
    outside = [p for p in outputs if not p.startswith("results/losses/")]
    # The gallery's job also writes the player's files beside it.
    assert outside == ["results/index.html", "results/oa-player.css", "results/oa-player.js"]


def test_log_scale_replots_only_the_losses(finished_run):
    jobs = planned_jobs(finished_run, {"plots": {"log_scale": True}})
    assert set(jobs) == {"plot_losses_outputs", "plot_losses_losses", "all"}


def test_summary_has_a_row_per_run(finished_run):
    import csv

    with open(finished_run / "results/losses/summary.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["run"] for row in rows] == ["sgd", "rms-fast"]
    assert rows[1]["optimizer"] == "RMSprop" and json.loads(rows[1]["arguments"]) == {
        "learning_rate": 0.01
    }
    assert rows[0]["diverged"] == "no" and float(rows[0]["final_loss"]) > 0


def test_outputs_are_byte_identical_across_runs_and_core_counts(finished_run, tmp_path):
    other = copy_workflow(tmp_path / "wf1", small_config())
    run_snakemake(other, "--cores", "1")
    assert digests(other) == digests(finished_run)


def test_invalid_config_stops_before_any_job(tmp_path):
    config = small_config()
    config["experiments"]["outputs"]["optimizers"] = ["SGD", "Adm"]
    workdir = copy_workflow(tmp_path / "wf", config)
    result = run_snakemake(workdir, "--cores", "1", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert (
        "invalid config: 'experiments.outputs.optimizers[1].name': unknown optimizer 'Adm'"
        in output
    )
    assert "Did you mean 'Adam'?" in output
    assert not (workdir / "results").exists()


def test_workflow_passes_snakemake_lint(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(workdir, "--lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_is_formatted_with_snakefmt():
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", "Snakefile", "workflow"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_python_code_is_clean_under_the_projects_ruff_settings(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
