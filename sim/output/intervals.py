"""Intervals over replicates that stay inside what a figure can be (issue 23).

Moved down from ``sim.compare.statistics`` (which re-exports them) so the
planner (``sim.plan``, a layer below ``sim.compare``) uses the same interval
for a share: a caller-satisfaction "today" of 90.5% (64.8%-116.3%) over two
replicates was a t interval leaving [0, 1]. Pure functions (numpy, scipy.stats).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.95  # two-sided coverage of every interval, probability; convention


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, ci_low, ci_high) over the non-null values; the t interval
    mean +- t(n-1) sd / sqrt(n). n < 2 gives no sd and no interval; sd = 0 a
    point interval."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, sd, mean - half, mean + half


def wilson_interval(successes: float, n: float, confidence: float = CONFIDENCE,
                    quantile: float | None = None) -> tuple[float, float]:
    """Wilson's score interval for a proportion, successes of n (Wilson 1927;
    Brown, Cai & DasGupta 2001 recommend it over the Wald interval, which
    leaves [0, 1] near the bounds). Always inside [0, 1]; 0 of n gives
    [0, z^2/(n+z^2)]. ``n`` may be an effective sample size (not whole);
    ``quantile`` replaces the normal quantile (a t quantile for few replicates).
    For whole counts it equals scipy.stats.binomtest(k, n).proportion_ci(method="wilson")."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2)) if quantile is None else quantile
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0.0 if p == 0 else max(centre - half, 0.0)), (1.0 if p == 1 else min(centre + half, 1.0))


def share_interval(values, confidence: float = CONFIDENCE) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, ci_low, ci_high) of a share's per-replicate values, an
    interval inside [0, 1].

    Why this one: each replicate gives a share (calls reached within 8 min of
    that run's calls), so the estimate is the mean of n replicate shares and
    its spread is the replicates' (overdispersed: Wilson on the pooled calls
    would treat thousands of correlated calls as independent and be far too
    narrow). We keep the replicates' variance but put it on the binomial
    scale: the effective sample size n_eff = p(1-p) / (sd^2 / n) (Kish's design
    effect), and take Wilson's interval for p with n_eff trials and the
    t(n-1) quantile (Korn & Graubard 1998, for shares from clustered samples).
    In the interior it equals the t interval (to O(1/n_eff)); near 0 or 1 it is
    asymmetric and never leaves [0, 1]. sd = 0 gives a point interval, as
    ``t_interval`` does; n < 2 no interval."""
    n, mean, sd, lo, hi = t_interval(values, confidence)
    if n < 2 or math.isnan(sd) or sd == 0 or not 0 < mean < 1:
        return n, mean, sd, lo, hi
    n_eff = mean * (1 - mean) / (sd * sd / n)
    low, high = wilson_interval(mean * n_eff, n_eff, quantile=float(stats.t.ppf(0.5 + confidence / 2, n - 1)))
    return n, mean, sd, low, high
