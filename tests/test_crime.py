"""Offenders: crime rate without guardians matches the configured rate;
guardians deter; reported crimes become calls."""
import numpy as np
import pytest
from scipy import stats

from sim.run import results, simulate
from tests.conftest import config


def test_without_staff_crime_matches_configured_rate():
    """With no guardian of any kind (no staff, residents not guarding, no
    arrests taking offenders away, no awareness) crime runs at the configured rate."""
    model = simulate(config("sim.days=120", "staffing.officers=0", "staffing.auxiliaries=0",
                            "staffing.volunteers=0", "staffing.grid_workers=0", "seed=5",
                            "crime.resident_guardianship_per_1000=0", "crime.clearance_prob=0",
                            "community.aware_initial_share=0", "window.enabled=false",
                            "response.tiers=office"))  # no station officers standing guard either
    cfg = model.cfg
    expected = sum(c.rate_per_1000_per_year for c in cfg.calls.values() if c.source == "crime") \
        * 30 * 120 / 365
    lo, hi = stats.poisson.interval(0.999, expected)
    committed = [row for row in model.incidents if row[5] >= 0]  # escalated disputes have no offender
    assert lo <= len(committed) <= hi
    assert model.crime.deterred == []


@pytest.mark.slow
def test_guardians_deter_crime():
    base = ["sim.days=60", "seed=9", "policy=random_patrol", "staffing.auxiliaries=40",
            "staffing.volunteers=40", "crime.guardian_radius_m=400", "crime.diffusion_m=0",
            "crime.residual_max=0", "crime.resident_guardianship_per_1000=0", "community.aware_initial_share=0",
            "community.enabled=false"]
    weak = results(simulate(config(*base, "crime.deterrence_per_guardian=0")))[0]
    strong = results(simulate(config(*base, "crime.deterrence_per_guardian=3")))[0]
    assert weak["crimes_deterred"] == 0
    assert strong["crimes_deterred"] > 30
    assert strong["crimes_total"] < weak["crimes_total"]


def test_reported_crimes_become_calls_and_unreported_do_not():
    model = simulate(config("sim.days=30", "seed=2"))
    _, tables = results(model)
    inc = tables["incidents"]
    reported = np.array(inc["reported"].to_pylist())
    call_ids = np.array(inc["call_id"].to_pylist())
    assert (call_ids[~reported] == -1).all()
    linked = call_ids[reported & (call_ids >= 0)]
    assert len(linked) >= 0.9 * reported.sum()  # the rest were reported after the end
    types = {c.call_id: c.type for c in model.calls}
    crime_types = {n for n, c in model.cfg.calls.items() if c.source == "crime"}
    assert all(types[i] in crime_types for i in linked) and {types[i] for i in linked} >= {"theft", "fraud"}
    rate = reported.mean()
    assert 0.5 < rate < 0.85  # theft 0.6, burglary 0.9, fraud 0.7, robbery 0.85 weighted by 25:4:10:3


def test_near_repeat_factor_equals_the_distance_formula():
    """The raised risk, kept as each burglary's cells, equals 1 + sum of
    boost x exp(-age / days) over the burglaries within the radius of a cell
    (Johnson et al. 2007), computed the direct way over every cell."""
    model = simulate(config("sim.days=1", "district=city", "seed=4"))
    crime, cfg = model.crime, model.cfg.crime
    rng = np.random.default_rng(0)
    events = [(float(t), float(x), float(y)) for t, x, y in zip(
        np.sort(rng.uniform(0, 40 * 1440, 60)), rng.uniform(0, 6000, 60), rng.uniform(0, 6000, 60))]
    crime.near_repeats.clear()
    for t, x, y in events:
        crime.committed("burglary", t, x, y)
    now = 45 * 1440.0
    t, x, y = (np.array(a) for a in zip(*events))
    keep = t >= now - 4 * cfg.near_repeat_days * 1440
    near = np.hypot(crime.cell_x[:, None] - x[keep], crime.cell_y[:, None] - y[keep]) <= cfg.near_repeat_radius_m
    direct = 1.0 + near @ (cfg.near_repeat_boost * np.exp(-(now - t[keep]) / (cfg.near_repeat_days * 1440)))
    got = crime.near_repeat_factor(now)
    assert near.any(axis=1).sum() > 100  # the test covers many raised cells
    np.testing.assert_allclose(got, direct, rtol=1e-12, atol=0)
    assert len(crime.near_repeats) == keep.sum()  # older ones were dropped
