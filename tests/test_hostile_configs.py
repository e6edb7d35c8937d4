"""Issue 19: a config from a stranger cannot run code, write outside its
folders or exhaust the machine.

Each probe is what a contributor's pull request to a docs repository could put
in the config that its CI runs the workflow, the report and the gallery on.
Add every new one here: a refusal must name the key, cost little memory, and
leave no command run and no file written outside the copy. How fast each is
refused is measured by benchmarks/hostile_refusals.py (no timed tests).
"""

import datetime
import html
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import jinja2
import pytest
import yaml
from docutils.core import publish_parts

from common import load_history
from conftest import chromium_browser, copy_workflow, default_config, digests, run_snakemake
from pages import RunSummary, experiment_caption, run_caption
from workflow_config import ConfigError, check_config

# A command that leaves this file behind wherever it runs.
MARKER = "pwned-marker"
JINJA_COMMAND = "{{ cycler.__init__.__globals__.os.popen('touch " + MARKER + "').read() }}"


def one_experiment(**settings):
    config = default_config()
    config.pop("publish")
    config["experiments"] = {"e1": {"epochs": 10, "optimizers": ["SGD"], **settings}}
    return config


def with_(config, **top):
    return {**config, **top}


def alias_bomb(levels=9):
    """What nine levels of YAML aliases load as: one list, used 10^9 times."""
    value = ["lol"]
    for _ in range(levels):
        value = [value] * 10
    return value


