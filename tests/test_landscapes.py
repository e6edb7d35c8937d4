"""Issue 11: landscape experiments and trajectory figures, through the workflow."""

import copy
import csv
import zipfile
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import yaml

from conftest import copy_workflow, default_config, digests, run_snakemake
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.export.formats import dark_variant
from optimizer_animations.figures.trajectories import draw_trajectories, scene_of
from optimizer_animations.problems.functions import first_outside
from optimizer_animations.records.history import load_history
from optimizer_animations.records.layout import Layout

LAYOUT = Layout("results")


def landscape_config() -> dict:
    """Only landscape experiments (no `data`), and few steps."""
    return {
        "frames": {"every": 10, "duration_ms": 50, "hold_ms": 500},
        "experiments": {
            "quadratic": {
                "function": {"name": "quadratic", "condition": 5},
                "epochs": 60,
                "optimizers": [
                    {"name": "Adam", "learning_rate": 0.1},
                    {"name": "SGD", "learning_rate": 0.1},
                ],
            },
            "saddle": {
                "function": "saddle",
                "epochs": 80,
                "optimizers": [{"name": "SGD", "learning_rate": 0.05}],
            },
        },
        "publish": {
            "dir": "docs/images",
            "files": {
                "saddle.gif": "saddle/trajectories.gif",
                "panels.gif": "quadratic/panels.gif",
            },
        },
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("landscapes"), landscape_config())
    run_snakemake(workdir, "--cores", "4")
    return workdir


def read_summary(workdir: Path, experiment: str) -> list[dict[str, str]]:
    with open(workdir / LAYOUT.summary(experiment), newline="") as file:
        return list(csv.DictReader(file))


def test_a_config_of_landscapes_makes_their_figures_and_no_bar_charts(finished):
    expected = {LAYOUT.index()}
    for experiment, labels in (("quadratic", ["adam", "sgd"]), ("saddle", ["sgd"])):
        expected |= {
            LAYOUT.loss_plot(experiment),
            LAYOUT.summary(experiment),
            LAYOUT.run_table(experiment),
            LAYOUT.caption(experiment),
            LAYOUT.panels(experiment),
            *(LAYOUT.trajectory(experiment, True, suffix) for suffix in ("gif", "png", "html")),
            # The 3-D view; each coordinate's step size, from the recorded state.
            *(LAYOUT.surface(experiment, suffix) for suffix in ("gif", "png")),
            LAYOUT.step_sizes(experiment),
            *(LAYOUT.history(experiment, label) for label in labels),
        }
    # The published figures' dark variants (issue 22).
    expected |= {
        dark_variant(LAYOUT.trajectory("saddle", True)),
        dark_variant(LAYOUT.panels("quadratic")),
    }
    # Every animation's player file and frames (issue 24), the player's files.
    expected |= {
        gif.removesuffix(".gif") + suffix
        for gif in expected
        if gif.endswith(".gif")
        for suffix in (".frames.png", ".player.json")
    }
    expected |= {LAYOUT.asset("oa-player.css"), LAYOUT.asset("oa-player.js")}
    assert set(digests(finished)) == expected


def test_a_landscape_history_records_every_step_and_the_function(finished):
    history = load_history(finished / LAYOUT.history("quadratic", "adam"))
    assert history.epoch.tolist() == list(range(61))
    assert history.arrays["position"].shape == (61, 2) and history.loss.shape == (61,)
    function = history.meta["function"]
    assert function["name"] == "quadratic" and function["minima"] == [[0.0, 0.0]]
    assert function["formula"] == "0.5 * (x**2 + 5.0 * y**2)"
    x, y = history.arrays["position"][-1].astype(float)
    assert history.loss[-1] == pytest.approx(0.5 * (x**2 + 5 * y**2), rel=1e-5)
    assert history.meta["optimizer"]["class_name"] == "Adam"


def test_the_summary_says_how_close_and_when(finished):
    rows = {row["run"]: row for row in read_summary(finished, "quadratic")}
    for label in ("adam", "sgd"):
        history = load_history(finished / LAYOUT.history("quadratic", label))
        reached = np.flatnonzero(history.loss <= 1e-3)  # the minimum's f is 0
        assert rows[label]["steps_to_minimum"] == (str(reached[0]) if reached.size else "")
        distance = float(np.hypot(*history.arrays["position"][-1].astype(float)))
        assert float(rows[label]["distance_to_minimum"]) == pytest.approx(distance)
        assert rows[label]["left_domain_at"] == "" and rows[label]["diverged"] == "no"
    assert rows["sgd"]["steps_to_minimum"] != ""  # SGD at 0.1 gets there within 60 steps


