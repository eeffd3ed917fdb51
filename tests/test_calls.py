"""Background call arrivals: counts within a confidence interval of rate x time."""
import numpy as np
from scipy import stats

from sim.policing.calls import HOUR_PROFILES, MIN_PER_YEAR, generate_arrivals, service_minutes
from sim.core.space import build_district
from tests.conftest import config


def _stream(seed=0, days=365.0):
    cfg = config()
    district = build_district(cfg.district, np.random.default_rng(0))
    types = list(cfg.calls.items())
    rng = np.random.default_rng(seed)
    return cfg, district, types, generate_arrivals(types, district, days * 1440, rng, np.random.default_rng(seed + 1))


def test_counts_per_type_within_poisson_interval_of_rate_times_time():
    cfg, district, types, s = _stream()
    residents = district.residents.sum()
    checked = 0
    for k, (name, c) in enumerate(types):
        expected = c.rate_per_1000_per_year * residents / 1000 * 365 * 1440 / MIN_PER_YEAR
        observed = int((s.type_index == k).sum())
        if c.source == "crime":
            assert observed == 0  # crime calls come from offenders, not this stream
            continue
        lo, hi = stats.poisson.interval(0.999, expected)
        assert lo <= observed <= hi, (name, observed, expected)
        checked += 1
    assert checked >= 5


def test_hour_profile_shapes_arrivals():
    cfg, district, types, s = _stream()
    names = [n for n, _ in types]
    service = s.type_index == names.index("service_request")
    hours = (s.t_min[service] // 60 % 24).astype(int)
    office = np.isin(hours, range(8, 18)).mean()
    p = HOUR_PROFILES["office_hours"]
    assert abs(office - p[8:18].sum() / p.sum()) < 0.02


def test_stream_is_sorted_inside_the_district_and_reproducible():
    cfg, district, types, s = _stream(seed=5, days=30)
    _, _, _, again = _stream(seed=5, days=30)
    assert np.all(np.diff(s.t_min) >= 0) and s.t_min.max() < 30 * 1440
    w, h = district.extent_m
    assert (s.x_m >= 0).all() and (s.x_m < w).all() and (s.y_m >= 0).all() and (s.y_m < h).all()
    np.testing.assert_array_equal(s.t_min, again.t_min)


import pytest  # noqa: E402


@pytest.mark.parametrize("dist,cv,expected_cv", [
    ("lognormal", 0.6, 0.6), ("exponential", 0.0, 1.0), ("erlang2", 0.0, 2 ** -0.5),
    ("deterministic", 0.0, 0.0), ("lognormal", 0.0, 0.0)])
def test_on_scene_times_have_the_requested_mean_and_cv(dist, cv, expected_cv):
    x = service_minutes(np.random.default_rng(3), dist, 20.0, cv, 200_000)
    assert abs(x.mean() / 20.0 - 1) < 0.01 and abs(x.std() / x.mean() - expected_cv) < 0.01
