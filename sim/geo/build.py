"""Build a district from the user's files once (``district.gis``), cache it by
the files' hashes, and make the model's District and travel from it.

What the files give (residents and land use per cell, offices, the road graph
tied to the cells, the outline and roads for maps) is saved as one ``.npz``
(no pickles) under the user's cache folder (sim.geo.cache); a re-run with the
same files and keys loads it instead of reading the files again.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import shapely

from sim.core.checks import ConfigError
from sim.core.gis_config import OSM_LAND_USE
from sim.core.space import ACTIVITY_WEIGHT, LAND_USE_CODE, District, _by_land_use
from sim.core.space_config import MAX_GIS_CELLS
from sim.geo import areas as A
from sim.geo import sources as S
from sim.geo.cache import cache_key, load, save
from sim.geo.frame import GeoFrame
from sim.geo.roads import build_network, tie_cells
from sim.i18n import Translator

_ = Translator("checks")

KEY = "district.gis"


@dataclass
class GisBuild:
    """Everything the files say, in arrays (what the cache holds)."""

    frame: GeoFrame
    residents: np.ndarray  # int64 [W, H]
    land_use: np.ndarray  # int8 [W, H], offices painted
    offices: list[tuple[int, int]]
    node_xy: np.ndarray | None  # road network (None: no roads given)
    edge_u: np.ndarray | None
    edge_v: np.ndarray | None
    edge_weight: np.ndarray | None
    edge_length: np.ndarray | None
    cell_node: np.ndarray | None
    access_m: np.ndarray | None
    info: dict
    beat_file: np.ndarray | None = None  # int32 [W, H]: beat polygon per cell (district.gis.beats)

    def csr(self):
        from scipy.sparse import coo_matrix

        n = len(self.node_xy)
        return coo_matrix((self.edge_weight, (self.edge_u, self.edge_v)), shape=(n, n)).tocsr()


_MEMO: dict[str, GisBuild] = {}


def gis_build(gis) -> GisBuild:
    """The built district for ``gis`` (a GisConfig): this process's copy, the cache's, or read now."""
    key = cache_key(gis)
    built = _MEMO.get(key)
    if built is None:
        built = load(key, GisBuild, GeoFrame)
        if built is None:
            built = read_files(gis)
            save(key, built)
        _MEMO[key] = built
    return built


def read_files(gis) -> GisBuild:
    """Read and rasterise the files; a geometry or projection failure is a one-line error naming the areas."""
    import pyproj
    from shapely.errors import GEOSException

    try:
        return _read_files(gis)
    except (GEOSException, pyproj.exceptions.ProjError) as exc:
        raise ConfigError(f"{KEY}.areas", gis.areas, _("the layers could not be processed ({value}); repair the "
                                                       "geometries (e.g. QGIS Fix geometries)")
                                                     .format(value=str(exc).splitlines()[0][:160])) from None


def _read_files(gis) -> GisBuild:
    t0 = time.perf_counter()
    path = S.resolve(f"{KEY}.areas", gis.areas)
    buildings = landuse = None
    if S.is_osm(path):
        if gis.population_field is not None:
            raise ConfigError(f"{KEY}.population_field", gis.population_field,
                              _("an OpenStreetMap file has no population field: give "
                                "district.gis.population_total (spread by floor area)"))
        roads_ll = S.read_osm(f"{KEY}.areas", path, "roads")
        buildings = S.read_osm(f"{KEY}.areas", path, "buildings")
        landuse = S.read_osm(f"{KEY}.areas", path, "landuse")
        parts = [f for f in (roads_ll, buildings) if len(f)]
        if not parts:
            raise ConfigError(f"{KEY}.areas", gis.areas, _("the OpenStreetMap file has no roads and no buildings"))
        bounds = np.array([f.total_bounds for f in parts])
        box = shapely.box(bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
        import geopandas as gpd

        area_frame = gpd.GeoDataFrame({"geometry": [box]}, geometry="geometry", crs="EPSG:4326")
    else:
        area_frame = S.read_layer(f"{KEY}.areas", path, gis.layer, f"{KEY}.crs", gis.crs, layer_key=f"{KEY}.layer",
                                  keep_empty=True, encoding=gis.encoding)
        area_frame = A.polygons(f"{KEY}.areas", _without_empty(area_frame, gis))
    source_crs = area_frame.crs
    metric = S.metric_crs(area_frame, f"{KEY}.metric_crs", gis.metric_crs)
    areas = area_frame.to_crs(metric)
    areas = areas.set_geometry(shapely.make_valid(areas.geometry.to_numpy()))
    areas = areas[~areas.geometry.is_empty]
    outline = shapely.union_all(areas.geometry.to_numpy())
    if outline.area <= 0:
        raise ConfigError(f"{KEY}.areas", gis.areas, _("the areas have no extent (zero area)"))
    grid = A.grid_over(outline, gis.cell_m, MAX_GIS_CELLS, f"{KEY}.cell_m", f"{KEY}.areas", gis.areas)
    boxes = grid.boxes()
    buildings, landuse = (_valid(f.to_crs(metric)) if f is not None and len(f) else None for f in (buildings, landuse))
    residents, covered, pairs = A.residents_by_cell(areas, grid, boxes, gis, f"{KEY}.areas", buildings)
    land_use = A.land_use_by_cell(areas, pairs, covered, gis, f"{KEY}.land_use_field", landuse, boxes, OSM_LAND_USE)
    land_use[(land_use == LAND_USE_CODE["outside"]) & (residents > 0)] = LAND_USE_CODE[gis.default_land_use]
    office_xy = _office_points(gis, source_crs, metric)
    pts = np.asarray(gis.office_points, dtype=float).reshape(-1, 2)
    degrees = (gis.offices is None and source_crs.is_projected and (np.abs(pts[:, 0]) <= 180).all()
               and (np.abs(pts[:, 1]) <= 90).all())
    offices = A.office_cells(office_xy, outline, grid, f"{KEY}.offices" if gis.offices else f"{KEY}.office_points",
                             land_use != LAND_USE_CODE["outside"], hint=(
                                 _(" (these look like lon/lat degrees; the areas' CRS is {crs})")
                                 .format(crs=source_crs.name) if degrees else ""))
    for cx, cy in offices:
        land_use[cx * grid.height + cy] = LAND_USE_CODE["office"]
    net = None
    roads_wkb = shapely.to_wkb(shapely.MultiLineString())
    if gis.roads is not None:
        rpath = S.resolve(f"{KEY}.roads", gis.roads)
        lines = (S.read_osm(f"{KEY}.roads", rpath, "roads") if S.is_osm(rpath)
                 else S.read_layer(f"{KEY}.roads", rpath, gis.roads_layer, f"{KEY}.crs", gis.crs,
                                   encoding=gis.encoding))
        if len(lines) == 0:
            raise ConfigError(f"{KEY}.roads", gis.roads, _("has no drivable roads"))
        net = build_network(lines.to_crs(metric), outline, gis, f"{KEY}.roads", gis.roads)
        roads_wkb = net.lines_wkb
    cell_node, access = tie_cells(net, grid.centres(), gis.access_factor) if net is not None else (None, None)
    beat_file = _beat_polygons(gis, metric, grid, boxes) if gis.beats is not None else None
    frame = GeoFrame(metric_crs=metric.to_wkt(), source_crs=source_crs.to_wkt(), x0=grid.x0, y0=grid.y0,
                     cell_m=grid.cell_m, width=grid.width, height=grid.height,
                     outline_wkb=shapely.to_wkb(outline), roads_wkb=roads_wkb)
    info = {"areas": int(len(areas)), "residents": int(residents.sum()), "cells": grid.width * grid.height,
            "cells_inside": int((land_use != LAND_USE_CODE["outside"]).sum()),
            "road_nodes": 0 if net is None else int(len(net.node_xy)),
            "road_edges": 0 if net is None else int(len(net.edge_u)),
            "road_km": 0.0 if net is None else round(float(net.edge_length.sum()) / 1000, 3),
            "road_nodes_dropped": 0 if net is None else net.dropped_nodes,
            "road_default_speed_share": 0.0 if net is None else round(net.default_speed_share, 4),
            "metric_crs": metric.name, "source_crs": source_crs.name,
            "beat_polygons": 0 if beat_file is None else int(beat_file.max()) + 1,
            "build_s": round(time.perf_counter() - t0, 3)}
    shape = (grid.width, grid.height)
    return GisBuild(frame, residents.reshape(shape), land_use.reshape(shape), offices,
                    *(None,) * 5 if net is None else (net.node_xy, net.edge_u, net.edge_v, net.edge_weight,
                                                      net.edge_length),
                    cell_node, access, info, None if beat_file is None else beat_file.reshape(shape))


def _beat_polygons(gis, metric, grid, boxes) -> np.ndarray:
    """The beat polygon of each cell (largest overlap); a cell no polygon covers takes its nearest covered cell's."""
    from scipy.spatial import cKDTree

    path = S.resolve(f"{KEY}.beats", gis.beats)
    frame = A.polygons(f"{KEY}.beats", S.read_layer(f"{KEY}.beats", path, gis.beats_layer, f"{KEY}.crs", gis.crs,
                                                    encoding=gis.encoding))
    geoms = shapely.make_valid(frame.to_crs(metric).geometry.to_numpy())
    beat = np.full(len(boxes), -1, dtype=np.int32)
    pairs = A.overlaps(geoms, boxes)
    if len(pairs[0]) == 0:
        raise ConfigError(f"{KEY}.beats", gis.beats, _("no beat polygon overlaps the areas (another place or CRS?)"))
    A._paint_largest(beat, pairs, np.arange(len(geoms), dtype=np.int32), len(boxes))
    used, beat[beat >= 0] = np.unique(beat[beat >= 0], return_inverse=True)  # polygons with cells, numbered 0..
    centres = grid.centres()
    covered = beat >= 0
    if not covered.all():
        _dist, nearest = cKDTree(centres[covered]).query(centres[~covered])
        beat[~covered] = beat[covered][nearest]
    return beat


