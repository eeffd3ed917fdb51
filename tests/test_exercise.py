"""Tabletop exercises (sim.exercise): scripts, what each inject and decision
does to the model, replays and the counterfactual, invariants under any
sequence of events, and the headless pipeline's files and report."""
from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.compose.loader import load_config
from sim.config import ConfigError
from sim.core.records import calls_table
from sim.exercise.event import ExerciseEvent
from sim.exercise.event_checks import check_event, check_event_in
from sim.exercise.injects import INJECTS
from sim.exercise.report import KPIS
from sim.run_exercise import run_exercise
from sim.compose.conf_files import group_options
from sim.exercise.session import ExerciseSession, clock
from sim.model import CommunityPolicingModel
from sim.tabletop.forms import form_fields
from tests.conftest import config
from tests.test_invariants import check_calls

ROOT = Path(__file__).resolve().parent.parent
FREE_PLAY = ("sim.days=1", "sim.warmup_days=0.25")  # 06:00-24:00, urban_core, no script


def session(*overrides, **kw) -> ExerciseSession:
    return ExerciseSession(CommunityPolicingModel(config(*overrides)), **kw)


def call_rows(model) -> str:
    """The calls table as text (NaN == NaN here, unlike in lists of floats)."""
    return json.dumps(calls_table(model.calls, model.fleet).to_pydict())


# --- scripts and their checks --------------------------------------------------------
def test_the_three_scripts_load_with_their_districts():
    assert {"festival_night", "mountain_flood", "fraud_wave"} <= set(group_options("exercise"))
    districts = {n: load_config([f"+exercise={n}"]) for n in ("festival_night", "mountain_flood", "fraud_wave")}
    assert districts["mountain_flood"].district.name == "rural_mountain"
    assert districts["festival_night"].district.name == "urban_core"
    for name, cfg in districts.items():
        assert cfg.exercise.name == name and cfg.exercise.briefing and cfg.exercise.injects
        assert all(cfg.sim.warmup_days * 24 <= e.at_h < cfg.sim.days * 24 for e in cfg.exercise.injects)
    # the command line still wins over the script
    assert load_config(["+exercise=mountain_flood", "district=city"]).district.name == "city"


@pytest.mark.parametrize("override, key, words", [
    ("exercise.injects.0.units=3", "exercise.injects[0].units", "is not a parameter of festival_crowd"),
    ("exercise.injects.2.units=0", "exercise.injects[2].units", ">= 1"),
    ("exercise.injects.0.at_h=2", "exercise.injects[0].at_h", "must lie in the exercise"),
    ("exercise.injects.0.x_m=99999", "exercise.injects[0].x_m", "inside the district"),
    ("+exercise.injects.0.bogus=1", "exercise.injects[0].bogus", "unknown key"),
    ("exercise.actions.0.role=chief", "exercise.actions[0].role", "allowed: officer"),
    ("exercise.injects.0.kind=meteor", "exercise.injects[0].kind", "allowed: major_incident"),
    ("exercise.injects.0.radius_m=1", "exercise.injects[0].radius_m", ">= 10"),
    ("exercise.reserves.officer=-1", "exercise.reserves.officer", ">= 0"),
])
def test_a_bad_event_names_its_key(override, key, words):
    with pytest.raises(ConfigError) as err:
        load_config(["+exercise=festival_night", override])
    assert err.value.key == key and words in str(err.value)


