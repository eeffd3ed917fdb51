"""beat_first, team ("1+2"), two-unit calls and pre-emption."""
import numpy as np
import simpy

from sim.policing.dispatch import Call, Dispatcher
from sim.policing.dispatch_rules import BeatFirstRule, NearestRule, TeamRule
from sim.core.fleet import Fleet
from sim.core.travel import ManhattanTravel
from tests.conftest import config, eligible


def fleet_with(roles, posts, beats, rule, **kw):
    env = simpy.Environment()
    fleet = Fleet(list(roles), np.asarray(posts, float), np.full(len(roles), 100.0),
                  beats=np.asarray(beats))
    disp = Dispatcher(env, fleet, ManhattanTravel(), turnout_min=0.0, rule=rule, **kw)
    for i in range(len(roles)):
        disp.set_on_duty(i, True)
    return env, fleet, disp


def call_at(cid, t, x, beat, roles=("officer", "auxiliary"), priority=2, scene=30.0, violent=False):
    c = Call(cid, "t", priority, t, x, 0.0, scene, eligible(*roles), beat=beat)
    c.violent = violent
    return c


def test_beat_first_sends_the_beats_own_officer_when_free_and_the_nearest_when_not():
    # officer 0 owns beat 0 but sits far away; officer 1 (beat 1) is next to the call
    env, fleet, disp = fleet_with(["officer", "officer"], [[0, 0], [900, 0]], [0, 1], BeatFirstRule())
    first = call_at(0, 0.0, 1000.0, beat=0)
    disp.submit(first)
    assert first.unit == 0  # own officer, although officer 1 is nearer
    second = call_at(1, 0.0, 1000.0, beat=0)
    disp.submit(second)
    assert second.unit == 1  # own officer busy: the nearest other one
    env2, _, disp2 = fleet_with(["officer", "officer"], [[0, 0], [900, 0]], [0, 1], NearestRule())
    third = call_at(2, 0.0, 1000.0, beat=0)
    disp2.submit(third)
    assert third.unit == 1  # for contrast: nearest ignores beats


def test_preference_lists_are_followed_in_order():
    rule = BeatFirstRule({0: [2, 0, 1]})
    env, fleet, disp = fleet_with(["officer"] * 3, [[0, 0], [10, 0], [5000, 0]], [0, 0, 1], rule)
    calls = [call_at(k, 0.0, 0.0, beat=0) for k in range(3)]
    for c in calls:
        disp.submit(c)
    assert [c.unit for c in calls] == [2, 0, 1]


def test_team_sends_officer_and_auxiliary_to_a_violent_call():
    roles = ["officer", "auxiliary", "auxiliary", "officer", "auxiliary"]
    env, fleet, disp = fleet_with(roles, [[0, 0], [100, 0], [200, 0], [3000, 0], [3000, 0]],
                                  [0, 0, 0, 1, 1], TeamRule())
    violent = call_at(0, 0.0, 500.0, beat=0, roles=("officer",), priority=1, violent=True)
    disp.submit(violent)
    assert sorted(fleet.role_name[u] for u in violent.units) == ["auxiliary", "officer"]
    assert all(fleet.beat[u] == 0 for u in violent.units)  # the beat's own team
    theft = call_at(1, 0.0, 500.0, beat=0)
    disp.submit(theft)
    assert len(theft.units) == 1  # non-violent: one unit


def test_two_unit_call_waits_for_both_and_response_is_the_later_arrival():
    # the officer is free at once but far; the only auxiliary is busy until t=20
    env, fleet, disp = fleet_with(["officer", "auxiliary"], [[0, 0], [1000, 0]], [0, 0], TeamRule())
    busy = call_at(0, 0.0, 1000.0, beat=0, roles=("auxiliary",), scene=20.0)
    disp.submit(busy)
    violent = call_at(1, 0.0, 1000.0, beat=0, roles=("officer",), priority=1, violent=True)
    disp.submit(violent)
    assert violent.units[0] == 0 and violent.units[1] == -1 and disp.queued() == 1
    env.run(until=200)
    # officer travels 1000 m at 100 m/min: there at t=10; auxiliary freed at 20, already on the spot
    assert violent.t_dispatch == 20.0  # fully assigned only when the second unit was
    assert violent.t_on_scene == 20.0  # the later of the two arrivals
    assert violent.t_clear == 50.0 and violent.outcome == "served"
    assert not fleet.busy.any()


def test_auxiliary_alone_never_serves_a_violent_call_under_team():
    env, fleet, disp = fleet_with(["auxiliary", "auxiliary"], [[0, 0], [0, 0]], [0, 0], TeamRule())
    violent = call_at(0, 0.0, 0.0, beat=0, roles=("officer",), priority=1, violent=True)
    disp.submit(violent)
    env.run(until=100)
    assert violent.outcome == "open" and violent.units[0] == -1  # no officer: it waits


def test_preemption_takes_a_unit_off_a_low_priority_call_which_resumes_later():
    env, fleet, disp = fleet_with(["officer"], [[0, 0]], [0], NearestRule(), preempt_priority_min=3)
    service = call_at(0, 0.0, 0.0, beat=0, priority=3, scene=30.0)
    disp.submit(service)

    def urgent_later():
        yield env.timeout(10.0)
        disp.submit(urgent)

    urgent = call_at(1, 10.0, 0.0, beat=0, priority=1, scene=5.0)
    env.process(urgent_later())
    env.run(until=100)
    assert urgent.t_dispatch == 10.0 and urgent.t_clear == 15.0
    assert service.preemptions == 1 and service.outcome == "served"
    assert service.t_on_scene == 0.0  # the first arrival is the response
    assert service.t_clear == 15.0 + 20.0  # 20 min of work were left


def test_no_preemption_of_calls_above_the_threshold():
    env, fleet, disp = fleet_with(["officer"], [[0, 0]], [0], NearestRule(), preempt_priority_min=3)
    dispute = call_at(0, 0.0, 0.0, beat=0, priority=2, scene=30.0)
    disp.submit(dispute)
    urgent = call_at(1, 0.0, 0.0, beat=0, priority=1, scene=5.0)
    disp.submit(urgent)
    env.run(until=100)
    assert dispute.preemptions == 0 and urgent.t_dispatch == 30.0


def test_full_model_team_dispatch_pairs_officers_with_auxiliaries():
    from sim.run import results, simulate

    model = simulate(config("sim.days=60", "dispatch=team", "seed=2"))
    calls = results(model)[1]["calls"].to_pandas()
    violent_types = [n for n, c in model.cfg.calls.items() if c.violent]
    violent = calls[calls["type"].isin(violent_types) & (calls["outcome"] == "served")]
    assert len(violent) > 10
    roles = set(zip(violent["unit_role"], violent["unit2_role"]))
    assert roles <= {("officer", "auxiliary"), ("auxiliary", "officer")}
    both = violent["t_on_scene_min"] >= violent["t_dispatch_min"]
    assert both.all()
    others = calls[~calls["type"].isin(violent_types) & (calls["outcome"] == "served")]
    assert (others["n_units"] == 1).all()
