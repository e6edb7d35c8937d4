"""Tuning: the protocol's pieces (grid, objectives, choice, profile) and the `tune:` section through the workflow."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import copy_workflow, default_config, run_snakemake
from optimizer_animations.config.check import ConfigError, check_config, experiment_tuning
from optimizer_animations.problems.problem import build_problem
from optimizer_animations.records.history import load_history
from optimizer_animations.records.layout import Layout
from optimizer_animations.tuning.grid import LearningRateGrid
from optimizer_animations.tuning.protocol import (
    choose,
    landscape_objective,
    load_tuned,
    objective_values,
    performance_profile,
)

LAYOUT = Layout("results")


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


# --- the `tune:` section through the workflow ---------------------------------


# A tuned schedule: its shape (warmup from a tenth of the peak, then cosine
# decay); the grid's rates are its peaks.
COSINE = {
    "schedule": "CosineDecay",
    "initial_learning_rate": 0.01,
    "decay_steps": 50,
    "warmup_steps": 5,
    "warmup_target": 0.1,
}


def tuned_config() -> dict:
    config = default_config()
    del config["publish"]
    config["init"] = {"seed": 0}
    config["frames"]["every"] = 10
    config["experiments"] = {
        "page": {
            "epochs": 20,
            "use_bias": True,
            "optimizers": ["SGD", {"name": "Adam", "label": "adam-b", "beta_1": 0.8}],
            "tune": {
                "learning_rate": {"min": 0.001, "max": 1.0, "points": 4},
                "seeds": 3,
                "target": 0.05,
            },
        },
        "rosen": {
            "function": "rosenbrock",
            "epochs": 50,
            "optimizers": [
                "Adam",
                {"name": "Adam", "label": "adam-cosine", "learning_rate": COSINE},
            ],
            "tune": {"learning_rate": {"min": 0.01, "max": 1.0, "points": 3}},
        },
    }
    return config


@pytest.fixture(scope="module")
def tuned_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("tuned"), tuned_config())
    run_snakemake(workdir, "--cores", "4")
    return workdir


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_every_trial_is_a_row_and_the_choice_is_the_best_median(tuned_run):
    rows = read_csv(tuned_run / LAYOUT.tuning("page"))
    assert len(rows) == 2 * 4 * 3  # entries x grid points x seeds
    tuned = yaml.safe_load((tuned_run / LAYOUT.tuned("page")).read_text())
    assert tuned["seeds"] == [0, 1, 2]
    for entry in tuned["optimizers"]:
        mine = [row for row in rows if row["optimizer"] == entry["label"]]
        rates = sorted({float(row["learning_rate"]) for row in mine})
        values = np.array(
            [
                [float(r["objective"]) for r in mine if float(r["learning_rate"]) == rate]
                for rate in rates
            ]
        )
        assert entry["learning_rate"] == rates[choose(rates, values)]
    assert tuned["optimizers"][1] == {
        "name": "Adam",
        "label": "adam-b",
        "beta_1": 0.8,
        "learning_rate": tuned["optimizers"][1]["learning_rate"],
        "tuned": tuned_config()["experiments"]["page"]["tune"],
    }


def test_the_chosen_runs_are_their_trials(tuned_run):
    rows = read_csv(tuned_run / LAYOUT.tuning("page"))
    chosen = load_tuned(tuned_run / LAYOUT.tuned("page"))
    for label, rate in chosen.items():
        for seed in (0, 1, 2):
            history = load_history(tuned_run / LAYOUT.history("page", f"{label}-s{seed}"))
            (trial,) = [
                r
                for r in rows
                if r["optimizer"] == label
                and float(r["learning_rate"]) == rate
                and r["seed"] == str(seed)
            ]
            assert trial["final_loss"] == repr(float(history.loss[-1]))
            assert history.meta["arguments"]["learning_rate"] == rate
            assert history.title.endswith(f"(lr {rate:.3g}, best of 4)")


def test_a_tuned_schedule_keeps_its_shape_with_its_peak_at_each_grid_rate(tuned_run):
    rows = read_csv(tuned_run / LAYOUT.tuning("rosen"))
    grid = np.geomspace(0.01, 1.0, 3)
    assert [float(r["learning_rate"]) for r in rows if r["optimizer"] == "adam-cosine"] == list(
        grid
    )
    tuned = yaml.safe_load((tuned_run / LAYOUT.tuned("rosen")).read_text())
    (entry,) = [e for e in tuned["optimizers"] if e["label"] == "adam-cosine"]
    peak = entry["learning_rate"]["warmup_target"]
    assert peak in list(grid)
    # The same shape: the start a tenth of the peak, the steps unchanged.
    assert entry["learning_rate"] == {
        **COSINE,
        "warmup_target": peak,
        "initial_learning_rate": pytest.approx(peak / 10, rel=1e-12),
    }
    history = load_history(tuned_run / LAYOUT.history("rosen", "adam-cosine"))
    assert history.run.schedule == entry["learning_rate"]
    # The rate it trained with: warmup to the peak by step 5, then the decay.
    rates = history.learning_rates
    assert rates[5] == np.float32(peak) and rates.max() == rates[5]
    np.testing.assert_allclose(rates[0], peak / 10, rtol=1e-6)
    assert history.title == f"adam-cosine (cosine, peak {peak:.3g}, best of 3)"


# The figures of the tuning itself, which a pasted config does not tune again.
TUNING_ONLY = {"sensitivity.png", "time_to_target.png", "profile.png"}


def pasted_config(tuned_run: Path) -> dict:
    """The tuned config with each experiment's tuned.yaml pasted in place of its `tune`."""
    config = tuned_config()
    for experiment, settings in config["experiments"].items():
        del settings["tune"]
        settings.update(yaml.safe_load((tuned_run / LAYOUT.tuned(experiment)).read_text()))
    return config


