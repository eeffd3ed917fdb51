"""The parameter reference written out (sim.compose.param_docs collects it):
``docs/parameters.md`` (``markdown()``, written by ``./dev docs`` and checked
current by tests/test_param_docs.py) and the terminal's
``python -m sim --help-params [GROUP]`` (``text(group)``)."""
from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import textwrap
import tokenize
import typing
from pathlib import Path

from sim.compose.param_docs import Param, _joined, _shown, collect, groups

DOC_PATH = Path("docs/parameters.md")  # relative to the project root

HEADER = """# Parameter reference

Every configuration key, generated from the config schemas (`sim/config.py` and the `*_config.py`
beside each subsystem) by `./dev docs`; do not edit it by hand (`tests/test_param_docs.py` fails when
it differs from what the schemas give). `python -m sim --help-params [GROUP]` prints the same in a
terminal. In English, as the code's comments it is read from.

- **key**: as written on the command line (`district.width_m=3000`); `NAME` is any key of a map (a
  call type, a role), `[]` each entry of a list.
- **unit**: from the key's name (`_min` minutes, `_kmh`, `_share` 0-1, `_kyuan_per_year` thousand
  yuan a year, ...); a bound (`replications_min`, `saturation_max`) has the unit of what it bounds.
- **default**: the schema's default (JSON); presets in `conf/` change some (`district=rural_mountain`).
- **range**: what the schema's `validate()` accepts (`[a, b]` inclusive, `(a, b]` excluding a); a
  bound written as an expression depends on other keys.
- **source**: DOMAIN.md section and seed document, VALIDATION.md, an issue, a paper (author, year),
  a law or standard, "assumption", or "user choice" (a switch, a name, a file: no model quantity).
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _schema_file(params: list[Param]) -> str:
    mods = dict.fromkeys(p.schema.rsplit(".", 1)[0] for p in params)
    return ", ".join(f"`{m.replace('.', '/')}.py`" for m in mods)


def markdown(params: list[Param] | None = None) -> str:
    params = collect() if params is None else params
    out = [HEADER, "## Groups\n"]
    for g in groups(params):
        n = sum(p.group == g for p in params)
        out.append(f"- [{g}](#{g}) ({n} keys)")
    out.append(f"\n{len(params)} keys in all.\n")
    for g in groups(params):
        mine = [p for p in params if p.group == g]
        out.append(f"## {g}\n\nSchema: {_schema_file(mine)}\n")
        out.append("| key | unit | default | range | source | description |\n|---|---|---|---|---|---|")
        for p in mine:
            out.append("| " + " | ".join(_cell(v) for v in (f"`{p.key}`", p.unit, f"`{p.default}`" if p.default else "",
                                                                p.range, p.source, p.description)) + " |")
        for title, rows in instance_tables(g):
            out.append(f"\n{title}\n")
            out += rows
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def text(group: str | None = None, width: int = 100) -> str:
    """The reference for a terminal, every group or one."""
    params = [p for p in collect() if group is None or p.group == group]
    out = []
    for g in groups(params):
        mine = [p for p in params if p.group == g]
        out.append(f"{g} ({len(mine)} keys; {_schema_file(mine).replace('`', '')})")
        for p in mine:
            facts = [p.type] + ([p.unit] if p.unit else []) + [f"default {p.default}"]
            out.append(f"  {p.key}  {', '.join(facts)}")
            for label, value in (("range", p.range), ("", p.description), ("source", p.source)):
                if value:
                    out += textwrap.wrap(f"{label}: {value}" if label else value, width,
                                         initial_indent="      ", subsequent_indent="        ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def group_names() -> list[str]:
    return groups(collect())


# --- the entries of maps of schemas (calls.NAME, staffing.shifts.NAME) --------------------------------

def instance_tables(group: str) -> list[tuple[str, list[str]]]:
    """Per map of schemas in this group, a table of its default entries: the fields that vary, and the
    comment above each entry (where its figures come from)."""
    from sim.config import Config

    tables = []
    for prefix, owner, f in _maps(Config(), ""):
        if (prefix.split(".")[0] or f.name) != group:
            continue
        value = getattr(owner, f.name)
        schema = type(next(iter(value.values())))
        base = schema()
        cols = [c.name for c in dataclasses.fields(schema)
                if any(getattr(v, c.name) != getattr(base, c.name) for v in value.values())]
        notes = _entry_comments(f.default_factory)
        rows = ["| NAME | " + " | ".join(cols) + " | where the figures come from |", "|---" * (len(cols) + 2) + "|"]
        for name, entry in value.items():
            cells = [f"`{name}`", *(f"`{_shown(getattr(entry, c))}`" for c in cols), notes.get(name, "")]
            rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        tables.append((f"Default entries of `{prefix}{f.name}` (other fields as the schema's defaults):", rows))
    return tables


def _maps(obj, prefix: str):
    """(prefix, owner, field) of every map of schemas under a config object."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        args, value = typing.get_args(hints[f.name]), getattr(obj, f.name)
        if typing.get_origin(hints[f.name]) is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
            if value and f.default_factory is not dataclasses.MISSING:
                yield prefix, obj, f
        elif dataclasses.is_dataclass(value):
            yield from _maps(value, f"{prefix}{f.name}.")


def _entry_comments(factory) -> dict[str, str]:
    """The comments on and above each key of the dict a default factory returns."""
    source = textwrap.dedent(inspect.getsource(factory))
    comments, alone = {}, set()
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            code.update(range(tok.start[0], tok.end[0] + 1))
    alone = set(comments) - code
    out = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Dict):
            continue
        for key, val in zip(node.keys, node.values):
            if not isinstance(key, ast.Constant):
                continue
            above, line = [], key.lineno - 1
            while line in alone:
                above.insert(0, comments[line])
                line -= 1
            own = [comments[i] for i in range(key.lineno, val.end_lineno + 1) if i in comments and i not in alone]
            out[key.value] = _joined([" ".join(b) for b in (above, own) if b])
    return out


def write(root: Path) -> Path:
    """Write ``docs/parameters.md`` under the project root (``./dev docs``)."""
    from sim.core.outdir import write_atomic

    path = root / DOC_PATH
    with write_atomic(path) as f:
        f.write(markdown())
    return path


if __name__ == "__main__":  # python -m sim.compose.param_render [ROOT]: write docs/parameters.md
    import sys

    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else ".")))