def test_a_bad_exercise_fails_before_any_run_folder(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", "+exercise=festival_night", "exercise.injects.1.count=0",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and not out.exists()
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "exercise.injects[1].count" in lines[0]


def test_a_crowd_of_unknown_call_types_is_refused():
    event = ExerciseEvent(at_h=20, kind="festival_crowd", x_m=1.0, y_m=1.0, call_mix={"ufo": 1.0})
    check_event(event, "e", INJECTS)
    with pytest.raises(ConfigError, match="unknown call type"):
        check_event_in(config(), event, "e")


def test_set_policy_refuses_elastic_and_unknown_policies():
    for bad in ("elastic", "nonsense", "hotspot+hotspot"):
        with pytest.raises(ConfigError, match="policy"):
            load_config(["+exercise=fraud_wave", f"exercise.actions.0.policy={bad}"])


# --- what each inject and decision does ----------------------------------------------------
def test_major_incident_needs_its_units_at_once():
    s = session(*FREE_PLAY)
    s.advance(12 * 60)
    d = s.fire("major_incident", "facilitator", x_m=500.0, y_m=500.0, units=3, on_scene_min=60.0)
    call = s.model.calls[-1]
    assert call.type == "major_incident" and call.priority == 1 and len(call.needs) == 3
    assert f"call {call.call_id}" in d.effect
    s.finish()
    assert call.outcome == "served" and len(set(call.units)) == 3
    assert call.t_clear - call.t_on_scene >= 60.0  # (longer when the lead unit is new: workforce efficiency)


def test_sickness_takes_staff_off_duty_until_it_ends():
    s = session(*FREE_PLAY)
    s.advance(10 * 60)
    fleet = s.model.fleet
    aux = fleet.role == 1
    before = int((fleet.on_duty & aux).sum())
    d = s.fire("staff_sickness", "facilitator", role="auxiliary", count=1, duration_h=3.0)
    sick = int(re.search(r"auxiliary (\d+)", d.effect).group(1))
    assert not fleet.on_duty[sick] and int((fleet.on_duty & aux).sum()) == before - 1
    s.advance(12 * 60)
    assert not fleet.on_duty[sick]
    s.advance(13 * 60 + 1)
    assert fleet.on_duty[sick] == s.model.staffing.rostered[sick]  # back to the roster's word
    s.finish()
    for c in s.model.calls:  # never sent anywhere while sick
        if sick in c.units and not math.isnan(c.t_dispatch):
            assert not 10 * 60 < c.t_dispatch < 13 * 60


def test_outage_delays_intake_and_dispatches_by_post_then_recovers():
    s = session(*FREE_PLAY)
    s.advance(8 * 60)
    rule = s.model.dispatcher.rule
    s.fire("dispatch_outage", "facilitator", duration_h=8.0, relay_min=7.0)
    assert s.model.dispatcher.intake_delay_min == 7.0 and type(s.model.dispatcher.rule).__name__ == "PostedRule"
    s.advance(16 * 60 + 1)
    assert s.model.dispatcher.intake_delay_min == 0.0 and s.model.dispatcher.rule is rule
    s.finish()
    during = [c for c in s.model.calls if 8 * 60 < c.t_arrival < 16 * 60 - 7 and not math.isnan(c.t_dispatch)]
    after = [c for c in s.model.calls if c.t_arrival > 16 * 60 + 1 and not math.isnan(c.t_dispatch)]
    assert during and after
    assert all(c.t_dispatch - c.t_arrival >= 7.0 - 1e-9 for c in during)
    assert min(c.t_dispatch - c.t_arrival for c in after) < 1e-9  # someone was sent at once again


def test_weather_slows_every_unit_then_lifts():
    s = session(*FREE_PLAY)
    base = s.model.fleet.speed.copy()
    s.advance(7 * 60)
    s.fire("severe_weather", "facilitator", duration_h=2.0, speed_factor=0.4)
    assert np.allclose(s.model.fleet.speed, base * 0.4)
    s.fire("severe_weather", "facilitator", duration_h=4.0, speed_factor=0.5)  # two storms at once
    assert np.allclose(s.model.fleet.speed, base * 0.2)
    s.advance(9 * 60 + 1)
    assert np.allclose(s.model.fleet.speed, base * 0.5)
    s.advance(11 * 60 + 1)
    assert np.allclose(s.model.fleet.speed, base)


def test_festival_crowd_calls_land_around_the_point_at_the_rate():
    s = session(*FREE_PLAY)
    s.advance(9 * 60)
    s.fire("festival_crowd", "facilitator", x_m=1500.0, y_m=700.0, radius_m=250.0, duration_h=5.0,
           calls_per_hour=60.0)
    s.finish()
    crowd = [c for c in s.model.calls if c.source == "inject"]
    assert 300 - 4 * math.sqrt(300) < len(crowd) < 300 + 4 * math.sqrt(300)  # Poisson(300)
    assert all(math.hypot(c.x - 1500, c.y - 700) <= 250 + 1e-6 for c in crowd)
    assert all(9 * 60 <= c.t_arrival < 14 * 60 for c in crowd)
    assert {c.type for c in crowd} <= {"service_request", "dispute", "theft", "emergency"}


def test_fraud_wave_raises_fraud_and_awareness_refuses_part_of_it():
    base, wave = session(*FREE_PLAY), session(*FREE_PLAY)
    for s in (base, wave):
        s.advance(7 * 60)
    wave.fire("fraud_wave", "facilitator", duration_h=16.0, rate_factor=50.0)
    for s in (base, wave):
        s.finish()
    fraud = [sum(i[1] == "fraud" for i in s.model.incidents) for s in (base, wave)]
    expected = 10.0 * 30000 / 1000 / 365 * 49 * 16 / 24  # extra attempts: 49 x the daily rate for 16 h
    refused = wave.controls.kinds["fraud_wave"].refused
    assert fraud[1] - fraud[0] + refused == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert 0 < refused < fraud[1] - fraud[0]  # about 30% aware x 50% efficacy refuse


def test_call_in_takes_reserves_first_then_overtime_and_ends_on_time():
    s = session(*FREE_PLAY, "exercise.reserves.auxiliary=1")
    m = s.model
    assert m.n_office_units == m.n_rostered + 1 and not m.fleet.on_duty[m.n_rostered]
    s.advance(10 * 60)
    off = [i for i in range(m.n_rostered) if m.fleet.role_name[i] == "auxiliary" and not m.fleet.on_duty[i]]
    d = s.fire("call_in", "trainee", role="auxiliary", count=2, hours=2.0)
    called = [int(x) for x in re.findall(r"auxiliary (\d+)", d.effect)]
    assert called == [m.n_rostered, off[0]] and all(m.fleet.on_duty[called])
    assert s.controls.kinds["call_in"].minutes_called_in == pytest.approx(240.0)
    s.advance(12 * 60 + 1)
    assert not m.fleet.on_duty[m.n_rostered]  # the reserve goes home; the other follows its roster
    assert m.fleet.on_duty[off[0]] == m.staffing.rostered[off[0]]


def test_move_unit_holds_the_spot_and_set_task_releases_it():
    s = session(*FREE_PLAY, "policy=random_patrol")
    m = s.model
    s.advance(9 * 60)
    unit = int(np.flatnonzero(m.fleet.on_duty & ~m.fleet.busy & (m.fleet.role == 1))[0])
    s.fire("move_unit", "trainee", unit=unit, x_m=1900.0, y_m=100.0)
    assert (m.fleet.x1[unit], m.fleet.y1[unit]) == (1900.0, 100.0)
    s.advance(11 * 60)
    if not m.fleet.busy[unit]:
        assert m.fleet.position_of(unit, s.now) == (1900.0, 100.0)
    s.fire("set_task", "trainee", unit=unit, task="post")
    s.advance(13 * 60)
    if not m.fleet.busy[unit]:
        assert m.fleet.position_of(unit, s.now) == tuple(m.fleet.post[unit])


def test_set_policy_switches_deployment_mid_run():
    s = session(*FREE_PLAY)
    m = s.model
    s.advance(9 * 60)
    assert not (m.fleet.t1 > s.now).any()  # fixed_post: everyone idle waits at the office
    s.fire("set_policy", "trainee", policy="random_patrol")
    assert type(m.policy).__name__ == "RandomPatrol"
    patrollers = m.fleet.on_duty & ~m.fleet.busy & (m.fleet.role == 1)
    assert patrollers.any() and (m.fleet.t1[patrollers] > s.now).all()  # sent out at once


def test_firing_bad_parameters_from_the_page_changes_nothing():
    s = session(*FREE_PLAY)
    s.advance(9 * 60)
    for kind, params, key in (("major_incident", {"x_m": 5000.0, "y_m": 1.0}, "inject.x_m"),
                              ("move_unit", {"unit": 999, "x_m": 1.0, "y_m": 1.0}, "action.unit"),
                              ("staff_sickness", {"count": 0}, "inject.count")):
        with pytest.raises(ConfigError) as err:
            s.fire(kind, "facilitator", **params)
        assert err.value.key == key
    assert s.log == [] and s.model.calls == [c for c in s.model.calls if c.source != "inject"]


# --- a new kind is one file -------------------------------------------------------------------
README = Path(__file__).resolve().parents[1] / "README.md"


def readme_inject_example() -> str:
    """The README's "Adding an inject" file (Design section), verbatim: the test
    runs what the README shows."""
    text = README.read_text(encoding="utf-8")
    start = text.index("**Adding an inject**")
    block = text[text.index("```python\n", start) + len("```python\n"):]
    return block[:block.index("```")]


@pytest.fixture
def hoax_call(tmp_path):
    """The README's example inject as a file of its own, outside the package, filed by importing it."""
    if "hoax_call" in INJECTS:  # someone followed the README and saved it in sim/exercise/injects/
        yield INJECTS["hoax_call"]
        return
    path = tmp_path / "hoax_call.py"
    path.write_text(readme_inject_example())
    spec = importlib.util.spec_from_file_location("hoax_call", path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    yield INJECTS["hoax_call"]
    INJECTS.pop("hoax_call")


def test_a_new_inject_is_one_file(hoax_call):
    assert list(INJECTS)[-1] == "hoax_call"  # listed after the bundled kinds
    assert form_fields("hoax_call") == [("x_m", ""), ("y_m", ""), ("on_scene_min", "20")]
    script = ["+exercise=festival_night", "exercise.actions=[]"]
    cfg = load_config([*script, "exercise.injects=[{at_h: 19, kind: hoax_call, x_m: 400, y_m: 300}]"])
    assert [e.kind for e in cfg.exercise.injects] == ["hoax_call"]
    for bad, key, words in (("on_scene_min: 0.5", "on_scene_min", ">= 1 and <= 240"),
                            ("units: 2", "units", "is not a parameter of hoax_call; it takes: x_m, y_m, on_scene_min"),
                            ("x_m: 99999", "x_m", "inside the district")):
        with pytest.raises(ConfigError) as err:
            load_config([*script, f"exercise.injects=[{{at_h: 19, kind: hoax_call, x_m: 400, y_m: 300, {bad}}}]"])
        assert err.value.key == f"exercise.injects[0].{key}" and words in str(err.value)

    s = session(*FREE_PLAY)
    s.advance(9 * 60)
    d = s.fire("hoax_call", "facilitator", x_m=400.0, y_m=300.0)
    call = s.model.calls[-1]
    assert (call.type, call.source, call.on_scene_min) == ("dispute", "inject", 20.0)
    assert d.effect == f"call {call.call_id}: a hoax at (400, 300) m, 20 min to clear"
    s.finish()
    replay = session(*FREE_PLAY, replay=[r.row() for r in s.log])
    replay.finish()
    assert call_rows(replay.model) == call_rows(s.model)


def test_a_kind_with_a_parameter_the_wire_format_lacks_is_refused_when_filed():
    from sim.exercise.kinds import Inject, Param, register

    with pytest.raises(TypeError, match="wind_kmh not in ExerciseEvent"):
        @register("gale")
        class Gale(Inject):
            params = {"wind_kmh": Param(90.0, lo=0, hi=300)}
    assert "gale" not in INJECTS
    with pytest.raises(TypeError, match="taken"):
        register("call_in")(type("Again", (Inject,), {}))


# --- replay, counterfactual, invariants --------------------------------------------------------
LIVE = [  # (hour, source, kind, params): a busy session
    (7.0, "facilitator", "severe_weather", {"duration_h": 3.0, "speed_factor": 0.5}),
    (8.0, "trainee", "call_in", {"role": "auxiliary", "count": 2, "hours": 4.0}),
    (9.0, "facilitator", "festival_crowd", {"x_m": 1500.0, "y_m": 700.0, "duration_h": 4.0, "calls_per_hour": 8.0}),
    (9.0, "trainee", "move_unit", {"unit": 4, "x_m": 1500.0, "y_m": 700.0}),
    (11.0, "facilitator", "major_incident", {"x_m": 300.0, "y_m": 1700.0, "units": 3}),
    (12.0, "facilitator", "staff_sickness", {"role": "officer", "count": 1, "duration_h": 5.0}),
    (13.0, "trainee", "set_policy", {"policy": "random_patrol"}),
    (14.0, "facilitator", "dispatch_outage", {"duration_h": 4.0}),
    (15.0, "trainee", "set_task", {"unit": 4, "task": "patrol"}),
    (16.0, "facilitator", "fraud_wave", {"duration_h": 6.0, "rate_factor": 20.0}),
]


def play_live(*overrides, tick_min=60.0) -> ExerciseSession:
    """Step the clock as the browser does and fire events between steps."""
    s = session(*FREE_PLAY, *overrides)
    for hour, source, kind, params in LIVE:
        while s.now < hour * 60:
            s.advance(s.now + tick_min)
        s.fire(kind, source, **params)
    s.finish()
    return s


def test_a_replay_of_the_log_is_the_same_run():
    live = play_live(tick_min=25.0)  # ticks that never fall on an event's time
    replay = session(*FREE_PLAY, replay=[d.row() for d in live.log])
    replay.finish()
    assert call_rows(replay.model) == call_rows(live.model)
    assert replay.model.incidents == live.model.incidents
    assert [d.effect for d in replay.log] == [d.effect for d in live.log]


def test_the_counterfactual_meets_the_same_calls_and_injects():
    live = play_live()
    cf = session(*FREE_PLAY, replay=[d.row() for d in live.log if d.category == "inject"])
    cf.finish()
    assert [d.kind for d in cf.log] == [d.kind for d in live.log if d.category == "inject"]

    def stream(model, source):
        return [(c.t_arrival, c.type, c.x, c.y) for c in model.calls if c.source == source]
    for source in ("background", "inject"):  # common random numbers: the decisions change no call
        assert stream(cf.model, source) == stream(live.model, source)
    assert call_rows(cf.model) != call_rows(live.model)  # but they change what happens to them


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(6.0, 23.5), st.sampled_from(range(len(LIVE)))), min_size=1, max_size=8),
       st.integers(0, 3))
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_any_sequence_of_events_keeps_the_invariants(events, seed):
    s = session(*FREE_PLAY, f"seed={seed}", "exercise.reserves.officer=1", "exercise.reserves.volunteer=2")
    times = []
    for hour, k in sorted(events):
        s.advance(hour * 60)
        _, source, kind, params = LIVE[k]
        s.fire(kind, source, **params)
        times.append(s.now)
    s.finish()
    assert times == sorted(times) and [d.t_min for d in s.log] == times  # time never goes backwards
    check_calls(s.model.calls)  # one outcome per call, no unit on two calls, ordered times
    m = s.model
    assert set(m.dispatcher.current) == set(np.flatnonzero(m.fleet.busy).tolist())
    for i in np.flatnonzero(s.controls.sick_until > -np.inf).tolist():  # the sick are never on duty
        if s.controls.sick_until[i] >= m.horizon_min:
            assert not m.fleet.on_duty[i]


