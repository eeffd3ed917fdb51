"""Dispatch rules: who may be sent, who is sent, and in what order."""
import numpy as np
import pyarrow.compute as pc
import pytest

from sim.core.travel import ManhattanTravel
from tests.conftest import bare_dispatch, config, make_call


def submit_at(env, disp, call):
    def proc():
        yield env.timeout(call.t_arrival - env.now)
        disp.submit(call)
    env.process(proc())


def test_nearest_available_unit_is_sent():
    env, fleet, disp = bare_dispatch(["officer", "officer"], posts=[[0, 0], [900, 900]],
                                     travel=ManhattanTravel())
    call = make_call(0, 0.0, x=1000.0, y=1000.0)
    disp.submit(call)
    assert call.unit == 1 and call.travel_m == 200.0  # 200 m right-angle
    env.run(until=1.0)
    assert np.isnan(call.t_on_scene)
    env.run(until=2.5)
    assert call.t_on_scene - call.t_dispatch == 200.0 / 100.0  # at 100 m/min


def test_nearest_is_measured_from_where_a_unit_is_now():
    env, fleet, disp = bare_dispatch(["officer", "officer"], posts=[[0, 0], [500, 0]],
                                     travel=ManhattanTravel())
    fleet.start_leg(0, 0.0, 1000.0, 0.0, 10.0)  # unit 0 drives east, reaching 1000 m at t=10
    env.run(until=9.0)  # unit 0 is now at 900 m
    call = make_call(0, 9.0, x=1000.0, y=0.0)
    disp.submit(call)
    assert call.unit == 0


def test_auxiliary_is_never_sent_alone_to_a_violent_call():
    env, fleet, disp = bare_dispatch(["auxiliary"])
    violent = make_call(0, 0.0, roles=("officer",), priority=1)
    theft = make_call(1, 0.0, roles=("officer", "auxiliary"), priority=2)
    disp.submit(violent)
    disp.submit(theft)
    env.run(until=100)
    assert violent.outcome == "open" and violent.unit == -1
    assert theft.outcome == "served" and theft.unit == 0


def test_freed_unit_takes_highest_priority_call_it_may_attend():
    env, fleet, disp = bare_dispatch(["officer"])
    first = make_call(0, 0.0, scene=10.0)
    disp.submit(first)  # occupies the only unit until t=10
    low = make_call(1, 1.0, priority=4)
    high = make_call(2, 2.0, priority=1)
    submit_at(env, disp, low)
    submit_at(env, disp, high)
    env.run(until=100)
    assert high.t_dispatch == 10.0
    assert low.t_dispatch == 20.0


def test_fcfs_discipline_ignores_priority():
    env, fleet, disp = bare_dispatch(["officer"], discipline="fcfs")
    disp.submit(make_call(0, 0.0, scene=10.0))
    low, high = make_call(1, 1.0, priority=4), make_call(2, 2.0, priority=1)
    submit_at(env, disp, low)
    submit_at(env, disp, high)
    env.run(until=100)
    assert low.t_dispatch == 10.0 and high.t_dispatch == 20.0


def test_loss_system_loses_calls_that_find_all_units_busy():
    env, fleet, disp = bare_dispatch(["officer"], capacity="loss")
    a, b = make_call(0, 0.0, scene=10.0), make_call(1, 5.0)
    disp.submit(a)
    submit_at(env, disp, b)
    env.run(until=50)
    assert a.outcome == "served" and b.outcome == "lost" and b.unit == -1


def test_unit_going_off_duty_finishes_its_call_first():
    env, fleet, disp = bare_dispatch(["officer"])
    call = make_call(0, 0.0, scene=30.0)
    disp.submit(call)
    env.run(until=5)
    disp.set_on_duty(0, False)
    later = make_call(1, 6.0)
    submit_at(env, disp, later)
    env.run(until=100)
    assert call.outcome == "served" and call.t_clear == 30.0
    assert later.outcome == "open"  # nobody on duty any more
    busy, staffed = fleet.totals(env.now)
    assert busy[0] == 30.0 and staffed[0] == 30.0  # overtime counts as staffed


@pytest.mark.slow  # a 120-day run (year_model_urban)
def test_full_model_respects_role_rules(year_model_urban):
    from sim.run import results

    _, tables = results(year_model_urban)
    calls = tables["calls"]
    served = calls.filter(pc.equal(calls["outcome"], "served"))
    violent = served.filter(pc.equal(served["type"], "emergency"))
    assert len(violent) > 20
    assert set(violent["unit_role"].to_pylist()) == {"officer"}
    p1 = served.filter(pc.equal(served["priority"], 1))
    assert not {"volunteer", "grid_worker"} & set(p1["unit_role"].to_pylist())


def test_volunteer_takes_a_hazard_report_but_not_an_emergency():
    from sim.agents import Auxiliary, Volunteer

    cfg = config()
    hazard, emergency = cfg.calls["hazard_report"], cfg.calls["emergency"]
    assert Volunteer.can_attend(hazard) and not Volunteer.can_attend(emergency)
    assert not Auxiliary.can_attend(emergency)
    env, fleet, disp = bare_dispatch(["volunteer"])
    e = make_call(0, 0.0, roles=("officer",), priority=1)
    h = make_call(1, 0.0, roles=("officer", "auxiliary", "volunteer"), priority=4)
    disp.submit(e)
    disp.submit(h)
    env.run(until=100)
    assert h.outcome == "served" and h.unit == 0 and e.outcome == "open"


def test_config_rejects_volunteers_on_emergencies():
    import pytest

    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="never sent to emergencies"):
        config("calls.emergency.eligible_roles=[officer,volunteer]")


def test_equally_near_units_share_the_work_idle_longest_first():
    env, fleet, disp = bare_dispatch(["officer", "officer", "officer"], travel=ManhattanTravel())
    units = []
    for k in range(6):  # one call every 20 min, each 10 min long: all three stay free
        call = make_call(k, env.now, scene=10.0)
        disp.submit(call)
        units.append(call.unit)
        env.run(until=env.now + 20.0)
    assert units == [0, 1, 2, 0, 1, 2]
