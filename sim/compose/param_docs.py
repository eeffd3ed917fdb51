"""The parameter reference (issue 23): every key of the root ``Config`` with its
unit, default, allowed range, source and description, read from the schemas
themselves, so the reference cannot drift from the code.

- key and default: the dataclass tree of ``sim.config.Config`` (nested sections,
  ``Dict[str, Schema]`` as ``NAME``, ``List[Schema]`` as ``[]``);
- description and source: the field's comment (on its line, the comment lines
  right above it, and comment lines right below it that no field follows),
  split on top-level ``;``: a part naming a source is the source, the rest the
  description (``SOURCE`` lists what counts as one);
- unit: the key's name suffix (``UNITS``: sim.output.units.UNIT_SUFFIXES, then ``KINDS``);
- range: the schema's own checks, read from its source (``_range``/``_choice``
  calls and ``BOUNDS`` tables) and, for tabletop events, the event kinds' parameters.

``docs/parameters.md`` is ``markdown()``; ``python -m sim --help-params [GROUP]``
prints ``text(group)``. The reference is in English, as the code's comments are.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import json
import re
import sys
import tokenize
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from sim.output.units import UNIT_SUFFIXES

ROOT_GROUP = "root"  # the keys outside any section (seed, lang, calls_csv, ...)

# what counts as a source: a DOMAIN.md section or seed document, VALIDATION.md, an issue, a paper (Author
# YEAR), a standard (GB ...), "assumption", a law of queueing, or "user choice" (a switch, a name or a file:
# no model quantity)
SOURCE = re.compile(
    r"DOMAIN(?:\.md)?\s*§|\bseeds?\s+\d{3}|\bassum(?:ption|ed)|VALIDATION\.md|\bissues?\s+\d+|"
    r"\b[A-Z][A-Za-z'-]+(?:\s+(?:&|and)\s+[A-Z][A-Za-z'-]+|\s+et al\.)?,?\s+(?:19|20)\d\d\b|\bGB(?:/T)?\s?\d+|"
    r"\buser choice\b|\bErlang\b|\bLittle's law\b|\bcalibrated\b|\bfitted from\b|\bLaw\b")

# unit by the key's name suffix (STYLE.md: units in names): the units of sim.output.units.UNIT_SUFFIXES,
# shared with the workbooks and figures (their English msgids here: the reference is in English), then
# what a name says of a value that has no unit of measure (a share, a file, a field)
KINDS = (
    ("_share", "share 0-1"), ("_prob", "probability 0-1"), ("_pct", "%"), ("_factor", "× (multiplier)"),
    ("_cv", "ratio (sd/mean)"), ("_weights", "relative weights"), ("_crs", "CRS name"), ("_csv", "file path"),
    ("_file", "file path"), ("_field", "field name"), ("_layer", "layer name"), ("_roles", "roles"),
)
UNITS = UNIT_SUFFIXES + KINDS


@dataclass
class Param:
    key: str  # full dotted key, NAME for a dict's keys, [] for a list's items
    group: str  # the top-level section (ROOT_GROUP for keys outside one)
    type: str
    unit: str
    default: str
    range: str
    source: str
    description: str
    schema: str  # module.Class the field is declared in


# bounds named by what they bound (``replications_min``, ``saturation_max``, ``officers_min_per_shift``): a
# ``_min`` there is a lower bound, not minutes, and the unit is the bounded quantity's (issue 23)
BOUNDED = {"preempt_priority": "priority class", "satisfaction": "score 0-1", "saturation": "share 0-1",
           "replications": "replications", "officers": "people"}
_BOUND = re.compile(r"(?P<stem>.+?)_(?:min|max)(?P<per>_per_[a-z0-9_]+)?")
WHOLE_NAMES = {"days": "days", "hours": "h", "residents": "people", "area_residents": "people",
               "officers": "people", "auxiliaries": "people", "volunteers": "people", "grid_workers": "people",
               "crimes_per_1000_max": "per 1,000 residents a year", "households_per_visit": "households",
               "start_day": "day"}
BY_TYPE = {"bool": "true/false", "str": "text", "int": "count", "float": "number"}


def unit_of(name: str, type_name: str = "") -> str:
    """The unit a key's name gives (``turnout_min``: min; ``crimes_per_1000_max``: per 1,000 ...), else
    what its type says (true/false, text, count, number)."""
    if name in WHOLE_NAMES:
        return WHOLE_NAMES[name]
    bound = _BOUND.fullmatch(name)
    if bound:  # a bound of a quantity with a unit of its own (aux_per_officer_min): that unit, not minutes
        stem = bound["stem"]
        unit = BOUNDED.get(stem) or next((u for suffix, u in UNITS if stem.endswith(suffix) and u != "min"), "")
        per = next((u for suffix, u in UNITS if bound["per"] == suffix), "") if bound["per"] else ""
        if unit:
            return f"{unit} {per}" if per else unit
    stem = name[:-4] if name.endswith("_max") else name
    for suffix, unit in UNITS:
        if stem.endswith(suffix) or stem == suffix[1:]:
            return unit
    return BY_TYPE.get(type_name.removesuffix(" or null"), "-")


def split_comment(text: str) -> tuple[str, str]:
    """(description, source) of a field's comment."""
    parts = [p.strip(" ;") for p in _top_level_split(text) if p.strip(" ;")]
    desc = [p for p in parts if not SOURCE.search(p)]
    src = [p for p in parts if SOURCE.search(p)]
    if not desc and src:  # "minutes (issue 2: hourly)": the source in brackets, or after the description
        part = src[0]
        inner = [g for g in re.findall(r"\(([^()]*)\)", part) if SOURCE.search(g)]
        m = SOURCE.search(part)
        if inner:
            desc = [re.sub(r"\s*\(([^()]*)\)", lambda g: "" if g.group(1) in inner else g.group(0), part).strip()]
            src[0] = "; ".join(inner)
        elif m.start() > 0:
            desc, src[0] = [part[:m.start()].rstrip(" ,:-")], part[m.start():]
    return "; ".join(desc), "; ".join(src)


