"""Issue 20, item 6: typed records at the boundaries.

A run's spec goes into a rule's params and comes back as the same `Run`; a
history's `meta` is parsed once into a `RunMeta`, with its kind and format.
"""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from conftest import every_kind_config
from optimizer_animations.config.plan import build_plan
from optimizer_animations.problems.problem import DenseProblem, FunctionProblem
from optimizer_animations.records.history import History, load_history, save_history
from optimizer_animations.records.meta import (
    HISTORY_FORMAT,
    DamagedResult,
    RunMeta,
    history_damage,
    read_text_array,
)
from optimizer_animations.records.run import Run


def test_every_planned_run_comes_back_from_its_params_as_itself():
    config = every_kind_config()
    config["experiments"]["sweep"] = {
        "epochs": 4,
        "use_bias": False,
        "seeds": [1, 2],
        "optimizers": [{"name": "SGD", "label": "sgd", "grid": {"momentum": [0.0, 0.5]}}],
    }
    plan = build_plan(config)
    runs = [run for experiment in plan.experiments.values() for run in experiment.runs]
    assert len(runs) > 10 and any(run.grid for run in runs) and any(run.seed for run in runs)
    for run in runs:
        params = json.loads(json.dumps(run.to_params()))  # plain data, as params hold it
        assert Run.from_params(params, run.experiment) == Run(
            **{
                **run.__dict__,
                "setting": run.setting or run.label,
                "family": run.family or run.label,
            }
        )


def history_with(meta: dict) -> History:
    return History(
        epoch=np.arange(3),
        loss=np.ones(3, np.float32),
        arrays={"position": np.zeros((3, 2), np.float32)},
        meta=meta,
    )


LANDSCAPE_META = {
    "experiment": "bowl",
    "label": "adam",
    "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.1}},
    "epochs": 2,
    "function": {"name": "quadratic", "formula": "x**2 + y**2", "domain": [[-1, 1], [-1, 1]]},
}


def test_a_history_s_meta_is_parsed_once_into_its_kind():
    landscape = RunMeta.parse(LANDSCAPE_META)
    assert landscape.kind == FunctionProblem.kind and landscape.landscape
    assert landscape.format == HISTORY_FORMAT and landscape.learning_rate == 0.1
    assert landscape.title == "Adam" and landscape.family == "adam"
    dense = RunMeta.parse(
        {
            **{k: v for k, v in LANDSCAPE_META.items() if k != "function"},
            "use_bias": False,
            "data": {"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]},
            "init": {"seed": 4, "kernel": [[0.1, 0.2, 0.3]]},
        }
    )
    assert dense.kind == DenseProblem.kind and not dense.landscape
    assert dense.seed == 4 and dense.sample_count == 1


@pytest.mark.parametrize(
    "meta, why",
    [
        ({**LANDSCAPE_META, "format": HISTORY_FORMAT + 1}, "history format 2"),
        ({k: v for k, v in LANDSCAPE_META.items() if k != "label"}, "label"),
        ({**LANDSCAPE_META, "optimizer": "Adam"}, "TypeError"),
    ],
)
def test_a_history_whose_meta_is_not_a_run_s_is_damaged(tmp_path, meta, why):
    path = tmp_path / "history.npz"
    save_history(path, history_with(meta))
    with pytest.raises(DamagedResult) as error:
        load_history(path)
    assert str(path) in str(error.value) and why in str(error.value)
    # ... and so the next `snakemake` start removes it, as its message says.
    assert why in history_damage(path)


@pytest.mark.parametrize(
    "text",
    ["{}", json.dumps(LANDSCAPE_META), "ünïcödé ✓ " * 2000, json.dumps({"k": "x" * 70_000})],
    ids=["empty", "meta", "unicode", "long"],
)
def test_meta_is_read_without_numpy_as_numpy_reads_it(tmp_path, text):
    path = tmp_path / "a.npy"
    np.save(path, np.array(text))
    assert read_text_array(path.read_bytes()) == str(np.load(path)) == text


def test_the_damage_check_and_the_meta_record_need_no_numpy():
    # What Snakemake runs on every start: importable with the standard library only.
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import optimizer_animations.records.meta, optimizer_animations.records.layout\n"
        "import optimizer_animations.export.formats\n"
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_a_history_whose_meta_header_is_garbage_is_damaged_not_a_crash(tmp_path):
    path = tmp_path / "history.npz"
    save_history(path, history_with(LANDSCAPE_META))
    members = {}
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    npy = members["meta.npy"]
    members["meta.npy"] = npy[:10] + b"{'descr': ((" + npy[22:]  # same length, not a literal
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert history_damage(path).startswith("SyntaxError")
