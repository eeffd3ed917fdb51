"""The planner sees the tiers (issue 19): the office planned given the station's
backup, the priority-1 target split by who met it, the station's cars planned
(plan.tier=station), and costs as the run's summary counts them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.output.kpi import cost_summary
from sim.plan.costs import COST_PARTS, annual_cost, building_cost, station_cars_cost
from sim.plan.demand import office_demand
from sim.plan.evaluate import OK, Evaluation, as_configured, measure
from sim.plan.pipeline import run_plan, today
from sim.plan.runner import Runner
from sim.plan.search import Planner

pytestmark = pytest.mark.slow  # planner searches (40 s together): the full suite, not the fast tier
from sim.plan.station import StationSearch, named_verdicts, station_runner
from sim.plan.tiers import tier_estimates
from tests.conftest import config

REPO = Path(__file__).resolve().parent.parent
QUICK = ("plan.days=14", "plan.warmup_days=1", "plan.replications_min=3", "plan.replications_max=5",
         "plan.jobs=1", "plan.curve=false")


def evaluation(*overrides: str, reps: int = 3) -> Evaluation:
    cfg = config(*QUICK, *overrides)
    return cfg, Evaluation(None, [measure(as_configured(cfg, k)) for k in range(reps)])


# --- who reached priority-1 calls in time --------------------------------------------

def test_office_alone_and_station_shares_add_up_to_the_share_in_time():
    cfg, ev = evaluation()
    e = tier_estimates(cfg, ev)
    overall = ev.overall(cfg)["p1"].estimate
    assert e["p1_all"].estimate == pytest.approx(overall, abs=1e-12)
    assert e["p1_office"].estimate + e["p1_beyond"].estimate == pytest.approx(overall, abs=1e-12)
    assert e["p1_beyond"].estimate == pytest.approx(e["p1_station"].estimate + e["p1_rapid"].estimate, abs=1e-12)
    assert e["p1_office"].estimate > 0.1 and e["p1_beyond"].estimate > 0.0  # both tiers reach some in time
    shares = [e[f"share_{t}"].estimate for t in ("office", "station", "rapid")]
    assert sum(shares) == pytest.approx(1.0) and shares[1] > 0.0 and shares[2] == 0.0  # no rapid tier by default
    assert np.isfinite(e["station_own_response"].estimate)


def test_the_office_alone_has_no_station_share():
    cfg, ev = evaluation("response.tiers=office")
    e = tier_estimates(cfg, ev)
    assert e["p1_beyond"].estimate == 0.0 and e["share_office"].estimate == 1.0
    assert e["p1_office"].estimate == pytest.approx(ev.overall(cfg)["p1"].estimate)
    assert e["station_own_response"] is None  # no station, none of its own calls


def test_station_and_rapid_units_are_never_counted_as_office_staff():
    """Saturation's busy and staffed minutes are the office's officers' and
    auxiliaries' alone (fleet.tier 0), though the station's cars answer calls."""
    from sim.run import simulate

    cfg = as_configured(config(*QUICK, "response.tiers=office_station_rapid"), 0)
    got = measure(cfg)
    model = simulate(cfg)  # the same run again (deterministic): count by hand
    fleet, warm, end = model.fleet, model.warmup_min, model.horizon_min
    staff = np.isin(np.asarray(fleet.role_name), ("officer", "auxiliary"))

    def busy(rows) -> float:
        total = 0.0
        for c in model.calls:
            t0 = max(c.t_arrival if np.isnan(c.t_dispatch) else c.t_dispatch, warm)
            t1 = min(end if np.isnan(c.t_clear) else c.t_clear, end)
            total += sum(max(t1 - t0, 0.0) for u in c.units if u >= 0 and rows[u])
        return total

    office_busy, beyond_busy = busy(staff & (fleet.tier == 0)), busy(staff & (fleet.tier > 0))
    assert beyond_busy > 0.0  # the tiers beyond the office did work ...
    assert got["busy"].sum() == pytest.approx(office_busy, rel=1e-9)  # ... that is not the office's
    staffed = sum(min(e, end) - max(a, warm) for i, spans in enumerate(model.staffing.duty_intervals)
                  if staff[i] and fleet.tier[i] == 0 for a, e in spans if min(e, end) > max(a, warm))
    assert got["staffed"].sum() == pytest.approx(staffed, rel=1e-9)
    district = office_demand(cfg)[2]
    assert today(cfg, district) == today(config(*QUICK, "response.tiers=office"), district)  # headcount: the office's


# --- the office planned given the station's backup -------------------------------------

def _officer_posts(*overrides: str) -> int:
    cfg = config(*QUICK, "plan.days=7", "target.p1_within_min=8", *overrides)
    demand, facts, _ = office_demand(cfg)
    best = Planner(cfg, demand, facts, Runner(cfg), log=lambda _: None).run((4,)).best
    return sum(o for o, _ in best.posts[0])


def test_station_backup_never_raises_the_officers_the_office_needs():
    """Same seeds, same targets (priority-1 within 8 min): with the station
    behind it the office needs fewer officers on duty than alone (measured:
    3 officer posts a day against 5; 3 against 8 at plan.days=14)."""
    alone, backed = _officer_posts("response.tiers=office"), _officer_posts()
    assert backed <= alone
    assert backed < alone, (backed, alone)  # urban_core's station carries what one officer per shift cannot


# --- plan.tier=station -------------------------------------------------------------------

def test_station_plan_is_the_fewest_cars_that_meet_the_targets():
    cfg = config(*QUICK, "plan.tier=station", "plan.max_units_per_shift=6")
    search = StationSearch(cfg, station_runner(cfg), log=lambda _: None)
    result = search.run()
    assert search.meets(result.evaluation)
    assert result.cars >= 1  # no car: the station's own calls wait for its one duty officer
    verdicts = named_verdicts(cfg, result.one_fewer, result.at_once)
    assert not all(v in OK for k, v in verdicts.items() if k not in result.beyond_cars)
    assert all(met == (cars >= result.cars) for cars, met in result.tried.items())  # monotone in what it tried


def test_station_plan_cost_is_cars_people_and_pay():
    cfg = config()
    district = office_demand(cfg)[2]
    c = station_cars_cost(cfg, district, 3)
    assert c["people"] == pytest.approx(3 * 4.7)  # three 8-hour shifts cover the day: people_per_post each
    assert c["kyuan_per_year"] == pytest.approx(3 * 4.7 * 150.0)
    assert station_cars_cost(cfg, district, 0)["kyuan_per_year"] == 0.0


def test_station_plan_is_refused_without_a_station(tmp_path):
    out = tmp_path / "plan"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", "plan.tier=station", "response.tiers=office",
                           f"hydra.run.dir={out}"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "plan.tier='station': response.tiers=office has no station to plan" in lines[0]
    assert not out.exists()


# --- costs -------------------------------------------------------------------------------

@pytest.mark.parametrize("includes", [True, False])
def test_plan_costs_follow_the_summary(includes):
    """A plan's cost is the run summary's (sim.output.kpi.cost_summary), whichever
    way cost.running_includes_staff counts staff pay."""
    cfg = config(f"cost.running_includes_staff={str(includes).lower()}")
    people = {"officers": 5, "auxiliaries": 2, "volunteers": 4, "grid_workers": 2}
    cost = annual_cost(cfg, people, 1, 30000, 120.0)
    ref = cost_summary({"officer": 5, "auxiliary": 2, "volunteer": 4, "grid_worker": 2}, cfg, 1, 30000, 120.0)
    assert cost["total_kyuan"] == pytest.approx(ref["cost_total_kyuan_per_year"], abs=0.05)
    assert cost["officers"] == pytest.approx(ref["cost_officer_kyuan_per_year"], abs=0.05)
    assert cost["total_kyuan"] == pytest.approx(sum(cost[k] for k in COST_PARTS), abs=0.5)
    assert cost["tiers"] == 120.0 and cost["running_includes_staff"] is includes
    assert cost["per_resident_yuan"] == pytest.approx(cost["total_kyuan"] * 1000 / 30000, abs=0.01)
    more = annual_cost(cfg, {**people, "officers": 6}, 1, 30000, 120.0)
    assert more["total_kyuan"] > cost["total_kyuan"]  # one more officer costs more
    team = annual_cost(cfg, {"officers": 3, "auxiliaries": 5, "volunteers": 4, "grid_workers": 2}, 1, 30000, 0.0)
    if includes:  # the running cost already pays for the reference team (seed 003 §5.3)
        assert team["total_kyuan"] == pytest.approx(cfg.kpi.office_running_cost_kyuan_per_year, abs=0.5)
    else:  # everyone's pay on top of it
        pay = cfg.staffing.cost_kyuan_per_year
        staff = sum(n * pay.get(role, 0.0) for role, n in (("officer", 3), ("auxiliary", 5), ("volunteer", 4),
                                                           ("grid_worker", 2)))
        assert team["total_kyuan"] == pytest.approx(cfg.kpi.office_running_cost_kyuan_per_year + staff, abs=0.5)


def test_building_cost_of_new_offices():
    assert building_cost(config())["total_kyuan"] == 0.0  # the planner never adds an office
    b = building_cost(config("plan.new_offices=1", "cost.office_build_kyuan=600"))
    assert b == {"new_offices": 1, "kyuan_per_office": 600.0, "total_kyuan": 600.0, "planner_adds_offices": False}


def test_plan_reports_tiers_and_building_cost(tmp_path):
    """A whole (small) office plan: plan.json's tier figures and the building line of plan.md."""
    cfg = config("plan.days=7", "plan.warmup_days=1", "plan.replications_min=2", "plan.replications_max=2",
                 "plan.jobs=1", "plan.curve=false", "target.p1_within_min=8", "plan.new_offices=1")
    plan = run_plan(cfg, tmp_path / "p", log=lambda _: None)
    saved = json.loads((tmp_path / "p" / "plan.json").read_text())
    assert saved["building_cost"]["total_kyuan"] == 750.0 and saved["tier"] == "office"
    t = plan["tiers"]
    assert t["p1_office_alone_share"]["estimate"] + t["p1_station_carries_share"]["estimate"] == pytest.approx(
        t["p1_within_target_share"]["estimate"], abs=2e-4)  # rounded to 4 places each
    assert t["p1_within_target_share"]["estimate"] == pytest.approx(
        plan["attainment"]["p1_within_8min_share"]["estimate"], abs=1e-9)
    md = (tmp_path / "p" / "plan.md").read_text()
    assert "One-off building cost: new offices 1 x 750 = **750 thousand yuan**" in md
    assert "## Response tiers (`response.tiers=office_station`)" in md
