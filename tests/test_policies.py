"""Deployment policies of issue 5: each does what its docstring says, and none
touches the demand (common random numbers)."""
import functools
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from sim.config import ConfigError
from sim.compose.conf_files import CONF_DIR
from sim.compose.loader import load_config
from sim.core.roles import ROLE_CODE
from sim.model import CommunityPolicingModel
from sim.run import results, simulate
from sim.scenarios import POLICIES
from sim.scenarios.hot_cells import area_cells, crime_prior, flat_of, hot_cells
from sim.core.space import LAND_USE_CODE
from tests.conftest import config

NEW = ("hotspot", "beat", "joint_patrol", "elastic", "cameras", "volunteer_night_patrol")


def build(policy: str, *overrides: str) -> CommunityPolicingModel:
    """A model (not yet run) under a preset; ``a+b`` uses preset a, then names both."""
    first = policy.split("+")[0]
    return CommunityPolicingModel(config(f"policy={first}", f"policy.name={policy}", *overrides))


def record_legs(model, probe=None) -> list[tuple]:
    """(time, unit, x, y, dwell, probe) of every patrol leg the policy hands
    out; ``probe(unit)`` records more state at that moment."""
    legs, inner = [], model.policy.next_leg

    def next_leg(m, unit):
        leg = inner(m, unit)
        if leg is not None:
            legs.append((m.env.now, unit, *leg, probe(unit) if probe else None))
        return leg

    model.policy.next_leg = next_leg
    return legs


def sample(model, every_min: float, fn) -> None:
    def proc():
        while True:
            yield model.env.timeout(every_min)
            fn(model)
    model.env.process(proc())


def flat(model, x, y) -> int:
    return flat_of(model.district, x, y)


def at_post(f, i) -> bool:
    return f.x1[i] == f.post[i, 0] and f.y1[i] == f.post[i, 1]


# --- configuration ---------------------------------------------------------

@pytest.mark.parametrize("name", NEW)
def test_each_preset_composes(name):
    assert load_config([f"policy={name}"]).policy.name == name
    assert (CONF_DIR / "policy" / f"{name}.yaml").exists() and name in POLICIES