def test_pasting_tuned_yaml_into_a_config_draws_the_same_figures_byte_for_byte(tuned_run, tmp_path):
    pasted = copy_workflow(tmp_path / "pasted", pasted_config(tuned_run))
    run_snakemake(pasted, "--cores", "2")
    results = tuned_run / "results"
    figures = sorted(
        path.relative_to(results)
        for path in results.rglob("*")
        if path.suffix in (".png", ".gif", ".npz") and path.name not in TUNING_ONLY
    )
    assert len([f for f in figures if f.name == "history.npz"]) == 2 * 3 + 2
    assert any(f.name == "animation.gif" for f in figures)
    assert any(f.name == "trajectories.gif" for f in figures)
    for figure in figures:
        again = pasted / "results" / figure
        assert again.read_bytes() == (results / figure).read_bytes(), figure


def test_a_landscape_tunes_on_its_distance_to_the_minimum(tuned_run):
    rows = read_csv(tuned_run / LAYOUT.tuning("rosen"))
    assert [row["seed"] for row in rows] == [""] * 6
    for label in ("adam", "adam-cosine"):
        history = load_history(tuned_run / LAYOUT.history("rosen", label))
        distance = float(np.hypot(*(history.arrays["position"][-1].astype(float) - 1.0)))
        chosen = load_tuned(tuned_run / LAYOUT.tuned("rosen"))[label]
        (trial,) = [
            row
            for row in rows
            if row["optimizer"] == label and float(row["learning_rate"]) == chosen
        ]
        assert float(trial["objective"]) == pytest.approx(distance)
    assert (tuned_run / LAYOUT.sensitivity("rosen")).stat().st_size > 10_000


def test_tuned_results_are_byte_identical_across_core_counts_and_job_splits(tuned_run, tmp_path):
    config = tuned_config()
    config["experiments"]["page"]["tune"]["optimizers_per_job"] = 1
    again = copy_workflow(tmp_path / "again", config)
    run_snakemake(again, "--cores", "1")
    assert (again / LAYOUT.tuning_rows("page", 1, 2)).exists()  # two tuning jobs
    results = tuned_run / "results"
    compared = [
        path.relative_to(tuned_run)
        for path in results.rglob("*")
        if path.is_file() and "tuning/" not in str(path) and path.suffix != ".html"
    ]
    assert len(compared) > 30
    for path in compared:
        assert (again / path).read_bytes() == (tuned_run / path).read_bytes(), path


