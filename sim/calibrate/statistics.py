"""A target's simulated value from its replications, with a 95% interval.

Each arm pools its replications as sum(value x weight) / sum(weight). Two-arm
statistics compare the pooled treatment with the pooled baseline (difference,
ratio, relative change = ratio - 1), replicate k of both arms sharing seeds
(common random numbers). The interval is a percentile bootstrap over
replicates, resampling both arms' replicate k together (paired), from
scipy.stats.bootstrap."""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

MIN_REPLICATES_FOR_INTERVAL = 3  # a bootstrap of 2 replicates is no interval: none is given; assumption
BOOTSTRAP_RESAMPLES = 999  # percentile bootstrap; assumption (enough for a 95% interval's ends)


def pooled(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(np.sum(weights))
    return float(np.sum(values * weights) / total) if total > 0 else math.nan


def combine(statistic: str, base: float, treat: float | None) -> float:
    if statistic == "value":
        return base
    if statistic == "difference":
        return treat - base
    if not math.isfinite(base) or base == 0:
        return math.nan
    return treat / base if statistic == "ratio" else treat / base - 1.0


def simulated(statistic: str, arms: dict[str, np.ndarray], seed: int = 0) -> tuple[float, tuple[float, float]]:
    """(point estimate, 95% interval) of a target. ``arms``: arm name ->
    array (replicates, 2) of (value, weight); "run" for a value target,
    "baseline" and "treatment" otherwise."""
    base = arms.get("run", arms.get("baseline"))
    treat = arms.get("treatment")

    def stat(idx):
        idx = np.asarray(idx, dtype=int)
        b = pooled(base[idx, 0], base[idx, 1])
        t = pooled(treat[idx, 0], treat[idx, 1]) if treat is not None else None
        return combine(statistic, b, t)

    point = stat(np.arange(len(base)))
    if len(base) < MIN_REPLICATES_FOR_INTERVAL or not math.isfinite(point):
        return point, (math.nan, math.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate resamples (all replicates alike): the interval is the point
        res = stats.bootstrap((np.arange(len(base)),), stat, vectorized=False, method="percentile",
                              n_resamples=BOOTSTRAP_RESAMPLES, rng=np.random.default_rng(seed))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo = hi = point
    return point, (min(lo, point), max(hi, point))


def standard_error(ci95: tuple[float, float]) -> float:
    lo, hi = ci95
    return (hi - lo) / (2 * 1.959963984540054) if math.isfinite(lo) and math.isfinite(hi) else 0.0
