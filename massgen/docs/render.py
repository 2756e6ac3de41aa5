"""Renders the docs pages from the catalog through the Jinja2 templates of ``templates/docs/``.

The templates are our own and so is the catalog data they show, so a plain Environment (no sandbox) with
StrictUndefined is right; autoescape is off because the outputs are rst and Markdown, not HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..resources import data_dir
from .errors import DocsError
from .page import build_page
from .view import literal

FORMATS = ("rst", "md")
PAGES = ("backends",)


def _templates() -> Path:
    return data_dir("templates") / "docs"


@cache
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_templates())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["literal"] = literal
    env.filters["md_cell"] = lambda cell: str(cell).replace("|", "\\|")
    return env


def page_data(page: str) -> dict[str, Any]:
    """What a page shows that no single capability file owns (``templates/docs/<page>.yaml``)."""
    from ruamel.yaml import YAML

    with (_templates() / f"{page}.yaml").open("rb") as handle:
        data: dict[str, Any] = YAML(typ="safe", pure=True).load(handle)
    return data


# RST inline markup, the one inline syntax of cells and prose, in Markdown.
_RST_LITERAL = re.compile(r"``(.+?)``")
_RST_DOC = re.compile(r":doc:`([^`]+)`")
_FENCE = re.compile(r"^```.*?^```$", re.MULTILINE | re.DOTALL)


def _markdown_inline(text: str) -> str:
    text = _RST_LITERAL.sub(lambda m: f"`{m.group(1)}`", text)
    return _RST_DOC.sub(lambda m: f"[{m.group(1)}]({m.group(1)}.md)", text)


def _translate_outside_fences(text: str) -> str:
    """Code blocks are left alone: their backticks and braces are the example's own."""
    out, last = [], 0
    for fence in _FENCE.finditer(text):
        out.append(_markdown_inline(text[last:fence.start()]))
        out.append(fence.group(0))
        last = fence.end()
    out.append(_markdown_inline(text[last:]))
    return "".join(out)


def render_page(catalog: Catalog, fmt: str, page: str = "backends") -> str:
    if fmt not in FORMATS:
        raise DocsError(f"unknown docs format {fmt!r}; choose one of {', '.join(FORMATS)}")
    view = build_page(catalog, page_data(page))
    text: str = _environment().get_template(f"{page}.j2").render(page=view, format=fmt)
    return _translate_outside_fences(text) if fmt == "md" else text


def render_all(catalog: Catalog, formats: Sequence[str] = FORMATS) -> dict[str, str]:
    """File name -> content for every page in every requested format."""
    return {f"{page}.{fmt}": render_page(catalog, fmt, page) for page in PAGES for fmt in formats}
