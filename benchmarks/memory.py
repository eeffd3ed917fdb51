"""Suite ``memory``: does a run's memory stay flat as it gets longer?

The whole ``python -m sim`` command (build, run, the records streamed to
Parquet, the summary read back, the figures) for 1 and for 10 simulated years
of ``city``, each in a fresh process; peak memory is that process's
``ru_maxrss`` (interpreter and imports included), read with ``os.wait4`` so
no other child counts. Target (issue 17): 10 years at most 1.2 x one year.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT, SINGLE_THREAD_ENV, BenchmarkError, Result, median

TARGET_RATIO = 1.2  # issue 17


def peak_of_run(days: float, overrides: list[str]) -> tuple[float, float]:
    """(peak MB, wall s) of one ``python -m sim`` run in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "sim", f"sim.days={days}", "sim.progress=false",
                                 f"hydra.run.dir={Path(tmp) / 'run'}", *overrides], cwd=ROOT,
                                env=dict(os.environ, **SINGLE_THREAD_ENV),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise BenchmarkError(f"python -m sim sim.days={days} failed: {proc.stderr.read().decode()[-2000:]}")
        proc.stderr.close()
        return usage.ru_maxrss / 1024.0, wall


def run(repeats: int, years: float, log=print, overrides: list[str] | None = None) -> list[Result]:
    overrides = overrides if overrides is not None else ["district=city"]
    short = [peak_of_run(365.0, overrides) for _ in range(repeats)]
    long = [peak_of_run(365.0 * years, overrides) for _ in range(repeats)]
    one, many = median(p for p, _ in short), median(p for p, _ in long)
    case = " ".join(overrides) or "urban_core"
    detail = {"runs": repeats, "1 year MB": one, f"{years:g} years MB": many,
              "1 year s": median(w for _, w in short), f"{years:g} years s": median(w for _, w in long)}
    log(f"memory: {case}: {one:.0f} MB for 1 year, {many:.0f} MB for {years:g} years")
    return [Result("memory over run length", case, f"peak memory, {years:g} years / 1 year", many / one, "x",
                   TARGET_RATIO if years >= 10 else None, detail=detail),
            Result("memory over run length", case, "peak memory, 1 year", one, "MB"),
            Result("memory over run length", case, f"peak memory, {years:g} years", many, "MB")]
