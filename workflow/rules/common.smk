from snakemake.utils import validate

try:
    # The experiments, their runs and jobs, and the figures each gets.
    PLAN = build_plan(config)
except ConfigError as error:
    # One readable sentence instead of a traceback; Snakemake exits non-zero.
    raise WorkflowError(str(error)) from None
validate(config, str(SCHEMA_PATH))

RESULTS = config["results_dir"]
LAYOUT = PLAN.layout
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
    # A result that cannot be read is a missing one: it is rebuilt, and the
    # jobs that read it are not left to fail on it (or to trust it).
    damaged = [
        (
            "retraining its run",
            remove_damaged(
                [
                    on_disk(LAYOUT.history(experiment, label))
                    for experiment in PLAN
                    for label in PLAN[experiment].labels
                ],
                history_damage,
            ),
        ),
        (
            # Not a target: the explorer built from it stands.
            "its explorer stays as it is, and it is tuned again when the explorer is next built",
            remove_damaged(
                [
                    on_disk(
                        LAYOUT.tuning_trials(experiment, index, len(plan.tuning_chunks))
                    )
                    for experiment, plan in PLAN.experiments.items()
                    if plan.explorer and plan.tuning is not None
                    for index in range(len(plan.tuning_chunks))
                ],
                trial_table_damage,
            ),
        ),
    ]
    for experiment in PLAN.generating_data:
        data = PLAN[experiment].problem["data"]
        damaged.append(
            (
                "generating it again",
                remove_damaged(
                    [on_disk(data["csv"])],
                    partial(
                        samples_damage,
                        x_columns=data["x"],
                        y_columns=data["y"],
                        samples=data["samples"],
                    ),
                ),
            )
        )
    for then, removed in damaged:
        for path, why in removed:
            print(
                f"Removed {path}, which cannot be read ({why}): {then}.",
                file=sys.stderr,
            )


wildcard_constraints:
    experiment=SAFE_NAME,
    label=SAFE_NAME,


def histories(experiment, labels):
    return [LAYOUT.history(experiment, label) for label in labels]


def frame_paths(experiment, label):
    return [
        LAYOUT.frame(experiment, label, epoch)
        for epoch in PLAN[experiment].frame_epochs
    ]


def job_name(base, index, count):
    """`base` for a single job, `base_1`, `base_2`... when split."""
    return base if count == 1 else f"{base}_{index + 1}"


def tuning_params(experiment):
    tuning = PLAN[experiment].tuning
    return tuning.to_params() if tuning else None


def explorer_params(experiment):
    """What a job that records trials for the explorer needs to know (none
    without an explorer: those jobs' params stay as they were)."""
    plan = PLAN[experiment]
    if not plan.explorer:
        return {}
    target = plan.tuning.target if plan.tuning is not None else None
    return {"explorer_stride": plan.explorer_stride, "explorer_target": target}


def training_data(experiment):
    """The CSV file of samples that an experiment's training reads: a user's
    file as the config names it (`local`: a host's module `prefix:` does not
    move it), or the experiment's generated data.csv; none for inline samples."""
    path = data_file(PLAN[experiment].problem)
    if path is None:
        return {}
    return {"data": path if PLAN[experiment].generates_data else local(path)}


def tuning_rows(experiment):
    """Every tuning job's rows of the experiment's tuning.csv."""
    count = len(PLAN[experiment].tuning_chunks)
    return [LAYOUT.tuning_rows(experiment, i, count) for i in range(count)]


FORMATS = config["animation"]["formats"]
GIFSICLE = config["animation"]["gifsicle"]  # shrink every GIF losslessly
SCALE = config["frames"]["scale"]  # 2: every figure at twice the pixels (HiDPI)


def companions(gifs):
    """The videos and posters written beside each of `gifs` (animation.formats)."""
    return [path for gif in gifs for path in companion_paths(gif, FORMATS)]


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


def phase_map(experiment, job):
    """phase.png in the outputs of the job that draws it: a sweep's in its
    loss figures' job (`losses`, from the run table), a tuned experiment's in
    its tuning figure's (`tuning`, from tuning.csv)."""
    plan = PLAN[experiment]
    drawn_by = "losses" if plan.tuning is None else "tuning"
    return plan.paths(LAYOUT, "phase") if job == drawn_by else []


def dark(*paths):
    """The dark variants a figure job also draws: of those of `paths` that are
    published figures (see PLAN.dark)."""
    return PLAN.dark([path for group in paths for path in group])


PUBLISHED = PLAN.published_files()


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
    check_publish(config, PLAN.outputs(), RESULTS)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
