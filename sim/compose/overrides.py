"""Command-line overrides before and while Hydra composes them.

What must hold before Hydra reads anything (``precheck``), and Hydra's own
messages for an override it rejects turned into one line naming the key, the
value and what is allowed (``explain``, ``first_failing``).
"""
from __future__ import annotations

import re

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.compose.conf_files import CONF_DIR, GROUPS, check_selected, group_options
from sim.compose.hydra_guard import CONTROL, check_overrides, interpolation_problem, is_hydra_override
from sim.core.checks import TEXT, ConfigError
from sim.i18n import Translator

_ = Translator("checks")


def compose_hydra(overrides: list[str]):
    """Hydra's composition with its own node (``cfg.hydra``), as a run sees it."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=True)


def config_loader():
    """Hydra's config loader over conf/ (glob() sweeps list a group's options through it)."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path

    return ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONF_DIR)))


def precheck(overrides: list[str], multirun: bool = False) -> list:
    """What must hold before Hydra reads anything: hydra overrides from the
    allow-list (sim.compose.hydra_guard), every config file the command would load
    safe (sim.compose.conf_files), group options that exist. Returns the parsed
    non-hydra overrides."""
    user = [o for o in overrides if not is_hydra_override(o)]
    hydra_ov = [o for o in overrides if is_hydra_override(o)]
    check_overrides(hydra_ov)
    parser = OverridesParser.create(config_loader=config_loader())  # glob() sweeps list a group's options
    parsed = []
    for text in user:
        try:
            parsed += parser.parse_overrides([text])
        except Exception as exc:  # noqa: PERF203 - grammar errors: name the raw text
            hint = (_("; quote a value in other scripts, e.g. district.gis.population_field='人口'")
                    if not text.isascii() else "")
            raise ConfigError(text, TEXT, _("cannot parse override: {value}{hint}")
                                          .format(value=str(exc).splitlines()[0], hint=hint)) from None
    for text in user:
        value_text = text.partition("=")[2]
        problem = interpolation_problem(value_text)
        if problem or CONTROL.search(value_text):
            raise ConfigError(text.partition("=")[0].lstrip("+~"), value_text,
                              problem or _("must not contain control characters (newlines, tabs)"))
    choices, chosen = [], {}
    for o in parsed:
        key = o.key_or_group
        if o.package is not None:
            raise ConfigError(key, o.input_line, _("package overrides (@) are not allowed"))
        if o.is_delete():
            raise ConfigError(o.input_line, TEXT, _("deleting a key (~) is not supported: set the value you want "
                                                    "instead (every key has a default)"))
        if o.is_sweep_override() and not multirun:
            raise ConfigError(key, o.input_line.partition("=")[2], _("is a sweep (a,b / range() / glob()); add "
                                                                     "-m to run a sweep"))
        if key in ("experiment", "exercise") and not (o.is_add() or o.is_force_add()):
            raise ConfigError(key, o.input_line.partition("=")[2], _("is not in the default config: write "
                                                                     "+{key}={value}")
                                                                   .format(key=key,
                                                                           value=o.input_line.partition('=')[2]))
        if key in GROUPS:
            if key in chosen:
                raise ConfigError(key, o.input_line.partition("=")[2], _("is chosen twice ({value} and "
                                                                         "{value2}); choose one")
                                                                       .format(value=chosen[key],
                                                                               value2=o.input_line.partition('=')[2]))
            chosen[key] = o.input_line.partition("=")[2]
        if o.key_or_group in GROUPS:
            allowed = group_options(o.key_or_group)
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]
            for value in values:
                if value not in allowed:
                    raise ConfigError(o.key_or_group, value, _("unknown option; allowed: {items}")
                                                             .format(items=", ".join(allowed)))
            choices += [(o.key_or_group, v) for v in values]
    for text in hydra_ov:
        key, _eq, value = text.lstrip("+").partition("=")
        if "/" in key:
            choices.append((key, value))
    check_selected(choices)
    return parsed


def explain(override, exc: Exception) -> ConfigError:
    """Turn Hydra/OmegaConf's message for one failing override into one line."""
    key, value = override.key_or_group, override.value()
    text = " ".join(str(exc.__cause__ or exc).split())
    parent, _dot, leaf = key.rpartition(".")
    if "$KEY" in text or "incompatible with (int)" in text:  # a numbered key (dispatch.preference_lists.0)
        return ConfigError(key, value, _("the keys of {parent} are whole numbers: set the whole mapping, e.g. "
                                         "+{parent}={{0: [1, 2]}}").format(parent=parent))
    if "not in struct" in text and isinstance(value, dict) and not override.is_add():
        return ConfigError(key, value, _("a mapping is set with a + in front: +{key}={{...}}").format(key=key))
    if "not in struct" in text or "Could not override" in text or "Key '" in text and "not in" in text:
        base = compose_hydra([])
        node = OmegaConf.select(base, parent) if parent else base
        if node is not None and OmegaConf.is_dict(node) and leaf not in node:
            return ConfigError(key, value, _("unknown key; allowed: {items}")
                                           .format(items=", ".join(sorted(k for k in node.keys()
                                                                                    if k != "hydra"))))
    converted = re.search(r"could not be converted to (\w+)", text)
    if converted:
        return ConfigError(key, value, _("must be of type {value}").format(value=converted.group(1).lower()))
    reason = text.split("full_key:")[0].strip()
    for marker in ("Error merging override", "Could not override"):
        reason = reason.replace(marker, "").strip()
    return ConfigError(key, value, reason or _("invalid value"))


def first_failing(texts: list[str]) -> None:
    """Raise the one-line error of the first override that fails on its own."""
    parser = OverridesParser.create()
    for text in texts:
        try:
            compose_hydra([text])
        except Exception as exc:  # noqa: PERF203
            raise explain(parser.parse_overrides([text])[0], exc) from None
