"""The summary is a pure function of the records: checked on hand-made calls."""
import numpy as np
import pytest

from sim.policing.dispatch import Call
from sim.core.fleet import Fleet
from sim.core.records import calls_table, incidents_table, summarize
from sim.run import results, simulate
from tests.conftest import config, eligible


def _call(cid, prio, t_arr, t_disp, t_scene, t_clear, outcome, unit=0):
    c = Call(cid, "t", prio, t_arr, 0.0, 0.0, 10.0, eligible("officer"))
    c.t_dispatch, c.t_on_scene, c.t_clear, c.outcome, c.units = t_disp, t_scene, t_clear, outcome, [unit]
    return c


def test_summary_from_hand_made_calls():
    nan = float("nan")
    calls = [
        _call(0, 1, 0.0, 0.0, 2.0, 12.0, "served"),  # response 2, no wait
        _call(1, 1, 5.0, 12.0, 16.0, 30.0, "served"),  # wait 7, response 11
        _call(2, 2, 20.0, 30.0, 35.0, 40.0, "served"),  # wait 10, response 15
        _call(3, 3, 50.0, nan, nan, nan, "open", unit=-1),  # still waiting
        _call(4, 2, 60.0, nan, nan, 60.0, "lost", unit=-1),
    ]
    fleet = Fleet(["officer"], np.zeros((1, 2)), np.ones(1))
    s = summarize(calls_table(calls, fleet), incidents_table([]), np.array([30.0]), np.array([120.0]),
                  ["officer"], sim_days=1.0, warmup_days=0.0, crimes_deterred=0)
    assert s["calls_total"] == 5 and s["calls_served"] == 3
    assert s["calls_open_at_end"] == 1 and s["calls_lost"] == 1
    assert s["response_time_mean_min"] == pytest.approx((2 + 11 + 15) / 3)
    assert s["response_time_p50_min"] == 11.0
    assert s["wait_mean_min"] == pytest.approx((0 + 7 + 10) / 3)
    assert s["p_wait"] == pytest.approx(3 / 4)  # two waited, one still waiting; lost excluded
    assert s["emergency_share_within_3min"] == 0.5
    assert s["share_within_10min"] == pytest.approx(1 / 5)
    assert s["wait_mean_min_p1"] == pytest.approx(3.5) and s["calls_p2"] == 2
    assert s["utilization_officer"] == 0.25
    assert s["utilization_auxiliary"] == 0.0 and s["staff_auxiliary"] == 0


def test_warmup_is_cut_from_the_summary():
    model = simulate(config("sim.days=6", "sim.warmup_days=2", "seed=3"))
    summary, tables = results(model)
    arrivals = tables["calls"]["t_arrival_min"].to_numpy()
    assert summary["calls_total"] == int((arrivals >= 2 * 1440).sum()) < len(arrivals)
    busy, staffed = model.fleet.totals(model.env.now)
    whole = busy[model.fleet.role == 0].sum() / staffed[model.fleet.role == 0].sum()
    assert summary["utilization_officer"] != pytest.approx(whole, abs=1e-12)


def test_calls_never_dispatched_are_counted_and_their_waits_bound_the_mean():
    model = simulate(config("sim.days=3", "staffing.officers=0", "seed=1",  # nobody for violent calls
                            "response.tiers=office"))  # (not even the station's officers)
    s = results(model)[0]
    open_violent = [c for c in model.calls if c.violent]  # emergencies, robberies, escalated disputes
    assert s["calls_never_dispatched"] == len(open_violent) > 0
    assert s["wait_mean_min_incl_open"] > s["wait_mean_min"]
