"""The README's Ray cluster command against a real cluster: a Ray head
started as separate processes on 127.0.0.1 (and stopped by PID), a sweep run
through it, results equal to the same sweep run on this machine (issue 17)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.compose.launchers import RAY_ENV  # the head gets what a sweep's processes get: loopback only, no auth

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parent.parent
RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    from tests.test_safety import _descendants

    return _descendants(pid)


@pytest.fixture(scope="module")
def ray_head():
    """One head for the module's two tests (each its own sweep or calibration, as separate drivers):
    starting and stopping a head costs about 10 s. tests/conftest.py keeps a module on one worker."""
    port = free_port()
    temp = Path(tempfile.mkdtemp(prefix="rh", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    env = {**os.environ, **RAY_ENV}
    head = subprocess.Popen([str(RAY), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                             "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
                             f"--temp-dir={temp}", "--block"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        head.kill()
        pytest.fail("the Ray head did not open its port in 60 s")
    started = descendants(head.pid) | {head.pid}
    try:
        yield f"127.0.0.1:{port}", env
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops everything it started
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(3)
        left = [p for p in started | descendants(head.pid) if Path(f"/proc/{p}").exists()]
        for pid in left:  # Ray's agents can outlive the head: end them by PID (they are ours)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(temp, ignore_errors=True)


def sweep(root: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "-m", "seed=1,2", "policy=fixed_post,random_patrol",
                           "sim.days=2", "sim.plots=false", f"hydra.sweep.dir={root}", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_a_sweep_through_a_real_ray_cluster_equals_the_local_sweep(tmp_path, ray_head):
    address, env = ray_head
    on_ray = sweep(tmp_path / "ray", env, "hydra/launcher=ray", f"hydra.launcher.ray.init.address={address}")
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    assert "4 of 4 jobs done" in on_ray.stderr
    local = sweep(tmp_path / "local", env)
    assert local.returncode == 0, local.stderr[-3000:]
    jobs = sorted(p.name for p in (tmp_path / "local").iterdir() if p.is_dir())
    assert jobs == sorted(p.name for p in (tmp_path / "ray").iterdir() if p.is_dir()) and len(jobs) == 4
    for job in jobs:
        a, b = (json.loads((tmp_path / side / job / "summary.json").read_text()) for side in ("ray", "local"))
        a.pop("wall_seconds"), b.pop("wall_seconds")
        assert a == b, job
        calls = [pq.read_table(tmp_path / side / job / "calls.parquet").to_pandas() for side in ("ray", "local")]
        assert calls[0].equals(calls[1]), job


def test_an_unreachable_cluster_is_one_line(tmp_path):
    proc = sweep(tmp_path / "s", dict(os.environ), "hydra/launcher=ray", "hydra.launcher.ray.init.address=127.0.0.1:1")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "no Ray cluster answers there" in lines[0], proc.stderr
    assert not (tmp_path / "s").exists()


def test_a_calibration_through_a_real_ray_cluster_gives_the_local_result(tmp_path, ray_head):
    """python -m sim.calibrate with the sweeps' Ray launcher choice: the same
    candidates, the same runs, the same distances as worker processes here."""
    from tests.test_calibrate import tiny_problem

    address, env = ray_head
    targets = tiny_problem(tmp_path)
    common = [sys.executable, "-m", "sim.calibrate", f"targets={targets}", "calibrate.trials=2",
              "calibrate.replications=2", "calibrate.check_replications=0", "calibrate.install=false",
              "calibrate.jobs=2"]
    on_ray = subprocess.run([*common, "hydra/launcher=ray", f"hydra.launcher.ray.init.address={address}",
                             f"hydra.run.dir={tmp_path / 'ray'}"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    local = subprocess.run([*common, f"hydra.run.dir={tmp_path / 'local'}"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert local.returncode == 0, local.stderr[-3000:]
    a, b = (pq.read_table(tmp_path / side / "trials.parquet").to_pylist() for side in ("ray", "local"))
    assert [r["objective"] for r in a] == [r["objective"] for r in b]
    ra, rb = (json.loads((tmp_path / side / "calibration.json").read_text()) for side in ("ray", "local"))
    assert ra["best"] == rb["best"] and ra["targets"] == rb["targets"]