def nested(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def landscape(function, **settings):
    return {
        "experiments": {
            "l": {"epochs": 10, "optimizers": ["SGD"], "function": function, **settings}
        }
    }


INF = float("inf")
PROBES = [
    # 1: an argument whose Keras default is None took anything, and reached the report.
    (
        "jinja2 in an optimizer argument",
        one_experiment(optimizers=[{"name": "Adagrad", "ema_overwrite_frequency": JINJA_COMMAND}]),
        ["optimizers[0].ema_overwrite_frequency", "whole number"],
    ),
    (
        "restructuredtext in an optimizer argument",
        one_experiment(
            optimizers=[
                {"name": "Adam", "clipvalue": "1\n\n.. raw:: html\n\n   <script>x</script>"}
            ]
        ),
        ["optimizers[0].clipvalue", "a number"],
    ),
    # 3: grid values became run names, and run names HTML attributes.
    (
        "attribute break-out through a grid value",
        one_experiment(
            optimizers=[
                {
                    "name": "Adam",
                    "grid": {"ema_overwrite_frequency": ['" onerror="window.__p4=1,1']},
                }
            ]
        ),
        ["grid.ema_overwrite_frequency"],
    ),
    (
        "a grid value that is a list",
        one_experiment(optimizers=[{"name": "Muon", "grid": {"exclude_layers": [["a b"]]}}]),
        ["optimizers[0]", "safe folder name for a run"],
    ),
    # 4: names with a newline, and folders outside the repository.
    (
        "publish name with a newline and ..",
        with_(
            one_experiment(),
            publish={
                "dir": "docs/images",
                "files": {"x\n/../../../outside.png": "e1/sgd/loss.png"},
            },
        ),
        ["publish.files.x\\n/../../../outside.png", "without '..'"],
    ),
    (
        "experiment name ending in a newline",
        {
            "experiments": {"e1\n": {"epochs": 5, "optimizers": ["SGD"]}},
            "data": default_config()["data"],
        },
        ["experiments.e1\\n", "no newline"],
    ),
    (
        "label ending in a newline",
        one_experiment(optimizers=[{"name": "SGD", "label": "sgd\n"}]),
        ["optimizers[0]", "'sgd\\n'"],
    ),
    (
        "results_dir ending in a newline",
        with_(one_experiment(), results_dir="results\n"),
        ["results_dir"],
    ),
    ("results_dir absolute", with_(one_experiment(), results_dir="/tmp/results"), ["results_dir"]),
    (
        "publish.dir above the repository",
        with_(one_experiment(), publish={"dir": "../../elsewhere", "files": {}}),
        ["publish.dir", "'../../elsewhere'"],
    ),
    (
        "publish.dir absolute",
        with_(one_experiment(), publish={"dir": "/etc", "files": {}}),
        ["publish.dir", "'/etc'"],
    ),
    # Folders of the workflow itself: a result or a published file could replace
    # its code or its config.
    (
        "results_dir in workflow/",
        with_(one_experiment(), results_dir="workflow/rules"),
        ["'results_dir' = 'workflow/rules' is inside workflow/"],
    ),
    (
        "results_dir in docs/",
        with_(one_experiment(), results_dir="docs"),
        ["'results_dir' = 'docs' is inside docs/"],
    ),
    (
        "publishing over the config",
        with_(
            one_experiment(), publish={"dir": "config", "files": {"config.yaml": "e1/tuned.yaml"}}
        ),
        ["'publish.dir' = 'config' is inside config/"],
    ),
    (
        "publishing over the code, the suffix changed",
        with_(one_experiment(), publish={"dir": "docs", "files": {"conf.py": "e1/summary.csv"}}),
        ["publish.files.conf.py", "keeps its result's suffix (.csv)"],
    ),
    (
        "publishing into the results",
        with_(
            one_experiment(), publish={"dir": "results/e1", "files": {"x.csv": "e1/summary.csv"}}
        ),
        ["overlap"],
    ),
    # 5: sizes that exhausted the machine before any message.
    (
        "alias bomb in epochs",
        one_experiment(epochs=alias_bomb()),
        ["more than 20,000 values", "experiments.e1.epochs"],
    ),
    (
        "alias bomb in a grid",
        one_experiment(optimizers=[{"name": "SGD", "grid": {"learning_rate": alias_bomb()}}]),
        ["more than 20,000 values", "grid.learning_rate"],
    ),
    (
        "alias bomb in a free-form argument",
        one_experiment(optimizers=[{"name": "Muon", "exclude_layers": alias_bomb()}]),
        ["more than 20,000 values", "exclude_layers"],
    ),
    ("deep nesting", one_experiment(epochs=nested(5000)), ["experiments.e1.epochs", "32 levels"]),
    (
        "10^8 epochs",
        one_experiment(epochs=100_000_000),
        ["experiments.e1.epochs", "at most 1,000,000"],
    ),
    (
        "10^9 epochs, a frame every 10^6",
        with_(one_experiment(epochs=10**9), frames={"every": 10**6}),
        ["experiments.e1.epochs", "at most 1,000,000"],
    ),
    (
        "a frame every epoch of 10^6",
        with_(one_experiment(epochs=10**6), frames={"every": 1}),
        ["experiments.e1", "max_frames"],
    ),
    (
        "20,000 samples",
        with_(one_experiment(), data={"x": [[1.0]] * 20_000, "y": [[0.0]] * 20_000}),
        ["has 20,000 items, more than 1,000"],
    ),
    (
        "10^4 units",
        with_(one_experiment(), init={"seed": 0}, data={"x": [[1.0]], "y": [[0.0] * 10_000]}),
        ["data.y[0]", "has 10,000 items, more than 1,000"],
    ),
    (
        "a million recorded outputs per run",
        with_(
            one_experiment(epochs=1_000_000),
            init={"seed": 0},
            data={"x": [[1.0]] * 100, "y": [[0.0] * 10] * 100},
            frames={"every": 1000},
        ),
        ["would record 1,021,001,021 numbers per run", "more than 25,000,000"],
    ),
    (
        "histories of 10^9 numbers in all",
        with_(
            one_experiment(epochs=1_000_000, seeds={"count": 100}, optimizers=["SGD"]),
            init={"seed": 0},
            frames={"every": 1000},
        ),
        ["would record", "more than 250,000,000"],
    ),
    (
        "a long text",
        one_experiment(optimizers=[{"name": "SGD", "label": "a" * 100_000}]),
        ["100,000 characters"],
    ),
    ("a key that is a number", with_(one_experiment()) | {1: 2}, ["keys must be text"]),
    ("a date", one_experiment(epochs=datetime.date(2020, 1, 1)), ["experiments.e1.epochs", "date"]),
    # Also found: values a job failed on.
    (
        "momentum 2",
        one_experiment(optimizers=[{"name": "SGD", "momentum": 2.0}]),
        ["optimizers[0].momentum", "[0, 1]"],
    ),
    (
        "beta_1 of 1",
        one_experiment(optimizers=[{"name": "Adam", "beta_1": 1}]),
        ["optimizers[0].beta_1"],
    ),
    (
        "Lion's beta_1 of 0",
        one_experiment(optimizers=[{"name": "Lion", "beta_1": 0.0}]),
        ["optimizers[0].beta_1", "(0, 1]"],
    ),
    (
        "negative learning rate",
        one_experiment(optimizers=[{"name": "SGD", "learning_rate": -1}]),
        ["learning_rate"],
    ),
    (
        "gradient accumulation of 1",
        one_experiment(optimizers=[{"name": "SGD", "gradient_accumulation_steps": 1}]),
        ["gradient_accumulation_steps"],
    ),
    (
        "two ways of clipping",
        one_experiment(optimizers=[{"name": "SGD", "clipnorm": 1.0, "global_clipnorm": 1.0}]),
        ["clipnorm and global_clipnorm"],
    ),
    (
        "a serialized schedule (it names classes to import)",
        one_experiment(
            optimizers=[
                {
                    "name": "SGD",
                    "learning_rate": {
                        "module": "os",
                        "class_name": "system",
                        "config": {"command": "touch " + MARKER},
                    },
                }
            ]
        ),
        ["optimizers[0].learning_rate", "schedules"],
    ),
    (
        "infinite ylim",
        with_(one_experiment(), frames={"ylim": [-INF, INF]}),
        ["frames.ylim[", "finite"],
    ),
    (
        "NaN in the data",
        with_(one_experiment(), data={"x": [[1.0]], "y": [[float("nan"), 0, 0]]}),
        ["data.y[0][0]", "finite"],
    ),
    (
        "a minute-long frame times 10^6",
        with_(one_experiment(), frames={"duration_ms": 10**12}),
        ["frames.duration_ms", "at most 60,000"],
    ),
    (
        "a target of 1e39",
        with_(one_experiment(), data={"x": [[1.0]], "y": [[1e39, 0.0, 0.0]]}),
        ["data.y[0][0]", "at most 1,000,000"],
    ),
    (
        "an infinite domain",
        landscape({"formula": "x*y", "domain": [[-INF, 1], [0, 1]], "start": [0, 0]}),
        ["function.domain[0][0]", "finite"],
    ),
    (
        "an infinite condition",
        landscape({"name": "quadratic", "condition": INF}),
        ["function.condition", "finite"],
    ),
    (
        "a 400-digit constant",
        landscape({"formula": "x*y + " + "9" * 400, "domain": [[0, 1], [0, 1]], "start": [0, 0]}),
        ["function.formula", "larger than"],
    ),
    ("a seed past 32 bits", one_experiment(seeds=[2**40]), ["seeds"]),
    ("a million seeds", one_experiment(seeds={"count": 10**6}), ["seeds"]),
    ("10^7 max_runs", with_(one_experiment(), max_runs=10**7), ["max_runs", "at most 100,000"]),
]


@pytest.mark.parametrize("config, expected", [p[1:] for p in PROBES], ids=[p[0] for p in PROBES])
def test_a_hostile_config_is_refused_naming_the_key_in_little_memory(config, expected):
    # Not copied: a deep copy of a deep nesting recurses. Each probe is used once.
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as error:
            check_config(config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(error.value)
    assert "\n" not in message, "a message is one line, whatever the config holds"
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert peak < 300 * 2**20, f"{peak / 2**20:.0f} MB to refuse it"


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "outside").mkdir()
    (tmp_path / "repo" / "docs").mkdir(parents=True)
    (tmp_path / "repo" / "docs" / "images").symlink_to(tmp_path / "outside")
    monkeypatch.chdir(tmp_path / "repo")
    config = with_(one_experiment(), publish={"dir": "docs/images", "files": {}})
    with pytest.raises(ConfigError, match=r"'publish.dir' = 'docs/images' leads outside"):
        check_config(config)


# Text that stays allowed: Muon's exclude_layers takes layer names, any text.
PAYLOADS = [
    "{{ 7*7 }}",
    JINJA_COMMAND,
    "<img src=x onerror=window.__pwned=1>",  # fires inside JSON too: no quotes
    "</script><script>window.__pwned=2</script>",
    "`x <javascript:alert(1)>`_ |s| :raw:`<b>`",
]


def rendered_as_the_report_does(caption: str) -> str:
    """A caption as `snakemake --report` makes it: a Jinja2 template
    (Snakemake's own Environment settings), then docutils' HTML."""
    text = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(caption).render()
    return publish_parts(text, writer="html")["body"]


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_captions_show_config_text_as_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("the building machine's secret")
    payloads = [*PAYLOADS, f"x\n\n.. include:: {secret}\n\n.. raw:: html\n\n   <img src=x>"]
    run = RunSummary(
        experiment="e1",
        label="muon",
        title="Muon",
        optimizer="Muon",
        settings={"exclude_layers": payloads},
        epochs=3,
        use_bias=True,
        final_loss=0.5,
        final_outputs=[[0.5]],
        diverged_at=None,
    )
    for caption in (run_caption(run), experiment_caption("e1", [run], 1)):
        body = rendered_as_the_report_does(caption)
        shown = visible_text(body)
        assert not (tmp_path / MARKER).exists()
        assert "secret" not in shown.replace(str(secret), "")
        assert "<img" not in body and "<script" not in body and "<b>" not in body
        assert "49" not in shown
        for payload in PAYLOADS:  # in the settings, written as JSON: quotes escaped
            assert payload.replace('"', '\\"') in shown, f"{payload!r} is not shown in {shown!r}"


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory):
    """A complete run whose config carries every payload where text may go."""
    config = one_experiment(
        epochs=3,
        optimizers=["SGD", {"name": "Muon", "exclude_layers": PAYLOADS}],
    )
    config["frames"]["every"] = 1
    workdir = copy_workflow(tmp_path_factory.mktemp("payloads") / "wf", config)
    run_snakemake(workdir, "--cores", "2")
    run_snakemake(workdir, "--report", "results/report.html")
    return workdir


