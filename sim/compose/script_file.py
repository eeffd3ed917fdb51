"""``exercise.file=PATH``: an exercise script from anywhere (issue 22).

A script shared between training centres is hostile input until checked: it
is read as plain YAML (no tags, anchors, aliases or repeated keys; at most
``MAX_SCRIPT_BYTES``), holds no ``${...}`` anywhere (resolvers such as
``oc.env`` would read the environment), no ``hydra:`` section, no key the root
config does not know, and its ``defaults`` may only choose a registered option
of a known group (``- override /district: urban_core``). It is then filed in
Hydra's ConfigStore as an option of the ``exercise`` group, exactly as the
built-in scripts are (sim.compose.structured), and the override is rewritten to
choose it, so the run, the tabletop and a copy of a built-in script compose
the same way; the script is composed and checked on its own first, so every
fault in it is one line naming ``exercise.file``. Sweeps (``-m``) are refused:
they take ``+exercise=NAME``.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import yaml

from sim.compose.conf_files import (GROUPS, INSTANTIATE_KEYS, REGISTERED_EXERCISES, file_problem, group_dir,
                                    group_options, walk)
from sim.core.checks import ConfigError, os_reason
from sim.i18n import N_, Translator

_ = Translator("checks")

KEY = "exercise.file"
MAX_DEPTH = 12  # nesting of mappings and lists; a script needs 4 (exercise.injects[k].call_mix); assumption
MAX_EVENTS = 2_000  # injects plus actions; a busy day of a room is a few hundred (as MAX_REPLAY_ROWS / 5); assumption
MAX_SCRIPT_BYTES = 1_000_000  # a script; the built-in ones are under 4 kB; assumption (as conf_files.MAX_BYTES)
CHOOSABLE = tuple(g for g in GROUPS if g not in ("experiment", "exercise"))  # groups a script's defaults may set
OPTION_PREFIX = "file_"  # exercise options filed from files: file_<hash of the text>
# exercise options filed from files in this process: option -> the file's absolute path
REGISTERED_FILES: dict[str, str] = {}


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML without tags (``!!python/object``, ``!foo``, even ``!!str``),
    anchors or aliases (a few lines can expand into gigabytes), or a key twice
    in one mapping (the first would vanish unseen)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if self.check_event(yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.YAMLError(_("anchors and aliases (&, *) are not allowed"))
        if getattr(event, "tag", None) not in (None, "!"):
            raise yaml.YAMLError(_("tags ({tag}) are not allowed").format(tag=event.tag))
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.YAMLError(_("keys must be words, not lists or mappings"))
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.YAMLError(_("the key {key!r} appears twice in one mapping").format(key=key))
            seen.add(key)
        return super().construct_mapping(node, deep)


# a YAML date or time is not a script value (OmegaConf refuses it with a traceback): read it as text
_PlainLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _depth(node, limit: int) -> int:
    """How deep ``node`` nests (stops counting past ``limit``, without recursion)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > limit:
                return level
            stack.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _schema_problem(node, schema, where: str) -> str | None:
    """The first key of ``node`` its dataclass ``schema`` does not have
    (sections, lists of events), with what is allowed: said here, in the
    script's own terms, rather than as OmegaConf's error about a filed option."""
    import difflib
    import typing

    if not isinstance(node, dict) or not dataclasses.is_dataclass(schema):
        return None
    hints = typing.get_type_hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    for k, value in node.items():
        path = f"{where}.{k}" if where else str(k)
        if k not in names:
            close = difflib.get_close_matches(str(k), names, n=1)
            hint = _(" (did you mean {name}?)").format(name=close[0]) if close else ""
            return _("{path}: unknown key{hint}; allowed: {items}").format(path=path, hint=hint,
                                                                          items=", ".join(names))
        kind = hints[k]
        inner = typing.get_args(kind)
        if dataclasses.is_dataclass(kind):
            found = _schema_problem(value, kind, path)
        elif typing.get_origin(kind) in (list, typing.List) and inner and dataclasses.is_dataclass(inner[0]):
            found = next((p for i, v in enumerate(value if isinstance(value, list) else [])
                          if (p := _schema_problem(v, inner[0], f"{path}[{i}]"))), None)
        else:
            found = _type_problem(value, kind, path)
        if found:
            return found
    return None


