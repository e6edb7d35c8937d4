"""Snakemake's adapter for train_<experiment>: train every run of a job, write each history.npz."""

from optimizer_animations.training.train import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