NEW_POLICY = '''
from sim.scenarios.policy import DeploymentPolicy, register


@register("stay_at_post")
class StayAtPost(DeploymentPolicy):
    """A test policy in its own file: idle units wait at their posts."""
'''


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_a_registered_policy_is_chosen_by_name_without_a_preset_file(tmp_path):
    """A new policy is one module: ``policy=NAME`` finds it through the
    registry (no conf/policy/NAME.yaml), and a misspelling lists it."""
    (tmp_path / "stay_at_post.py").write_text(NEW_POLICY)
    script = ("import stay_at_post, sys\n"
              "from sim.compose.loader import load_config\n"
              "from sim.core.checks import ConfigError\n"
              "from sim.run import results, simulate\n"
              "cfg = load_config(['policy=stay_at_post', 'sim.days=1', 'sim.plots=false', 'sim.progress=false'])\n"
              "print(cfg.policy.name, results(simulate(cfg))[0]['calls_total'] >= 0)\n"
              "try:\n"
              "    load_config(['policy=stay_at_pots'])\n"
              "except ConfigError as e:\n"
              "    print(e)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(CONF_DIR.parent)])}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "stay_at_post True"
    assert lines[1].startswith("policy='stay_at_pots': unknown option; allowed:") and "stay_at_post" in lines[1]
    assert not (CONF_DIR / "policy" / "stay_at_post.yaml").exists()


def test_combined_names_compose_and_nonsense_fails():
    assert load_config(["policy=hotspot", "policy.name=hotspot+cameras"]).policy.names() == ["hotspot", "cameras"]
    with pytest.raises(ConfigError, match="policy.name"):
        load_config(["policy.name=hotspot+nonsense"])


# --- common random numbers -------------------------------------------------

@functools.cache
def background(policy: str) -> dict:
    """The demand of the background calls as drawn: times, types, places, the
    on-scene work each needs, callers (the calls table's ``on_scene_min`` is
    what was done, NaN for calls still open at the end)."""
    model = simulate(config("sim.days=7", "seed=4", f"policy={policy.split('+')[0]}", f"policy.name={policy}"))
    calls = [c for c in model.calls if c.source == "background"]
    return {k: np.array([getattr(c, k) for c in calls])
            for k in ("t_arrival", "type", "x", "y", "on_scene_min", "caller_id")}


@pytest.mark.parametrize("policy", NEW + ("hotspot+cameras",))
def test_policy_leaves_background_calls_identical(policy):
    fixed, other = background("fixed_post"), background(policy)
    assert len(fixed["t_arrival"]) > 30
    for key in fixed:
        np.testing.assert_array_equal(fixed[key], other[key])


# --- hotspot ----------------------------------------------------------------

def presence_in_hot_cells(policy: str) -> tuple[float, CommunityPolicingModel, list]:
    """Share of patrol roles' free on-duty time (10-min samples) spent in the
    office's current hot cells."""
    model = build(policy, "sim.days=28", "seed=2")
    legs = record_legs(model)
    ranking = hot_cells(model, model.cfg.policy)  # the same ranking hotspot uses (shared per model)
    roles = np.isin(model.fleet.role, [ROLE_CODE[r] for r in model.cfg.policy.patrol_roles])
    tally = [0, 0]

    def look(m):
        ranking.update(m)
        f = m.fleet
        free = np.flatnonzero(roles & f.on_duty & ~f.busy)
        xs, ys = f.positions(m.env.now, free)
        tally[0] += sum(ranking.mask[flat(m, x, y)] for x, y in zip(xs, ys))
        tally[1] += len(free)

    sample(model, 10.0, look)
    model.run()
    return tally[0] / tally[1], model, legs


def test_hotspot_stops_fall_in_the_current_top_cells():
    share, model, legs = presence_in_hot_cells("hotspot")
    ranking, f = model.policy.ranking, model.fleet
    assert len(legs) > 500
    roles = {ROLE_CODE[r] for r in model.cfg.policy.patrol_roles}
    for t, unit, x, y, dwell, _ in legs:
        assert f.role[unit] in roles and dwell == model.cfg.policy.dwell_min
    # every stop was in its office's list as it stood then: replay the list's history
    times = np.array([t for t, _ in ranking.history])
    for t, unit, x, y, _, _ in legs:
        cells = ranking.history[int(np.searchsorted(times, t, side="right")) - 1][1]
        assert flat(model, x, y) in cells
    assert len(ranking.history) > 5  # the list followed the crimes
    random_share = presence_in_hot_cells("random_patrol")[0]
    assert share > 0.4 and share > 5 * random_share


def test_hot_cells_rank_known_crimes_in_the_window():
    """The top cells hold at least as many reported crimes of the last
    ``hotspot_window_days`` as any other cell of the office (brute force)."""
    model = simulate(config("policy=hotspot", "sim.days=60", "policy.hotspot_window_days=14", "seed=3"))
    ranking, now = model.policy.ranking, model.env.now
    ranking.update(model)
    counts = np.zeros(model.district.width * model.district.height)
    for c in model.calls:
        if c.source == "crime" and c.t_arrival >= now - 14 * 1440:
            counts[flat(model, c.x, c.y)] += 1
    assert counts.sum() > 10
    top = ranking.by_office[0]
    rest = np.setdiff1d(ranking.office_cells[0], top)
    assert len(top) == model.cfg.policy.hotspot_cells
    assert counts[top].min() >= counts[rest].max()
    np.testing.assert_array_equal(ranking.counts, counts)


def test_hot_cells_start_from_the_land_use_prior():
    """Before any crime is known the list is the cells where the configured
    crime types expect most crime (theft by street activity, burglary by
    residents, mixed by their rates)."""
    model = build("hotspot", "sim.days=1")
    ranking = model.policy.ranking
    prior = crime_prior(model)
    cells = ranking.office_cells[0]
    np.testing.assert_array_equal(ranking.by_office[0], cells[np.argsort(-prior[cells], kind="stable")[:10]])
    markets = model.district.cells_where(model.district.land_use == LAND_USE_CODE["market"])
    assert len(markets) and set(markets.tolist()) <= set(ranking.by_office[0].tolist())  # the busiest streets


# --- beat -------------------------------------------------------------------

def test_beat_units_sweep_their_own_beat_and_never_leave_it():
    model = build("beat", "sim.days=28", "seed=5")
    legs = record_legs(model)
    model.run()
    d, f = model.district, model.fleet
    by_unit: dict[int, list[int]] = {}
    for _, unit, x, y, _, _ in legs:
        cell = flat(model, x, y)
        assert d.beat.ravel()[cell] == f.beat[unit]
        by_unit.setdefault(unit, []).append(cell)
    assert {f.role_name[u] for u in by_unit} == {"officer", "auxiliary"}  # the preset's "1+2" teams
    rounds = 0
    for unit, cells in by_unit.items():  # each round visits every cell of the beat once
        beat_cells = model.policy.cells(model, unit)
        n = len(beat_cells)
        assert n > 50 and set(cells) <= set(beat_cells.tolist())
        for k in range(0, len(cells), n):
            chunk = cells[k:k + n]
            assert len(set(chunk)) == len(chunk)
            rounds += len(chunk) == n
    assert rounds >= 3


def test_a_unit_with_an_empty_beat_walks_its_office_area():
    """Voronoi beats round posts that share one spot (everyone at the office)
    leave all but one beat empty: those units patrol their office area."""
    model = build("beat", "district.beats=nearest_post", "sim.days=2", "seed=5")
    legs = record_legs(model)
    model.run()
    d, f = model.district, model.fleet
    empty = {u for u in range(f.n) if not (d.beat == f.beat[u]).any()}
    walked = {unit for _, unit, *_ in legs}
    assert empty & walked  # they patrol instead of failing
    for _, unit, x, y, _, _ in legs:
        assert d.office_area.ravel()[flat(model, x, y)] == f.office[unit]


# --- joint patrol -----------------------------------------------------------

def test_joint_patrol_volunteers_walk_only_with_a_free_partner():
    model = build("joint_patrol", "sim.days=28", "seed=7")
    policy, f = model.policy, model.fleet
    followers = {ROLE_CODE["volunteer"], ROLE_CODE["grid_worker"]}

    def partner(unit):
        p = int(policy.partner_of[unit])
        if p < 0:
            return p, bool(policy.on_patrol(f, policy.leads_of[int(f.office[unit])]).any())
        return p, (bool(f.on_duty[p]), bool(f.busy[p]), float(f.x1[p]), float(f.y1[p]))

    legs = record_legs(model, partner)
    samples = {"together": 0, "apart": 0, "partner_busy": 0}

    def look(m):
        for v in np.flatnonzero(np.isin(f.role, list(followers)) & f.on_duty & ~f.busy):
            if at_post(f, v):
                continue
            p = int(policy.partner_of[v])
            assert p >= 0  # a follower away from its post always has a partner
            if f.busy[p] or not f.on_duty[p]:
                samples["partner_busy"] += 1
            elif math.hypot(f.x1[v] - f.x1[p], f.y1[v] - f.y1[p]) < 5.0:
                samples["together"] += 1
            else:
                samples["apart"] += 1

    sample(model, 5.0, look)
    model.run()
    joint = waits = 0
    for _, unit, x, y, _, (lead, state) in (leg for leg in legs if f.role[leg[1]] in followers):
        if lead < 0:  # waits at its post only when no lead of the office is on patrol
            assert (x, y) == tuple(f.post[unit]) and not state
            waits += 1
            continue
        on_duty, busy, px, py = state  # sets off for its free lead's destination, exactly
        assert on_duty and not busy and (x, y) == (px, py) and f.office[lead] == f.office[unit]
        assert f.role_name[lead] == "auxiliary"
        joint += 1
    assert joint > 200 and waits > 0
    # between leg starts: "apart" is a follower on foot still walking to a stop its
    # lead (e-bike) has left; "partner_busy" one finishing a stop its lead was called from
    total = sum(samples.values())
    assert total > 200
    assert samples["together"] / total > 0.8 and samples["partner_busy"] / total < 0.1


# --- elastic ----------------------------------------------------------------

def on_duty_by_hour(model, role: str) -> np.ndarray:
    ts = results(model)[1]["timeseries"].to_pandas()  # hour_of_day: the hour each sample closes
    return ts.groupby("hour_of_day")[f"on_duty_{role}"].mean().reindex(range(24)).to_numpy()


def test_elastic_moves_auxiliary_shifts_only():
    model = build("elastic", "sim.days=14", "seed=1", "policy.elastic_starts_h=[10,14,18]")
    f = model.fleet
    team = np.bincount(f.beat[f.tier == 0])  # every role patrols under the preset (the office's staff)

    def busiest(unit):  # the cells a unit of this beat may take now: its beat's busiest few
        key = ("beat", int(f.beat[unit]))
        order = model.policy.clock.order(int(model.env.now // 60) % 24, key, area_cells(model, key))
        return set(order[:team[f.beat[unit]]].tolist())

    legs = record_legs(model, busiest)
    model.run()
    aux = on_duty_by_hour(model, "auxiliary")
    # shifts 10-18, 14-22, 18-02: the samples closing hours 2..9 (03:00..10:00) find nobody
    assert (aux[2:9] == 0).all() and (aux[10:24] > 0).all() and aux[0] > 0
    usual = on_duty_by_hour(simulate(config("policy=random_patrol", "sim.days=14", "seed=1")), "auxiliary")
    assert (usual[2:9] > 0).all()
    officers = on_duty_by_hour(model, "officer")
    assert officers[2:9].sum() > 0  # officers keep the 24-hour rota
    # idle staff stand at cell centres of their own beat, spread over its busiest cells
    d = model.district
    assert len(legs) > 200
    for t, unit, x, y, dwell, top in legs:
        cx, cy = d.unflatten(flat(model, x, y))
        assert (x, y) == tuple(map(float, d.cell_centre_m(cx, cy)))
        assert d.beat[cx, cy] == f.beat[unit] and flat(model, x, y) in top
        assert dwell <= 60.0


def test_elastic_shift_hook():
    from sim.core.shifts_config import ShiftConfig

    policy = POLICIES["elastic"](load_config(["policy=elastic", "policy.elastic_starts_h=[9,17]"]).policy)
    s = ShiftConfig([8, 16, 0], 8.0, 7)
    assert policy.shift("auxiliary", s).starts_h == [9, 17] and s.starts_h == [8, 16, 0]
    for role in ("officer", "volunteer", "grid_worker"):
        assert policy.shift(role, s) is s


# --- cameras ----------------------------------------------------------------

@pytest.mark.parametrize("district,share,per_office", [("urban_core", 0.5, 5), ("city", 0.3, 3)])
def test_cameras_mark_the_top_hot_cells_of_each_office(district, share, per_office):
    days = 25 if district == "urban_core" else 7
    model = build("hotspot+cameras", f"district={district}", f"sim.days={days}",
                  f"policy.camera_share={share}", "policy.hotspot_window_days=10", "seed=9")
    legs = record_legs(model)
    model.run()
    cameras = model.policy.parts[1]
    n_offices = len(model.district.offices)
    assert int(model.crime.cameras.sum()) == per_office * n_offices
    np.testing.assert_array_equal(np.flatnonzero(model.crime.cameras), np.sort(cameras.camera_cells))
    ranking = model.policy.parts[0].ranking
    times = np.array([t for t, _ in ranking.history])
    for t, cells in cameras.sitings:  # each siting took the top cells of every office's list of the time
        hot = ranking.history[int(np.searchsorted(times, t, side="right")) - 1][1]
        k = model.cfg.policy.hotspot_cells
        expected = np.concatenate([hot[o * k:o * k + per_office] for o in range(n_offices)])
        np.testing.assert_array_equal(np.sort(cells), np.sort(expected))
    if district == "urban_core":
        assert [t for t, _ in cameras.sitings] == [0.0, 10 * 1440.0, 20 * 1440.0]  # re-sited each window
    assert len(legs) > 100  # hotspot+cameras: the patrol happens too


def test_cameras_wait_for_start_day():
    model = build("cameras", "sim.days=10", "policy.start_day=4")
    seen = []
    sample(model, 60.0, lambda m: seen.append((m.env.now, int(m.crime.cameras.sum()))))
    model.run()
    assert all(n == 0 for t, n in seen if t < 4 * 1440) and all(n == 5 for t, n in seen if t >= 4 * 1440)


# --- volunteer night patrol ---------------------------------------------------

def test_volunteer_night_patrol_moves_only_volunteers_to_hot_cells():
    model = build("volunteer_night_patrol", "sim.days=28", "seed=4")
    legs = record_legs(model)
    f = model.fleet
    strays = []

    def look(m):  # nobody but volunteers is away from the post unless on a call
        away = np.flatnonzero(f.on_duty & ~f.busy & (f.role != ROLE_CODE["volunteer"]))
        strays.extend(int(i) for i in away if not at_post(f, i))

    sample(model, 15.0, look)
    model.run()
    assert len(legs) > 50 and not strays
    ranking = model.policy.ranking
    times = np.array([t for t, _ in ranking.history])
    for t, unit, x, y, _, _ in legs:
        assert f.role_name[unit] == "volunteer"
        assert 19 * 60 <= t % 1440 < 22 * 60  # their shifts
        k = int(np.searchsorted(times, t, side="right")) - 1  # the list in force (one re-ranked at t may come after)
        assert flat(model, x, y) in ranking.history[k][1] or (times[k] == t and flat(model, x, y) in ranking.history[k - 1][1])


@pytest.mark.slow  # 9 runs: the fast tier stays under 3 min
@pytest.mark.parametrize("share", [0.01, 0.125, 0.5])
def test_hotspot_share_sets_the_dose_between_random_and_all_at_the_hot_cells(share):
    """policy.hotspot_share (issue 21): that share of the patrol legs goes to
    the hot cells, the rest at random, so presence there (patrol minutes in the
    treated cells, the same cells for every arm) grows with the share, from
    random patrol's to the whole hotspot policy's."""
    def treated(*overrides):
        s = results(simulate(config("sim.days=7", *overrides)))[0]
        return s["patrol_minutes_treated"] / s["patrol_minutes"]

    random_share = treated("policy=random_patrol")
    dosed = treated("policy=hotspot", f"policy.hotspot_share={share}")
    full = treated("policy=hotspot")
    assert random_share < full
    expected = random_share + share * (full - random_share)  # a mixture of the two policies' legs
    assert dosed == pytest.approx(expected, abs=0.02 + 0.25 * share * (full - random_share))
    with pytest.raises(ConfigError, match="hotspot_share"):
        config("policy=hotspot", "policy.hotspot_share=0")
