"""Snakemake's adapter for generate_data_<experiment>: write a `generate:` spec's samples as CSV."""

from optimizer_animations.problems.data import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
