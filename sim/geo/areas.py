"""The areas (communities, grid cells 网格) onto the model's grid: residents
by overlap (and by residential floor area where buildings are known), land
use by the largest overlap, offices into cells. Exact: the cells' residents
add up to the layer's population (largest remainder rounding)."""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sim.core.checks import ConfigError
from sim.core.space import LAND_USE_CODE
from sim.i18n import Translator

_ = Translator("checks")

POLYGONAL = ("Polygon", "MultiPolygon")
INSIDE_SHARE = 0.5  # a cell at least half covered by the areas is inside the district; assumption
RESIDENTIAL_BUILDINGS = ("apartments", "residential", "house", "detached", "terrace", "dormitory",
                         "semidetached_house", "bungalow")  # OSM building=* values that are homes


@dataclass
class Grid:
    x0: float  # south-west corner, metric CRS
    y0: float
    cell_m: float
    width: int
    height: int

    def boxes(self) -> np.ndarray:
        """Every cell as a shapely box, flat index x * height + y."""
        xs, ys = np.meshgrid(np.arange(self.width), np.arange(self.height), indexing="ij")
        x0 = self.x0 + xs.ravel() * self.cell_m
        y0 = self.y0 + ys.ravel() * self.cell_m
        return shapely.box(x0, y0, x0 + self.cell_m, y0 + self.cell_m)

    def centres(self) -> np.ndarray:
        xs, ys = np.meshgrid(np.arange(self.width), np.arange(self.height), indexing="ij")
        return np.column_stack([self.x0 + (xs.ravel() + 0.5) * self.cell_m, self.y0 + (ys.ravel() + 0.5) * self.cell_m])


