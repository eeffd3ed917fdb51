"""English left in a Chinese output: the words of the catalogues' English
messages that a ``lang=zh`` report, page or figure still shows.

Used by the tests (tests/test_i18n.py and the report tests) against
``after_action.html``, ``plan.md``, ``report.md`` and the tabletop pages:
any word of three letters or more that appears in an English message of any
catalogue and not in ``ALLOWED`` is an untranslated label. Identifiers
(``response_time_mean_min``, ``district=urban_core``, paths) and code spans
are not labels and are left out.
"""
from __future__ import annotations

import gettext
import re
from functools import lru_cache

from sim.i18n import DOMAINS, LOCALE_DIR

# words a Chinese report keeps in Latin letters: units, abbreviations police and researchers use as they are
ALLOWED = frozenset({"min", "km", "kpi", "gis", "osm", "csv", "html", "json", "png", "xlsx", "parquet", "yaml",
                     "seed", "id", "crn", "ecdf", "sobol", "tpe", "ess", "mesa", "simpy", "hydra", "ray",
                     "sim", "utc", "gbk", "welch", "erlang", "wilson"})
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_./=:\-+]*")
CODE = re.compile(r"`[^`]*`|<code>.*?</code>|<pre>.*?</pre>|<script.*?</script>|<style.*?</style>", re.S)
TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=None)
def catalogue_words(lang: str = "zh") -> frozenset[str]:
    """Lower-case words (3+ letters) of every English message of every domain."""
    words = set()
    for domain in DOMAINS:
        with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo").open("rb") as f:
            ids = [k for k in gettext.GNUTranslations(f)._catalog if isinstance(k, str) and k]
        for msgid in ids:
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", " ", msgid)))
    return frozenset(words)


def english_leftovers(text: str, lang: str = "zh", allowed: frozenset[str] = ALLOWED) -> list[str]:
    """The catalogue words ``text`` still shows in English (sorted, unique)."""
    text = TAG.sub(" ", CODE.sub(" ", text))
    known = catalogue_words(lang)
    found = set()
    for token in TOKEN.findall(text):
        if any(c in token for c in "_./=:") or any(ch.isdigit() for ch in token):
            continue  # an identifier, a path, a key=value, a number with a unit glued on
        for word in re.findall(r"[A-Za-z]{3,}", token):
            if word.lower() in known and word.lower() not in allowed:
                found.add(word)
    return sorted(found)