def test_the_saddle_run_finishes_and_says_where_it_left(finished):
    history = load_history(finished / LAYOUT.history("saddle", "sgd"))
    left = first_outside(history.arrays["position"], history.meta["function"]["domain"])
    assert left is not None and 0 < left < 80  # it escapes along y, and the run goes on
    assert np.isfinite(history.loss).all()
    (row,) = read_summary(finished, "saddle")
    assert row["left_domain_at"] == str(left) and row["distance_to_minimum"] == ""
    scene = scene_of([history], "saddle", None)
    figure = scene.figure()
    figure.frame(80)
    assert figure.note.get_text() == f"SGD (lr 0.05): left at step {left}"
    figure.frame(left - 1)
    assert not figure.note.get_visible()
    figure.close()
    frames = iio.imread(finished / LAYOUT.trajectory("saddle", True), index=None)
    assert frames.shape[:3] == (9, 420, 680)  # steps 0, 10, ..., 80


def test_panels_have_one_small_contour_per_optimizer(finished):
    frames = iio.imread(finished / LAYOUT.panels("quadratic"), index=None)
    assert frames.shape[:3] == (7, 300, 600)  # steps 0, 10, ..., 60; two 300 x 270 panels, a title


def test_landscape_figures_are_byte_identical_across_runs_and_core_counts(finished, tmp_path):
    again = copy_workflow(tmp_path / "again", landscape_config())
    run_snakemake(again, "--cores", "1")
    assert digests(again) == digests(finished)


def test_publish_knows_the_landscape_figures(finished):
    result = run_snakemake(finished, "--cores", "1", "publish")
    assert "created  docs/images/saddle.gif" in result.stdout
    published = finished / "docs/images/panels.gif"
    assert published.read_bytes() == (finished / LAYOUT.panels("quadratic")).read_bytes()


def test_the_report_shows_the_paths(finished):
    run_snakemake(finished, "--report", "results/report.zip")
    with zipfile.ZipFile(finished / "results/report.zip") as report:
        names = report.namelist()
    # One of each per experiment (the report files them under hashed folders).
    for figure in ("trajectories.png", "trajectories.html", "loss.png"):
        assert sum(name.endswith(f"/{figure}") for name in names) == 2, (figure, names)
    (finished / "results/report.zip").unlink()  # not a result: other tests count results


def planned(workdir: Path, changes: dict) -> tuple[list[str], list[str]]:
    """(rules, output files) of the jobs a dry run plans with `changes` merged in."""
    (workdir / "changes.yaml").write_text(yaml.safe_dump(changes))
    result = run_snakemake(workdir, "-n", "--configfile", "config/config.yaml", "changes.yaml")
    lines = result.stdout.splitlines()
    rules = [
        line.split()[-1].rstrip(":")
        for line in lines
        if line.startswith(("rule ", "localrule ")) and line.endswith(":")
    ]
    outputs = [
        path
        for line in lines
        if line.startswith("    output: ")
        for path in line.removeprefix("    output: ").split(", ")
    ]
    return rules, outputs


def test_changing_one_landscape_leaves_every_file_of_the_other_alone(finished):
    change = {"experiments": {"saddle": {"optimizers": [{"name": "SGD", "learning_rate": 0.02}]}}}
    _, outputs = planned(finished, change)
    assert LAYOUT.history("saddle", "sgd") in outputs
    # The gallery's job also writes the player's files beside it.
    assets = [LAYOUT.asset("oa-player.css"), LAYOUT.asset("oa-player.js")]
    assert [p for p in outputs if not p.startswith("results/saddle/")] == [LAYOUT.index(), *assets]


def test_changing_a_plot_setting_retrains_nothing(finished):
    rules, _ = planned(finished, {"frames": {"duration_ms": 80}})
    # The gallery too: its players hold each animation's timing (issue 24).
    assert sorted(set(rules)) == [
        "all",
        "draw_trajectories_quadratic",
        "draw_trajectories_saddle",
        "gallery",
    ]


def page_histories(workdir: Path, experiment: str, labels: list[str]):
    return [load_history(workdir / LAYOUT.history(experiment, label)) for label in labels]


@pytest.fixture(scope="module")
def page_run(tmp_path_factory):
    """The page's model with a bias, drawn on two named weights."""
    config = default_config()
    del config["publish"]
    config["frames"]["every"] = 5
    config["experiments"] = {
        "losses": {
            "epochs": 20,
            "use_bias": True,
            "optimizers": ["SGD", {"name": "Adam", "learning_rate": 0.05}],
            "trajectory": {"axes": ["kernel[0,1]", "bias[1]"]},
        }
    }
    workdir = copy_workflow(tmp_path_factory.mktemp("page"), config)
    run_snakemake(workdir, "--cores", "2")
    return workdir


