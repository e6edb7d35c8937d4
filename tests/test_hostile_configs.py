"""Issue 19: a config from a stranger cannot run code, write outside its
folders or exhaust the machine.

Each probe is what a contributor's pull request to a docs repository could put
in the config that its CI runs the workflow, the report and the gallery on.
Add every new one here: a refusal must name the key, cost little memory, and
leave no command run and no file written outside the copy. How fast each is
refused is measured by benchmarks/hostile_refusals.py (no timed tests).
"""

import html
import os
import re
import tracemalloc
from pathlib import Path

import jinja2
import pytest
import yaml
from docutils.core import publish_parts

from conftest import chromium_browser, copy_workflow, default_config, digests, run_snakemake
from hostile_probes import JINJA_COMMAND, MARKER, PROBES, one_experiment, with_
from optimizer_animations.config.check import ConfigError, check_config
from optimizer_animations.records.history import load_history
from optimizer_animations.site.pages import RunSummary, experiment_caption, run_caption
from optimizer_animations.testing import snakemake_peak


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
    # Two seeds and an explorer: its page is opened too (issue 24).
    config["experiments"]["e1"] |= {"seeds": [0, 1], "explorer": True}
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
    caption = (payload_run / "results" / "e1" / "muon-s0" / "caption.rst").read_text()
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
            # Mappings: Snakemake's configfile: merges them key by key, 10^9 steps.
            "a0: &a0 {"
            + ", ".join(f"k{j}: 1" for j in range(10))
            + "}\n"
            + "".join(
                f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(10)) + "}\n"
                for i in range(1, 10)
            )
            + "experiments: {e1: {epochs: 5, optimizers: [SGD]}}\n",
            "more than 20,000 values",
        ),
        (
            "experiments: {e1: {epochs: " + "[" * 3000 + "]" * 3000 + ", optimizers: [SGD]}}\n",
            "32 levels",
        ),
    ],
    ids=["alias bomb", "mapping alias bomb", "deep nesting"],
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
