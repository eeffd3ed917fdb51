"""Suite ``gis``: does a real place of a city district's size build and run in
time (issue 20)? A district of 1 M residents on 100 m cells: first build
<= 60 s, one simulated year <= 60 s on one core, and the run's cost exponent
in residents <= 1.1.

No machine here reaches the internet, so the files are generated: a district
at a Chinese urban density with communities (网格-sized polygons of varied
population and land use), a road layer split at its junctions (arterials,
secondaries, branches, diagonals) and an office layer, in CGCS2000
Gauss-Kruger metres (EPSG:4547), written as GeoPackages the way a bureau
would hand them over. Sizes differ only in area (same density).

Children (fresh processes pinned to one core; ``python -m benchmarks.gis_scale``):
``build CACHE FOLDER`` times sim.geo.build.gis_build + gis_district (an empty
CACHE folder: the first build; a filled one: the cached build); ``year CACHE
overrides...`` times what benchmarks.one_run does (model build + run) on that
cache. ``generate FOLDER RESIDENTS`` writes the files and prints the
``district=gis`` overrides that read them (to profile, or to open in QGIS).
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.measure import BenchmarkError, Result, child, median, power_law, spread

# assumption: a dense Chinese urban district, twice urban_core's 7,500 per km2 (30,000 on 2 x 2 km)
DENSITY_PER_KM2 = 15_000
RESIDENTS_PER_AREA = 1_600  # one polygon per ~500 households (a 网格 grid cell); assumption
# DOMAIN.md §7 (seed 003 §2.1): Shanghai has 3.2 offices per 100,000 people, ~31,000 each; urban_core's 30,000
RESIDENTS_PER_OFFICE = 30_000
NON_RESIDENTIAL_SHARE = {"commercial": 0.05, "park": 0.04, "school": 0.03, "market": 0.02}  # of areas; assumption
COMMERCIAL_DENSITY_SHARE = 0.15  # a commercial area's residents per m2 against a residential one's; assumption
DENSITY_SIGMA = 0.5  # lognormal spread of the areas' densities (old estates next to towers); assumption
CORE_TO_EDGE_DENSITY = (1.6, 0.8)  # density multiplier at the centre and at the edge; assumption
ARTERIAL_M, BRANCH_M = 500.0, 150.0  # road spacing; assumption: a Chinese grid plan (GB 50220 classes)
DIAGONALS = 3  # secondary roads across the grid (older roads, radials); assumption
BRANCH_GAP_SHARE = 0.2  # branch segments missing (gated compounds, blocks); assumption
ROAD_JITTER_M = 10.0  # roads are not perfectly evenly spaced; assumption
ROADS_BEYOND_M = 200.0  # the layer runs this far past the outline, as a bureau's clip would; assumption
ROAD_SPEED_KMH = {"arterial": 50.0, "secondary": 40.0, "branch": 30.0}  # GB 50220 ranges (sim/core/gis_config.py)
CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (Wuhan's zone)
ORIGIN = (520_000.0, 3_380_000.0)  # a point near 114.2 E, 30.5 N in that CRS
CELL_M = 100.0  # issue 20: 100 m cells
SIZES = (125_000, 250_000, 500_000, 1_000_000)  # residents; the exponent's points, the largest the target's
QUICK_SIZES = (10_000, 20_000, 40_000)
BUILD_TARGET_S, YEAR_TARGET_S, EXPONENT_TARGET = 60.0, 60.0, 1.1  # issue 20 item 5


def outline(residents: int, rng):
    """A wobbly round district (a river here, a ring road there) of exactly residents / density km2."""
    import shapely

    theta = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 2)
    r = 1 + 0.08 * np.sin(3 * theta + phase[0]) + 0.05 * np.cos(5 * theta + phase[1])
    unit = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    scale = np.sqrt(residents / DENSITY_PER_KM2 * 1e6 / shapely.Polygon(unit).area)
    return shapely.Polygon(unit * scale + np.array(ORIGIN) + 1.2 * scale)  # every coordinate east/north of ORIGIN


def communities(boundary, residents: int, rng):
    """(polygons, population, land use): Voronoi areas of lognormal density, summing exactly to ``residents``."""
    import shapely

    from sim.geo.areas import largest_remainder

    n = max(8, round(residents / RESIDENTS_PER_AREA))
    minx, miny, maxx, maxy = boundary.bounds
    seeds = np.empty((0, 2))
    while len(seeds) < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), (2 * n, 2))
        seeds = np.vstack([seeds, xy[shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])]])
    seeds = seeds[:n]
    for _ in range(2):  # Lloyd steps: communities of similar size, as drawn by a planner
        cells = _voronoi(seeds, boundary)
        seeds = shapely.get_coordinates(shapely.centroid(cells))
    cells = _voronoi(seeds, boundary)
    use = np.full(len(cells), "residential", dtype=object)
    draw = rng.permutation(len(cells))
    start = 0
    for kind, share in NON_RESIDENTIAL_SHARE.items():
        k = max(1, round(share * len(cells)))
        use[draw[start:start + k]] = kind
        start += k
    centre = np.asarray(boundary.centroid.coords[0])
    radius = np.sqrt(boundary.area / np.pi)
    near = np.hypot(*(shapely.get_coordinates(shapely.centroid(cells)) - centre).T) / radius
    core, edge = CORE_TO_EDGE_DENSITY
    density = rng.lognormal(0.0, DENSITY_SIGMA, len(cells)) * (core + (edge - core) * np.clip(near, 0, 1))
    density *= np.where(use == "residential", 1.0, np.where(use == "commercial", COMMERCIAL_DENSITY_SHARE, 0.0))
    weight = density * shapely.area(cells)
    return cells, largest_remainder(weight / weight.sum() * residents, residents), use


def _voronoi(seeds: np.ndarray, boundary) -> np.ndarray:
    import shapely

    parts = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=boundary))
    cells = shapely.intersection(parts, boundary)
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]
    return np.array([max(shapely.get_parts(c), key=lambda p: p.area) for c in cells], dtype=object)


def roads(boundary, rng) -> tuple[np.ndarray, np.ndarray]:
    """(segments, class): a grid plan with diagonals, split at every junction, some branch segments missing."""
    import shapely

    minx, miny, maxx, maxy = boundary.buffer(ROADS_BEYOND_M).bounds
    lines, klass = [], []

    def add(coords, kind):
        lines.append(shapely.LineString(coords))
        klass.append(kind)

    for lo, hi, other_lo, other_hi, along_x in ((minx, maxx, miny, maxy, True), (miny, maxy, minx, maxx, False)):
        arterials = np.arange(lo + rng.uniform(0, ARTERIAL_M), hi, ARTERIAL_M)
        branches = np.arange(lo + rng.uniform(0, BRANCH_M), hi, BRANCH_M)
        branches = branches[np.min(np.abs(branches[:, None] - arterials[None, :]), axis=1) > BRANCH_M / 3]
        for pos, kind in [(p, "arterial") for p in arterials] + [(p, "branch") for p in branches]:
            pos += rng.normal(0, ROAD_JITTER_M)
            add([(pos, other_lo), (pos, other_hi)] if along_x else [(other_lo, pos), (other_hi, pos)], kind)
    for _ in range(DIAGONALS):  # south edge to north edge at a slant
        add([(rng.uniform(minx, maxx), miny), (rng.uniform(minx, maxx), maxy)], "secondary")
    lines, klass = np.array(lines, dtype=object), np.array(klass)
    pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece, line = shapely.STRtree(lines).query(mids, predicate="dwithin", distance=0.01)
    rank = {"arterial": 0, "secondary": 1, "branch": 2}
    best = np.full(len(pieces), 9)
    np.minimum.at(best, piece, np.array([rank[c] for c in klass])[line])
    kind = np.array(list(rank))[np.minimum(best, 2)]
    keep = (kind != "branch") | (rng.random(len(pieces)) >= BRANCH_GAP_SHARE)
    keep &= shapely.intersects(pieces, boundary.buffer(ROADS_BEYOND_M))
    return pieces[keep], kind[keep]


def offices(cells, population: np.ndarray, residents: int, rng) -> np.ndarray:
    """One office per ~30,000 residents, at the middle of equal-population clusters (weighted k-means),
    each moved onto its nearest community's interior."""
    import shapely

    k = max(1, round(residents / RESIDENTS_PER_OFFICE))
    xy = shapely.get_coordinates(shapely.point_on_surface(cells))
    w = population.astype(float) + 1.0
    centres = xy[rng.choice(len(xy), k, replace=False, p=w / w.sum())]
    for _ in range(30):
        label = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        for j in range(k):
            mine = label == j
            if mine.any():
                centres[j] = np.average(xy[mine], axis=0, weights=w[mine])
    nearest = np.argmin(((centres[:, None, :] - xy[None]) ** 2).sum(-1), axis=1)
    return xy[np.unique(nearest)]


