"""Issue 43: the keys added since the first hostile review (CSV and generated
data, tuning, explorers, formulas, publishing) are as harmless as the old.

The refusals are probes in tests/hostile_probes.py (run by
test_hostile_configs.py); here are what needs a file or a whole run: the
report of a config whose text fields carry script, refusals that read a file,
bounded reads, and damaged generated data.
"""

import json
import tracemalloc
from pathlib import Path

import pytest
import yaml

import optimizer_animations.problems.data as data_module
from conftest import chromium_browser, copy_workflow, digests, run_snakemake, small_config
from hostile_probes import one_experiment, with_
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.config.plan import (
    EXPERIMENT_FIGURES,
    RUN_FIGURES,
    build_plan,
    frame_pixels,
)
from optimizer_animations.problems.data import MAX_CSV_ROWS, DataError, read_samples

SCRIPT = "</script><script>window.__pwned=43</script>"
SECRET = "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
CREDENTIALS = (
    '{"type": "service_account", "project_id": "docs", "private_key_id": "1234abcd",'
    f' "private_key": "{SECRET}", "client_email": "ci@docs.example"}}\n'
)


def csv_config(path: str, x: list[str], y: list[str]) -> dict:
    config = one_experiment(init={"seed": 0})
    config["experiments"]["e1"]["data"] = {"csv": path, "x": x, "y": y}
    return config


# --- refusals that read a file -------------------------------------------------


@pytest.mark.parametrize(
    "columns",
    [(["x"], ["y"]), (['{"type"'], ["y"]), (["private_key"], ["client_email"])],
    ids=["missing", "a header cell", "a near name"],
)
def test_a_refusal_never_quotes_the_file_it_read(tmp_path, monkeypatch, columns):
    monkeypatch.chdir(tmp_path)
    Path("gha-creds-1234abcd.json").write_text(CREDENTIALS)
    with pytest.raises(ConfigError) as error:
        check_config(csv_config("gha-creds-1234abcd.json", *columns))
    message = str(error.value)
    assert "'experiments.e1.data.csv' = 'gha-creds-1234abcd.json'" in message
    for part in (SECRET[:20], "MII", "service_account", "ci@docs", '1234abcd"'):
        assert part not in message, message


def test_a_cell_that_is_not_a_number_is_named_not_shown(tmp_path):
    (tmp_path / "points.csv").write_text(f"x,y\n1,2\n{SECRET},3\n")
    with pytest.raises(DataError) as error:
        read_samples(tmp_path / "points.csv", ["x"], ["y"])
    assert "row 3, column 'x' holds text, not a number" in str(error.value)
    assert "MII" not in str(error.value) and "BEGIN" not in str(error.value)


def test_a_header_of_short_names_is_listed_with_a_did_you_mean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # A spreadsheet's byte-order mark is not part of the first column's name.
    Path("houses.csv").write_bytes("\ufeffarea,price\n50,100\n70,140\n".encode())
    assert read_samples("houses.csv", ["area"], ["price"]).x == [[50.0], [70.0]]
    with pytest.raises(ConfigError) as error:
        check_config(csv_config("houses.csv", ["Area"], ["price"]))
    assert "has no column 'Area'; its header names 'area', 'price'. Did you mean 'area'?" in str(
        error.value
    )


def test_a_large_csv_is_refused_while_streaming_in_little_memory(tmp_path, monkeypatch):
    """The issue's 16 MiB of 4 million rows, also with one column as x and y."""
    monkeypatch.chdir(tmp_path)
    Path("big.csv").write_text("a,b\n" + "1,2\n" * 4_000_000)
    tracemalloc.start()
    try:
        for x, y, expected in (
            (["a"], ["b"], f"more than {MAX_CSV_ROWS:,} samples"),
            (["a"], ["a"], "both name the column(s) ['a']"),
        ):
            with pytest.raises(ConfigError) as error:
                check_config(csv_config("big.csv", x, y))
            assert expected in str(error.value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The file's bytes once, and 20,000 rows: not the 1.9 GB of a whole read.
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MB"


def test_a_file_named_by_many_experiments_is_read_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("points.csv").write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(500)))
    config = csv_config("points.csv", ["x"], ["y"])
    for i in range(40):
        config["experiments"][f"e{i}"] = {
            "epochs": 2,
            "init": {"seed": 0},
            "optimizers": ["SGD"],
            "data": {"csv": "points.csv", "x": ["x"], "y": ["y"]},
        }
    parsed = []
    monkeypatch.setattr(
        data_module,
        "_parse_samples",
        lambda *args, f=data_module._parse_samples: parsed.append(args[1]) or f(*args),
    )
    check_config(config)
    assert parsed == ["points.csv"]


