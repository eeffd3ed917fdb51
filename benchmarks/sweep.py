"""Suite 4: sweep throughput through the real command (``python -m sim -m``,
Hydra's joblib launcher) at 1 and 2 workers.

Each worker count runs a small and a large sweep of the same jobs. The
throughput is the slope between them (extra jobs / extra seconds): what a
long sweep sustains once start-up is paid. Parallel efficiency =
throughput(2 workers) / (2 x throughput(1 worker)); the target applies to it.
The whole-command efficiency of the large sweep, start-up included, and the
start-up itself (the wall time the slope does not explain) are reported too.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT, SINGLE_THREAD_ENV, BenchmarkError, Result, median


def sweep_once(workers: int, jobs: int, days: float) -> float:
    """Wall time of one sweep command (every job must have finished)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        cmd = [sys.executable, "-m", "sim", "-m", f"seed=range(0,{jobs})", f"sim.days={days}",
               f"hydra.launcher.n_jobs={workers}", f"hydra.sweep.dir={folder}"]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **SINGLE_THREAD_ENV),
                             capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if out.returncode != 0:
            raise BenchmarkError(f"sweep failed:\n{out.stderr[-3000:]}")
        done = len(list(folder.glob("*/DONE")))
        if done != jobs:
            raise BenchmarkError(f"sweep finished {done} of {jobs} jobs")
        return wall
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(repeats: int, jobs: int, days: float, log=print) -> list[Result]:
    small = max(2, jobs // 4)
    wall: dict[tuple[int, int], float] = {}
    for workers in (1, 2):
        for size in (small, jobs):
            wall[workers, size] = median(sweep_once(workers, size, days) for _ in range(repeats))
            log(f"sweep: {workers} worker(s), {size} jobs: {wall[workers, size]:.1f} s")
    per_job = {w: (wall[w, jobs] - wall[w, small]) / (jobs - small) for w in (1, 2)}  # marginal s per job
    startup = {w: wall[w, jobs] - jobs * per_job[w] for w in (1, 2)}
    efficiency = per_job[1] / (2 * per_job[2])
    whole = wall[1, jobs] / (2 * wall[2, jobs])
    detail = {"days per job": days, "jobs per min, 1 worker": 60 / per_job[1],
              "jobs per min, 2 workers": 60 / per_job[2],
              "start-up s, 1 worker": startup[1], "start-up s, 2 workers": startup[2],
              f"wall of {jobs} jobs s, 1 / 2 workers": f"{wall[1, jobs]:.1f} / {wall[2, jobs]:.1f}",
              f"wall of {small} jobs s, 1 / 2 workers": f"{wall[1, small]:.1f} / {wall[2, small]:.1f}"}
    suite = "sweep throughput (joblib launcher)"
    return [Result(suite, f"jobs of {days:g} days, {small} -> {jobs} jobs", "parallel efficiency, 2 workers",
                   100 * efficiency, "%", 80.0, better="higher", detail=detail),
            Result(suite, f"one command of {jobs} jobs, start-up included", "parallel efficiency, 2 workers",
                   100 * whole, "%")]
