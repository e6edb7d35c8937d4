import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

# What a workflow copy needs; results/, logs/ and .snakemake/ are left behind.
WORKFLOW_FILES = ["Snakefile", "workflow", "scripts", "config", "profiles", "environment.yml"]


def default_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def small_config() -> dict:
    """Two experiments, a few epochs: the default's shape at a fraction of its cost."""
    config = default_config()
    config["frames"]["every"] = 4
    config["experiments"] = {
        "outputs": {"epochs": 10, "use_bias": False, "optimizers": ["SGD", "Adam"]},
        "losses": {
            "epochs": 6,
            "use_bias": True,
            "optimizers": ["SGD", {"name": "RMSprop", "learning_rate": 0.01, "label": "rms-fast"}],
        },
    }
    return config


def copy_workflow(destination: Path, config: dict | None = None) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(source, destination / name)
    if config is not None:
        (destination / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return destination


def run_snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


def finished_small_run(tmp_path_factory, name: str) -> Path:
    """A copy of the workflow after a complete run of the small config.

    Each test module gets its own (module-scoped fixtures), since some
    add files to it.
    """
    workdir = copy_workflow(tmp_path_factory.mktemp(name) / "wf", small_config())
    run_snakemake(workdir, "--cores", "4")
    return workdir


def pytest_collection_modifyitems(config, items):
    """Run the cluster tests last.

    Once the test cluster is stopped, every `snakemake` start waits ~10 s:
    the SLURM plugin asks `scontrol` for the cluster's settings at import
    time, and scontrol retries an unreachable controller.
    """
    items.sort(key=lambda item: item.get_closest_marker("cluster") is not None)
