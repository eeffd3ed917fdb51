"""Languages (issue 22): the catalogues cover every marked string, the shared
terms cover every registered name, and figures can draw Chinese."""
from __future__ import annotations

import threading

import pytest

from sim.i18n import LANGUAGES, Translator, current_language, language, set_language
from sim.i18n.catalog import problems
from sim.i18n.terms import TERMS, term


def test_every_marked_string_is_translated_and_every_mo_is_compiled():
    found = problems()
    assert not found, "\n".join(found[:40])


def test_every_registered_name_has_a_term_in_both_languages():
    from sim.config import Config
    from sim.core.land_use import LAND_USES
    from sim.core.roles import ROLES, TIER_NAMES
    from sim.exercise.actions import ACTIONS
    from sim.exercise.injects import INJECTS
    from sim.policing.dispatch_rules import DISPATCH_RULES
    import sim.policing.dispatch_setup  # noqa: F401 - registers the rules
    from sim.scenarios.policy import POLICIES
    import sim.scenarios  # noqa: F401

    names = [*ROLES, *TIER_NAMES, *Config().calls, *INJECTS, *ACTIONS, *POLICIES, *DISPATCH_RULES, *LAND_USES]
    missing = [n for n in names if n not in TERMS]
    assert not missing
    with language("zh"):
        same = [n for n in names if term(n) == TERMS[n]]
    assert not same, f"terms shown in English in zh: {same}"


def test_language_is_per_thread_inside_a_block_and_unknown_languages_fail():
    _ = Translator("terms")
    seen = {}

    def other():
        seen["other"] = _("officer")

    with language("zh"):
        assert _("officer") == "民警"
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["other"] == "officer" and current_language() == "en"
    with pytest.raises(ValueError, match="allowed: en, zh"):
        set_language("fr")
    assert set(LANGUAGES) == {"en", "zh"}


def test_figures_draw_chinese_without_missing_glyphs(tmp_path):
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from sim.i18n.fonts import use_cjk_fonts

    assert use_cjk_fonts() is not None, "no CJK font: ./dev setup installs fonts-noto-cjk"
    fig = Figure()
    ax = fig.subplots()
    ax.plot([-1, 1])
    ax.set_title("一类警情 3 分钟到达率 P1 within 3 min (%)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig.savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 5_000
