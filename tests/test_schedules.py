"""Learning-rate schedules as settings (issue 25, part 4): a Keras schedule by
class name and arguments, checked before any job, trained bit for bit like a
lone Keras optimizer with that schedule, recorded, drawn and named."""

import copy
import inspect
import re

import numpy as np
import pytest

from conftest import capture_saved, default_config
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import EXPERIMENT_FIGURES, build_plan
from optimizer_animations.training.keras_optimizers import keras_arguments, load_optimizer_table
from optimizer_animations.training.schedules import (
    SCHEDULES,
    keras_schedule,
    rate_words,
    scale_schedule,
    schedule_peak,
)
from optimizer_animations.tuning.tune import tuning_trials

COSINE = {
    "schedule": "CosineDecay",
    "initial_learning_rate": 0.01,
    "decay_steps": 40,
    "warmup_steps": 8,
    "warmup_target": 0.1,
}


def test_the_table_of_schedules_is_the_installed_keras():
    schedules = pytest.importorskip("keras").optimizers.schedules
    installed = {
        name: getattr(schedules, name)
        for name in dir(schedules)
        if inspect.isclass(getattr(schedules, name))
        and issubclass(getattr(schedules, name), schedules.LearningRateSchedule)
        and getattr(schedules, name) is not schedules.LearningRateSchedule
    }
    assert sorted(installed) == sorted(SCHEDULES)
    for name, cls in installed.items():
        parameters = [
            p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"
        ]
        arguments = {p.name: p.default is p.empty for p in parameters if p.name != "name"}
        assert arguments == {a: spec.required for a, spec in SCHEDULES[name].items()}, name


def test_a_legend_names_the_schedule_and_its_peak():
    assert rate_words(COSINE) == "cosine, peak 0.1"
    assert rate_words(0.05) == "lr 0.05"
    piecewise = {"schedule": "PiecewiseConstantDecay", "boundaries": [10], "values": [0.3, 0.03]}
    assert schedule_peak(piecewise) == 0.3
    assert rate_words({**COSINE, "warmup_target": None}) == "cosine, peak 0.01"


def landscape(*entries, **settings):
    config = copy.deepcopy(default_config())
    config["experiments"] = {
        "rb": {"function": "rosenbrock", "epochs": 40, "optimizers": list(entries), **settings}
    }
    return config


@pytest.mark.parametrize(
    "learning_rate, settings, expected",
    [
        (
            {**COSINE, "schedule": "CosineDecy"},
            {},
            ["optimizers[0].learning_rate.schedule", "'CosineDecy'", "Did you mean 'CosineDecay'?"],
        ),
        (
            {**COSINE, "warmup_step": 3},
            {},
            ["CosineDecay takes no argument 'warmup_step'", "Did you mean 'warmup_steps'?"],
        ),
        (
            {**COSINE, "decay_steps": 2.5},
            {},
            ["learning_rate.decay_steps", "2.5", "a whole number"],
        ),
        (
            {"schedule": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10},
            {},
            ["ExponentialDecay needs decay_rate"],
        ),
        (
            {"schedule": "PiecewiseConstantDecay", "boundaries": [10, 5], "values": [1, 2, 3]},
            {},
            ["learning_rate.boundaries", "must increase"],
        ),
        (
            {"schedule": "PiecewiseConstantDecay", "boundaries": [10], "values": [0.1]},
            {},
            ["learning_rate.values", "one more rate than boundaries"],
        ),
        ({"schedule": "__import__"}, {}, ["'__import__' is not a Keras learning-rate schedule"]),
    ],
)
def test_a_schedule_it_cannot_build_is_a_config_error_naming_the_key(
    learning_rate, settings, expected
):
    config = landscape({"name": "Adam", "learning_rate": learning_rate}, **settings)
    with pytest.raises(ConfigError) as error:
        check_config(config)
    for part in expected:
        assert part in str(error.value), str(error.value)