@pytest.mark.e2e
def test_the_workflow_and_its_report_run_no_payload(payload_run):
    assert not list(payload_run.parent.rglob(MARKER))
    report = (payload_run / "results" / "report.html").read_text()
    assert "<img src=x onerror=window.__pwned=1>" not in report
    assert "</script><script>window.__pwned=2" not in report
    caption = (payload_run / "results" / "e1" / "muon" / "caption.rst").read_text()
    assert "49" not in visible_text(rendered_as_the_report_does(caption))
    gallery = (payload_run / "results" / "index.html").read_text()
    assert "<img src=x onerror=window.__pwned=1>" not in gallery
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in gallery


@pytest.mark.e2e
def test_no_payload_runs_in_a_browser(payload_run):
    pages = [payload_run / "results" / "index.html", payload_run / "results" / "report.html"]
    pages += sorted((payload_run / "results").rglob("*.html"))
    with chromium_browser() as chromium:
        for path in dict.fromkeys(pages):
            page = chromium.new_page()
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            assert page.evaluate("window.__pwned === undefined && window.__p4 === undefined"), path
            if path.name == "index.html":
                text = page.inner_text("body")
                for payload in PAYLOADS:
                    assert payload in text.replace("\\", ""), f"{payload!r} not shown"
            page.close()


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.e2e
def test_snakemake_refuses_a_yaml_template_and_runs_no_code(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "config.yaml").write_text(
        "__use_yte__: true\n"
        "experiments:\n"
        "  e1:\n"
        f"    epochs: ?__import__('os').system('touch {MARKER}') + 5\n"
        "    optimizers: [SGD]\n"
    )
    before = tree(tmp_path)
    result = run_snakemake(workdir, "-n", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "__use_yte__" in output and "run Python code" in output
    created = {p for p in tree(tmp_path) - before if not p.startswith("wf/.snakemake")}
    assert created == set(), created
    assert not list(tmp_path.rglob(MARKER))


# Started from a small process: a child forked from this test process (with
# TensorFlow loaded) would count this process's pages in its peak.
PEAK_OF = """
import os, subprocess, sys
with open(sys.argv[1], "w") as output:
    child = subprocess.Popen(sys.argv[2:], stdout=output, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def snakemake_peak(workdir: Path, *args: str) -> tuple[int, str, float]:
    """`snakemake`'s exit code, output and peak resident memory in MB."""
    output = workdir.parent / "snakemake.out"
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_OF, str(output), sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    code, peak_kb = map(int, measured.stdout.split())
    return code, output.read_text(), peak_kb / 1024


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text, key",
    [
        (
            "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(
                f"l{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
            )
            + "experiments: {e1: {epochs: *j, optimizers: [SGD]}}\n",
            "more than 20,000 values",
        ),
        (
            "experiments: {e1: {epochs: " + "[" * 3000 + "]" * 3000 + ", optimizers: [SGD]}}\n",
            "32 levels",
        ),
    ],
    ids=["alias bomb", "deep nesting"],
)
def test_snakemake_refuses_a_config_file_bomb_before_it_grows(tmp_path, text, key):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "config.yaml").write_text(text)
    code, stderr, peak = snakemake_peak(workdir, "-n")
    assert code != 0
    assert key in stderr, stderr[-2000:]
    assert "Traceback" not in stderr
    assert peak < 300, f"snakemake peaked at {peak:.0f} MB refusing it"


