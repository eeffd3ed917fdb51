"""``./dev docs``: the README's model results from real runs, and docs/parameters.md.

Each block (a function in one of docs/quote_blocks/*.py, listed in its module's BLOCKS) runs
the commands behind some README figures (into runs/docs/BLOCK/, made afresh), formats the
figures and stores them in docs/quotes.json; then the README's marked places are rewritten
from them:

- inline: ``<!-- q:KEY -->0.37<!-- /q -->`` holds quotes.json's text for KEY;
- a table: ``<!-- quote:NAME -->`` ... ``<!-- /quote:NAME -->`` holds TEMPLATES[NAME] of the
  block's module filled in (edit the table's words in the module, not in the README).

tests/test_readme_quotes.py checks, without running anything, that the README holds exactly
what quotes.json and the templates give and that every figure in quotes.json is quoted. Where a
figure's direction is written in words ("raises", "fewer"), ``expect`` stops the script when the
runs say otherwise: rewrite the sentence then. Blocks may run at the same time from separate
commands (``--only``): each stores its own figures under a lock.

    python docs/make_quotes.py                 # every block, then the README and docs/parameters.md
    python docs/make_quotes.py --only plausibility
    python docs/make_quotes.py --render        # no runs: the README from quotes.json as it is
"""
from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import importlib
import json
import re
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
from quote_blocks.common import SignChanged, expect, f2, pts  # noqa: E402  (the tests use them)

__all__ = ["SignChanged", "expect", "f2", "pts", "render", "used_keys", "all_values", "main"]

MODULES = ("research", "crime", "response", "checks", "planner")

INLINE = re.compile(r"<!-- q:([a-z0-9_]+) -->(.*?)<!-- /q -->", re.S)
BLOCK = re.compile(r"(<!-- quote:([a-z0-9_]+)[^>]*-->\n)(.*?)(<!-- /quote:\2 -->)", re.S)


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
    return blocks, templates


BLOCKS, TEMPLATES = _collect()

def template_keys(name: str) -> set[str]:
    return set(re.findall(r"\{([a-z0-9_]+)\}", TEMPLATES[name]))


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
    return {k: v for block in quotes["blocks"].values() for k, v in block["values"].items()}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BLOCKS), help="run these blocks only (others keep "
                                                                           "their figures in quotes.json)")
    parser.add_argument("--render", action="store_true", help="run nothing: rewrite the README from quotes.json")
    args = parser.parse_args(argv)
    todo = [] if args.render else (args.only or list(BLOCKS))
    RUNS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for name in todo:
        log_path = RUNS / f"{name}.log"
        print(f"{name}: running (log: {log_path.relative_to(ROOT)})", file=sys.stderr)
        t0 = time.monotonic()
        try:
            with open(log_path, "w", encoding="utf-8") as log:
                values = BLOCKS[name](log)
        except (subprocess.CalledProcessError, SignChanged) as exc:
            print(f"error: {name}: {exc} (log: {log_path.relative_to(ROOT)})", file=sys.stderr)
            return 1
        entry = {"what": BLOCKS[name].__doc__, "seconds": round(time.monotonic() - t0, 1),
                 "generated_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                 "git_commit": _git_commit(), "values": values}
        with _quotes_locked() as quotes:
            quotes["blocks"][name] = entry
            _write(QUOTES, json.dumps(quotes, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{name}: {len(values)} figures in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    with _quotes_locked() as quotes:
        readme = README.read_text(encoding="utf-8")
        missing: list[str] = []
        new = render(readme, all_values(quotes), missing)
        if new != readme:
            _write(README, new)
    if missing:
        print(f"warning: README places left as they were, no figure for: {sorted(set(missing))}", file=sys.stderr)
    unused = set(all_values(quotes)) - used_keys(new)
    if unused:
        print(f"warning: figures in docs/quotes.json the README does not quote: {sorted(unused)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "sim.compose.param_render", str(ROOT)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"README.md, docs/quotes.json, docs/parameters.md written ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
