"""Markdown tables, and the number format of the sweep reports.

Why one helper: the comparison, the theory checks, the staffing plan and the
benchmarks all write Markdown tables; drawn in one place they look the same
everywhere, and a cell holding ``|`` cannot break its row.
"""
from __future__ import annotations

import math
import re

NULL_CELL = "–"  # an en dash marks a missing number in the sweep reports
LARGE_NUMBER = 1e4  # from here on numbers are written whole, with thousands separators


def md_table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table, without a trailing newline. ``align``: one letter per
    column, ``l`` (default) or ``r`` (right-aligned numbers); None aligns every
    column left. A blank header cell is written ``| |``."""
    align = align or "l" * len(header)
    if len(align) != len(header) or set(align) - {"l", "r"}:
        raise ValueError(f"align {align!r}: one of l or r per column ({len(header)} columns)")
    top = "|" + "|".join(f" {_cell(h)} " if str(h) else " " for h in header) + "|"
    rule = "|" + "".join("---:|" if a == "r" else "---|" for a in align)
    return "\n".join([top, rule, *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)])


def _cell(value) -> str:
    return str(value).replace("|", "\\|")


def md_text(value) -> str:
    """A value from data (a folder name, a label, a policy) made safe in Markdown text:
    ``<`` and ``>`` as entities (Markdown renders raw HTML), control characters (terminal
    escapes) dropped except newline; ``|`` is escaped by ``md_table``'s cells."""
    text = "".join(c for c in str(value) if c == "\n" or not (ord(c) < 32 or 127 <= ord(c) < 160))
    return text.replace("<", "&lt;").replace(">", "&gt;")


# Markdown's inline punctuation a value could use to start a code span, emphasis, a link or an entity
_MD_PUNCT = re.compile(r"([\\`*\[\]&])")


def md_inline(value) -> str:
    """A value from data as plain text on one line of Markdown (a bold name, a
    table cell): ``md_text`` with newlines as spaces and the punctuation that
    would start a code span, emphasis, a link or an entity (``\\ ` * [ ] &``)
    backslash-escaped, so it reads as typed once rendered."""
    return md_text(_MD_PUNCT.sub(r"\\\1", str(value).replace("\n", " ")))


def md_code(value) -> str:
    """A value from data as inline code (`` `policy=random_patrol` ``), when
    that is safe; one holding ``<``, ``>``, ``&`` or a backtick as ``md_inline``
    text instead: inside a code span an entity shows as typed (report.html
    would read ``&lt;``) and a backtick would end the span."""
    text = md_text(str(value).replace("\n", " "))
    if any(c in text for c in "&`"):
        return md_inline(value)
    return f"`{text}`"


def fmt_number(v) -> str:
    """Four significant figures; thousands separators for large numbers; a dash for null."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return NULL_CELL
    v = float(v)
    if abs(v) >= LARGE_NUMBER:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def fmt_interval(lo, hi) -> str:
    """``[lo, hi]`` in the format of ``fmt_number``; a dash when there is no interval."""
    return NULL_CELL if lo is None or math.isnan(lo) else f"[{fmt_number(lo)}, {fmt_number(hi)}]"