BAD_TUNES = [
    (
        lambda t, e: t.update(objective="best_loss"),
        "'experiments.page.tune.objective': unknown objective 'best_loss'",
    ),
    (
        lambda t, e: t["learning_rate"].update(min=2.0),
        "'experiments.page.tune.learning_rate': min = 2.0 must be less than max = 1.0",
    ),
    (lambda t, e: t["learning_rate"].update(points=1), "points = 1 must be at least 2"),
    (
        lambda t, e: (t.pop("target"), t.update(objective="epochs_to_target")),
        "epochs_to_target needs a 'target'",
    ),
    (
        lambda t, e: e["optimizers"].append({"name": "RMSprop", "learning_rate": 0.01}),
        "'experiments.page.optimizers[2].learning_rate' is set by hand",
    ),
    (
        lambda t, e: e["optimizers"].append(
            {"name": "RMSprop", "grid": {"rho": [0.8, 0.9], "learning_rate": [0.1, 0.01]}}
        ),
        "'experiments.page.optimizers[2].grid.learning_rate': 'experiments.page.tune' grids"
        " the learning rate itself",
    ),
    (
        lambda t, e: e.update(seeds=[0, 1]),
        "'experiments.page.seeds': a tuned experiment's runs use the seeds",
    ),
]


@pytest.mark.parametrize("change, message", BAD_TUNES)
def test_bad_tune_sections_are_config_errors_naming_the_key(change, message):
    config = tuned_config()
    change(config["experiments"]["page"]["tune"], config["experiments"]["page"])
    with pytest.raises(ConfigError) as error:
        check_config(config)
    assert message in str(error.value)


def test_a_landscape_refuses_seeds_and_objectives():
    for key, value, message in (
        ("seeds", 3, "seeds do not apply to a landscape's fixed start"),
        ("objective", "final_loss", "a landscape's objective is the final distance"),
    ):
        config = tuned_config()
        config["experiments"]["rosen"]["tune"][key] = value
        with pytest.raises(ConfigError, match=message):
            check_config(config)


def test_a_landscape_without_a_minimum_tunes_on_the_gap_to_the_lowest_value_in_view():
    config = tuned_config()
    config["experiments"]["rosen"]["function"] = "saddle"
    check_config(config)
    assert experiment_tuning(config["experiments"]["rosen"]).objective == "final_gap"
    saddle = build_problem({"kind": "function", "function": "saddle"})
    assert saddle.lowest_in_view == -4.0  # x**2 - y**2 on [-2, 2]^2, at (0, +-2)


BAD_TUNED_ENTRIES = [
    (
        lambda e: e["optimizers"].append(
            {"name": "SGD", "label": "again", "learning_rate": 0.1, "tuned": e["tune"]}
        ),
        "'experiments.page.optimizers[2].tuned' records an earlier tuning, but the experiment",
    ),
    (
        lambda e: e["optimizers"].append({"name": "Nadam", "tuned": e.pop("tune")}),
        "'experiments.page.optimizers[2].tuned' records how 'learning_rate' was chosen",
    ),
    (
        lambda e: (
            e.update(tune_record=e.pop("tune")),
            e["optimizers"].append(
                {
                    "name": "Nadam",
                    "learning_rate": 0.1,
                    "tuned": {**e.pop("tune_record"), "objective": "best"},
                }
            ),
        ),
        "'experiments.page.optimizers[2].tuned.objective': unknown objective 'best'",
    ),
]


@pytest.mark.parametrize("change, message", BAD_TUNED_ENTRIES)
def test_bad_tuned_records_are_config_errors_naming_the_key(change, message):
    config = tuned_config()
    change(config["experiments"]["page"])
    with pytest.raises(ConfigError) as error:
        check_config(config)
    assert message in str(error.value)


