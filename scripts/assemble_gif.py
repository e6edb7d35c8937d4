"""Snakemake's adapter for animate_<experiment>: GIFs, videos, posters and their pages."""

from optimizer_animations.export.assemble import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
