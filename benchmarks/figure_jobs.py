"""The default run's figure jobs, before and after a change, in one run.

    python benchmarks/figure_jobs.py --before REV [--after REV] [--repeats 5] [--configfile FILE]

Each revision's workflow (a `git worktree` of REV; without --after, the
working tree) runs the config once; then, --repeats times and alternating
between the two, Snakemake reruns every figure job (`render_frames_*`,
`animate_*`, `plot_losses_*`, `draw_trajectories_*`) one at a time
(`--cores 1 --forcerun`), and the script reports the median wall time of
each and their ratio. The default config publishes five figures, which
(issue 22) the figure jobs also draw in the dark theme; `--without-publish`
drops its `publish:` in both trees, so that the dark variants are counted
apart. Issue 22's target: after / before at most 1.2 without them.

Once SLURM's client is installed, start the test cluster first
(`bash tests/cluster/start-slurm.sh`), or every Snakemake start waits ~10 s.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FIGURE_RULES = ("render_frames_", "animate_", "plot_losses_", "draw_trajectories_")
COPIED = ["Snakefile", "workflow", "scripts", "src", "config", "profiles", "docs"]


def checkout(revision: str | None, into: Path) -> Path:
    """The tree of `revision` (None: the working tree) in `into`."""
    if revision is None:
        for name in COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, into / name)
        return into
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=REPO, capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def snakemake(workdir: Path, *args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(workdir / "src"))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "-q", *args],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def figure_rules(workdir: Path) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(workdir / "src"))
    listed = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [rule for rule in listed if rule.startswith(FIGURE_RULES)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="a git revision")
    parser.add_argument("--after", help="a git revision (default: the working tree)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--configfile", help="instead of config/config.yaml")
    parser.add_argument(
        "--without-publish", action="store_true", help="drop the config's publish: section"
    )
    options = parser.parse_args()
    config = (
        ["--configfile", options.configfile, "--replace-workflow-config"]
        if options.configfile
        else []
    )
    with tempfile.TemporaryDirectory() as folder:
        trees = {
            "before": checkout(options.before, Path(folder) / "before"),
            "after": checkout(options.after, Path(folder) / "after"),
        }
        if options.without_publish:
            for tree in trees.values():
                path = tree / (options.configfile or "config/config.yaml")
                settings = yaml.safe_load(path.read_text())
                settings.pop("publish", None)
                path.write_text(yaml.safe_dump(settings))
        rules = {}
        for name, tree in trees.items():
            snakemake(tree, "--cores", "2", *config)
            rules[name] = figure_rules(tree)
        times: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(options.repeats):
            for name, tree in trees.items():
                times[name].append(
                    snakemake(tree, "--cores", "1", *config, "--forcerun", *rules[name])
                )
        medians = {name: statistics.median(values) for name, values in times.items()}
        noop = statistics.median(
            snakemake(trees["after"], "--cores", "1", *config) for _ in range(3)
        )
    print(f"figure jobs: {', '.join(rules['after'])}")
    for name in trees:
        print(
            f"{name}: median {medians[name]:.2f} s over {options.repeats} ({', '.join(f'{t:.2f}' for t in times[name])})"
        )
    print(f"a no-op run of the same workflow: {noop:.2f} s (Snakemake's own share of each)")
    jobs = {name: medians[name] - noop for name in trees}
    print(
        f"after / before: {medians['after'] / medians['before']:.2f} with Snakemake's start,"
        f" {jobs['after'] / jobs['before']:.2f} for the jobs alone (target: at most 1.2)"
    )


if __name__ == "__main__":
    main()
