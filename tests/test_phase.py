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
