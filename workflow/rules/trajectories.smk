# Every animated run's path over a contour of the loss: the page's model in a
# plane of its weight space, a landscape's optimizers on the function itself.
# From the histories alone (the problem is rebuilt from their `meta`), without
# TensorFlow; the plot settings are params, so changing them retrains nothing.
for experiment, plan in PLAN.experiments.items():
    if not plan.trajectories:
        continue
    draws_landscape = plan.landscape

    rule:
        name:
            f"draw_trajectories_{experiment}"
        input:
            histories=histories(experiment, plan.trajectory_labels),
        output:
            gif=LAYOUT.trajectory(experiment, draws_landscape, "gif"),
            png=report(
                LAYOUT.trajectory(experiment, draws_landscape, "png"),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "paths"},
            ),
            panels=[LAYOUT.panels(experiment)] if draws_landscape else [],
            batch_sizes=plan.paths(LAYOUT, "batch_sizes"),
            gradients=plan.paths(LAYOUT, "gradients"),
            surface=plan.paths(LAYOUT, "surface"),
            surface_png=[LAYOUT.surface(experiment, "png")] if draws_landscape else [],
            anatomy=plan.paths(LAYOUT, "anatomy"),
            step_sizes=plan.paths(LAYOUT, "step_sizes"),
            videos=companions(plan.paths(LAYOUT, "trajectory", "panels", "surface")),
            dark=dark(
                plan.paths(
                    LAYOUT,
                    *("trajectory", "panels", "batch_sizes", "gradients"),
                    *("surface", "anatomy", "step_sizes"),
                )
            ),
            page=report(
                LAYOUT.trajectory(experiment, draws_landscape, "html"),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "paths (animated)"},
            ),
        log:
            f"{LOGS}/{experiment}/draw_trajectories.log",
        priority: 1
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            **report_safe(
                code=code("trajectories.py"),
                experiment=experiment,
                scale=SCALE,
                frame_epochs=list(plan.frame_epochs),
                duration_ms=config["frames"]["duration_ms"],
                hold_ms=config["frames"]["hold_ms"],
                axes=plan.trajectory_axes,
                families=plan.families,
                bold=plan.animated_labels if plan.seed_cloud else None,
                vectors=list(plan.vectors),
                anatomy_step=plan.anatomy_step,
                formats=FORMATS,
                gifsicle=GIFSICLE,
            ),
        script:
            "../../scripts/trajectories.py"
