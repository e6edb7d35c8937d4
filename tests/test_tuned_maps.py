"""Two-argument maps in `tune:` (issue 25, part 5): an entry's grid over a
numeric argument in a tuned experiment; each of its settings is tuned on
its own, tuning.csv carries the grid values, and phase.png maps the median
objective over (learning rate, argument) with each setting's chosen rate."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.collections import QuadMesh

from conftest import capture_saved, copy_workflow, default_config, run_snakemake
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import EXPERIMENT_FIGURES, build_plan
from optimizer_animations.figures import phase
from optimizer_animations.records.history import load_history
from optimizer_animations.records.layout import Layout
from optimizer_animations.tuning.protocol import (
    choose,
    load_tuned,
    read_tuning_csv,
    write_tuning_csv,
)

LAYOUT = Layout("results")
MOMENTA = [0.0, 0.5, 0.9]
BETAS = [0.8, 0.95]
POINTS = 4


def maps_config() -> dict:
    config = default_config()
    del config["publish"]
    config["init"] = {"seed": 0}
    config["frames"]["every"] = 10
    config["experiments"] = {
        # SGD on the ill-conditioned bowl: which momentum wants which rate.
        "bowl": {
            "function": {"name": "quadratic", "condition": 10},
            "epochs": 40,
            "optimizers": ["Adam", {"name": "SGD", "grid": {"momentum": MOMENTA}}],
            "tune": {"learning_rate": {"min": 0.01, "max": 1.0, "points": POINTS}},
            "explorer": True,
        },
        # The page's model: every beta_1 from every tuning seed.
        "page": {
            "epochs": 15,
            "use_bias": True,
            "optimizers": [{"name": "Adam", "grid": {"beta_1": BETAS}}],
            "tune": {"learning_rate": {"min": 0.001, "max": 1.0, "points": 3}, "seeds": 2},
        },
    }
    return config


@pytest.fixture(scope="module")
def maps_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("tuned-maps"), maps_config())
    run_snakemake(workdir, "--cores", "4")
    return workdir


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_a_tuned_grid_over_a_numeric_argument_plans_a_map_against_the_learning_rate():
    plan = build_plan(maps_config())
    assert plan["bowl"].phase == ("learning_rate", "momentum")
    assert plan["page"].phase == ("learning_rate", "beta_1")
    assert "phase" in {kind.kind for kind in EXPERIMENT_FIGURES if kind.applies(plan["bowl"])}
    # Each setting is a run (a landscape has one start), tuned at every rate.
    assert plan["bowl"].labels == ["adam"] + [f"sgd-momentum{m:g}" for m in MOMENTA]
    assert plan["bowl"].trial_count == 4 * POINTS
    # A grid that is not numeric is tuned setting by setting but has no map.
    config = maps_config()
    config["experiments"]["bowl"]["optimizers"][1]["grid"] = {"nesterov": [True, False]}
    config["experiments"]["bowl"].pop("explorer")
    plan = build_plan(config)["bowl"]
    assert plan.phase is None and plan.labels == ["adam", "sgd-nesterovtrue", "sgd-nesterovfalse"]


def test_a_grid_over_the_learning_rate_is_refused_in_a_tuned_experiment():
    config = maps_config()
    config["experiments"]["bowl"]["optimizers"][1]["grid"]["learning_rate"] = [0.1, 0.2]
    with pytest.raises(ConfigError) as error:
        check_config(config)
    assert (
        "'experiments.bowl.optimizers[1].grid.learning_rate': 'experiments.bowl.tune' grids"
        " the learning rate itself"
    ) in str(error.value)


def test_tuning_csv_carries_the_grid_values_and_reads_them_back_exactly(tmp_path):
    rows = [
        {
            "optimizer": "sgd",
            "grid": {"momentum": m, "nesterov": n},
            "learning_rate": 0.1,
            "seed": None,
            "objective": math.inf if m else 0.1 + 0.2,
            "final_loss": 1 / 3,
            "diverged": bool(m),
        }
        for m in (0.0, 0.95)
        for n in (True, False)
    ]
    rows.append({**rows[0], "optimizer": "adam", "grid": {}})
    write_tuning_csv(rows, tmp_path / "tuning.csv")
    header = (tmp_path / "tuning.csv").read_text().splitlines()[0]
    assert header == "optimizer,momentum,nesterov,learning_rate,seed,objective,final_loss,diverged"
    assert read_tuning_csv(tmp_path / "tuning.csv") == rows


def test_each_setting_is_tuned_on_its_own(maps_run):
    for experiment, argument, values, seeds in (
        ("bowl", "momentum", MOMENTA, [""]),
        ("page", "beta_1", BETAS, ["0", "1"]),
    ):
        rows = read_rows(maps_run / LAYOUT.tuning(experiment))
        gridded = [row for row in rows if row[argument]]
        points = len({row["learning_rate"] for row in rows})
        assert len(gridded) == len(values) * points * len(seeds)
        tuned = yaml.safe_load((maps_run / LAYOUT.tuned(experiment)).read_text())
        entries = {entry["label"]: entry for entry in tuned["optimizers"]}
        for value in values:
            mine = [row for row in gridded if float(row[argument]) == value]
            rates = sorted({float(row["learning_rate"]) for row in mine})
            objectives = np.array(
                [
                    [float(r["objective"]) for r in mine if float(r["learning_rate"]) == rate]
                    for rate in rates
                ]
            )
            label = f"{mine[0]['optimizer']}-{argument}{value:g}"
            chosen = rates[choose(rates, objectives)]
            # tuned.yaml: the setting as an entry of its own, its value fixed.
            assert entries[label][argument] == value
            assert entries[label]["learning_rate"] == chosen
            for seed in seeds:
                run = f"{label}-s{seed}" if seed else label
                history = load_history(maps_run / LAYOUT.history(experiment, run))
                (trial,) = [
                    r for r in mine if float(r["learning_rate"]) == chosen and r["seed"] == seed
                ]
                assert trial["final_loss"] == repr(float(history.loss[-1]))
                # Its own colour and legend line; its entry's row in tuning.csv.
                assert history.run.family == label
                assert history.run.entry == mine[0]["optimizer"]
                assert history.meta["arguments"] == {argument: value, "learning_rate": chosen}
                words = f"{argument} {value:g} (lr {chosen:.3g}, best of {points})"
                assert history.title.endswith(words)
    # The momentums want different rates on the bowl: the map has something to show.
    chosen = load_tuned(maps_run / LAYOUT.tuned("bowl"))
    assert len({chosen[f"sgd-momentum{m:g}"] for m in MOMENTA}) > 1


def test_pasting_tuned_yaml_trains_each_setting_as_its_tuned_run(maps_run):
    config = maps_config()
    tuned_runs = build_plan(config)["bowl"].runs
    settings = config["experiments"]["bowl"]
    del settings["tune"], settings["explorer"]
    settings.update(yaml.safe_load((maps_run / LAYOUT.tuned("bowl")).read_text()))
    pasted_plan = build_plan(config)["bowl"]
    pasted = pasted_plan.runs
    chosen = load_tuned(maps_run / LAYOUT.tuned("bowl"))
    assert [run.label for run in pasted] == [run.label for run in tuned_runs]
    # Each setting is an optimizer of its own in both (a colour, a legend
    # line), and the tuned experiment still knows its entries.
    settings_order = ["adam"] + [f"sgd-momentum{m:g}" for m in MOMENTA]
    assert pasted_plan.families == build_plan(maps_config())["bowl"].families == settings_order
    assert build_plan(maps_config())["bowl"].entries == ["adam", "sgd"]
    assert [run.entry for run in tuned_runs] == ["adam"] + ["sgd"] * len(MOMENTA)
    for run, tuned in zip(pasted, tuned_runs, strict=True):
        assert run.optimizer == tuned.optimizer and run.seed == tuned.seed
        assert run.arguments == {**tuned.arguments, "learning_rate": chosen[run.label]}
        assert run.tuned == {
            "learning_rate": chosen[run.label],
            **build_plan(maps_config())["bowl"].tuning.to_params(),
        }


def test_the_map_shows_the_recorded_medians_and_each_settings_chosen_rate(
    maps_run, monkeypatch, tmp_path
):
    for experiment, argument, values in (("bowl", "momentum", MOMENTA), ("page", "beta_1", BETAS)):
        drawn = maps_run / LAYOUT.phase(experiment)
        assert drawn.stat().st_size > 10_000
        rows = read_rows(maps_run / LAYOUT.tuning(experiment))
        chosen = load_tuned(maps_run / LAYOUT.tuned(experiment))
        saved = capture_saved(monkeypatch, (phase,))
        maps = phase.tuning_phase_maps(
            read_tuning_csv(maps_run / LAYOUT.tuning(experiment)), argument, chosen
        )
        arguments = ("learning_rate", argument)
        quantity = "final distance to the nearest minimum" if experiment == "bowl" else "final loss"
        failed = "diverged or left the plot" if experiment == "bowl" else "diverged"
        phase.plot_phase(maps, arguments, tmp_path / f"{experiment}.png", quantity, failed)
        # The workflow's figure is this one, drawn from the recorded tables.
        assert (tmp_path / f"{experiment}.png").read_bytes() == drawn.read_bytes()
        (figure,) = saved[-1:]
        axes = figure.axes[0]
        rates = sorted({float(r["learning_rate"]) for r in rows})
        # Each cell: the median of its trials' objectives as tuning.csv has them.
        expected = np.full((len(values), len(rates)), np.nan)
        for i, value in enumerate(values):
            for j, rate in enumerate(rates):
                cell = [
                    float(r["objective"])
                    for r in rows
                    if r[argument]
                    and float(r[argument]) == value
                    and float(r["learning_rate"]) == rate
                ]
                expected[i, j] = np.median(cell)
        (mesh,) = [c for c in axes.collections if isinstance(c, QuadMesh)]
        np.testing.assert_array_equal(
            mesh.get_array().reshape(expected.shape), np.ma.masked_invalid(expected)
        )
        assert axes.get_xscale() == "log"
        # Rows: the momentums 0, 0.5, 0.9 a row each (0, 1, 2); beta_1 on a linear axis.
        rows_at = list(range(len(values))) if experiment == "bowl" else values
        (dots,) = [line for line in axes.get_lines() if line.get_marker() == "o"]
        prefix = "sgd" if experiment == "bowl" else "adam"
        np.testing.assert_array_equal(
            dots.get_xydata(),
            [
                [chosen[f"{prefix}-{argument}{v:g}"], at]
                for v, at in zip(values, rows_at, strict=True)
            ],
        )
        (star,) = [line for line in axes.get_lines() if line.get_marker() == "*"]
        finite = np.where(np.isfinite(expected), expected, np.inf)
        i, j = np.unravel_index(int(np.argmin(finite)), finite.shape)
        np.testing.assert_array_equal(star.get_xydata(), [[rates[j], rows_at[i]]])
        texts = [t.get_text() for t in figure.legends[0].get_texts()]
        assert texts[-1] == f"tuned learning rate for each {argument}"


def test_the_explorer_of_a_tuned_grid_has_a_slider_for_the_grid_argument(maps_run):
    page = (maps_run / LAYOUT.explorer("bowl")).read_text()
    assert 'data-argument="0"' in page or "data-argument='0'" in page
    assert "momentum" in page and "learning rate" in page.replace("_", " ")