def _without_empty(frame, gis):
    """Features without a shape dropped; refused if they carry residents (they would vanish silently)."""
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any() and gis.population_field is not None and gis.population_field in frame.columns:
        import pandas as pd

        lost = pd.to_numeric(frame.loc[empty, gis.population_field], errors="coerce").fillna(0).clip(lower=0).sum()
        if lost > 0:
            raise ConfigError(f"{KEY}.areas", gis.areas, _("{value} features have no geometry but carry "
                                                           "{lost:,.0f} residents; draw them or remove them")
                                                         .format(value=int(empty.sum()), lost=lost))
    frame = frame[~empty]
    if frame.empty:
        raise ConfigError(f"{KEY}.areas", gis.areas, _("has no features with a geometry (an empty layer)"))
    return frame


def _valid(frame):
    """Polygons repaired (OpenStreetMap's self-touching rings), the rest dropped."""
    frame = frame.set_geometry(shapely.make_valid(frame.geometry.to_numpy()))
    return frame[frame.geometry.geom_type.isin(A.POLYGONAL + ("GeometryCollection",)) & ~frame.geometry.is_empty]


def _office_points(gis, source_crs, metric) -> np.ndarray:
    """The offices in the grid's CRS: a point layer's points, or office_points in the areas' CRS."""
    from sim.geo.frame import transformer

    if gis.offices is not None:
        path = S.resolve(f"{KEY}.offices", gis.offices)
        frame = S.read_layer(f"{KEY}.offices", path, None, f"{KEY}.crs", gis.crs, encoding=gis.encoding)
        if not set(frame.geometry.geom_type) <= {"Point", "MultiPoint"}:
            raise ConfigError(f"{KEY}.offices", gis.offices, _("must be a point layer (one point per office)"))
        pts = frame.to_crs(metric).geometry.explode(index_parts=False)
        xy = shapely.get_coordinates(pts.to_numpy())
        if len(xy) > 100:
            raise ConfigError(f"{KEY}.offices", gis.offices, _("has {value} points; at most 100 offices")
                                                             .format(value=len(xy)))
        return xy
    pts = np.asarray(gis.office_points, dtype=float).reshape(-1, 2)
    x, y = transformer(source_crs.to_wkt(), metric.to_wkt()).transform(pts[:, 0], pts[:, 1])
    xy = np.column_stack([x, y])
    if not np.isfinite(xy).all():
        raise ConfigError(f"{KEY}.office_points", gis.office_points, _("cannot be placed in the areas' CRS (are "
                                                                       "they in the areas' CRS, e.g. lon/lat for "
                                                                       "an OpenStreetMap file?)"))
    return xy


