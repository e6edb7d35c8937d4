"""Snakemake's adapter for draw_trajectories_<experiment>: the paths figures."""

from optimizer_animations.figures.trajectories import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
