from snakemake.utils import validate

from common import remove_partial_outputs

try:
    RUNS = check_config(config)
except ConfigError as error:
    # One readable sentence instead of a traceback; Snakemake exits non-zero.
    raise WorkflowError(str(error)) from None
validate(config, str(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"))

# The runs that get frames, GIFs and their own loss plot, and the runs of each
# training job.
ANIMATED = {e: animated_runs(config, e, runs) for e, runs in RUNS.items()}
TRAINING_CHUNKS = {e: training_chunks(config, e, runs) for e, runs in RUNS.items()}
# At most this many runs' frames per rendering job, so that a sweep's
# animations spread over the cores; the default config's three fit in one.
RUNS_PER_RENDER_JOB = 8
RESULTS = "results"
LOGS = "logs"
# Shared modules are inputs of the rules that import them, so that editing one
# reruns exactly those rules.
COMMON_MODULE = str(SCRIPTS / "common.py")
AGGREGATE_MODULE = str(SCRIPTS / "aggregate.py")  # imported by render.py too
PAGES_MODULE = str(SCRIPTS / "pages.py")
# With --software-deployment-method conda, every job gets the pinned stack.
CONDA_ENV = str(Path(workflow.basedir) / "environment.yml")
SAFE_NAME = "[A-Za-z0-9][A-Za-z0-9_.+-]*"


wildcard_constraints:
    experiment=SAFE_NAME,
    label=SAFE_NAME,


def labels(experiment):
    return [run.label for run in RUNS[experiment]]


def animated_labels(experiment):
    return [run.label for run in ANIMATED[experiment]]


def job_name(base, index, count):
    """`base` for a single job, `base_1`, `base_2`... when split."""
    return base if count == 1 else f"{base}_{index + 1}"


def render_chunks(experiment):
    names = animated_labels(experiment)
    return [
        names[i : i + RUNS_PER_RENDER_JOB]
        for i in range(0, len(names), RUNS_PER_RENDER_JOB)
    ]


def has_learning_rate_grid(experiment):
    return any(
        isinstance(entry, dict) and "learning_rate" in entry.get("grid", {})
        for entry in config["experiments"][experiment]["optimizers"]
    )


def experiment_plots(experiment):
    """Aggregate figures and tables of an experiment, made from all its runs."""
    plots = [f"{RESULTS}/{experiment}/loss.png", f"{RESULTS}/{experiment}/summary.csv"]
    if has_learning_rate_grid(experiment):
        plots.append(f"{RESULTS}/{experiment}/sensitivity.png")
    return plots


def history_path(experiment, label):
    return f"{RESULTS}/{experiment}/{label}/history.npz"


def animation_path(experiment, label):
    return f"{RESULTS}/{experiment}/{label}/animation.gif"


def animation_page(experiment, label):
    return f"{RESULTS}/{experiment}/{label}/animation.html"


def comparison_path(experiment):
    return f"{RESULTS}/{experiment}/comparison.gif"


def comparison_page(experiment):
    return f"{RESULTS}/{experiment}/comparison.html"


def run_caption_file(experiment, label):
    return f"{RESULTS}/{experiment}/{label}/caption.rst"


def experiment_caption_file(experiment):
    return f"{RESULTS}/{experiment}/caption.rst"


def experiment_frame_epochs(experiment):
    epochs = config["experiments"][experiment]["epochs"]
    return frame_epochs(epochs, config["frames"]["every"])


def frame_paths(experiment, label):
    return [
        f"{RESULTS}/{experiment}/{label}/frames/pred{epoch:03d}.png"
        for epoch in experiment_frame_epochs(experiment)
    ]


def all_figures():
    """Histories of every run; frames, GIFs and loss plots of the animated ones;
    the aggregate plots and summary of every experiment."""
    outputs = []
    for experiment in RUNS:
        outputs += experiment_plots(experiment)
        outputs.append(comparison_path(experiment))
        outputs += [history_path(experiment, label) for label in labels(experiment)]
        for label in animated_labels(experiment):
            outputs += [
                f"{RESULTS}/{experiment}/{label}/loss.png",
                animation_path(experiment, label),
            ]
            outputs += frame_paths(experiment, label)
    return outputs


def experiment_pages(experiment):
    """The report's GIF pages and the captions of an experiment's figures."""
    return [
        comparison_page(experiment),
        experiment_caption_file(experiment),
        *[animation_page(experiment, label) for label in animated_labels(experiment)],
        *[run_caption_file(experiment, label) for label in animated_labels(experiment)],
    ]


def all_outputs():
    pages = [path for experiment in RUNS for path in experiment_pages(experiment)]
    return all_figures() + pages + [f"{RESULTS}/index.html"]


def run_caption(experiment, label):
    # Written by the summarize rule; read only by `snakemake --report`.
    return str(Path(run_caption_file(experiment, label)).resolve())


def experiment_caption(experiment):
    return str(Path(experiment_caption_file(experiment)).resolve())


def published_files():
    return config.get("publish", {}).get("files", {})


try:
    check_publish(config, all_figures(), RESULTS)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
