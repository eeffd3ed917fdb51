"""Intervals over replicates, and differences from a baseline configuration.

Why paired: replicate k of every configuration runs on the same root seed
(common random numbers: the same calls, the same offenders), so the honest
comparison is d_k = metric(config, k) - metric(baseline, k). The unpaired
Welch interval is kept beside it so readers can see what the pairing buys.
Intervals are t intervals over replicates (scipy.stats): each replicate is one
independent run with its warm-up cut, as in ``sim.validate``. A share (a 0-1
metric: ``share_within_8min``, ``p_wait``, ``utilization_officer``) gets
``share_interval`` instead, which stays inside [0, 1] (issue 23: a t interval
on a share near 0 went below 0). A count or another non-negative amount
(``crimes_total``, ``calls_lost``, a time in minutes) gets ``log_t_interval``,
never below 0; a difference of shares is cut to the possible range [-1, 1]
(``SHARE_DIFF_RANGE``). ``metric_kind`` says which metric is which.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from sim.compare.collect import BOOKKEEPING, CompareError, available_metrics, fmt_value, parse_value
from sim.i18n import Translator
from sim.output.labels import is_share_key, unit_of
# moved down for sim.plan (layers), re-exported here: the intervals every comparison uses
from sim.output.intervals import CONFIDENCE, share_interval, t_interval, wilson_interval  # noqa: F401

_ = Translator("reports")


def is_share_metric(values, metric: str) -> bool:
    """A share by its key (sim.output.labels.is_share_key) whose values are all inside [0, 1]."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return is_share_key(metric) and bool(((x >= 0) & (x <= 1)).all())


# metric kinds (``metric_kind``): how a metric's interval is computed and which range it must stay in
SHARE, NONNEGATIVE, REAL = "share", "nonnegative", "real"
SHARE_DIFF_RANGE = (-1.0, 1.0)  # a difference of two shares, 0-1 each: at most 100 percentage points either way
# counts by their key (the summary's naming: crimes_total, calls_lost, disputes_escalated, home_visits, ...)
_COUNT_KEY = re.compile(r"^(?:crimes|calls|disputes|mediations|incidents|arrests|cells|attempts|contacts|staff"
                        r"|patrol_stops|home_visits|window_visits|residents|offices)(?:_|$)"
                        r"|_(?:total|count|visits|stops|reported)$")


def is_count_key(key: str) -> bool:
    """A metric that counts things (crimes, calls, visits) by its key."""
    return _COUNT_KEY.search(key) is not None


def metric_kind(values, metric: str) -> str:
    """SHARE (``is_share_metric``), NONNEGATIVE (a count by its key, or an
    amount with a unit, ``unit_of``: minutes, metres, yuan; and every observed
    value >= 0) or REAL (anything else: a score, a value seen below 0)."""
    if is_share_metric(values, metric):
        return SHARE
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if (is_count_key(metric) or unit_of(metric)) and bool((x >= 0).all()):
        return NONNEGATIVE
    return REAL


def log_t_interval(values, confidence: float = CONFIDENCE) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, ci_low, ci_high) of a non-negative quantity's per-replicate
    values (a count: crimes per run; a time), an interval above 0.

    Why this one: a t interval mean +- t sd/sqrt(n) is symmetric, so with 2-3
    replicates and a spread count it went below 0 (3.5 [-2.9, 9.9] crimes,
    issue 23). We take the t interval of log(mean) instead, its standard error
    by the delta method, se(log m) = sd / (m sqrt(n)) (Casella & Berger 2002,
    Statistical Inference, §5.5.4), and map it back: m exp(-+ t(n-1) se).
    It estimates the arithmetic mean (not the geometric mean of logged values,
    so replicates with 0 are fine), keeps the t quantile's small-n width, is
    asymmetric and always > 0; for a small relative spread it equals the t
    interval (to O(se^2)). A Poisson/gamma interval would assume the runs'
    dispersion instead of measuring it. Mean 0 or sd = 0: a point interval;
    n < 2: none, as ``t_interval``."""
    n, mean, sd, lo, hi = t_interval(values, confidence)
    if n < 2 or math.isnan(sd) or sd == 0 or not mean > 0:
        return n, mean, sd, lo, hi
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / (mean * math.sqrt(n))
    return n, mean, sd, mean * math.exp(-half), mean * math.exp(half)


INTERVALS = {SHARE: share_interval, NONNEGATIVE: log_t_interval, REAL: t_interval}


def clip_difference(diff: float, lo: float, hi: float, kind: str) -> tuple[float, float]:
    """A difference's interval cut to what the difference can be: a share's to
    [-1, 1]. Intersecting a confidence interval with the parameter space keeps
    its coverage (the true value is always inside the space; Mandelkern 2002,
    Statistical Science 17:149) and removes only impossible values; with 2-3
    replicates the Welch interval of a share's difference ran past +-100 points."""
    if kind != SHARE or math.isnan(lo):
        return lo, hi
    low, high = SHARE_DIFF_RANGE
    return min(max(lo, low), diff), max(min(hi, high), diff)


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
    the interval over its replicates by the metric's kind (``metric_kind``): a
    share's ``share_interval``, a count's or other non-negative amount's
    ``log_t_interval``, otherwise a t interval (``ci_low``/``ci_high`` null for n = 1)."""
    metrics = available_metrics(df, metrics)
    rows = []
    for label, runs in df.groupby("config", sort=True):
        for m in metrics:
            n, mean, sd, lo, hi = INTERVALS[metric_kind(df[m], m)](runs[m])
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
    interval, and Welch's unpaired interval over all runs for contrast; a
    share's both cut to [-1, 1] (``clip_difference``)."""
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
            kind = metric_kind(df[m], m)
            if key is None:
                n_pairs, mean, sd, lo, hi = 0, math.nan, math.nan, math.nan, math.nan
            else:
                both = runs[[key, m]].merge(base[[key, m]], on=key, suffixes=("", "_base")).dropna()
                n_pairs, mean, sd, lo, hi = t_interval(both[m] - both[f"{m}_base"])
                lo, hi = clip_difference(mean, lo, hi, kind)
            w_diff, w_lo, w_hi = welch_interval(runs[m], base[m])
            w_lo, w_hi = clip_difference(w_diff, w_lo, w_hi, kind)
            rows.append({"config": label, "baseline": baseline, "metric": m, "paired_by": key,
                         "n_pairs": n_pairs, "mean_diff": mean, "sd_diff": sd, "ci_low": lo, "ci_high": hi,
                         "n_config": int(runs[m].notna().sum()), "n_baseline": int(base[m].notna().sum()),
                         "welch_diff": w_diff, "welch_ci_low": w_lo, "welch_ci_high": w_hi})
    columns = ["config", "baseline", "metric", "paired_by", "n_pairs", "mean_diff", "sd_diff", "ci_low",
               "ci_high", "n_config", "n_baseline", "welch_diff", "welch_ci_low", "welch_ci_high"]
    return pd.DataFrame(rows, columns=columns)
