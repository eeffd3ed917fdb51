"""Chinese in figures: matplotlib draws with DejaVu Sans and falls back, glyph
by glyph, to a CJK font (Debian's ``fonts-noto-cjk``, installed by
``./dev setup``) for what DejaVu lacks, so one label can mix 中文 and Latin.

``use_cjk_fonts()`` is called by every module that draws; it is cheap after
the first call. Without a CJK font, Chinese labels would be empty boxes:
``cjk_font()`` returns None and the figure modules warn once.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")  # where Debian puts fonts-noto-cjk


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The CJK family matplotlib can use (registering Debian's Noto files when
    matplotlib's font cache predates their installation), or None."""
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FAMILIES if name in names), None)

    if known() is None:
        for root in FONT_DIRS:
            for path in sorted(Path(root).rglob("NotoSansCJK-*.tt[cf]")) if Path(root).is_dir() else ():
                font_manager.fontManager.addfont(str(path))
    return known()


def use_cjk_fonts() -> str | None:
    """Set matplotlib's font list to DejaVu Sans then the CJK family (every call:
    something else may have reset matplotlib's settings since)."""
    import matplotlib

    family = cjk_font()
    if family is None:
        _warn_no_font()
        return None
    # the families themselves, not the generic "sans-serif": matplotlib expands a generic name to its first
    # available font only, so the glyph-by-glyph fallback needs the list in font.family
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", family]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    return family


@lru_cache(maxsize=1)
def _warn_no_font() -> None:
    warnings.warn("no CJK font found (install Debian's fonts-noto-cjk: ./dev setup); Chinese labels in "
                  "figures will not render", stacklevel=3)
