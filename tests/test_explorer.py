"""Issue 24: an explorer per experiment with a grid, on a static page."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import (
    chromium_browser,
    copy_workflow,
    open_offline,
    run_snakemake,
    small_config,
)
from optimizer_animations.config.check import ConfigError
from optimizer_animations.config.plan import build_plan, stride_for
from optimizer_animations.records.history import load_history
from optimizer_animations.records.meta import TRIAL_TABLE_MEMBERS, trial_table_damage
from optimizer_animations.records.trials import NUMERIC, TrialTable, recorded_steps
from optimizer_animations.site.explorer import script_json
from optimizer_animations.training.schedules import peak_rate

REPO = Path(__file__).resolve().parents[1]


# A tuned schedule: the explorer's slider gives its peak.
COSINE = {
    "schedule": "CosineDecay",
    "initial_learning_rate": 0.01,
    "decay_steps": 40,
    "warmup_steps": 4,
    "warmup_target": 0.1,
}


def explorer_config() -> dict:
    """A tuned landscape and a sweep of the page's model, each with an explorer."""
    config = small_config()
    config.pop("publish")
    config["experiments"] = {
        "valley": {
            "function": "rosenbrock",
            "epochs": 40,
            "explorer": True,
            "optimizers": [
                "SGD",
                {"name": "SGD", "label": "sgd-momentum", "momentum": 0.9},
                "Adam",
                {"name": "Adam", "label": "adam-cosine", "learning_rate": COSINE},
            ],
            "tune": {"learning_rate": {"min": 1e-4, "max": 1.0, "points": 5}},
        },
        "sweep": {
            "epochs": 12,
            "use_bias": True,
            "explorer": True,
            "seeds": {"count": 2},
            "optimizers": [
                {"name": "SGD", "grid": {"learning_rate": [0.01, 0.1, 1.0]}},
                {"name": "Adam", "grid": {"learning_rate": [0.01, 0.1, 1.0]}},
            ],
        },
    }
    return config


@pytest.fixture(scope="module")
def explored(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("explorer") / "wf", explorer_config())
    run_snakemake(workdir, "--cores", "2")
    return workdir


def page_data(path: Path) -> dict:
    text = path.read_text()
    block = re.search(
        r'<script type="application/json" id="oa-explorer-data">(.*?)</script>', text, re.S
    )
    assert block is not None
    return json.loads(block.group(1))


def decoded(text: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(text), "<f4")


# --- config ---------------------------------------------------------------------


def test_an_explorer_without_a_grid_tuning_or_seeds_is_a_config_error_naming_the_key():
    config = small_config()
    config["experiments"]["outputs"]["explorer"] = True
    with pytest.raises(
        ConfigError, match=r"'experiments.outputs.explorer' = true: an explorer moves between runs"
    ):
        build_plan(config)


def test_an_explorer_refuses_a_grid_argument_a_slider_cannot_place():
    config = small_config()
    config["experiments"]["outputs"]["explorer"] = True
    config["experiments"]["outputs"]["optimizers"] = [
        {"name": "SGD", "grid": {"nesterov": [True, False], "learning_rate": [0.1]}}
    ]
    with pytest.raises(
        ConfigError,
        match=r"grid argument 'nesterov' has the value True, which a slider cannot place",
    ):
        build_plan(config)


def test_explorer_must_be_a_boolean():
    config = small_config()
    config["experiments"]["outputs"]["explorer"] = "yes"
    with pytest.raises(ConfigError, match=r"'experiments.outputs.explorer' must be true or false"):
        build_plan(config)


def test_the_plan_gives_an_explorer_only_where_asked_and_keeps_its_data_within_budget():
    plan = build_plan(explorer_config())
    assert "results/valley/explorer.html" in plan.outputs()
    assert "results/sweep/explorer.html" in plan.outputs()
    assert not any("explorer" in path for path in build_plan(small_config()).outputs())
    # The tuned landscapes of config/tuned.yaml keep every step; sweep.yaml's
    # 1,000 runs of 500 epochs every 6th (within 300,000 drawn numbers).
    tuned = build_plan(yaml.safe_load((REPO / "config/tuned.yaml").read_text()))
    assert tuned["rosenbrock"].explorer and tuned["rosenbrock"].explorer_stride == 1
    assert tuned["rosenbrock"].trial_count == 6 * 32
    sweep = build_plan(yaml.safe_load((REPO / "config/sweep.yaml").read_text()))
    assert sweep["lr_sweep"].explorer and sweep["lr_sweep"].explorer_stride == 6
    assert stride_for(1000, 500) == 6 and len(recorded_steps(500, 6)) * 1000 * 3 <= 300_000
    assert list(recorded_steps(10, 4)) == [0, 4, 8, 10]


