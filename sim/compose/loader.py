"""Compose a validated ``Config`` from command-line overrides, before any run.

Hydra reports a bad override as a multi-line traceback with exit code 1, and
only after it has made a run directory. Users need one line naming the key,
the value and what is allowed, exit code 2, and no run directory; so the
overrides are composed and validated here first, with Hydra's own compose API
and the same config files: checked before composing (sim.compose.overrides),
typed (sim.compose.structured), then prepared for a run (sim.compose.prepare).
"""
from __future__ import annotations

import copy
import importlib
import itertools
import math
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.compose.conf_files import GROUPS
from sim.compose.hydra_guard import check_composed, is_hydra_override
from sim.compose import launchers
from sim.compose.cli import calibration_choice, split_args
from sim.compose.overrides import compose_hydra, config_loader, explain, first_failing, precheck
from sim.compose.prepare import prepare
from sim.compose.script_file import script_file_choice
from sim.compose.structured import register_configs, typed_config
from sim.config import Config
from sim.core.checks import TEXT, ConfigError
from sim.core.outdir import check_out_dir, resolve_out_dir
from sim.compose.sweep_plan import JOB_SUBDIR
from sim.i18n import Translator

_ = Translator("checks")


MAX_SWEEP_JOBS = 10_000  # jobs of one sweep command; assumption (each is checked first and gets a folder)


def to_config(cfg: Any) -> Config:
    """A composed DictConfig as a run's config: typed and checked
    (sim.compose.structured), then prepared (sim.compose.prepare)."""
    return prepare(typed_config(cfg))


def or_exit(make, *args):
    """``make(*args)``, with a ConfigError turned into one line on stderr and exit code 2."""
    try:
        return make(*args)
    except ConfigError as exc:
        print(_("config error") + f": {exc}", file=sys.stderr)
        sys.exit(2)


@dataclass
class SweepPlan:
    """The jobs a ``-m`` command will launch, computed before Hydra starts so
    every job can be checked and the sweep monitored (sim.study.sweep)."""

    jobs: list[list[str]]
    sweeper: str  # the sweeper's _target_
    launcher: str  # the launcher's _target_
    extra_overrides: list[str]  # hydra overrides to add to the command
    sweep_dir: Path | None  # hydra.sweep.dir resolved and absolute, if the command set it (sim.core.outdir)
    dirname: dict  # Hydra's override_dirname settings: kv_sep, item_sep, exclude_keys


def command_line(args: list[str]) -> tuple[list[str], list[str]]:
    """(flags, overrides) of a Hydra app's command line (``sim.compose.cli.split_args``)
    with ``exercise.file=PATH`` checked, filed and chosen as ``+exercise=<option>``."""
    flags, overrides = split_args(args)
    return flags, script_file_choice(overrides, _script_alone, multirun=bool({"-m", "--multirun"} & set(flags)))


def _script_alone(option: str) -> None:
    """A script file composed with nothing else: its faults are its own."""
    load_config([f"+exercise={option}"])


