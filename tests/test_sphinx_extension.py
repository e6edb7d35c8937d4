"""Issue 21: the `animation` directive in any Sphinx project.

A throwaway project outside this repository, with pages in reStructuredText
and MyST Markdown, builds with `-W` to HTML and to LaTeX (no TeX needed to
write the .tex); bad input is a warning naming the page and the line. Sphinx
runs in a fresh venv holding Sphinx, MyST and the package without its
dependencies: the extension needs nothing of the workflow's stack.
"""

import html
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from conftest import fresh_venv, pinned
from optimizer_animations.export.writers import Timing, write_animation

CONF = """
extensions = ["myst_parser", "optimizer_animations.site.sphinx"]
numfig = True
animation_published_dirs = ["images"]
exclude_patterns = ["_build"]
"""

INDEX_RST = """
Animations
==========

.. animation:: images/descent.gif
   :alt: Two dots descending a bowl
   :caption: Two optimizers descend the *same* bowl.
   :name: fig-descent
   :width: 80%
   :align: center

:numref:`fig-descent` shows both.

.. animation:: images/still.gif
   :alt: A GIF alone

.. toctree::

   markdown
"""

MARKDOWN_MD = """
# In Markdown

```{explorer} images/explorer.html
:title: Every <rate> & seed
```

```{animation} images/descent.gif
:alt: The same animation, with controls
:controls:
:caption: With the player's controls.
:name: fig-controls
```

{numref}`fig-controls` can be paused.
"""


def frames(count: int = 4) -> list[Image.Image]:
    return [Image.new("RGB", (40, 30), (40 * i, 100, 200)) for i in range(count)]


@pytest.fixture(scope="module")
def sphinx_python(tmp_path_factory, package_wheel) -> Path:
    python = fresh_venv(
        tmp_path_factory.mktemp("venv") / "sphinx-only",
        package_wheel,
        *pinned("sphinx", "myst-parser"),
    )
    probe = subprocess.run([str(python), "-c", "import numpy"], capture_output=True)
    assert probe.returncode != 0, "NumPy is installed in the Sphinx-only venv"
    return python


@pytest.fixture
def project(tmp_path) -> Path:
    source = tmp_path / "docs"
    (source / "images").mkdir(parents=True)
    (source / "conf.py").write_text(CONF)
    (source / "index.rst").write_text(INDEX_RST)
    (source / "markdown.md").write_text(MARKDOWN_MD)
    # As `publish:` writes them: a GIF with its WebM, poster and player file,
    # and a GIF with its frames and player file.
    labels = [f"step {10 * i}" for i in range(4)]
    write_animation(
        frames(), source / "images/descent.gif", Timing(100, 300, labels), ["gif", "webm"]
    )
    write_animation(frames(), source / "images/still.gif", Timing(100, 300), ["gif"])
    # As `publish:` writes an experiment's explorer.html.
    (source / "images/explorer.html").write_text("<!DOCTYPE html><title>x</title><p>explorer")
    return source


@pytest.fixture
def build(sphinx_python) -> Callable[[Path, str], subprocess.CompletedProcess]:
    """`build(source, builder)`: Sphinx of the fresh venv, with `-W`."""

    def run(source: Path, builder: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                *(str(sphinx_python), "-m", "sphinx", "-W", "--keep-going", "-b", builder),
                *("-q", str(source), str(source / "_build" / builder)),
            ],
            capture_output=True,
            text=True,
        )

    return run


def test_html_plays_each_animation_in_the_player_with_numbered_captions(build, project):
    result = build(project, "html")
    assert result.returncode == 0, result.stderr
    index = (project / "_build/html/index.html").read_text()
    player = index[index.index('<span class="oa-player"') : index.index("</video>")]
    assert 'aria-label="Two dots descending a bowl"' in player and 'style="width: 80%"' in player
    data = json.loads(html.unescape(player.split("data-player='")[1].split("'")[0]))
    assert data["labels"] == ["step 0", "step 10", "step 20", "step 30"]
    assert data["frames"] == 4 and data["sprite"] == ""  # the player seeks the video
    # Without the script, the browser's own controls; the script replaces them.
    assert '<video controls preload="metadata" playsinline' in player
    assert 'poster="_images/descent.poster.png"' in player
    assert '<source src="_images/descent.webm" type="video/webm">' in player
    assert 'src="_images/descent.gif"' in player  # the fallback inside the video
    assert 'id="fig-descent"' in index and "Fig. 1" in index
    assert "Two optimizers descend the <em>same</em> bowl." in index
    assert 'href="#fig-descent"' in index  # :numref:
    assert index.count("<video") == 1  # the GIF alone: its frames
    assert index.count('<span class="oa-player"') == 2
    assert '"sprite": "_images/still.frames.png"' in html.unescape(index)
    assert '<script defer="defer" src="_static/oa-player.js' in index
    assert 'href="_static/oa-player.css' in index
    markdown = (project / "_build/html/markdown.html").read_text()
    assert 'data-start="paused"' in markdown and "autoplay" not in markdown
    # The explorer in a sandboxed frame, its title escaped.
    assert (
        '<iframe class="oa-explorer-frame" src="_images/explorer.html"'
        ' title="Every &lt;rate&gt; &amp; seed" loading="lazy" sandbox="allow-scripts"'
    ) in markdown
    assert (project / "_build/html/_images/explorer.html").is_file()
    assert "Fig. 2" in markdown and 'href="#fig-controls"' in markdown
    for name in (
        "descent.webm",
        "descent.poster.png",
        "descent.gif",
        "still.gif",
        "still.frames.png",
    ):
        assert (project / "_build/html/_images" / name).is_file(), name
    assert (project / "_build/html/_static/oa-player.js").is_file()