def _top_level_split(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == ";" and depth <= 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    return [*parts, "".join(cur)]


# --- reading a schema's source --------------------------------------------------------------------

@lru_cache(maxsize=None)
def _module_source(module: str) -> tuple[ast.Module, dict[int, str], set[int]]:
    """(tree, comment text by line, lines that hold only a comment) of a module."""
    source = Path(inspect.getsourcefile(sys.modules[module])).read_text(encoding="utf-8")
    comments, code_lines = {}, set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER, tokenize.ENCODING):
            code_lines.update(range(tok.start[0], tok.end[0] + 1))
    return ast.parse(source), comments, set(comments) - code_lines


def _class_node(cls: type) -> ast.ClassDef:
    tree = _module_source(cls.__module__)[0]
    return next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__)


@lru_cache(maxsize=None)
def field_comments(cls: type) -> dict[str, str]:
    """Each field's comment, as one line of text."""
    _, comments, alone = _module_source(cls.__module__)
    fields = [n for n in _class_node(cls).body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
    starts = {n.lineno for n in fields}
    out = {}
    for n in fields:
        above, line = [], n.lineno - 1
        while line in alone:
            above.insert(0, comments[line])
            line -= 1
        own = [comments[i] for i in range(n.lineno, n.end_lineno + 1) if i in comments and i not in alone]
        below, line = [], n.end_lineno + 1
        while line in alone:
            below.append(comments[line])
            line += 1
        if line in starts:  # those lines introduce the next field
            below = []
        out[n.target.id] = _joined([" ".join(b) for b in (above, own, below) if b])
    return out


def _joined(blocks: list[str]) -> str:
    """Comment blocks as one text: a block ending in "," runs on, others are separate parts."""
    text = ""
    for b in blocks:
        text = b if not text else f"{text} {b}" if text.endswith(",") else f"{text}; {b}"
    return text


@lru_cache(maxsize=None)
def field_ranges(cls: type) -> dict[str, str]:
    """What each field's checks allow, from the class's ``_range``/``_choice`` calls and ``BOUNDS``."""
    out: dict[str, list[str]] = {}
    names = {f.name for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    glb = vars(sys.modules[cls.__module__])
    calls = [(call, _keyword_defaults(fn)) for fn in ast.walk(_class_node(cls)) if isinstance(fn, ast.FunctionDef)
             for call in ast.walk(fn)]
    for node, env in calls:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("_range", "_choice") and len(node.args) >= 2):
            continue
        for name, rest in _keys(node.args[0], names):
            scope = {**glb, **env}
            text = _range_text(node, scope, name) if node.func.id == "_range" else _choice_text(node, scope, rest)
            if rest == "value":
                text = f"each value {text}"
            elif not _is_field_value(node.args[1], name):  # an element of a list or a key of a map
                text = f"each key {text}" if typing.get_origin(hints[name]) is dict else f"each {text}"
            if text not in out.setdefault(name, []):
                out[name].append(text)
    for name, (lo, hi, lo_open) in getattr(cls, "BOUNDS", {}).items():
        out.setdefault(name, []).append(_interval(lo, hi, lo_open))
    return {k: "; ".join(v) for k, v in out.items()}


def _is_field_value(node: ast.expr, name: str) -> bool:
    """``self.name`` or ``getattr(self, ...)``: the check is on the field's own value."""
    if isinstance(node, ast.Attribute):
        return node.attr == name
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr"


def _keyword_defaults(fn: ast.FunctionDef) -> dict[str, object]:
    """A check's own switches at their defaults (``validate(path, derived=False)``): the range users meet."""
    args = fn.args.args[len(fn.args.args) - len(fn.args.defaults):]
    out = {}
    for a, d in zip(args, fn.args.defaults):
        try:
            out[a.arg] = ast.literal_eval(d)
        except ValueError:
            pass
    return out


def _keys(node: ast.expr, names: set[str]) -> list[tuple[str, str]]:
    """(field, "" | "value" | "key") the key argument of a check names: f"{path}.x", f"{path}.x.{k}",
    "x", or f"{path}.{f.name}" (every field)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value.split(".")[0], "")] if node.value.split(".")[0] in names else []
    if not isinstance(node, ast.JoinedStr):
        return []
    text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
    parts = text.split(".")
    if len(parts) >= 2 and parts[1] == "{}" and len(parts) == 2:
        return [(n, "") for n in sorted(names)]
    if len(parts) >= 2 and parts[1] in names:
        return [(parts[1], "value" if len(parts) > 2 else "")]
    return []


def _value(node: ast.expr | None, glb: dict, name: str) -> object:
    if node is None:
        return None
    try:
        return eval(compile(ast.Expression(node), "<range>", "eval"), dict(glb),  # noqa: S307 (our own source)
                    {"f": SimpleNamespace(name=name)})
    except Exception:  # a bound that depends on other fields: shown as written
        return ast.unparse(node).replace("self.", "")


def _range_text(call: ast.Call, glb: dict, name: str) -> str:
    args = call.args + [None] * 4
    kw = {k.arg: k.value for k in call.keywords}
    lo, hi = _value(kw.get("lo", args[2]), glb, name), _value(kw.get("hi", args[3]), glb, name)
    lo_open = _value(kw.get("lo_open"), glb, name)
    return _interval(lo, hi, lo_open if isinstance(lo_open, bool) else False)


def _interval(lo, hi, lo_open: bool) -> str:
    def fmt(v):
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            v = int(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}".replace(",", " ")
        return f"{v:g}" if isinstance(v, float) else str(v)
    if lo is None and hi is None:
        return "finite"
    if hi is None:
        return f"{'>' if lo_open else '≥'} {fmt(lo)}"
    if lo is None:
        return f"≤ {fmt(hi)}"
    return f"{'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}]"


def _choice_text(call: ast.Call, glb: dict, rest: str) -> str:
    allowed = _value(call.args[2], glb, "") if len(call.args) > 2 else None
    words = ", ".join(allowed) if isinstance(allowed, (tuple, list, dict)) else str(allowed)
    return f"one of: {words}"


# --- walking the tree -----------------------------------------------------------------------------

def _type_name(t) -> str:
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return f"{_type_name(inner[0])} or null" if len(inner) == 1 else " | ".join(map(_type_name, inner))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(t, "__name__", str(t))


def _shown(value) -> str:
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _schema_dataclass(t):
    """The schema a field holds: (kind, class) for a section, Dict[str, S], List[S] or Optional[S]."""
    origin, args = typing.get_origin(t), typing.get_args(t)
    if dataclasses.is_dataclass(t):
        return "", t
    if origin is dict and len(args) == 2 and dataclasses.is_dataclass(args[1]):
        return ".NAME", args[1]
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return "[]", args[0]
    if origin is typing.Union:
        inner = [a for a in args if dataclasses.is_dataclass(a)]
        return ("", inner[0]) if inner else (None, None)
    return None, None


def collect(cls: type | None = None, prefix: str = "", group: str = "", instance=None) -> list[Param]:
    """Every leaf key under ``cls`` (default: the root ``Config``), in declaration order."""
    if cls is None:
        from sim.config import Config
        cls, instance = Config, Config()
    hints, comments, ranges = typing.get_type_hints(cls), field_comments(cls), field_ranges(cls)
    extra = _event_ranges() if cls.__name__ == "ExerciseEvent" else {}
    out = []
    for f in dataclasses.fields(cls):
        key = f"{prefix}{f.name}"
        sub, schema = _schema_dataclass(hints[f.name])
        value = getattr(instance, f.name) if instance is not None else _default(f)
        if schema is not None:
            child = value if sub == "" and dataclasses.is_dataclass(value) else None
            out += collect(schema, f"{key}{sub}.", group or f.name, child if child is not None else schema())
            continue
        desc, src = split_comment(comments.get(f.name, ""))
        type_name = _type_name(hints[f.name])
        out.append(Param(key, group or ROOT_GROUP, type_name, unit_of(f.name, type_name), _shown(value),
                         ranges.get(f.name) or extra.get(f.name, ""), src, desc, f"{cls.__module__}.{cls.__name__}"))
    return out


def _default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else None


def _event_ranges() -> dict[str, str]:
    """A tabletop event's parameters: each kind has its own range and default (sim/exercise/injects, actions)."""
    import sim.exercise.actions  # noqa: F401 (fills the registries)
    import sim.exercise.injects  # noqa: F401
    from sim.exercise.kinds import ACTIONS, INJECTS, REQUIRED

    out: dict[str, list[str]] = {}
    for name, kind in {**INJECTS, **ACTIONS}.items():
        for p, spec in kind.params.items():
            text = (f"one of: {', '.join(spec.choices)}" if spec.choices
                    else _interval(spec.lo, spec.hi, False) if spec.lo is not None or spec.hi is not None else "any")
            default = "required" if spec.default is REQUIRED else f"default {_shown(spec.default_value())}"
            out.setdefault(p, []).append(f"{name}: {text}, {default}")
    return {p: "; ".join(v) for p, v in out.items()}


def groups(params: list[Param]) -> list[str]:
    return list(dict.fromkeys(p.group for p in params))