def test_the_page_data_cannot_close_its_script_element():
    text = script_json({"name": "</script><script>alert(1)</script>", "x": "a & b"})
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


# --- records -------------------------------------------------------------------


def test_tuning_records_every_trial_and_the_file_reads_back(explored):
    results = explored / "results"
    table = TrialTable.load(results / "valley/tuning/trials-1-of-1.npz")
    assert len(table.family) == 4 * 5
    assert table.families == ["sgd", "sgd-momentum", "adam", "adam-cosine"]
    assert list(table.steps) == list(range(41)) and table.params.dtype == np.float32
    # A chosen trial is the run: its recorded path is the run's history.
    chosen = load_history(results / "valley/adam/history.npz")
    rate = chosen.meta["tuned"]["learning_rate"] if "tuned" in chosen.meta else None
    rows = [row for row in (results / "valley/tuning.csv").read_text().splitlines()[1:]]
    assert len(rows) == 20
    matches = [
        t
        for t in range(len(table.family))
        if table.families[table.family[t]] == "adam"
        and np.array_equal(table.params[t], chosen.params.astype(np.float32))
    ]
    assert len(matches) == 1, rate
    assert set(TRIAL_TABLE_MEMBERS) == {
        f"{name}.npy" for name in ("families", "titles", "arguments", *NUMERIC)
    }