def sweep_plan(overrides: list[str]) -> SweepPlan:
    """Expand a sweep as the configured sweeper will (sim.compose.sweep_plan): the
    experiment's ``hydra.sweeper.params`` plus the command's sweeps, or the
    Morris design of ``hydra/sweeper=morris``."""
    from sim.compose.sweep_plan import design_jobs, expand_grid, morris_design

    register_configs()
    overrides = script_file_choice([calibration_choice(o) for o in overrides], _script_alone, multirun=True)
    user = [o for o in overrides if not is_hydra_override(o)]
    hydra_ov = [o for o in overrides if is_hydra_override(o)]
    precheck(overrides, multirun=True)
    loader = config_loader()
    parsed = OverridesParser.create(config_loader=loader).parse_overrides(user)
    for o in parsed:
        if o.is_interval_sweep():
            raise ConfigError(o.key_or_group, o.input_line, _("interval sweeps need an optimising sweeper; use "
                                                              "a,b,c or range(start,stop,step)"))
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    keys: dict[str, str] = {}
    for o in parsed:  # Hydra keeps "key" and "++key" apart: two values, one folder name
        bare = o.key_or_group
        if bare in keys and keys[bare] != o.input_line.split("=", 1)[0]:
            raise ConfigError(bare, o.input_line, _("is given twice with different prefixes; give it once"))
        keys[bare] = o.input_line.split("=", 1)[0]
    hcfg, subdir = _sweep_hydra_node(fixed, hydra_ov)
    sweeper, launcher = str(hcfg.sweeper._target_), str(hcfg.launcher._target_)
    launchers.check(hcfg)
    extra = launchers.extra_overrides(hcfg)
    if sweeper.endswith("BasicSweeper"):  # Hydra's default: swap in the one that resumes. (Not in
        # conf/config.yaml: a primary config's sweeper override would beat an experiment's.)
        extra, sweeper = extra + ["hydra/sweeper=resumable"], "hydra_plugins.cps_sweepers.sweepers.ResumableSweeper"
    try:
        importlib.import_module(sweeper.rpartition(".")[0])
    except ImportError as exc:
        raise ConfigError("hydra/sweeper", sweeper, _("cannot be imported ({exc}); reinstall: pip install -e .")
                                                    .format(exc=exc)) from None
    if subdir != JOB_SUBDIR:
        raise ConfigError("hydra.sweep.subdir", subdir,
                          _("must be {job_subdir}: resumable sweeps name job folders by their overrides")
                          .format(job_subdir=JOB_SUBDIR))
    od = hcfg.job.config.override_dirname
    dirname = {"kv_sep": str(od.kv_sep), "item_sep": str(od.item_sep), "exclude_keys": list(od.exclude_keys)}
    explicit = any(o.lstrip("+").startswith("hydra.sweep.dir=") for o in hydra_ov)
    sweep_dir = resolve_out_dir(str(hcfg.sweep.dir), "hydra.sweep.dir") if explicit else None
    if any(o.lstrip("+").startswith("hydra.run.dir=") for o in hydra_ov):  # unused by a sweep, but checked
        resolve_out_dir(str(hcfg.run.dir), "hydra.run.dir")
    node = hcfg.sweeper.get("params")
    params = OmegaConf.to_container(node, resolve=True) if node is not None else {}
    for o in parsed:
        if o.key_or_group in (params or {}) and keys[o.key_or_group] != o.key_or_group:
            raise ConfigError(o.key_or_group, o.input_line, _("is swept by hydra.sweeper.params; override it "
                                                              "without a +/++ prefix"))
    if sweeper.endswith("MorrisSweeper"):
        if len(fixed) != len(user):
            raise ConfigError("hydra/sweeper", "morris", _("takes fixed overrides only; put swept keys in "
                                                           "hydra.sweeper.params"))
        swept = set(params or {})
        for o in parsed:
            if o.key_or_group in swept:
                raise ConfigError(o.key_or_group, o.value(), _("is swept by the Morris design "
                                                               "(hydra.sweeper.params); set its range there "
                                                               "instead"))
        s = hcfg.sweeper
        try:
            design = morris_design(params or {}, s.trajectories, s.levels, s.seed)
        except (ValueError, TypeError, AssertionError) as exc:
            raise ConfigError("hydra.sweeper.params", params, str(exc) or type(exc).__name__) from None
        jobs = design_jobs(design, user)
    else:
        _check_sweep_size(parsed)
        try:
            jobs = expand_grid(params or {}, user, config_loader())
        except Exception as exc:
            for text in user:  # name the sweep the user wrote, if one fails on its own
                try:
                    expand_grid({}, [text], config_loader())
                except Exception as own:  # noqa: BLE001, PERF203
                    key, _eq, value = text.partition("=")
                    raise ConfigError(key.lstrip("+"), value, " ".join(str(own).split())) from None
            raise ConfigError("hydra.sweeper.params", params, " ".join(str(exc).split())) from None
        if len(jobs) > MAX_SWEEP_JOBS:
            raise ConfigError("sweep", f"{len(jobs):,} jobs", _("at most {max_sweep_jobs:,} jobs per sweep: "
                                                                "split it (e.g. replicate=range(0,5000) then "
                                                                "range(5000,10000) in the same hydra.sweep.dir)")
                                                              .format(max_sweep_jobs=MAX_SWEEP_JOBS))
    return SweepPlan(jobs, sweeper, launcher, extra, sweep_dir, dirname)


