"""Intervals over replicates, and differences from a baseline configuration.

Why paired: replicate k of every configuration runs on the same root seed
(common random numbers: the same calls, the same offenders), so the honest
comparison is d_k = metric(config, k) - metric(baseline, k). The unpaired
Welch interval is kept beside it so readers can see what the pairing buys.
Intervals are t intervals over replicates (scipy.stats): each replicate is one
independent run with its warm-up cut, as in ``sim.validate``. A share (a 0-1
metric: ``share_within_8min``, ``p_wait``, ``utilization_officer``) gets
``share_interval`` instead, which stays inside [0, 1] (issue 23: a t interval
on a share near 0 went below 0).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.compare.collect import BOOKKEEPING, CompareError, available_metrics, fmt_value, parse_value
from sim.i18n import Translator
from sim.output.labels import is_share_key

_ = Translator("reports")

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


def is_share_metric(values, metric: str) -> bool:
    """A share by its key (sim.output.labels.is_share_key) whose values are all inside [0, 1]."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return is_share_key(metric) and bool(((x >= 0) & (x <= 1)).all())


def welch_interval(a, b, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean(a) - mean(b), low, high): Welch's unequal-variance t interval,
    ignoring any pairing. Needs two values on each side."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return diff, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
    return diff, diff - half, diff + half


def summarise(df: pd.DataFrame, metrics=None) -> pd.DataFrame:
    """Long table: one row per configuration and metric with n, mean, sd and
    the interval over its replicates: a t interval, a share's ``share_interval``
    (``ci_low``/``ci_high`` null for n = 1)."""
    metrics = available_metrics(df, metrics)
    rows = []
    for label, runs in df.groupby("config", sort=True):
        for m in metrics:
            n, mean, sd, lo, hi = (share_interval if is_share_metric(df[m], m) else t_interval)(runs[m])
            rows.append({"config": label, "metric": m, "n": n, "mean": mean, "sd": sd,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["config", "metric", "n", "mean", "sd", "ci_low", "ci_high"])


def select_baseline(df: pd.DataFrame, spec=None) -> tuple[str, str]:
    """The baseline configuration's label and a sentence on how it was chosen.
    ``spec``: ``["policy=fixed_post", ...]`` or a dict; it must match exactly one
    configuration. None: the first configuration in sorted label order."""
    labels = sorted(df["config"].unique())
    if not spec:
        return labels[0], _("default: the first configuration in sorted label order")
    wanted = spec if isinstance(spec, dict) else {}
    if not isinstance(spec, dict):
        for text in spec:
            key, sep, value = text.partition("=")
            if not sep:
                raise CompareError(_("--baseline {text}: expected key=value").format(text=repr(text)))
            if key.lstrip("+") in wanted:
                raise CompareError(_("--baseline {key}: given twice; give each key once").format(key=key.lstrip("+")))
            wanted[key.lstrip("+")] = parse_value(value)
    parameters = df.attrs.get("parameters") or [c for c in df.columns if c not in ("job", "config")]
    for key in wanted:
        if key not in parameters or key in BOOKKEEPING:
            raise CompareError(_("--baseline {key}: not a configuration parameter; parameters: {parameters}").format(
                key=key, parameters=", ".join(p for p in parameters if p not in BOOKKEEPING)))
    match = np.ones(len(df), dtype=bool)
    for key, value in wanted.items():
        match &= df[key].map(fmt_value).to_numpy() == fmt_value(value)
    found = sorted(df.loc[match, "config"].unique())
    text = " ".join(f"{k}={fmt_value(v)}" for k, v in wanted.items())
    if len(found) != 1:
        raise CompareError((_("--baseline {text} matches {n} configurations, needs exactly 1: {found}") if found else
                            _("--baseline {text} matches {n} configurations, needs exactly 1; configurations: "
                              "{found}")).format(text=text, n=len(found), found="; ".join(found or labels)))
    return found[0], _("chosen with {option}").format(option=f"--baseline {text}")


def pair_key(df: pd.DataFrame) -> str | None:
    """The column that pairs runs across configurations: ``replicate`` (replicate
    k shares root seed k), else ``root_seed`` when replicates are not unique
    within a configuration (a sweep over ``seed`` without ``replicate``)."""
    for key in ("replicate", "root_seed"):
        if key in df.columns and df[key].notna().all() and not df.duplicated(["config", key]).any():
            return key
    return None


def paired_differences(df: pd.DataFrame, baseline: str, metrics=None) -> pd.DataFrame:
    """For each other configuration and metric: d_k = metric(config, k) -
    metric(baseline, k) over the replicates both have, with its paired t
    interval, and Welch's unpaired interval over all runs for contrast."""
    metrics = available_metrics(df, metrics)
    if baseline not in set(df["config"]):
        raise CompareError(_("baseline {baseline!r} is not a configuration").format(baseline=baseline))
    key = pair_key(df)
    base = df[df["config"] == baseline]
    rows = []
    for label, runs in df.groupby("config", sort=True):
        if label == baseline:
            continue
        for m in metrics:
            if key is None:
                n_pairs, mean, sd, lo, hi = 0, math.nan, math.nan, math.nan, math.nan
            else:
                both = runs[[key, m]].merge(base[[key, m]], on=key, suffixes=("", "_base")).dropna()
                n_pairs, mean, sd, lo, hi = t_interval(both[m] - both[f"{m}_base"])
            w_diff, w_lo, w_hi = welch_interval(runs[m], base[m])
            rows.append({"config": label, "baseline": baseline, "metric": m, "paired_by": key,
                         "n_pairs": n_pairs, "mean_diff": mean, "sd_diff": sd, "ci_low": lo, "ci_high": hi,
                         "n_config": int(runs[m].notna().sum()), "n_baseline": int(base[m].notna().sum()),
                         "welch_diff": w_diff, "welch_ci_low": w_lo, "welch_ci_high": w_hi})
    columns = ["config", "baseline", "metric", "paired_by", "n_pairs", "mean_diff", "sd_diff", "ci_low",
               "ci_high", "n_config", "n_baseline", "welch_diff", "welch_ci_low", "welch_ci_high"]
    return pd.DataFrame(rows, columns=columns)
