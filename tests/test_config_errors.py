"""Bad input fails before the run: one line naming key, value and what is
allowed; exit code 2; no summary.json (nor any run folder)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BAD = [
    (["district=atlantis"], "district='atlantis'", "allowed: city, rural_mountain, urban_core"),
    (["staffing=huge"], "staffing='huge'", "allowed:"),
    (["policy=teleport"], "policy='teleport'", "allowed: fixed_post, random_patrol"),
    (["sim.days=-3"], "sim.days=-3", "must be > 0"),
    (["sim.days=abc"], "sim.days='abc'", "float"),
    (["sim.dayz=3"], "sim.dayz=3", "unknown key; allowed: days,"),
    (["colour=red"], "colour='red'", "unknown key"),
    (["seed=-1"], "seed=-1", "must be >= 0"),
    (["staffing.officers=-2"], "staffing.officers=-2", "must be >= 0"),
    (["district.cell_size_m=0"], "district.cell_size_m=0", "must be >= 10"),
    (["calls.emergency.eligible_roles=[volunteer]"], "calls.emergency.eligible_roles",
     "never sent to emergencies"),
    (["calls.theft.report_prob=1.5"], "calls.theft.report_prob=1.5", "must be >= 0 and <= 1"),
    (["staffing.officer_non_community_share=1.2"], "staffing.officer_non_community_share=1.2", "<= 0.95"),
    (["staffing.mode.officer=helicopter"], "staffing.mode.officer='helicopter'", "allowed: foot, ebike, car"),
    (["calls.dispute.hour_profile=lunar"], "calls.dispute.hour_profile='lunar'", "allowed: flat, day"),
    (["sim.warmup_days=10", "sim.days=5"], "sim.warmup_days=10", "must be < sim.days"),
]


@pytest.mark.parametrize("overrides,key,allowed", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_config_is_rejected_with_one_clear_line(tmp_path, overrides, key, allowed):
    run_dir = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", *overrides],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert key in lines[0] and allowed in lines[0], lines[0]
    assert not (run_dir / "summary.json").exists()
    assert not run_dir.exists()


MORE_BAD = [
    (["dispatch=closest"], "dispatch='closest'", "allowed: beat_first, nearest, team"),
    (["+experiment=nonsense"], "experiment='nonsense'", "allowed: hypercube, queueing_check, travel_check"),
    (["+experiment=queueing_check", "queueing.service_dist=weibull"], "queueing.service_dist='weibull'",
     "allowed: lognormal, exponential"),
    (["+experiment=queueing_check", "queueing.arrival_rate_per_hour=[1,x]"], "queueing.arrival_rate_per_hour",
     "number"),
    (["+staffing.oficers=10"], "staffing.oficers=10", "unknown key; allowed: auxiliaries"),
    (["sim.days=nan"], "sim.days=nan", "finite"),
    (["district=rural_mountain", "district.offices=4"], "district.offices=4", "exactly 1 office"),
    (["district.width_m=300", "district.height_m=300"], "district.offices=1", "at least 64 cells"),
    (["staffing.posts_m=[[0,0]]"], "staffing.posts_m", "one [x_m, y_m] per unit"),
]


@pytest.mark.parametrize("overrides,key,allowed", MORE_BAD, ids=[" ".join(b[0]) for b in MORE_BAD])
def test_more_bad_configs(tmp_path, overrides, key, allowed):
    test_bad_config_is_rejected_with_one_clear_line(tmp_path, overrides, key, allowed)


def test_bad_job_in_a_sweep_fails_before_any_folder(tmp_path):
    sweep = tmp_path / "sweep"
    proc = subprocess.run([sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep}",
                           "sim.days=1,-1"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "sim.days=-1" in proc.stderr
    assert not sweep.exists()


def test_every_experiment_composes():
    from sim.compose import group_options, load_config

    for name in group_options("experiment"):
        cfg = load_config([f"+experiment={name}"])
        assert cfg.sim.days > 0