def test_a_schedule_in_a_grid_is_refused_and_a_tuned_one_is_its_shape():
    grid = landscape({"name": "Adam", "grid": {"learning_rate": [0.1, COSINE]}})
    with pytest.raises(ConfigError, match="a schedule goes in the entry's own"):
        check_config(grid)
    tune = {"learning_rate": {"min": 0.01, "max": 1.0, "points": 3}}
    tuned = landscape({"name": "Adam", "learning_rate": COSINE}, tune=tune)
    check_config(tuned)
    (run,) = build_plan(tuned)["rb"].runs
    rates = np.geomspace(0.01, 1.0, 3)
    trials = tuning_trials([run], build_plan(tuned)["rb"].tuning.to_params())
    for trial, rate in zip(trials, rates, strict=True):
        schedule = trial.learning_rate
        assert schedule_peak(schedule) == rate == trial.peak_rate == trial.tuned["learning_rate"]
        assert schedule["warmup_target"] == rate  # the peak itself, not a product
        assert schedule["initial_learning_rate"] == pytest.approx(rate / 10, rel=1e-12)
        assert {k: v for k, v in schedule.items() if "rate" not in k and "target" not in k} == {
            k: v for k, v in COSINE.items() if "rate" not in k and "target" not in k
        }
    number = landscape({"name": "Adam", "learning_rate": 0.1}, tune=tune)
    with pytest.raises(ConfigError, match=r"is set by hand, but 'experiments\.rb\.tune' tunes it"):
        check_config(number)


def test_scaling_a_schedule_moves_every_rate_and_keeps_the_rest():
    piecewise = {
        "schedule": "PiecewiseConstantDecay",
        "boundaries": [10, 20],
        "values": [0.4, 0.2, 0.1],
    }
    assert scale_schedule(piecewise, 0.04) == {**piecewise, "values": [0.04, 0.02, 0.01]}
    poly = {"schedule": "PolynomialDecay", "initial_learning_rate": 0.5, "decay_steps": 9,
            "end_learning_rate": 0.05, "power": 2.0}  # fmt: skip
    assert scale_schedule(poly, 1.0) == {
        **poly,
        "initial_learning_rate": 1.0,
        "end_learning_rate": 0.1,
    }
    no_warmup = {**COSINE, "warmup_target": None}
    assert scale_schedule(no_warmup, 0.2) == {**no_warmup, "initial_learning_rate": 0.2}


def test_a_schedule_records_the_inside_and_plans_learning_rate_png():
    page = copy.deepcopy(default_config())
    page["experiments"]["outputs"]["optimizers"] = [{"name": "SGD", "learning_rate": COSINE}]
    plan = build_plan(page)["outputs"]
    assert plan.has_schedule and plan.records_state
    assert "learning_rate" in {k.kind for k in EXPERIMENT_FIGURES if k.applies(plan)}
    plain = build_plan(copy.deepcopy(default_config()))["outputs"]
    assert not plain.has_schedule and not plain.records_state


@pytest.fixture(scope="module")
def trained():
    pytest.importorskip("tensorflow")
    from optimizer_animations.problems.problem import build_problem
    from optimizer_animations.training import train

    train.configure_threads(1)
    config = landscape(
        {"name": "Adam", "label": "adam-cosine", "learning_rate": COSINE},
        {"name": "SGD", "label": "sgd-poly", "momentum": 0.9, "learning_rate": {
            "schedule": "PolynomialDecay", "initial_learning_rate": 0.002, "decay_steps": 30,
            "end_learning_rate": 0.0001, "power": 2,
        }},
        {"name": "Adam", "learning_rate": 0.1},
    )  # fmt: skip
    plan = build_plan(config)["rb"]
    problem = build_problem(plan.problem)
    runs = list(plan.runs)
    histories = train.train_experiment("rb", runs, 40, problem, record_state=plan.records_state)
    return problem, runs, histories