def _type_problem(value, kind, path: str) -> str | None:
    """A number field given text (a date, a word) or a text field given a list: said with the key."""
    import typing

    if value is None:
        return None
    options = [t for t in typing.get_args(kind) if t is not type(None)] if typing.get_origin(kind) is typing.Union \
        else [kind]
    if len(options) != 1 or options[0] not in (int, float, str, bool):
        return None
    want = options[0]
    ok = isinstance(value, bool) if want is bool else (
        isinstance(value, (int, float)) and not isinstance(value, bool) if want is float else
        isinstance(value, int) and not isinstance(value, bool) if want is int else
        isinstance(value, (str, int, float)) and not isinstance(value, bool))
    if ok:
        return None
    words = {int: N_("a whole number"), float: N_("a number"), str: N_("text"), bool: N_("true or false")}
    return _("{path}={value!r}: must be {what}").format(path=path, value=value, what=_(words[want]))


def _root_keys() -> tuple[str, ...]:
    from sim.config import Config

    return tuple(f.name for f in dataclasses.fields(Config))


def _check_defaults(entries, fail) -> None:
    if not isinstance(entries, list):
        fail(_("defaults: must be a list of '- override /GROUP: NAME'"))
    for entry in entries:
        if entry == "_self_":
            continue
        if not isinstance(entry, dict) or len(entry) != 1:
            fail(_("defaults entry {entry!r}: allowed: '- override /GROUP: NAME'").format(entry=entry))
        (key, option), = entry.items()
        text = str(key)
        if not text.startswith("override /"):
            fail(_("defaults entry '{text}: {option}': allowed: '- override /GROUP: NAME'")
                 .format(text=text, option=option))
        group = text.removeprefix("override /").strip()
        if group not in CHOOSABLE:
            fail(_("defaults entry '{text}': allowed groups: {items}").format(text=text, items=', '.join(CHOOSABLE)))
        allowed = group_options(group)
        if not isinstance(option, str) or option not in allowed:
            fail(_("defaults entry '{text}: {option}': unknown option; allowed: {items}")
                 .format(text=text, option=option, items=', '.join(allowed)))
        preset = group_dir(group) / f"{option}.yaml"
        problem = file_problem(preset) if preset.is_file() else None
        if problem:
            fail(_("defaults entry '{text}: {option}': conf/{group}/{option}.yaml {problem}")
                 .format(text=text, option=option, group=group, problem=problem))


def read_script(path_text: str, key: str = KEY) -> tuple[Path, dict, bytes]:
    """(absolute path, the script's data, its bytes), checked as above; a
    fault raises ConfigError(key, path_text, why and what is allowed)."""
    def fail(why: str):
        raise ConfigError(key, path_text, why)

    if not path_text or "\x00" in path_text:
        fail(_("give the path of an exercise script (.yaml)"))
    path = Path(path_text)
    path = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        st = path.stat()
    except OSError as exc:
        fail(_("cannot be read ({value}); give the path of an exercise script (.yaml)")
             .format(value=os_reason(exc)))
    if path.is_dir():
        fail(_("is a folder; give the path of an exercise script (.yaml)"))
    if not path.is_file():
        fail(_("is not a regular file; give the path of an exercise script (.yaml)"))
    if st.st_size > MAX_SCRIPT_BYTES:
        fail(_("is larger than {max_script_bytes:,} bytes; a script is a few kB")
             .format(max_script_bytes=MAX_SCRIPT_BYTES))
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_SCRIPT_BYTES + 1)  # the file may have grown since stat
        if len(raw) > MAX_SCRIPT_BYTES:
            fail(_("is larger than {max_script_bytes:,} bytes; a script is a few kB")
                 .format(max_script_bytes=MAX_SCRIPT_BYTES))
        text = raw.decode("utf-8")
    except OSError as exc:
        fail(_("cannot be read ({value})").format(value=os_reason(exc)))
    except UnicodeDecodeError as exc:
        fail(_("is not UTF-8 text (byte {start})").format(start=exc.start))
    try:
        data = yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line {n}: ").format(n=mark.line + 1) if mark is not None else ""
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())[:160]
        fail(_("{where}{reason}; allowed: plain YAML (no tags, anchors, aliases or repeated keys)")
             .format(where=where, reason=reason))
    if not isinstance(data, dict) or not isinstance(data.get("exercise"), dict):
        fail(_("must be a mapping with an exercise: section (title, briefing, injects, ...)"))
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        fail(_("nests deeper than {n} levels; a script needs 4").format(n=MAX_DEPTH))
    events = sum(len(v) for v in (data["exercise"].get("injects"), data["exercise"].get("actions"))
                 if isinstance(v, list))
    if events > MAX_EVENTS:
        fail(_("holds {n} injects and actions; at most {max} are allowed").format(n=events, max=MAX_EVENTS))
    for dotted, k, value in walk(data, ""):
        if k is not None and not isinstance(k, str):
            fail(_("{dotted}: keys must be words").format(dotted=dotted))
        if k in INSTANTIATE_KEYS:
            fail(_("{dotted}: a script may not name Python code to run").format(dotted=dotted))
        if isinstance(value, str) and "${" in value or isinstance(k, str) and "${" in k:
            fail(_("{dotted}: interpolations (${{...}}) are not allowed in a script; write the value itself")
                 .format(dotted=dotted))
    if "hydra" in data:
        fail(_("hydra: settings are not allowed in a script; give them on the command line"))
    allowed = _root_keys()
    for k in data:
        if k != "defaults" and k not in allowed:
            fail(_("{k}: unknown key; allowed: defaults, {items}").format(k=k, items=', '.join(sorted(allowed))))
    if "defaults" in data:
        _check_defaults(data["defaults"], fail)
    from sim.config import Config

    problem = _schema_problem({k: v for k, v in data.items() if k != "defaults"}, Config, "")
    if problem:
        fail(problem)
    return path, data, raw


