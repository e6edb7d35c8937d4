"""Issue 20: one package that other repositories consume.

The workflow runs imported from a URL (as `github(...)` serves raw files),
its rules' code is what their adapters import, and a moved checkout has
nothing to redo.
"""

import ast
import contextlib
import http.server
import modulefinder
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
import yaml

from conftest import (
    REPO,
    copy_workflow,
    digests,
    every_kind_config,
    run_snakemake,
    small_config,
    workflow_env,
)

pytestmark = pytest.mark.e2e

PACKAGE = REPO / "src" / "optimizer_animations"


def test_no_code_edits_the_import_path():
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("src", "scripts", "workflow", "docs", "benchmarks", "examples")
        for path in sorted((REPO / folder).rglob("*"))
        if path.suffix in (".py", ".smk") or path.name == "Snakefile"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "sys.path" in line
    ]
    assert offenders == []


def test_every_adapter_calls_one_function_of_the_package():
    for adapter in sorted((REPO / "scripts").glob("*.py")):
        tree = ast.parse(adapter.read_text())
        imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
        calls = [node for node in tree.body if isinstance(node, ast.Expr)][
            1:
        ]  # after the docstring
        assert len(imports) == 1 and imports[0].module.startswith("optimizer_animations."), adapter
        assert len(calls) == 1, adapter


