from snakemake.utils import validate

try:
    check_config(config)
except ConfigError as error:
    # One readable sentence instead of a traceback; Snakemake exits non-zero.
    raise WorkflowError(str(error)) from None
validate(config, str(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"))

RUNS = experiment_runs(config)
RESULTS = "results"
LOGS = "logs"
# Shared modules are inputs of the rules that import them, so that editing one
# reruns exactly those rules.
COMMON_MODULE = str(SCRIPTS / "common.py")
# With --software-deployment-method conda, every job gets the pinned stack.
CONDA_ENV = str(Path(workflow.basedir) / "environment.yml")
SAFE_NAME = "[A-Za-z0-9][A-Za-z0-9_.+-]*"


wildcard_constraints:
    experiment=SAFE_NAME,
    label=SAFE_NAME,


def labels(experiment):
    return [run.label for run in RUNS[experiment]]


def history_path(experiment, label):
    return f"{RESULTS}/{experiment}/{label}/history.npz"


def experiment_frame_epochs(experiment):
    epochs = config["experiments"][experiment]["epochs"]
    return frame_epochs(epochs, config["frames"]["every"])


def frame_paths(experiment, label):
    return [
        f"{RESULTS}/{experiment}/{label}/frames/pred{epoch:03d}.png"
        for epoch in experiment_frame_epochs(experiment)
    ]


def all_figures():
    """Histories, frames, GIFs and loss plots of every experiment."""
    outputs = []
    for experiment in RUNS:
        outputs += [
            f"{RESULTS}/{experiment}/loss.png",
            f"{RESULTS}/{experiment}/comparison.gif",
        ]
        for label in labels(experiment):
            outputs += [
                history_path(experiment, label),
                f"{RESULTS}/{experiment}/{label}/loss.png",
                f"{RESULTS}/{experiment}/{label}/animation.gif",
            ]
            outputs += frame_paths(experiment, label)
    return outputs


def all_outputs():
    # The gallery job also writes the GIF pages and the report captions.
    return all_figures() + [f"{RESULTS}/index.html"]


def run_caption(experiment, label):
    # Written by the gallery rule; read only by `snakemake --report`.
    return str(Path(f"{RESULTS}/{experiment}/{label}/caption.rst").resolve())


def experiment_caption(experiment):
    return str(Path(f"{RESULTS}/{experiment}/caption.rst").resolve())


def published_files():
    return config.get("publish", {}).get("files", {})


try:
    check_publish(config, all_figures(), RESULTS)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
