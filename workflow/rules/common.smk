from snakemake.utils import validate

try:
    RUNS = check_config(config)
    check_tools(config)
except ConfigError as error:
    # One readable sentence instead of a traceback; Snakemake exits non-zero.
    raise WorkflowError(str(error)) from None
validate(config, str(SCHEMA_PATH))

# The runs that get frames, GIFs and their own loss plot, and the runs of each
# training job.
ANIMATED = {e: animated_runs(config, e, runs) for e, runs in RUNS.items()}
# A tuned experiment's runs are its chosen trials: its tuning jobs write them.
TRAINING_CHUNKS = {
    e: training_chunks(config, e, runs)
    for e, runs in RUNS.items()
    if not experiment_tuning(config["experiments"][e])
}
TUNING_CHUNKS = {
    e: tuning_chunks(config, e, runs)
    for e, runs in RUNS.items()
    if experiment_tuning(config["experiments"][e])
}
# At most this many runs' frames per rendering job, so that a sweep's
# animations spread over the cores; the default config's three fit in one.
RUNS_PER_RENDER_JOB = 8
RESULTS = config["results_dir"]
LAYOUT = Layout(RESULTS)
LOGS = "logs"


def code(script):
    """Digests of the package modules that the adapter `script` reaches, for
    its rules' params: editing a module reruns exactly the rules whose code
    imports it, and a moved checkout reruns nothing."""
    return code_digests(
        Path(workflow.source_path(f"../../scripts/{script}")).read_text(
            encoding="utf-8"
        )
    )


SAFE_NAME = "[A-Za-z0-9][A-Za-z0-9_.+-]*"


def on_disk(path):
    """`path` where Snakemake reads and writes it: after a host workflow's
    module `prefix:`, which Snakemake applies to inputs, outputs and logs only
    (not to paths that Python code here opens)."""
    return workflow.modifier.path_modifier.replace_prefix(path)


# Temporary files of jobs killed in an earlier run (see optimizer_animations/files.py): at
# parse time rather than in `onstart`, which a host workflow never runs for a
# module. Only files whose writer on this machine is gone; not inside a job.
if workflow.exec_mode.name == "DEFAULT":
    remove_partial_outputs(on_disk(RESULTS))
    # A history that cannot be read is a missing one: its run is retrained,
    # and the jobs that read it are not left to fail on it.
    for path, why in remove_damaged_histories(
        [
            on_disk(LAYOUT.history(e, run.label))
            for e, runs in RUNS.items()
            for run in runs
        ]
    ):
        print(
            f"Removed {path}, which cannot be read ({why}): retraining its run.",
            file=sys.stderr,
        )


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


def experiment_sensitivity(experiment):
    """The grid argument of the experiment's sensitivity plot, or None."""
    return sensitivity_argument(config["experiments"][experiment])


# Each experiment's `tune:` section, checked (None: not tuned).
TUNING = {e: experiment_tuning(config["experiments"][e]) for e in RUNS}


def tuning_params(experiment):
    tuning = TUNING[experiment]
    return tuning.to_params() if tuning else None


def tuning_rows(experiment):
    """Every tuning job's rows of the experiment's tuning.csv."""
    count = len(TUNING_CHUNKS[experiment])
    return [LAYOUT.tuning_rows(experiment, i, count) for i in range(count)]


def tune_record(experiment):
    """The tune section that tuned.yaml's entries record (not how it was split)."""
    tune = config["experiments"][experiment]["tune"]
    return {key: value for key, value in tune.items() if key != "optimizers_per_job"}


# What each tuned experiment's time_to_target.png counts the time to (none: no
# figure), and the experiments of the performance profile (none: fewer than two).
TIME_TARGETS = {
    e: target
    for e in TUNING_CHUNKS
    if (
        target := time_target(
            build_problem(problem_spec(config, e)), TUNING[e].to_params()
        )
    )
    is not None
}
PROFILED = list(TUNING_CHUNKS) if len(TUNING_CHUNKS) >= 2 else []


def tuning_outputs(experiment):
    if not TUNING[experiment]:
        return []
    outputs = [
        LAYOUT.tuning(experiment),
        LAYOUT.tuned(experiment),
        LAYOUT.sensitivity(experiment),
    ]
    if experiment in TIME_TARGETS:
        outputs.append(LAYOUT.time_to_target(experiment))
    return outputs


def landscape(experiment):
    """Whether the experiment descends a 2-D function instead of training the page's model."""
    return is_landscape(config["experiments"][experiment])


# A trajectory figure draws two parameters at least: not the page's model
# with a single weight.
TRAJECTORIES = [
    experiment
    for experiment in RUNS
    if build_problem(problem_spec(config, experiment)).parameter_count >= 2
]


def run_loss_plots(experiment):
    """The runs with their own loss plot and caption: the page's animated runs
    (a landscape's runs share one figure)."""
    return [] if landscape(experiment) else animated_labels(experiment)


FORMATS = config["animation"]["formats"]
GIFSICLE = config["animation"]["gifsicle"]  # shrink every GIF losslessly
SCALE = config["frames"]["scale"]  # 2: every figure at twice the pixels (HiDPI)


