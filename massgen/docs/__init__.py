"""Documentation generated from the catalog: ``massgen docs`` renders templates/docs/*.j2 to rst and md."""

from .errors import DocsError
from .page import build_page
from .render import FORMATS, render_all, render_page

__all__ = ["FORMATS", "DocsError", "build_page", "render_all", "render_page"]
