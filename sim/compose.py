"""Compose a validated ``Config`` from command-line overrides, before any run.

Hydra reports a bad override as a multi-line traceback with exit code 1, and
only after it has made a run directory. Users need one line naming the key,
the value and what is allowed, exit code 2, and no run directory; so the
overrides are composed and validated here first, with Hydra's own compose API
and the same config files.
"""
from __future__ import annotations

import itertools
import re
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


def _is_hydra_override(text: str) -> bool:
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


def sweep_jobs(overrides: list[str], limit: int = 2000) -> list[list[str]]:
    """The override lists of every job of a ``-m`` sweep (choice and range
    sweeps expanded, as Hydra's basic sweeper does), so each can be checked
    before Hydra creates the sweep folder. Interval sweeps (for optimisers)
    are checked at their bounds only."""
    user = [o for o in overrides if not _is_hydra_override(o)]
    parsed = OverridesParser.create().parse_overrides(user)
    axes = []
    for o in parsed:
        key = o.get_key_element()
        if o.is_interval_sweep():
            axes.append([f"{key}={o.value().start}", f"{key}={o.value().end}"])
        elif o.is_sweep_override():
            axes.append([f"{key}={v}" for v in o.sweep_string_iterator()])
        else:
            axes.append([text for text in user if text.split("=", 1)[0] == key] or [o.input_line])
    jobs = [list(combo) for combo in itertools.islice(itertools.product(*axes), limit)]
    return jobs


def load_config(overrides: list[str]):
    """Compose and validate; raise ConfigError with a one-line message."""
    register_configs()
    user = [o for o in overrides if not _is_hydra_override(o)]
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
