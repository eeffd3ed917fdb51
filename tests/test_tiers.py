"""The response system around the office (issue 19): tiers, escalation,
station duty, the station's own calls.

The office-alone check replays configurations recorded before the tiers
existed (tests/data/pre_tiers/: the baseline files of the commit before issue
19, with their resolved configs) and asks for the same tables, column by
column, and the same summary values."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import simpy
from omegaconf import OmegaConf
from scipy import stats

from sim.compose.prepare import prepare
from sim.compose.structured import typed_config
from sim.config import Config
from sim.core.checks import ConfigError
from sim.core.fleet import Fleet
from sim.core.travel import ManhattanTravel
from sim.policing.dispatch import Dispatcher
from sim.policing.dispatch_rules import DISPATCH_RULES
from sim.run import results, simulate
from tests.baseline.cases import fingerprint
from tests.conftest import config, make_call

PRE_TIERS = Path(__file__).parent / "data" / "pre_tiers"


# --- the office alone is the model before issue 19 ------------------------------------
@pytest.mark.parametrize("case", sorted(p.stem for p in PRE_TIERS.glob("*.json")))
def test_office_tier_reproduces_the_model_before_tiers(case):
    from sim.run_any import run_any

    stored = json.loads((PRE_TIERS / f"{case}.json").read_text())
    old = dict(stored["config"], response={"tiers": "office"}, cost={"running_includes_staff": False})
    cfg = prepare(typed_config(OmegaConf.merge(OmegaConf.structured(Config), old)))
    with tempfile.TemporaryDirectory() as tmp:
        run_any(cfg, Path(tmp) / "run", stored["overrides"], progress=False)
        new = fingerprint(Path(tmp) / "run")
    moved = []
    for name, entry in stored["files"].items():
        assert name in new, f"{case}: {name} is no longer written"
        if "value" in entry:
            moved += [f"{name}:{k}: {v!r} -> {new[name]['value'].get(k)!r}" for k, v in entry["value"].items()
                      if new[name]["value"].get(k) != v]
        for col, digest in entry.get("columns", {}).items():
            if new[name]["columns"].get(col) != digest:
                moved.append(f"{name}:{col}")
    assert not moved, f"{case}: {moved[:20]}"
    assert "station_calls.parquet" not in new  # no station in the office-alone model


# --- the dispatcher across tiers --------------------------------------------------------
def tiered(rule: str, tiers, escalate=2.0, escalate_p1=None, posts=None):
    """A bare dispatcher over officers of the given tiers, all on duty, no travel."""
    env = simpy.Environment()
    n = len(tiers)
    fleet = Fleet(["officer"] * n, np.zeros((n, 2)) if posts is None else np.asarray(posts, float),
                  np.full(n, 100.0), tiers=np.array(tiers))
    present = int(np.bitwise_or.reduce(1 << fleet.tier.astype(np.int64)))
    disp = Dispatcher(env, fleet, ManhattanTravel() if posts is not None else None,
                      rule=DISPATCH_RULES[rule](None, present, escalate, escalate_p1))
    for i in range(n):
        disp.set_on_duty(i, True)
    return env, fleet, disp


def two_calls(env, disp, priority=2):
    """Call 0 takes the only office unit for 60 min; call 1 comes at t=1."""
    first, second = make_call(0, 0.0, ("officer",), priority, 60.0), make_call(1, 1.0, ("officer",), priority, 5.0)
    disp.submit(first)
    env.run(until=1.0)
    disp.submit(second)
    env.run(until=200)
    return first, second


@pytest.mark.parametrize("escalate", [0.5, 2.0, 7.0])
def test_office_first_sends_the_station_after_the_wait(escalate):
    env, fleet, disp = tiered("office_first", [0, 1], escalate)
    first, second = two_calls(env, disp)
    assert first.unit == 0 and second.unit == 1 and second.escalated
    assert second.t_dispatch - second.t_arrival == pytest.approx(escalate)


def test_office_first_escalates_priority_one_at_once_by_default_setting():
    env, fleet, disp = tiered("office_first", [0, 1], escalate=5.0, escalate_p1=0.0)
    _, second = two_calls(env, disp, priority=1)
    assert second.unit == 1 and second.t_dispatch == pytest.approx(second.t_arrival)


def test_an_office_unit_freed_before_the_wait_ends_takes_the_call():
    env, fleet, disp = tiered("office_first", [0, 1], escalate=100.0)
    first, second = two_calls(env, disp)
    assert second.unit == 0 and not second.escalated
    assert second.t_dispatch == pytest.approx(first.t_clear)


def test_office_first_keeps_a_call_to_its_own_office_until_it_escalates():
    """Two offices, no station: a neighbour's free unit waits for the wait to pass."""
    env = simpy.Environment()
    fleet = Fleet(["officer"] * 2, np.zeros((2, 2)), np.full(2, 100.0), offices=np.array([0, 1]))
    disp = Dispatcher(env, fleet, rule=DISPATCH_RULES["office_first"](None, 1, 3.0, None))
    for i in range(2):
        disp.set_on_duty(i, True)
    first, second = make_call(0, 0.0, ("officer",), 2, 60.0), make_call(1, 1.0, ("officer",), 2, 5.0)
    first.office = second.office = 0
    two = [first, second]
    disp.submit(two[0])
    env.run(until=1.0)
    disp.submit(two[1])
    env.run(until=200)
    assert first.unit == 0 and second.unit == 1 and second.escalated
    assert second.t_dispatch - second.t_arrival == pytest.approx(3.0)


