"""Measure the pipeline against the page's approach, in one run.

    python benchmarks/benchmark.py [--repeats 5] [--pipeline-only] [--landscapes] [--page-epochs 50] [--json out.json]

Reports (median of --repeats, wall seconds):
  1. `import tensorflow` alone, in a fresh interpreter;
  2. the page's loop: `fit(epochs=1)` + `predict` per epoch, for SGD, per
     epoch and projected to 500 epochs;
  3. this pipeline's compiled training of the same 500 epochs, after imports;
  4. one run of --large-epochs (100,000) with bias: training time, history
     file size and peak memory growth per epoch;
  5. the whole default pipeline, cold (a fresh copy, no .snakemake/), with
     `snakemake --cores 4`: wall time and CPU time (all processes);
  6. the no-op rerun after it, against the no-op of a one-rule Snakefile
     (Snakemake's own floor).
  7. with --landscapes, config/landscapes.yaml cold, the same way as 5.
Targets: 3. under 0.5 s (issue 2); 5. within 3x the time of 1 and 6. within
1.5x of Snakemake's own no-op (issue 9); 7. within 6x the time of 1 (issue
11). `--pipeline-only` measures 1, 5, 6 (and 7).
Once SLURM's client is installed, start the test cluster first
(`bash tests/cluster/start-slurm.sh`), or every Snakemake start waits ~10 s.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

from conftest import copy_workflow  # noqa: E402 (the tests' copy of the workflow)

PAGE_LOOP = """
import sys, time
sys.path.insert(0, {scripts!r})
import numpy as np
import train
train.configure_threads(1)
train.keras.utils.set_random_seed(0)  # fit shuffles, and op determinism wants a seed
x = np.array([[1.0]], np.float32); y = np.array([[0.0, 1.0, 0.0]], np.float32)
model = train.build_model(3, False)
model.set_weights([np.array([[-0.5095548, -0.7187625, 0.08668923]], np.float32)])
model.compile(loss="mse", optimizer="SGD")
model.fit(x, y, epochs=1, verbose=0); model.predict(x, verbose=0)  # warm-up, as the page's epoch 1
start = time.perf_counter()
for _ in range({epochs}):
    model.fit(x, y, epochs=1, verbose=0)
    model.predict(x, verbose=0)
print((time.perf_counter() - start) / {epochs})
"""

COMPILED_LOOP = """
import sys, time
sys.path.insert(0, {scripts!r})
import numpy as np
import train
train.configure_threads(1)
from problems import DenseProblem
problem = DenseProblem.from_spec({{
    "data": {{"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]}},
    "init": {{"kernel": [[-0.5095548, -0.7187625, 0.08668923]]}},
    "use_bias": False,
}})
start = time.perf_counter()
train.train_run(problem, train.make_optimizer("SGD", {{}}, "sgd"), problem.pinned_start(), 500)
print(time.perf_counter() - start)
"""


LARGE_RUN = """
import json, os, resource, sys, tempfile, time
sys.path.insert(0, {scripts!r})
import numpy as np
import train
from common import save_history
train.configure_threads(1)
from problems import DenseProblem
problem = DenseProblem.from_spec({{
    "data": {{"x": [[1.0]], "y": [[0.0, 1.0, 0.0]]}},
    "init": {{"kernel": [[-0.5095548, -0.7187625, 0.08668923]], "bias": [0.0, 0.0, 0.0]}},
    "use_bias": True,
}})
runs = [{{"label": "sgd", "optimizer": "SGD", "arguments": {{}}}}]
train.train_experiment("large", runs, 10, problem)  # warm-up: tracing aside
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
(history,) = train.train_experiment("large", runs, {epochs}, problem)
seconds = time.perf_counter() - start
path = os.path.join(tempfile.mkdtemp(), "history.npz")
save_history(path, history)
rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([seconds, os.path.getsize(path), (rss_after - rss_before) * 1024]))
"""


def python(code: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of `command` and every process it waited for."""
    cpu = children_cpu()
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def wall(command: list[str], cwd: Path | None = None) -> float:
    return timed(command, cwd)[0]


SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "4"]
ONE_RULE = 'rule all:\n    output:\n        "done.txt",\n    shell:\n        "touch {output}"\n'


LANDSCAPES = ["--configfile", "config/landscapes.yaml", "--replace-workflow-config"]


