"""Outputs in real coordinates (issue 20, item 3): calls and incidents carry
WGS84 lon/lat, cells.gpkg holds the per-cell results a GIS opens, and the
incident map of a real place is drawn in its metric CRS with its outline
and roads. Invented districts keep one schema (null lon/lat, no CRS)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
import pytest

from sim.core import logs
from sim.core.land_use import LAND_USES
from sim.core.records import CALL_SCHEMA, INCIDENT_SCHEMA, with_lonlat
from sim.geo import district_and_travel
from sim.output.cells import CELLS_LAYER, cell_results, cells_frame, write_cells
from sim.model import CommunityPolicingModel
from sim.run import run_scenario, simulate
from tests.conftest import config

OUTSIDE = LAND_USES.index("outside")
HELSINKI = ("district=helsinki", "sim.days=7", "policy=random_patrol")


def _run(tmp_path_factory, name: str, *overrides: str):
    cfg = config(*overrides)
    out = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:  # many small batches: lon/lat are filled batch by batch
        mp.setattr(logs, "BATCH_ROWS", 8)
        mp.setattr(logs, "ROW_GROUP_ROWS", 16)
        run_scenario(cfg, out, progress=False)
    district, _ = district_and_travel(cfg.district, np.random.default_rng(0))
    return cfg, out, district


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    return _run(tmp_path_factory, "helsinki", *HELSINKI)


@pytest.fixture(scope="module")
def urban(tmp_path_factory):
    return _run(tmp_path_factory, "urban", "sim.days=3", "policy=random_patrol")


def _cells(out):
    return pyogrio.read_dataframe(out / "cells.gpkg", layer=CELLS_LAYER)


# --- lon/lat in calls and incidents ---------------------------------------------------
@pytest.mark.parametrize("name", ["calls", "incidents", "station_calls"])
def test_a_real_place_writes_lonlat_that_converts_back_to_model_metres(helsinki, name):
    _, out, district = helsinki
    table = pq.read_table(out / f"{name}.parquet")
    assert pq.ParquetFile(out / f"{name}.parquet").num_row_groups > 1 or len(table) <= 16  # streamed in batches
    assert table.schema.field("lon").type == pa.float64() and table.schema.field("lat").type == pa.float64()
    assert len(table) > 0 and table["lon"].null_count == 0 and table["lat"].null_count == 0
    lon, lat = table["lon"].to_numpy(), table["lat"].to_numpy()
    assert ((24.93 <= lon) & (lon <= 24.96)).all() and ((60.16 <= lat) & (lat <= 60.18)).all()
    x, y = district.geo.model_from(lon, lat, "EPSG:4326")
    np.testing.assert_allclose(x, table["x_m"].to_numpy(), atol=0.01, rtol=0)
    np.testing.assert_allclose(y, table["y_m"].to_numpy(), atol=0.01, rtol=0)


def test_a_run_kept_in_memory_writes_the_same_lonlat(helsinki, tmp_path):
    """An exercise's outputs are written from memory (sim.run_exercise): same columns as the streamed run."""
    from sim.output.provenance import prepare_dir
    from sim.run import write_outputs

    cfg, out, _ = helsinki
    kept = prepare_dir(tmp_path / "kept", cfg)
    write_outputs(simulate(cfg), kept, None, 0.0)
    for name in ("calls", "incidents"):
        a, b = pq.read_table(out / f"{name}.parquet"), pq.read_table(kept / f"{name}.parquet")
        assert a.schema == b.schema and a.select(["lon", "lat"]).equals(b.select(["lon", "lat"])), name


def test_an_invented_district_has_the_same_columns_all_null(urban):
    _, out, district = urban
    assert district.geo is None
    for name, schema in (("calls", CALL_SCHEMA), ("incidents", INCIDENT_SCHEMA)):
        table = pq.read_table(out / f"{name}.parquet")
        assert table.schema == schema and len(table) > 0, name
        assert table["lon"].null_count == table["lat"].null_count == len(table), name
    assert with_lonlat(None) is None


