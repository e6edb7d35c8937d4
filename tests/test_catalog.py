"""Issue 21: the Snakemake workflow catalog's conventions.

workflow/Snakefile (tests/test_package.py), config/README.md describing every
key of the schema, .snakemake-workflow-catalog.yml, a .test/ config that the
tests start from and that the workflow parses from its own folder, and the
license.
"""

import re
import shutil
import tomllib

import pytest
import yaml

from conftest import REPO, copy_workflow, run_snakemake
from optimizer_animations.config.check import load_schema


def schema_keys(node: dict, defs: dict, prefix: str = "") -> list[str]:
    """Every key path of the schema: `frames.every`, `experiments.<name>.tune.seeds`,
    `experiments.<name>.optimizers[].label`..."""
    if "$ref" in node:
        node = {**defs[node["$ref"].split("/")[-1]], **node}
    keys = []
    for key, child in node.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        keys += [path, *schema_keys(child, defs, path)]
    if isinstance(node.get("additionalProperties"), dict):
        keys += schema_keys(node["additionalProperties"], defs, f"{prefix}.<name>")
    if isinstance(node.get("items"), dict):
        keys += schema_keys(node["items"], defs, f"{prefix}[]")
    for option in node.get("oneOf", []):
        keys += schema_keys(option, defs, prefix)
    return list(dict.fromkeys(keys))


def test_config_readme_describes_every_key_of_the_schema():
    schema = load_schema()
    keys = schema_keys(schema, schema.get("$defs", {}))
    assert len(keys) > 60 and "experiments.<name>.tune.seeds" in keys
    readme = (REPO / "config" / "README.md").read_text()
    missing = [key for key in keys if f"`{key}`" not in readme]
    assert missing == []


def test_the_catalog_file_says_how_the_workflow_is_used():
    usage = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert usage["mandatory-flags"]["desc"].strip()
    deployment = usage["software-stack-deployment"]
    assert set(deployment) == {"conda", "singularity", "singularity+conda"}
    assert all(isinstance(value, bool) for value in deployment.values())
    assert usage["report"] is True  # tests/test_gallery.py builds the report


def test_the_license_is_mit_by_the_contributors():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 optimizer-animations contributors" in text
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


@pytest.mark.e2e
def test_the_test_config_runs_from_its_own_folder(tmp_path):
    copy = copy_workflow(tmp_path / "wf")
    shutil.copytree(REPO / ".test", copy / ".test")
    lint = run_snakemake(copy, "--lint", "--directory", ".test")
    assert "Congratulations" in lint.stdout + lint.stderr
    planned = run_snakemake(copy, "-n", "--cores", "2", "--directory", ".test").stdout
    assert "train_outputs" in planned and "train_losses" in planned
    assert "results/outputs/sgd/history.npz" in planned


def test_the_version_is_written_once_and_the_release_notes_and_pin_follow_it():
    import optimizer_animations

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert optimizer_animations.__version__ == version == "1.0.0"
    changelog = (REPO / "CHANGELOG.md").read_text()
    first = next(line for line in changelog.splitlines() if line.startswith("## "))
    assert first.startswith(f"## {version} ")
    # The README's pin is the tag a release of this version carries.
    readme = (REPO / "README.md").read_text()
    assert f'tag="v{version}"' in readme
    assert not {tag for tag in re.findall(r'tag="(v[^"]+)"', readme)} - {f"v{version}"}
    assert "release = version = __version__" in (REPO / "docs" / "conf.py").read_text()