def test_the_gallery_and_the_report_caption_write_the_protocol_out(tuned_run):
    protocol = (
        "Tuned: every optimizer got the same 4 learning rates, log-spaced from 0.001 to 1,"
        " each from 3 seeds; the rate with the best median final loss was chosen"
        " (ties: the smaller rate)."
    )
    assert protocol in (tuned_run / LAYOUT.caption("page")).read_text()
    assert protocol in (tuned_run / LAYOUT.index()).read_text()
    landscape = (tuned_run / LAYOUT.caption("rosen")).read_text()
    assert (
        "same 3 learning rates, log-spaced from 0.01 to 1; the rate with the best median"
        in landscape
    )
    assert "final distance to the nearest minimum" in landscape
    assert 'src="page/sensitivity.png"' in (tuned_run / LAYOUT.index()).read_text()


# --- the comparison figures ---------------------------------------------------


def test_time_to_target_counts_the_runs_that_never_reach_it():
    from optimizer_animations.figures.comparison import first_reach, times_to_target
    from optimizer_animations.records.run_table import RunTable

    losses = np.array(
        [
            [1.0, 0.5, 0.05, 0.01],  # reaches 0.1 at epoch 2
            [1.0, 0.09, 0.2, 0.01],  # at epoch 1, though it climbs again
            [1.0, np.nan, np.nan, np.nan],  # diverged: never
            [1.0, 0.9, 0.8, 0.7],  # never
        ]
    )
    assert first_reach(losses, 0.1) == [2, 1, None, None]
    rows = [
        {"family": family, "title": f"{family.upper()} (lr 0.1, best of 4)"}
        for family in ("adam", "adam", "sgd", "sgd")
    ]
    entries = times_to_target(RunTable(rows, np.arange(4), losses), 0.1)
    assert [(e.title, e.reached, e.never) for e in entries] == [
        ("ADAM (lr 0.1, best of 4)", [2, 1], 0),
        ("SGD (lr 0.1, best of 4)", [], 2),
    ]


def test_the_profile_counts_each_optimizer_over_the_experiments_it_ran_on():
    costs = {
        "p1": {"adam": 1.0, "sgd": 2.0, "lion": 1.5},
        "p2": {"adam": 3.0, "sgd": 1.0},  # lion did not run here
    }
    profile = performance_profile(costs, np.array([1.0, 1.6, 3.0]))
    np.testing.assert_allclose(profile["lion"], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(profile["adam"], [0.5, 0.5, 1.0])


def test_profile_costs_are_the_chosen_medians_floored_at_float32_rounding():
    from optimizer_animations.figures.comparison import PROFILE_FLOOR, profile_costs

    rows = [
        {"optimizer": "sgd", "learning_rate": rate, "seed": seed, "objective": value}
        for rate, values in ((0.1, [0.0, 0.0, 1.0]), (1.0, [0.5, 0.5, 0.5]))
        for seed, value in enumerate(values)
    ] + [{"optimizer": "adam", "learning_rate": 0.1, "seed": 0, "objective": math.inf}]
    assert profile_costs({"page": rows}) == {"page": {"sgd": PROFILE_FLOOR, "adam": math.inf}}


def test_tuned_experiments_draw_time_to_target_and_a_profile_across_them(tuned_run):
    from PIL import Image

    for path in (
        LAYOUT.time_to_target("page"),
        LAYOUT.time_to_target("rosen"),
        LAYOUT.profile(),
    ):
        with Image.open(tuned_run / path) as image:
            assert image.width >= 600 and image.height >= 400, path
    index = (tuned_run / LAYOUT.index()).read_text()
    assert 'src="profile.png"' in index and 'src="page/time_to_target.png"' in index


def test_a_single_tuned_experiment_has_no_profile(tmp_path):
    config = tuned_config()
    del config["experiments"]["rosen"]
    workdir = copy_workflow(tmp_path, config)
    dry = run_snakemake(workdir, "--cores", "1", "-n", "--quiet", "rules")
    rules = [line.split()[0] for line in dry.stdout.splitlines() if line.strip()]
    assert "plot_time_to_target_page" in rules and "profile" not in rules