def polygons(key: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    kinds = set(frame.geometry.geom_type)
    if not kinds <= set(POLYGONAL):
        raise ConfigError(key, sorted(kinds), _("must be a polygon layer (communities or grid cells); found "
                                                "other geometry types"))
    return frame


MAX_SPAN_M = 200_000.0  # a district's width or height: a large rural county (县) is 100-150 km across; assumption


def grid_over(outline, cell_m: float, max_cells: int, key: str, areas_key: str, areas_text: str) -> Grid:
    minx, miny, maxx, maxy = outline.bounds
    if max(maxx - minx, maxy - miny) > MAX_SPAN_M:
        raise ConfigError(areas_key, areas_text, _("the areas span {value:.0f} x {value2:.0f} km; a district is "
                                                   "at most {value3:.0f} km across: keep only your district's "
                                                   "areas")
                                                 .format(value=(maxx - minx) / 1000, value2=(maxy - miny) / 1000,
                                                         value3=MAX_SPAN_M / 1000))
    width, height = max(1, int(np.ceil((maxx - minx) / cell_m))), max(1, int(np.ceil((maxy - miny) / cell_m)))
    if width * height > max_cells:
        side = float(np.sqrt((maxx - minx) * (maxy - miny) / max_cells))
        raise ConfigError(key, cell_m, _("gives {width} x {height} = {value:,} cells over {value2:.1f} x "
                                         "{value3:.1f} km; at most {max_cells:,}: use cells of at least "
                                         "{value4:.0f} m")
                                       .format(width=width, height=height, value=width * height,
                                               value2=(maxx - minx) / 1000, value3=(maxy - miny) / 1000,
                                               max_cells=max_cells, value4=np.ceil(side)))
    if width < 3 or height < 3:
        raise ConfigError(key, cell_m, _("gives a {width} x {height} grid over {value:.0f} x {value2:.0f} m; "
                                         "needs at least 3 x 3 cells: use smaller cells")
                                       .format(width=width, height=height, value=maxx - minx, value2=maxy - miny))
    return Grid(float(minx), float(miny), float(cell_m), width, height)


def overlaps(geoms: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(feature, cell, overlap area m2) of every feature-cell pair that overlaps."""
    tree = shapely.STRtree(boxes)
    feature, cell = tree.query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[feature], boxes[cell]))
    keep = area > 0
    return feature[keep], cell[keep], area[keep]


def population_values(key: str, frame: gpd.GeoDataFrame, field: str) -> np.ndarray:
    if field not in frame.columns:
        raise ConfigError(key, field, _("no such field in the areas layer; fields: {value}").format(value=", ".join(
            str(c) for c in frame.columns if c != frame.geometry.name)[:300]))
    values = pd.to_numeric(frame[field], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(key, field, _("{value} areas have no valid population (first: feature {i}, value "
                                        "{value2!r}); needs a number >= 0 for every area")
                                      .format(value=int(bad.sum()), i=i, value2=frame[field].iloc[i]))
    if values.sum() < 1:
        raise ConfigError(key, field, _("the areas' populations add up to 0"))
    if values.sum() > 5_000_000:
        raise ConfigError(key, field, _("the areas hold {value:,.0f} residents; at most 5,000,000")
                                      .format(value=values.sum()))
    return values


def largest_remainder(exact: np.ndarray, total: int) -> np.ndarray:
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    if short > 0:
        out[np.argsort(-(exact - out), kind="stable")[:short]] += 1
    return out


def floor_area_by_cell(buildings: gpd.GeoDataFrame, boxes: np.ndarray, cfg) -> np.ndarray:
    """Residential floor area (m2) in each cell: footprint x levels x the share that is homes."""
    if buildings is None or buildings.empty:
        return np.zeros(len(boxes))
    kind = buildings["building"].astype(str).str.lower() if "building" in buildings else pd.Series("yes", buildings.index)
    share = np.where(kind.isin(RESIDENTIAL_BUILDINGS), 1.0,
                     np.where(kind.isin(("yes", "none", "nan")), cfg.untyped_building_residential_share, 0.0))
    levels = pd.to_numeric(buildings.get("building:levels", pd.Series(np.nan, buildings.index)), errors="coerce")
    levels = levels.where((levels >= 1) & (levels <= 200), cfg.default_building_levels).to_numpy(dtype=float)
    geoms = buildings.geometry.to_numpy()
    feature, cell, area = overlaps(geoms, boxes)
    return np.bincount(cell, weights=area * levels[feature] * share[feature], minlength=len(boxes))


def residents_by_cell(areas: gpd.GeoDataFrame, grid: Grid, boxes: np.ndarray, cfg, key: str,
                      buildings: gpd.GeoDataFrame | None) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(residents [cells], covered share [cells], (feature, cell, area) overlaps of the areas)."""
    geoms = areas.geometry.to_numpy()
    pairs = overlaps(geoms, boxes)
    feature, cell, area = pairs
    n_cells = len(boxes)
    covered = np.minimum(np.bincount(cell, weights=area, minlength=n_cells) / grid.cell_m ** 2, 1.0)
    floor = floor_area_by_cell(buildings, boxes, cfg)
    if cfg.population_field is not None:
        pop = population_values(f"{key.rsplit('.', 1)[0]}.population_field", areas, cfg.population_field)
        total = int(round(pop.sum()))
        # within each area: by residential floor area where its cells have buildings, else by area
        weight = area * np.where(floor[cell] > 0, floor[cell] / grid.cell_m ** 2, 0.0)
        has_floor = np.bincount(feature, weights=weight, minlength=len(geoms)) > 0
        weight = np.where(has_floor[feature], weight, area)
        per_feature = np.bincount(feature, weights=weight, minlength=len(geoms))
        lost = (per_feature <= 0) & (pop > 0)
        if lost.any():
            raise ConfigError(key, f"feature {int(np.flatnonzero(lost)[0])}",
                              _("an area with residents covers no cell"))
        exact = np.bincount(cell, weights=pop[feature] * weight / per_feature[feature], minlength=n_cells)
    else:
        total = int(cfg.population_total)
        inside = covered >= INSIDE_SHARE
        weight = np.where(inside, floor, 0.0)
        if weight.sum() <= 0:  # no buildings known: by area inside
            weight = np.where(inside, covered, 0.0)
        exact = weight / weight.sum() * total
    return largest_remainder(exact, total), covered, pairs


def land_use_by_cell(areas: gpd.GeoDataFrame, pairs: tuple, covered: np.ndarray, cfg, key: str,
                     landuse: gpd.GeoDataFrame | None, boxes: np.ndarray, osm_map: dict) -> np.ndarray:
    """The land use of each cell: the largest-overlap area's mapped value, the default, or outside."""
    n_cells = len(covered)
    lu = np.full(n_cells, LAND_USE_CODE[cfg.default_land_use], dtype=np.int8)
    if cfg.land_use_field is not None:
        if cfg.land_use_field not in areas.columns:
            raise ConfigError(key, cfg.land_use_field, _("no such field in the areas layer"))
        codes = np.array([LAND_USE_CODE[cfg.land_use_map.get(str(v), cfg.default_land_use)]
                          for v in areas[cfg.land_use_field]], dtype=np.int8)
        _paint_largest(lu, pairs, codes, n_cells)
    if landuse is not None and not landuse.empty and "landuse" in landuse:
        mapped = landuse["landuse"].map(osm_map)
        polys = landuse[mapped.notna() & landuse.geometry.geom_type.isin(POLYGONAL)]
        if len(polys):
            codes = np.array([LAND_USE_CODE[u] for u in mapped[polys.index]], dtype=np.int8)
            f, c, a = overlaps(polys.geometry.to_numpy(), boxes)
            share = np.bincount(c, weights=a, minlength=n_cells) / float(shapely.area(boxes[0]))
            best = np.full(n_cells, -1)
            _paint_largest(best, (f, c, a), codes, n_cells)
            use = (share >= INSIDE_SHARE) & (best >= 0)
            lu[use] = best[use]
    lu[covered < INSIDE_SHARE] = LAND_USE_CODE["outside"]
    return lu


def _paint_largest(out: np.ndarray, pairs: tuple, codes: np.ndarray, n_cells: int) -> None:
    """out[cell] = code of the feature with the largest overlap with the cell."""
    feature, cell, area = pairs
    order = np.lexsort((area, cell))  # by cell, largest overlap last
    last = np.r_[cell[order][1:] != cell[order][:-1], True]
    out[cell[order][last]] = codes[feature[order][last]]


def office_cells(points_xy: np.ndarray, outline, grid: Grid, key: str, inside: np.ndarray,
                 hint: str = "") -> list[tuple[int, int]]:
    """The cells of the offices (model order); an office outside the areas is refused, one on the
    areas' edge whose cell is outside moves to the nearest inside cell."""
    tolerance = grid.cell_m / 2
    centres = grid.centres()
    cells = []
    for k, (x, y) in enumerate(points_xy):
        if not shapely.intersects_xy(outline, x, y) and shapely.distance(outline, shapely.Point(x, y)) > tolerance:
            raise ConfigError(key, f"office {k}", _("at ({x:.0f}, {y:.0f}) in the grid's CRS lies {distance:.0f} m "
                                                    "outside the areas{hint}")
                                                  .format(x=x, y=y,
                                                          distance=shapely.distance(outline, shapely.Point(x, y)),
                                                          hint=hint))
        cx = int(min(max((x - grid.x0) // grid.cell_m, 0), grid.width - 1))
        cy = int(min(max((y - grid.y0) // grid.cell_m, 0), grid.height - 1))
        if not inside[cx * grid.height + cy]:
            candidates = np.flatnonzero(inside)
            best = candidates[np.argmin(np.hypot(*(centres[candidates] - (x, y)).T))]
            cx, cy = divmod(int(best), grid.height)
        if (cx, cy) in cells:
            raise ConfigError(key, f"office {k}", _("shares cell ({cx}, {cy}) with office {value}; use smaller "
                                                    "cells (district.gis.cell_m) or separate the offices")
                                                  .format(cx=cx, cy=cy, value=cells.index((cx, cy))))
        cells.append((cx, cy))
    return cells
