"""What every benchmark shares: fresh child processes pinned to one core,
medians, power-law fits with intervals, and targets with their verdicts.

Timings are medians of repeated runs, each in a fresh process (a clean heap
and a true peak-memory reading); nothing here is a timed unit test.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from sim.core.markdown import md_table

ROOT = Path(__file__).resolve().parent.parent
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class BenchmarkError(RuntimeError):
    pass


def pin_to_one_core() -> None:
    """Run this process on one core (the issue's targets are per core)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def child(module: str, args: list[str], timeout_s: float = 3600.0) -> dict:
    """Run ``python -m benchmarks.<module> args`` in a fresh process; its last
    stdout line is a JSON object."""
    env = dict(os.environ, **SINGLE_THREAD_ENV)
    out = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=timeout_s)
    if out.returncode != 0:
        raise BenchmarkError(f"benchmarks.{module} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values) -> float:
    return float(statistics.median(values))


def spread(values) -> list[float]:
    """[min, max] of the repetitions, shown beside each median."""
    return [float(min(values)), float(max(values))]


def power_law(work, cost) -> dict:
    """Fit cost = a * work^b by least squares on logs; b with a 95% interval.
    b = 1: cost grows like the work; b > 1: faster (e.g. a queue scanned per event)."""
    x, y = np.log(np.asarray(work, float)), np.log(np.asarray(cost, float))
    fit = stats.linregress(x, y)
    half = float(stats.t.ppf(0.975, len(x) - 2) * fit.stderr) if len(x) > 2 else math.nan
    return {"exponent": float(fit.slope), "ci95": [float(fit.slope - half), float(fit.slope + half)],
            "r2": float(fit.rvalue ** 2)}


@dataclass
class Result:
    """One measured figure and, if the issue sets one, its target."""

    suite: str
    case: str
    metric: str
    value: float
    unit: str
    target: float | None = None
    better: str = "lower"  # "lower" or "higher" values meet the target
    detail: dict = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def verdict(self) -> str:
        """'met', 'missed by 23%' or '-' (no target)."""
        if self.target is None:
            return "-"
        if self.met:
            return "met"
        off = (self.value / self.target - 1.0) if self.better == "lower" else (1.0 - self.value / self.target)
        return f"missed by {100 * off:.0f}%" if off >= 0.01 else f"missed by {100 * off:.1f}%"

    def as_dict(self) -> dict:
        return {**asdict(self), "met": self.met, "verdict": self.verdict()}


def fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(results: list[Result], context: str) -> str:
    """One table per suite: figure, target and verdict, then the details."""
    lines = [f"# Benchmarks\n\n{context}\n"]
    for suite in dict.fromkeys(r.suite for r in results):
        rows = []
        for r in (r for r in results if r.suite == suite):
            target = "-" if r.target is None else f"{'<=' if r.better == 'lower' else '>='} {fmt(r.target)} {r.unit}"
            details = "; ".join(f"{k} {fmt(v) if isinstance(v, float) else v}" for k, v in r.detail.items())
            rows.append([r.case, r.metric, f"{fmt(r.value)} {r.unit}", target, r.verdict(), details])
        lines += [f"\n## {suite}\n", md_table(["case", "metric", "value", "target", "verdict", "details"], rows)]
    return "\n".join(lines) + "\n"
