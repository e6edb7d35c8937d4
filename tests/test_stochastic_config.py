"""The config of minibatches, data files and gradient noise: what a run gets
of it, and bad input refused before any job, naming the key and the value."""

import copy
import os

import numpy as np
import pytest

from conftest import default_config
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import build_plan
from optimizer_animations.problems.spec import data_file, spec_variables

POINTS = "x,y,label\n0.5,1.0,a\n-1.0,0.25,b\n2.0,-3.5,c\n1.5,0.0,d\n"


def regression_config(tmp_path, csv=POINTS, **experiment):
    """The two-weight model on a CSV file of four samples."""
    (tmp_path / "points.csv").write_text(csv, encoding="utf-8")
    config = copy.deepcopy(default_config())
    config.pop("publish")
    config["init"] = {"seed": 0}
    config["data"] = {"csv": "points.csv", "x": ["x"], "y": ["y"]}
    config["experiments"] = {
        "fit": {"epochs": 3, "use_bias": True, "optimizers": ["SGD"], **experiment}
    }
    return config


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_csv_experiment_trains_two_weights_from_the_named_columns(in_tmp):
    config = regression_config(in_tmp, batch_size=2)
    plan = build_plan(config)
    spec = plan["fit"].problem
    assert data_file(spec) == "points.csv" and not plan["fit"].generates_data
    assert [v.shape for v in spec_variables(spec)] == [(1, 1), (1,)]
    (run,) = plan["fit"].runs
    assert (run.batch_size, run.shuffle) == (2, True)
    assert run.to_params()["batch_size"] == 2


def test_a_batch_size_grid_names_its_runs_and_the_whole_data_is_full_batch(in_tmp):
    config = regression_config(in_tmp)
    config["experiments"]["fit"]["optimizers"] = [
        {"name": "SGD", "grid": {"batch_size": [1, 2, 4]}, "shuffle": False}
    ]
    runs = build_plan(config)["fit"].runs
    assert [(r.label, r.batch_size, r.shuffle) for r in runs] == [
        ("sgd-bs1", 1, False),
        ("sgd-bs2", 2, False),
        ("sgd-bs4", None, False),  # every sample: today's full-batch run
    ]
    assert runs[0].arguments == {} and runs[0].grid == {"batch_size": 1}


def test_a_shuffle_grid_combines_with_the_entrys_batch_size(in_tmp):
    config = regression_config(in_tmp)
    config["experiments"]["fit"]["optimizers"] = [
        {"name": "SGD", "batch_size": 2, "grid": {"shuffle": [True, False]}}
    ]
    runs = build_plan(config)["fit"].runs
    assert [(r.label, r.batch_size, r.shuffle) for r in runs] == [
        ("sgd-shuffletrue", 2, True),
        ("sgd-shufflefalse", 2, False),
    ]
    config = regression_config(in_tmp)
    config["experiments"]["fit"]["optimizers"] = [{"name": "SGD", "grid": {"shuffle": [True]}}]
    with pytest.raises(ConfigError, match=r"'experiments.fit.optimizers\[0\].grid.shuffle' = true"):
        check_config(config)


def test_generated_data_is_written_per_experiment_before_training(in_tmp):
    config = regression_config(in_tmp)
    config["data"] = {"generate": "linear", "samples": 64, "inputs": 3, "seed": 2}
    plan = build_plan(config)
    assert plan["fit"].generates_data and plan.generating_data == ["fit"]
    assert data_file(plan["fit"].problem) == "results/fit/data.csv"
    assert "results/fit/data.csv" in plan.outputs()
    assert [v.shape for v in spec_variables(plan["fit"].problem)] == [(3, 1), (1,)]


def test_seeds_are_allowed_on_a_landscape_with_noise(in_tmp):
    config = regression_config(in_tmp)
    config["experiments"] = {
        "noisy": {
            "epochs": 10,
            "function": "rosenbrock",
            "noise": {"sigma": 1.0},
            "seeds": {"count": 3},
            "optimizers": ["SGD"],
        }
    }
    plan = build_plan(config)
    assert [r.label for r in plan["noisy"].runs] == ["sgd-s0", "sgd-s1", "sgd-s2"]
    assert plan["noisy"].problem["noise"] == {"sigma": 1.0}


