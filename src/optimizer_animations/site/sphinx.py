"""Figures that `publish:` wrote, as a docs page shows them.

The `animation` directive takes a published GIF:

    ```{animation} images/landscapes/rosenbrock.gif
    :alt: Six optimizers descending Rosenbrock's function
    ```

When `publish:` also wrote its videos (`animation.formats` lists mp4 or
webm), the page gets a muted looping `<video>` (WebM first, the smaller, then
MP4) with the poster, and the GIF inside it as the fallback; otherwise the
GIF. The videos come through sphinxcontrib-video, which copies them.

Every image and video of a page must lie under `published_dirs`: a figure
that no `publish:` wrote is a warning, so `sphinx-build -W` fails on it, as
it does on a missing file ("image file not readable").
"""

import posixpath
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinxcontrib.video import (
    depart_video_node_html,
    get_video,
    video_node,
    visit_video_node_html,
)

from optimizer_animations.export.writers import VIDEO_FORMATS, companion_paths, playback_order

logger = logging.getLogger(__name__)


class animation_node(video_node):
    """sphinxcontrib-video's node, whose poster is a copied file too."""


class Animation(SphinxDirective):
    required_arguments = 1
    option_spec: ClassVar = {"alt": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        gif = self.arguments[0]
        alt = self.options.get("alt", "")
        image = nodes.image(uri=gif, alt=alt)
        *videos, poster = companion_paths(gif, VIDEO_FORMATS)
        videos = [v for v in videos if Path(self.env.relfn2path(v, self.env.docname)[1]).is_file()]
        if not videos:
            return [nodes.container("", image, classes=["animation"])]
        poster_src, poster_path = self.env.relfn2path(poster, self.env.docname)
        self.env.note_dependency(poster_path)
        self.env.images.add_file(self.env.docname, poster_src)
        video = animation_node(
            sources=[get_video(v, self.env) for v in playback_order(videos)],
            alt="",
            autoplay=True,
            controls=False,
            controlslist="",
            height="",
            loop=True,
            muted=True,
            poster=poster_src,
            preload="auto",
            width="",
            klass="",
            playsinline=True,
            align="center",
            caption="",
            figwidth="",
        )
        video += image
        return [nodes.container("", video, classes=["animation"])]


class CopyPosters(SphinxPostTransform):
    """Copy each poster with the images, as sphinxcontrib-video does the videos."""

    default_priority = 200

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(animation_node):
            self.app.builder.images[node["poster"]] = self.env.images[node["poster"]][1]


def visit_animation_html(translator: Any, node: animation_node) -> None:
    builder = translator.builder
    node["poster"] = posixpath.join(
        builder.imgpath, urllib.parse.quote(builder.images[node["poster"]])
    )
    visit_video_node_html(translator, node)


def check_published(app: Sphinx, doctree: nodes.document) -> None:
    """Warn about every image or video of the page outside `published_dirs`."""
    docname = app.env.docname
    allowed = [PurePosixPath(folder) for folder in app.config.published_dirs]
    sources = [
        (node, app.env.relfn2path(node["uri"], docname)[0]) for node in doctree.findall(nodes.image)
    ] + [(node, src) for node in doctree.findall(video_node) for src, _, _ in node["sources"]]
    for node, src in sources:
        if not any(PurePosixPath(src).is_relative_to(folder) for folder in allowed):
            logger.warning(
                "%s is not a published figure: pages show only files that a config's"
                " `publish:` wrote under %s",
                src,
                ", ".join(f"{folder}/" for folder in app.config.published_dirs),
                location=node,
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.video")
    app.add_config_value("published_dirs", ["images"], "env")
    app.add_node(animation_node, html=(visit_animation_html, depart_video_node_html))
    app.add_directive("animation", Animation)
    app.add_post_transform(CopyPosters)
    # Before Sphinx's image collector rewrites the URIs relative to the source folder.
    app.connect("doctree-read", check_published, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
