"""Config files people share (presets, experiments, exercise scripts): each is
read with a safe YAML loader and checked *before* Hydra reads any of it.

A file may hold settings and nothing else. Refused, with the file named:
a key that makes Hydra instantiate code (``_target_`` and friends); a
``hydra:`` block, except an experiment's sweep (``hydra.sweeper.params`` and
the Morris design's knobs); a ``# @package`` that targets Hydra's own node;
a defaults entry naming anything but the project's groups and options;
resolver interpolations (``${oc.env:...}``); YAML anchors and aliases (a file
of a few lines can expand into gigabytes); files over ``MAX_BYTES``; YAML that
does not parse. A bad file breaks only the commands that use it: the others
never read it (``check_selected``), and the exercise group skips it when it
is registered (``good_exercises``).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from sim.core.checks import ConfigError, os_reason
from sim.compose.hydra_guard import GROUP_CHOICES, TARGETS, interpolation_problem
from sim.i18n import Translator, current_language

_ = Translator("checks")

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
EXERCISES_DIR = Path(__file__).resolve().parents[1] / "scenarios" / "exercises"
GROUPS = ("district", "staffing", "policy", "dispatch", "crime", "lever", "response", "calibration", "experiment",
          "exercise")
# calibration candidates filed in the ConfigStore by python -m sim.calibrate (sim.compose.structured)
REGISTERED_CALIBRATIONS: set[str] = set()
# exercise scripts filed from exercise.file=PATH in this process (sim.compose.script_file)
REGISTERED_EXERCISES: set[str] = set()
MAX_BYTES = 1_000_000  # a config or script file; ours are under 5 kB; assumption
INSTANTIATE_KEYS = ("_target_", "_args_", "_partial_", "_recursive_", "_convert_", "()")  # "()": logging factories
EXPERIMENT_HYDRA = {"sweeper": ("params", "trajectories", "levels", "seed", "max_batch_size")}
PRIMARY_HYDRA = {"run": ("dir",), "sweep": ("dir", "subdir"), "job": ("name", "chdir", "config")}
PACKAGE = re.compile(r"^\s*#\s*@package\s+(\S+)", re.MULTILINE)
OPTION = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def group_dir(group: str) -> Path:
    return EXERCISES_DIR if group == "exercise" else CONF_DIR / group


def group_options(group: str) -> list[str]:
    """Every option of a group (bad files included: choosing one says why it
    is bad), and the registered names that have no preset file."""
    files = {p.stem for p in group_dir(group).glob("*.yaml") if OPTION.match(p.stem)}
    return sorted(files | registered_options(group))


def registered_options(group: str) -> set[str]:
    """The names a registry gives a group: a new policy or dispatch rule is one
    module, chosen as ``policy=NAME`` without a preset file (README "Where do
    I put X?"); a preset file, when there is one, adds its sourced settings."""
    if group == "policy":
        from sim.scenarios import POLICIES

        return set(POLICIES)
    if group == "dispatch":
        from sim.policing.dispatch_rules import DISPATCH_RULES

        return set(DISPATCH_RULES)
    if group == "calibration":
        return set(REGISTERED_CALIBRATIONS)
    if group == "exercise":
        return set(REGISTERED_EXERCISES)
    return set()


def _kind(path: Path) -> str:
    if path == CONF_DIR / "config.yaml":
        return "primary"
    if CONF_DIR / "hydra" in path.parents:
        return "hydra"
    if path.parent == EXERCISES_DIR:
        return "exercise"
    return "experiment" if path.parent.name == "experiment" else "preset"


def walk(node, where: str):
    """(dotted key, key, value) of every entry below ``node``; a list's items
    come with key None (their text is checked as a mapping's values are)."""
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{where}.{k}" if where else str(k)
            yield path, k, v
            yield from walk(v, path)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield f"{where}[{i}]", None, v
            yield from walk(v, f"{where}[{i}]")


def _check_hydra_block(block, allowed: dict, kind: str) -> str | None:
    if not isinstance(block, dict):
        return _("hydra: must be a mapping")
    for part, value in block.items():
        if part not in allowed:
            return ((_("hydra.{part} is not allowed in an {kind} file (allowed: {items})") if kind == "experiment"
                     else _("hydra.{part} is not allowed in a {kind} file (allowed: {items})"))
                    .format(part=part, kind=kind, items=", ".join("hydra." + k for k in allowed) or _("none")))
        if not isinstance(value, dict):
            continue
        for key in value:
            if key not in allowed[part]:
                return _("hydra.{part}.{key} is not allowed in a {kind} file").format(part=part, key=key, kind=kind)
    return None


def _check_defaults(entries, kind: str) -> str | None:
    if not isinstance(entries, list):
        return _("defaults: must be a list")
    for entry in entries:
        if entry == "_self_" or (kind in ("primary", "hydra") and isinstance(entry, str)):
            continue
        if not isinstance(entry, dict) or len(entry) != 1:
            return (_("defaults entry {entry!r}: must be '- group: option' or '- override /group: option'")
                    .format(entry=entry))
        (key, option), = entry.items()
        group = str(key).removeprefix("override").strip().lstrip("/")
        if kind in ("primary", "hydra"):
            continue
        if group == "hydra/sweeper" and kind == "experiment":
            allowed = GROUP_CHOICES["hydra/sweeper"]
        elif group in GROUPS and group not in ("experiment", "exercise"):
            allowed = group_options(group)
        else:
            return (_("defaults entry '{key}': only the groups {items} may be chosen here")
                    .format(key=key, items=', '.join(GROUPS[:8])))
        if option not in allowed:
            return (_("defaults entry '{key}: {option}': unknown option; allowed: {items}")
                    .format(key=key, option=option, items=', '.join(allowed)))
    return None


def problem_of(path: Path) -> str | None:
    """Why this config file may not be used (None: it may)."""
    kind = _kind(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            return _("is larger than {max_bytes:,} bytes").format(max_bytes=MAX_BYTES)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return _("cannot be read ({value})").format(value=os_reason(exc))
    except UnicodeDecodeError as exc:
        return _("is not UTF-8 text (byte {start})").format(start=exc.start)
    packages = PACKAGE.findall(text)  # anywhere, not only in the header Hydra reads (it skips blank lines)
    package = packages[0] if packages else None
    for p in packages:
        if kind not in ("primary", "hydra") and (p not in ("_global_", "_group_", path.parent.name)
                                                 or len(set(packages)) > 1):
            return _("'# @package {p}' is not allowed (one of _global_ or _group_)").format(p=p)
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                return (_("line {value}: YAML anchors and aliases (&, *) are not supported")
                        .format(value=token.start_mark.line + 1))
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line {n}: ").format(n=mark.line + 1) if mark is not None else ""
        return (_("{where}not valid YAML ({items})")
                .format(where=where, items=' '.join(str(getattr(exc, 'problem', exc)).split())))
    if data is None:
        return None
    if not isinstance(data, dict):
        return _("must be a mapping of keys to values")
    for dotted, key, value in walk(data, ""):
        if key in INSTANTIATE_KEYS:
            if kind == "hydra" and key == "_target_" and value in sum(TARGETS.values(), ()):
                continue
            return _("{dotted}: configs may not name Python code to run").format(dotted=dotted)
        if isinstance(value, str) and kind != "primary" and interpolation_problem(value):
            return (_("{dotted}: resolver interpolations (${{name:...}}) are not allowed in shared files")
                    .format(dotted=dotted))
    if "defaults" in data:
        problem = _check_defaults(data["defaults"], kind)
        if problem:
            return problem
    if kind in ("preset", "exercise", "experiment") and "hydra" in data:
        if kind != "experiment" or package != "_global_":
            return (_("hydra: settings are not allowed in an {kind} file") if kind == "exercise"
                    else _("hydra: settings are not allowed in a {kind} file")).format(kind=kind)
        return _check_hydra_block(data["hydra"], EXPERIMENT_HYDRA, kind)
    if kind == "primary" and "hydra" in data:
        return _check_hydra_block(data["hydra"], PRIMARY_HYDRA, kind)
    return None


@functools.lru_cache(maxsize=256)
def _cached_problem(path: str, mtime_ns: int, size: int, lang: str) -> str | None:  # lang: messages in it
    return problem_of(Path(path))


def file_problem(path: Path) -> str | None:
    """``problem_of``, cached per file version (every compose asks)."""
    try:
        st = path.stat()
    except OSError as exc:
        return _("cannot be read ({value})").format(value=os_reason(exc))
    return _cached_problem(str(path), st.st_mtime_ns, st.st_size, current_language())


def _defaults_of(path: Path) -> list[tuple[str, str]]:
    """(group, option) named in a good file's defaults list."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader) or {}  # noqa: S506
    out = []
    for entry in data.get("defaults") or []:
        if isinstance(entry, dict) and len(entry) == 1:
            (key, option), = entry.items()
            out.append((str(key).removeprefix("override").strip().lstrip("/"), str(option)))
    return out


def _file_of(group: str, option: str) -> Path | None:
    path = group_dir(group) / f"{option}.yaml" if group in GROUPS else CONF_DIR / group / f"{option}.yaml"
    return path if path.is_file() else None


def check_selected(choices: list[tuple[str, str | None]]) -> None:
    """Check the primary config and every file the command would load: the
    default choices, then the command's group overrides (``choices``, in
    order; None deletes), then the files those name in their defaults lists."""
    primary = CONF_DIR / "config.yaml"
    problem = file_problem(primary)
    if problem:
        raise ConfigError("config", str(primary), problem)
    chosen: dict[str, str] = dict(_defaults_of(primary))
    for group, option in choices:
        if option is None:
            chosen.pop(group, None)
        else:
            chosen[group] = option
    queue, seen = list(chosen.items()), set()
    while queue:
        group, option = queue.pop()
        if (group, option) in seen:
            continue
        seen.add((group, option))
        path = _file_of(group, option)
        if path is None:
            continue  # an option Hydra or a plugin provides, or an unknown one (reported by the caller)
        problem = file_problem(path)
        if problem:
            shown = path.relative_to(path.parents[2]) if len(path.parents) > 2 else path
            raise ConfigError(group, option, _("{file}: {problem}").format(file=shown, problem=problem))
        queue.extend(_defaults_of(path))


def good_exercises() -> dict[str, Path]:
    """The exercise scripts that may be registered: a bad one is left out (and
    reported by name when chosen), so it breaks no other command."""
    return {name: EXERCISES_DIR / f"{name}.yaml" for name in group_options("exercise")
            if file_problem(EXERCISES_DIR / f"{name}.yaml") is None}
