"""Two-argument maps (issue 25, part 5): phase.png is the median final loss
over seeds at every pair of two numeric grid arguments, diverged cells
hatched and the best one starred."""

import copy
import math

import numpy as np
import pytest
from matplotlib.collections import QuadMesh
from matplotlib.patches import Rectangle

from conftest import capture_saved, default_config
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import EXPERIMENT_FIGURES, build_plan
from optimizer_animations.figures import phase
from optimizer_animations.records.run_table import RunTable

RATES = [0.01, 0.1, 1.0]
MOMENTA = [0.0, 0.5, 0.9]


def sweep_config(**entry):
    config = copy.deepcopy(default_config())
    config["experiments"]["sweep"] = {
        "epochs": 30,
        "use_bias": True,
        "seeds": [0, 1, 2],
        "optimizers": [{"name": "SGD", "grid": {"learning_rate": RATES, "momentum": MOMENTA}}],
        **entry,
    }
    return config


def table(final_loss, diverged=lambda lr, m, seed: False):
    """A run table of the sweep's 27 runs whose final losses are given."""
    rows = [
        {
            "family": "sgd",
            "grid": {"learning_rate": lr, "momentum": m},
            "final_loss": math.inf if diverged(lr, m, seed) else final_loss(lr, m, seed),
            "diverged_at": 3 if diverged(lr, m, seed) else None,
        }
        for lr in RATES
        for m in MOMENTA
        for seed in (0, 1, 2)
    ]
    return RunTable(rows, np.arange(2), np.zeros((len(rows), 2)))


def test_a_grid_over_two_numeric_arguments_plans_a_phase_map():
    plan = build_plan(sweep_config())["sweep"]
    assert plan.phase == ("learning_rate", "momentum")
    assert "phase" in {kind.kind for kind in EXPERIMENT_FIGURES if kind.applies(plan)}
    one = sweep_config()
    one["experiments"]["sweep"]["optimizers"][0]["grid"].pop("momentum")
    assert build_plan(one)["sweep"].phase is None
    # A non-numeric argument makes no map: `nesterov` is not an axis.
    other = sweep_config()
    other["experiments"]["sweep"]["optimizers"][0]["grid"] = {
        "learning_rate": RATES,
        "nesterov": [True, False],
    }
    assert build_plan(other)["sweep"].phase is None


def test_each_cell_is_the_median_over_seeds_and_most_diverged_is_diverged():
    def loss(lr, m, seed):
        return lr * (1 + m) + seed * 0.01

    # At lr 1 and momentum 0.9 two of three seeds diverge; at 0.5 only one.
    def diverged(lr, m, seed):
        return lr == 1.0 and ((m == 0.9 and seed < 2) or (m == 0.5 and seed == 0))

    (phase_map,) = phase.phase_maps(table(loss, diverged), ("learning_rate", "momentum"))
    assert phase_map.name == "sgd"
    np.testing.assert_array_equal(phase_map.x, RATES)
    np.testing.assert_array_equal(phase_map.y, MOMENTA)
    for i, m in enumerate(MOMENTA):
        for j, lr in enumerate(RATES):
            values = [math.inf if diverged(lr, m, s) else loss(lr, m, s) for s in (0, 1, 2)]
            assert phase_map.medians[i, j] == np.median(values)
    assert np.isposinf(phase_map.medians[2, 2]) and np.isfinite(phase_map.medians[1, 2])
    assert phase_map.best == (0, 0)  # the lowest median: lr 0.01, momentum 0