@pytest.mark.parametrize("rule", ["nearest", "beat_first", "team"])
def test_todays_rules_never_send_the_station(rule):
    env, fleet, disp = tiered(rule, [0, 1, 2])
    calls = [make_call(k, 0.0, ("officer",), 1 + k % 3, 30.0) for k in range(5)]
    for c in calls:
        disp.submit(c)
    env.run(until=1000)
    assert all(c.outcome == "served" and c.unit == 0 for c in calls)


def test_nearest_any_sends_the_nearest_unit_of_any_tier_at_once():
    env, fleet, disp = tiered("nearest_any", [0, 1, 2], posts=[[0, 0], [900, 0], [300, 0]])
    call = make_call(0, 0.0, ("officer",), 2, 10.0, x=1000.0)
    disp.submit(call)
    env.run(until=100)
    assert call.unit == 1 and call.t_dispatch == 0.0  # the station car, 100 m away


def test_a_station_call_never_goes_to_the_office():
    env, fleet, disp = tiered("nearest_any", [0, 1])
    station_call = make_call(0, 0.0, ("officer",), 2, 30.0)
    station_call.tiers = 0b110  # the station's own calls: station and rapid units only
    station_call.extra_travel_min = 4.0
    disp.submit(station_call)
    disp.submit(make_call(1, 0.0, ("officer",), 2, 30.0))
    env.run(until=100)
    assert station_call.unit == 1
    assert station_call.t_on_scene - station_call.t_dispatch == pytest.approx(4.0)  # the drive beyond the district


def test_a_loss_system_sends_the_station_before_losing_a_priority_one_call():
    env, fleet, disp = tiered("office_first", [0, 1], escalate=2.0, escalate_p1=0.0)
    disp.capacity = "loss"
    _, second = two_calls(env, disp, priority=1)
    assert second.outcome == "served" and second.unit == 1 and second.escalated
    env, fleet, disp = tiered("office_first", [0], escalate=2.0, escalate_p1=0.0)  # no station: lost
    disp.capacity = "loss"
    _, second = two_calls(env, disp, priority=1)
    assert second.outcome == "lost" and not second.escalated


def test_priority_one_takes_a_free_station_car_before_bumping_a_low_priority_call():
    env, fleet, disp = tiered("office_first", [0, 1], escalate=2.0, escalate_p1=0.0)
    disp.preempt_priority_min = 3
    low, urgent = make_call(0, 0.0, ("officer",), 3, 60.0), make_call(1, 1.0, ("officer",), 1, 5.0)
    disp.submit(low)
    env.run(until=1.0)
    disp.submit(urgent)
    env.run(until=200)
    assert urgent.unit == 1 and low.preemptions == 0 and low.unit == 0


def test_a_call_served_at_once_by_its_office_is_not_escalated():
    env, fleet, disp = tiered("office_first", [0, 1], escalate=0.0, escalate_p1=0.0)
    call = make_call(0, 0.0, ("officer",), 1, 5.0)
    disp.submit(call)
    env.run(until=50)
    assert call.unit == 0 and not call.escalated