def generate(folder: Path, residents: int, seed: int = 20) -> dict:
    """Write areas.gpkg, roads.gpkg and offices.gpkg for ``residents`` into ``folder``; what was made."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng([seed, residents])
    folder.mkdir(parents=True, exist_ok=True)
    boundary = outline(residents, rng)
    cells, population, use = communities(boundary, residents, rng)
    segments, kind = roads(boundary, rng)
    points = offices(cells, population, residents, rng)
    gpd.GeoDataFrame({"name": [f"C{i:04d}" for i in range(len(cells))], "population": population,
                      "land_use": use, "geometry": cells}, crs=CRS).to_file(folder / "areas.gpkg", engine="pyogrio")
    gpd.GeoDataFrame({"class": kind, "geometry": segments}, crs=CRS).to_file(folder / "roads.gpkg", engine="pyogrio")
    gpd.GeoDataFrame({"name": [f"O{i:02d}" for i in range(len(points))]},
                     geometry=shapely.points(points), crs=CRS).to_file(folder / "offices.gpkg", engine="pyogrio")
    return {"residents": int(population.sum()), "areas": len(cells), "offices": len(points),
            "road_segments": len(segments), "km2": boundary.area / 1e6}


def overrides(folder: Path) -> list[str]:
    """``district=gis`` reading the generated files (a mapping key takes a + to merge into its default)."""
    def mapping(values: dict) -> str:
        return "{" + ",".join(f"{k}:{v}" for k, v in values.items()) + "}"
    return ["district=gis", f"district.gis.areas={folder / 'areas.gpkg'}", "district.gis.population_field=population",
            "district.gis.land_use_field=land_use",
            f"+district.gis.land_use_map={mapping({u: u for u in NON_RESIDENTIAL_SHARE})}",
            f"district.gis.roads={folder / 'roads.gpkg'}", "district.gis.road_class_field=class",
            f"+district.gis.road_speed_kmh={mapping(ROAD_SPEED_KMH)}",
            f"district.gis.offices={folder / 'offices.gpkg'}", f"district.gis.cell_m={CELL_M}"]


def district_config(folder: Path):
    """The run's ``district`` config, composed and checked but not prepared (preparing builds the district)."""
    from omegaconf import open_dict

    from sim.compose.overrides import compose_hydra
    from sim.compose.structured import register_configs, typed_config

    register_configs()
    composed = compose_hydra(overrides(folder))
    with open_dict(composed):
        del composed["hydra"]
    return typed_config(composed).district