# --- names that would be another file's ------------------------------------------


def with_publish(files: dict) -> dict:
    config = one_experiment()
    config["publish"] = {"dir": "docs/images", "files": files}
    return config


PLAN_PROBES = [
    (
        "an experiment named like the gallery",
        {**one_experiment(), "experiments": {"index.html": {"epochs": 3, "optimizers": ["SGD"]}}},
        ["'experiments.index.html'", "results/index.html", "choose another name"],
    ),
    (
        "a label named like an experiment's file",
        one_experiment(optimizers=[{"name": "SGD", "label": "loss.png"}]),
        ["'experiments.e1'", "run 'loss.png'", "results/e1/loss.png", "set another 'label'"],
    ),
    (
        "a figure published as a GIF's frames",
        with_publish({"a.gif": "e1/sgd/animation.gif", "a.frames.png": "e1/loss.png"}),
        ["'publish.files.a.frames.png'", "a name ending in .frames.png"],
    ),
    (
        "a figure published as a GIF's poster",
        with_publish({"a.poster.png": "e1/loss.png"}),
        ["'publish.files.a.poster.png'", "a name ending in .poster.png"],
    ),
    (
        "a GIF's frames published under another GIF's name",
        with_publish(
            {"b.frames.png": "e1/adam/animation.frames.png", "b.gif": "e1/sgd/animation.gif"}
        )
        | {"experiments": {"e1": {"epochs": 3, "optimizers": ["SGD", "Adam"]}}},
        ["'publish.files.b.gif' would publish", "as b.frames.png", "'publish.files.b.frames.png'"],
    ),
    # Sizes: frames held while the GIF is written (issue 43's 3.9 GB and more).
    (
        "a frame every step of 1,999",
        with_(
            {
                "experiments": {
                    "l": {"epochs": 1999, "function": "rosenbrock", "optimizers": ["SGD"]}
                }
            },
            frames={"every": 1},
        ),
        ["'experiments.l' would animate 2,000 frames", "'animation.max_megapixels' = 400"],
    ),
]


def sweep(**settings) -> dict:
    grid = {"learning_rate": [0.1, 0.2], "momentum": [0.1, 0.5]}
    return one_experiment(optimizers=[{"name": "SGD", "grid": grid}], **settings)


# Messages in the words of the config (issue 43, item 6).
PLAN_PROBES += [
    (
        "a schedule named as text",
        one_experiment(optimizers=[{"name": "SGD", "learning_rate": "CosineDecay"}]),
        ["learning_rate' = 'CosineDecay' is text", "{schedule: CosineDecay, initial_"],
    ),
    (
        "phase: true",
        sweep(phase=True),
        ["'experiments.e1.phase' = true: it is on by default; write false", "[across, up]"],
    ),
    (
        "a phase argument twice",
        sweep(phase=["momentum", "momentum"]),
        ["'experiments.e1.phase' = ['momentum', 'momentum'] names 'momentum' twice"],
    ),
    (
        "noise on the page's model",
        one_experiment(noise={"sigma": 1.0}),
        ["'experiments.e1.noise' applies only to landscape", "set 'batch_size'"],
    ),
    (
        "vectors on the page's model",
        one_experiment(vectors={"show": ["gradient"]}),
        ["'experiments.e1.vectors' applies only to landscape", "contour only"],
    ),
    ("a number for a section", with_(one_experiment(), frames=5), ["'frames' must be a mapping"]),
]


