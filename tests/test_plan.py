"""The staffing-gap planner (sim/plan): against Erlang C, monotone, and its outputs."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.plan.analytic import erlang_c, manhattan_nearest_within, people_for, smallest_servers, wait_within
from sim.plan.costs import COST_PARTS
from sim.plan.demand import block_label, block_of, office_demand
from sim.plan.evaluate import Candidate, candidate_config, minutes_in_block
from sim.plan.runner import Runner
from sim.plan.search import Planner
from tests.conftest import config

REPO = Path(__file__).resolve().parent.parent
QUICK = ("plan.days=14", "plan.warmup_days=1", "plan.replications_min=3", "plan.replications_max=5",
         "plan.jobs=1", "plan.curve=false")


def queue_cfg(lam_h: float, service_min: float, within_min: float, share: float, *extra: str):
    """The queueing-only district: Poisson calls, identical officers, no travel."""
    return config("+experiment=queueing_check", f"queueing.arrival_rate_per_hour={lam_h}",
                  f"queueing.service_mean_min={service_min}", f"target.p1_within_min={within_min}",
                  f"target.p1_share={share}", "target.saturation_max=null", "target.window_wait_p90_min=null",
                  *QUICK, *extra)


def plan(cfg, start_officers: int | None = None):
    demand, facts, _ = office_demand(cfg)
    planner = Planner(cfg, demand, facts, Runner(cfg), log=lambda _: None)
    blocks = len(cfg.plan.shift_starts_h)
    start = None if start_officers is None else Candidate((tuple((start_officers, 0) for _ in range(blocks)),),
                                                          cfg.window.clerks_per_office, (0,))
    return planner.run((0,) * facts["offices"], start=start)


# --- the analytic part against published values ---------------------------------

def test_a_handful_of_perfect_calls_does_not_show_ninety_percent():
    """Every replication at 100% has no spread; the exact binomial bound still
    says 8 calls out of 8 cannot show 90% at 90% confidence, and 30 can."""
    from sim.plan.evaluate import MET, UNDECIDED, ratio_estimate, verdict

    few = ratio_estimate(np.array([2, 1, 3, 2]), np.array([2, 1, 3, 2]), 0.9, counts=True)
    assert few.bound_low == pytest.approx(0.1 ** (1 / 8))
    assert verdict(few, 0.9, at_least=True) == UNDECIDED
    many = ratio_estimate(np.array([8, 7, 8, 7]), np.array([8, 7, 8, 7]), 0.9, counts=True)
    assert verdict(many, 0.9, at_least=True) == MET


def test_erlang_c_matches_validation_table():
    # VALIDATION.md: M/M/2 lambda 2, mu 3 -> P(wait) 0.16667; M/M/10 lambda 8, mu 1 -> 0.40918
    assert erlang_c(2, 2 / 3) == pytest.approx(0.16667, abs=1e-5)
    assert erlang_c(10, 8.0) == pytest.approx(0.40918, abs=1e-5)
    assert erlang_c(1, 2 / 3) == pytest.approx(2 / 3)
    assert erlang_c(3, 3.0) == 1.0  # unstable: everyone waits
    assert erlang_c(200, 150.0) < 1e-3  # no overflow at large c


def test_smallest_servers_is_the_first_c_meeting_the_wait_target():
    lam, mu = 6 / 60, 1 / 20
    c = smallest_servers(lam, mu, 3.0, 0.9)
    assert wait_within(c, lam, mu, 3.0) >= 0.9 > wait_within(c - 1, lam, mu, 3.0)
    assert smallest_servers(lam, mu, 3.0, 0.9, rho_max=0.3) == math.ceil(lam / mu / 0.3)


def test_square_root_law_and_workload_helpers():
    # mean of the Poisson-scatter nearest distance: integral of exp(-2 N r^2 / A) = sqrt(pi A / (8 N))
    area, n = 4e6, 9
    r = np.linspace(0, 5000, 50001)
    mean = np.trapezoid([1 - manhattan_nearest_within(n, x, area) for x in r], r)
    assert mean == pytest.approx(math.sqrt(math.pi / 8) * math.sqrt(area / n), rel=1e-3)  # 0.6267 sqrt(A/N)
    assert people_for(168.0, 4.85) == pytest.approx(4.85)  # one post round the clock


def test_minutes_in_block_splits_intervals_by_clock_window():
    assert minutes_in_block(0.0, 1440.0, 480.0, 960.0) == pytest.approx(480.0)
    assert minutes_in_block(900.0, 1500.0, 480.0, 960.0) == pytest.approx(60.0)
    assert minutes_in_block(1400.0, 1440.0 + 500.0, 0.0, 480.0) == pytest.approx(480.0)
    # a night shift 23-07 wraps past midnight
    assert minutes_in_block(0.0, 2 * 1440.0, 23 * 60.0, 31 * 60.0) == pytest.approx(2 * 480.0)
    assert minutes_in_block(22 * 60.0, 24 * 60.0 + 60.0, 23 * 60.0, 31 * 60.0) == pytest.approx(120.0)


def test_shift_blocks_may_start_at_any_hour():
    starts, hours = [7, 15, 23], 8.0
    t = np.array([7, 14.99, 15, 22.99, 23, 0, 6.99]) * 60.0 + 1440.0
    assert block_of(t, starts, hours).tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert block_label(23, hours) == "23-07"


# --- candidates become exactly the rosters they describe ----------------------------

def test_candidate_puts_the_planned_posts_on_duty_office_by_office():
    from sim.model import CommunityPolicingModel

    cfg = config("district.offices=2", "staffing.officer_non_community_share=0", "sim.days=3", *QUICK)
    posts = (((1, 2), (3, 0), (2, 4)), ((2, 1), (1, 1), (4, 0)))
    model = CommunityPolicingModel(candidate_config(cfg, Candidate(posts, 1, (0, 3)), 0))
    roles, office = np.asarray(model.fleet.role_name), model.fleet.office
    for t in np.arange(60.0, model.horizon_min, 240.0):
        b = int((t % 1440) // 480)
        on = np.array([any(a <= t < e for a, e in d) for d in model.staffing.duty_intervals])
        for o in range(2):
            assert (on & (roles == "officer") & (office == o)).sum() == posts[o][b][0]
            assert (on & (roles == "auxiliary") & (office == o)).sum() == posts[o][b][1]
    assert ((roles == "volunteer") & (office == 1)).sum() == 3


# --- the planner against Erlang C -----------------------------------------------------

ERLANG_CASES = [  # (calls/h, service min, wait target min, share); Erlang C clears or misses by >= 0.025
    (6.0, 20.0, 3.0, 0.9),  # c* = 5: P(Wq <= 3) 0.871 at 4, 0.962 at 5
    (2.0, 20.0, 3.0, 0.9),  # c* = 3: 0.864 / 0.977
    (4.0, 30.0, 1.0, 0.8),  # c* = 4: 0.570 / 0.837
    (3.0, 40.0, 10.0, 0.8),  # c* = 4: 0.654 / 0.895
]


@pytest.mark.parametrize("lam,service,within,share", ERLANG_CASES)
def test_planner_answer_is_the_smallest_c_erlang_c_allows(lam, service, within, share):
    c_star = smallest_servers(lam / 60, 1 / service, within, share)
    lo, hi = wait_within(c_star - 1, lam / 60, 1 / service, within), wait_within(c_star, lam / 60, 1 / service, within)
    assert lo <= share - 0.025 and hi >= share + 0.025  # a case simulation can decide
    result = plan(queue_cfg(lam, service, within, share))
    assert [o for o, _ in result.best.posts[0]] == [c_star] * 3
    assert all(a == 0 for _, a in result.best.posts[0])  # auxiliaries may not take these calls


@pytest.mark.parametrize("start", [+2, -2])
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_simulation_refines_a_wrong_start_to_the_erlang_answer(start):
    """Started away from the analytic answer, the simulated search still lands on it."""
    c_star = smallest_servers(6 / 60, 1 / 20, 3.0, 0.9)
    result = plan(queue_cfg(6.0, 20.0, 3.0, 0.9), start_officers=c_star + start)
    assert [o for o, _ in result.best.posts[0]] == [c_star] * 3


# --- optional district-wide floors ---------------------------------------------------------

class _FloorRunner:
    """Stands in for the simulation: the crime floor is met from 6 volunteers
    or 2 auxiliaries per shift on, whatever else the candidate has."""

    def decide(self, cands, full=False, at_once=frozenset()):
        return [_FloorEvaluation(c) for c in cands]


class _FloorEvaluation:
    def __init__(self, cand):
        self.cand, self.reps = cand, []

    def global_verdicts(self, cfg):
        from sim.plan.evaluate import MET, MISSED

        enough = self.cand.volunteers[0] >= 6 or all(a >= 2 for _, a in self.cand.posts[0])
        return {"crimes": MET if enough else MISSED}


@pytest.mark.parametrize("patrol_roles,expected", [
    ("[auxiliary,volunteer]", 6),  # volunteers first: cheap, and they patrol
    ("[auxiliary]", 2),  # volunteers do not patrol: one more auxiliary per shift until met
])
def test_floors_add_volunteers_first_then_auxiliaries(patrol_roles, expected):
    cfg = config("target.crimes_per_1000_max=10", f"policy.patrol_roles={patrol_roles}", *QUICK)
    demand, facts, _ = office_demand(cfg)
    planner = Planner(cfg, demand, facts, _FloorRunner(), log=lambda _: None)
    start = Candidate((((1, 0), (1, 0), (1, 0)),), 1, (4,))
    cand, _ = planner._floors(start, _FloorEvaluation(start))
    if patrol_roles == "[auxiliary]":
        assert cand.volunteers == (4,) and all(a == expected for _, a in cand.posts[0])
    else:
        assert cand.volunteers == (expected,) and cand.posts == start.posts


# --- monotone in demand and in the target ------------------------------------------------

def _officers(cfg) -> int:
    return sum(o for o, _ in plan(cfg).best.posts[0])


@pytest.mark.slow
def test_more_demand_never_needs_fewer_officers():
    need = [_officers(queue_cfg(lam, 20.0, 3.0, 0.9)) for lam in (2.0, 6.0, 12.0)]
    assert need == sorted(need) and need[0] < need[-1]


@pytest.mark.slow
def test_a_higher_target_never_needs_fewer_officers():
    """Around the 6 calls/h, 90%-within-3-min case: a lower share or a longer
    time never needs more, a higher share or a shorter time never fewer."""
    base = _officers(queue_cfg(6.0, 20.0, 3.0, 0.9))
    assert _officers(queue_cfg(6.0, 20.0, 3.0, 0.6)) <= base <= _officers(queue_cfg(6.0, 20.0, 3.0, 0.99))
    assert _officers(queue_cfg(6.0, 20.0, 15.0, 0.9)) <= base <= _officers(queue_cfg(6.0, 20.0, 0.5, 0.9))


@pytest.mark.slow
def test_full_model_more_demand_never_needs_fewer_staff():
    """The whole model (travel, shifts, officers pulled away), two offices: three
    times the calls never needs fewer staff in either office, and, with a
    saturation cap that binds, costs more.
    (Single shifts may trade places: quiet shifts have few calls to show a
    target with confidence, so a plan may carry a unit there that more data
    would not need.)"""
    base = ("district.offices=2", "target.p1_within_min=15", "target.saturation_max=0.25",
            "target.window_wait_p90_min=null", "window.enabled=false", *QUICK)
    need = []
    for factor in (1.0, 3.0):
        best = plan(config(*base, f"scale.call_rate_factor={factor}")).best
        need.append([pair for row in best.posts for pair in row])
    cost = [sum(150 * o + 60 * a for o, a in row) for row in need]
    assert cost[1] > cost[0], need
    per_office = [[sum(o + a for o, a in row[k:k + 3]) for k in (0, 3)] for row in need]
    assert all(hi >= lo for lo, hi in zip(*per_office)), need


# --- the command: files, keys, consistency ------------------------------------------------

def check_keys(out: Path, p: dict) -> None:
    """The keys outside checks use, and their arithmetic."""
    for key in ("required", "current", "gap", "required_by_shift", "ministry_norm_officers", "targets_met",
                "attainment", "annual_cost", "building_cost", "tiers", "today_tiers"):
        assert key in p
    assert p["tier"] == "office" and p["response_tiers"] == "office_station"  # planned given the station's backup
    for tiers in (p["tiers"], p["today_tiers"]):
        assert sum(tiers["tier_shares"][t]["estimate"] for t in ("office", "station", "rapid")) == pytest.approx(1.0)
        assert tiers["p1_office_alone_share"]["estimate"] + tiers["p1_station_carries_share"]["estimate"] \
            == pytest.approx(tiers["p1_within_target_share"]["estimate"], abs=2e-4)
    for key in ("required", "current", "gap"):
        assert set(p[key]) == {"officers", "auxiliaries", "volunteers"}
    assert all(p["gap"][r] == p["required"][r] - p["current"][r] for r in p["gap"])
    assert p["ministry_norm_officers"] == math.ceil(30000 / 3000)
    assert p["current"] == {"officers": 3, "auxiliaries": 5 + 1, "volunteers": 4}  # 1+5+2+4 plus the clerk
    assert 1.0 < p["attainment"]["crimes_per_1000_per_year"]["estimate"] < 200.0  # DOMAIN-scale crime
    assert 0.5 < p["attainment"]["satisfaction"]["estimate"] <= 1.0
    for est in p["attainment"].values():
        if est is not None:
            lo, hi = est["ci95"]
            assert lo <= est["estimate"] <= hi
    for name in ("plan.md", "staffing_curve.png", "gap.png", "DONE"):
        assert (out / name).stat().st_size > 0


def check_headcount(p: dict) -> None:
    rows = p["required_by_shift"]
    officer_posts = sum(r["officers"] for r in rows) * 8 / 24
    assert p["required"]["officers"] == math.ceil(officer_posts * p["relief_factor"]["officer"] - 1e-9)
    assert p["required"]["officers"] >= len(rows)  # at least one officer on every shift, and relief on top
    assert all(r["officers"] >= 1 for r in rows)
    cost = p["annual_cost"]  # as summary.json counts it (sim.output.kpi.cost_summary; tests/test_plan_tiers.py)
    assert cost["total_kyuan"] == pytest.approx(sum(cost[k] for k in COST_PARTS), abs=0.5)
    assert cost["per_resident_yuan"] == pytest.approx(cost["total_kyuan"] * 1000 / 30000, abs=0.01)
    assert cost["tiers"] == p["current_annual_cost"]["tiers"] > 0  # the station's share: the same backup
    assert p["building_cost"]["total_kyuan"] == 0.0  # no office to build (plan.new_offices=0)


def check_out_of_reach(p: dict) -> None:
    """urban_core's staff wait at the office: most priority-1 calls are farther
    than 3 minutes away whatever the headcount, and the plan says so."""
    assert p["targets_met"] is False
    assert len(p["unreachable"]) == 3
    assert all("within reach of the office" in u["why"] for u in p["unreachable"])
    share = p["attainment"]["p1_within_3min_share"]
    assert share["ci95"][1] < 0.9
    for r in p["required_by_shift"]:  # planned for what staffing controls: a free unit at once
        assert r["targets_met"] and r["p1_unit_free_at_once"]["estimate"] >= 0.9 - 1e-9


def check_curve(p: dict) -> None:
    pts = sorted(p["curve"], key=lambda c: c["officers"] + c["auxiliaries"])
    assert len(pts) >= 4 and sum(c["is_plan"] for c in pts) == 1
    sat = [c["saturation_worst_shift"]["estimate"] for c in pts]
    assert sat[0] > sat[-1]  # more staff, less of their time committed


@pytest.mark.slow
def test_urban_core_plan(tmp_path):
    """One planner run of urban_core as a user starts it (one test: the run is the cost)."""
    out = tmp_path / "urban"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", *QUICK, "plan.curve=true", f"hydra.run.dir={out}"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    p = json.loads((out / "plan.json").read_text())
    check_keys(out, p)
    check_headcount(p)
    check_out_of_reach(p)
    check_curve(p)


@pytest.mark.parametrize("override,needle", [
    ("target.p1_share=1.5", "target.p1_share=1.5: must be"),
    ("plan.shift_starts_h=[0,7,16]", "plan.shift_starts_h=[0, 7, 16]: needs equal shifts"),
    ("plan.relief_factor.officer=0.5", "plan.relief_factor.officer=0.5: must be >= 1"),
    ("target.p1_within=3", "target.p1_within=3: unknown key"),
    ("plan.officers_min_per_shift=40", "plan.officers_min_per_shift=40: must be <= plan.max_units_per_shift"),
    ("policy=elastic", "policy.name='elastic': the planner sets every shift itself"),
    ("+exercise=festival_night", "exercise='festival_night': the planner sizes staffing for everyday demand"),
    ("+experiment=queueing_check", "queueing.enabled=True: the planner plans a district"),
    ("plan.tier=county", "plan.tier='county': allowed"),
    ("plan.new_offices=2", "plan.new_offices=2: must be <= the district's offices (1)"),
])
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_bad_plan_config_fails_in_one_line_before_any_folder(tmp_path, override, needle):
    out = tmp_path / "plan"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", override, f"hydra.run.dir={out}"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not out.exists()