def build_child(cache: str, folder: str) -> dict:
    """Time the district's build (gis_build + gis_district) with the cache folder ``cache``."""
    os.environ["SIM_CACHE_DIR"] = cache
    t0 = time.perf_counter()
    from sim.geo.build import gis_build, gis_district
    from sim.geo.cache import cache_dir

    t1 = time.perf_counter()
    dcfg = district_config(Path(folder))
    cached = any(cache_dir().glob("*.npz"))
    t2 = time.perf_counter()
    built = gis_build(dcfg.gis)
    t3 = time.perf_counter()
    district, _ = gis_district(dcfg, built)
    t4 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t3 - t2, "district_s": t4 - t3, "total_s": t4 - t2, "cached": cached,
            "residents": int(district.residents.sum()), "cells": int(district.width * district.height),
            **{k: built.info[k] for k in ("areas", "cells_inside", "road_nodes", "road_edges", "road_nodes_dropped")}}


def measure(folder: Path, tmp: Path, repeats: int, days: float) -> dict:
    """Fresh processes on one size: first builds (each on its own empty cache), cached builds, and runs."""
    cache = tmp / f"cache-{folder.name}"
    first = [child("gis_scale", ["build", str(tmp / f"empty-{folder.name}-{i}"), str(folder)]) for i in range(repeats)]
    child("gis_scale", ["build", str(cache), str(folder)])  # fills the cache the others read
    cached = [child("gis_scale", ["build", str(cache), str(folder)]) for _ in range(repeats)]
    if any(b["cached"] for b in first) or not all(b["cached"] for b in cached):
        raise BenchmarkError(f"gis: the build cache did not behave as measured ({folder})")
    runs = [child("gis_scale", ["year", str(cache), f"sim.days={days}", *overrides(folder)]) for _ in range(repeats)]
    return {"first": first, "cached": cached, "runs": runs}


def _range(values) -> str:
    return "-".join(f"{v:.2f}" for v in spread(values))