def test_the_map_draws_every_cell_hatches_the_diverged_and_stars_the_best(monkeypatch, tmp_path):
    saved = capture_saved(monkeypatch, (phase,))

    def loss(lr, m, seed):
        return (lr - 0.1) ** 2 + (m - 0.5) ** 2 + 1e-3 * seed

    maps = phase.phase_maps(
        table(loss, lambda lr, m, seed: lr == 1.0 and m == 0.9), ("learning_rate", "momentum")
    )
    phase.plot_phase(maps, ("learning_rate", "momentum"), tmp_path / "phase.png")
    assert (tmp_path / "phase.png").stat().st_size > 10_000
    (figure,) = saved
    axes = figure.axes[0]
    (mesh,) = [c for c in axes.collections if isinstance(c, QuadMesh)]
    drawn = np.ma.masked_invalid(maps[0].medians)
    np.testing.assert_array_equal(mesh.get_array().reshape(3, 3), drawn)
    # The rates span two decades: a log axis. The momentums 0, 0.5, 0.9 are
    # not evenly spaced: a row each (at 0, 1, 2), labelled with its value.
    assert axes.get_xscale() == "log" and axes.get_yscale() == "linear"
    assert [t.get_text() for t in axes.get_yticklabels()] == ["0", "0.5", "0.9"]
    hatched = [p for p in axes.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1
    x0, y0 = hatched[0].get_xy()
    assert x0 < 1.0 < x0 + hatched[0].get_width() and y0 < 2 < y0 + hatched[0].get_height()
    (star,) = [line for line in axes.get_lines() if line.get_marker() == "*"]
    np.testing.assert_array_equal(star.get_xydata(), [[0.1, 1]])  # lr 0.1, momentum 0.5


def test_cell_edges_put_each_value_at_its_cells_centre():
    edges = phase.cell_edges(np.array(RATES), True)
    np.testing.assert_allclose(np.sqrt(edges[:-1] * edges[1:]), RATES)
    edges = phase.cell_edges(np.array(MOMENTA), False)
    assert edges[0] < 0.0 < edges[1] < 0.5 < edges[2] < 0.9 < edges[3]


@pytest.mark.parametrize(
    "values, kind",
    [
        ([1e-3, 1e-2, 1e-1], "log"),
        ([0.0, 0.25, 0.5, 0.75], "linear"),
        ([0.9, 0.99], "linear"),
        ([0.0, 0.5, 0.8, 0.9, 0.95, 0.99], "category"),
    ],
)
def test_an_axis_is_log_linear_or_a_row_per_value(values, kind):
    assert phase.axis_kind(np.array(values)) == kind
    positions = phase.axis_positions(np.array(values), kind)
    expected = np.arange(len(values)) if kind == "category" else values
    np.testing.assert_array_equal(positions, expected)
    np.testing.assert_array_equal(
        phase.place(np.array(values), kind, np.array([values[-1], np.nan])),
        [positions[-1], np.nan],
    )


@pytest.mark.parametrize("values", [[0.9, 0.99], [1e-3, 1e-1]])
def test_an_axis_is_logarithmic_where_it_spans_a_decade(values):
    assert phase.logarithmic(np.array(values)) is (values[1] >= 10 * values[0])


def test_phase_names_the_maps_arguments_and_false_draws_none():
    config = sweep_config(phase=["momentum", "learning_rate"])
    assert build_plan(config)["sweep"].phase == ("momentum", "learning_rate")
    assert build_plan(sweep_config(phase=False))["sweep"].phase is None
    # One entry's grid with both as axes is enough; another may fix one.
    config = sweep_config(phase=["learning_rate", "momentum"])
    config["experiments"]["sweep"]["optimizers"].insert(
        0,
        {"name": "SGD", "label": "sgd-fixed", "grid": {"learning_rate": RATES, "momentum": [0.9]}},
    )
    assert build_plan(config)["sweep"].phase == ("learning_rate", "momentum")


def test_a_third_grid_argument_gets_a_map_per_value():
    """With `phase: [momentum, weight_decay]` over a grid of three arguments,
    each learning rate is a map of its own, its cells its runs' medians."""
    rows = [
        {
            "family": "sgd",
            "grid": {"learning_rate": lr, "momentum": m, "weight_decay": wd},
            "final_loss": lr + m + wd + seed,
            "diverged_at": None,
        }
        for lr in (0.1, 0.2)
        for m in MOMENTA
        for wd in (0.0, 0.01)
        for seed in (0, 1)
    ]
    runs = RunTable(rows, np.arange(2), np.zeros((len(rows), 2)))
    maps = phase.phase_maps(runs, ("momentum", "weight_decay"))
    assert [m.name for m in maps] == ["sgd-lr0.1", "sgd-lr0.2"]
    for lr, phase_map in zip((0.1, 0.2), maps, strict=True):
        np.testing.assert_array_equal(phase_map.x, MOMENTA)
        np.testing.assert_array_equal(phase_map.y, [0.0, 0.01])
        expected = [
            [np.median([lr + m + wd + seed for seed in (0, 1)]) for m in MOMENTA]
            for wd in (0.0, 0.01)
        ]
        np.testing.assert_array_equal(phase_map.medians, expected)


def second_entry(grid):
    return {"name": "Adam", "label": "adam-grid", "grid": grid}


@pytest.mark.parametrize(
    "grid, extra, phase_value, expected",
    [
        (
            {"learning_rate": RATES, "nesterov": [True, False]},
            None,
            ["learning_rate", "nesterov"],
            ["'experiments.sweep.phase[1]' = 'nesterov'", "[True, False], not all numbers"],
        ),
        (
            {"learning_rate": RATES, "momentum": MOMENTA},
            None,
            ["beta_1", "momentum"],
            [
                "'experiments.sweep.phase[0]' = 'beta_1' is not a grid argument",
                "(here: learning_rate, momentum)",
            ],
        ),
        (
            {"learning_rate": RATES, "momentum": [0.9]},
            None,
            ["learning_rate", "momentum"],
            [
                "'experiments.sweep.phase[1]' = 'momentum' has one grid value, 0.9",
                "(here: learning_rate)",
            ],
        ),
        (
            {"learning_rate": RATES},
            second_entry({"beta_1": [0.8, 0.9]}),
            ["learning_rate", "beta_1"],
            [
                "'experiments.sweep.phase' = ['learning_rate', 'beta_1']",
                "no optimizer entry's grid has both",
            ],
        ),
        (
            {"learning_rate": RATES, "momentum": MOMENTA},
            None,
            True,
            ["'experiments.sweep.phase' = true: it is on by default", "write false"],
        ),
        (
            {"learning_rate": RATES, "momentum": MOMENTA},
            None,
            ["momentum"],
            ["'experiments.sweep.phase' needs 2 items or more, got ['momentum']"],
        ),
    ],
)
def test_a_map_over_arguments_that_are_not_numeric_grids_is_a_config_error(
    grid, extra, phase_value, expected
):
    config = sweep_config(phase=phase_value)
    config["experiments"]["sweep"]["optimizers"][0]["grid"] = grid
    if extra is not None:
        config["experiments"]["sweep"]["optimizers"].append(extra)
    with pytest.raises(ConfigError) as error:
        check_config(config)
    for part in expected:
        assert part in str(error.value), str(error.value)


def test_a_tuned_map_puts_the_learning_rate_across():
    config = copy.deepcopy(default_config())
    config["experiments"]["bowl"] = {
        "function": "quadratic",
        "epochs": 20,
        "optimizers": [{"name": "SGD", "grid": {"momentum": MOMENTA}}],
        "tune": {"learning_rate": {"min": 0.01, "max": 0.1, "points": 3}},
        "phase": ["momentum", "learning_rate"],
    }
    with pytest.raises(ConfigError, match=r"'experiments\.bowl\.phase\[0\]' = 'momentum'"):
        check_config(copy.deepcopy(config))
    config["experiments"]["bowl"]["phase"] = ["learning_rate", "momentum"]
    assert build_plan(config)["bowl"].phase == ("learning_rate", "momentum")
