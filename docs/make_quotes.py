"""``./dev docs``: the README's model results from real runs, and docs/parameters.md.

Each block (a function in one of docs/quote_blocks/*.py, listed in its module's BLOCKS) runs
the commands behind some README figures (into runs/docs/BLOCK/, made afresh), formats the
figures and stores them in docs/quotes.json; then the README's marked places are rewritten
from them:

- inline: ``<!-- q:KEY -->0.37<!-- /q -->`` holds quotes.json's text for KEY;
- a table: ``<!-- quote:NAME -->`` ... ``<!-- /quote:NAME -->`` holds TEMPLATES[NAME] of the
  block's module filled in (edit the table's words in the module, not in the README; the templates
  are ``str.format`` strings, so a literal brace is ``{{``).

To add a figure: return it from a block (``out["key"] = ...``; keys are ``[a-z0-9_]``, unique across
blocks), put ``<!-- q:key -->x<!-- /q -->`` in the README, run ``./dev docs --only BLOCK``. To add a
block: a function ``(log) -> dict[str, str]`` whose docstring says what it runs, in its module's
BLOCKS (a new module in docs/quote_blocks/ is found by itself). A block's commands log to
runs/docs/BLOCK.log. When a figure's direction changes, rewrite the sentence and the ``expect``
that guards it, then ``./dev docs --only BLOCK --reuse``.

tests/test_readme_quotes.py checks, without running anything, that the README holds exactly
what quotes.json and the templates give and that every figure in quotes.json is quoted. Where a
figure's direction is written in words ("raises", "fewer"), ``expect`` stops the script when the
runs say otherwise: rewrite the sentence then. Blocks may run at the same time from separate
commands (``--only``): each stores its own figures under a lock.

    python docs/make_quotes.py                 # every block, then the README and docs/parameters.md
    python docs/make_quotes.py --only plausibility
    python docs/make_quotes.py --render        # no runs: the README from quotes.json as it is
    python docs/make_quotes.py --only plan_town --reuse   # the block's finished runs in runs/docs/ read again
"""
from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import importlib
import json
import re
import string
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
QUOTES = ROOT / "docs" / "quotes.json"
RUNS = ROOT / "runs" / "docs"

sys.path.insert(0, str(ROOT / "docs"))
sys.path.insert(0, str(ROOT))
from quote_blocks import common  # noqa: E402
from quote_blocks.common import SignChanged, expect, f2, pts  # noqa: E402  (the tests use them)

__all__ = ["SignChanged", "expect", "f2", "pts", "render", "used_keys", "all_values", "check_markers",
           "check_value", "main"]

MODULES = tuple(sorted(p.stem for p in (ROOT / "docs" / "quote_blocks").glob("*.py")
                       if p.stem not in ("__init__", "common")))

# a marker's content never holds another comment: a mistyped closer cannot swallow the text after it
INLINE = re.compile(r"<!-- q:([a-z0-9_]+) -->((?:(?!<!--).)*?)<!-- /q -->", re.S)
BLOCK = re.compile(r"(<!-- quote:([a-z0-9_]+)[^>\n]*-->\n)((?:(?!<!-- /?quote:).)*?)(<!-- /quote:\2 -->)", re.S)
LOOSE = re.compile(r"<!--\s*/?\s*(?:q|quote)\s*[:>-]", re.I)  # anything that looks like a marker
FIELD = re.compile(r"[a-z0-9_]+")


class MarkerError(ValueError):
    """The README's or a template's markers are malformed: nothing is written."""


