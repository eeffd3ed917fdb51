"""Prepare a checked config for a run: what needs more than the config itself.

``Config.validate`` checks everything a config says on its own; loading it
reads no file and looks nothing up. Four things need the program's registries
or the user's files, and happen here, once, in this order:

1. names looked up in the registries: ``dispatch.name`` among the dispatch
   rules, ``policy.name`` among the policies, and an exercise's events against
   the district, call types and policies (a replayed session's file is read);
2. ``district.kind=gis``: the district's files are read (or their cached
   build loaded, sim.geo) and the district's size, cells, residents, offices
   and the station's position set from them;
3. ``calls_csv``: the district's own records replace the call rates and
   shapes (sim.policing.calls_csv, which says on stderr what it skipped);
4. ``queueing.enabled``: the config is rewritten into the queueing check's
   set-up (sim.policing.queueing_setup).

A rewritten config is checked again, exactly as the user's was.
"""
from __future__ import annotations

from sim.config import Config
from sim.core.checks import ConfigError, _choice
from sim.policing.dispatch_rules import DISPATCH_RULES
from sim.policing.queueing_setup import degenerate
from sim.scenarios import POLICIES
from sim.i18n import Translator

_ = Translator("checks")


def check_names(cfg: Config) -> None:
    """Every name the config gives a registered part exists; the exercise's
    events fit the rest of the config."""
    _choice("dispatch.name", cfg.dispatch.name, tuple(DISPATCH_RULES))
    names = cfg.policy.names()
    for name in names:
        if name not in POLICIES:
            why = _("allowed: {items} (several joined by +)") if len(names) > 1 else _("allowed: {items}")
            raise ConfigError("policy.name", cfg.policy.name, why.format(items=", ".join(sorted(POLICIES))))
    if len(set(names)) != len(names):
        raise ConfigError("policy.name", cfg.policy.name, _("names a policy twice"))
    cfg.exercise.check_against(cfg)


def _checked(cfg: Config) -> Config:
    """A rewritten config, checked as the user's was."""
    cfg.validate()
    check_names(cfg)
    return cfg


def prepare(cfg: Config) -> Config:
    """``cfg`` (validated) ready for a run: names checked, then the records of
    ``calls_csv`` and the queueing set-up applied, each result checked again."""
    check_names(cfg)
    if cfg.calls_csv is not None and cfg.queueing.enabled:
        raise ConfigError("calls_csv", cfg.calls_csv, _("the queueing check replaces every call type with its "
                                                        "own classes: leave calls_csv out of it"))
    if cfg.district.kind == "gis":  # the user's files: read once, cached by their hashes
        from sim.geo.place import with_gis_district  # geopandas: imported only for a real place

        cfg = _checked(with_gis_district(cfg))
    if cfg.calls_csv is not None:  # the district's own records replace the call rates and shapes
        from sim.policing.calls_csv import apply_calls_csv  # scipy: imported only when records are given

        cfg = _checked(apply_calls_csv(cfg))
    if cfg.queueing.enabled:  # the user's keys were checked above; the call types made from queueing.* carry
        # the theory's rates (a dispatch centre's 200 calls/h is 58,000 calls per 1,000 residents a year: fine for
        # theory, nonsense as a residents' rate), so their rates are not held to the residents' range
        cfg = _checked(degenerate(cfg))
    return cfg
