"""Pass or fail: a check's values over seeds against its theory value.

Full mode holds the model to VALIDATION.md: |mean - theory| <= tolerance, and
the 95% interval no wider than the tolerance (else the run was too short to
tell). ``--quick`` runs a quarter of the customers, so it states a wider rule
and what it can still catch (see ``sim.validate.cli``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.validate.cases import Check

QUICK_TOL_FACTOR = 2.0  # quick mode's stated tolerance: twice VALIDATION.md's; assumption (a first look)


@dataclass
class Result:
    """One check of one case, judged (``report.json`` holds these fields)."""
    case: str
    check: str
    theory: float
    tol: float
    mean: float
    half95: float
    half99: float
    seeds: int
    customers: int
    passed: bool
    source: str
    catches: float = float("nan")  # an error larger than this fails the check with probability >= 99.5%


def judge(values: list[float], check: Check, quick: bool, case: str, customers: int) -> Result:
    """The mean over seeds with its t intervals, and the verdict of full or quick mode."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    mean = float(x.mean())
    sem = float(stats.sem(x)) if n > 1 else float("inf")
    h95 = float(stats.t.ppf(0.975, n - 1) * sem) if n > 1 else float("inf")
    h99 = float(stats.t.ppf(0.995, n - 1) * sem) if n > 1 else float("inf")
    if quick:
        passed = abs(mean - check.theory) <= QUICK_TOL_FACTOR * check.tol + h99
        catches = QUICK_TOL_FACTOR * check.tol + 2 * h99
    else:
        passed = abs(mean - check.theory) <= check.tol and h95 <= check.tol
        catches = check.tol + h95 if h95 <= check.tol else float("nan")
    return Result(case, check.label, check.theory, check.tol, mean, h95, h99, n, customers, bool(passed),
                  check.source, catches)
