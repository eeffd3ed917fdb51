"""The office service window: M/M/c theory, common random numbers, the
direction and size of staffing and channel effects, daily totals and open
hours, the efficiency hook, service after closing, the summary and bad inputs."""
import math

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.policing.calls import HOUR_PROFILES
from sim.community.window import ServiceWindow, WindowArrivals, draw_arrivals, window_summary

BUSY = dict(open_h=8, close_h=18, service_mean_min=8.0, service_cv=0.8, kiosk_min=3.0, profile="day")


def _draw(seed, per_day=60.0, days=40, online=0.0, kiosk=0.0, **kw):
    args = {**BUSY, **kw}
    return draw_arrivals(np.random.default_rng(seed), per_day, days * 1440.0, online_share=online,
                         self_service_share=kiosk, **args)


def _run(arrivals, clerks, until=None, **kw):
    env = simpy.Environment()
    window = ServiceWindow(env, clerks, arrivals, **kw)
    env.run(until=until)
    return window


def _erlang_c_wq(lam, mu, c):
    """Wq of M/M/c, written out here so the test does not trust project code."""
    a, rho = lam / mu, lam / (c * mu)
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


@pytest.mark.parametrize("clerks,lam_per_min,days", [(1, 0.07, 120), (2, 0.15, 100)])  # rho 0.7, 0.75
@pytest.mark.theory
def test_mean_wait_matches_erlang_c(clerks, lam_per_min, days):
    """Flat 24 h profile + exponential service = M/M/c; theory inside a 99% t CI."""
    mu, warmup = 0.1, 2 * 1440.0
    means = []
    for seed in range(20):
        a = draw_arrivals(np.random.default_rng(1000 + seed), lam_per_min * 1440, days * 1440.0, 0, 24, 0.0, 0.0,
                          1 / mu, 1.0, 0.0, service_dist="exponential", profile="flat")
        means.append(window_summary(_run(a, clerks).records(), warmup)["window_wait_mean_min"])
    theory = _erlang_c_wq(lam_per_min, mu, clerks)
    lo, hi = stats.t.interval(0.99, len(means) - 1, loc=np.mean(means), scale=stats.sem(means))
    assert lo <= theory <= hi, (theory, lo, hi)
    assert (hi - lo) / 2 < 0.15 * theory, (theory, lo, hi)


def test_changing_shares_or_clerks_leaves_other_requests_draws_alone():
    base, fewer = _draw(3, online=0.0, kiosk=0.2), _draw(3, online=0.3, kiosk=0.2)
    assert fewer.online > 0 and len(base) - len(fewer) == fewer.online - base.online
    both = np.isin(base.t_min, fewer.t_min)
    assert both.sum() == len(fewer)  # in person at 30% online => in person at 0%
    np.testing.assert_array_equal(base.t_min[both], fewer.t_min)
    clerk = ~base.kiosk[both] & ~fewer.kiosk
    assert clerk.sum() > 100
    np.testing.assert_array_equal(base.service_min[both][clerk], fewer.service_min[clerk])
    more_kiosk = _draw(3, online=0.0, kiosk=0.6)
    np.testing.assert_array_equal(base.t_min, more_kiosk.t_min)
    assert np.all(more_kiosk.kiosk >= base.kiosk)  # kiosk users stay kiosk users
    same = ~more_kiosk.kiosk
    np.testing.assert_array_equal(base.service_min[same], more_kiosk.service_min[same])
    one, three = _run(base, 1).records(), _run(base, 3).records()
    np.testing.assert_array_equal(one["t_arrival_min"], three["t_arrival_min"])
    np.testing.assert_array_equal(one["t_arrival_min"], _draw(3, online=0.0, kiosk=0.2).t_min)


def test_second_clerk_and_online_channel_cut_waits():
    a = _draw(5, per_day=60.0, days=60)
    one, two = (window_summary(_run(a, c).records()) for c in (1, 2))
    online = _draw(5, per_day=60.0, days=60, online=0.4)
    fewer = window_summary(_run(online, 1).records())
    assert one["window_wait_mean_min"] > 5 * two["window_wait_mean_min"], (one, two)
    assert one["window_wait_over_30min_share"] > two["window_wait_over_30min_share"]
    assert fewer["window_visits"] < 0.7 * one["window_visits"]
    assert fewer["window_wait_mean_min"] < 0.5 * one["window_wait_mean_min"], (one, fewer)