# --- the whole model ---------------------------------------------------------------------
def run(*overrides):
    model = simulate(config("sim.days=14", *overrides))
    summary, tables = results(model)
    return model, summary, tables


def test_default_urban_core_uses_the_station_and_writes_tiers():
    model, s, t = run()
    tier = t["calls"]["tier"].to_pylist()
    assert set(tier) <= {"office", "station", "rapid", ""}
    assert s["tier_share_office"] + s["tier_share_station"] + s["tier_share_rapid"] == pytest.approx(1.0)
    assert s["tier_share_rapid"] == 0.0 and 0 < s["tier_share_station"] < 0.5
    own = model.station_area.calls.table()
    assert len(own) == s["station_calls_total"] > 0
    assert set(own["tier"].to_pylist()) <= {"station", ""}
    units = t["units"]
    assert units.filter(np.asarray(units["tier"].to_pylist()) != "office")["role"].to_pylist() == \
        ["officer"] * int((model.fleet.tier > 0).sum())
    # 2 cars + 1 duty officer on duty around the clock, three shifts each
    assert int((model.fleet.tier == 1).sum()) == 3 * 3
    assert s["staff_officer"] == 3  # the office's officers only


@pytest.mark.slow
def test_rapid_units_take_calls_in_the_city():
    _, s, _ = run("district=city", "sim.days=3", "response.tiers=office_station_rapid", "dispatch=nearest_any")
    assert s["tier_share_rapid"] > 0 and s["tier_share_station"] > 0