def test_lonlat_of_a_point_without_a_place_is_null(helsinki):
    fill = with_lonlat(helsinki[2].geo)
    table = fill(pa.table({"x_m": [100.0, np.nan], "y_m": [200.0, 5.0], "lon": pa.nulls(2, pa.float64()),
                           "lat": pa.nulls(2, pa.float64())}))
    assert table["lon"].is_valid().to_pylist() == [True, False] and table["lat"].null_count == 1


# --- cells.gpkg -------------------------------------------------------------------------
def test_cells_gpkg_of_a_real_place_is_in_its_metric_crs_and_sums_to_the_tables(helsinki):
    _, out, district = helsinki
    geo = district.geo
    info = pyogrio.read_info(out / "cells.gpkg", layer=CELLS_LAYER)
    inside = district.land_use != OUTSIDE
    assert pyproj.CRS.from_user_input(info["crs"]) == pyproj.CRS.from_user_input(geo.metric_crs)
    assert info["geometry_type"] == "Polygon" and info["features"] == int(inside.sum()) < district.land_use.size
    cells = _cells(out)
    calls, incidents = pq.read_table(out / "calls.parquet"), pq.read_table(out / "incidents.parquet")
    cx, cy = district.cell_of(calls["x_m"].to_numpy(), calls["y_m"].to_numpy())
    assert inside[cx, cy].all()  # every call is in a covered cell, so the layer holds them all
    assert cells["calls"].sum() == len(calls) > 0
    assert cells["crimes"].sum() == len(incidents) > 0
    assert cells["crimes_reported"].sum() == int(np.sum(incidents["reported"].to_numpy(zero_copy_only=False)))
    assert cells["residents"].sum() == int(district.residents.sum())
    assert (cells["land_use"] != "outside").all() and cells["patrol_minutes"].sum() > 0
    # each row's square is its cell, and its lon/lat the square's centre
    size = district.cell_size_m
    bounds = cells.geometry.bounds.to_numpy()
    np.testing.assert_allclose(bounds[:, 0], geo.x0 + cells["cell_x"] * size)
    np.testing.assert_allclose(bounds[:, 3], geo.y0 + (cells["cell_y"] + 1) * size)
    centre = cells.geometry.centroid.to_crs("EPSG:4326")
    np.testing.assert_allclose(centre.x, cells["lon"], atol=1e-9)
    np.testing.assert_allclose(centre.y, cells["lat"], atol=1e-9)


def test_mean_response_of_a_cell_is_the_mean_of_its_calls(helsinki):
    _, out, district = helsinki
    calls = pq.read_table(out / "calls.parquet").to_pandas()
    calls["cell_x"], calls["cell_y"] = district.cell_of(calls["x_m"].to_numpy(), calls["y_m"].to_numpy())
    expected = calls.dropna(subset=["response_min"]).groupby(["cell_x", "cell_y"])["response_min"].mean()
    cells = _cells(out).set_index(["cell_x", "cell_y"])
    got = cells["mean_response_min"].dropna()
    assert len(got) == len(expected) > 0
    np.testing.assert_allclose(got.loc[expected.index].to_numpy(), expected.to_numpy())


def test_cells_gpkg_of_an_invented_district_has_no_crs_and_every_cell(urban):
    _, out, district = urban
    info = pyogrio.read_info(out / "cells.gpkg", layer=CELLS_LAYER)
    assert info["crs"] is None and info["geometry_type"] == "Polygon"
    assert info["features"] == district.land_use.size
    cells = _cells(out)
    assert cells["calls"].sum() == pq.read_metadata(out / "calls.parquet").num_rows
    assert cells["crimes"].sum() == pq.read_metadata(out / "incidents.parquet").num_rows
    assert cells["lon"].isna().all() and tuple(cells.total_bounds) == (0.0, 0.0, *district.extent_m)