def run(repeats: int, quick: bool, log=print) -> list[Result]:
    sizes, days = (QUICK_SIZES, 14.0) if quick else (SIZES, 365.0)
    by_size, made = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-gis-") as tmp:
        for n in sizes:
            folder = Path(tmp) / f"n{n}"
            made[n] = generate(folder, n)
            log(f"gis: {n:,} residents: {made[n]['areas']} areas, {made[n]['road_segments']} road segments, "
                f"{made[n]['offices']} offices, {made[n]['km2']:.1f} km2")
            m = by_size[n] = measure(folder, Path(tmp), repeats, days)
            log(f"gis: {n:,}: first build {median(b['total_s'] for b in m['first']):.2f} s, cached "
                f"{median(b['total_s'] for b in m['cached']):.2f} s, {days:g} days "
                f"{median(r['total_s'] for r in m['runs']):.2f} s")
    top, full = sizes[-1], not quick
    m, info = by_size[top], by_size[top]["first"][0]
    case = f"{top:,} residents, {CELL_M:.0f} m cells"
    first = [b["total_s"] for b in m["first"]]
    wall, first_run = [r["total_s"] for r in m["runs"]], m["runs"][0]
    costs = [median(r["total_s"] for r in by_size[n]["runs"]) for n in sizes]
    cpu = [median(r["cpu_s"] for r in by_size[n]["runs"]) for n in sizes]
    fit, cpu_fit = power_law(sizes, costs), power_law(sizes, cpu)
    build_fit = power_law(sizes, [median(b["total_s"] for b in by_size[n]["first"]) for n in sizes])
    return [
        Result("gis district", case, "first build (empty cache)", median(first), "s",
               BUILD_TARGET_S if full else None, detail={
                   "range s": _range(first), "read and rasterise s": median(b["read_s"] for b in m["first"]),
                   "district and travel s": median(b["district_s"] for b in m["first"]),
                   "imports s (not counted)": median(b["import_s"] for b in m["first"]), "areas": info["areas"],
                   "cells": info["cells"], "cells inside": info["cells_inside"], "road nodes": info["road_nodes"],
                   "offices": made[top]["offices"], "km2": made[top]["km2"]}),
        Result("gis district", case, "cached build", median(b["total_s"] for b in m["cached"]), "s",
               detail={"range s": _range([b["total_s"] for b in m["cached"]])}),
        Result("gis district", case, f"{days:g} simulated days (model build + run)", median(wall), "s",
               YEAR_TARGET_S if full else None, detail={
                   "range s": _range(wall), "CPU s": median(r["cpu_s"] for r in m["runs"]),
                   "model build s": median(r["setup_s"] for r in m["runs"]), "calls": first_run["calls"],
                   "crimes": first_run["crimes"], "units": first_run["units"], "events": first_run["events"],
                   "peak MB": max(r["peak_rss_mb"] for r in m["runs"]),
                   "us per call": 1e6 * median(wall) / max(first_run["calls"], 1)}),
        Result("gis district", " / ".join(f"{n / 1e3:g} k" for n in sizes), "cost exponent in residents",
               fit["exponent"], "", EXPONENT_TARGET if full else None, detail={
                   "95% CI": "{:.2f}-{:.2f}".format(*fit["ci95"]), "r2": fit["r2"],
                   "seconds": " / ".join(f"{c:.2f}" for c in costs), "CPU s": " / ".join(f"{c:.2f}" for c in cpu),
                   "exponent of CPU s": cpu_fit["exponent"],
                   "calls": " / ".join(str(by_size[n]["runs"][0]["calls"]) for n in sizes),
                   "first build exponent": build_fit["exponent"]}),
    ]


def year_child(cache: str, overrides_: list[str]) -> dict:
    """benchmarks.one_run's figures (model build + run; the config, its cached build included, is loaded
    before the clock starts, as for every district) plus the process's CPU seconds (a shared machine's
    wall time counts other programs too)."""
    import resource

    from benchmarks.one_run import scheduled_events
    from sim.compose.loader import load_config
    from sim.model import CommunityPolicingModel

    os.environ["SIM_CACHE_DIR"] = cache
    t0 = time.perf_counter()
    cfg = load_config(["sim.progress=false", "sim.plots=false", *overrides_])
    t1, c1 = time.perf_counter(), time.process_time()
    model = CommunityPolicingModel(cfg)
    t2 = time.perf_counter()
    model.run()
    t3, c3 = time.perf_counter(), time.process_time()
    return {"config_s": t1 - t0, "setup_s": t2 - t1, "run_s": t3 - t2, "total_s": t3 - t1, "cpu_s": c3 - c1,
            "calls": len(model.calls), "crimes": len(model.incidents), "units": int(len(model.fleet.role)),
            "residents": int(model.district.residents.sum()), "events": scheduled_events(model.env),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str]) -> None:
    from benchmarks.measure import pin_to_one_core

    what, where, rest = (argv + ["", ""])[0], (argv + ["", ""])[1], argv[2:]
    if what == "generate" and len(rest) == 1 and rest[0].isdigit():  # for a profile or a look in QGIS
        generate(Path(where).resolve(), int(rest[0]))
        print(" ".join(overrides(Path(where).resolve())))
        return
    pin_to_one_core()
    if what == "build" and len(rest) == 1:
        print(json.dumps(build_child(where, rest[0])))
    elif what == "year":
        print(json.dumps(year_child(where, rest)))
    else:
        raise SystemExit("usage: python -m benchmarks.gis_scale generate FOLDER RESIDENTS | build CACHE FOLDER | "
                         f"year CACHE OVERRIDES...; got {' '.join(argv)!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