def fit(config):
    return config["experiments"]["fit"]


BAD = [
    ("missing csv", lambda c, p: (p / "points.csv").unlink(), ["'data.csv'", "cannot be read"]),
    (
        "csv a folder",
        lambda c, p: ((p / "points.csv").unlink(), (p / "points.csv").mkdir()),
        ["'data.csv'", "is not a regular file"],
    ),
    (
        "csv a pipe",
        lambda c, p: ((p / "points.csv").unlink(), os.mkfifo(p / "points.csv")),
        ["'data.csv'", "is not a regular file"],
    ),
    (
        "unreadable csv",
        lambda c, p: (p / "points.csv").write_bytes(b"x,y\n\xff\xfe,1\n"),
        ["'data.csv'", "UTF-8"],
    ),
    (
        "non-numeric",
        lambda c, p: c["data"].update(x=["label"]),
        ["'data.csv'", "row 2, column 'label' holds text, not a number"],
    ),
    (
        "NaN",
        lambda c, p: (p / "points.csv").write_text("x,y\n1,nan\n", encoding="utf-8"),
        ["'data.csv'", "row 2, column 'y' is NaN, not a finite number"],
    ),
    (
        "infinity",
        lambda c, p: (p / "points.csv").write_text("x,y\ninf,1\n", encoding="utf-8"),
        ["column 'x' is not a finite number"],
    ),
    (
        "missing column",
        lambda c, p: c["data"].update(y=["z"]),
        ["'data.csv'", "no column 'z'", "'x', 'y', 'label'"],
    ),
    (
        "path outside",
        lambda c, p: c["data"].update(csv="../points.csv"),
        ["'data.csv'", "without '..'"],
    ),
    (
        "columns against init",
        lambda c, p: c.update(init={"kernel": [[0.5, 0.5]], "bias": [0.0, 0.0]}),
        ["'init.kernel' must be 1 x 1", "got 1 x 2"],
    ),
    (
        "batch_size zero",
        lambda c, p: fit(c).update(batch_size=0),
        ["'experiments.fit.batch_size' must be at least 1, got 0"],
    ),
    (
        "batch_size not whole",
        lambda c, p: fit(c).update(batch_size=2.5),
        ["batch_size", "2.5"],
    ),
    (
        "batch_size above the data",
        lambda c, p: fit(c).update(batch_size=5),
        ["'experiments.fit.batch_size' = 5", "larger than the data's 4 sample(s)"],
    ),
    (
        "grid batch_size above the data",
        lambda c, p: fit(c).update(optimizers=[{"name": "SGD", "grid": {"batch_size": [2, 9]}}]),
        ["'experiments.fit.optimizers[0].grid.batch_size' = 9", "larger than the data's 4"],
    ),
    (
        "grid batch_size not whole",
        lambda c, p: fit(c).update(optimizers=[{"name": "SGD", "grid": {"batch_size": ["2"]}}]),
        ["'experiments.fit.optimizers[0].grid.batch_size' = '2'", "positive whole number"],
    ),
    (
        "shuffle without minibatches",
        lambda c, p: fit(c).update(shuffle=True),
        ["'experiments.fit.shuffle' = true", "full-batch", "set 'batch_size' below 4"],
    ),
    (
        "noise on the page's model",
        lambda c, p: fit(c).update(noise={"sigma": 1.0}),
        ["'experiments.fit.noise'", "landscape experiments"],
    ),
    (
        "negative sigma",
        lambda c, p: c["experiments"].update(
            noisy={
                "epochs": 5,
                "function": "quadratic",
                "noise": {"sigma": -1},
                "optimizers": ["SGD"],
            }
        ),
        ["'experiments.noisy.noise.sigma' must be at least 0, got -1"],
    ),
    (
        "batch_size on a landscape",
        lambda c, p: c["experiments"].update(
            flat={"epochs": 5, "function": "quadratic", "batch_size": 2, "optimizers": ["SGD"]}
        ),
        ["'experiments.flat.batch_size'", "only to the page's model"],
    ),
    (
        "entry batch_size on a landscape",
        lambda c, p: c["experiments"].update(
            flat={
                "epochs": 5,
                "function": "quadratic",
                "optimizers": [{"name": "SGD", "batch_size": 2}],
            }
        ),
        ["'experiments.flat.optimizers[0].batch_size'", "only to the page's model"],
    ),
    (
        "seeds on an exact landscape",
        lambda c, p: c["experiments"].update(
            flat={"epochs": 5, "function": "quadratic", "seeds": [0, 1], "optimizers": ["SGD"]}
        ),
        ["'experiments.flat.seeds'", "gradient noise"],
    ),
]


