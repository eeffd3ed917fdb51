"""cells.gpkg: what happened in each district cell, as a GeoPackage layer a
planner opens in QGIS (issue 20).

One square polygon per cell that some area covers (land use other than
``outside``), in the district's metric CRS for a district from GIS files
(model metres shifted by the grid's origin, sim.geo.frame.GeoFrame) and in
plain model metres without a CRS for an invented district. Counts cover the
whole run, warm-up included, as ``calls.parquet`` and ``incidents.parquet``
do, so a column's sum is its table's row count.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyogrio
import shapely

from sim.core.land_use import LAND_USES
from sim.core.outdir import write_atomic

CELLS_LAYER = "cells"
# GDAL stamps a GeoPackage with the time of writing unless told a date: a fixed
# one keeps a re-run's file byte-identical (the baseline hashes every output
# file, tests/baseline/cases.py); the run's real time is in manifest.json.
GPKG_DATE = "2000-01-01T00:00:00.000Z"
OUTSIDE = LAND_USES.index("outside")


def per_cell(district, x, y, weights=None) -> np.ndarray:
    """Sum of ``weights`` (1 each by default) over the points (model metres) of
    each flat cell (x * height + y); points without a place are left out."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    placed = np.isfinite(x) & np.isfinite(y)
    cx, cy = district.cell_of(x[placed], y[placed])
    flat = np.asarray(cx, dtype=np.int64) * district.height + np.asarray(cy, dtype=np.int64)
    n_cells = district.width * district.height
    if weights is None:
        return np.bincount(flat, minlength=n_cells)
    # float even with no points (numpy's bincount of nothing is int64 whatever the weights)
    return np.bincount(flat, weights=np.asarray(weights, dtype=float)[placed], minlength=n_cells).astype(float)


def cell_results(district, calls: pa.Table, incidents: pa.Table, patrol_stops) -> dict[str, np.ndarray]:
    """Per flat cell: calls, crimes (all incidents), crimes reported, mean
    response of the calls reached (NaN: none), patrol minutes. ``calls``: the
    ``x_m``, ``y_m`` and ``response_min`` columns; ``patrol_stops``: rows of
    (x, y, arrived, left), on-duty minutes at the end of patrol legs
    (sim.policing.crime.CrimeModel.patrol_stops), or None where not kept
    (crime off): NaN then, not a false zero."""
    cx, cy = calls["x_m"].to_numpy(), calls["y_m"].to_numpy()
    response = calls["response_min"].to_numpy()
    reached = np.isfinite(response)
    n_reached = per_cell(district, cx[reached], cy[reached])
    total = per_cell(district, cx[reached], cy[reached], response[reached])
    ix, iy = incidents["x_m"].to_numpy(), incidents["y_m"].to_numpy()
    reported = incidents["reported"].to_numpy(zero_copy_only=False).astype(bool)
    n_cells = district.width * district.height
    if patrol_stops is None:
        patrol = np.full(n_cells, np.nan)
    else:
        stops = np.asarray(patrol_stops, dtype=float).reshape(-1, 4)
        patrol = per_cell(district, stops[:, 0], stops[:, 1], stops[:, 3] - stops[:, 2])
    return {
        "calls": per_cell(district, cx, cy).astype(np.int64),
        "crimes": per_cell(district, ix, iy).astype(np.int64),
        "crimes_reported": per_cell(district, ix[reported], iy[reported]).astype(np.int64),
        "mean_response_min": np.divide(total, n_reached, out=np.full(n_cells, np.nan), where=n_reached > 0),
        "patrol_minutes": patrol,
    }


def cells_frame(district, results: dict[str, np.ndarray]) -> gpd.GeoDataFrame:
    """One row per covered cell, in flat order (x-major), with its square."""
    inside = district.land_use.ravel() != OUTSIDE
    flat = np.flatnonzero(inside)
    cx, cy = np.divmod(flat, district.height)
    size, geo = district.cell_size_m, district.geo
    x0, y0 = (geo.x0, geo.y0) if geo is not None else (0.0, 0.0)
    boxes = shapely.box(x0 + cx * size, y0 + cy * size, x0 + (cx + 1) * size, y0 + (cy + 1) * size)
    if geo is not None:
        lon, lat = (np.asarray(v, dtype=float) for v in geo.lonlat((cx + 0.5) * size, (cy + 0.5) * size))
    else:
        lon = lat = np.full(len(flat), np.nan)
    columns = {
        "cell_x": cx.astype(np.int32), "cell_y": cy.astype(np.int32),
        "land_use": np.asarray(LAND_USES, dtype=object)[district.land_use.ravel()[flat]],
        "residents": district.residents.ravel()[flat].astype(np.int64),
        "office": district.office_area.ravel()[flat].astype(np.int32),
        **{name: values[flat] for name, values in results.items()},
        "lon": lon, "lat": lat,
    }
    return gpd.GeoDataFrame(columns, geometry=boxes, crs=geo.metric_crs if geo is not None else None)


def write_cells(path: Path, frame: gpd.GeoDataFrame) -> None:
    """The GeoPackage, written in memory and put in place atomically (a
    GeoPackage is an SQLite file: GDAL would write it through its own name)."""
    buffer = io.BytesIO()
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        with warnings.catch_warnings():  # an invented district has no CRS, and says so by having none
            warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
            pyogrio.write_dataframe(frame, buffer, layer=CELLS_LAYER, driver="GPKG", use_arrow=True)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
    with write_atomic(path, "wb") as f:
        f.write(buffer.getvalue())


def write_cells_gpkg(path: Path, district, calls: pa.Table, incidents: pa.Table, patrol_stops) -> None:
    write_cells(path, cells_frame(district, cell_results(district, calls, incidents, patrol_stops)))