# --- the headless pipeline and the report --------------------------------------------------------
def kpi_cells(page: str) -> dict[tuple[str, str], object]:
    cells = re.findall(r'data-key="([^"]+)" data-run="([^"]+)" data-value="([^"]*)"', page)
    return {(k, run): json.loads(v.replace("&quot;", '"')) for k, run, v in cells}


@pytest.mark.slow
def test_headless_exercise_writes_log_counterfactual_and_a_matching_report(tmp_path):
    out = tmp_path / "festival"
    proc = subprocess.run([sys.executable, "-m", "sim", "+exercise=festival_night", "sim.progress=false",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("DONE", "decisions.parquet", "after_action.html", "summary.json", "calls.parquet",
                 "counterfactual/DONE", "counterfactual/summary.json", "counterfactual/decisions.parquet"):
        assert (out / name).exists(), name
    cfg = load_config(["+exercise=festival_night"])
    log = pq.read_table(out / "decisions.parquet").to_pylist()
    script = sorted([(e.at_h * 60, 0 if k < len(cfg.exercise.injects) else 1, e.kind)
                     for k, e in enumerate(list(cfg.exercise.injects) + list(cfg.exercise.actions))])
    assert [(d["t_min"], d["kind"]) for d in log] == [(t, kind) for t, _, kind in script]
    assert all(d["clock"] == clock(d["t_min"]) and d["effect"] for d in log)
    cf_log = pq.read_table(out / "counterfactual/decisions.parquet").to_pylist()
    assert [d["kind"] for d in cf_log] == [d["kind"] for d in log if d["category"] == "inject"]

    summaries = {"exercise": json.loads((out / "summary.json").read_text()),
                 "counterfactual": json.loads((out / "counterfactual/summary.json").read_text())}
    assert summaries["exercise"]["exercise_actions"] == len(cfg.exercise.actions)
    assert summaries["counterfactual"]["exercise_actions"] == 0
    assert summaries["counterfactual"]["exercise_staff_hours_called_in"] == 0
    page = (out / "after_action.html").read_text()
    assert '<html lang="en">' in page and "<h2>Key figures</h2>" in page  # lang=en: the report reads as before
    assert f"After-action report: {cfg.exercise.title}" in page and "response time, mean (min)" in page
    assert proc.stderr.strip().splitlines()[-3:] == [  # the run ends by naming where its files are
        f"After-action report: {out / 'after_action.html'}",
        f"Counterfactual (the same seed without the room's decisions): {out / 'counterfactual'}",
        f"Decision log: {out / 'decisions.parquet'}"]
    cells = kpi_cells(page)
    assert len(cells) == 2 * len(KPIS)
    for (key, run), value in cells.items():  # every number in the report is the run's own
        assert value == summaries[run][key], (key, run)
    for d in log:
        assert d["note"] in page or "&" in d["note"]
    assert page.count("data:image/png;base64,") == 4


@pytest.mark.parametrize("name", ["mountain_flood", "fraud_wave"])
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_every_script_runs_headless_and_its_replay_matches(tmp_path, name):
    first = run_exercise(config(f"+exercise={name}"), tmp_path / "a", progress=False)
    again = run_exercise(config(f"+exercise={name}", f"exercise.replay={tmp_path / 'a' / 'decisions.parquet'}"),
                         tmp_path / "b", progress=False)
    for s in (first, again):
        s.pop("wall_seconds")
    assert first == again
    assert first["exercise_injects"] == len(load_config([f"+exercise={name}"]).exercise.injects)
    page = (tmp_path / "a" / "after_action.html").read_text()
    cf = json.loads((tmp_path / "a" / "counterfactual" / "summary.json").read_text())
    for (key, run), value in kpi_cells(page).items():
        assert value == (first if run == "exercise" else cf)[key], (key, run)


@pytest.mark.parametrize("mix", ["{theft: nan}", "{theft: inf}", "{theft: 1e308, dispute: 1e308}", "{theft: -1}"])
def test_a_crowd_mix_must_be_finite_shares(mix):
    with pytest.raises(ConfigError) as err:
        load_config(["+exercise=festival_night",
                     f"exercise.injects=[{{at_h: 19, kind: festival_crowd, x_m: 100, y_m: 100, call_mix: {mix}}}]"])
    assert err.value.key == "exercise.injects[0].call_mix" and "finite shares" in str(err.value)
