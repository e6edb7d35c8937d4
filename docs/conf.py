"""The documentation site: `snakemake --cores 4 docs` publishes the figures
(`publish:`) and builds it into results/site/ with `sphinx-build -W`.

Every figure on a page is a file that a config's `publish:` wrote under
images/: the default config's at the top, config/landscapes.yaml's in
images/landscapes/, config/tuned.yaml's in images/tuned/.
"""

from optimizer_animations import __version__

project = "optimizer-animations"
# The package's version (pyproject.toml), the one place it is written.
release = version = __version__
# No year: the same sources build the same bytes in any year.
copyright = "the optimizer-animations authors"

# The package's Sphinx extension: the `animation` directive.
extensions = ["myst_parser", "optimizer_animations.site.sphinx"]
myst_enable_extensions = ["colon_fence"]
# Only the published figures count: the extension warns (an error under -W)
# about a figure outside these folders, or one that is missing.
animation_published_dirs = ["images"]

exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"optimizer-animations {release}"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_copy_source = False
html_show_sourcelink = False
