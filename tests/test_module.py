"""Issue 10: another repository imports this workflow with Snakemake's `module`."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_workflow, digests, finished_small_run, run_snakemake, small_config

pytestmark = pytest.mark.e2e

# A documentation repository's Snakefile: its own default target and rule,
# this workflow's rules renamed with a prefix, its results under figures/.
HOST_SNAKEFILE = """\
configfile: "figures.yaml"


module optimizer_animations:
    snakefile:
        {snakefile!r}
    config:
        config["optimizer_animations"]
    prefix:
        "figures"


use rule * from optimizer_animations as oa_*


rule all:
    default_target: True
    input:
        rules.oa_all.input,
        "page.txt",


rule page:
    output:
        "page.txt",
    localrule: True
    shell:
        "echo the host page > {{output}}"
"""


def make_host(root: Path) -> Path:
    """A host repository next to a checkout of this workflow."""
    checkout = copy_workflow(root / "optimizer-animations")
    host = root / "docs-repo"
    host.mkdir()
    (host / "Snakefile").write_text(HOST_SNAKEFILE.format(snakefile=str(checkout / "Snakefile")))
    (host / "figures.yaml").write_text(yaml.safe_dump({"optimizer_animations": small_config()}))
    return host


@pytest.fixture(scope="module")
def direct(tmp_path_factory):
    return finished_small_run(tmp_path_factory, "direct")


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    host = make_host(tmp_path_factory.mktemp("module"))
    run_snakemake(host, "--cores", "4")
    return host


def test_imported_workflow_writes_a_direct_runs_results_under_the_prefix(host, direct):
    assert (host / "page.txt").exists()
    assert not (host / "results").exists()  # everything went under the prefix
    assert digests(host / "figures") == digests(direct)


def test_imported_workflow_leaves_nothing_to_do_and_keeps_the_hosts_default_target(host):
    result = run_snakemake(host, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr
    listing = run_snakemake(host, "--list-rules").stdout.split()
    assert "oa_train_outputs" in listing and "oa_all" in listing and "page" in listing


def test_a_killed_jobs_temporary_file_is_removed_on_the_rerun(host, direct):
    ended = subprocess.Popen(["true"])
    ended.wait()
    stray = host / "figures/results/outputs/sgd" / f".loss.png.partial-{ended.pid}.png"
    stray.write_bytes(b"half a figure")
    assert os.path.exists(stray)
    run_snakemake(host, "--cores", "2")
    assert not stray.exists()
    assert digests(host / "figures") == digests(direct)


def test_the_imported_workflow_does_not_take_over_the_hosts_default_target(tmp_path):
    # A host whose first rule is its own page and that names no default target:
    # a plain `snakemake` must build that page only, not every figure.
    host = make_host(tmp_path)
    snakefile = (host / "Snakefile").read_text()
    own_rule = snakefile[snakefile.index("rule page:") :]
    without_all = snakefile[: snakefile.index("rule all:")]
    (host / "Snakefile").write_text(
        without_all.replace("configfile:", own_rule + "\n\nconfigfile:", 1)
    )
    result = run_snakemake(host, "-n", "--quiet", "rules")
    planned = {line.split()[0] for line in result.stdout.splitlines() if line.split()[1:2] == ["1"]}
    planned.discard("total")
    assert planned == {"page"}, result.stdout


def test_the_example_docs_repository_publishes_its_figures(tmp_path):
    # examples/docs-repository as a docs repository would run it: from a
    # copy, with the workflow where its Snakefile says (two folders up).
    checkout = copy_workflow(tmp_path / "optimizer-animations")
    shutil.copytree(REPO / "examples", checkout / "examples")
    docs_repository = checkout / "examples" / "docs-repository"
    first = run_snakemake(docs_repository, "--cores", "4", "oa_publish")
    published = yaml.safe_load((docs_repository / "figures.yaml").read_text())[
        "optimizer_animations"
    ]["publish"]["files"]
    assert len(published) == 3
    for name, source in published.items():
        target = docs_repository / "docs" / "images" / name
        assert target.read_bytes() == (docs_repository / "figures/results" / source).read_bytes()
        assert f"created  docs/images/{name}" in first.stdout
    again = run_snakemake(docs_repository, "--cores", "4", "oa_publish")
    # Each with its dark variant; each of the 2 GIFs with its frames and player file.
    assert again.stdout.count("unchanged") == 2 * (3 + 2 * 2)
    # Its own one-page site, from what it published (Sphinx with -W).
    run_snakemake(docs_repository, "--cores", "4", "oa_docs")
    site = docs_repository / "figures" / "results" / "site"
    page = (site / "index.html").read_text()
    for name in published:
        assert f'src="_images/{name}"' in page, name
        assert (site / "_images" / name).read_bytes() == (
            docs_repository / "docs/images" / name
        ).read_bytes()
    assert "Fig. 1" in page and "Fig. 3" in page and 'href="#fig-rosenbrock"' in page
    assert sorted(p.name for p in docs_repository.iterdir() if not p.name.startswith(".")) == [
        "README.md",
        "Snakefile",
        "docs",
        "figures",
        "figures.yaml",
    ]
