# The docs repository's own Sphinx site: one page that shows the figures
# `snakemake --cores 4 oa_docs` publishes into images/ and then builds (into
# figures/results/site/, with warnings as errors).
project = "Optimizers, explained"
extensions = ["myst_parser", "optimizer_animations.site.sphinx"]
# Every figure a page shows must be one that `publish:` wrote under images/.
animation_published_dirs = ["images"]
numfig = True
exclude_patterns = ["_build"]
html_copy_source = False
html_show_sourcelink = False
