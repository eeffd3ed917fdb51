"""Languages (issue 22): gettext message catalogues, one per domain, managed
with Babel (``./dev i18n``: extract, update, compile; sim/i18n/catalog.py).

Code marks a user-visible string with a domain's translator and formats
after translating, so the catalogue holds the whole sentence::

    from sim.i18n import Translator
    _ = Translator("reports")
    title = _("Response time by priority ({n} runs)").format(n=n)

``N_("...")`` marks a string for the catalogue without translating it (a
table of labels filled at import time, translated when shown). The language
is ``lang`` in the config (``lang=zh`` / ``lang=en``): an app sets it once
(``set_language``); a page serving several seats translates per render inside
``with language(lang):`` (a context variable, so two seats in two languages
never see each other's). English is the source language: its catalogue is the
messages themselves.
"""
from __future__ import annotations

import gettext
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Iterator

LANGUAGES = ("en", "zh")  # en: the source text; zh: simplified Chinese (zh_Hans_CN)
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# domain -> the source paths (relative to sim/) whose marked strings it holds; one .po per domain so the
# tabletop, the exercise report, the reports and the shared terms each have one owner (sim/i18n/catalog.py)
DOMAINS: dict[str, tuple[str, ...]] = {
    "terms": ("i18n/terms.py",),
    "exercise": ("exercise", "run_exercise.py"),
    "tabletop": ("tabletop",),
    "reports": ("output", "compare", "plan", "study"),
    "cli": ("__main__.py", "run.py", "run_any.py"),
    "checks": ("calibrate", "community", "compose", "config.py", "core", "geo", "policing", "validate"),
}

_default = DEFAULT_LANGUAGE
_current: ContextVar[str | None] = ContextVar("sim_language", default=None)


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang={lang!r}: allowed: {', '.join(LANGUAGES)}")
    return lang


def set_language(lang: str) -> None:
    """The process's language (an app calls this once, from ``cfg.lang``)."""
    global _default
    _default = check_language(lang)
    _current.set(None)


def current_language() -> str:
    return _current.get() or _default


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Translate in ``lang`` inside the block (this thread/task only)."""
    token = _current.set(check_language(lang))
    try:
        yield lang
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def _catalogue(domain: str, lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(domain, localedir=str(LOCALE_DIR), languages=[lang])  # missing .mo: an error


class Translator:
    """``_ = Translator(domain)``; ``_(message)`` is the message in the current language."""

    def __init__(self, domain: str):
        if domain not in DOMAINS:
            raise ValueError(f"unknown message domain {domain!r}; known: {', '.join(DOMAINS)}")
        self.domain = domain

    def __call__(self, message: str) -> str:
        return _catalogue(self.domain, current_language()).gettext(message)


LIST_SEPARATORS = {"en": ", ", "zh": "、"}  # a list inside a sentence: "3 officers, 5 auxiliaries" / "民警 3 名、辅警 5 名"


def join_list(items) -> str:
    """``items`` as a list inside a sentence, with the current language's separator."""
    return LIST_SEPARATORS[current_language()].join(items)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark only"
    """Mark ``message`` for the catalogue; translate it where it is shown."""
    return message
