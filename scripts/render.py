"""Snakemake's adapter for render_frames_, plot_losses_ and plot_tuning_<experiment>: frames, loss and sensitivity plots."""

from optimizer_animations.figures.render import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