def _collect() -> tuple[dict, dict]:
    """Every module's blocks and templates; a name defined twice is an error, not an override."""
    blocks: dict = {}
    templates: dict = {}
    for name in MODULES:
        try:
            module = importlib.import_module(f"quote_blocks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"quote_blocks.{name}":
                raise
            continue
        for table, mine in (("BLOCKS", blocks), ("TEMPLATES", templates)):
            theirs = getattr(module, table, {})
            twice = set(mine) & set(theirs)
            if twice:
                raise RuntimeError(f"quote_blocks.{name} redefines {table} {sorted(twice)}")
            mine.update(theirs)
        for tname, text in getattr(module, "TEMPLATES", {}).items():
            try:
                fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                raise MarkerError(f"template {tname} (quote_blocks/{name}.py): {exc}") from None
            bad = [f for f in fields if not FIELD.fullmatch(f)]
            if bad:
                raise MarkerError(f"template {tname} (quote_blocks/{name}.py): fields {bad} are not figure keys "
                                  "([a-z0-9_]; a literal brace is {{ or }})")
    return blocks, templates


BLOCKS, TEMPLATES = _collect()

def template_keys(name: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(TEMPLATES[name]) if f}


def check_markers(readme: str) -> None:
    """MarkerError unless every marker-like comment is a well-formed opener or closer and they pair up
    (markers written as examples in `code spans` are text, not markers)."""
    readme = re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group(0)), readme)
    strict = INLINE.findall(readme), BLOCK.findall(readme)
    spans = [m.span() for m in INLINE.finditer(readme)] + [m.span() for m in BLOCK.finditer(readme)]
    for m in LOOSE.finditer(readme):
        if not any(a <= m.start() < b for a, b in spans):
            line = readme.count("\n", 0, m.start()) + 1
            raise MarkerError(f"README.md line {line}: a marker that is malformed or not closed: "
                              f"{readme[m.start():m.start() + 40]!r} (write <!-- q:key -->x<!-- /q -->, or a "
                              "table between <!-- quote:NAME --> and <!-- /quote:NAME -->)")
    openers = len(re.findall(r"<!-- q:", readme)) + len(re.findall(r"<!-- quote:", readme))
    if openers != len(strict[0]) + len(strict[1]):
        raise MarkerError("README.md: markers that are not closed or are nested")


def check_value(block: str, key: str, value: str) -> None:
    """A figure that would break its own marker on the next render is refused."""
    if not FIELD.fullmatch(key):
        raise MarkerError(f"block {block}: figure key {key!r} is not [a-z0-9_]")
    if "<!--" in value or "-->" in value:
        raise MarkerError(f"block {block}: figure {key} holds a comment marker: {value[:60]!r}")


def render(readme: str, values: dict[str, str], missing: list[str] | None = None) -> str:
    """The README with every marked place filled from ``values``; KeyError names a missing figure.

    With ``missing`` (a list), a place whose figure is missing is left as it is and its key
    listed instead: a block still being written must not stop another block's figures.
    """
    def lacking(key: str, m):
        if missing is None:
            raise KeyError(f"README quotes {key!r}, which docs/quotes.json does not hold")
        missing.append(key)
        return m.group(0)

    def inline(m):
        if m.group(1) not in values:
            return lacking(m.group(1), m)
        return f"<!-- q:{m.group(1)} -->{values[m.group(1)]}<!-- /q -->"

    def block(m):
        if m.group(2) not in TEMPLATES:
            return lacking(f"template {m.group(2)}", m)
        try:
            return m.group(1) + TEMPLATES[m.group(2)].format_map(values) + m.group(4)
        except KeyError as exc:
            return lacking(exc.args[0], m)

    return BLOCK.sub(block, INLINE.sub(inline, readme))


def used_keys(readme: str) -> set[str]:
    keys = {m.group(1) for m in INLINE.finditer(readme)}
    for m in BLOCK.finditer(readme):
        keys |= template_keys(m.group(2))
    return keys


def all_values(quotes: dict) -> dict[str, str]:
    """Every block's figures; a key two blocks give is an error, not an override."""
    out: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name, block in quotes["blocks"].items():
        for k, v in block["values"].items():
            if k in out:
                raise MarkerError(f"figure {k} comes from blocks {owner[k]} and {name}: rename one")
            out[k], owner[k] = v, name
    return out


# --- the command ----------------------------------------------------------------------------------

def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return ""


def _write(path: Path, text: str) -> None:
    from sim.core.outdir import write_atomic

    with write_atomic(path) as f:
        f.write(text)


