"""Snakemake's adapter for docs: publish, then build the Sphinx site."""

from optimizer_animations.site.build import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
