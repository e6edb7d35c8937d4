"""Learning-rate schedules as settings (issue 25, part 4): a Keras schedule by
class name and arguments, checked before any job, trained bit for bit like a
lone Keras optimizer with that schedule, recorded, drawn and named."""

import copy
import inspect

import numpy as np
import pytest

from conftest import capture_saved, default_config
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import EXPERIMENT_FIGURES, build_plan
from optimizer_animations.training.schedules import SCHEDULES, rate_words, schedule_peak

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
        (COSINE, {"explorer": True}, ["is a schedule", "'explorer'"]),
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


def test_a_schedule_in_a_grid_or_a_tuned_entry_is_refused():
    grid = landscape({"name": "Adam", "grid": {"learning_rate": [0.1, COSINE]}})
    with pytest.raises(ConfigError, match="a schedule goes in the entry's own"):
        check_config(grid)
    tuned = landscape({"name": "Adam", "learning_rate": COSINE})
    tuned["experiments"]["rb"]["tune"] = {"learning_rate": {"min": 0.01, "max": 0.1, "points": 2}}
    with pytest.raises(ConfigError, match=r"is set by hand, but 'experiments\.rb\.tune' tunes it"):
        check_config(tuned)


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
