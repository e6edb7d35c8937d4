"""Snakemake's adapter for publish: copy results into the docs tree."""

from optimizer_animations.site.publish import main

main(snakemake)  # noqa: F821 (injected by Snakemake's script: directive)
