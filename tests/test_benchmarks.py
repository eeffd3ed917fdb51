"""The benchmark harness measures what it claims (benchmarks/): its reference
queue is a true M/M/c queue, the model and that queue agree call by call, the
fit recovers known exponents, and verdicts follow the targets. No timing is
asserted here: speed is the benchmarks' business, not the tests'."""
import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from benchmarks.measure import Result, markdown, power_law
from benchmarks.per_call import bare_mmc, compare
from sim.plan.analytic import erlang_c


def test_power_law_recovers_known_exponents():
    work = np.array([1, 2, 4, 8])
    noise = np.array([1.01, 0.99, 1.02, 0.98])
    linear = power_law(work, 3.0 * work * noise)
    quadratic = power_law(work, 0.5 * work ** 2 * noise)
    assert linear["ci95"][0] < 1.0 < linear["ci95"][1] and abs(linear["exponent"] - 1) < 0.03
    assert abs(quadratic["exponent"] - 2) < 0.03
    assert Result("s", "c", "exponent", 2.0, "", 1.1).verdict() == "missed by 82%"


def test_verdicts_for_lower_and_higher_targets():
    assert Result("s", "c", "wall", 6.0, "s", 5.0).verdict() == "missed by 20%"
    assert Result("s", "c", "wall", 4.0, "s", 5.0).met is True
    assert Result("s", "c", "eff", 60.0, "%", 80.0, better="higher").verdict() == "missed by 25%"
    assert Result("s", "c", "eff", 90.0, "%", 80.0, better="higher").verdict() == "met"
    assert Result("s", "c", "eff", 79.8, "%", 80.0, better="higher").verdict() == "missed by 0.3%"
    assert Result("s", "c", "x", 1.0, "").verdict() == "-"
    text = markdown([Result("suite A", "case 1", "wall", 6.0, "s", 5.0, detail={"calls": 10})], "ctx")
    assert "| case 1 | wall | 6.00 s | <= 5.00 s | missed by 20% | calls 10 |" in text


def test_the_reference_queue_is_an_mmc_queue():
    """Mean wait of the bare SimPy queue against Erlang C (M/M/2, rho 0.75),
    20 independent replications, 95% t interval."""
    lam, mu, c = 1.5, 1.0, 2  # per hour
    p_wait = erlang_c(c, lam / mu)
    theory = p_wait / (c * mu - lam) * 60.0
    means = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        t = np.cumsum(rng.exponential(60.0 / lam, 6000))
        waits = bare_mmc(t.tolist(), rng.exponential(60.0 / mu, 6000).tolist(), c, float(t[-1]) + 1e4)
        means.append(np.mean(waits[500:]))
    lo, hi = stats.t.interval(0.95, len(means) - 1, loc=np.mean(means), scale=stats.sem(means))
    assert lo <= theory <= hi, (lo, theory, hi)


def test_the_model_and_the_bare_queue_give_every_call_the_same_wait():
    """Same arrivals and service times, FCFS, identical servers: the waits
    must agree call by call (compare() raises otherwise)."""
    out = compare(rate_per_hour=9.0, service_min=20.0, servers=3, days=3.0, repeats=1)
    assert out["calls"] > 500 and out["waits_compared"] > 500
    assert out["max_wait_difference_min"] < 1e-6
    assert out["mean_wait_min"] > 1.0  # the queue did form: the check is not vacuous
    assert out["full_us_per_call"] > 0 and out["ratio"] > 0


@pytest.mark.slow
def test_bench_command_writes_tables_and_refuses_bad_suites(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--only takes" in bad.stderr
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "per_call", "--repeats", "1",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["quick"] is True
    [row] = data["results"]
    assert row["metric"] == "full model / bare SimPy" and row["target"] == 5.0 and row["value"] > 0
    assert row["verdict"] == "met" or row["verdict"].startswith("missed by")
    assert "QUICK mode" in (tmp_path / "latest.md").read_text()


def test_the_gis_scale_district_is_the_one_asked_for(tmp_path, monkeypatch):
    """The gis suite's generated files: exactly the residents asked for, at the stated density, one office
    per ~30,000 inside the areas, roads of every class; built through the run's own overrides, the
    district keeps every resident, and the first build starts from an empty cache, the second reads it."""
    import geopandas as gpd
    import shapely

    from benchmarks import gis_scale as G
    from benchmarks.__main__ import SUITES

    monkeypatch.setenv("SIM_CACHE_DIR", str(tmp_path / "cache"))
    residents, folder = 95_001, tmp_path / "files"
    made = G.generate(folder, residents)
    areas = gpd.read_file(folder / "areas.gpkg")
    offices = gpd.read_file(folder / "offices.gpkg")
    roads = gpd.read_file(folder / "roads.gpkg")
    assert made["residents"] == int(areas["population"].sum()) == residents
    assert areas.crs.to_epsg() == 4547 and len(areas) == round(residents / G.RESIDENTS_PER_AREA)
    assert areas.area.sum() / 1e6 == pytest.approx(residents / G.DENSITY_PER_KM2, rel=0.01)
    assert areas["population"].std() > 0.3 * areas["population"].mean()  # varied, not uniform
    assert len(offices) == round(residents / G.RESIDENTS_PER_OFFICE) == 3
    outline = shapely.union_all(areas.geometry.to_numpy())
    assert all(outline.contains(p) for p in offices.geometry)
    assert set(roads["class"]) == set(G.ROAD_SPEED_KMH)
    first = G.build_child(str(tmp_path / "cache"), str(folder))
    again = G.build_child(str(tmp_path / "cache"), str(folder))
    assert (first["cached"], again["cached"]) == (False, True)
    assert first["residents"] == again["residents"] == residents and first["areas"] == len(areas)
    assert first["road_nodes_dropped"] < 0.05 * first["road_nodes"]  # one connected network, not scraps
    assert "gis" in SUITES
