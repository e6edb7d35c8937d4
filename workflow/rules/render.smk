# Rendering never imports TensorFlow, so it starts in ~0.5 s; its params are
# the plot settings only, so changing them re-renders without retraining.

# The frames of a run are individual outputs whose epochs follow from the
# experiment's epochs, so this rule too is defined per job. One job draws the
# frames of up to RUNS_PER_RENDER_JOB animated runs: importing matplotlib
# (~0.4 s) costs as much as drawing a run's 21 frames.
for experiment, plan in PLAN.experiments.items():
    # A landscape has no bar charts: its animations are its trajectories.
    chunks = plan.render_chunks()
    for index, chunk in enumerate(chunks):

        rule:
            name:
                job_name(f"render_frames_{experiment}", index, len(chunks))
            input:
                histories=histories(experiment, chunk),
            output:
                frames=[
                    path for label in chunk for path in frame_paths(experiment, label)
                ],
                dark=[
                    path
                    for label in chunk
                    for path in PLAN.dark_frames(experiment, label)
                ],
            log:
                f"{LOGS}/{experiment}/{job_name('render_frames', index, len(chunks))}.log",
            # Frames and their GIFs are the longest chain after training:
            # start them before the summaries and loss plots.
            priority: 1
            conda:
                "../envs/figures.yaml"
            threads: 1
            resources:
                mem_mb=500,
                runtime=5,
            params:
                **report_safe(
                    code=code("render.py"),
                    figure="frames",
                    scale=SCALE,
                    frame_epochs=list(plan.frame_epochs),
                    ylim=config["frames"]["ylim"],
                ),
            script:
                "../../scripts/render.py"

        # The GIFs of the same runs, each with its report page: one job, as
        # process start and imports cost more than assembling a few GIFs. The
        # first job also assembles the comparison, from every run's frames.
        # ~0.5 s: on a cluster it runs on the submitting node, like the other
        # quick rules below (training and frames go to the queue).
        with_comparison = index == 0
        gif_labels = plan.animated_labels if with_comparison else chunk

        rule:
            name:
                job_name(f"animate_{experiment}", index, len(chunks))
            input:
                frames=[
                    path
                    for label in gif_labels
                    for path in frame_paths(experiment, label)
                ],
                histories=histories(experiment, gif_labels),
                dark_frames=[
                    path
                    for label in gif_labels
                    for path in PLAN.dark_frames(experiment, label)
                ],
            output:
                gifs=[LAYOUT.animation(experiment, label) for label in chunk],
                pages=[
                    report(
                        LAYOUT.animation_page(experiment, label),
                        caption=run_caption(experiment, label),
                        category=experiment,
                        subcategory=label,
                        labels={"figure": "outputs (animated)"},
                    )
                    for label in chunk
                ],
                comparison=[LAYOUT.comparison(experiment)] if with_comparison else [],
                videos=companions(
                    [LAYOUT.animation(experiment, label) for label in chunk]
                    + ([LAYOUT.comparison(experiment)] if with_comparison else [])
                ),
                comparison_page=(
                    [
                        report(
                            LAYOUT.comparison_page(experiment),
                            caption=experiment_caption(experiment),
                            category=experiment,
                            subcategory="all optimizers",
                            labels={"figure": "comparison (animated)"},
                        )
                    ]
                    if with_comparison
                    else []
                ),
                dark=dark(
                    [LAYOUT.animation(experiment, label) for label in chunk],
                    [LAYOUT.comparison(experiment)] if with_comparison else [],
                ),
            log:
                f"{LOGS}/{experiment}/{job_name('animate', index, len(chunks))}.log",
            priority: 1
            localrule: True
            conda:
                "../envs/figures.yaml"
            threads: 1
            resources:
                mem_mb=500,
                runtime=5,
            params:
                **report_safe(
                    code=code("assemble_gif.py"),
                    labels=gif_labels,
                    animations=chunk,
                    comparison=with_comparison,
                    frame_epochs=list(plan.frame_epochs),
                    duration_ms=config["frames"]["duration_ms"],
                    hold_ms=config["frames"]["hold_ms"],
                    formats=FORMATS,
                    gifsicle=GIFSICLE,
                ),
            script:
                "../../scripts/assemble_gif.py"

    rule:
        name:
            f"plot_losses_{experiment}"
        input:
            run_table=LAYOUT.run_table(experiment),
        output:
            run_plots=[
                report(
                    LAYOUT.run_loss_plot(experiment, label),
                    caption=run_caption(experiment, label),
                    category=experiment,
                    subcategory=label,
                    labels={"figure": "loss curve"},
                )
                for label in plan.run_loss_plots
            ],
            experiment_plot=report(
                LAYOUT.loss_plot(experiment),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "loss curves"},
            ),
            sensitivity=(
                [
                    report(
                        LAYOUT.sensitivity(experiment),
                        caption=experiment_caption(experiment),
                        category=experiment,
                        subcategory="all optimizers",
                        labels={"figure": "final loss against a grid argument"},
                    )
                ]
                if plan.sensitivity
                else []
            ),
            phase=phase_map(experiment, "losses"),
            learning_rate=plan.paths(LAYOUT, "learning_rate"),
            dark=dark(
                [
                    LAYOUT.run_loss_plot(experiment, label)
                    for label in plan.run_loss_plots
                ],
                [LAYOUT.loss_plot(experiment)],
                [LAYOUT.sensitivity(experiment)] if plan.sensitivity else [],
                phase_map(experiment, "losses"),
                plan.paths(LAYOUT, "learning_rate"),
            ),
        log:
            f"{LOGS}/{experiment}/plot_losses.log",
        # ~0.5 s of work: cheaper on the submitting node than through the queue.
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            **report_safe(
                code=code("render.py"),
                figure="losses",
                scale=SCALE,
                # A landscape's f spans decades or goes negative: chosen from the values.
                log_scale=None if plan.landscape else config["plots"]["log_scale"],
                animated=plan.run_loss_plots,
                sensitivity=plan.sensitivity,
                phase=list(plan.phase) if phase_map(experiment, "losses") else None,
            ),
        script:
            "../../scripts/render.py"

    # The experiment's run table, summary and report captions: the only job
    # that reads all of its histories.
    rule:
        name:
            f"summarize_{experiment}"
        input:
            histories=histories(experiment, plan.labels),
        output:
            summary=LAYOUT.summary(experiment),
            run_table=LAYOUT.run_table(experiment),
            caption=LAYOUT.caption(experiment),
            run_captions=[
                LAYOUT.run_caption(experiment, label) for label in plan.run_loss_plots
            ],
        log:
            f"{LOGS}/{experiment}/summarize.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            **report_safe(
                code=code("summarize.py"),
                experiment=experiment,
                animated=plan.animated_labels,
            ),
        script:
            "../../scripts/summarize.py"
