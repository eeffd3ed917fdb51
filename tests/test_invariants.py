"""Hypothesis invariants of the dispatch layer and of whole runs:
no unit on two calls at once, time never goes backwards, every call ends in
exactly one outcome, utilisation in [0, 1]."""
import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.policing.call import OUTCOMES, Call
from sim.policing.dispatch import Dispatcher
from sim.policing.dispatch_rules import DISPATCH_RULES
from sim.core.roles import ROLES
from sim.core.fleet import Fleet
from sim.core.records import calls_table
from sim.run import results, simulate
from sim.core.travel import ManhattanTravel
from tests.conftest import config, eligible


def check_calls(calls, spans=True):
    """``spans``: also check dispatch-to-clear spans per unit (not meaningful
    with pre-emption, where the dispatcher's own guard checks double booking)."""
    by_unit = {}
    for c in calls:
        assert c.outcome in OUTCOMES
        times = [c.t_arrival, c.t_dispatch, c.t_on_scene, c.t_clear]
        if c.outcome == "served":
            assert all(np.isfinite(times)) and c.unit >= 0
            assert times == sorted(times), times  # time never goes backwards
            for u in c.units:  # every unit is busy at least from full assignment to clear
                by_unit.setdefault(u, []).append((c.t_dispatch, c.t_clear))
        elif c.outcome == "lost":
            assert c.unit == -1 and np.isnan(c.t_dispatch)
        else:  # open at the end: never both dispatched and cleared
            assert np.isnan(c.t_clear)
            if not np.isnan(c.t_dispatch):
                for u in c.units:
                    by_unit.setdefault(u, []).append((c.t_dispatch, np.inf))
    for unit_spans in by_unit.values() if spans else ():  # no unit on two calls at once
        unit_spans.sort()
        for (_, end), (start, _) in zip(unit_spans, unit_spans[1:]):
            assert start >= end - 1e-9


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_units=st.integers(1, 5),
    roles=st.lists(st.sampled_from(ROLES), min_size=5, max_size=5),
    rate=st.floats(0.01, 2.0),
    scene=st.floats(0.1, 60.0),
    capacity=st.sampled_from(["infinite", "loss"]),
    discipline=st.sampled_from(["priority", "fcfs"]),
    shift_end=st.floats(10.0, 400.0),
    seed=st.integers(0, 2**32 - 1),
    rule=st.sampled_from(["nearest", "beat_first", "team", "office_first", "nearest_any"]),
    preempt=st.sampled_from([None, 3]),
    tiers=st.lists(st.integers(0, 2), min_size=5, max_size=5),  # office, station, rapid units (issue 19)
    escalate=st.sampled_from([0.0, 2.0, 30.0]),
)
def test_dispatcher_invariants(n_units, roles, rate, scene, capacity, discipline, shift_end, seed,
                               rule, preempt, tiers, escalate):
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    fleet = Fleet(roles[:n_units], rng.uniform(0, 1000, (n_units, 2)), np.full(n_units, 200.0),
                  offices=rng.integers(0, 2, n_units), beats=rng.integers(0, 2, n_units), tiers=np.array(tiers[:n_units]))
    present = int(np.bitwise_or.reduce(1 << fleet.tier.astype(np.int64)))
    disp = Dispatcher(env, fleet, ManhattanTravel(), turnout_min=1.0, discipline=discipline,
                      capacity=capacity, rule=DISPATCH_RULES[rule](None, present, escalate, None),
                      preempt_priority_min=preempt)
    for i in range(n_units):
        disp.set_on_duty(i, True)
    calls = []

    def arrivals():
        for k in range(200):
            yield env.timeout(rng.exponential(1 / rate))
            allowed = [r for r in ROLES if rng.random() < 0.6] or ["officer"]
            call = Call(k, "t", int(rng.integers(1, 5)), env.now, *rng.uniform(0, 1000, 2),
                        float(rng.exponential(scene)), eligible(*allowed), beat=int(rng.integers(0, 2)),
                        office=int(rng.integers(0, 2)))
            call.violent = allowed == ["officer"] and rng.random() < 0.5
            calls.append(call)
            disp.submit(call)

    def roster():
        yield env.timeout(shift_end)
        for i in range(n_units):
            disp.set_on_duty(i, i % 2 == 0)

    env.process(arrivals())
    env.process(roster())
    env.run(until=600)
    check_calls(calls, spans=preempt is None)
    for c in calls:
        if c.outcome == "served" and c.violent and rule == "team" and len(c.units) == 2:
            assert sorted(fleet.role_name[u] for u in c.units) == ["auxiliary", "officer"]
        if c.outcome == "served":
            assert all(c.needs[k][fleet.role[u]] for k, u in enumerate(c.units))  # capable units only
            assert all((c.tiers >> int(fleet.tier[u])) & 1 for u in c.units)  # of a tier the call allowed
            if rule in ("nearest", "beat_first", "team"):  # today's rules send the office's own units only
                assert all(fleet.tier[u] == 0 for u in c.units)
            if c.escalated and c.preemptions == 0:  # widened only after the wait (p1's wait is the same here);
                assert c.t_dispatch - c.t_arrival >= escalate - 1e-9  # (a bumped call keeps its first dispatch)
            elif rule == "office_first" and len(set(fleet.office[fleet.tier == 0].tolist())) > 1 and not c.escalated:
                assert all(fleet.tier[u] == 0 and fleet.office[u] == c.office for u in c.units)  # its own office
    busy, staffed = fleet.totals(env.now)
    assert (busy <= staffed + 1e-9).all() and (busy >= 0).all()
    table = calls_table(calls, fleet)
    t = table.to_pydict()
    assert t["outcome"] == [c.outcome for c in calls]
    for w, tr, r in zip(t["wait_min"], t["travel_min"], t["response_min"]):
        if not np.isnan(r):  # response splits exactly into wait + travel, none negative
            assert w >= 0 and tr >= 0 and abs(w + tr - r) < 1e-6


@pytest.mark.slow  # eight two-day runs
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    officers=st.integers(0, 4),
    auxiliaries=st.integers(0, 6),
    policy=st.sampled_from(["fixed_post", "random_patrol"]),
    share=st.floats(0.0, 0.9),
)
def test_whole_run_invariants(seed, officers, auxiliaries, policy, share):
    model = simulate(config("sim.days=2", f"seed={seed}", f"policy={policy}",
                            f"staffing.officers={officers}", f"staffing.auxiliaries={auxiliaries}",
                            f"staffing.officer_non_community_share={share}"))
    station = list(model.station_area.calls) if model.station_area is not None else []
    check_calls(list(model.calls) + station)  # no unit on two calls, the district's or the station's own
    summary, tables = results(model)
    for role in ("officer", "auxiliary", "volunteer"):
        assert 0.0 <= summary[f"utilization_{role}"] <= 1.0
    assert summary["calls_total"] == summary["calls_served"] + summary["calls_open_at_end"] + summary["calls_lost"]
    t = tables["timeseries"]["t_min"].to_numpy()
    assert (np.diff(t) > 0).all()
    if officers == 0:  # no office officer: a violent call waits for the station's officers, never an auxiliary
        emergencies = [c for c in model.calls if c.type == "emergency"]
        assert all(c.outcome == "open" or (model.fleet.tier[c.unit] > 0 and model.fleet.role_name[c.unit] == "officer")
                   for c in emergencies)