def register_script(path_text: str, check_alone, key: str = KEY) -> str:
    """File the script at ``path_text`` as an exercise option (checked, then
    composed and checked on its own by ``check_alone(option)``, the loader's
    composition, passed in so this module never imports the loader); returns
    the option's name."""
    path, data, raw = read_script(path_text, key)
    option = OPTION_PREFIX + hashlib.sha256(raw + str(path).encode()).hexdigest()[:12]
    if option not in REGISTERED_FILES:
        _file(option, path, data)
        try:
            check_alone(option)
        except ConfigError as exc:
            _unfile(option)
            why = str(exc).replace(f"exercise={option!r}: ", "").replace(f"exercise/{option}", path.name)
            raise ConfigError(key, path_text, why) from None
    return option


def _file(option: str, path: Path, data: dict) -> None:
    from hydra.core.config_store import ConfigStore
    from omegaconf import OmegaConf

    node = OmegaConf.create(data)
    OmegaConf.update(node, "exercise.name", path.stem, force_add=True)
    OmegaConf.update(node, "exercise.file", str(path), force_add=True)
    ConfigStore.instance().store(group="exercise", name=option, node=node, package="_global_")
    REGISTERED_FILES[option] = str(path)
    REGISTERED_EXERCISES.add(option)


def _unfile(option: str) -> None:
    from hydra.core.config_store import ConfigStore

    REGISTERED_FILES.pop(option, None)
    REGISTERED_EXERCISES.discard(option)
    ConfigStore.instance().repo.get("exercise", {}).pop(f"{option}.yaml", None)


def _is_file_key(text: str) -> bool:
    return text.lstrip("+~").split("=", 1)[0] == KEY


def _chooses_exercise(text: str) -> bool:
    return text.lstrip("+~").split("=", 1)[0] == "exercise"


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def script_file_choice(overrides: list[str], check_alone, multirun: bool = False) -> list[str]:
    """``overrides`` with ``exercise.file=PATH`` replaced by ``+exercise=<the
    filed option>`` (the file checked, filed and composed alone by
    ``check_alone`` first); unchanged without one."""
    given = [o for o in overrides if _is_file_key(o)]
    if not given:
        return overrides
    text = given[0]
    value = _unquote(text.split("=", 1)[1]) if "=" in text else ""
    if text.startswith("~") or len(given) > 1:
        raise ConfigError(KEY, value, _("give one script file, once (exercise.file=PATH)"))
    chosen = [o for o in overrides if _chooses_exercise(o)]
    if chosen:
        raise ConfigError(KEY, value, _("and {value} both choose a script: give one of them").format(value=chosen[0]))
    if multirun:
        raise ConfigError(KEY, value, _("sweeps (-m) take a built-in script (+exercise=NAME); run a script file "
                                        "one run at a time"))
    option = register_script(value, check_alone)
    return [f"+exercise={option}" if o is text else o for o in overrides]