@contextlib.contextmanager
def served(folder: Path):
    """`folder` over HTTP on the loopback, as raw files (a thread, stopped after)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def archive_of_head(destination: Path) -> Path:
    """`git archive HEAD`, unpacked: what a release tag serves."""
    tar = destination.with_suffix(".tar")
    subprocess.run(["git", "archive", "--format=tar", "-o", str(tar), "HEAD"], cwd=REPO, check=True)
    with tarfile.open(tar) as archive:
        archive.extractall(destination, filter="data")
    return destination


def test_the_workflow_runs_imported_from_a_url(tmp_path):
    source = archive_of_head(tmp_path / "release")
    site = tmp_path / "site-packages"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--target", str(site), str(source)),
        ],
        check=True,
    )
    host = tmp_path / "docs-repo"
    host.mkdir()
    config = small_config()
    config.pop("publish")
    (host / "figures.yaml").write_text(yaml.safe_dump({"optimizer_animations": config}))
    env = workflow_env(host) | {
        "PYTHONPATH": str(site)
    }  # the archive's package, not the checkout's
    with served(source) as url:
        (host / "Snakefile").write_text(
            "import yaml\n\n"
            'config.update(yaml.safe_load(open("figures.yaml")))\n\n\n'
            "module optimizer_animations:\n"
            f'    snakefile:\n        "{url}/workflow/Snakefile"\n'
            '    config:\n        config["optimizer_animations"]\n'
            '    prefix:\n        "figures"\n\n\n'
            "use rule * from optimizer_animations as oa_*\n"
        )
        first = subprocess.run(
            [sys.executable, "-m", "snakemake", "--cores", "2", "oa_all"],
            cwd=host,
            env=env,
            capture_output=True,
            text=True,
        )
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        again = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "oa_all"],
            cwd=host,
            env=env,
            capture_output=True,
            text=True,
        )
    assert "Nothing to be done" in again.stdout + again.stderr
    assert (host / "figures/results/index.html").is_file()
    assert (host / "figures/results/outputs/sgd/animation.gif").is_file()
    assert not (host / "results").exists()


def test_a_host_with_its_own_common_module_gets_its_own(tmp_path):
    # Generic names such as `common` were on the path of every host workflow.
    checkout = copy_workflow(tmp_path / "optimizer-animations")
    host = tmp_path / "docs-repo"
    (host / "scripts").mkdir(parents=True)
    (host / "scripts" / "common.py").write_text("WHO = 'the host'\n")
    config = small_config()
    config.pop("publish")
    (host / "figures.yaml").write_text(yaml.safe_dump({"optimizer_animations": config}))
    (host / "Snakefile").write_text(
        "import sys\n\nimport yaml\n\n"
        'sys.path.insert(0, "scripts")\n'
        "import common\n\n"
        'config.update(yaml.safe_load(open("figures.yaml")))\n\n\n'
        "module optimizer_animations:\n"
        f'    snakefile:\n        "{checkout / "Snakefile"}"\n'
        '    config:\n        config["optimizer_animations"]\n\n\n'
        "use rule * from optimizer_animations as oa_*\n\n\n"
        "rule who:\n"
        '    output:\n        "who.txt",\n'
        "    run:\n"
        "        Path(output[0]).write_text(common.WHO)\n"
    )
    run_snakemake(host, "--cores", "2", "who", "oa_all")
    assert (host / "who.txt").read_text() == "the host"
    assert (host / "results/index.html").is_file()


def rules_by_adapter() -> dict[str, set[str]]:
    """Adapter file -> the names (or name prefixes, for rules made per
    experiment) of the rules that run it, read from the rule files."""
    found: dict[str, set[str]] = {}
    for rules in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n\s*rule\b", rules.read_text())[1:]:
            script = re.search(r'script:\s*"[./]*scripts/(\w+\.py)"', block)
            name = re.match(r"\s*(\w+)\s*:", block) or re.search(
                r'name:\s*(?:job_name\()?f?"(\w+?)(?:\{|")', block
            )
            if script and name:
                found.setdefault(script.group(1), set()).add(name.group(1))
    return found


class PackageFinder(modulefinder.ModuleFinder):
    """The standard library's module finder, kept to this package: which of
    its modules code reaches, including imports inside functions."""

    def import_hook(self, name, caller=None, fromlist=None, level=-1):
        if name.split(".")[0] == "optimizer_animations":
            return super().import_hook(name, caller, fromlist, level)
        return None


def reached_modules(adapter: Path) -> set[str]:
    finder = PackageFinder(path=[str(REPO / "src")])
    finder.run_script(str(adapter))
    return {name for name in finder.modules if name.startswith("optimizer_animations")}


def planned(workdir: Path, *args: str) -> set[str]:
    result = run_snakemake(workdir, "-n", "--quiet", "rules", *args)
    jobs = {line.split()[0] for line in result.stdout.splitlines() if line.split()[1:2] == ["1"]}
    return jobs - {"total", "all"}


@pytest.fixture(scope="module")
def every_kind_of_rule(tmp_path_factory):
    """A complete run of the page's model, a landscape and two tuned landscapes
    (profile, time to target): every rule of `all`."""
    config = every_kind_config()
    workdir = copy_workflow(tmp_path_factory.mktemp("kinds") / "wf", config)
    run_snakemake(workdir, "--cores", "2")
    assert planned(workdir) == set()
    return workdir


def test_editing_a_module_reruns_exactly_the_rules_whose_code_reaches_it(every_kind_of_rule):
    workdir = every_kind_of_rule
    adapters = rules_by_adapter()
    reach = {adapter: reached_modules(REPO / "scripts" / adapter) for adapter in adapters}
    all_jobs = planned(workdir, "--forceall")
    expected_for: dict[frozenset, set[str]] = {}
    modules = sorted(
        ".".join(path.relative_to(REPO / "src").with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
    )
    for module in modules:
        rule_names = frozenset(
            name
            for adapter, names in adapters.items()
            if module in reach[adapter]
            for name in names
        )
        if rule_names not in expected_for:
            forced = [job for job in all_jobs if any(job.startswith(n) for n in rule_names)]
            expected_for[rule_names] = planned(workdir, "--forcerun", *forced) if forced else set()
        path = workdir / "src" / Path(*module.split(".")).with_suffix(".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        original = path.read_text()
        path.write_text(original + "\n# edited\n")
        try:
            assert planned(workdir) == expected_for[rule_names], module
        finally:
            path.write_text(original)
    assert planned(workdir) == set()


def test_a_moved_checkout_has_nothing_to_do(every_kind_of_rule, tmp_path):
    moved = tmp_path / "elsewhere" / "wf"
    shutil.copytree(every_kind_of_rule, moved, symlinks=True)
    assert planned(moved) == set()
    assert digests(moved) == digests(every_kind_of_rule)


def planned_jobs(result: subprocess.CompletedProcess) -> list[str]:
    """The job counts table of a dry run (`job  count` rows)."""
    table = result.stdout.split("Job stats:")[1].split("total")[0]
    return sorted(line.split()[0] for line in table.splitlines()[3:] if line.strip())


def test_the_root_snakefile_and_workflow_snakefile_run_the_same_workflow(tmp_path):
    # The catalog and snakedeploy read workflow/Snakefile; users run
    # `snakemake` in the root. The root only includes the other, so no rule
    # is defined twice, and both have the same default target.
    root = (REPO / "Snakefile").read_text()
    assert "include:" in root and not re.search(r"^\s*rule\b", root, re.MULTILINE)
    copy = copy_workflow(tmp_path / "copy", small_config())
    from_root = run_snakemake(copy, "-n", "--cores", "2")
    from_workflow = run_snakemake(copy, "-n", "--cores", "2", "-s", "workflow/Snakefile")
    assert planned_jobs(from_root) == planned_jobs(from_workflow)
    assert "all" in planned_jobs(from_root) and "train_outputs" in planned_jobs(from_root)
