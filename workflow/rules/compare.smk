# The standard figures of a tuned comparison (scripts/comparison.py): each
# tuned experiment's time to target, drawn from its chosen runs, and the
# performance profile across the tuned experiments, from their trial tables.
for experiment, plan in PLAN.experiments.items():
    if not plan.has_time_target:
        continue

    rule:
        name:
            f"plot_time_to_target_{experiment}"
        input:
            run_table=LAYOUT.run_table(experiment),
        output:
            figure=report(
                LAYOUT.time_to_target(experiment),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "tuning: time to target"},
            ),
            dark=dark([LAYOUT.time_to_target(experiment)]),
        log:
            f"{LOGS}/{experiment}/plot_time_to_target.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            **report_safe(
                code=code("comparison.py"),
                figure="time_to_target",
                scale=SCALE,
                problem=plan.problem,
                tuning=tuning_params(experiment),
            ),
        script:
            "../../scripts/comparison.py"


if PLAN.profiled:

    rule profile:
        input:
            tuning=[LAYOUT.tuning(experiment) for experiment in PLAN.profiled],
        output:
            figure=report(
                LAYOUT.profile(),
                caption="../report/profile.rst",
                category="comparison",
                labels={"figure": "performance profile"},
            ),
            dark=dark([LAYOUT.profile()]),
        log:
            f"{LOGS}/profile.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            **report_safe(
                code=code("comparison.py"),
                figure="profile",
                scale=SCALE,
                experiments=list(PLAN.profiled),
            ),
        script:
            "../../scripts/comparison.py"