def test_latex_shows_the_poster_with_its_caption(build, project):
    # The GIF alone cannot go into a PDF: without it the build is clean.
    (project / "index.rst").write_text(INDEX_RST.replace(".. animation:: images/still.gif", ""))
    result = build(project, "latex")
    assert result.returncode == 0, result.stderr
    tex = next((project / "_build/latex").glob("*.tex")).read_text()
    assert r"\sphinxincludegraphics" in tex and "{{descent.poster}.png}" in tex
    assert r"\caption{Two optimizers descend the \sphinxstyleemphasis{same} bowl.}" in tex
    assert r"\label{\detokenize{index:fig-descent}}" in tex
    assert "With the player" in tex and ".gif" not in tex and ".webm" not in tex
    # An explorer is its title as text.
    assert r"Every \textless{}rate\textgreater{} \& seed" in tex and "explorer.html" not in tex
    assert (project / "_build/latex/descent.poster.png").is_file()


def test_latex_refuses_a_gif_without_a_poster(build, project):
    result = build(project, "latex")
    assert result.returncode != 0
    line = INDEX_RST.splitlines().index(".. animation:: images/still.gif") + 1
    assert f"index.rst:{line}" in result.stderr
    assert (
        "images/still.gif has no poster, and the latex builder cannot show a GIF" in result.stderr
    )


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        (".. animation:: images/missing.gif", "animation 'images/missing.gif': no such file"),
        (
            ".. animation:: images/still.gif\n   :width: wide",
            'invalid option value: (option: "width"',
        ),
        (
            ".. animation:: images/still.gif\n   :align: middle",
            'invalid option value: (option: "align"',
        ),
        (".. animation:: images/descent.gif\n   :name: fig-descent", "fig-descent"),
        (".. animation:: outside.gif", "outside.gif is not a published figure"),
        (".. explorer:: images/missing.html", "explorer 'images/missing.html': no such file"),
    ],
    ids=["missing", "width", "align", "name-twice", "unpublished", "explorer-missing"],
)
def test_bad_input_is_a_warning_naming_the_page_and_line(build, project, directive, message):
    write_animation(frames(), project / "outside.gif", Timing(100, 300), ["gif"])
    text = INDEX_RST + "\n" + directive + "\n"
    (project / "index.rst").write_text(text)
    result = build(project, "html")
    assert result.returncode != 0
    lines = text.splitlines()
    line = len(lines) - lines[::-1].index(directive.splitlines()[0])  # the directive's
    assert message in result.stderr
    # The warning starts with the page and the directive's line.
    assert f"index.rst:{line}: " in result.stderr.split(message)[0].splitlines()[-1] or (
        f"index.rst:{line}: " in result.stderr.split(message)[0].splitlines()[-2]
    ), result.stderr


def test_a_published_dark_variant_pairs_with_the_light_one_in_html_only(build, project):
    # As publish: writes a figure's dark variant: name.dark.gif with its videos and poster.
    dark_frames = [Image.new("RGB", (40, 30), (20, 20, 20 + 40 * i)) for i in range(4)]
    write_animation(
        dark_frames, project / "images/descent.dark.gif", Timing(100, 300), ["gif", "webm"]
    )
    result = build(project, "html")
    assert result.returncode == 0, result.stderr
    index = (project / "_build/html/index.html").read_text()
    light = index[index.index('<div class="only-light') : index.index('<div class="only-dark')]
    dark = index[index.index('<div class="only-dark') :]
    dark = dark[: dark.index("</video>")]
    assert 'src="_images/descent.webm"' in light and ".dark." not in light
    assert 'src="_images/descent.dark.webm"' in dark
    assert 'poster="_images/descent.dark.poster.png"' in dark
    assert index.count('id="fig-descent"') == 1  # the target stays single
    assert (project / "_build/html/_images/descent.dark.webm").is_file()
    # The still GIF has no dark variant: alone, in no container.
    assert index.count("only-dark") == 1
    (project / "index.rst").write_text(INDEX_RST.replace(".. animation:: images/still.gif", ""))
    latex = build(project, "latex")
    assert latex.returncode == 0, latex.stderr
    tex = next((project / "_build/latex").glob("*.tex")).read_text()
    assert "descent.poster" in tex and ".dark" not in tex
