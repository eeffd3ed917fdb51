"""``report.html``: a sweep's ``report.md`` as one page people can share.

The page is rendered from the Markdown report itself (markdown-it-py, the
CommonMark parser rich already brings, with GFM tables), so its tables,
numbers, notes and words are the report's: one text, one message catalogue.
Self-contained like ``after_action.html``: the figures embedded as base64
``data:`` URIs, the CSS inline, no script, nothing fetched. Raw HTML in the
Markdown (a configuration's value, an error message) is shown as text, never
as markup; links are shown as their text; an image is embedded only when it
is a PNG or JPEG file in the report's folder, otherwise its title stands in.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from markdown_it import MarkdownIt

from sim.core.outdir import write_atomic
from sim.i18n import current_language

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}  # no SVG: it can hold script
HTML_LANG = {"zh": "zh-CN", "en": "en"}  # the lang attribute (BCP 47) of each language the program speaks

STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em auto; max-width: 90em; color: #222;
       padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 1.6em; }
code { background: #f4f4f4; padding: 0 .25em; border-radius: 3px; font-size: .92em; overflow-wrap: anywhere; }
div.table { overflow-x: auto; margin: 1em 0; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; } tbody tr:nth-child(even) { background: #fafafa; }
td { font-variant-numeric: tabular-nums; } td code { overflow-wrap: normal; }
figure { margin: 1em 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
.missing { color: #b03a2e; font-style: italic; }
@media print { div.table { overflow: visible; } h2 { page-break-after: avoid; } img { page-break-inside: avoid; } }
"""


def escape(text) -> str:
    """Text from the data as text in HTML (``<``, ``&``, quotes)."""
    return html.escape(str(text), quote=True)


def data_uri(path: Path) -> str | None:
    """A PNG or JPEG file as a ``data:`` URI; None for another type or a missing file."""
    mime = IMAGE_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file():
        return None
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def local_image(src: str, folder: Path) -> Path | None:
    """The file an image's ``src`` names when it is a bare file name in ``folder``
    (no scheme, no folder part): only those are embedded."""
    if not src or any(c in src for c in ":/\\?#") or src.startswith("."):
        return None
    return folder / src


def _renderer(folder: Path) -> MarkdownIt:
    """CommonMark with GFM tables, raw HTML escaped, figures embedded, links as text."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

    def image(self, tokens, idx, options, env):
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children or [], options, env)
        path = local_image(str(token.attrGet("src") or ""), folder)
        uri = data_uri(path) if path is not None else None
        if uri is None:
            return f'<span class="missing">{escape(alt)}</span>'
        return f'<figure><img src="{uri}" alt="{escape(alt)}"></figure>'

    md.add_render_rule("image", image)
    md.add_render_rule("link_open", lambda self, tokens, idx, options, env: "")
    md.add_render_rule("link_close", lambda self, tokens, idx, options, env: "")
    md.add_render_rule("table_open", lambda self, tokens, idx, options, env: '<div class="table"><table>\n')
    md.add_render_rule("table_close", lambda self, tokens, idx, options, env: "</table></div>\n")
    return md


def page_title(md: MarkdownIt, text: str) -> str:
    """The plain text of the first heading (``# Sweep comparison: `name` `` -> ``Sweep comparison: name``)."""
    tokens = md.parse(text)
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            return "".join(c.content for c in tokens[i + 1].children or [] if c.type in ("text", "code_inline"))
    return ""


def render_page(markdown_text: str, folder: Path, lang: str | None = None) -> str:
    """The whole page: ``markdown_text`` rendered, its images from ``folder``
    embedded, in the language ``lang`` (default: the current one)."""
    md = _renderer(Path(folder))
    lang = HTML_LANG.get(lang or current_language(), "en")
    body = md.render(markdown_text)
    return (f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(page_title(md, markdown_text))}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n{body}</body>\n</html>\n")


def write_html_report(path: Path, markdown_text: str, lang: str | None = None) -> Path:
    """``report.html`` beside the report it renders (figures read from its folder), written atomically."""
    path = Path(path)
    page = render_page(markdown_text, path.parent, lang)
    with write_atomic(path) as f:
        f.write(page)
    return path