@pytest.mark.parametrize("mutate, expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_stochastic_input_is_refused_naming_the_key_and_the_value(in_tmp, mutate, expected):
    config = regression_config(in_tmp)
    mutate(config, in_tmp)
    with pytest.raises(ConfigError) as error:
        check_config(config)
    message = str(error.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert "\n" not in message


def test_a_batch_size_grid_gets_the_batch_size_panels_and_two_weights_the_gradient_fan(in_tmp):
    config = regression_config(in_tmp)
    config["experiments"]["fit"]["optimizers"] = [
        {"name": "SGD", "grid": {"batch_size": [1, 4]}},
        {"name": "Adam", "batch_size": 2},
    ]
    plan = build_plan(config)
    assert plan["fit"].compares_batch_sizes and plan["fit"].gradient_fan
    outputs = plan.outputs()
    assert "results/fit/batch_sizes.png" in outputs and "results/fit/gradients.png" in outputs
    config = regression_config(in_tmp)  # full batch only: neither
    plan = build_plan(config)
    assert not plan["fit"].compares_batch_sizes and not plan["fit"].gradient_fan
    assert not any(p.endswith(("batch_sizes.png", "gradients.png")) for p in plan.outputs())


def test_an_experiment_may_bring_its_own_samples_beside_the_pages(in_tmp):
    config = copy.deepcopy(default_config())  # the page's one sample of three units
    config["experiments"]["regression"] = {
        "epochs": 5,
        "use_bias": True,
        "data": {"generate": "linear", "samples": 32, "seed": 1},
        "init": {"seed": 0},  # the page's pinned kernel has three units
        "optimizers": [{"name": "SGD", "batch_size": 8}],
    }
    plan = build_plan(config)
    assert [v.shape for v in spec_variables(plan["regression"].problem)] == [(1, 1), (1,)]
    assert [v.shape for v in spec_variables(plan["outputs"].problem)] == [(1, 3)]
    assert plan["outputs"].problem["init"]["kernel"] and plan["regression"].problem["init"] == {
        "seed": 0
    }
    assert plan["regression"].generator["samples"] == 32 and plan["outputs"].generator is None
    assert plan["regression"].gradient_fan and plan.generating_data == ["regression"]
    bad = copy.deepcopy(config)
    bad["experiments"]["regression"]["data"] = {"csv": "missing.csv", "x": ["x"], "y": ["y"]}
    with pytest.raises(ConfigError, match=r"'experiments.regression.data.csv' = 'missing.csv'"):
        check_config(bad)


def test_a_big_generated_data_set_is_refused_before_its_contour_could_exhaust_memory(in_tmp):
    config = regression_config(in_tmp)
    config["data"] = {"generate": "linear", "samples": 20_000, "outputs": 2}
    with pytest.raises(
        ConfigError, match=r"20,000 samples x 2 units = 40,000 outputs, more than 20,000"
    ):
        check_config(config)


def test_the_contour_loss_in_chunks_equals_it_in_one_piece(monkeypatch):
    from optimizer_animations.problems.data import generate_samples
    from optimizer_animations.problems.problem import DenseProblem

    spec = {"generate": "linear", "samples": 30, "inputs": 3, "outputs": 2, "seed": 0}
    problem = DenseProblem(*generate_samples(spec), True, None, None, 0)
    points = np.random.default_rng(0).standard_normal((7, 11, 8))
    whole = problem.loss_numpy(points)
    monkeypatch.setattr(DenseProblem, "LOSS_CHUNK_VALUES", 60)  # one point per chunk
    np.testing.assert_array_equal(problem.loss_numpy(points), whole)
    assert whole.shape == (7, 11)