def companions(gifs):
    """The videos and posters written beside each of `gifs` (animation.formats)."""
    return [path for gif in gifs for path in companion_paths(gif, FORMATS)]


def trajectory_animations(experiment):
    """The experiment's trajectory GIFs: the paths, and a landscape's panels."""
    if experiment not in TRAJECTORIES:
        return []
    draws_landscape = landscape(experiment)
    gifs = [LAYOUT.trajectory(experiment, draws_landscape, "gif")]
    return gifs + ([LAYOUT.panels(experiment)] if draws_landscape else [])


def trajectory_figures(experiment):
    """The paths figures: `trajectory.{gif,png}` of the page's model, or a
    landscape's `trajectories.{gif,png}` and `panels.gif`."""
    if experiment not in TRAJECTORIES:
        return []
    gifs = trajectory_animations(experiment)
    png = LAYOUT.trajectory(experiment, landscape(experiment), "png")
    return [gifs[0], png, *gifs[1:], *companions(gifs)]


def trajectory_pages(experiment):
    if experiment not in TRAJECTORIES:
        return []
    return [LAYOUT.trajectory(experiment, landscape(experiment), "html")]


def experiment_plots(experiment):
    """Aggregate figures and tables of an experiment, made from all its runs."""
    plots = [
        LAYOUT.loss_plot(experiment),
        LAYOUT.summary(experiment),
        LAYOUT.run_table(experiment),
    ]
    if experiment_sensitivity(experiment):
        plots.append(LAYOUT.sensitivity(experiment))
    return plots


def histories(experiment, labels):
    return [LAYOUT.history(experiment, label) for label in labels]


def experiment_frame_epochs(experiment):
    epochs = config["experiments"][experiment]["epochs"]
    return frame_epochs(epochs, config["frames"]["every"])


def frame_paths(experiment, label):
    return [
        LAYOUT.frame(experiment, label, epoch)
        for epoch in experiment_frame_epochs(experiment)
    ]


def all_figures():
    """Histories of every run; frames, GIFs and loss plots of the animated ones;
    the aggregate plots and summary of every experiment."""
    outputs = []
    for experiment in RUNS:
        outputs += experiment_plots(experiment)
        outputs += histories(experiment, labels(experiment))
        outputs += trajectory_figures(experiment)
        outputs += tuning_outputs(experiment)
        if landscape(experiment):
            continue  # no bar charts: its animations are the trajectories
        outputs.append(LAYOUT.comparison(experiment))
        outputs += companions([LAYOUT.comparison(experiment)])
        for label in animated_labels(experiment):
            outputs += [
                LAYOUT.run_loss_plot(experiment, label),
                LAYOUT.animation(experiment, label),
                *companions([LAYOUT.animation(experiment, label)]),
            ]
            outputs += frame_paths(experiment, label)
    return outputs


def experiment_pages(experiment):
    """The report's GIF pages and the captions of an experiment's figures."""
    if landscape(experiment):
        return [LAYOUT.caption(experiment), *trajectory_pages(experiment)]
    return [
        *trajectory_pages(experiment),
        LAYOUT.comparison_page(experiment),
        LAYOUT.caption(experiment),
        *[
            LAYOUT.animation_page(experiment, label)
            for label in animated_labels(experiment)
        ],
        *[
            LAYOUT.run_caption(experiment, label)
            for label in run_loss_plots(experiment)
        ],
    ]


def all_outputs():
    pages = [path for experiment in RUNS for path in experiment_pages(experiment)]
    profile = [LAYOUT.profile()] if PROFILED else []
    return all_figures() + pages + profile + [LAYOUT.index()]


def caption_path(path):
    """A caption written as a result, for `report()`: absolute (a relative one
    would be read from this rules file's folder), where the job writes it."""
    return str(Path(on_disk(path)).resolve())


def run_caption(experiment, label):
    # Written by the summarize rule; read only by `snakemake --report`.
    return caption_path(LAYOUT.run_caption(experiment, label))


def experiment_caption(experiment):
    return caption_path(LAYOUT.caption(experiment))


PUBLISH_DIR = config.get("publish", {}).get("dir", "docs/images")
# The documentation site's sources (Sphinx), relative to the working folder:
# a host workflow's own docs/ when it imports this one as a module.
SITE_SOURCE = "docs"


def published_files():
    """Published name -> result; an animation's GIF brings its videos and
    poster (animation.formats) under the same name."""
    files = {}
    for name, source in config.get("publish", {}).get("files", {}).items():
        files[name] = source
        if source.endswith(".gif"):
            files.update(
                zip(companion_paths(name, FORMATS), companion_paths(source, FORMATS))
            )
    return files


PUBLISHED = published_files()


def site_sources():
    """The site's own files: pages, conf.py, its extension, and the figures
    other configs published; not the files this config publishes into it.
    Absolute, so that a host's module `prefix:` does not move them."""
    published = {Path(PUBLISH_DIR, name) for name in PUBLISHED}
    return sorted(
        str(path.resolve())
        for path in Path(SITE_SOURCE).rglob("*")
        if path.is_file()
        and path not in published
        and not {"_build", "__pycache__"} & set(path.parts)
    )


try:
    check_publish(config, all_outputs(), RESULTS)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
