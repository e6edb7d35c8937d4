"""Snakemake's adapter for gallery: results/index.html."""

from optimizer_animations.site.gallery import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