@pytest.mark.parametrize(
    "config, expected", [p[1:] for p in PLAN_PROBES], ids=[p[0] for p in PLAN_PROBES]
)
def test_a_plan_that_would_clash_or_hold_too_much_is_refused_naming_the_key(
    tmp_path, monkeypatch, config, expected
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as error:
        build_plan(config)
    for part in expected:
        assert part in str(error.value), str(error.value)


# --- a whole run: the report, and damaged generated data ------------------------


@pytest.fixture(scope="module")
def hostile_text_run(tmp_path_factory):
    """A tuned experiment with an explorer on CSV columns named like script,
    and minibatches of generated samples; its report made."""
    config = small_config()
    config.pop("publish")
    config["frames"]["every"] = 2
    config["experiments"] = {
        "columns": {
            "epochs": 4,
            "use_bias": True,
            "init": {"seed": 0},
            "data": {"csv": "points.csv", "x": [SCRIPT], "y": ["<b>y</b>&amp;"]},
            "explorer": True,
            "optimizers": ["SGD", "Adam"],
            "tune": {"learning_rate": {"min": 0.01, "max": 0.1, "points": 2}, "seeds": 1},
        },
        "bowl": {
            "epochs": 6,
            "function": "quadratic",
            "optimizers": ["SGD", "Adam", "RMSprop", "Adagrad"],
        },
        "made": {
            "epochs": 2,
            "use_bias": True,
            "init": {"seed": 0},
            "data": {"generate": "linear", "samples": 12},
            "optimizers": [{"name": "SGD", "grid": {"batch_size": [4, 12]}}],
        },
    }
    workdir = copy_workflow(tmp_path_factory.mktemp("hostile-keys") / "wf", config)
    (workdir / "points.csv").write_text(f"{SCRIPT},<b>y</b>&amp;\n1,2\n2,3.5\n3,4\n")
    run_snakemake(workdir, "--cores", "2")
    run_snakemake(workdir, "--report", "results/report.html")
    return workdir


@pytest.mark.e2e
def test_the_report_of_script_in_config_text_runs_no_script(hostile_text_run):
    report = (hostile_text_run / "results" / "report.html").read_text()
    assert "explorer_columns" in report  # the explorer's job, with the problem in its params
    assert SCRIPT not in report and "<b>y</b>" not in report
    # The params are shown, escaped: \x3c stands for '<'.
    assert "\\\\x3c/script\\\\x3e\\\\x3cscript\\\\x3ewindow.__pwned=43" in report
    with chromium_browser() as chromium:
        page = chromium.new_page()
        page.goto((hostile_text_run / "results" / "report.html").as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        assert page.evaluate("window.__pwned === undefined")
        page.close()


@pytest.mark.e2e
def test_damaged_generated_data_is_generated_again_and_its_runs_retrained(hostile_text_run):
    workdir = hostile_text_run
    data = workdir / "results" / "made" / "data.csv"
    whole = data.read_bytes()
    clean = digests(workdir)
    cut = whole[: whole.index(b"\n", len(whole) // 3) + 1]  # at a line break: rows lost
    for damaged in (cut, whole[: len(whole) // 2]):  # and mid-number
        data.write_bytes(damaged)
        result = run_snakemake(workdir, "--cores", "2")
        said = result.stdout + result.stderr
        assert f"Removed {Path('results/made/data.csv')}" in said and "generating it again" in said
        assert "generate_data_made" in said and "train_made" in said
        assert data.read_bytes() == whole
        assert {k: v for k, v in digests(workdir).items() if "report" not in k} == {
            k: v for k, v in clean.items() if "report" not in k
        }
    planned = run_snakemake(workdir, "-n")  # whole again: nothing is removed or redone
    assert "Removed" not in planned.stderr and "Nothing to be done" in planned.stdout


@pytest.mark.e2e
def test_every_animation_s_frames_are_within_the_plan_s_bound(hostile_text_run, monkeypatch):
    """The bound that animation.max_megapixels is checked against, before any
    job, is at least each animation's frames as drawn."""
    monkeypatch.chdir(hostile_text_run)
    config = yaml.safe_load((hostile_text_run / "config" / "config.yaml").read_text())
    plan = build_plan(config)
    results = hostile_text_run / "results"
    checked = set()
    for experiment in plan.experiments.values():
        for kind in EXPERIMENT_FIGURES + RUN_FIGURES:
            label = (experiment.animated_labels or [""])[0]
            path = kind.applies(experiment) and kind.path(plan.layout, experiment, label)
            if not path or not path.endswith(".gif"):
                continue
            player = json.loads((results.parent / path).with_suffix(".player.json").read_text())
            assert player["width"] * player["height"] <= frame_pixels(kind.kind, experiment), path
            checked.add(kind.kind)
    assert checked == {"comparison", "trajectory", "panels", "surface", "animation"}


def test_a_large_grid_s_curves_share_one_axes_drawn_once_each():
    """2,000 series: one axes, one line each (not 2,000 panels that each
    draw all 2,000, which took minutes)."""
    import matplotlib.pyplot as plt

    from optimizer_animations.figures.facets import MAX_PANELS, draw_facets

    series = list(range(2000))
    facets = draw_facets(
        series,
        ["C0"] * len(series),
        lambda axes, item, colour, highlighted: axes.plot([0, 1], [item, item], color=colour),
        str,
        (6.4, 3.6),
    )
    assert facets.crowded and len(facets.axes) == 1
    assert len(facets.axes[0].lines) == len(series)
    plt.close(facets.figure)
    few = draw_facets(series[:MAX_PANELS], ["C0"] * MAX_PANELS, lambda *a: None, str, (6, 4))
    assert not few.crowded and len(few.axes) == MAX_PANELS
    plt.close(few.figure)
