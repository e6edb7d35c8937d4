"""The tuning protocol's pieces (issue 12 groundwork): grid, objectives, choice, profile."""

import math

import numpy as np
import pytest

from tuning import (
    LearningRateGrid,
    choose,
    landscape_objective,
    objective_values,
    performance_profile,
)


def test_the_grid_is_log_spaced_between_its_ends():
    rates = LearningRateGrid(1e-4, 10.0, 32).rates()
    assert len(rates) == 32 and rates[0] == pytest.approx(1e-4) and rates[-1] == pytest.approx(10)
    assert np.allclose(np.diff(np.log(rates)), np.log(1e5) / 31)


@pytest.mark.parametrize(
    "low, high, points, message",
    [
        (1.0, 1.0, 8, "min = 1.0 must be less than max = 1.0"),
        (10.0, 1.0, 8, "must be less than max"),
        (1e-3, 1.0, 1, "points = 1 must be at least 2"),
        (0.0, 1.0, 8, "must be positive numbers"),
        (-1.0, 1.0, 8, "must be positive numbers"),
    ],
)
def test_a_bad_grid_says_what_is_wrong(low, high, points, message):
    with pytest.raises(ValueError, match=message):
        LearningRateGrid(low, high, points)


LOSSES = np.array(
    [
        [1.0, 0.5, 0.2, 0.05],  # reaches 0.1 at epoch 3
        [1.0, 0.08, 0.04, 0.02],  # reaches 0.1 at epoch 1
        [1.0, 2.0, np.inf, np.nan],  # diverges
        [1.0, 0.9, 0.8, 0.7],  # never reaches 0.1
    ]
)


def test_objectives_read_the_curve_and_count_failures_as_worst():
    np.testing.assert_array_equal(
        objective_values(LOSSES, "final_loss"), [0.05, 0.02, math.inf, 0.7]
    )
    np.testing.assert_allclose(
        objective_values(LOSSES, "mean_loss"), [0.4375, 0.285, math.inf, 0.85]
    )
    np.testing.assert_array_equal(
        objective_values(LOSSES, "epochs_to_target", 0.1), [3, 1, math.inf, math.inf]
    )
    with pytest.raises(ValueError, match="unknown objective 'best'; allowed: final_loss"):
        objective_values(LOSSES, "best")
    with pytest.raises(ValueError, match="needs a target"):
        objective_values(LOSSES, "epochs_to_target")


def test_a_landscape_run_that_leaves_the_domain_is_the_worst():
    assert landscape_objective(0.25, None) == 0.25
    assert landscape_objective(0.01, 17) == math.inf
    assert landscape_objective(None, None) == math.inf


def test_the_choice_is_the_best_median_over_seeds_and_ties_go_to_the_smaller_rate():
    rates = [0.001, 0.01, 0.1, 1.0]
    values = np.array(
        [
            [0.5, 0.6, 0.7],
            [0.2, 9.0, 0.1],  # median 0.2: one bad seed does not decide
            [0.2, 0.2, math.inf],  # median 0.2 too, at a larger rate
            [0.0, math.inf, math.inf],  # the best single seed, but diverges twice
        ]
    )
    assert choose(rates, values) == 1
    assert choose(rates[::-1], values[::-1]) == 2  # the same rate 0.01, listed in reverse


def test_the_performance_profile_counts_problems_within_a_factor_of_the_best():
    costs = {
        "p1": {"adam": 1.0, "sgd": 2.0},
        "p2": {"adam": 3.0, "sgd": 1.0},
        "p3": {"adam": 1.0, "sgd": math.inf},  # sgd failed
        "p4": {"adam": math.inf, "sgd": math.inf},  # everyone failed
    }
    profile = performance_profile(costs, np.array([1.0, 2.0, 3.0, 100.0]))
    np.testing.assert_allclose(profile["adam"], [0.5, 0.5, 0.75, 0.75])
    np.testing.assert_allclose(profile["sgd"], [0.25, 0.5, 0.5, 0.5])
