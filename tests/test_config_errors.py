"""Bad input fails before the run: one line naming key, value and what is
allowed; exit code 2; no summary.json (nor any run folder)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

BAD = [
    (["district=atlantis"], "district='atlantis'", "allowed: city, gis, helsinki, rural_mountain, urban_core"),
    (["staffing=huge"], "staffing='huge'", "allowed:"),
    (["policy=teleport"], "policy='teleport'", "allowed: beat, cameras, elastic, fixed_post"),
    (["sim.days=-3"], "sim.days=-3", "must be >= 0.0416667"),
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
    (["dispatch=closest"], "dispatch='closest'", "allowed: beat_first, nearest, nearest_any, office_first, team"),
    (["+experiment=nonsense"], "experiment='nonsense'", "allowed: community_levers, displacement, hot_spots"),
    (["+experiment=queueing_check", "queueing.service_dist=weibull"], "queueing.service_dist='weibull'",
     "allowed: lognormal, exponential"),
    (["+experiment=queueing_check", "queueing.arrival_rate_per_hour=[1,x]"], "queueing.arrival_rate_per_hour",
     "number"),
    (["+staffing.oficers=10"], "staffing.oficers=10", "unknown key; allowed: auxiliaries"),
    (["sim.days=nan"], "sim.days=nan", "finite"),
    (["district=rural_mountain", "district.offices=4"], "district.offices=4", "exactly 1 office"),
    (["district.width_m=300", "district.height_m=300"], "district.offices=1", "at least 64 cells"),
    (["staffing.posts_m=[[0,0]]"], "staffing.posts_m", "one [x_m, y_m] per unit"),
    (["staffing.mix=1+5", "staffing.mix_headcount=6"], "staffing.mix='1+5'", "officer+auxiliary+volunteer"),
    (["staffing.mix=3+5+4"], "staffing.mix='3+5+4'", "exactly one of staffing.mix_headcount"),
    (["staffing.mix=3+5+4", "staffing.mix_budget_kyuan_per_year=-5"], "staffing.mix_budget_kyuan_per_year=-5",
     "must be > 0"),
    (["replicate=-1"], "replicate=-1", "must be >= 0"),
    (["scale.call_rate_factor=0"], "scale.call_rate_factor=0", "must be > 0"),
    (["+scale.call_rate=2"], "scale.call_rate=2", "unknown key; allowed: call_rate_factor"),
    (["community.weight_courtesy=0.9"], "community.weight_courtesy=0.9", "must add up to 1"),
    (["community.mediation.method=shout"], "community.mediation.method='shout'", "allowed: five_step, quick"),
    (["window.close_h=8"], "window.close_h=8", "must be > window.open_h"),
    (["window.clerks_per_office=0"], "window.clerks_per_office=0", "at least 1 clerk"),
    (["workforce.new_staff_efficiency=0"], "workforce.new_staff_efficiency=0", "must be > 0"),
    (["kpi.weights.innovation=0.5"], "kpi.weights", "must add up to 1"),
    (["lever=more_cake"], "lever='more_cake'", "allowed: default, no_visits, visits"),
]


@pytest.mark.slow  # the same check as above for more inputs; the fast tier stays under 3 min (README "Tests")
@pytest.mark.parametrize("overrides,key,allowed", MORE_BAD, ids=[" ".join(b[0]) for b in MORE_BAD])
def test_more_bad_configs(tmp_path, overrides, key, allowed):
    test_bad_config_is_rejected_with_one_clear_line(tmp_path, overrides, key, allowed)


BAD_SWEEPS = [
    (["sim.days=1,-1"], "sim.days=-1"),
    (["+experiment=staffing_sweep", "staffing.mix_headcount=0"], "staffing.mix_headcount=0"),
    (["+experiment=policy_compare", "replicate=range(-2,1)"], "replicate=-2"),
    (["+experiment=staffing_sweep", "staffing.mix=3+5+4,2+2"], "staffing.mix='2+2'"),
    (["+experiment=sensitivity", "policy=fixed_post,random_patrol"], "hydra/sweeper='morris'"),
    (["+experiment=sensitivity", "scale.call_rate_factor=1.2"], "scale.call_rate_factor"),
    (["+experiment=sensitivity", "hydra.sweeper.trajectories=0"], "hydra.sweeper.params"),
    (["+experiment=staffing_sweep", "++staffing.mix=1+8+0"], "staffing.mix"),
    (["policy=fixed_post,fixed_post"], "share this folder"),
    (["sim.dayz=1,2"], "sim.dayz"),
    (["policy=fixed_post,random_patrol", "hydra/launcher=nope"], "hydra/launcher"),
    (["policy=fixed_post,random_patrol", "hydra.sweep.subdir=x"], "hydra.sweep.subdir"),
]


@pytest.mark.parametrize("overrides,key", BAD_SWEEPS, ids=[" ".join(b[0]) for b in BAD_SWEEPS])
@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_bad_job_in_a_sweep_fails_before_any_folder(tmp_path, overrides, key):
    """Every job of a sweep is checked before Hydra starts: one line, exit 2,
    no sweep folder."""
    sweep = tmp_path / "sweep"
    proc = subprocess.run([sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={sweep}", *overrides],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("config error: ") and key in lines[0], lines[0]
    assert not sweep.exists()


@pytest.mark.slow  # the fast tier stays under 3 min (README "Tests")
def test_every_experiment_composes():
    from sim.compose.conf_files import group_options
    from sim.compose.loader import load_config

    for name in group_options("experiment"):
        cfg = load_config([f"+experiment={name}"])
        assert cfg.sim.days > 0
