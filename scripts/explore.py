"""Snakemake's adapter for explorer_<experiment>: results/<experiment>/explorer.html."""

from optimizer_animations.site.explorer import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
