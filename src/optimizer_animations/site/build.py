"""The documentation site: this config's figures published into the docs
tree (`publish:`), then `sphinx-build -W` of that tree into results/site/.

Sphinx's warnings are errors, so a page that shows a missing or unpublished
figure fails the build with Sphinx's message naming the page and the file.
"""

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from optimizer_animations.files import atomic_output
from optimizer_animations.site.publish import publish_report

# Warnings are errors; --keep-going reports all of them before failing; -E
# reads every page afresh, so that the same sources build the same bytes.
SPHINX = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html"]


class SiteError(Exception):
    """sphinx-build failed; the message carries its warnings."""


def build_site(source: str | Path, destination: str | Path) -> str:
    """Build the Sphinx site in `source` into `destination`; Sphinx's output."""
    # The doctrees are a cache for incremental builds: not part of the site.
    with tempfile.TemporaryDirectory() as doctrees:
        result = subprocess.run(
            [*SPHINX, "-d", doctrees, str(source), str(destination)],
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise SiteError(
            f"sphinx-build -W found problems in {source}/ (warnings count as errors):\n"
            f"{result.stderr.strip()}"
        )
    return result.stdout + result.stderr


def main(smk: Any) -> None:
    lines = publish_report(smk.params.names, smk.input.published, smk.params.dir)
    print("\n".join(lines), flush=True)
    try:
        lines.append(build_site(smk.params.source, smk.output[0]))
    except SiteError as error:
        lines.append(str(error))
        raise
    finally:
        with atomic_output(smk.log[0]) as tmp:
            tmp.write_text("\n".join(lines) + "\n")
    print(f"Site: {Path(smk.output[0]).resolve() / 'index.html'}", file=sys.stderr)
