"""``python -m sim.i18n.catalog extract|update|compile|check`` (``./dev i18n``):
the message catalogues, kept with Babel.

- extract: each domain's marked strings (``_("...")``, ``N_("...")``) from its
  source paths (``sim.i18n.DOMAINS``) into ``locale/DOMAIN.pot``;
- update: merge the templates into ``locale/zh/LC_MESSAGES/DOMAIN.po`` (new
  messages arrive untranslated, removed ones are dropped);
- compile: ``.po`` -> ``.mo`` (what the program reads);
- check: what tests/test_i18n.py asserts, as a list of problems (a marked
  string missing from a catalogue or untranslated, a placeholder lost in a
  translation, a stale ``.mo``).

Files are written without source line numbers, so moving code does not
change a catalogue. Development tooling: the program reads only the .mo files.
"""
from __future__ import annotations

import io
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from sim.i18n import DOMAINS, LANGUAGES, LOCALE_DIR, DEFAULT_LANGUAGE

SIM_DIR = Path(__file__).resolve().parents[1]
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a fixed header date, so a re-extract changes nothing
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}|%\([a-z_]+\)[sdfr]")


def po_path(domain: str, lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str) -> Catalog:
    """A template of every message marked in the domain's source paths."""
    catalog = Catalog(project="sim", domain=domain, charset="utf-8", creation_date=STAMP, revision_date=STAMP,
                      fuzzy=False)
    for rel in DOMAINS[domain]:
        path = SIM_DIR / rel
        if path.is_dir():
            found = ((str(path / f), *rest) for f, *rest in
                     extract_from_dir(str(path), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS))
        else:
            found = ((str(path), *m) for m in extract_from_file("python", str(path), keywords=DEFAULT_KEYWORDS))
        for filename, _lineno, message, comments, context in found:
            catalog.add(message, locations=[(str(Path(filename).relative_to(SIM_DIR)), 0)],
                        auto_comments=comments, context=context)
    return catalog


def _write_po(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, no_location=True, omit_header=False, sort_output=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def read(domain: str, lang: str) -> Catalog:
    path = po_path(domain, lang)
    if not path.is_file():
        return Catalog(locale=lang.replace("zh", "zh_Hans_CN"), domain=domain, project="sim", charset="utf-8",
                       creation_date=STAMP, revision_date=STAMP, fuzzy=False)
    with path.open("rb") as f:
        return read_po(f, locale=lang.replace("zh", "zh_Hans_CN"), domain=domain)


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def cmd_extract(domains=DOMAINS) -> None:
    for domain in domains:
        _write_po(extract(domain), LOCALE_DIR / f"{domain}.pot")


def cmd_update(domains=DOMAINS) -> None:
    for domain in domains:
        template = extract(domain)
        for lang in TRANSLATED:
            catalog = read(domain, lang)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            _write_po(catalog, po_path(domain, lang))


def cmd_compile(domains=DOMAINS) -> None:
    for domain in domains:
        for lang in TRANSLATED:
            po_path(domain, lang).with_suffix(".mo").write_bytes(mo_bytes(read(domain, lang)))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(domains=DOMAINS) -> list[str]:
    """Every way the catalogues fall short of the code (empty: all good)."""
    out = []
    for domain in domains:
        template = extract(domain)
        for lang in TRANSLATED:
            catalog = read(domain, lang)
            mo = po_path(domain, lang).with_suffix(".mo")
            for msg in template:
                if not msg.id:
                    continue
                found = catalog.get(msg.id, context=msg.context)
                where = f"{domain}/{lang}: {msg.id!r}"
                if found is None:
                    out.append(f"{where} is not in the catalogue (./dev i18n update, then translate)")
                elif not found.string or found.fuzzy:
                    out.append(f"{where} is untranslated{' (fuzzy)' if found.fuzzy else ''}")
                elif placeholders(found.string) != placeholders(msg.id):
                    out.append(f"{where}: the translation's placeholders {placeholders(found.string)} "
                               f"differ from {placeholders(msg.id)}")
            if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
                out.append(f"{domain}/{lang}: {mo.name} is missing or older than its .po (./dev i18n compile)")
    return out


def main(argv: list[str]) -> int:
    """``COMMAND [DOMAIN ...]`` (default: every domain)."""
    commands = {"extract": cmd_extract, "update": cmd_update, "compile": cmd_compile}
    domains = tuple(argv[1:]) or tuple(DOMAINS)
    if not argv or argv[0] not in (*commands, "check", "all") or any(d not in DOMAINS for d in domains):
        print(f"usage: python -m sim.i18n.catalog extract|update|compile|check|all [{'|'.join(DOMAINS)} ...]",
              file=sys.stderr)
        return 2
    if argv[0] == "all":
        for name in ("extract", "update", "compile"):
            commands[name](domains)
    elif argv[0] in commands:
        commands[argv[0]](domains)
    found = problems(domains)
    for line in found:
        print(line, file=sys.stderr)
    print(f"{len(found)} problem(s) in the catalogues", file=sys.stderr)
    return 1 if found and argv[0] == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
