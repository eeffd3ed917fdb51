"""Road lines into a routable graph: every vertex of every line is a node
(ends closer than ``snap_m`` join), every segment an undirected edge whose
weight is its length in *effective metres* (length x reference speed / the
road's speed, so ``time = weight / unit speed`` as in sim.core.travel). The
largest connected part is kept; each cell is tied to its nearest node.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sim.core.checks import ConfigError
from sim.i18n import Translator

_ = Translator("checks")

LINEAR = ("LineString", "MultiLineString", "LinearRing")
DROPPED_REFUSE_SHARE = 0.5  # more road nodes cut off the main network: refused (a broken layer); assumption
NEAR_M = 1000.0  # roads this close to the areas stay in the network (a way round through a neighbour); assumption


@dataclass
class RoadNetwork:
    node_xy: np.ndarray  # [nodes, 2] metric CRS
    edge_u: np.ndarray  # int32, u < v
    edge_v: np.ndarray
    edge_weight: np.ndarray  # effective metres
    edge_length: np.ndarray  # metres
    lines_wkb: bytes  # the kept lines as one MultiLineString (maps)
    dropped_nodes: int  # nodes outside the largest connected part
    default_speed_share: float = 0.0  # share of the road length at default_road_speed_kmh (no class, no speed)


def line_speeds(lines: gpd.GeoDataFrame, cfg, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(km/h of each line: its speed field where valid, else its class's speed, else the default;
    whether that line fell back to the default)."""
    speeds = np.full(len(lines), cfg.default_road_speed_kmh)
    if cfg.road_class_field not in lines.columns and cfg.road_class_field != "highway" and cfg.road_speed_field is None:
        raise ConfigError(f"{key.rsplit('.', 1)[0]}.road_class_field", cfg.road_class_field,
                          _("no such field in the road layer; fields: {value}").format(value=", ".join(
                              str(c) for c in lines.columns if c != lines.geometry.name)[:300]))
    if cfg.road_class_field in lines.columns:
        by_class = lines[cfg.road_class_field].astype(str).map(
            {str(k): float(v) for k, v in cfg.road_speed_kmh.items()})
        speeds = np.where(by_class.notna(), by_class.to_numpy(dtype=float, na_value=np.nan), speeds)
    if cfg.road_speed_field is not None:
        if cfg.road_speed_field not in lines.columns:
            raise ConfigError(f"{key.rsplit('.', 1)[0]}.road_speed_field", cfg.road_speed_field,
                              _("no such field in the road layer; fields: {value}").format(value=", ".join(
                                  str(c) for c in lines.columns if c != lines.geometry.name)[:300]))
        given = pd.to_numeric(lines[cfg.road_speed_field], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(given) & (given >= 1) & (given <= 200)
        speeds = np.where(ok, given, speeds)
    by_default = speeds == cfg.default_road_speed_kmh
    if cfg.road_class_field in lines.columns:
        by_default &= ~lines[cfg.road_class_field].astype(str).isin([str(k) for k in cfg.road_speed_kmh]).to_numpy()
    return speeds, by_default


def build_network(lines: gpd.GeoDataFrame, outline, cfg, key: str, shown: str) -> RoadNetwork:
    kinds = set(lines.geometry.geom_type)
    if not kinds <= set(LINEAR):
        raise ConfigError(key, sorted(kinds), _("must be a line layer (roads) or an OpenStreetMap file"))
    near = outline.buffer(NEAR_M)
    lines = lines[lines.geometry.intersects(near)].reset_index(drop=True)
    if lines.empty or not lines.geometry.intersects(outline).any():
        raise ConfigError(key, shown, _("no road of the layer overlaps the areas (another place, or another CRS?)"))
    speeds, by_default = line_speeds(lines, cfg, key)
    lengths = shapely.length(lines.geometry.to_numpy())
    default_share = float(lengths[by_default].sum() / max(lengths.sum(), 1e-9))
    parts = lines.geometry.explode(index_parts=False)
    speeds = speeds[parts.index.to_numpy()]
    geoms = join_t_junctions(shapely.force_2d(parts.to_numpy()), cfg.snap_m)
    coords, which = shapely.get_coordinates(geoms, return_index=True)
    same_line = which[1:] == which[:-1]
    a, b = coords[:-1][same_line], coords[1:][same_line]
    seg_speed = speeds[which[:-1][same_line]]
    node_of, node_xy = snap_nodes(coords, cfg.snap_m)
    u, v = node_of[:-1][same_line], node_of[1:][same_line]
    length = np.hypot(*(b - a).T)
    keep = u != v
    u, v, length, seg_speed = u[keep], v[keep], length[keep], seg_speed[keep]
    weight = length * cfg.reference_speed_kmh / seg_speed
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((weight, hi, lo))  # the quickest of parallel segments between two nodes
    lo, hi, weight, length = lo[order], hi[order], weight[order], length[order]
    first_of_pair = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    lo, hi, weight, length = lo[first_of_pair], hi[first_of_pair], weight[first_of_pair], length[first_of_pair]
    n = len(node_xy)
    graph = coo_matrix((weight, (lo, hi)), shape=(n, n))
    _count, label = connected_components(graph, directed=False)
    main = np.argmax(np.bincount(label))
    kept = label == main
    new_id = np.cumsum(kept) - 1
    on = kept[lo]
    dropped = int((~kept).sum())
    if dropped > DROPPED_REFUSE_SHARE * n:
        raise ConfigError(key, shown, _("{dropped} of {n} road nodes ({value:.0%}) are not connected to the "
                                        "largest network: lines that should meet do not (raise "
                                        "district.gis.snap_m, e.g. 5)").format(dropped=dropped, n=n, value=dropped / n))
    return RoadNetwork(node_xy=node_xy[kept], edge_u=new_id[lo[on]].astype(np.int32),
                       edge_v=new_id[hi[on]].astype(np.int32), edge_weight=weight[on], edge_length=length[on],
                       lines_wkb=shapely.to_wkb(shapely.multilinestrings(geoms)), dropped_nodes=dropped,
                       default_speed_share=default_share)


def snap_nodes(coords: np.ndarray, snap_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(node of each coordinate, node xy): points closer than ``snap_m`` (chains of them) are one node."""
    uniq, node_of = np.unique(coords, axis=0, return_inverse=True)
    pairs = cKDTree(uniq).query_pairs(snap_m, output_type="ndarray")
    if len(pairs):
        n = len(uniq)
        join = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _count, cluster = connected_components(join, directed=False)
        first = np.unique(cluster, return_index=True)[1]
        return cluster[node_of.ravel()], uniq[first]
    return node_of.ravel(), uniq


def join_t_junctions(geoms: np.ndarray, snap_m: float) -> np.ndarray:
    """A line's end that touches another line between its vertices (a T-junction in a bureau's
    line file) becomes a vertex of that line too, so the two meet in the graph."""
    starts, ends = shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)
    tips = np.concatenate([starts, ends])
    owner = np.tile(np.arange(len(geoms)), 2)
    coords = shapely.get_coordinates(geoms)
    uniq, counts = np.unique(coords, axis=0, return_counts=True)
    tip_xy = shapely.get_coordinates(tips)
    shared = counts[np.searchsorted(uniq.view([("x", float), ("y", float)]).ravel(),
                                    tip_xy.copy().view([("x", float), ("y", float)]).ravel())] > 1
    tips, owner = tips[~shared], owner[~shared]  # ends already a vertex of another line (OSM ways): joined
    if len(tips) == 0:
        return geoms
    tip_i, line_i = shapely.STRtree(geoms).query(tips, predicate="dwithin", distance=snap_m)
    other = owner[tip_i] != line_i
    tip_i, line_i = tip_i[other], line_i[other]
    if len(tip_i) == 0:
        return geoms
    out = geoms.copy()
    for line in np.unique(line_i):
        geom = geoms[line]
        xy = shapely.get_coordinates(geom)
        at = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]  # along the line (loops too)
        new = shapely.get_coordinates(tips[tip_i[line_i == line]])
        new_at = shapely.line_locate_point(geom, tips[tip_i[line_i == line]])
        inner = (new_at > 0) & (new_at < geom.length)
        if not inner.any():
            continue
        all_xy = np.concatenate([xy, new[inner]])
        all_at = np.concatenate([at, new_at[inner]])
        order = np.argsort(all_at, kind="stable")
        out[line] = shapely.linestrings(all_xy[order])
    return out


def tie_cells(network: RoadNetwork, centres: np.ndarray, access_factor: float) -> tuple[np.ndarray, np.ndarray]:
    """(nearest node of each cell, effective metres from the cell's centre to it)."""
    dist, node = cKDTree(network.node_xy).query(centres)
    return node.astype(np.int32), dist * access_factor