def cold_pipeline(arguments: Sequence[str] = ()) -> tuple[float, float, float]:
    """(cold wall, cold CPU, no-op wall) of a config (default: the default
    one) in a fresh copy."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        copy_workflow(workdir)
        cold, cpu = timed([*SNAKEMAKE, *arguments], workdir)
        noop = wall([*SNAKEMAKE, *arguments], workdir)
        return cold, cpu, noop


def one_rule_noop() -> float:
    """Snakemake's own no-op: a finished one-rule workflow."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "Snakefile").write_text(ONE_RULE)
        wall(SNAKEMAKE, workdir)
        return wall(SNAKEMAKE, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--page-epochs", type=int, default=50)
    parser.add_argument("--large-epochs", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--pipeline-only", action="store_true", help="only the import, cold and no-op figures"
    )
    parser.add_argument(
        "--landscapes",
        action="store_true",
        help="also the cold run of config/landscapes.yaml (issue 11: within 6x the import)",
    )
    args = parser.parse_args()

    def median(measure) -> float:
        return statistics.median(measure() for _ in range(args.repeats))

    scripts = str(REPO / "scripts")
    figures = {}
    if not args.pipeline_only:
        figures["page_loop_per_epoch_s"] = median(
            lambda: python(PAGE_LOOP.format(scripts=scripts, epochs=args.page_epochs))
        )
        figures["page_loop_500_epochs_s"] = figures["page_loop_per_epoch_s"] * 500
        figures["compiled_500_epochs_s"] = median(
            lambda: python(COMPILED_LOOP.format(scripts=scripts))
        )
        large = subprocess.run(
            [sys.executable, "-c", LARGE_RUN.format(scripts=scripts, epochs=args.large_epochs)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, size, memory = json.loads(large.stdout.strip().splitlines()[-1])
        figures[f"train_{args.large_epochs}_epochs_s"] = seconds
        figures["history_bytes_per_epoch"] = size / (args.large_epochs + 1)
        figures["training_memory_bytes_per_epoch"] = memory / (args.large_epochs + 1)
    # Interleaved, so that the machine's load affects the import, the pipeline
    # and Snakemake's own no-op alike; the ratios are of medians of one run.
    imports, pipelines, floors, landscapes = [], [], [], []
    for _ in range(args.repeats):
        imports.append(wall([sys.executable, "-c", "import tensorflow"]))
        pipelines.append(cold_pipeline())
        floors.append(one_rule_noop())
        if args.landscapes:
            landscapes.append(cold_pipeline(LANDSCAPES))
    figures["import_tensorflow_s"] = statistics.median(imports)
    figures["cold_pipeline_s"] = statistics.median(c for c, _, _ in pipelines)
    figures["cold_pipeline_cpu_s"] = statistics.median(u for _, u, _ in pipelines)
    figures["noop_rerun_s"] = statistics.median(n for _, _, n in pipelines)
    figures["one_rule_noop_s"] = statistics.median(floors)
    figures["cold_pipeline_over_import"] = (
        figures["cold_pipeline_s"] / figures["import_tensorflow_s"]
    )
    figures["noop_over_one_rule_noop"] = figures["noop_rerun_s"] / figures["one_rule_noop_s"]
    if landscapes:
        figures["cold_landscapes_s"] = statistics.median(c for c, _, _ in landscapes)
        figures["cold_landscapes_cpu_s"] = statistics.median(u for _, u, _ in landscapes)
        figures["cold_landscapes_over_import"] = (
            figures["cold_landscapes_s"] / figures["import_tensorflow_s"]
        )

    print(f"{'measure':<36} {'value':>12}")
    for name, value in figures.items():
        print(f"{name:<36} {value:12.3f}")
    verdicts = {
        "cold pipeline within 3x import tensorflow": figures["cold_pipeline_over_import"] <= 3,
        "no-op within 1.5x Snakemake's own": figures["noop_over_one_rule_noop"] <= 1.5,
    }
    if landscapes:
        verdicts["landscapes cold within 6x import tensorflow"] = (
            figures["cold_landscapes_over_import"] <= 6
        )
    if "compiled_500_epochs_s" in figures:
        verdicts["compiled 500 epochs < 0.5 s"] = figures["compiled_500_epochs_s"] < 0.5
    for target, met in verdicts.items():
        print(f"{'met' if met else 'MISSED':>6}  {target}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "targets": verdicts}, indent=1) + "\n")


if __name__ == "__main__":
    main()