def step_alone(problem, optimizer, steps):
    """`optimizer` alone on the problem's position, one compiled step at a
    time: the points (S+1, 2) and the learning rate each step used."""
    import keras
    import tensorflow as tf

    position = keras.Variable(np.asarray(problem.pinned_start()[0], np.float32))
    optimizer.build([position])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            _, loss = problem.forward([position])
        rate = tf.convert_to_tensor(optimizer.learning_rate)  # as the step uses it
        optimizer.apply_gradients(zip(tape.gradient(loss, [position]), [position], strict=True))
        return rate

    points, rates = [position.numpy().copy()], []
    for _ in range(steps):
        rates.append(step().numpy())
        points.append(position.numpy().copy())
    return np.stack(points), rates


def test_a_scheduled_run_equals_a_lone_keras_optimizer_with_that_schedule(trained):
    import keras

    problem, runs, histories = trained
    for run, history in zip(runs[:2], histories[:2], strict=True):
        spec = dict(run.arguments["learning_rate"])
        name = spec.pop("schedule")
        spec = {
            k: float(v) if isinstance(v, int) and "steps" not in k else v for k, v in spec.items()
        }
        schedule = getattr(keras.optimizers.schedules, name)(**spec)
        others = {k: v for k, v in run.arguments.items() if k != "learning_rate"}
        optimizer = getattr(keras.optimizers, run.optimizer)(learning_rate=schedule, **others)
        points, rates = step_alone(problem, optimizer, 40)
        np.testing.assert_array_equal(history.params, points, err_msg=run.label)
        np.testing.assert_array_equal(history.learning_rates, rates, err_msg=run.label)
        # The schedule at step k, computed outside a graph: the same to rounding.
        outside = np.array([schedule(k) for k in range(40)], np.float32)
        np.testing.assert_allclose(history.learning_rates, outside, rtol=1e-6)
        # `meta` keeps it as Keras serializes it, and as configured.
        serialized = history.meta["optimizer"]["config"]["learning_rate"]
        assert serialized == keras.optimizers.schedules.serialize(schedule)
        assert history.run.schedule == run.arguments["learning_rate"]


def test_learning_rate_png_draws_every_runs_recorded_rate(trained, monkeypatch, tmp_path):
    from optimizer_animations.figures import facets, render
    from optimizer_animations.records.run_table import RunTable

    _, runs, histories = trained
    table = RunTable.from_histories(histories)
    table.save(tmp_path / "runs.npz")
    table = RunTable.load(tmp_path / "runs.npz")
    assert sorted(table.learning_rates) == [0, 1, 2]
    saved = capture_saved(monkeypatch, (facets, render))
    render.plot_learning_rates(table, tmp_path / "learning_rate.png", [r.family for r in runs])
    (figure,) = saved
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == [
        "adam-cosine (cosine, peak 0.1)",
        "sgd-poly (polynomial, peak 0.002)",
        "Adam (lr 0.1)",
    ]
    for line, history in zip(lines, histories, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), history.learning_rates)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 41))
    assert table.rows[0]["learning_rate"] == 0.1 and table.rows[0]["schedule"] == COSINE


EXPONENTIAL = {
    "schedule": "ExponentialDecay",
    "initial_learning_rate": 0.02,
    "decay_steps": 7,
    "decay_rate": 0.5,
    "staircase": True,
}
PIECEWISE = {
    "schedule": "PiecewiseConstantDecay",
    "boundaries": [5, 20],
    "values": [0.1, 0.01, 0.003],
}