def test_lights_and_sirens_speed_up_cars_on_priority_one_runs_only():
    """Speed on the way (distance over travel time after the 1-minute turnout): officers' cars 1.3 x
    25 km/h on priority 1, 25 km/h otherwise; auxiliaries' e-bikes 15 km/h always."""
    _, _, t = run("sim.days=28")
    c = t["calls"].to_pandas()
    c = c[(c.outcome == "served") & (c.travel_min > 1.05) & (c.tier == "office") & (c.n_units == 1)]
    speed = c.travel_m / (c.travel_min - 1.0)
    car, ebike = 25_000 / 60, 15_000 / 60
    officer, aux = c.unit_role == "officer", c.unit_role == "auxiliary"
    assert speed[officer & (c.priority == 1)].median() == pytest.approx(1.3 * car, rel=1e-6)
    assert speed[officer & (c.priority > 1)].median() == pytest.approx(car, rel=1e-6)
    assert speed[aux].max() == pytest.approx(ebike, rel=1e-6) and speed[aux].min() == pytest.approx(ebike, rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("recall,expect", [("none", 0), ("p1", None), ("any", None)])
def test_station_duty_recalls_follow_the_rule(recall, expect):
    model, s, t = run(f"response.station_duty.recall={recall}", "response.station.patrol_cars_per_shift=0",
                      "response.station.duty_officers_per_shift=0", "sim.days=28")
    assert s["station_duty_hours_per_officer"] > 0
    if expect is not None:
        assert s["station_duty_recalls"] == expect
    else:
        assert s["station_duty_recalls"] > 0
    if recall == "p1":  # officers at the station never recalled for a lower priority: every such call waited
        assert s["station_duty_recalls"] <= s["calls_p1"]


def test_station_duty_time_is_spent_at_the_station():
    """Officers are on duty (staffed) through their station blocks, busy there;
    off the map, the same share is simply off duty."""
    _, at, _ = run("response.station_duty.where=station")
    _, off, _ = run("response.station_duty.where=off_map")
    share = 0.3  # staffing.officer_non_community_share
    hours = 14 * 24 / 3 * share  # one officer on duty at a time, three officers
    assert at["station_duty_hours_per_officer"] == pytest.approx(hours, rel=0.15)
    assert "station_duty_hours_per_officer" not in off
    assert at["utilization_officer"] > off["utilization_officer"] + share * 0.8


@pytest.mark.parametrize("override,key", [
    ("response.tiers=station_only", "response.tiers"),
    ("response.escalate_after_min=-1", "response.escalate_after_min"),
    ("response.station.x_m=999999", "response.station.x_m"),
    ("response.station.x_m=2500", "response.station"),
    ("response.station_duty.recall=p2", "response.station_duty.recall"),
    ("response.rapid.posts_m=[[1,2,3]]", "response.rapid.posts_m"),
    ("response.p1_speed_factor=0", "response.p1_speed_factor"),
])
def test_bad_response_values_fail_in_one_line(override, key):
    with pytest.raises(ConfigError) as err:
        config(override)
    assert str(err.value).startswith(key) and "\n" not in str(err.value)


def test_a_station_without_units_never_sends_the_office_to_its_own_calls():
    model, s, _ = run("response.station.patrol_cars_per_shift=0", "response.station.duty_officers_per_shift=0",
                      "sim.days=3")
    own = model.station_area.calls.table()
    assert len(own) > 0 and set(own["outcome"].to_pylist()) == {"open"} and set(own["tier"].to_pylist()) == {""}
    assert s["tier_share_office"] == 1.0


@pytest.mark.parametrize("overrides,key", [
    (("response.station.shift_starts_h=[8,8,8]",), "response.station.shift_starts_h"),
    (("cost.included_staff.officer=0", "cost.included_staff.auxiliary=0", "cost.included_staff.volunteer=0",
      "cost.included_staff.grid_worker=0"), "cost.included_staff"),
])
def test_nonsense_that_used_to_pass_is_refused(overrides, key):
    with pytest.raises(ConfigError) as err:
        config(*overrides)
    assert str(err.value).startswith(key)


def test_the_station_planner_refuses_a_rule_that_never_sends_the_station():
    from sim.plan.pipeline import check_plannable

    with pytest.raises(ConfigError, match="never sends the station"):
        check_plannable(config("plan.tier=station", "dispatch=nearest"))
    check_plannable(config("plan.tier=station", "dispatch=nearest_any"))  # fine


# --- paired experiments with intervals (common random numbers) --------------------------------
SEEDS = range(8)


def paired(metric: str, arm_a: tuple, arm_b: tuple, days: int = 60) -> np.ndarray:
    """Per seed, metric(b) - metric(a), both arms on the same root seed."""
    out = []
    for seed in SEEDS:
        a = results(simulate(config(f"sim.days={days}", f"seed={seed}", *arm_a)))[0][metric]
        b = results(simulate(config(f"sim.days={days}", f"seed={seed}", *arm_b)))[0][metric]
        out.append(b - a)
    return np.array(out)


def interval(diff: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    return stats.t.interval(level, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))


@pytest.mark.slow
def test_station_backup_never_slows_priority_one():
    """Office alone vs office + station backup, everything else equal (station
    duty off the map and no lights-and-sirens factor in both arms)."""
    same = ("response.station_duty.where=off_map", "response.p1_speed_factor=1.0")
    diff = paired("response_time_mean_min_p1", ("response.tiers=office", *same), ("response.tiers=office_station", *same))
    lo, hi = interval(diff)
    assert hi < 0, (diff, lo, hi)  # faster with backup, the whole interval
    assert (diff <= 0.05).all(), diff  # and in every seed


@pytest.mark.slow
def test_moving_station_officers_into_the_office_slows_the_station():
    """Seed 003 §7.1: concentrating staff at offices slows the station's own
    response. One patrol car per shift (three people's posts) moves to the office."""
    diff = paired("station_response_time_mean_min",
                  ("response.station.patrol_cars_per_shift=2", "staffing.officers=3"),
                  ("response.station.patrol_cars_per_shift=1", "staffing.officers=6"))
    lo, hi = interval(diff)
    assert lo > 0, (diff, lo, hi)


def test_station_calls_are_common_random_numbers_for_the_district():
    """The station's own calls come from their own stream: the district's background calls never change
    with the station (its crime calls may: station cars on the move deter crime too)."""
    _, a, ta = run("response.station.area_residents=0")
    _, b, tb = run("response.station.area_residents=200000")

    def background(t):
        calls = t["calls"].to_pandas()
        return calls.loc[calls["source"] == "background", "t_arrival_min"].tolist()[:200]

    assert len(background(ta)) >= 100 and background(ta) == background(tb)
    assert a["station_calls_total"] == 0 and b["station_calls_total"] > 0
