# One training job per experiment: importing TensorFlow costs ~3 s of CPU, far
# more than training all of an experiment's runs (~0.1 s per graph), and
# retraining one experiment must leave the others' outputs untouched. A sweep
# can split its runs into jobs of `runs_per_job` (so that a cluster spreads
# them). The outputs depend on the config, so the rule is defined per job.
for experiment, chunks in TRAINING_CHUNKS.items():
    for index, chunk in enumerate(chunks):

        rule:
            name:
                job_name(f"train_{experiment}", index, len(chunks))
            input:
                common=COMMON_MODULE,
                problems=[PROBLEMS_MODULE, FUNCTIONS_MODULE],
                optimizer_table=[
                    str(SCRIPTS / "keras_optimizers.py"),
                    str(SCRIPTS / "keras_optimizers.json"),
                ],
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
                experiment=experiment,
                epochs=config["experiments"][experiment]["epochs"],
                problem=problem_spec(config, experiment),
                runs=[run.to_params() for run in chunk],
            script:
                "../../scripts/train.py"
