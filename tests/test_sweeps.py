"""Issue 6: seeds and grids, their names, aggregation, and a sweep end to end."""

import copy
import csv

import numpy as np
import pytest
import yaml

from conftest import REPO, copy_workflow, default_config, digests, run_snakemake
from optimizer_animations.config.check import (
    ConfigError,
    animated_runs,
    check_config,
    experiment_runs,
    training_chunks,
)
from optimizer_animations.records.history import History
from optimizer_animations.records.run_table import (
    RunTable,
    epochs_to_fraction,
    sensitivity,
    setting_bands,
    summary_row,
)

TEN_RATES = [0.001 * 2**i for i in range(10)]


def sweep_config(**experiment) -> dict:
    config = default_config()
    del config["publish"]
    config["frames"]["every"] = 10
    config["experiments"] = {
        "sweep": {
            "epochs": 20,
            "use_bias": True,
            "seeds": [0, 1, 2],
            "optimizers": [
                {"name": "SGD", "grid": {"learning_rate": [0.01, 0.1]}},
                {"name": "RMSprop", "label": "rms", "grid": {"learning_rate": [0.001, 0.01]}},
            ],
            **experiment,
        }
    }
    return config


def test_runs_are_the_product_of_grid_and_seeds_with_readable_names():
    config = sweep_config()
    check_config(config)
    runs = experiment_runs(config)["sweep"]
    assert [run.label for run in runs] == [
        "sgd-lr0.01-s0",
        "sgd-lr0.01-s1",
        "sgd-lr0.01-s2",
        "sgd-lr0.1-s0",
        "sgd-lr0.1-s1",
        "sgd-lr0.1-s2",
        "rms-lr0.001-s0",
        "rms-lr0.001-s1",
        "rms-lr0.001-s2",
        "rms-lr0.01-s0",
        "rms-lr0.01-s1",
        "rms-lr0.01-s2",
    ]
    assert runs[4].arguments == {"learning_rate": 0.1} and runs[4].seed == 1
    assert runs[4].setting == "sgd-lr0.1" and runs[4].family == "sgd"
    assert [run.label for run in animated_runs(config, "sweep", runs)] == [
        "sgd-lr0.01-s0",
        "sgd-lr0.1-s0",
        "rms-lr0.001-s0",
        "rms-lr0.01-s0",
    ]


def test_seed_count_form_and_other_grid_arguments():
    config = sweep_config(seeds={"count": 2, "start": 5})
    config["experiments"]["sweep"]["optimizers"] = [
        {"name": "SGD", "learning_rate": 0.1, "grid": {"momentum": [0.0, 0.9], "nesterov": [True]}}
    ]
    check_config(config)
    names = [run.label for run in experiment_runs(config)["sweep"]]
    assert names == [
        "sgd-momentum0-nesterovtrue-s5",
        "sgd-momentum0-nesterovtrue-s6",
        "sgd-momentum0.9-nesterovtrue-s5",
        "sgd-momentum0.9-nesterovtrue-s6",
    ]


def test_no_seeds_no_grid_keeps_the_plain_label():
    runs = experiment_runs(default_config())["outputs"]
    assert [(r.label, r.seed, r.setting) for r in runs] == [
        ("sgd", None, "sgd"),
        ("adam", None, "adam"),
        ("rmsprop", None, "rmsprop"),
    ]


def test_chunks_split_runs_without_mixing_optimizers():
    config = sweep_config(runs_per_job=4)
    runs = experiment_runs(config)["sweep"]
    chunks = training_chunks(config, "sweep", runs)
    assert [len(chunk) for chunk in chunks] == [4, 2, 4, 2]
    assert all(len({run.optimizer for run in chunk}) == 1 for chunk in chunks)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e.update(animate=["sgd-lr0.1-s9"]), "no run named 'sgd-lr0.1-s9'. Did you mean"),
        (lambda e: e.update(seeds=[1, 1]), "'experiments.sweep.seeds' repeats a seed"),
        (lambda e: e.update(seeds=[]), "'experiments.sweep.seeds'"),
        (lambda e: e["optimizers"][0].update(grid={"lr": [0.1]}), "SGD takes no argument 'lr'"),
        (lambda e: e["optimizers"][0].update(grid={"learning_rate": ["x"]}), "wrong type"),
        (lambda e: e["optimizers"][0].update(grid={"learning_rate": []}), "must not be empty"),
        (lambda e: e["optimizers"][0].update(learning_rate=0.1), "is both fixed and in 'grid'"),
        (lambda e: e.update(runs_per_job=0), "'experiments.sweep.runs_per_job' must be at least 1"),
        (
            # 2 entries x 10 rates x 1,000 seeds (the most seeds an experiment takes)
            lambda e: e.update(
                seeds={"count": 1000},
                optimizers=[
                    {"name": name, "label": name.lower(), "grid": {"learning_rate": TEN_RATES}}
                    for name in ("SGD", "RMSprop")
                ],
            ),
            "would train 20000 runs (sweep: 20000), more than 'max_runs' = 5000",
        ),
        (
            lambda e: e.update(seeds={"count": 5000}),
            "'experiments.sweep.seeds.count' must be at most 1,000, got 5000",
        ),
    ],
)
def test_bad_sweeps_are_refused_before_any_job(change, message):
    config = sweep_config()
    change(config["experiments"]["sweep"])
    with pytest.raises(ConfigError, match=None) as error:
        check_config(config)
    assert message in str(error.value)


