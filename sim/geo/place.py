"""A config on a gis district, made concrete before the cross-checks: the
district's size, cells, residents and offices from the files, and the
station placed in model metres (its point in the areas' CRS, or the middle)."""
from __future__ import annotations

import dataclasses

import numpy as np
import shapely

from sim.core.checks import ConfigError
from sim.i18n import Translator

_ = Translator("checks")


def with_gis_district(cfg):
    """``cfg`` with ``district`` from the built files and the station in model metres."""
    from sim.geo.build import gis_build, resolved_district_config

    district = resolved_district_config(cfg.district)
    frame = gis_build(cfg.district.gis).frame
    station = cfg.response.station
    if station.point is not None:
        x, y = frame.model_from_source([station.point[0]], [station.point[1]])
        x, y = float(x[0]), float(y[0])
        w, h = frame.extent_m
        if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < w and 0 <= y < h):
            raise ConfigError("response.station.point", list(station.point),
                              _("lies outside the district's grid (in the areas' CRS: lon, lat for OpenStreetMap)"))
    else:  # the middle of the district, inside its outline
        p = shapely.point_on_surface(frame.outline())
        x, y = float(p.x), float(p.y)
    response = dataclasses.replace(cfg.response, station=dataclasses.replace(station, x_m=x, y_m=y))
    return dataclasses.replace(cfg, district=district, response=response)
