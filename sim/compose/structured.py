"""The typed schema inside Hydra: the root ``Config`` and the exercise scripts
filed in the ConfigStore, and a composed DictConfig turned into a checked
``Config``. The only module that knows OmegaConf's internals (2.3, pinned in
pyproject)."""
from __future__ import annotations

import functools
import typing
from dataclasses import is_dataclass
from typing import Any, List

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf, ValueNode

from sim.compose.conf_files import good_exercises, group_dir, registered_options
from sim.config import Config
from sim.core.checks import ConfigError
from sim.i18n import Translator

_ = Translator("checks")


@functools.cache
def register_configs() -> None:
    """Register the schema so YAML groups in conf/ are merged onto typed nodes.
    Once per process: storing the schema costs ~0.15 s, and every compose,
    sweep plan and launch asks for it."""
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    for group in ("policy", "dispatch"):  # registered names without a preset file: policy=NAME works
        for name in sorted(registered_options(group)):
            if not (group_dir(group) / f"{name}.yaml").exists():
                store.store(group=group, name=name, node={"name": name})
    register_exercises(store)  # sim/scenarios/exercises/NAME.yaml -> +exercise=NAME


def register_exercises(store) -> None:
    """File each script of sim/scenarios/exercises/ as option NAME of the
    ``exercise`` group (a global package: a script may set the district, the
    days and the warm-up too); ``exercise.name`` is the file name. A script
    that fails sim.compose.conf_files' checks is left out, so it breaks no other
    command (choosing it reports why)."""
    for name, path in good_exercises().items():
        node = OmegaConf.load(path)
        OmegaConf.update(node, "exercise.name", name, force_add=True)
        store.store(group="exercise", name=name, node=node, package="_global_")


@functools.cache
def _type_hints(schema: type) -> dict[str, Any]:
    """``typing.get_type_hints`` of a schema class, cached: it re-evaluates every
    annotation string on each call, ~35 times per validated config. Read only."""
    return typing.get_type_hints(schema)


def _holds_literal(node: Any, key: Any) -> bool:
    """Whether ``node[key]`` is a plain scalar (not missing, not an interpolation),
    so there are no keys below it to check. Looking at the child node skips
    ``DictConfig.__getitem__``'s resolution, most of the cost of the key check
    (OmegaConf 2.3 internals: the node's ``_content`` dict; pinned in pyproject)."""
    child = node.__dict__["_content"][key]
    return isinstance(child, ValueNode) and not child._is_missing() and not child._is_interpolation()


def _reject_unknown_keys(node: Any, schema: Any, path: str) -> None:
    """Hydra's ``+key=value`` adds keys even to typed nodes, and to_object then
    drops them silently: a misspelled ``+staffing.oficers=10`` would run with the
    default. Every key of a dataclass node must be one of its fields."""
    hints = _type_hints(schema)
    for key in node.keys():
        full = f"{path}.{key}" if path else str(key)
        if key not in hints:
            raise ConfigError(full, OmegaConf.select(node, str(key)),
                              _("unknown key; allowed: {items}").format(items=", ".join(sorted(hints))))
        if _holds_literal(node, key):
            continue
        hint, value = hints[key], node[key]
        if OmegaConf.is_list(value) and typing.get_origin(hint) in (list, List):
            item = typing.get_args(hint)[0]
            if is_dataclass(item):  # e.g. exercise.injects[k]
                for k, element in enumerate(value):
                    if OmegaConf.is_dict(element):
                        _reject_unknown_keys(element, item, f"{full}[{k}]")
            continue
        if not OmegaConf.is_dict(value):
            continue
        if is_dataclass(hint):
            _reject_unknown_keys(value, hint, full)
        elif typing.get_origin(hint) is dict and is_dataclass(typing.get_args(hint)[1]):
            for k in value.keys():
                if OmegaConf.is_dict(value[k]):
                    _reject_unknown_keys(value[k], typing.get_args(hint)[1], f"{full}.{k}")


def typed_config(cfg: Any) -> Config:
    """A composed DictConfig as a typed ``Config`` with every check that needs
    nothing but the config itself (the rest: sim.compose.prepare)."""
    _reject_unknown_keys(cfg, Config, "")
    obj = OmegaConf.to_object(cfg)
    if not isinstance(obj, Config):  # composed without the schema (should not happen)
        obj = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), cfg))
    return obj.validate()


def register_calibration(name: str, values: dict) -> None:
    """File a calibration candidate (``python -m sim.calibrate``) as option
    NAME of the ``calibration`` group, so its runs compose exactly as a run of
    the preset it would become: at the calibration's place in the defaults
    list, before the crime preset, experiments and the command line."""
    from sim.compose.conf_files import REGISTERED_CALIBRATIONS

    ConfigStore.instance().store(group="calibration", name=name, node=values, package="_global_")
    REGISTERED_CALIBRATIONS.add(name)
