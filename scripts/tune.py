"""Snakemake's adapter for tune_<experiment> and tuning_table_<experiment>: the trials, tuning.csv and tuned.yaml."""

from optimizer_animations.tuning.tune import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