def history(label, setting, family, rate, loss, seed=0):
    loss = np.asarray(loss, dtype=np.float32)
    n = len(loss)
    return History(
        epoch=np.arange(n),
        loss=loss,
        arrays={"pred": np.zeros((n, 1, 3), np.float32), "kernel": np.zeros((n, 1, 3), np.float32)},
        meta={
            "label": label,
            "setting": setting,
            "family": family,
            "seed": seed,
            "grid": {"learning_rate": rate},
            "arguments": {"learning_rate": rate},
            "optimizer": {"class_name": "SGD", "config": {"learning_rate": rate}},
        },
    )


def test_bands_sensitivity_and_summary_across_seeds():
    runs = [
        history("a-lr0.1-s0", "a-lr0.1", "a", 0.1, [1.0, 0.5, 0.001]),
        history("a-lr0.1-s1", "a-lr0.1", "a", 0.1, [2.0, 1.0, 0.004], seed=1),
        history("a-lr0.1-s2", "a-lr0.1", "a", 0.1, [4.0, 2.0, 0.009], seed=2),
        history("a-lr1-s0", "a-lr1", "a", 1.0, [1.0, 1e30, np.inf]),
    ]
    table = RunTable.from_histories(runs)
    assert table.grid_arguments == ["learning_rate"]
    assert table.column("learning_rate") == [0.1, 0.1, 0.1, 1.0]
    assert table.column("seed") == [0, 1, 2, 0]
    bands = {band.label: band for band in setting_bands(table)}
    np.testing.assert_allclose(bands["a-lr0.1"].median, [2.0, 1.0, 0.004], rtol=1e-6)
    np.testing.assert_allclose(bands["a-lr0.1"].low, [1.2, 0.6, 0.0016], rtol=1e-5)
    assert bands["a-lr0.1"].runs == 3 and bands["a-lr1"].diverged == 1
    assert np.isnan(bands["a-lr1"].median[2])
    (line,) = sensitivity(table, "learning_rate").values()
    assert [p.value for p in line] == [pytest.approx(0.1), 1.0]
    assert line[0].median == pytest.approx(0.004) and line[1].diverged == 1
    assert np.isnan(line[1].median)
    assert epochs_to_fraction(np.array([2.0, 1.0, 0.03, 0.01])) == 3
    assert epochs_to_fraction(np.array([2.0, 1.0])) is None
    row = summary_row(table.rows[1])
    assert row["run"] == "a-lr0.1-s1" and row["seed"] == 1 and row["epochs_to_1pct"] == 2
    assert (
        summary_row(table.rows[3])["epochs_to_1pct"] == ""
        and summary_row(table.rows[3])["diverged"] == "yes"
    )


@pytest.mark.e2e
def test_sweep_end_to_end_and_job_split_does_not_change_a_byte(tmp_path):
    whole = copy_workflow(tmp_path / "whole", sweep_config())
    split = copy_workflow(tmp_path / "split", sweep_config(runs_per_job=4))
    run_snakemake(whole, "--cores", "2")
    result = run_snakemake(split, "--cores", "2")
    assert result.stdout.count("rule train_sweep_") + result.stderr.count("rule train_sweep_") == 4
    assert digests(whole) == digests(split)
    files = digests(whole)
    assert sum(path.endswith("history.npz") for path in files) == 12
    assert sum(path.endswith("animation.gif") for path in files) == 4  # first seed of each setting
    assert "results/sweep/sgd-lr0.1-s1/frames/pred000.png" not in files
    for name in ("loss.png", "sensitivity.png", "summary.csv", "comparison.gif"):
        assert f"results/sweep/{name}" in files
    with open(whole / "results/sweep/summary.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 12 and {row["seed"] for row in rows} == {"0", "1", "2"}
    with np.load(whole / "results/sweep/rms-lr0.01-s2/history.npz") as npz:
        assert '"seed": 2' in str(npz["meta"])


def test_sweep_config_replaces_the_default_when_asked(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    result = run_snakemake(
        workdir,
        "-n",
        "--quiet",
        "rules",
        "--configfile",
        "config/sweep.yaml",
        "--replace-workflow-config",
    )
    assert "train_lr_sweep" in result.stdout
    assert "train_outputs" not in result.stdout and "train_losses" not in result.stdout
    sweep = yaml.safe_load((REPO / "config/sweep.yaml").read_text())
    check_config(copy.deepcopy(sweep))
    assert len(experiment_runs(sweep)["lr_sweep"]) == 1000
