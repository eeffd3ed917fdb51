"""Markdown tables, and the number format of the sweep reports.

Why one helper: the comparison, the theory checks, the staffing plan and the
benchmarks all write Markdown tables; drawn in one place they look the same
everywhere, and a cell holding ``|`` cannot break its row.
"""
from __future__ import annotations

import math

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