def test_a_page_trajectory_draws_exactly_the_recorded_weights(page_run, tmp_path):
    histories = page_histories(page_run, "losses", ["sgd", "adam"])
    outputs = {"gif": tmp_path / "t.gif", "png": tmp_path / "t.png"}
    scene = draw_trajectories(
        histories, "losses", [0, 5, 20], outputs, 50, 50, ["kernel[0,1]", "bias[1]"]
    )
    assert scene.axis_labels == ("kernel[0,1]", "bias[1]")
    figure = scene.figure()
    for epoch in (0, 7, 20):
        figure.frame(epoch, "Epoch")
        for history, marker in zip(histories, figure.markers, strict=True):
            x, y = marker.get_data()
            assert x[0] == history.kernel[epoch, 0, 1] and y[0] == history.bias[epoch, 1]
    figure.close()
    # The workflow's own figure is the same drawing.
    made = iio.imread(page_run / LAYOUT.trajectory("losses", False), index=None)
    assert made.shape[:3] == (5, 420, 680)  # epochs 0, 5, 10, 15, 20


def test_the_default_plane_holds_the_movement_and_says_so(page_run):
    histories = page_histories(page_run, "losses", ["sgd", "adam"])
    scene = scene_of(histories, "losses", None)
    assert "principal directions" in scene.subtitle and "6 weights" in scene.subtitle
    share = float(scene.subtitle.split("(")[1].split("%")[0])
    assert share > 90
    for history, path in zip(histories, scene.paths, strict=True):
        np.testing.assert_array_equal(path.points[0], [0.0, 0.0])  # the common start
        assert len(path.points) == len(history.epoch)


BAD_LANDSCAPES = [
    (lambda e: e.update(use_bias=False), ["'experiments.quadratic.use_bias'", "landscape"]),
    (
        lambda e: e.update(seeds=[1, 2]),
        ["'experiments.quadratic.seeds'", "seeds apply only to its gradient noise"],
    ),
    (lambda e: e.update(function="rosenbrok"), ["unknown function 'rosenbrok'", "rosenbrock"]),
    (lambda e: e.update(start=[9, 9]), ["'experiments.quadratic.start' = [9, 9]", "outside"]),
    (
        lambda e: e.update(function={"name": "beale", "condition": 2}),
        ["beale takes no arguments"],
    ),
    (
        lambda e: e.update(
            function={"formula": "__import__('os')", "domain": [[0, 1], [0, 1]], "start": [0, 0]}
        ),
        ["'experiments.quadratic.function.formula'", "`__import__` is not a function"],
    ),
    (
        lambda e: e.update(
            function={"formula": "log(x)", "domain": [[-1, 1], [-1, 1]], "start": [-0.5, 0]}
        ),
        ["not finite at the start"],
    ),
    (lambda e: e.update(domain=[[1, -1], [0, 1]]), ["x range must be increasing"]),
]


@pytest.mark.parametrize("change, fragments", BAD_LANDSCAPES)
def test_bad_landscape_settings_are_config_errors_naming_the_key(change, fragments):
    config = landscape_config()
    change(config["experiments"]["quadratic"])
    with pytest.raises(ConfigError) as error:
        check_config(config)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_the_pages_model_refuses_landscape_keys_and_needs_data():
    config = default_config()
    config["experiments"]["outputs"]["start"] = [0, 0]
    with pytest.raises(
        ConfigError, match=r"'experiments\.outputs\.start' applies only to landscape"
    ):
        check_config(config)
    config = landscape_config()
    config["experiments"]["page"] = {"epochs": 3, "optimizers": ["SGD"]}
    with pytest.raises(ConfigError, match="'data' is missing: experiment page trains"):
        check_config(config)
    config = default_config()
    config["experiments"]["losses"]["trajectory"] = {"axes": ["kernel[0,1]", "bias[7]"]}
    with pytest.raises(ConfigError, match=r"'bias\[7\]' is not a weight of this model"):
        check_config(config)


def test_the_shipped_landscapes_config_is_valid():
    config = yaml.safe_load((Path(__file__).parent.parent / "config/landscapes.yaml").read_text())
    runs = check_config(copy.deepcopy(config))
    assert sorted(runs) == sorted(
        ["rosenbrock", "beale", "himmelblau", "rastrigin", "saddle", "quadratic"]
    )
    for experiment, experiment_runs in runs.items():
        assert [run.optimizer for run in experiment_runs] == [
            "SGD",
            "SGD",
            "Adam",
            "RMSprop",
            "Adagrad",
            "Nadam",
        ], experiment
        assert 300 <= config["experiments"][experiment]["epochs"] <= 500
