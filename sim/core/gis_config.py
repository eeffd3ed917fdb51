"""A district from the user's own GIS files (``district.gis.*``, ``district.kind=gis``).

Only what the keys say on their own is checked here (types, ranges, names of
land uses); whether the files exist, have the fields and overlap is checked
when they are read (sim.geo.build), before the run starts, with the same
one-line errors. Paths are read, never written; ``bundled:NAME`` names data
that ships inside an installed package (sim.geo.sources.BUNDLED).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from sim.core.checks import ConfigError, _range
from sim.core.land_use import LAND_USES
from sim.i18n import Translator

_ = Translator("checks")

# OpenStreetMap ``highway`` classes and their speeds, km/h; assumption: urban speeds by class
# (China's GB 50220 urban road classes: expressway 60-80, arterial 40-60, secondary 30-50,
# branch 20-30; OSM's motorway/trunk, primary, secondary/tertiary, residential/service).
OSM_SPEED_KMH = {
    "motorway": 70.0, "motorway_link": 40.0, "trunk": 60.0, "trunk_link": 40.0,
    "primary": 50.0, "primary_link": 40.0, "secondary": 40.0, "secondary_link": 30.0,
    "tertiary": 35.0, "tertiary_link": 30.0, "unclassified": 30.0, "residential": 30.0,
    "living_street": 15.0, "service": 20.0, "road": 30.0,
}
# OSM ``landuse`` values the district's land uses stand for; other values keep the default land use.
OSM_LAND_USE = {
    "residential": "residential", "commercial": "commercial", "retail": "market", "civil": "commercial",
    "education": "school", "grass": "park", "recreation_ground": "park", "cemetery": "park",
    "forest": "mountain", "meadow": "farmland", "farmland": "farmland", "farmyard": "farmland",
    "orchard": "farmland", "industrial": "commercial",
}


@dataclass
class GisConfig:
    # the communities or grid cells (网格): a polygon layer (.gpkg, .shp, .geojson) or an OpenStreetMap
    # .osm.pbf extract (its bounding box; residents spread over residential floor area); bundled:NAME
    # for data shipped in a package (sim/geo/sources.py); user choice
    areas: str = ""
    layer: Optional[str] = None  # the layer of a multi-layer file (GeoPackage); null = the first; user choice
    crs: Optional[str] = None  # the files' CRS when they carry none (a .shp without .prj), e.g. EPSG:4547; user choice
    # the text encoding of shapefiles without a .cpg (Chinese bureaus' are often GBK); null = GDAL's guess;
    # user choice
    encoding: Optional[str] = None
    # the grid's CRS; null = the local UTM zone (for files in degrees, feet or Web Mercator); user choice
    metric_crs: Optional[str] = None
    population_field: Optional[str] = None  # residents of each area; or population_total; user choice
    population_total: Optional[int] = None  # spread over residential floor area or area; user choice
    land_use_field: Optional[str] = None  # a field of the areas whose values land_use_map names; user choice
    land_use_map: Dict[str, str] = field(default_factory=dict)  # field value -> one of LAND_USES; user choice
    default_land_use: str = "residential"  # cells inside the areas that nothing else names; assumption
    # residents per building: floor area = footprint x levels; assumption: a 5-storey city centre
    default_building_levels: float = 5.0
    # share of an untyped building (OSM building=yes) that is homes; assumption: mixed use in a centre
    untyped_building_residential_share: float = 0.5
    roads: Optional[str] = None  # .osm.pbf / .osm (highway tags) or a line layer; null = no network; user choice
    roads_layer: Optional[str] = None  # the layer of a multi-layer roads file; null = the first; user choice
    road_class_field: str = "highway"  # the class of each line (OSM highway tag, or a bureau's 道路等级); user choice
    # a numeric km/h field; rows without a valid value use the class; user choice
    road_speed_field: Optional[str] = None
    # speed by road class; assumption: GB 50220 urban road classes (OSM_SPEED_KMH above)
    road_speed_kmh: Dict[str, float] = field(default_factory=lambda: dict(OSM_SPEED_KMH))
    default_road_speed_kmh: float = 30.0  # a class not in road_speed_kmh; assumption (an urban street)
    # the speed at which one network metre costs one effective metre: units' mode speeds (travel.speed_kmh)
    # are door-to-door averages on ordinary streets; assumption: the residential-street speed
    reference_speed_kmh: float = 30.0
    # effective metres per metre from a cell's centre to its nearest road node (the walk or drive off
    # the network); assumption: straight-line access at street speed
    access_factor: float = 1.0
    snap_m: float = 1.0  # line ends closer than this join; assumption: a bureau's digitised lines miss by < 1 m
    offices: Optional[str] = None  # a point layer of the offices; or office_points; user choice
    office_points: List[Any] = field(default_factory=list)  # [[x, y], ...] in the areas' CRS; user choice
    # police beats (警格) as a polygon layer: used with district.beats=file (each beat polygon one beat,
    # split where it crosses into another office's area; cells no beat covers join the nearest beat); user choice
    beats: Optional[str] = None
    beats_layer: Optional[str] = None  # the layer of a multi-layer beats file; null = the first; user choice
    cell_m: float = 100.0  # the grid's cell side (issue 20 interface); assumption: one city block

    def validate(self, path: str) -> None:
        if not str(self.areas).strip():
            raise ConfigError(f"{path}.areas", self.areas, _("must name a polygon layer (.gpkg, .shp, .geojson) "
                                                             "or an OpenStreetMap .osm.pbf file of the "
                                                             "district's areas"))
        _range(f"{path}.cell_m", self.cell_m, 10, 5000)
        if self.population_field is None and self.population_total is None:
            raise ConfigError(f"{path}.population_field", None,
                              _("name the areas' population field, or give population_total"))
        if self.population_field is not None and self.population_total is not None:
            raise ConfigError(f"{path}.population_total", self.population_total,
                              _("give population_field or population_total, not both"))
        if self.population_total is not None:
            _range(f"{path}.population_total", self.population_total, 1, 5_000_000)
        if (self.offices is None) == (not self.office_points):
            raise ConfigError(f"{path}.office_points", list(self.office_points),
                              _("give the offices as a point layer (offices=PATH) or as "
                                "office_points=[[x,y],...], one of the two"))
        for p in self.office_points:
            if (not isinstance(p, (list, tuple)) or len(p) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)):
                raise ConfigError(f"{path}.office_points", p if not isinstance(p, (list, tuple)) else list(p),
                                  _("each office is [x, y], two numbers in the areas' CRS"))
            for v in p:
                _range(f"{path}.office_points", float(v))
        if len(self.office_points) > 100:
            raise ConfigError(f"{path}.office_points", f"{len(self.office_points)} points", _("at most 100 offices"))
        for value, use in self.land_use_map.items():
            if use not in LAND_USES or use in ("office", "outside"):
                raise ConfigError(f"{path}.land_use_map.{value}", use, _("allowed: {items}").format(items=", ".join(
                    u for u in LAND_USES if u not in ("office", "outside"))))
        if self.default_land_use not in LAND_USES or self.default_land_use in ("office", "outside"):
            raise ConfigError(f"{path}.default_land_use", self.default_land_use,
                              _("allowed: {items}")
                              .format(items=", ".join(u for u in LAND_USES if u not in ("office", "outside"))))
        if self.land_use_map and self.land_use_field is None:
            raise ConfigError(f"{path}.land_use_map", dict(self.land_use_map), _("needs land_use_field"))
        for cls, v in self.road_speed_kmh.items():
            _range(f"{path}.road_speed_kmh.{cls}", v, 1, 200)
        _range(f"{path}.default_road_speed_kmh", self.default_road_speed_kmh, 1, 200)
        _range(f"{path}.reference_speed_kmh", self.reference_speed_kmh, 1, 200)
        _range(f"{path}.access_factor", self.access_factor, 1, 20)
        _range(f"{path}.snap_m", self.snap_m, 0.001, 50)
        _range(f"{path}.default_building_levels", self.default_building_levels, 1, 200)
        _range(f"{path}.untyped_building_residential_share", self.untyped_building_residential_share, 0, 1)
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except (LookupError, TypeError):
                raise ConfigError(f"{path}.encoding", self.encoding, _("is not a text encoding Python knows "
                                                                       "(e.g. GBK, GB18030, UTF-8)")) from None
        for key in ("areas", "roads", "offices", "beats", "beats_layer", "crs", "encoding", "metric_crs", "layer",
                    "roads_layer", "road_class_field", "road_speed_field", "population_field", "land_use_field"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or len(value) > 4096 or "\x00" in value):
                raise ConfigError(f"{path}.{key}", value, _("must be a short text (a path or a name)"))