@pytest.mark.e2e
def test_a_publish_name_with_a_newline_writes_nothing_outside(tmp_path):
    config = default_config()
    config["publish"]["files"] = {"x\n/../../../outside.png": "losses/sgd/loss.png"}
    workdir = copy_workflow(tmp_path / "deep" / "wf", config)
    before = tree(tmp_path)
    result = run_snakemake(workdir, "--cores", "2", "all", "publish", check=False)
    assert result.returncode != 0 and "publish.files" in result.stdout + result.stderr
    created = {p for p in tree(tmp_path) - before if not p.startswith("deep/wf/.snakemake")}
    assert created == set(), created


@pytest.mark.e2e
def test_a_damaged_history_is_retrained_and_nothing_else_is_lost(tmp_path):
    config = default_config()
    config.pop("publish")
    config["experiments"] = {
        "outputs": {"epochs": 6, "use_bias": False, "optimizers": ["SGD", "Adam"]},
        "losses": {"epochs": 4, "use_bias": True, "optimizers": ["SGD"]},
    }
    workdir = copy_workflow(tmp_path / "wf", config)
    run_snakemake(workdir, "--cores", "2")
    clean = digests(workdir)
    damaged = workdir / "results" / "outputs" / "adam" / "history.npz"
    os.truncate(damaged, 1000)
    others = {p: p.stat().st_mtime_ns for p in (workdir / "results" / "losses").rglob("*")}
    planned = run_snakemake(workdir, "--cores", "2", "-n")
    said = planned.stdout + planned.stderr
    assert "cannot be read" in said and "outputs/adam/history.npz" in said
    assert "train_outputs" in planned.stdout
    result = run_snakemake(workdir, "--cores", "2")
    assert "train_outputs" in result.stdout + result.stderr
    assert digests(workdir) == clean
    assert load_history(damaged).epochs == 6
    # The other experiment's results were neither deleted nor rewritten.
    assert {p: p.stat().st_mtime_ns for p in others} == others
    assert yaml.safe_load((workdir / "config" / "config.yaml").read_text())  # still the config
