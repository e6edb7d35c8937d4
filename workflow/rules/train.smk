# One training job per experiment: importing TensorFlow costs ~2.5 s of CPU,
# far more than training all of an experiment's optimizers (~0.1 s each), and
# retraining one experiment must leave the others' outputs untouched. The
# outputs depend on the config, so the rule is defined once per experiment.
for experiment, runs in RUNS.items():

    rule:
        name:
            f"train_{experiment}"
        input:
            common=COMMON_MODULE,
        output:
            histories=[history_path(experiment, run.label) for run in runs],
        log:
            f"{LOGS}/{experiment}/train.log",
        conda:
            CONDA_ENV
        threads: 1
        resources:
            mem_mb=1500,
            runtime=10,
        params:
            experiment=experiment,
            epochs=config["experiments"][experiment]["epochs"],
            use_bias=config["experiments"][experiment]["use_bias"],
            runs=[run.to_params() for run in runs],
            init=config["init"],
            data=config["data"],
        script:
            "../../scripts/train.py"
