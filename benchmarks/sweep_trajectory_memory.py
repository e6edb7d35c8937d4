"""Peak memory of a sweep's trajectory job (issue 19's target: under 500 MB).

    python benchmarks/sweep_trajectory_memory.py [--workdir DIR] [--full-svd]

config/sweep.yaml (5 optimizers x 10 learning rates x 20 seeds = 1,000 runs
of 500 epochs) with its default animated runs, the first seed of each of its
50 settings: the trajectory figure projects their 50 x 501 points onto the
principal plane. The sweep is trained once with Snakemake in --workdir; then
the trajectory job's work (load the 50 histories, draw trajectory.gif and
.png) runs in a fresh process, whose peak resident memory (ru_maxrss) and
wall time are printed, next to a bare `import numpy, matplotlib` process's
for scale. --full-svd draws with the full SVD the plane used before
(left vectors of 25,050 x 25,050), to compare.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOW_FILES = ["Snakefile", "workflow", "scripts", "config", "profiles", "environment.yml"]

# The trajectory job, as scripts/trajectories.py's main() does it, in one process.
JOB = """
import json, resource, sys, time
import numpy as np
if {full_svd!r}:
    svd = np.linalg.svd
    np.linalg.svd = lambda a, full_matrices=True, **kw: svd(a, full_matrices=True, **kw)
start = time.perf_counter()
from optimizer_animations.records.history import load_history
from optimizer_animations.figures.trajectories import draw_trajectories
histories = [load_history(path) for path in {paths!r}]
draw_trajectories(histories, "lr_sweep", {frame_epochs!r},
                  {{"gif": {out!r} + "/trajectory.gif", "png": {out!r} + "/trajectory.png"}},
                  200, 1000)
print(json.dumps({{"seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "paths": len(histories)}}))
"""
BARE = """
import json, resource
import numpy, matplotlib.pyplot
print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def train_sweep(workdir: Path) -> list[str]:
    """Train config/sweep.yaml in `workdir` (once); its animated histories."""
    if not (workdir / "Snakefile").exists():
        workdir.mkdir(parents=True, exist_ok=True)
        for name in WORKFLOW_FILES:
            source = REPO / name
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, workdir / name)
        config = yaml.safe_load((REPO / "config" / "sweep.yaml").read_text())
        config["experiments"]["lr_sweep"].pop("animate", None)  # the first seed of every setting
        (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    from optimizer_animations.config.check import animated_runs, check_config

    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    runs = check_config(config)["lr_sweep"]
    animated = [
        f"results/lr_sweep/{run.label}/history.npz"
        for run in animated_runs(config, "lr_sweep", runs)
    ]
    trained = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *animated],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    if trained.returncode != 0:
        sys.exit(f"training the sweep failed:\n{trained.stdout}\n{trained.stderr}")
    return [str(workdir / path) for path in animated]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="where to train the sweep (kept)")
    parser.add_argument("--full-svd", action="store_true", help="the plane's former full SVD")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sweep-trajectory-"))
    started = time.perf_counter()
    paths = train_sweep(workdir)
    print(f"sweep trained in {workdir} ({time.perf_counter() - started:.0f} s)")
    frame_epochs = sorted(set(range(0, 501, 25)) | {500})
    with tempfile.TemporaryDirectory() as out:
        job = JOB.format(
            scripts=str(workdir / "scripts"),
            full_svd=args.full_svd,
            paths=paths,
            frame_epochs=frame_epochs,
            out=out,
        )
        measured = json.loads(
            subprocess.run(
                [sys.executable, "-c", job], capture_output=True, text=True, check=True
            ).stdout.splitlines()[-1]
        )
    bare = json.loads(
        subprocess.run(
            [sys.executable, "-c", BARE], capture_output=True, text=True, check=True
        ).stdout
    )
    svd = "full SVD" if args.full_svd else "thin SVD"
    print(
        f"trajectory job ({svd}), {measured['paths']} paths: peak {measured['peak_mb']:.0f} MB,"
        f" {measured['seconds']:.1f} s; a bare numpy + matplotlib process: {bare['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