def test_daily_visits_match_rate_and_only_open_hours_with_fractional_hours():
    per_day, online, days, open_h, close_h = 40.0, 0.25, 2000, 8.5, 17.25
    a = _draw(11, per_day=per_day, days=days, online=online, open_h=open_h, close_h=close_h)
    clock_h = a.t_min % 1440 / 60
    assert clock_h.min() >= open_h and clock_h.max() < close_h
    daily = np.bincount((a.t_min // 1440).astype(int), minlength=days)
    lo, hi = stats.t.interval(0.99, days - 1, loc=daily.mean(), scale=stats.sem(daily))
    assert lo <= per_day * (1 - online) <= hi, (lo, hi)
    lo, hi = stats.poisson.interval(0.999, days * per_day)
    assert lo <= len(a) + a.online <= hi
    hours = np.arange(8, 18)  # 8 and 17 are part-open: half and quarter hours
    frac = np.clip(np.minimum(close_h, hours + 1) - np.maximum(open_h, hours), 0, 1)
    expected = HOUR_PROFILES["day"][hours] * frac
    observed = np.bincount(clock_h.astype(int), minlength=24)[hours]
    assert stats.chisquare(observed, expected / expected.sum() * len(a)).pvalue > 0.001


def test_efficiency_scales_clerk_time_exactly():
    a = _draw(7, days=10, kiosk=0.3)
    plain, slow = _run(a, 2).records(), _run(a, 2, efficiency=lambda t: 0.5).records()
    clerk = ~a.kiosk
    np.testing.assert_array_equal(plain["service_min"], a.service_min)
    np.testing.assert_array_equal(slow["service_min"][clerk], 2 * a.service_min[clerk])
    np.testing.assert_array_equal(slow["service_min"][~clerk], np.full((~clerk).sum(), 3.0))
    assert np.nanmean(slow["wait_min"]) > np.nanmean(plain["wait_min"])


def test_queue_is_served_after_closing():
    close = 600.0
    t = np.array([590.0, 595.0, 598.0, 599.9])
    a = WindowArrivals(t, np.zeros(4, bool), np.full(4, 20.0), 0)
    env, served, seen = simpy.Environment(), [], {}
    window = ServiceWindow(env, 1, a, on_served=served.append)

    def probe():
        yield env.timeout(close)
        seen.update(queue=window.queue_length(), busy=window.busy_clerks(),
                    done=np.isfinite(window.records()["t_done_min"]).sum())
    env.process(probe())
    env.run()
    r = window.records()
    assert seen == {"queue": 3, "busy": 1, "done": 0}
    assert served == [0, 1, 2, 3]
    np.testing.assert_allclose(r["t_done_min"], [610, 630, 650, 670])
    np.testing.assert_allclose(r["wait_min"], [0, 15, 32, 50.1])
    assert r["t_done_min"][-1] > close and window.queue_length() == 0


def test_records_before_the_end_leave_unstarted_visitors_nan():
    a = WindowArrivals(np.array([0.0, 1.0, 2.0, 50.0]), np.array([False, False, True, False]),
                       np.array([10.0, 10.0, 2.0, 10.0]), 0)
    r = _run(a, 1, until=5.0).records()
    assert len(r["t_arrival_min"]) == 3  # the visitor due at 50 has not arrived
    np.testing.assert_array_equal(r["wait_min"], [0.0, np.nan, 0.0])
    np.testing.assert_array_equal(r["t_done_min"], [np.nan, np.nan, 4.0])
    assert window_summary(r)["window_unserved_at_end"] == 2


def test_summary_matches_hand_computation():
    rec = {"t_arrival_min": np.array([0.0, 10, 20, 30, 40, 50, 60]),
           "kiosk": np.array([False, True, False, False, True, False, False]),
           "wait_min": np.array([5.0, 0, 40, np.nan, 0, 10, 31]),
           "service_min": np.array([8.0, 3, 8, np.nan, 3, 8, 8]),
           "t_done_min": np.array([13.0, 13, 68, np.nan, 43, np.nan, 99])}
    s = window_summary(rec, warmup_min=15.0)
    assert s["window_visits"] == 5 and s["window_kiosk_share"] == pytest.approx(1 / 5)
    assert s["window_wait_mean_min"] == pytest.approx(27.0)  # waits 40, 10, 31
    assert s["window_wait_p90_min"] == pytest.approx(31 + 0.8 * 9)  # linear between 31 and 40
    assert s["window_wait_over_30min_share"] == pytest.approx(2 / 3)
    assert s["window_unserved_at_end"] == 2
    empty = window_summary(rec, warmup_min=100.0)
    assert empty["window_visits"] == 0 and empty["window_unserved_at_end"] == 0
    assert all(empty[k] is None for k in ("window_kiosk_share", "window_wait_mean_min",
                                          "window_wait_p90_min", "window_wait_over_30min_share"))


@pytest.mark.parametrize("change,name", [
    ({"online": -0.1}, "online_share"), ({"online": 1.5}, "online_share"),
    ({"kiosk": 2.0}, "self_service_share"), ({"open_h": 18, "close_h": 18}, "close_h"),
    ({"open_h": 10, "close_h": 9}, "close_h"), ({"close_h": 25}, "close_h"),
    ({"per_day": -1.0}, "requests_per_day"), ({"profile": "weekend"}, "profile")])
def test_bad_inputs_name_the_parameter(change, name):
    with pytest.raises(ValueError, match=name):
        _draw(0, days=1, **change)


def test_zero_clerks_and_bad_efficiency_rejected():
    a = _draw(0, days=1)
    with pytest.raises(ValueError, match="clerks"):
        ServiceWindow(simpy.Environment(), 0, a)
    with pytest.raises(ValueError, match="efficiency"):
        _run(a, 1, efficiency=lambda t: 0.0)