def test_patrol_minutes_are_the_patrol_stops_dwell_and_unknown_without_them(urban):
    _, _, district = urban
    empty_calls = pa.table({"x_m": [], "y_m": [], "response_min": []}, schema=pa.schema(
        [("x_m", pa.float64()), ("y_m", pa.float64()), ("response_min", pa.float64())]))
    empty_incidents = pa.table({"x_m": pa.array([], pa.float64()), "y_m": pa.array([], pa.float64()),
                                "reported": pa.array([], pa.bool_())})
    stops = [(25.0, 25.0, 10.0, 22.0), (30.0, 40.0, 50.0, 53.0), (1500.0, 900.0, 0.0, 7.5)]
    patrol = cell_results(district, empty_calls, empty_incidents, stops)["patrol_minutes"]
    far = np.ravel_multi_index(district.cell_of(1500.0, 900.0), district.land_use.shape)
    assert district.cell_of(30.0, 40.0) == (0, 0) and far > 0
    assert patrol[0] == 15.0 and patrol[far] == 7.5 and patrol.sum() == 22.5
    assert np.isnan(cell_results(district, empty_calls, empty_incidents, None)["patrol_minutes"]).all()
    assert cell_results(district, empty_calls, empty_incidents, [])["patrol_minutes"].dtype == float


def test_cells_gpkg_is_byte_identical_when_written_again(helsinki, tmp_path):
    """The baseline hashes every output file: GDAL's time stamp is fixed."""
    district = helsinki[2]
    frame = cells_frame(district, {c: np.zeros(district.land_use.size) for c in ("calls", "crimes")})
    write_cells(tmp_path / "a.gpkg", frame)
    write_cells(tmp_path / "b.gpkg", frame)
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()


# --- the map -----------------------------------------------------------------------------
def _drawn(district, incidents):
    import matplotlib.pyplot as plt

    from sim.output.plots import draw_incident_map

    fig, ax = plt.subplots()
    draw_incident_map(ax, district, incidents)
    return fig, ax


def test_the_map_of_a_real_place_is_in_its_metric_crs_with_outline_and_roads(helsinki):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    _, out, _ = helsinki
    district = CommunityPolicingModel(config(*HELSINKI)).district  # with its beats
    geo = district.geo
    fig, ax = _drawn(district, pq.read_table(out / "incidents.parquet"))
    w, h = district.extent_m
    assert ax.get_xlim() == (geo.x0, geo.x0 + w) and ax.get_ylim() == (geo.y0, geo.y0 + h)
    assert "EPSG:32635" in ax.get_xlabel() and "(m" in ax.get_xlabel() and "northing (m)" == ax.get_ylabel()
    labelled = {c.get_label(): c for c in ax.collections if isinstance(c, LineCollection)}
    roads = np.concatenate(labelled["roads"].get_segments())
    outline = np.concatenate(labelled["district outline"].get_segments())
    assert roads[:, 0].min() > geo.x0 - w and roads[:, 1].max() < geo.y0 + 2 * h  # drawn where the grid is
    minx, miny, maxx, maxy = geo.outline(geo.metric_crs).bounds
    np.testing.assert_allclose(outline.min(axis=0), (minx, miny))
    np.testing.assert_allclose(outline.max(axis=0), (maxx, maxy))
    plt.close(fig)


def test_the_map_of_an_invented_district_stays_in_model_metres(urban):
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    _, out, _ = urban
    district = CommunityPolicingModel(config()).district
    fig, ax = _drawn(district, pq.read_table(out / "incidents.parquet"))
    assert ax.get_xlim() == (0.0, district.extent_m[0]) and ax.get_xlabel() == "x (m)"
    assert not any(isinstance(c, LineCollection) and c.get_label() in ("roads", "district outline")
                   for c in ax.collections)
    plt.close(fig)
