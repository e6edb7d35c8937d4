"""Snakemake's adapter for plot_time_to_target_<experiment> and profile."""

from optimizer_animations.figures.comparison import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
