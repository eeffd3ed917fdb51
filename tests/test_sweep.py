"""Sweeps (issue 4): one command, resume after SIGKILL, failures that do not stop
the others, common random numbers across configurations, and the Ray and
submitit launchers running the same jobs as the local one."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim.compare.collect import collect
from sim.compose.loader import load_config, load_configs, sweep_plan
from sim.config import ConfigError
from sim.run import run_scenario
from sim.study.sweep import DONE, FAILED, Sweep, default_sweep_dir, job_dirname

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_DEDUP_LOGS": "0", "PYTHONUNBUFFERED": "1"}


def sim_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim", "-m", *args]


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(sim_cmd(*args), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def done_jobs(root: Path) -> dict[str, str]:
    """job folder -> its DONE marker's text."""
    return {p.parent.name: p.read_text() for p in root.glob(f"*/{DONE}")}


def wait_for(predicate, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_sweep_plan_expands_like_hydra():
    plan = sweep_plan(["+experiment=staffing_sweep", "policy=fixed_post,random_patrol"])
    assert len(plan.jobs) == 2 * 3 * 10
    dirs = {job_dirname(j) for j in plan.jobs}
    assert len(dirs) == 60  # one folder per job
    assert "policy=random_patrol,replicate=7,staffing.mix=1+8+0" in dirs
    # glob(*) in policy_compare lists every deployment policy the model has
    policies = {j[0] for j in sweep_plan(["+experiment=policy_compare"]).jobs}
    assert policies == {f"policy={p.stem}" for p in (ROOT / "conf" / "policy").glob("*.yaml")}


def test_sweep_folder_follows_the_command_not_the_launcher():
    a = default_sweep_dir(["+experiment=policy_compare", "sim.days=2"])
    assert a == default_sweep_dir(["sim.days=2", "+experiment=policy_compare", "hydra/launcher=ray"])
    assert a != default_sweep_dir(["+experiment=policy_compare", "sim.days=3"])
    assert a != default_sweep_dir(["+experiment=policy_compare", "sim.days=2", "hydra.sweeper.params.x=1"])
    assert a.name.startswith("policy_compare-")


@pytest.mark.slow
def test_killed_sweep_resumes_with_exactly_one_result_per_job(tmp_path):
    """The done-when of issue 4: 2 policies x 3 ratios x 10 replications with
    one command; SIGKILL half-way; the same command finishes the rest."""
    root = tmp_path / "sweep"
    args = ["+experiment=staffing_sweep", "policy=fixed_post,random_patrol", "sim.days=0.25",
            "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={root}"]
    proc = subprocess.Popen(sim_cmd(*args), cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_for(lambda: len(done_jobs(root)) >= 15, 300), "sweep made no progress"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher and every worker, mid-write
        proc.wait()
    before = done_jobs(root)
    assert 15 <= len(before) < 60
    stamps = {name: (root / name / DONE).stat().st_mtime_ns for name in before}

    second = run(*args)
    assert second.returncode == 0, second.stderr[-2000:]
    after = done_jobs(root)
    assert len(after) == 60
    assert f"({60 - len(before)} this run, {len(before)} before)" in second.stderr
    for name in before:  # finished jobs were skipped, not run again
        assert after[name] == before[name]
        assert (root / name / DONE).stat().st_mtime_ns == stamps[name]
    job_dirs = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(job_dirs) == 60  # no duplicates, no strays
    for d in job_dirs:
        summary = json.loads((d / "summary.json").read_text())
        assert summary["calls_total"] == pq.read_metadata(d / "calls.parquet").num_rows
        assert not list(d.glob(".*.tmp*"))  # no half-written files left behind
    manifest = json.loads((root / "sweep.json").read_text())
    assert manifest["jobs_total"] == 60 and len(manifest["invocations"]) == 2
    assert {j["dir"] for j in manifest["jobs"]} == {d.name for d in job_dirs}
    assert manifest["invocations"][-1]["done"] == 60
    seeds = {j["replicate"]: j["root_seed"] for j in manifest["jobs"]}
    assert len(set(seeds.values())) == 10 and seeds[0] == 0  # one root seed per replicate, shared by configs
    assert {(j["replicate"], j["root_seed"]) for j in manifest["jobs"]} == set(seeds.items())

    # sim.compare.collect reads exactly these 60 runs, not a folder another sweep left here
    shutil.copytree(job_dirs[0], root / "policy=other,replicate=0")
    runs = collect(root)
    assert len(runs) == 60 and runs["job"].is_unique
    assert set(runs.groupby(["policy", "staffing.mix"]).size()) == {10}


def _background(job: Path):
    calls = pq.read_table(job / "calls.parquet")
    bg = calls.filter(pc.equal(calls["source"], "background"))
    return bg.select(["t_arrival_min", "type", "x_m", "y_m", "caller_id"])


@pytest.mark.slow
def test_failed_job_is_listed_live_does_not_stop_the_others_and_reruns_alone(tmp_path):
    """A 2 x 2 sweep where one job cannot write its output (a folder sits where
    its calls.parquet must go); then the same command after the fix. The
    finished outputs also show common random numbers across policies."""
    root = tmp_path / "sweep"
    args = ["policy=fixed_post,random_patrol", "replicate=0,1", "sim.days=1", "sim.plots=false",
            "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={root}"]
    job = "policy={},replicate={},sim.days=1,sim.plots=False"
    bad = job.format("random_patrol", 1)
    blocker = root / bad / "calls.parquet" / "occupied"
    blocker.mkdir(parents=True)
    (root / bad / "manifest.json").write_text('{"program": "community-policing-sim"}')  # an earlier run's folder
    first = run(*args)
    assert first.returncode == 1
    lines = first.stderr.splitlines()
    failed = [i for i, line in enumerate(lines) if f"FAILED {bad}:" in line]
    tally = next(i for i, line in enumerate(lines) if line.startswith(f"sweep {root}:"))
    assert failed and failed[0] < tally  # printed live, before the final tally
    assert any(i > tally for i in failed)  # and listed again at the end
    assert "3 of 4 jobs done" in lines[tally] and "1 failed" in lines[tally]
    record = json.loads((root / bad / FAILED).read_text())
    assert "Error" in record["error"] and "Traceback" in record["traceback"]
    assert len(done_jobs(root)) == 3

    blocker.rmdir()
    blocker.parent.rmdir()
    second = run(*args)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "4 of 4 jobs done (1 this run, 3 before)" in second.stderr
    assert "FAILED" not in second.stderr  # the earlier failure is not reported as this run's
    assert not (root / bad / FAILED).exists() and (root / bad / DONE).exists()
    assert not list((root / bad).glob(".*.tmp*"))

    # common random numbers: replicate k sees the same calls in every policy
    for k in (0, 1):
        fixed, patrol = (_background(root / job.format(p, k)) for p in ("fixed_post", "random_patrol"))
        assert fixed.num_rows > 5 and fixed.equals(patrol)
    assert not _background(root / job.format("fixed_post", 0)).equals(_background(root / job.format("fixed_post", 1)))


@pytest.mark.parametrize("launcher", [
    ["hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2", "+hydra.launcher.ray.init.include_dashboard=false"],
    ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"],
], ids=["ray", "submitit_local"])
@pytest.mark.cluster
def test_cluster_launchers_run_the_same_jobs(tmp_path, launcher):
    """Ray (a local cluster the launcher starts) and submitit's local mode (the
    SLURM launcher without SLURM) run the sweep; each job's results are
    byte-identical to the same run made in this process."""
    args = ["policy=fixed_post,random_patrol", "sim.days=0.5", "sim.plots=false"]
    remote = run(*args, *launcher, f"hydra.sweep.dir={tmp_path / 'remote'}")
    assert remote.returncode == 0, remote.stderr[-3000:]
    assert "2 of 2 jobs done" in remote.stderr
    for policy in ("fixed_post", "random_patrol"):
        job = [f"policy={policy}", "sim.days=0.5", "sim.plots=false"]
        run_scenario(load_config(job), tmp_path / policy, job)
        done = tmp_path / "remote" / f"policy={policy},sim.days=0.5,sim.plots=False"
        assert (done / DONE).exists()
        assert (done / "calls.parquet").read_bytes() == (tmp_path / policy / "calls.parquet").read_bytes()
    manifest = json.loads((tmp_path / "remote" / "sweep.json").read_text())
    assert manifest["invocations"][-1]["launcher"].split(".")[1] in {"hydra_ray_launcher", "hydra_submitit_launcher"}


def test_job_folders_must_be_distinct_nonempty_and_short(tmp_path):
    with pytest.raises(ConfigError, match="share this folder"):
        Sweep(tmp_path, [["policy=fixed_post"], ["policy=fixed_post"]], [None, None])
    with pytest.raises(ConfigError, match="at least one override"):
        Sweep(tmp_path, [["+experiment=policy_compare"]], [None])
    with pytest.raises(ConfigError, match="limit 255"):
        Sweep(tmp_path, [[f"sim.days={'1' * 300}"]], [None])


def test_cached_composition_equals_hydra_for_every_job():
    """load_configs shares one composition between jobs; each job's config must
    still equal what Hydra composes for it alone, dict values and order included."""
    jobs = [["staffing.mode={officer:foot}"], ["seed=1"], ["+experiment=staffing_sweep", "staffing.mix=1+8+0"],
            ["+experiment=staffing_sweep", "replicate=3"], ["calls.emergency={rate_per_1000_per_year:99}"],
            ["seed=2", "sim.days=3"]]
    assert load_configs(jobs) == [load_config(j) for j in jobs]


@pytest.mark.slow
def test_a_sweep_started_elsewhere_finds_the_plugin_and_resolves_its_folder(tmp_path):
    """From another working directory, with an interpolation in the sweep folder."""
    args = ["policy=fixed_post,random_patrol", "sim.days=0.1", "sim.plots=false", "hydra.launcher.n_jobs=2",
            f"hydra.sweep.dir={tmp_path}/s-${{now:%Y}}"]
    proc = subprocess.run(sim_cmd(*args), cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (root,) = tmp_path.glob("s-2*")
    assert len(done_jobs(root)) == 2 and (root / "sweep.json").exists()
    again = subprocess.run(sim_cmd(*args), cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "nothing to run" in again.stderr


@pytest.mark.slow
def test_morris_sweep_ranks_the_parameter_that_drives_each_outcome(tmp_path):
    """The sensitivity experiment runs as a sweep (the Morris sweeper, the local
    launcher) and its screening points at the parameter that mechanically
    drives each outcome: call volume follows the call rate, time on scene
    follows the on-scene factor; travel speed cannot change how many calls come."""
    from sim.compare.report import screen_sweep as morris_analysis

    root = tmp_path / "morris"
    proc = run("+experiment=sensitivity", "hydra.sweeper.trajectories=4", "sim.days=3",
               "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={root}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    design = json.loads((root / "morris_design.json").read_text())
    assert len(design["X"]) == 4 * (5 + 1) == len(done_jobs(root))
    table = morris_analysis(root, metrics=["calls_total", "on_scene_mean_min"])
    top = table[table["rank"] == 1].set_index("metric")["parameter"]
    assert top["calls_total"] == "scale.call_rate_factor"
    assert top["on_scene_mean_min"] == "scale.on_scene_time_factor"
    calls = table[table["metric"] == "calls_total"].set_index("parameter")["mu_star"]
    assert calls["scale.travel_speed_factor"] < 0.2 * calls["scale.call_rate_factor"]
