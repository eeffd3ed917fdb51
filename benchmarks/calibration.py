"""Suite 7: calibration throughput (``python -m sim.calibrate``, issue 21) at
1 and 2 worker processes (``calibrate.jobs``).

Each worker count runs the shipped literature targets with a short and a
longer search (``calibrate.trials``), 2 replications per candidate; the slope
between them is the time one candidate costs once start-up (and the final
check of the best candidate) is paid. Parallel efficiency =
time per candidate(1 worker) / (2 x time per candidate(2 workers)).
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


def calibrate_once(workers: int, trials: int, replications: int) -> float:
    folder = Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    try:
        cmd = [sys.executable, "-m", "sim.calibrate", "targets=literature", f"calibrate.trials={trials}",
               f"calibrate.replications={replications}", "calibrate.check_replications=0",
               f"calibrate.jobs={workers}", "calibrate.install=false", f"hydra.run.dir={folder / 'cal'}"]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **SINGLE_THREAD_ENV, PYTHONWARNINGS="ignore"),
                             capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if out.returncode != 0 or not (folder / "cal" / "calibration.json").is_file():
            raise BenchmarkError(f"calibration failed:\n{out.stderr[-3000:]}")
        return wall
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(repeats: int, quick: bool, log=print) -> list[Result]:
    small, large = (1, 2) if quick else (1, 3)
    replications = 1 if quick else 2
    wall: dict[tuple[int, int], float] = {}
    for workers in (1, 2):
        for trials in (small, large):
            wall[workers, trials] = median(calibrate_once(workers, trials, replications) for _ in range(repeats))
            log(f"calibration: {workers} worker(s), {trials} candidate(s): {wall[workers, trials]:.1f} s")
    per_candidate = {w: (wall[w, large] - wall[w, small]) / (large - small) for w in (1, 2)}
    efficiency = per_candidate[1] / (2 * per_candidate[2])
    detail = {"targets": "literature (7 targets, 12 arms)", "replications per candidate": replications,
              "s per candidate, 1 worker": per_candidate[1], "s per candidate, 2 workers": per_candidate[2],
              f"wall of {large} candidates s, 1 / 2 workers": f"{wall[1, large]:.1f} / {wall[2, large]:.1f}"}
    suite = "calibration throughput (python -m sim.calibrate)"
    return [Result(suite, f"literature targets, {replications} replications", "parallel efficiency, 2 workers",
                   100 * efficiency, "%", 80.0, better="higher", detail=detail),
            Result(suite, f"literature targets, {replications} replications, 2 workers", "seconds per candidate",
                   per_candidate[2], "s")]