def test_a_damaged_trial_table_is_removed_and_rebuilt(explored):
    """Not trusted: the next run removes it; the explorer, asked for again,
    has it tuned again, to the same bytes, and is itself the same bytes again
    (reproducible)."""
    results = explored / "results"
    trials = results / "valley/tuning/trials-1-of-1.npz"
    whole, page = trials.read_bytes(), (results / "valley/explorer.html").read_bytes()
    trials.write_bytes(whole[: len(whole) // 2])
    assert trial_table_damage(trials) is not None
    result = run_snakemake(explored, "--cores", "2", "--forcerun", "explorer_valley")
    assert f"Removed {Path('results/valley/tuning/trials-1-of-1.npz')}" in result.stderr
    assert trials.read_bytes() == whole
    assert (results / "valley/explorer.html").read_bytes() == page


# --- in a real browser -----------------------------------------------------------


def open_explorer(chromium, results: Path, experiment: str, **context):
    page = chromium.new_page(**({"viewport": {"width": 1280, "height": 900}} | context))
    refused, errors = open_offline(page, results, f"{experiment}/explorer.html")
    page.wait_for_function(
        "() => window.optimizerAnimations && window.optimizerAnimations.explorer"
    )
    return page, refused, errors


def drawn(page) -> dict:
    return page.evaluate("window.optimizerAnimations.explorer.drawn()")


def test_the_landscape_explorer_draws_the_recorded_positions_and_marks_the_tuned_rates(explored):
    results = explored / "results"
    table = TrialTable.load(results / "valley/tuning/trials-1-of-1.npz")
    data = page_data(results / "valley/explorer.html")
    rates = data["sliders"][0]["values"]
    tuned = yaml.safe_load((results / "valley/tuned.yaml").read_text())
    with chromium_browser() as chromium:
        page, refused, errors = open_explorer(chromium, results, "valley")
        explorer = "window.optimizerAnimations.explorer"
        assert page.evaluate(f"{explorer}.tuned") == {
            entry["label"]: peak_rate(entry["learning_rate"]) for entry in tuned["optimizers"]
        }
        marks = page.eval_on_selector_all(
            ".oa-x-mark", "ms => ms.map(m => [m.dataset.family, Number(m.dataset.index)])"
        )
        assert {f: rates[i] for f, i in marks} == page.evaluate(f"{explorer}.tuned")
        slider = page.locator("#oa-x-arg-0")
        before = None
        for index in (0, 2, 4, 1):
            slider.fill(str(index))
            paths = drawn(page)
            assert set(paths) == {"sgd", "sgd-momentum", "adam", "adam-cosine"}
            for family, points in paths.items():
                trial = next(
                    t
                    for t in range(len(table.family))
                    if table.families[table.family[t]] == family
                    and table.points[t, 0] == rates[index]
                )
                expected = table.params[trial].astype(np.float64)
                assert np.array_equal(np.array(points, np.float64), expected, equal_nan=True), (
                    family,
                    index,
                )
            numbers = {row["optimizer"]: row for row in page.evaluate(f"{explorer}.numbers()")}
            for family, row in numbers.items():
                trial = next(
                    t
                    for t in range(len(table.family))
                    if table.families[table.family[t]] == family
                    and table.points[t, 0] == rates[index]
                )
                final = float(table.loss[trial, -1])
                assert row["final_loss"] == (final if np.isfinite(final) else None)
            assert paths != before, "moving the slider did not change the drawn paths"
            before = paths
        # The step scrubber: the paths up to the chosen step.
        page.locator("#oa-x-step").fill("10")
        assert all(len(points) == 11 for points in drawn(page).values())
        assert page.locator("#oa-explorer").get_attribute("data-step") == "10"
        # Hide an optimizer.
        page.locator("[data-family='1']").uncheck()
        assert set(drawn(page)) == {"sgd", "adam", "adam-cosine"}
        page.close()
    assert not refused, refused
    assert not errors, errors


def test_the_model_explorer_draws_the_runs_projected_on_its_plane(explored):
    results = explored / "results"
    data = page_data(results / "sweep/explorer.html")
    origin, basis = np.array(data["plane"]["origin"]), np.array(data["plane"]["basis"])
    with chromium_browser() as chromium:
        page, refused, errors = open_explorer(chromium, results, "sweep")
        seed = page.locator("#oa-x-seed")
        for rate_index, seed_index in ((0, 0), (2, 1), (1, 1)):
            page.locator("#oa-x-arg-0").fill(str(rate_index))
            seed.select_option(str(seed_index))
            rate, seed_value = data["sliders"][0]["values"][rate_index], data["seeds"][seed_index]
            for family, points in drawn(page).items():
                label = f"{family}-lr{rate:g}-s{seed_value}"
                history = load_history(results / "sweep" / label / "history.npz")
                expected = ((history.params.astype(np.float64) - origin) @ basis.T).astype(
                    np.float32
                )
                np.testing.assert_allclose(
                    np.array(points), expected, rtol=2e-7, atol=1e-7, err_msg=label
                )
        page.close()
    assert not refused, refused
    assert not errors, errors


def test_the_explorer_works_by_keyboard_on_a_phone_and_names_every_control(explored):
    results = explored / "results"
    with chromium_browser() as chromium:
        page, refused, errors = open_explorer(
            chromium, results, "sweep", viewport={"width": 390, "height": 800}, has_touch=True
        )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the explorer scrolls sideways at 390 px"
        unnamed = page.evaluate(
            """() => Array.from(document.querySelectorAll('#oa-explorer input, #oa-explorer select, #oa-explorer button'))
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                              && !(e.textContent || '').trim()).map(e => e.outerHTML)"""
        )
        assert not unnamed, unnamed
        state = "window.optimizerAnimations.explorer.state()"
        first = page.evaluate(state)["point"]
        page.locator("#oa-x-arg-0").focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate(state)["point"] != first
        page.locator("#oa-x-step").focus()
        page.keyboard.press("Home")
        assert page.evaluate(state)["step"] == 0
        page.keyboard.press("Space")
        assert page.locator("#oa-explorer").get_attribute("data-state") == "playing"
        page.wait_for_timeout(500)  # a short path: 150 ms a step
        assert page.evaluate(state)["step"] > 0
        page.locator(".oa-x-play").tap()
        assert page.locator("#oa-explorer").get_attribute("data-state") == "paused"
        page.close()
    assert not refused, refused
    assert not errors, errors


def test_the_gallery_links_each_explorer_and_the_report_holds_it(explored):
    import zipfile

    index = (explored / "results/index.html").read_text()
    assert index.count('<a href="valley/explorer.html">Explore every run</a>') == 1
    assert index.count('<a href="sweep/explorer.html">Explore every run</a>') == 1
    run_snakemake(explored, "--report", "results/report.zip")
    with zipfile.ZipFile(explored / "results/report.zip") as archive:
        names = archive.namelist()
        report_html = archive.read("report/report.html").decode()
    assert sum(name.endswith("explorer.html") for name in names) == 2
    assert "explorer (interactive)" in report_html