def test_scheduled_runs_of_an_elementwise_optimizer_train_stacked_bit_for_bit():
    """Runs that differ only in their rate or schedule share one stacked graph
    (each row its own schedule at the step) and equal the same runs trained
    alone, every position, rate and state; others train alone."""
    pytest.importorskip("tensorflow")
    from optimizer_animations.problems.problem import build_problem
    from optimizer_animations.training import train

    train.configure_threads(1)
    entries = [
        {"name": name, "label": f"{name.lower()}-{kind}", "learning_rate": rate}
        for name in sorted(train.ELEMENTWISE)
        for kind, rate in (("cos", COSINE), ("exp", EXPONENTIAL), ("pw", PIECEWISE), ("c", 0.01))
    ] + [{"name": "RMSprop", "label": "rmsprop-cos", "learning_rate": COSINE}]
    plan = build_plan(landscape(*entries))["rb"]
    problem = build_problem(plan.problem)
    runs = list(plan.runs)
    strategies = {
        run.label: train.training_strategy(run.optimizer, run.arguments, problem, True)
        for run in runs
    }
    assert strategies.pop("rmsprop-cos") is train.Strategy.ALONE
    assert set(strategies.values()) == {train.Strategy.STACKED}
    stacked = train.train_experiment("rb", runs, 30, problem, record_state=True)
    alone = train.train_experiment("rb", runs, 30, problem, stack=False, record_state=True)
    for a, b in zip(stacked, alone, strict=True):
        assert sorted(a.arrays) == sorted(b.arrays)
        for key in a.arrays:
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=f"{a.label} {key}")
        np.testing.assert_array_equal(a.loss, b.loss, err_msg=a.label)
        assert a.meta == b.meta
    # The schedules really moved the rate: piecewise steps down at 5 and 20.
    (piecewise,) = [h for h in stacked if h.label == "sgd-pw"]
    np.testing.assert_array_equal(
        piecewise.learning_rates, np.float32([0.1] * 6 + [0.01] * 15 + [0.003] * 9)
    )


def test_scheduled_minibatch_runs_train_stacked_bit_for_bit():
    pytest.importorskip("tensorflow")
    from optimizer_animations.problems.data import generate_samples
    from optimizer_animations.problems.problem import DenseProblem
    from optimizer_animations.records.run import Run
    from optimizer_animations.training import train

    train.configure_threads(1)
    x, y = generate_samples({"generate": "linear", "samples": 30, "noise": 0.5, "seed": 4})
    problem = DenseProblem(x, y, True, None, None, 0)
    runs = [
        Run("mb", f"{name.lower()}-{i}-s{seed}", name, {"learning_rate": rate}, seed,
            batch_size=7, shuffle=True)
        for name in ("SGD", "Adam")
        for i, rate in enumerate((EXPONENTIAL, 0.05))
        for seed in (0, 1)
    ]  # fmt: skip
    assert {
        train.training_strategy(r.optimizer, r.arguments, problem, True, True) for r in runs
    } == {train.Strategy.STACKED}
    stacked = train.train_experiment("mb", runs, 3, problem, record_state=True)
    alone = train.train_experiment("mb", runs, 3, problem, stack=False, record_state=True)
    for a, b in zip(stacked, alone, strict=True):
        for key in a.arrays:
            np.testing.assert_array_equal(a.arrays[key], b.arrays[key], err_msg=f"{a.label} {key}")
    # 5 updates per epoch: the staircase halves the rate after every 7.
    assert len(set(stacked[0].learning_rates.tolist())) == 3


def test_every_optimizer_takes_a_schedule_and_no_other_argument_does():
    """No optimizer in the table refuses a schedule: each builds in Keras with
    one and steps at its rate. A schedule where no schedule goes, another
    argument or a grid, is refused naming the key."""
    keras = pytest.importorskip("keras")
    table = load_optimizer_table()
    assert len(table) == 14
    for name in table:
        config = landscape({"name": name, "learning_rate": COSINE})
        (run,) = check_config(config)["rb"]
        optimizer = getattr(keras.optimizers, name)(**keras_arguments(run.arguments))
        variable = keras.Variable(np.ones(2, np.float32))
        optimizer.apply_gradients([(np.ones(2, np.float32), variable)])
        # After one update the rate in effect is the schedule's at step 1.
        expected = keras_schedule(COSINE)(1)
        assert float(optimizer.learning_rate) == pytest.approx(float(expected), rel=1e-6), name
    for entry, key in [
        ({"name": "SGD", "momentum": COSINE}, "optimizers[0].momentum"),
        ({"name": "Adam", "beta_2": COSINE}, "optimizers[0].beta_2"),
        ({"name": "Adam", "grid": {"learning_rate": [COSINE]}}, "optimizers[0].grid.learning_rate"),
    ]:
        with pytest.raises(ConfigError, match=rf"'experiments\.rb\.{re.escape(key)}'"):
            check_config(landscape(entry))
