"""The Sphinx extension: `extensions = ["optimizer_animations.site.sphinx"]`.

The `animation` directive shows a GIF that `publish:` wrote, in MyST
Markdown or reStructuredText:

    ```{animation} images/landscapes/rosenbrock.gif
    :alt: Six optimizers descending Rosenbrock's function
    :caption: Six optimizers from one start.
    :name: fig-rosenbrock
    :width: 80%
    :align: center
    ```

- An HTML page plays it in the package's player (static/oa-player.js):
  play/pause, previous/next frame, a slider labelled with each frame's
  epoch or step, the keyboard; it starts paused on the last frame when the
  reader's system asks for reduced motion, and `:controls:` starts it
  paused for everyone. Where `publish:` also wrote its videos
  (`animation.formats` lists webm or mp4), the player seeks the video
  (WebM first, the smaller) and the GIF is the fallback inside it; without
  videos it draws the published frames (`name.frames.png`). A GIF
  published without its player file (`name.player.json`) stays a GIF.
- `:caption:` makes a numbered figure (`numfig`), `:name:` a target for
  `{numref}` / `:numref:`.
- Other builders (LaTeX, EPUB, text...) get the poster as an image, with the
  caption. A GIF without a poster is kept where the builder shows GIFs, and
  is a warning where it cannot (LaTeX): publish a video format for PDFs.
- `animation_published_dirs = ["images"]` in conf.py: every image and
  animation of a page must lie under those folders (a figure that no
  `publish:` wrote is a warning, so `sphinx-build -W` fails on it). Default:
  no check.

The `explorer` directive shows an explorer that `publish:` wrote (an
experiment's `explorer.html`, which stands alone) in a frame that grows to
its content:

    ```{explorer} images/tuned/rosenbrock-explorer.html
    :title: Every learning rate of six optimizers on Rosenbrock's function
    ```

Other builders get its title as a paragraph.

A missing file and a bad option are warnings naming the page and the line.
The video's HTML comes from the gallery's template (templates/figures.html),
escaped.
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

from optimizer_animations.export.formats import (
    VIDEO_FORMATS,
    companions_by_role,
    dark_variant,
    format_of,
    playback_order,
)
from optimizer_animations.site.html import TEMPLATES
from optimizer_animations.site.player import ASSETS, STATIC, read_player

logger = logging.getLogger(__name__)


class animation_node(nodes.General, nodes.Element):
    """A published animation: its GIF (the child image), and the videos,
    poster and frames published beside it (`videos`, `poster`, `sprite`:
    source-relative paths) with its player file's contents (`player`)."""


def align(argument: str) -> str:
    return directives.choice(argument, ("left", "center", "right"))