def gis_district(dcfg, built: GisBuild):
    """The model's District and travel for a built GIS district."""
    from sim.core.travel import make_travel
    from sim.geo.network_travel import NetworkTravel

    lu, f = built.land_use.copy(), built.frame
    w, h = lu.shape
    xs, ys = np.meshgrid(np.arange(w), np.arange(h), indexing="ij")
    b = dcfg.grid_block_cells
    district = District(
        cell_size_m=f.cell_m, land_use=lu, residents=built.residents.copy(),
        activity=_by_land_use(lu, ACTIVITY_WEIGHT, 1.0), offices=list(built.offices),
        office_area=np.zeros((w, h), dtype=int), grid_block=(xs // b) * int(np.ceil(h / b)) + (ys // b),
        travel_factor=_by_land_use(lu, dict(dcfg.travel_cost_factor), 1.0), beat_layout=dcfg.beats, geo=f,
        beat_file=None if built.beat_file is None else built.beat_file.copy())
    if dcfg.travel == "network":
        if built.node_xy is None:
            raise ConfigError("district.travel", "network", _("needs a road network: set district.gis.roads, or "
                                                              "district.travel=manhattan or road"))
        travel = NetworkTravel(district, built.csr(), built.cell_node, built.access_m)
        district.office_area = travel.nearest_of([cx * h + cy for cx, cy in district.offices]).reshape(w, h)
    else:
        travel = make_travel(dcfg.travel, district)
        cx, cy = district.cell_centre_m(xs.ravel(), ys.ravel())
        dist = np.stack([travel.distance_m(cx, cy, *district.cell_centre_m(ox, oy)) for ox, oy in district.offices])
        district.office_area = np.argmin(dist, axis=0).reshape(w, h)
    return district, travel


def resolved_district_config(dcfg):
    """``district`` with its size, cells, residents and offices from the files (before the cross-checks)."""
    built = gis_build(dcfg.gis)
    f = built.frame
    return dataclasses.replace(dcfg, width_m=f.width * f.cell_m, height_m=f.height * f.cell_m, cell_size_m=f.cell_m,
                               residents=int(built.residents.sum()), offices=len(built.offices))