def _check_sweep_size(parsed: list) -> None:
    """The command's sweeps cannot make more than MAX_SWEEP_JOBS jobs: counted
    before anything is expanded (``range(0,100000000)`` would take minutes)."""
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    total = 1
    for o in parsed:
        value = o.value()
        if isinstance(value, RangeSweep):
            if not value.step:
                raise ConfigError(o.key_or_group, o.input_line.partition("=")[2], _("range() step must not be zero"))
            total *= max(0, math.ceil((value.stop - value.start) / value.step))
        elif isinstance(value, ChoiceSweep):
            total *= len(value.list)
        if total > MAX_SWEEP_JOBS:
            raise ConfigError("sweep", o.input_line, _("makes more than {max_sweep_jobs:,} jobs; split it (e.g. "
                                                       "replicate=range(0,5000) then range(5000,10000) in the "
                                                       "same hydra.sweep.dir)").format(max_sweep_jobs=MAX_SWEEP_JOBS))


def _sweep_hydra_node(fixed: list[str], hydra_ov: list[str]):
    """The hydra node of the composed config (its sweep folder resolved) and
    the text of ``hydra.sweep.subdir``; a failure names its override."""
    try:
        cfg = compose_hydra(fixed + hydra_ov)
        check_composed(cfg.hydra)
        subdir = str(OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir"))
        OmegaConf.resolve(cfg.hydra.sweep)
        return cfg.hydra, subdir
    except ConfigError:
        raise
    except Exception:
        load_config(fixed)  # names a bad non-hydra override in one line
        first_failing(hydra_ov)
        raise ConfigError(" ".join(hydra_ov), TEXT, _("Hydra cannot compose these overrides together")) from None


def _is_plain(o) -> bool:
    """A ``key=scalar`` override that OmegaConf can set on a composed config
    exactly as Hydra would (no group choice, no +/++/~, no dict or list)."""
    return (o.key_or_group not in GROUPS and not o.is_add() and not o.is_delete() and not o.is_force_add()
            and o.package is None and "/" not in o.key_or_group and not o.is_sweep_override()
            and not isinstance(o.value(), (dict, list)))


def load_configs(jobs: list[list[str]]) -> list:
    """Validated configs of many jobs. Hydra's compose costs 0.25 s; jobs that
    differ only in plain ``key=scalar`` overrides share one composition, and
    each job sets its values on it (the same struct and type checks) and puts
    the old nodes back afterwards. Anything else is composed by Hydra itself."""
    parser = OverridesParser.create(config_loader=config_loader())
    base_cache: dict[tuple, Any] = {}
    configs = []
    for job in jobs:
        job = [calibration_choice(o) for o in job]
        parsed = parser.parse_overrides(job)
        plain = [o for o in parsed if _is_plain(o)]
        structural = tuple(o.input_line for o in parsed if not _is_plain(o))
        if structural not in base_cache:
            base_cache[structural] = _checked_base(list(structural))
        try:
            with _overridden(base_cache[structural], plain) as cfg:
                configs.append(to_config(cfg))
        except ConfigError:
            raise
        except Exception:
            configs.append(load_config(job))  # raises the one-line error
    return configs


def _checked_base(structural: list[str]):
    """The composition the jobs with these group/+/++ overrides share, composed
    and its hydra node checked by ``_load`` (one-line errors); the config itself is
    checked per job, with the job's values set (``district=gis`` alone names no files)."""
    return _load(structural, typed=False)[0]


_DOTTED_KEY = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _slot(cfg, key: str):
    """(parent DictConfig, leaf name) of an existing ``a.b.c`` key reached
    through plain dict nodes only, so ``OmegaConf.update`` on it changes that one
    slot of its parent and nothing else; None if the path is anything else
    (missing key, list index, None/missing/interpolated node on the way)."""
    if not _DOTTED_KEY.fullmatch(key):
        return None
    *path, leaf = key.split(".")
    parent = cfg
    for name in path:
        parent = parent._get_node(name)
        if (not isinstance(parent, DictConfig) or parent._is_none() or parent._is_missing()
                or parent._is_interpolation()):
            return None
    if leaf not in parent.__dict__["_content"]:
        return None
    return parent, leaf


def _overlap(keys: list[str]) -> bool:
    """Whether two keys name the same slot or one lies inside the other."""
    return any(a == b or a.startswith(b + ".") or b.startswith(a + ".") for a, b in itertools.combinations(keys, 2))


@contextmanager
def _overridden(base, plain: list):
    """``base`` with the plain overrides set, as ``OmegaConf.update`` on a deep
    copy of it would give, without copying the whole tree (that copy was half
    the time of a job): each overridden slot gets a copy of its node, and the
    original nodes go back afterwards, even if a value is rejected. Overrides
    whose slots nest, repeat or cannot be found are set on a full deep copy instead.
    (Uses OmegaConf 2.3 internals: the parent's ``_content`` dict; pinned in pyproject.)"""
    keys = [o.key_or_group for o in plain]
    slots = [_slot(base, key) for key in keys]
    if _overlap(keys) or None in slots:
        cfg = copy.deepcopy(base)
        for o in plain:
            OmegaConf.update(cfg, o.key_or_group, o.value(), merge=True)
        yield cfg
        return
    saved = []
    try:
        for o, (parent, leaf) in zip(plain, slots):
            content = parent.__dict__["_content"]
            saved.append((content, leaf, content[leaf]))
            content[leaf] = copy.deepcopy(content[leaf])  # the copy keeps its parent
            OmegaConf.update(base, o.key_or_group, o.value(), merge=True)
        yield base
    finally:
        for content, leaf, node in reversed(saved):
            content[leaf] = node


def load_config(overrides: list[str]):
    """Compose and validate; raise ConfigError with a one-line message."""
    return _load(overrides)[1]


def load_run(overrides: list[str], key: str = "hydra.run.dir", kind: str = "run") -> tuple:
    """The validated config of a single run and its checked output folder
    (absolute; ``sim.core.outdir`` rules, ``sim.overwrite`` honoured)."""
    _cfg, config, hcfg = _load(overrides)
    try:
        folder = OmegaConf.select(hcfg, key.removeprefix("hydra."))
    except Exception as exc:  # noqa: BLE001 - an interpolation that cannot be resolved here
        raise ConfigError(key, OmegaConf.select(hcfg, key.removeprefix("hydra."), throw_on_resolution_failure=False),
                          _("cannot be resolved ({value})").format(value=' '.join(str(exc).split())[:100])) from None
    return config, check_out_dir(str(folder), key, config.sim.overwrite, kind=kind)


def _load(overrides: list[str], typed: bool = True):
    """The composed DictConfig (without its hydra node), its validated Config
    (None when not ``typed``), and the hydra node (checked: sim.compose.hydra_guard)."""
    register_configs()
    overrides = script_file_choice([calibration_choice(o) for o in overrides], _script_alone)
    parsed = precheck(overrides)
    texts = [o for o in overrides if not is_hydra_override(o)] + [o for o in overrides if is_hydra_override(o)]
    try:
        composed = compose_hydra(texts)
    except Exception:
        user = [o for o in overrides if not is_hydra_override(o)]
        for o, text in zip(parsed, user):  # find the first override that fails alone
            try:
                compose_hydra([text])
            except Exception as exc:  # noqa: PERF203
                raise explain(o, exc) from None
        first_failing(texts[len(user):])
        raise ConfigError(" ".join(overrides), TEXT, _("these overrides cannot be composed together")) from None
    hcfg = composed.hydra
    check_composed(hcfg)
    launchers.check(hcfg)
    with open_dict(composed):
        del composed["hydra"]
    if not typed:
        return composed, None, hcfg
    try:
        return composed, to_config(composed), hcfg
    except ConfigError:
        raise
    except Exception as exc:  # OmegaConf validation on conversion
        raise ConfigError("config", "", " ".join(str(exc).split())) from None
