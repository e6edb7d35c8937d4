"""Issue 20: one plan decides the experiments and the figures each gets.

The rules, the gallery and the `publish:` check read config/plan.py; these
tests hold the plan against what the rules really write (a dry run's
summary) and against the config's own keys.
"""

import copy

import pytest

from conftest import copy_workflow, run_snakemake
from conftest import every_kind_config as all_rules_config
from optimizer_animations.config.plan import (
    EXPERIMENT_FIGURES,
    RUN_FIGURES,
    build_plan,
)
from optimizer_animations.records.meta import DENSE, FUNCTION


def every_kind_config() -> dict:
    """Every rule's config, a grid sweep of the page's model over two
    arguments (sensitivity, phase) and a landscape's vectors (anatomy)."""
    config = all_rules_config()
    config["experiments"]["sweep"] = {
        "epochs": 4,
        "use_bias": False,
        "optimizers": [
            {
                "name": "SGD",
                "label": "sgd",
                "grid": {"learning_rate": [0.01, 0.1], "momentum": [0.0, 0.9]},
            }
        ],
    }
    config["experiments"]["bowl"]["vectors"] = {"show": ["gradient", "momentum", "update"]}
    config["experiments"]["bowl"]["optimizers"].append(
        {
            "name": "SGD",
            "label": "sgd-cosine",
            "learning_rate": {
                "schedule": "CosineDecay",
                "initial_learning_rate": 0.1,
                "decay_steps": 20,
            },
        }
    )
    return config


def test_an_experiment_s_kind_follows_from_its_function_key():
    config = every_kind_config()
    plan = build_plan(copy.deepcopy(config))
    for name, settings in config["experiments"].items():
        assert plan[name].kind == (FUNCTION if "function" in settings else DENSE), name
    assert plan.tuned == ["tuned_bowl", "tuned_saddle"] and plan.profiled == tuple(plan.tuned)
    assert plan["sweep"].sensitivity == "learning_rate" and plan["outputs"].sensitivity is None


def test_a_landscape_records_the_optimizers_inside_by_default_the_page_model_if_asked():
    config = every_kind_config()
    config["experiments"]["sweep"]["state"] = True
    plan = build_plan(copy.deepcopy(config))
    for name, settings in config["experiments"].items():
        expected = settings.get("state", "function" in settings)
        assert plan[name].records_state is expected, name
    assert plan["sweep"].records_state and not plan["outputs"].records_state
    assert any(plan[name].landscape and plan[name].records_state for name in plan.experiments)


def test_every_figure_kind_is_planned_somewhere_and_only_where_it_applies():
    plan = build_plan(every_kind_config())
    kinds = {
        name: [figure.kind for figure in e.figures(plan.layout)]
        for name, e in plan.experiments.items()
    }
    assert {kind.kind for kind in EXPERIMENT_FIGURES} == {k for ks in kinds.values() for k in ks}
    assert "comparison" not in kinds["bowl"] and "panels" in kinds["bowl"]
    assert "panels" not in kinds["outputs"] and "comparison" in kinds["outputs"]
    assert "time_to_target" in kinds["tuned_bowl"] and "time_to_target" not in kinds["bowl"]
    assert "sensitivity" in kinds["sweep"] and "sensitivity" not in kinds["losses"]
    assert "phase" in kinds["sweep"] and "phase" not in kinds["bowl"]
    assert {"anatomy", "step_sizes", "surface", "learning_rate"} <= set(kinds["bowl"])
    assert not {"anatomy", "step_sizes", "surface"} & set(kinds["outputs"])
    assert [f.kind for f in plan["losses"].run_figures(plan.layout, "sgd", "t")] == [
        kind.kind for kind in RUN_FIGURES
    ]
    assert plan["bowl"].run_figures(plan.layout, "sgd", "t") == []


def test_what_the_gallery_shows_is_planned():
    plan = build_plan(every_kind_config())
    outputs = set(plan.outputs())
    shown = plan.shown()
    paths = [shown["profile"]["path"]] + [
        figure["path"]
        for entry in shown["experiments"].values()
        for figures in (entry["figures"], *entry["run_figures"])
        for figure in figures
    ]
    assert len(paths) > 20
    assert {f"{plan.config['results_dir']}/{path}" for path in paths} <= outputs


@pytest.mark.e2e
def test_the_rules_write_exactly_the_planned_files(tmp_path):
    # The rules build their outputs from the layout on their own; a file a
    # rule writes that the plan does not know (or the reverse) fails here.
    config = every_kind_config()
    workdir = copy_workflow(tmp_path / "wf", copy.deepcopy(config))
    summary = run_snakemake(workdir, "--summary", "--cores", "1").stdout.splitlines()[1:]
    rows = [line.split("\t") for line in summary if line.strip()]
    written = {row[0] for row in rows}
    # Every rule the rule files define is reached from the planned files: a
    # figure missing from the plan would leave its rule out of the DAG.
    defined = set(run_snakemake(workdir, "--list-rules").stdout.split())
    assert {row[2] for row in rows} == defined - {"all", "publish", "docs"}
    plan = build_plan(config)
    planned = set(plan.outputs())
    # The tuning jobs' rows are joined into tuning.csv: not a result of their own.
    intermediate = {plan.layout.tuning_rows(name, 0, 1) for name in plan.tuned}
    # So are the trials they record for an explorer: the explorer reads them.
    intermediate |= {
        plan.layout.tuning_trials(name, 0, 1) for name in plan.tuned if plan[name].explorer
    }
    assert written - planned == intermediate
    assert planned <= written
