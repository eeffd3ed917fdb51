"""Is a figure readable? The checks the tests run on every figure the project
draws (tests/test_figures.py), in English and Chinese:

- no two texts overlap: titles, axis labels, tick labels, legend entries and
  annotations, as they are drawn (the window extents after a draw, in pixels);
- no text is cut at the figure's edge;
- no raw identifier is shown: a snake_case word such as ``response_mean_min``
  in a title, label, tick or legend is a variable name, not a label (the
  label table, sim/output/labels.py, has the reader's words). A sweep's
  override written ``key=value`` (``policy=random_patrol``) is allowed: it is
  what the user typed, and the report's tables name configurations the same way.

``problems(fig)`` returns one line per problem (empty: readable).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from matplotlib.text import Text

# a word made of lower-case parts joined by underscores: response_mean_min, p_wait, share_within_8min
RAW_NAME = re.compile(r"(?<![A-Za-z0-9_.=/])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_=/])")
OVERRIDE = re.compile(r"[+~]?[A-Za-z_][\w.]*=[^\s,;()]+")  # key=value as typed on the command line
FILE_NAME = re.compile(r"[\w./-]+\.(?:py|parquet|json|png|md|yaml|gpkg|csv|xlsx)\b")
SAVE_DPI = 110  # the project's figures are saved at 110 dpi (fig.savefig(path, dpi=110))
MIN_OVERLAP_PX = 1.0  # boxes touching by less than a pixel are neighbours, not an overlap


@dataclass(frozen=True)
class Drawn:
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


@contextmanager
def _recording(drawn: list[Drawn]):
    """Record every Text as matplotlib draws it (a tick outside the view, a
    hidden axis or an empty string is never drawn, so it is never checked).
    Swaps ``Text.draw`` for the duration: a test-time check, not for a
    process that draws in several threads (the tabletop server)."""
    original = Text.draw

    def draw(self, renderer):
        original(self, renderer)
        text = self.get_text()
        if self.get_visible() and text.strip() and renderer is not None:
            b = self.get_window_extent(renderer)
            drawn.append(Drawn(text, (b.x0, b.y0, b.x1, b.y1)))

    Text.draw = draw
    try:
        yield
    finally:
        Text.draw = original


def drawn_texts(fig, dpi: float | None = None) -> list[Drawn]:
    """The non-empty texts of ``fig`` with their pixel boxes, drawn at ``dpi``
    (default the figure's own; text widths do not scale exactly with dpi, so
    check at the dpi the figure is saved at)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(fig.canvas, "get_renderer"):  # a bare matplotlib.figure.Figure: give it Agg's canvas
        FigureCanvasAgg(fig)
    drawn: list[Drawn] = []
    old = fig.dpi
    if dpi:
        fig.set_dpi(dpi)
    try:
        with _recording(drawn):
            fig.draw_without_rendering()  # layout and text placement as drawn, no pixels: fast
    finally:
        fig.set_dpi(old)
    return drawn


def overlaps(drawn: list[Drawn]) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than MIN_OVERLAP_PX both ways."""
    out = []
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            w = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
            h = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
            if w > MIN_OVERLAP_PX and h > MIN_OVERLAP_PX:
                out.append((a.text, b.text))
    return out


def raw_names(text: str) -> list[str]:
    """The snake_case identifiers in a text, outside ``key=value`` overrides and file names."""
    text = FILE_NAME.sub(" ", OVERRIDE.sub(" ", text))
    return RAW_NAME.findall(text)


def cut_off(drawn: list[Drawn], size_px: tuple[float, float]) -> list[str]:
    """Texts reaching past the figure's edge (``size_px``: its width and height
    as drawn) by more than MIN_OVERLAP_PX (cut when saved without ``bbox_inches="tight"``)."""
    w, h = size_px
    return [d.text for d in drawn if d.box[0] < -MIN_OVERLAP_PX or d.box[1] < -MIN_OVERLAP_PX
            or d.box[2] > w + MIN_OVERLAP_PX or d.box[3] > h + MIN_OVERLAP_PX]


def problems(fig, edges: bool = True, dpi: float | None = SAVE_DPI) -> list[str]:
    """What makes ``fig`` hard to read: overlapping texts, raw identifiers,
    and (``edges``; off for a figure saved with ``bbox_inches="tight"``)
    texts cut at the figure's edge. Draws the figure at ``dpi`` (nothing is saved)."""
    drawn = drawn_texts(fig, dpi)
    if dpi:
        scale = dpi / fig.dpi
        w, h = fig.canvas.get_width_height()
        fig_px = (w * scale, h * scale)
    else:
        fig_px = fig.canvas.get_width_height()
    found = [f"overlap: {a!r} and {b!r}" for a, b in overlaps(drawn)]
    if edges:
        found += [f"cut at the edge: {text!r}" for text in cut_off(drawn, fig_px)]
    for d in drawn:
        found += [f"raw name {name!r} in {d.text!r}" for name in raw_names(d.text)]
    return found
