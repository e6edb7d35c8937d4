# An experiment's explorer: every run of its grid (or every tuning trial) on
# one static page. A sweep's comes from its runs' histories, a tuned
# experiment's from the trials its tuning jobs recorded.


def explorer_inputs(experiment):
    plan = PLAN[experiment]
    if plan.tuning is not None:
        count = len(plan.tuning_chunks)
        return {
            "trials": [
                LAYOUT.tuning_trials(experiment, i, count) for i in range(count)
            ],
            "tuned": LAYOUT.tuned(experiment),
        }
    return {"histories": histories(experiment, plan.labels)}


for experiment, plan in PLAN.experiments.items():
    if not plan.explorer:
        continue

    rule:
        name:
            f"explorer_{experiment}"
        input:
            **explorer_inputs(experiment),
            **training_data(experiment),
        output:
            explorer=report(
                LAYOUT.explorer(experiment),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "explorer (interactive)"},
            ),
        log:
            f"{LOGS}/{experiment}/explorer.log",
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            **report_safe(
                **explorer_params(experiment),
                code=code("explore.py"),
                experiment=experiment,
                problem=plan.problem,
                families=plan.entries,
            ),
        script:
            "../../scripts/explore.py"
