"""The HTML templates (site/templates/), one environment for every page.

Autoescaping: text from a config or a history lands as text in every element
and attribute. Jinja2 only, so that the Sphinx extension needs nothing else
of the workflow's stack.
"""

from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_page(template: str, **context: Any) -> str:
    return TEMPLATES.get_template(template).render(**context)
