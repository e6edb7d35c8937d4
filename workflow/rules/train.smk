# A `generate:` spec's samples, written once per experiment that trains on
# them, so that they can be inspected and published; no TensorFlow.
for experiment in PLAN.generating_data:

    rule:
        name:
            f"generate_data_{experiment}"
        output:
            data=data_file(PLAN[experiment].problem),
        log:
            f"{LOGS}/{experiment}/generate_data.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            **report_safe(
                code=code("generate_data.py"),
                generate=PLAN[experiment].generator,
            ),
        script:
            "../../scripts/generate_data.py"


# One training job per experiment: importing TensorFlow costs ~3 s of CPU, far
# more than training all of an experiment's runs (~0.1 s per graph), and
# retraining one experiment must leave the others' outputs untouched. A sweep
# can split its runs into jobs of `runs_per_job` (so that a cluster spreads
# them). The outputs depend on the config, so the rule is defined per job.
for experiment in PLAN.trained:
    chunks = PLAN[experiment].training_chunks
    for index, chunk in enumerate(chunks):

        rule:
            name:
                job_name(f"train_{experiment}", index, len(chunks))
            input:
                **training_data(experiment),
            output:
                histories=histories(experiment, [run.label for run in chunk]),
            log:
                f"{LOGS}/{experiment}/{job_name('train', index, len(chunks))}.log",
            # The pinned stack; the figure rules need a smaller one.
            conda:
                "../../environment.yml"
            threads: 1
            resources:
                mem_mb=1500,
                runtime=10,
            params:
                **report_safe(
                    code=code("train.py"),
                    experiment=experiment,
                    epochs=PLAN[experiment].epochs,
                    problem=PLAN[experiment].problem,
                    runs=[run.to_params() for run in chunk],
                    state=PLAN[experiment].records_state,
                ),
            script:
                "../../scripts/train.py"


# A tuned experiment's trials: every optimizer entry at every grid learning
# rate from every tuning seed, in one job per `tune.optimizers_per_job`
# entries (like training, TensorFlow costs more to import than the trials).
# A job chooses its entries' rates and writes their chosen trials as the
# experiment's runs; no history file per trial.
for experiment in PLAN.tuned:
    chunks = PLAN[experiment].tuning_chunks
    for index, chunk in enumerate(chunks):

        rule:
            name:
                job_name(f"tune_{experiment}", index, len(chunks))
            input:
                **training_data(experiment),
            output:
                rows=LAYOUT.tuning_rows(experiment, index, len(chunks)),
                histories=histories(experiment, [run.label for run in chunk]),
                # Every trial's path, for the explorer: only where it is asked for.
                trials=(
                    [LAYOUT.tuning_trials(experiment, index, len(chunks))]
                    if PLAN[experiment].explorer
                    else []
                ),
            log:
                f"{LOGS}/{experiment}/{job_name('tune', index, len(chunks))}.log",
            conda:
                "../../environment.yml"
            threads: 1
            resources:
                mem_mb=2000,
                runtime=30,
            params:
                **report_safe(
                    **explorer_params(experiment),
                    code=code("tune.py"),
                    step="trials",
                    experiment=experiment,
                    epochs=PLAN[experiment].epochs,
                    problem=PLAN[experiment].problem,
                    runs=[run.to_params() for run in chunk],
                    state=PLAN[experiment].records_state,
                    tuning=tuning_params(experiment),
                ),
            script:
                "../../scripts/tune.py"


for experiment in PLAN.tuned:

    rule:
        name:
            f"tuning_table_{experiment}"
        input:
            rows=tuning_rows(experiment),
        output:
            tuning=LAYOUT.tuning(experiment),
            tuned=LAYOUT.tuned(experiment),
        log:
            f"{LOGS}/{experiment}/tuning_table.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            **report_safe(
                code=code("tune.py"),
                step="table",
                experiment=experiment,
                runs=[run.to_params() for run in PLAN[experiment].runs],
                tuning=tuning_params(experiment),
                record=PLAN[experiment].tune_record,
            ),
        script:
            "../../scripts/tune.py"

    rule:
        name:
            f"plot_tuning_{experiment}"
        input:
            tuning=LAYOUT.tuning(experiment),
            tuned=LAYOUT.tuned(experiment),
        output:
            sensitivity=report(
                LAYOUT.sensitivity(experiment),
                caption=experiment_caption(experiment),
                category=experiment,
                subcategory="all optimizers",
                labels={"figure": "tuning: objective against learning rate"},
            ),
            phase=phase_map(experiment, "tuning"),
            dark=dark([LAYOUT.sensitivity(experiment)], phase_map(experiment, "tuning")),
        log:
            f"{LOGS}/{experiment}/plot_tuning.log",
        localrule: True
        conda:
            "../envs/figures.yaml"
        threads: 1
        resources:
            mem_mb=500,
            runtime=5,
        params:
            **report_safe(
                code=code("render.py"),
                figure="tuning",
                scale=SCALE,
                tuning=tuning_params(experiment),
                phase=list(PLAN[experiment].phase or ()) or None,
            ),
        script:
            "../../scripts/render.py"
