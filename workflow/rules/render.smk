# On a cluster, the quick jobs (GIFs here, loss plots below) run on the
# submitting node: each takes well under a second, less than a SLURM
# submission and its status checks cost. Training and frames go to the queue.
localrules:
    animate,
    comparison,
    summarize,


# Rendering never imports TensorFlow, so it starts in ~0.5 s; its params are
# the plot settings only, so changing them re-renders without retraining.

# The frames of a run are individual outputs whose epochs follow from the
# experiment's epochs, so this rule too is defined per job. One job draws the
# frames of up to RUNS_PER_RENDER_JOB animated runs: importing matplotlib
# (~0.4 s) costs as much as drawing a run's 21 frames.
for experiment in RUNS:
    chunks = render_chunks(experiment)
    for index, chunk in enumerate(chunks):

        rule:
            name:
                job_name(f"render_frames_{experiment}", index, len(chunks))
            input:
                histories=[history_path(experiment, label) for label in chunk],
                common=COMMON_MODULE,
                aggregate=AGGREGATE_MODULE,
            output:
                frames=[
                    path for label in chunk for path in frame_paths(experiment, label)
                ],
            log:
                f"{LOGS}/{experiment}/{job_name('render_frames', index, len(chunks))}.log",
            conda:
                CONDA_ENV
            threads: 1
            resources:
                mem_mb=500,
                runtime=5,
            params:
                frame_epochs=experiment_frame_epochs(experiment),
                ylim=config["frames"]["ylim"],
            script:
                "../../scripts/render.py"

    rule:
        name:
            f"plot_losses_{experiment}"
        input:
            histories=[history_path(experiment, label) for label in labels(experiment)],
            common=COMMON_MODULE,
            aggregate=AGGREGATE_MODULE,
        output:
            run_plots=[
                report(
                    f"{RESULTS}/{experiment}/{label}/loss.png",
                    caption=run_caption(experiment, label),
                    category=experiment,
                    subcategory=label,
                    labels={"figure": "loss curve"},
                )
                for label in animated_labels(experiment)
            ],
            experiment_plot=report(
                f"{RESULTS}/{experiment}/loss.png",
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "loss curves"},
            ),
            sensitivity=[
                report(
                    path,
                    caption=experiment_caption(experiment),
                    category=experiment,
                    subcategory="all optimizers",
                    labels={"figure": "final loss against learning rate"},
                )
                for path in experiment_plots(experiment)
                if path.endswith("sensitivity.png")
            ],
        log:
            f"{LOGS}/{experiment}/plot_losses.log",
        # ~0.5 s of work: cheaper on the submitting node than through the queue.
        localrule: True
        conda:
            CONDA_ENV
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            log_scale=config["plots"]["log_scale"],
            animated=animated_labels(experiment),
        script:
            "../../scripts/render.py"


rule summarize:
    input:
        histories=lambda wildcards: [
            history_path(wildcards.experiment, label)
            for label in labels(wildcards.experiment)
        ],
        common=COMMON_MODULE,
        aggregate=AGGREGATE_MODULE,
    output:
        summary=f"{RESULTS}/{{experiment}}/summary.csv",
    log:
        f"{LOGS}/{{experiment}}/summarize.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../../scripts/summarize.py"


rule animate:
    input:
        frames=lambda wildcards: frame_paths(wildcards.experiment, wildcards.label),
        common=COMMON_MODULE,
    output:
        gif=f"{RESULTS}/{{experiment}}/{{label}}/animation.gif",
    log:
        f"{LOGS}/{{experiment}}/{{label}}/animate.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        panels=1,
        duration_ms=config["frames"]["duration_ms"],
        hold_ms=config["frames"]["hold_ms"],
    script:
        "../../scripts/assemble_gif.py"


rule comparison:
    input:
        frames=lambda wildcards: [
            path
            for label in animated_labels(wildcards.experiment)
            for path in frame_paths(wildcards.experiment, label)
        ],
        common=COMMON_MODULE,
    output:
        gif=f"{RESULTS}/{{experiment}}/comparison.gif",
    log:
        f"{LOGS}/{{experiment}}/comparison.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        panels=lambda wildcards: len(animated_labels(wildcards.experiment)),
        duration_ms=config["frames"]["duration_ms"],
        hold_ms=config["frames"]["hold_ms"],
    script:
        "../../scripts/assemble_gif.py"
