"""calls_csv in real coordinates (issue 20): lon/lat or projected x/y with a
stated CRS on a GIS district, Chinese headers and call-type names
(sim/policing/calls_csv_reader.py, sim/policing/call_type_aliases.py)."""
from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ConfigError
from sim.core.space import LAND_USE_CODE
from sim.geo.build import gis_build
from sim.policing.call_type_aliases import CALL_TYPE_ALIASES, alias_key
from sim.policing.calls_config import default_call_types
from sim.policing.calls_csv import fit_calls_csv
from tests.conftest import config

START = datetime(2024, 1, 1)
KINDS = ("dispute", "theft", "service_request")
CHINESE = {"dispute": "纠纷", "theft": "盗窃", "service_request": "求助"}


@pytest.fixture(scope="module")
def helsinki():
    cfg = config("district=helsinki")
    built = gis_build(cfg.district.gis)
    return cfg, built


def num(value) -> str:
    """A coordinate as text, every digit kept (round-trips exactly)."""
    return repr(float(value))


def write(path: Path, header, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def calls_in(built, n: int = 400, seed: int = 2):
    """n calls at points well inside covered cells (not within 5 m of a cell
    edge, so a conversion's rounding cannot move one to the next cell)."""
    rng = np.random.default_rng(seed)
    f = built.frame
    inside = np.argwhere(built.land_use != LAND_USE_CODE["outside"])
    hot = inside[rng.choice(len(inside), 12, replace=False)]  # calls cluster in a dozen cells
    cells = hot[rng.integers(0, len(hot), n)]
    x = (cells[:, 0] + rng.uniform(0.1, 0.9, n)) * f.cell_m
    y = (cells[:, 1] + rng.uniform(0.1, 0.9, n)) * f.cell_m
    times = [(START + timedelta(hours=float(h))).isoformat(sep=" ", timespec="minutes")
             for h in np.sort(rng.uniform(0, 60 * 24, n))]
    kinds = [KINDS[k] for k in rng.integers(0, len(KINDS), n)]
    return times, kinds, x, y


def three_files(tmp_path, built):
    """The same calls in model metres, lon/lat (WGS84) and EPSG:3067 x/y."""
    times, kinds, x, y = calls_in(built)
    lon, lat = built.frame.lonlat(x, y)
    ex, ny = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True).transform(lon, lat)
    return {
        "x_m": write(tmp_path / "m.csv", ("time", "type", "x_m", "y_m"),
                     [(t, k, num(a), num(b)) for t, k, a, b in zip(times, kinds, x, y)]),
        "lonlat": write(tmp_path / "ll.csv", ("time", "type", "lon", "lat"),
                        [(t, k, num(a), num(b)) for t, k, a, b in zip(times, kinds, lon, lat)]),
        "xy": write(tmp_path / "xy.csv", ("x", "y", "time", "type"),  # another column order
                    [(num(a), num(b), t, k) for t, k, a, b in zip(times, kinds, ex, ny)]),
    }, (times, kinds, lon, lat, x, y)


