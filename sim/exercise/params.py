"""Parameters several kinds share, defined once: a point in the district, an
office, a unit, a role, a head count and a duration. A kind that takes one
uses it as is or with its own default (``DURATION_H.with_default(8.0)``)."""
from __future__ import annotations

from sim.core.checks import ConfigError
from sim.core.roles import ROLES
from sim.exercise.kinds import REQUIRED, Param
from sim.i18n import Translator

_ = Translator("exercise")


def _inside_width(cfg, value, key, units) -> None:
    if value > cfg.district.width_m:
        raise ConfigError(key, value, _("must lie inside the district (<= district.width_m {width_m:g})")
                                      .format(width_m=cfg.district.width_m))


def _inside_height(cfg, value, key, units) -> None:
    if value > cfg.district.height_m:
        raise ConfigError(key, value, _("must lie inside the district (<= district.height_m {height_m:g})")
                                      .format(height_m=cfg.district.height_m))


def _an_office(cfg, value, key, units) -> None:
    if value >= cfg.district.offices:
        raise ConfigError(key, value, _("must be < district.offices ({offices})").format(offices=cfg.district.offices))


def _a_unit(cfg, value, key, units) -> None:
    if units is not None and value >= units:  # units: known once the model is built (with its reserves)
        raise ConfigError(key, value, _("no such unit: units are 0-{value}").format(value=units - 1))


X_M = Param(REQUIRED, lo=0, within=_inside_width)  # metres east of the district's west edge
Y_M = Param(REQUIRED, lo=0, within=_inside_height)  # metres north of its south edge
OFFICE = Param(None, lo=0, within=_an_office)  # an office's number; None = every office
UNIT = Param(REQUIRED, lo=0, within=_a_unit)  # a unit's number (the page's map labels them)
ROLE = Param(REQUIRED, choices=ROLES)
COUNT = Param(1, lo=1, hi=500)  # people; default one; 500: more than any office has (assumption)
DURATION_H = Param(REQUIRED, lo=0.01, hi=8760)  # hours, up to a year
