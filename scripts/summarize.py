"""Snakemake's adapter for summarize_<experiment>: runs.npz, summary.csv, the report captions."""

from optimizer_animations.records.summarize import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