def test_lonlat_projected_and_model_metres_give_the_same_fit(tmp_path, helsinki):
    cfg, built = helsinki
    files, (_, kinds, _, _, x, y) = three_files(tmp_path, built)
    fits = {name: fit_calls_csv(replace(cfg, calls_csv=path, calls_csv_crs="EPSG:3067" if name == "xy" else None))
            for name, path in files.items()}
    base = fits["x_m"]
    assert base.report["bad_rows"] == [] and base.report["rows_used"] == 400
    for name in ("lonlat", "xy"):
        fit = fits[name]
        assert fit.report["bad_rows"] == [] and fit.report["rows_used"] == 400, name
        for kind in KINDS:
            a, b = base.calls[kind], fit.calls[kind]
            assert a.rate_per_1000_per_year == b.rate_per_1000_per_year and a.hour_weights == b.hour_weights
            assert np.allclose(a.cell_weights, b.cell_weights, rtol=0, atol=1e-9), (name, kind)
    # the place map follows the points: the busiest cell of the records is the map's peak
    w = np.asarray(base.calls["dispute"].cell_weights).reshape(built.land_use.shape)
    mine = np.array([k == "dispute" for k in kinds])
    counts = np.zeros_like(w)
    np.add.at(counts, ((x[mine] // built.frame.cell_m).astype(int), (y[mine] // built.frame.cell_m).astype(int)), 1)
    assert np.unravel_index(np.argmax(w), w.shape) == np.unravel_index(np.argmax(counts), w.shape)
    # cells no area covers get no calls (as in the model), every covered cell some
    covered = (built.land_use != LAND_USE_CODE["outside"]).ravel()
    assert (~covered).any() and base.calls["theft"].cell_weights == []  # offenders choose their own places
    for kind in ("dispute", "service_request"):
        cw = np.asarray(base.calls[kind].cell_weights)
        assert np.all(cw[~covered] == 0) and np.all(cw[covered] > 0), kind
    assert fits["xy"].report["coordinates"] == "x,y (EPSG:3067)"
    assert fits["lonlat"].report["coordinates"] == "lon,lat (WGS84)"


def test_through_the_loader_lonlat_and_stated_crs(tmp_path, helsinki, capsys):
    _, built = helsinki
    files, _ = three_files(tmp_path, built)
    by_lonlat = config("district=helsinki", f"calls_csv={files['lonlat']}")
    by_xy = config("district=helsinki", f"calls_csv={files['xy']}", "calls_csv_crs=EPSG:3067")
    assert "fitted 3 call types from 400 rows" in capsys.readouterr().err
    assert by_lonlat.calls["theft"].rate_per_1000_per_year > 0
    assert by_lonlat.calls == by_xy.calls
    assert len(by_lonlat.calls["dispute"].cell_weights) == built.land_use.size


def test_chinese_headers_and_type_names(tmp_path, helsinki):
    cfg, built = helsinki
    files, (times, kinds, lon, lat, _, _) = three_files(tmp_path, built)
    spaced = ["  {}", "{} ", "\u3000{}"]  # surrounding spaces, a full-width space
    rows = [(t, spaced[i % 3].format(CHINESE[k]), num(a), num(b))
            for i, (t, k, a, b) in enumerate(zip(times, kinds, lon, lat))]
    path = write(tmp_path / "zh.csv", ("时间", "类型", "经度", "纬度"), rows)
    zh = fit_calls_csv(replace(cfg, calls_csv=path))
    en = fit_calls_csv(replace(cfg, calls_csv=files["lonlat"]))
    assert zh.report["bad_rows"] == [] and zh.calls == en.calls
    assert zh.report["coordinates"] == "经度,纬度 (WGS84)"


def test_english_types_any_case_and_aliases_without_gis(tmp_path):
    cfg = config()
    names = ["Dispute", " THEFT ", "纠纷", "盗窃", "诈骗", "入户盗窃", "求助"] * 10
    rows = [(f"2024-01-{1 + i % 28:02d} 1{i % 10}:00", name, "150", "250") for i, name in enumerate(names)]
    rep = fit_calls_csv(replace(cfg, calls_csv=write(tmp_path / "r.csv", ("time", "type", "x_m", "y_m"),
                                                     rows))).report
    counts = {k: v["count"] for k, v in rep["types"].items() if v["count"]}
    assert counts == {"dispute": 20, "theft": 20, "fraud": 10, "burglary": 10, "service_request": 10}


def test_unknown_type_says_aliases_exist(tmp_path):
    rows = ([("2024-01-01 10:00", "纠纷", "100", "100")] * 5 + [("2024-01-02 10:00", "外星人", "100", "100")]
            + [("2024/01/03 10:00", "交通事故", "100", "100")] * 3)
    rep = fit_calls_csv(replace(config(), calls_csv=write(tmp_path / "r.csv", ("time", "type", "x_m", "y_m"),
                                                          rows))).report
    assert [b["line"] for b in rep["bad_rows"]] == [7]
    reason = rep["bad_rows"][0]["reason"]
    assert "unknown type '外星人'" in reason and "dispute" in reason and "call_type_aliases" in reason
    # other services' calls (122 traffic, 119 fire) are skipped quietly and counted, not malformed
    assert rep["other_service_rows"] == {"交通事故": 3} and rep["rows_used"] == 5


def test_a_gbk_file_with_excel_times_reads_as_utf8_would(tmp_path):
    """Excel on Chinese Windows saves CSV as GBK with 2025/03/01 02:57 times: the same fit as UTF-8."""
    rows = [(f"2024/01/{1 + k % 20:02d} {k % 24:02d}:10", ("纠纷", "盗窃")[k % 2], str(100 + k), "100")
            for k in range(40)]
    header = "时间,类型,x_m,y_m\n"
    body = "".join(",".join(r) + "\n" for r in rows)
    (tmp_path / "gbk.csv").write_bytes((header + body).encode("gbk"))
    (tmp_path / "utf8.csv").write_text(header + body.replace("/", "-"), encoding="utf-8")
    fits = [fit_calls_csv(replace(config(), calls_csv=str(tmp_path / name))).report for name in ("gbk.csv", "utf8.csv")]
    assert fits[0]["rows_used"] == fits[1]["rows_used"] == 40 and not fits[0]["bad_rows"]
    assert fits[0]["types"] == fits[1]["types"]


def test_alias_table_names_existing_types_only():
    types = default_call_types()
    assert CALL_TYPE_ALIASES and set(CALL_TYPE_ALIASES.values()) <= set(types)
    assert all(alias_key(a) == a and a not in types for a in CALL_TYPE_ALIASES)
    assert {CALL_TYPE_ALIASES[a] for a in ("纠纷", "盗窃", "诈骗")} == {"dispute", "theft", "fraud"}


def test_real_coordinates_on_an_invented_district_are_refused_in_one_line(tmp_path, helsinki):
    _, built = helsinki
    files, _ = three_files(tmp_path, built)
    with pytest.raises(ConfigError) as exc:
        config(f"calls_csv={files['lonlat']}")  # urban_core: no place on Earth
    assert exc.value.key == "calls_csv" and "district=gis" in str(exc.value) and "x_m,y_m" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_points_outside_the_district_are_bad_rows_with_line_numbers(tmp_path, helsinki):
    cfg, built = helsinki
    f = built.frame
    times, kinds, x, y = calls_in(built, n=40)
    lon, lat = f.lonlat(x, y)
    rows = [[t, k, num(a), num(b)] for t, k, a, b in zip(times, kinds, lon, lat)]
    rows[4][2] = "25.2"  # line 6: 13 km east of the extract
    rows[9][2], rows[9][3] = rows[9][3], rows[9][2]  # line 11: lon and lat swapped (60 E, 24 N: Iran, in range)
    rows[14][3] = "95.0"  # line 16: no such latitude
    ox, oy = np.argwhere(built.land_use == LAND_USE_CODE["outside"])[0]
    ol, oa = f.lonlat([(ox + 0.5) * f.cell_m], [(oy + 0.5) * f.cell_m])
    rows[19][2], rows[19][3] = num(ol[0]), num(oa[0])  # line 21: in the grid, in no area
    rep = fit_calls_csv(replace(cfg, calls_csv=write(tmp_path / "r.csv", ("time", "type", "lon", "lat"),
                                                     rows))).report
    assert [b["line"] for b in rep["bad_rows"]] == [6, 11, 16, 21]
    east, swapped, lat95, no_area = (b["reason"] for b in rep["bad_rows"])
    assert "outside the district" in east and "lon 25.2" in east and "[0, 1100) x [0, 1700)" in east
    assert "outside the district" in swapped
    assert "lat '95.0' is not within [-90, 90]" in lat95
    assert "outside the district's areas" in no_area and f"({ox}, {oy})" in no_area
    assert rep["rows_used"] == 36


@pytest.mark.parametrize("header, crs, key, needle", [
    (("time", "type", "lon", "lat", "x", "y"), None, "calls_csv", "has lon,lat and x,y columns"),
    (("time", "type", "x", "y"), None, "calls_csv_crs", "say their CRS"),
    (("time", "type", "lon", "lat"), "EPSG:3067", "calls_csv_crs", "projected CRS"),
    (("time", "type", "x_m", "y_m"), "EPSG:3067", "calls_csv_crs", "have no CRS"),
    (("time", "type", "x", "y"), "EPSG:999999", "calls_csv_crs", "not a CRS pyproj knows"),
    (("time", "type", "lon"), None, "calls_csv", "has no column 'lat'"),
])
def test_column_and_crs_problems_are_one_line_errors(tmp_path, helsinki, header, crs, key, needle):
    cfg, _ = helsinki
    row = ("2024-01-01 10:00", "dispute", "24.94", "60.17", "385000", "6672000")[: len(header)]
    path = write(tmp_path / "r.csv", header, [row])
    with pytest.raises(ConfigError) as exc:
        fit_calls_csv(replace(cfg, calls_csv=path, calls_csv_crs=crs))
    assert exc.value.key == key and needle in str(exc.value) and "\n" not in str(exc.value)


def test_calls_csv_crs_needs_calls_csv():
    with pytest.raises(ConfigError, match="set calls_csv=PATH too"):
        config("calls_csv_crs=EPSG:4547")


def test_a_lonlat_file_with_a_stated_geographic_crs(tmp_path, helsinki):
    """CGCS2000 (EPSG:4490) lon/lat, as Chinese bureaus hold them, is accepted
    and differs from WGS84 by far less than a cell here."""
    cfg, built = helsinki
    files, _ = three_files(tmp_path, built)
    wgs = fit_calls_csv(replace(cfg, calls_csv=files["lonlat"]))
    cgcs = fit_calls_csv(replace(cfg, calls_csv=files["lonlat"], calls_csv_crs="EPSG:4490"))
    assert cgcs.report["coordinates"] == "lon,lat (EPSG:4490)" and cgcs.report["bad_rows"] == []
    assert cgcs.calls == wgs.calls


@settings(max_examples=200, deadline=None)
@given(fx=st.floats(-0.5, 1.5), fy=st.floats(-0.5, 1.5))
def test_model_lonlat_model_round_trips_within_a_centimetre(helsinki, fx, fy):
    _, built = helsinki
    f = built.frame
    w, h = f.extent_m
    x, y = np.array([fx * w]), np.array([fy * h])
    lon, lat = f.lonlat(x, y)
    bx, by = f.model_from(lon, lat, "EPSG:4326")
    assert abs(bx[0] - x[0]) < 0.01 and abs(by[0] - y[0]) < 0.01
