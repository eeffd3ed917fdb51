"""Compose a validated ``Config`` from command-line overrides, before any run.

Hydra reports a bad override as a multi-line traceback with exit code 1, and
only after it has made a run directory. Users need one line naming the key,
the value and what is allowed, exit code 2, and no run directory; so the
overrides are composed and validated here first, with Hydra's own compose API
and the same config files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.config import ConfigError, register_configs, to_config

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
GROUPS = ("district", "staffing", "policy", "dispatch", "experiment")


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


def is_hydra_override(text: str) -> bool:
    return text.lstrip("+~").startswith(("hydra.", "hydra/", "hydra="))


def _compose(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=overrides)


def _explain(override, exc: Exception) -> ConfigError:
    """Turn Hydra/OmegaConf's message for one failing override into one line."""
    key, value = override.key_or_group, override.value()
    text = " ".join(str(exc.__cause__ or exc).split())
    parent, _, leaf = key.rpartition(".")
    if "not in struct" in text or "Could not override" in text or "Key '" in text and "not in" in text:
        base = _compose([])
        node = OmegaConf.select(base, parent) if parent else base
        if node is not None and OmegaConf.is_dict(node) and leaf not in node:
            return ConfigError(key, value, "unknown key; allowed: " + ", ".join(sorted(node.keys())))
    converted = re.search(r"could not be converted to (\w+)", text)
    if converted:
        return ConfigError(key, value, f"must be of type {converted.group(1).lower()}")
    reason = text.split("full_key:")[0].strip()
    for marker in ("Error merging override", "Could not override"):
        reason = reason.replace(marker, "").strip()
    return ConfigError(key, value, reason or "invalid value")


@dataclass
class SweepPlan:
    """The jobs a ``-m`` command will launch, computed before Hydra starts so
    every job can be checked and the sweep monitored (sim.sweep)."""

    jobs: list[list[str]]
    sweeper: str  # the sweeper's _target_
    launcher: str  # the launcher's _target_
    extra_overrides: list[str]  # hydra overrides to add to the command


def _config_loader():
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path

    return ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONF_DIR)))


def sweep_plan(overrides: list[str]) -> SweepPlan:
    """Expand a sweep as the configured sweeper will (sim.sweep_plan): the
    experiment's ``hydra.sweeper.params`` plus the command's sweeps, or the
    Morris design of ``hydra/sweeper=morris``."""
    from sim.sweep_plan import design_jobs, expand_grid, morris_design

    register_configs()
    user = [o for o in overrides if not is_hydra_override(o)]
    hydra_ov = [o for o in overrides if is_hydra_override(o)]
    loader = _config_loader()
    try:
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(user)
    except Exception as exc:
        raise ConfigError(" ".join(user), "", "cannot parse override: " + str(exc).splitlines()[0]) from None
    for o in parsed:
        if o.is_interval_sweep():
            raise ConfigError(o.key_or_group, o.input_line, "interval sweeps need an optimising sweeper; "
                              "use a,b,c or range(start,stop,step)")
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    try:
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            hcfg = compose("config", overrides=fixed + hydra_ov, return_hydra_config=True).hydra
    except Exception:
        load_config(fixed)  # names the bad override in one line
        raise ConfigError(" ".join(hydra_ov), "", "Hydra cannot compose these hydra overrides") from None
    sweeper, launcher = str(hcfg.sweeper._target_), str(hcfg.launcher._target_)
    extra = []
    if sweeper.endswith("BasicSweeper"):  # Hydra's default: swap in the one that resumes. (Not in
        # conf/config.yaml: a primary config's sweeper override would beat an experiment's.)
        extra, sweeper = ["hydra/sweeper=resumable"], "hydra_plugins.cps_sweepers.sweepers.ResumableSweeper"
    node = hcfg.sweeper.get("params")
    params = OmegaConf.to_container(node, resolve=True) if node is not None else {}
    if sweeper.endswith("MorrisSweeper"):
        if len(fixed) != len(user):
            raise ConfigError("hydra/sweeper", "morris", "takes fixed overrides only; "
                              "put swept keys in hydra.sweeper.params")
        swept = set(params or {})
        for o in parsed:
            if o.key_or_group in swept:
                raise ConfigError(o.key_or_group, o.value(), "is swept by the Morris design "
                                  "(hydra.sweeper.params); set its range there instead")
        s = hcfg.sweeper
        try:
            design = morris_design(params or {}, s.trajectories, s.levels, s.seed)
        except (ValueError, TypeError, AssertionError) as exc:
            raise ConfigError("hydra.sweeper.params", params, str(exc) or type(exc).__name__) from None
        return SweepPlan(design_jobs(design, user), sweeper, launcher, extra)
    try:
        return SweepPlan(expand_grid(params or {}, user, loader), sweeper, launcher, extra)
    except Exception as exc:
        raise ConfigError("hydra.sweeper.params", params, " ".join(str(exc).split())) from None


def load_configs(jobs: list[list[str]]) -> list:
    """Validated configs of many jobs. Hydra's compose costs 0.25 s; jobs that
    differ only in plain ``key=value`` overrides share one composition; each
    job's values are set on it (the same struct and type checks), converted,
    and the shared values put back."""
    loader = _config_loader()
    parser = OverridesParser.create(config_loader=loader)
    base_cache: dict[tuple, Any] = {}
    configs = []
    for job in jobs:
        parsed = parser.parse_overrides(job)
        plain = [o for o in parsed if o.key_or_group not in GROUPS and not o.is_add() and not o.is_delete()
                 and not o.is_force_add() and o.package is None and "/" not in o.key_or_group]
        structural = tuple(o.input_line for o in parsed if o not in plain)
        if structural not in base_cache:
            load_config(list(structural))  # one-line errors for the structural part
            base_cache[structural] = _compose(list(structural))
        cfg = base_cache[structural]
        saved = [(o.key_or_group, OmegaConf.select(cfg, o.key_or_group)) for o in plain]
        try:  # set the job's values in place, convert, put the shared values back
            for o in plain:
                OmegaConf.update(cfg, o.key_or_group, o.value(), merge=True)
            configs.append(to_config(cfg))
        except ConfigError:
            raise
        except Exception:
            configs.append(load_config(job))  # the one-line error, or the plain path if that works
        finally:
            for key, value in reversed(saved):
                OmegaConf.update(cfg, key, value, merge=False)
    return configs


def load_config(overrides: list[str]):
    """Compose and validate; raise ConfigError with a one-line message."""
    register_configs()
    user = [o for o in overrides if not is_hydra_override(o)]
    try:
        parsed = OverridesParser.create().parse_overrides(user)
    except Exception as exc:  # grammar errors: name the raw text
        raise ConfigError(" ".join(user), "", "cannot parse override: " + str(exc).splitlines()[0]) from None
    for o in parsed:
        if o.key_or_group in GROUPS:
            allowed = group_options(o.key_or_group)
            if o.value() not in allowed:
                raise ConfigError(o.key_or_group, o.value(), "unknown option; allowed: " + ", ".join(allowed))
    try:
        composed = _compose(user)
    except Exception:
        for o, text in zip(parsed, user):  # find the first override that fails alone
            try:
                _compose([text])
            except Exception as exc:  # noqa: PERF203
                raise _explain(o, exc) from None
        raise
    try:
        return to_config(composed)
    except ConfigError:
        raise
    except Exception as exc:  # OmegaConf validation on conversion
        raise ConfigError("config", "", " ".join(str(exc).split())) from None
