"""The district's schema (``district.*``): its size, cells, offices and layout,
read by sim.core.space to build the grid. Checked here so a message names the
full key; no code of the model is imported."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List

from sim.core.checks import ConfigError, _choice, _range
from sim.core.gis_config import GisConfig
from sim.core.land_use import LAND_USES
from sim.i18n import Translator

_ = Translator("checks")

DISTRICT_KINDS = ("urban", "rural", "city", "uniform", "gis")
TRAVEL_MODELS = ("manhattan", "road", "east_west", "network")
MAX_GIS_CELLS = 250_000  # a district from files: 50 x 50 km at 100 m (sim.geo); assumption
BEAT_LAYOUTS = ("wedges", "nearest_post", "file")


@dataclass
class DistrictConfig:
    name: str = "urban_core"  # the preset's name, shown in reports; user choice
    kind: str = "urban"  # urban | rural | city | uniform | gis (the user's files, district.gis): the layout; user choice
    width_m: float = 2000.0  # west to east; DOMAIN §1, seed 000: office radius <= 1.5 km in cities
    height_m: float = 2000.0  # south to north; DOMAIN §1, seed 000
    cell_size_m: float = 100.0  # side of one grid cell; assumption: one city block
    residents: int = 30000  # people living in the district; DOMAIN §1: "one community, one office"; issue 2 preset
    offices: int = 1  # community police offices in the district; DOMAIN §1, seed 000: one community, one office
    grid_block_cells: int = 5  # side of one grid-management cell (网格) in cells; assumption (500 m)
    # how distances are measured: manhattan (urban) | road (shortest paths over cell costs) | east_west |
    # network (a gis district's roads); user choice
    travel: str = "manhattan"
    # equal-population sectors round the office (DOMAIN §1) | nearest_post (Voronoi, Larson) | file (a gis
    # district's beat polygons, district.gis.beats)
    beats: str = "wedges"
    # uniform kind: relative demand of each column of cells (west to east); [] = all equal (VALIDATION.md cases)
    column_weights: List[float] = field(default_factory=list)
    valleys: int = 0  # rural: number of valleys carrying roads and villages; seed 002
    villages: int = 0  # rural: number of village clusters; seed 002
    # minutes-per-metre multiplier by land use for road travel; assumption
    travel_cost_factor: Dict[str, float] = field(default_factory=lambda: {
        "road": 1.0, "residential": 1.5, "commercial": 1.5, "market": 2.0, "school": 1.5,
        "park": 3.0, "office": 1.0, "farmland": 4.0, "mountain": 12.0, "outside": 2.0})
    # demand per resident against the rates in ``calls`` (sized for an urban office): background call types'
    # rates x call_rate_factor, crime types' x crime_rate_factor (sim/derived.py; not applied to rates
    # fitted from the district's own records, ``calls_csv``, nor to the queueing check's). 1.0: as configured;
    # the presets in conf/district/ say where theirs come from (DOMAIN §7)
    call_rate_factor: float = 1.0
    crime_rate_factor: float = 1.0  # crime types' rates x this, as call_rate_factor; DOMAIN §7 (the presets)
    # kind=gis: the files the district is read from (sim/core/gis_config.py); width_m, height_m, cell_size_m,
    # residents and offices are then set from them (sim.compose.prepare), whatever the config says
    gis: GisConfig = field(default_factory=GisConfig)

    def validate(self, path: str) -> None:
        _choice(f"{path}.kind", self.kind, DISTRICT_KINDS)
        _choice(f"{path}.travel", self.travel, TRAVEL_MODELS)
        _choice(f"{path}.beats", self.beats, BEAT_LAYOUTS)
        if self.travel == "network" and self.kind != "gis":
            raise ConfigError(f"{path}.travel", self.travel, _("network travel follows a gis district's roads: "
                                                               "use it with district.kind=gis (district=gis or "
                                                               "district=helsinki)"))
        if self.kind == "gis":
            self.gis.validate(f"{path}.gis")
            if self.travel == "network" and self.gis.roads is None:
                raise ConfigError(f"{path}.travel", self.travel, _("network travel needs district.gis.roads (a "
                                                                   "line layer or an OpenStreetMap file); "
                                                                   "without roads use district.travel=manhattan "
                                                                   "or road"))
        if self.kind == "gis" and self.gis.beats is not None and self.beats != "file":
            raise ConfigError(f"{path}.beats", self.beats, _("district.gis.beats is given: use its polygons with "
                                                             "district.beats=file (or leave district.gis.beats "
                                                             "out)"))
        if self.beats == "file" and (self.kind != "gis" or self.gis.beats is None):
            raise ConfigError(f"{path}.beats", self.beats, _("file beats are a gis district's beat polygons: set "
                                                             "district.gis.beats=PATH (with district=gis)"))
        _range(f"{path}.cell_size_m", self.cell_size_m, 10, 5000 if self.kind == "gis" else 1000)
        min_cells = 1 if self.kind == "uniform" else 3
        max_m = 200_000 if self.kind == "gis" else 50_000  # gis: set from the files (sim.geo.areas.MAX_SPAN_M)
        _range(f"{path}.width_m", self.width_m, self.cell_size_m * min_cells, max_m)
        _range(f"{path}.height_m", self.height_m, self.cell_size_m * min_cells, max_m)
        if self.column_weights:
            if self.kind != "uniform":
                raise ConfigError(f"{path}.column_weights", list(self.column_weights),
                                  _("only for kind=uniform"))
            cols = int(self.width_m // self.cell_size_m)
            if (len(self.column_weights) != cols or not all(math.isfinite(w) for w in self.column_weights)
                    or min(self.column_weights) < 0 or sum(self.column_weights) <= 0):
                raise ConfigError(f"{path}.column_weights", list(self.column_weights),
                                  _("needs {cols} finite non-negative weights (one per column), not all zero")
                                  .format(cols=cols))
        _range(f"{path}.residents", self.residents, 1, 5_000_000)
        _range(f"{path}.offices", self.offices, 1, 100)
        _range(f"{path}.grid_block_cells", self.grid_block_cells, 1, 100)
        _range(f"{path}.valleys", self.valleys, 0, 20)
        _range(f"{path}.villages", self.villages, 0, 500)
        if self.kind == "rural" and (self.valleys < 1 or self.villages < 1):
            raise ConfigError(f"{path}.valleys", self.valleys,
                              _("a rural district needs valleys >= 1 and villages >= 1"))
        if self.kind == "rural" and self.offices != 1:
            raise ConfigError(f"{path}.offices", self.offices, _("a rural district has exactly 1 office"))
        cells = (self.width_m // self.cell_size_m) * (self.height_m // self.cell_size_m)
        if self.kind in ("urban", "city") and cells < 64 * self.offices:
            raise ConfigError(f"{path}.offices", self.offices,
                              _("needs at least 64 cells per office; the grid has {value}").format(value=int(cells)))
        if self.kind == "rural" and cells < 400:
            raise ConfigError(f"{path}.width_m", self.width_m, _("a rural district needs at least 20 x 20 cells"))
        if cells > (MAX_GIS_CELLS if self.kind == "gis" else 40_000):
            raise ConfigError(f"{path}.cell_size_m", self.cell_size_m,
                              _("gives {value} cells; at most {value2} allowed")
                              .format(value=int(cells), value2=MAX_GIS_CELLS if self.kind == 'gis' else 40000))
        _range(f"{path}.call_rate_factor", self.call_rate_factor, 0, 100, lo_open=True)
        _range(f"{path}.crime_rate_factor", self.crime_rate_factor, 0, 100, lo_open=True)
        for use, factor in self.travel_cost_factor.items():
            _choice(f"{path}.travel_cost_factor", use, LAND_USES)
            _range(f"{path}.travel_cost_factor.{use}", factor, 0, lo_open=True)
