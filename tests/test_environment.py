import re

import pytest
import yaml

from conftest import REPO


def requirement_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_environment_yml_installs_exactly_the_requirements():
    requirements = requirement_lines((REPO / "requirements.txt").read_text())
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_section == requirements
    assert "python=3.11" in environment["dependencies"]


def test_requirements_are_exact_pins():
    for line in requirement_lines((REPO / "requirements.txt").read_text()):
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line), line


@pytest.mark.parametrize("env", ["figures.yaml", "docs.yaml"])
def test_the_rule_environments_pin_a_subset_without_tensorflow(env):
    requirements = set(requirement_lines((REPO / "requirements.txt").read_text()))
    environment = yaml.safe_load((REPO / "workflow/envs" / env).read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert set(pip_section) <= requirements
    assert not any(line.startswith(("tensorflow", "keras")) for line in pip_section)
    assert "python=3.11" in environment["dependencies"]