class Animation(SphinxDirective):
    required_arguments = 1
    option_spec: ClassVar = {
        "alt": directives.unchanged,
        "caption": directives.unchanged,
        "name": directives.unchanged,
        "width": directives.length_or_percentage_or_unitless,
        "align": align,
        "controls": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        gif = self.arguments[0]
        if not gif.endswith(".gif"):
            raise self.warning(f"animation {gif!r}: give a published GIF (`name.gif`)")
        if not Path(self.env.relfn2path(gif, self.env.docname)[1]).is_file():
            raise self.warning(f"animation {gif!r}: no such file (is it published?)")
        alt = self.options.get("alt", "")
        width = self.options.get("width", "")
        image = nodes.image(uri=gif, alt=alt, **({"width": width} if width else {}))
        self._locate(image)
        files = companions_by_role(gif, VIDEO_FORMATS)
        videos = [video for video in files["video"] if self._published(video)]
        poster = files["poster"][0]
        sprite = companions_by_role(gif, ())["frames"][0]
        node = animation_node(
            "",
            image,
            videos=[self._register(video) for video in playback_order(videos)],
            poster=self._register(poster) if self._published(poster) else None,
            alt=alt,
            width=width,
            controls="controls" in self.options,
            player=self._player(files["player"][0]),
            sprite=self._register(sprite) if not videos and self._published(sprite) else None,
        )
        self._locate(node)
        caption = self.options.get("caption")
        if caption is None:
            wrapper = nodes.container("", node, classes=["animation"])
            if "align" in self.options:
                wrapper["classes"].append(f"align-{self.options['align']}")
        else:
            wrapper = nodes.figure("", node, classes=["animation"])
            if "align" in self.options:
                wrapper["align"] = self.options["align"]
            text, messages = self.parse_inline(caption, lineno=self.lineno)
            wrapper += nodes.caption(caption, "", *text)
            wrapper += messages
        self._locate(wrapper)
        self.add_name(wrapper)
        return [wrapper]

    def _locate(self, node: nodes.Node) -> None:
        """The page and the directive's line, for warnings about `node`."""
        source, line = self.get_source_info()
        # docutils maps a directive on a file's last line to line 0.
        node.source, node.line = source, line or self.lineno

    def _published(self, path: str) -> bool:
        return Path(self.env.relfn2path(path, self.env.docname)[1]).is_file()

    def _player(self, path: str) -> dict[str, Any] | None:
        """The published player file's contents (None: not published)."""
        return player_file(self.env, path, self.env.docname)

    def _register(self, path: str) -> str:
        """A file the builder copies with the images; its source-relative path."""
        source, full_path = self.env.relfn2path(path, self.env.docname)
        self.env.note_dependency(full_path)
        self.env.images.add_file(self.env.docname, source)
        return source


class explorer_node(nodes.General, nodes.Element):
    """A published explorer page (`source`: its source-relative path)."""


class Explorer(SphinxDirective):
    required_arguments = 1
    option_spec: ClassVar = {"title": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        page = self.arguments[0]
        if not page.endswith(".html"):
            raise self.warning(f"explorer {page!r}: give a published explorer (`name.html`)")
        source, full_path = self.env.relfn2path(page, self.env.docname)
        if not Path(full_path).is_file():
            raise self.warning(f"explorer {page!r}: no such file (is it published?)")
        self.env.note_dependency(full_path)
        self.env.images.add_file(self.env.docname, source)
        title = self.options.get("title", "An interactive explorer of the experiment's runs")
        node = explorer_node("", source=source, title=title)
        node.source, node.line = self.get_source_info()[0], self.lineno
        return [node]


class AnimationFiles(SphinxPostTransform):
    """HTML: copy each animation's videos and poster with the images. Other
    builders: the poster as an image instead of the animation."""

    default_priority = 200

    def run(self, **kwargs: Any) -> None:
        builder = self.app.builder
        for node in list(self.document.findall(explorer_node)):
            if builder.format == "html":
                builder.images[node["source"]] = self.env.images[node["source"]][1]
            else:
                node.replace_self(nodes.paragraph("", node["title"]))
        for node in list(self.document.findall(animation_node)):
            if builder.format == "html":
                for source in node_files(node):
                    builder.images[source] = self.env.images[source][1]
                continue
            gif = node.children[0]
            if node["poster"] is not None:
                poster = nodes.image(
                    uri=node["poster"],
                    candidates={"*": node["poster"]},
                    alt=node["alt"],
                    **({"width": node["width"]} if node["width"] else {}),
                )
                node.replace_self(poster)
                continue
            if "image/gif" not in builder.supported_image_types:
                logger.warning(
                    "%s has no poster, and the %s builder cannot show a GIF: publish it"
                    " with a video format (animation.formats: [gif, webm]), which"
                    " brings its poster",
                    gif["uri"],
                    builder.name,
                    location=node,
                )
            node.replace_self(gif)


def player_file(env: Any, path: str, docname: str) -> dict[str, Any] | None:
    """A published player file's contents, noted as the page's dependency;
    None where it is not published or is not a player file (a warning)."""
    full_path = env.relfn2path(path, docname)[1]
    if not Path(full_path).is_file():
        return None
    env.note_dependency(full_path)
    try:
        return read_player(full_path)
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("%s: %s", path, error, location=(docname, None))
        return None


def node_files(node: animation_node) -> list[str]:
    """The files an animation's page shows besides its GIF."""
    return [*node["videos"], *(source for source in (node["poster"], node["sprite"]) if source)]


def shown(translator: Any, node: animation_node) -> dict[str, Any]:
    """The animation as templates/figures.html's macros take it, with the
    builder's URLs of the copied files."""

    def url(source: str) -> str:
        builder = translator.builder
        return posixpath.join(builder.imgpath, urllib.parse.quote(builder.images[source]))

    player = None
    if node["player"] is not None and (node["videos"] or node["sprite"]):
        player = {
            **node["player"],
            "sprite": url(node["sprite"]) if node["sprite"] else "",
            "scale": 1,
        }
    return {
        "alt": node["alt"],
        "poster": url(node["poster"]) if node["poster"] else "",
        "videos": [{"src": url(video), "type": format_of(video).mime} for video in node["videos"]],
        "player": player,
    }


def visit_animation_html(translator: Any, node: animation_node) -> None:
    figures = TEMPLATES.get_template("figures.html").module
    seen = shown(translator, node)
    if seen["player"]:
        start = "paused" if node["controls"] else ""
        translator.body.append(str(figures.player_open(seen, start, node["width"])))
    elif node["videos"]:
        translator.body.append(str(figures.video_open(seen, node["controls"], node["width"])))


def depart_animation_html(translator: Any, node: animation_node) -> None:
    seen = shown(translator, node)
    if seen["player"]:
        translator.body.append(
            str(TEMPLATES.get_template("figures.html").module.player_close(seen))
        )
    elif node["videos"]:
        translator.body.append("</video>")


def visit_explorer_html(translator: Any, node: explorer_node) -> None:
    builder = translator.builder
    url = posixpath.join(builder.imgpath, urllib.parse.quote(builder.images[node["source"]]))
    frame = TEMPLATES.get_template("figures.html").module.explorer_frame(url, node["title"])
    translator.body.append(str(frame))
    raise nodes.SkipNode


def check_published(app: Sphinx, doctree: nodes.document) -> None:
    """Warn about every image or animation of the page outside
    `animation_published_dirs` (no check when it is empty)."""
    folders = app.config.animation_published_dirs
    if not folders:
        return
    docname = app.env.docname
    allowed = [PurePosixPath(folder) for folder in folders]
    sources = [
        (node, app.env.relfn2path(node["uri"], docname)[0]) for node in doctree.findall(nodes.image)
    ] + [(node, source) for node in doctree.findall(animation_node) for source in node_files(node)]
    for node, source in sources:
        # Sphinx resets an image's line to 0 at times: an animation's is its node's.
        if isinstance(node.parent, animation_node):
            node = node.parent
        if not any(PurePosixPath(source).is_relative_to(folder) for folder in allowed):
            logger.warning(
                "%s is not a published figure: pages show only files that a config's"
                " `publish:` wrote under %s",
                source,
                ", ".join(f"{folder}/" for folder in folders),
                location=node,
            )


def dark_variants(app: Sphinx, doctree: nodes.document) -> None:
    """HTML: a figure published with a dark variant beside it
    (`name.dark.ext`, which `publish:` writes) shows as a pair: the light one
    in a container of class `only-light`, the dark one in `only-dark`, the
    classes by which Furo (and other themes) follow the reader's colour
    scheme. Other builders keep the light one alone."""
    if app.builder.format != "html":
        return
    env, docname = app.env, app.env.docname

    def published(path: str) -> bool:
        return Path(env.relfn2path(path, docname)[1]).is_file()

    shown = [
        node for node in doctree.findall(nodes.image) if not isinstance(node.parent, animation_node)
    ] + list(doctree.findall(animation_node))
    for node in shown:
        light = node.children[0] if isinstance(node, animation_node) else node
        if not PurePosixPath(light["uri"]).suffix or not published(
            dark := dark_variant(light["uri"])
        ):
            continue
        variant = node.deepcopy()
        variant["ids"], variant["names"] = [], []
        (variant.children[0] if isinstance(node, animation_node) else variant)["uri"] = dark
        if isinstance(node, animation_node):
            variant["videos"] = [dark_variant(video) for video in node["videos"]]
            variant["poster"] = dark_variant(node["poster"]) if node["poster"] else None
            variant["sprite"] = dark_variant(node["sprite"]) if node["sprite"] else None
            if node["player"] is not None:  # the dark GIF's own player file
                variant["player"] = player_file(
                    env, companions_by_role(dark, ())["player"][0], docname
                )
            for source in node_files(variant):
                if not published(source):  # a light video without its dark one
                    break
                env.note_dependency(env.relfn2path(source, docname)[1])
                env.images.add_file(docname, env.relfn2path(source, docname)[0])
            else:
                node.replace_self(pair(node, variant))
            continue
        node.replace_self(pair(node, variant))


def pair(light: nodes.Element, dark: nodes.Element) -> list[nodes.Element]:
    containers = [
        nodes.container("", light.deepcopy(), classes=["only-light"]),
        nodes.container("", dark, classes=["only-dark"]),
    ]
    for container in containers:
        container.source, container.line = light.source, light.line
    return containers


def add_player(app: Sphinx, config: Any) -> None:
    """The player's script and style, copied into the site's _static."""
    config.html_static_path.append(str(STATIC))
    for name in ASSETS:
        if name.endswith(".css"):
            app.add_css_file(name)
        else:
            app.add_js_file(name, loading_method="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("animation_published_dirs", [], "env", types=[list, tuple])
    app.connect("config-inited", add_player)
    app.add_node(animation_node, html=(visit_animation_html, depart_animation_html))
    app.add_directive("animation", Animation)
    app.add_node(explorer_node, html=(visit_explorer_html, None))
    app.add_directive("explorer", Explorer)
    app.add_post_transform(AnimationFiles)
    # Before Sphinx's image collector rewrites the URIs relative to the source folder.
    app.connect("doctree-read", check_published, priority=400)
    # After the check, before the collector: the dark files are collected too.
    app.connect("doctree-read", dark_variants, priority=450)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