@contextmanager
def _quotes_locked():
    """quotes.json as it is now, held against blocks finishing in other commands at the same time."""
    RUNS.mkdir(parents=True, exist_ok=True)
    with open(RUNS / "quotes.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield json.loads(QUOTES.read_text(encoding="utf-8")) if QUOTES.exists() else {"blocks": {}}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _run_block(name: str, reuse: bool) -> dict:
    """Run one block; its quotes.json entry. With ``reuse`` the entry keeps when, how long and on which
    code its runs were made (runs/docs/BLOCK.meta.json, written when they were)."""
    log_path, meta_path = RUNS / f"{name}.log", RUNS / f"{name}.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if reuse and meta_path.exists() else None
    if reuse and meta is None:
        raise SignChanged(f"--reuse: no finished runs of {name} recorded ({meta_path.relative_to(ROOT)}); "
                          f"run ./dev docs --only {name} without --reuse")
    t0 = time.monotonic()
    with open(log_path, "a" if reuse else "w", encoding="utf-8") as log:
        if reuse:
            print(f"--- --reuse {_now()}: reading the runs of {meta['generated_utc']}", file=log, flush=True)
        values = BLOCKS[name](log)
    for key, value in values.items():
        check_value(name, key, value)
    if meta is None:
        meta = {"seconds": max(0.1, round(time.monotonic() - t0, 1)), "generated_utc": _now(),
                "git_commit": _git_commit()}
        _write(meta_path, json.dumps(meta, indent=1) + "\n")
    entry = {"what": BLOCKS[name].__doc__, "values": values, **meta}
    if reuse:
        entry["reformatted_utc"] = _now()
    return entry


def _epilog() -> str:
    return "blocks:\n" + "\n".join(f"  {n:18} {(BLOCKS[n].__doc__ or '').strip().splitlines()[0]}"
                                   for n in sorted(BLOCKS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=_epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--only", nargs="+", metavar="BLOCK", help="run these blocks only (others keep their "
                                                                 "figures in quotes.json)")
    what.add_argument("--render", action="store_true", help="run nothing: rewrite the README from quotes.json")
    parser.add_argument("--reuse", action="store_true", help="read the blocks' finished runs left in runs/docs/ "
                                                             "instead of running them again (after changing a "
                                                             "block's words, not the model)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or []) - set(BLOCKS))
    if unknown:
        parser.error(f"unknown block(s) {', '.join(unknown)}; known: {', '.join(sorted(BLOCKS))}")
    if args.render and args.reuse:
        parser.error("--reuse reads runs for blocks to run; --render runs no block")
    common.REUSE = args.reuse
    todo = [] if args.render else (args.only or list(BLOCKS))
    RUNS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    failed = []
    for name in todo:
        print(f"{name}: running (log: {(RUNS / f'{name}.log').relative_to(ROOT)})", file=sys.stderr)
        try:
            entry = _run_block(name, args.reuse)
        except (subprocess.CalledProcessError, SignChanged, MarkerError) as exc:
            print(f"error: {name}: {exc} (log: runs/docs/{name}.log)", file=sys.stderr)
            failed.append(name)
            continue
        with _quotes_locked() as quotes:
            quotes["blocks"][name] = entry
            _write(QUOTES, json.dumps(quotes, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{name}: {len(entry['values'])} figures", file=sys.stderr)
    missing: list[str] = []
    with _quotes_locked() as quotes:
        readme = README.read_text(encoding="utf-8")
        try:
            check_markers(readme)
            new = render(readme, all_values(quotes), missing)
        except MarkerError as exc:
            print(f"error: {exc} (README.md left as it was)", file=sys.stderr)
            return 1
        if new != readme:
            _write(README, new)
    if missing:
        print(f"warning: README places left as they were, no figure for: {sorted(set(missing))}", file=sys.stderr)
    unused = set(all_values(quotes)) - used_keys(new)
    if unused:
        print(f"warning: figures in docs/quotes.json the README does not quote: {sorted(unused)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "sim.compose.param_render", str(ROOT)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"README.md {'rewritten' if new != readme else 'unchanged'}; docs/parameters.md checked "
          f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)} (their earlier figures stay in docs/quotes.json)", file=sys.stderr)
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
