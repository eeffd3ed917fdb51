"""``python -m sim.compare SWEEP_DIR [--baseline key=value ...] [--out DIR] [--metrics m1,m2]``:
collect a finished sweep into one tidy table and compare its configurations.

Why it is built this way:

- One row per run (``runs.parquet``), every override a column, so any later
  question about the sweep is a group-by away and never needs the folders again.
- A job counts only when its ``DONE`` file exists: the sweep writes it last, so
  a folder without it is unfinished or failed. Those are counted and named in
  the report, never read.
- Replicate k of every configuration runs on the same root seed (common random
  numbers: the same calls, the same offenders), so the honest comparison is
  paired, d_k = metric(config, k) - metric(baseline, k). The unpaired Welch
  interval is shown beside it so readers can see what the pairing buys.
- Intervals are t intervals over replicates (scipy.stats): each replicate is one
  independent run with its warm-up cut, as in ``sim.validate``.

Writes ``runs.parquet``, ``configurations.parquet``, ``differences.parquet``,
four figures and ``report.md`` to ``--out`` (default ``SWEEP_DIR/compare``).
A Morris sweep (``morris_design.json`` present) gets ``sim.sensitivity``'s
screening instead of the per-configuration sections.
"""
from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import yaml  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from scipy import stats  # noqa: E402

from sim.checks import ConfigError  # noqa: E402
from sim.cli import OneLineParser  # noqa: E402
from sim.outdir import check_out_dir  # noqa: E402
from sim.provenance import finish_manifest, prepare_dir  # noqa: E402

KEY_METRICS = ("response_time_mean_min", "response_time_p90_min", "emergency_share_within_3min",
               "share_within_8min", "p_wait", "crimes_total", "crimes_reported",
               "utilization_officer", "utilization_auxiliary")
CONFIDENCE = 0.95  # two-sided coverage of every interval, probability
TARGETS_MIN = (3.0, 8.0, 10.0)  # response-time targets marked on the ECDF, minutes
BOOKKEEPING = ("replicate", "seed", "root_seed", "design_row")  # identify a run, not a configuration
OUTPUT_DIRNAME = "compare"
MARKERS = ("DONE", "FAILED", "summary.json", ".hydra")  # any of these makes a folder a job


class CompareError(Exception):
    """A one-line reason to stop (exit code 2)."""


@dataclass
class Inventory:
    """The job folders of a sweep by state; only ``finished`` ones are read."""
    sweep_dir: Path
    finished: list[Path] = field(default_factory=list)
    unfinished: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # job name -> first line of its error
    foreign: list[Path] = field(default_factory=list)  # folders the sweep manifest does not list
    stale: list[Path] = field(default_factory=list)  # DONE for a configuration the manifest no longer has


# ---------------------------------------------------------------- collecting

def parse_value(text: str):
    """An override value as int or float when it is one, else the string
    (``3+5+4`` and ``random_patrol`` stay strings)."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    return text


def parse_overrides(lines: list[str]) -> dict:
    """``["+experiment=x", "replicate=3"]`` -> ``{"experiment": "x", "replicate": 3}``.
    Hydra's own settings and deletions (``~key``) are not parameters of the run."""
    out = {}
    for line in lines:
        key, sep, value = str(line).partition("=")
        key = key.lstrip("+")
        if not sep or key.startswith("~") or key.startswith(("hydra.", "hydra/")) or key == "hydra":
            continue
        out[key] = parse_value(value)
    return out


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _unreadable(path: Path) -> str | None:
    """Why a summary.json cannot be used (None: it can): a corrupt or truncated
    file must not count as a finished run with its metrics silently missing."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({exc})"
    except ValueError as exc:
        return f"is not valid JSON ({exc})"
    if not isinstance(data, dict) or not data:
        return "holds no metrics"
    for key, value in data.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value)):
            return f"has a value that is not a finite number ({key}={value!r})"
    return None


def _unreadable_table(path: Path) -> str | None:
    """Why a job's Parquet table cannot be read (None: it can, or there is none)."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() or not path.is_file():
        return f"{path.name} is not a regular file"
    try:
        pq.ParquetFile(path).metadata
    except Exception as exc:  # noqa: BLE001 - Arrow raises several kinds for a file that is not Parquet
        return f"{path.name} is not a Parquet file ({' '.join(str(exc).split())[:80]})"
    return None


def _read_table(path: Path, columns: list[str]) -> pd.DataFrame | None:
    """A job's table, or None if it is missing or unreadable (the inventory said so)."""
    if _unreadable_table(path) or not path.exists():
        return None
    try:
        return pq.read_table(path, columns=columns).to_pandas()
    except Exception:  # noqa: BLE001
        return None


def job_overrides(job_dir: Path) -> list[str]:
    """The job's override strings: Hydra's record, else the run manifest's."""
    path = job_dir / ".hydra" / "overrides.yaml"
    try:
        data = yaml.safe_load(path.read_text()) if path.exists() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    if isinstance(data, list):
        return [str(o) for o in data]
    overrides = _read_json(job_dir / "manifest.json").get("overrides", [])
    return [str(o) for o in overrides] if isinstance(overrides, list) else []


def inventory(sweep_dir: str | Path, out_dir: str | Path | None = None) -> Inventory:
    sweep = Path(sweep_dir)
    if not sweep.is_dir():
        raise CompareError(f"{sweep}: no such directory")
    if not (sweep / "sweep.json").is_file() and not (sweep / "multirun.yaml").is_file():
        raise CompareError(f"{sweep}: not a sweep folder (no sweep.json or multirun.yaml); compare reads the "
                           "folder of one `python -m sim -m` sweep")
    skip = Path(out_dir).resolve() if out_dir else (sweep / OUTPUT_DIRNAME).resolve()
    inv = Inventory(sweep)
    manifest = _read_json(sweep / "sweep.json")  # written by python -m sim -m: the jobs of this sweep
    jobs = manifest.get("jobs", []) if manifest else []
    if not isinstance(jobs, list) or not all(isinstance(j, dict) and isinstance(j.get("dir"), str) for j in jobs):
        raise CompareError(f"{sweep / 'sweep.json'}: damaged (its jobs are not a list of job records)")
    listed = {j["dir"]: j.get("config_hash") for j in jobs} if manifest else None
    for job in sorted(p for p in sweep.iterdir() if p.is_dir() and p.resolve() != skip):
        if not any((job / m).exists() for m in MARKERS):
            continue
        if listed is not None and job.name not in listed:  # left by another sweep in the same folder
            inv.foreign.append(job)
            continue
        wanted = listed.get(job.name) if listed is not None else None
        if wanted and (job / "DONE").exists() and _read_json(job / "DONE").get("config_hash") != wanted:
            inv.stale.append(job)  # finished with another configuration (the study changed since)
            continue
        if (job / "DONE").exists() and (job / "summary.json").exists():
            problem = _unreadable(job / "summary.json")
            problem = f"summary.json {problem}" if problem else (
                _unreadable_table(job / "calls.parquet") or _unreadable_table(job / "incidents.parquet"))
            if problem:
                inv.failed[job.name] = f"DONE but {problem}"
            else:
                inv.finished.append(job)
        elif (job / "FAILED").exists():
            error = str(_read_json(job / "FAILED").get("error", "")).strip()
            inv.failed[job.name] = error.splitlines()[0] if error else "FAILED without a message"
        elif (job / "DONE").exists():
            inv.failed[job.name] = "DONE but no summary.json"
        else:
            inv.unfinished.append(job)
    return inv


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _normalise_column(values: pd.Series) -> pd.Series:
    """One type per parameter column (Parquet needs it): numbers if every set
    value is a number, else strings."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if all(_is_number(v) for v in present):
        if present and all(isinstance(v, int) for v in present) and len(present) == len(values):
            return values.astype("int64")
        return values.astype("float64")
    return pd.Series([None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                      for v in values], index=values.index, dtype=object)


def collect(sweep_dir: str | Path, inv: Inventory | None = None) -> pd.DataFrame:
    """Every finished job as one row: ``job``, ``config`` (its label), one column
    per override key, ``replicate`` (0 if not overridden), ``root_seed``,
    ``seed`` and every numeric summary metric. ``attrs`` holds the
    ``parameters`` and ``metrics`` column names."""
    inv = inv or inventory(sweep_dir)
    if not inv.finished:
        raise CompareError(f"{inv.sweep_dir}: no finished jobs (a job is finished when its DONE file exists; "
                           f"{len(inv.unfinished)} unfinished, {len(inv.failed)} failed)")
    records, parameters, metrics = [], {}, {}
    for job in inv.finished:
        params = parse_overrides(job_overrides(job))
        summary = _read_json(job / "summary.json")
        done = _read_json(job / "DONE")
        manifest_seed = _read_json(job / "manifest.json").get("root_seed")
        row = {"job": job.name}
        for key, value in params.items():
            if key not in BOOKKEEPING:
                parameters.setdefault(key, None)
                row[key] = value
        row["replicate"] = params.get("replicate", summary.get("replicate", 0))
        row["root_seed"] = next((s for s in (done.get("root_seed"), summary.get("root_seed"), manifest_seed,
                                             summary.get("seed")) if s is not None), None)
        row["seed"] = summary.get("seed", params.get("seed"))
        if "design_row" in params:
            row["design_row"] = params["design_row"]
        for key, value in summary.items():
            if key not in BOOKKEEPING and (value is None or _is_number(value)):
                metrics.setdefault(key, None)
                row[key] = np.nan if value is None else value
        records.append(row)
    df = pd.DataFrame.from_records(records)
    book = [c for c in BOOKKEEPING if c in df.columns]
    df = df[["job", *parameters, *book, *metrics]]
    for col in (*parameters, *book):
        df[col] = _normalise_column(df[col])
    for col in metrics:  # counts stay integers when every run has them
        whole = df[col].notna().all() and all(isinstance(v, int) for v in (r.get(col) for r in records))
        df[col] = df[col].astype("int64" if whole else "float64")
    df = df.sort_values("job", ignore_index=True).copy()  # one block per dtype: no fragmented-frame warning
    df.insert(1, "config", config_labels(df, list(parameters)))
    df.attrs["parameters"] = list(parameters)
    df.attrs["metrics"] = list(metrics)
    return df


def _fmt_value(v) -> str:
    """A parameter value as text, exact (so distinct values never share a label)
    and short: integral floats without ``.0``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "unset"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(float(v))
    return str(v)


def varying_parameters(df: pd.DataFrame, parameters: list[str]) -> list[str]:
    return [p for p in parameters if p not in BOOKKEEPING and df[p].map(_fmt_value).nunique() > 1]


def config_labels(df: pd.DataFrame, parameters: list[str]) -> pd.Series:
    """A short label per run naming only the parameters that vary across the
    sweep, e.g. ``policy=random_patrol, staffing.mix=3+5+4``: runs with equal
    labels are replicates of one configuration."""
    vary = varying_parameters(df, parameters)
    if not vary:
        return pd.Series("all runs", index=df.index, dtype=object)
    return df[vary].apply(lambda r: ", ".join(f"{p}={_fmt_value(r[p])}" for p in vary), axis=1).astype(object)


def available_metrics(df: pd.DataFrame, wanted=None) -> list[str]:
    """``wanted`` (default: the key metrics) that exist and are not all null.
    A metric asked for by name that does not exist is an error."""
    if wanted is not None:
        unknown = [m for m in wanted if m not in df.columns]
        if unknown:
            raise CompareError(f"unknown metric {', '.join(unknown)}; available: "
                               + ", ".join(df.attrs.get("metrics", [])))
    return [m for m in (wanted or KEY_METRICS) if m in df.columns and df[m].notna().any()]


def write_runs(df: pd.DataFrame, path: Path) -> None:
    """runs.parquet, with the parameter and metric column names in its metadata."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"sim.compare"] = json.dumps({k: df.attrs.get(k, []) for k in ("parameters", "metrics")}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


# ---------------------------------------------------------------- statistics

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
    the t interval over its replicates (``ci_low``/``ci_high`` null for n = 1)."""
    metrics = available_metrics(df, metrics)
    rows = []
    for label, runs in df.groupby("config", sort=True):
        for m in metrics:
            n, mean, sd, lo, hi = t_interval(runs[m])
            rows.append({"config": label, "metric": m, "n": n, "mean": mean, "sd": sd,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["config", "metric", "n", "mean", "sd", "ci_low", "ci_high"])


def select_baseline(df: pd.DataFrame, spec=None) -> tuple[str, str]:
    """The baseline configuration's label and a sentence on how it was chosen.
    ``spec``: ``["policy=fixed_post", ...]`` or a dict; it must match exactly one
    configuration. None: the first configuration in sorted label order."""
    labels = sorted(df["config"].unique())
    if not spec:
        return labels[0], "default: the first configuration in sorted label order"
    wanted = spec if isinstance(spec, dict) else {}
    if not isinstance(spec, dict):
        for text in spec:
            key, sep, value = text.partition("=")
            if not sep:
                raise CompareError(f"--baseline {text!r}: expected key=value")
            if key.lstrip("+") in wanted:
                raise CompareError(f"--baseline {key.lstrip('+')}: given twice; give each key once")
            wanted[key.lstrip("+")] = parse_value(value)
    parameters = df.attrs.get("parameters") or [c for c in df.columns if c not in ("job", "config")]
    for key in wanted:
        if key not in parameters or key in BOOKKEEPING:
            raise CompareError(f"--baseline {key}: not a configuration parameter; parameters: "
                               + ", ".join(p for p in parameters if p not in BOOKKEEPING))
    match = np.ones(len(df), dtype=bool)
    for key, value in wanted.items():
        match &= df[key].map(_fmt_value).to_numpy() == _fmt_value(value)
    found = sorted(df.loc[match, "config"].unique())
    text = " ".join(f"{k}={_fmt_value(v)}" for k, v in wanted.items())
    if len(found) != 1:
        raise CompareError(f"--baseline {text} matches {len(found)} configurations, needs exactly 1"
                           + (f": {'; '.join(found)}" if found else f"; configurations: {'; '.join(labels)}"))
    return found[0], f"chosen with --baseline {text}"


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
        raise CompareError(f"baseline {baseline!r} is not a configuration")
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


# ---------------------------------------------------------------- figures

def _panels(n: int, width_in: float = 4.2, height_in: float = 2.6, cols: int = 3):
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width_in * cols, height_in * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def _errors(mid, lo, hi) -> np.ndarray:
    """Error-bar lengths; zero where there is no interval."""
    return np.nan_to_num(np.vstack([np.asarray(mid) - lo, np.asarray(hi) - mid]), nan=0.0)


def _config_axis(ax, configs: list[str], title: str) -> None:
    """Configurations top to bottom, named in the first column only."""
    y = np.arange(len(configs))
    ax.set_yticks(y, configs if ax.get_subplotspec().is_first_col() else [], fontsize=7)
    ax.set_ylim(len(configs) - 0.4, -0.6)
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.grid(axis="x", alpha=0.3)


def metrics_figure(summary: pd.DataFrame, path: str | Path) -> None:
    """Per metric, each configuration's mean with its 95% interval."""
    metrics = list(dict.fromkeys(summary["metric"]))
    configs = sorted(summary["config"].unique())
    fig, axes = _panels(len(metrics), height_in=0.6 + 0.35 * len(configs))
    for ax, m in zip(axes, metrics):
        s = summary[summary["metric"] == m].set_index("config").reindex(configs)
        y = np.arange(len(configs))
        ax.errorbar(s["mean"], y, xerr=_errors(s["mean"], s["ci_low"], s["ci_high"]), fmt="o", capsize=3)
        _config_axis(ax, configs, m)
    fig.suptitle(f"Mean per configuration with {CONFIDENCE:.0%} t interval over replicates", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def differences_figure(diffs: pd.DataFrame, path: str | Path) -> None:
    """Forest plot: per metric, each configuration minus the baseline; the
    paired interval solid, Welch's unpaired interval thin and grey behind it."""
    metrics = list(dict.fromkeys(diffs["metric"]))
    configs = sorted(diffs["config"].unique())
    fig, axes = _panels(max(len(metrics), 1), height_in=0.8 + 0.35 * len(configs))
    for ax, m in zip(axes, metrics):
        d = diffs[diffs["metric"] == m].set_index("config").reindex(configs)
        y = np.arange(len(configs))
        ax.errorbar(d["welch_diff"], y + 0.18, xerr=_errors(d["welch_diff"], d["welch_ci_low"], d["welch_ci_high"]),
                    fmt="none", ecolor="0.6", elinewidth=1, capsize=2, label="Welch (unpaired)")
        ax.errorbar(d["mean_diff"], y, xerr=_errors(d["mean_diff"], d["ci_low"], d["ci_high"]), fmt="o",
                    color="C0", capsize=3, label="paired")
        ax.axvline(0, color="k", linewidth=0.8)
        _config_axis(ax, configs, m)
    if metrics:
        axes[0].legend(fontsize=7)
    baseline = diffs["baseline"].iloc[0] if len(diffs) else ""
    fig.suptitle(f"Difference from baseline ({baseline}), {CONFIDENCE:.0%} intervals", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _warmup_min(job_dir: Path) -> float:
    config = _read_json(job_dir / "manifest.json").get("config", {})
    return float(config.get("sim", {}).get("warmup_days", 0.0)) * 1440.0


def response_ecdf_figure(df: pd.DataFrame, sweep_dir: str | Path, path: str | Path) -> int:
    """ECDF of response times per configuration, calls of all its replicates
    pooled (after the warm-up, as in the summary; calls never reached left out).
    Returns the number of runs whose calls.parquet was read."""
    sweep = Path(sweep_dir)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    read, top = 0, 12.0
    for label, runs in df.groupby("config", sort=True):
        parts = []
        for job in runs["job"]:
            calls = _read_table(sweep / job / "calls.parquet", ["t_arrival_min", "response_min"])
            if calls is None:
                continue
            resp = calls.loc[calls["t_arrival_min"] >= _warmup_min(sweep / job), "response_min"].to_numpy()
            parts.append(resp[~np.isnan(resp)])
            read += 1
        resp = np.sort(np.concatenate(parts)) if parts else np.array([])
        if len(resp):
            ax.step(resp, np.arange(1, len(resp) + 1) / len(resp), where="post",
                    label=f"{label} ({len(resp)} calls, {len(runs)} runs)")
            top = max(top, float(np.percentile(resp, 99)))
    for target in TARGETS_MIN:
        ax.axvline(target, color="grey", linestyle="--", linewidth=1)
        ax.text(target, 0.03, f"{target:g} min ", fontsize=7, color="grey", rotation=90, ha="right", va="bottom")
    ax.set_xlim(0, top * 1.05)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("response time (min) = wait for a unit + turnout + travel")
    ax.set_ylabel("share of calls reached within")
    ax.set_title("Response-time ECDF per configuration (replicates pooled)")
    if read:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return read


def crime_counts(job_dir: Path) -> tuple[np.ndarray, tuple[float, float]] | None:
    """Crimes per district cell of one run (after the warm-up): (counts[x, y],
    (width_m, height_m)), binned by the run's own ``cell_size_m``."""
    district = _read_json(job_dir / "manifest.json").get("config", {}).get("district")
    inc = _read_table(job_dir / "incidents.parquet", ["x_m", "y_m", "t_min"])
    if inc is None or not isinstance(district, dict):
        return None
    try:
        w_m, h_m, cell_m = (float(district[k]) for k in ("width_m", "height_m", "cell_size_m"))
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 < cell_m <= min(w_m, h_m) <= 1e6):
        return None
    inc = inc[inc["t_min"] >= _warmup_min(job_dir)]
    x_edges = np.arange(0.0, w_m + cell_m / 2, cell_m)
    y_edges = np.arange(0.0, h_m + cell_m / 2, cell_m)
    counts, _, _ = np.histogram2d(inc["x_m"], inc["y_m"], bins=(x_edges, y_edges))
    return counts, (x_edges[-1], y_edges[-1])


def crime_map_figure(df: pd.DataFrame, sweep_dir: str | Path, path: str | Path) -> int:
    """Side by side, per configuration: mean crimes per cell per replicate, on
    one colour scale. Returns the number of configurations drawn."""
    sweep = Path(sweep_dir)
    maps = []
    for label, runs in df.groupby("config", sort=True):
        got = [c for c in (crime_counts(sweep / job) for job in runs["job"]) if c is not None]
        shapes = {c[0].shape for c in got}
        if got and len(shapes) == 1:
            maps.append((label, sum(c[0] for c in got) / len(got), got[0][1], len(got)))
    if not maps:
        return 0
    vmax = max(float(m[1].max()) for m in maps) or 1.0
    cols = min(len(maps), 4)
    rows = math.ceil(len(maps) / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(3.4 * cols + 1.0, 3.4 * rows), squeeze=False,
                             layout="constrained")
    for ax in grid.flat[len(maps):]:
        ax.set_visible(False)
    axes = grid.flat[:len(maps)]
    for ax, (label, mean, (w_m, h_m), n) in zip(axes, maps):
        image = ax.imshow(mean.T, origin="lower", extent=(0, w_m, 0, h_m), cmap="magma_r", vmin=0, vmax=vmax,
                          interpolation="nearest")
        ax.set_title(f"{label}\n({n} runs, {mean.sum():.1f} crimes per run)", fontsize=8)
        ax.set_xlabel("x (m)", fontsize=8)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("y (m)", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="mean crimes per cell per replicate")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return len(maps)


# ---------------------------------------------------------------- report

def fmt(v) -> str:
    """Four significant figures; thousands separators for large numbers; a dash for null."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    v = float(v)
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def fmt_ci(lo, hi) -> str:
    return "–" if lo is None or math.isnan(lo) else f"[{fmt(lo)}, {fmt(hi)}]"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _collection_section(inv: Inventory, df: pd.DataFrame) -> list[str]:
    total = len(inv.finished) + len(inv.unfinished) + len(inv.failed)
    lines = ["## What was collected", "",
             f"{total} job folders: **{len(inv.finished)} finished** (with `DONE`), "
             f"{len(inv.unfinished)} unfinished (no `DONE`), {len(inv.failed)} failed. "
             "Only finished jobs are read.", ""]
    if inv.unfinished:
        names = ", ".join(f"`{p.name}`" for p in inv.unfinished[:10])
        lines += [f"- unfinished: {names}" + (" ..." if len(inv.unfinished) > 10 else "")]
    for name, error in list(inv.failed.items())[:10]:
        lines += [f"- failed `{name}`: {error}"]
    if inv.foreign:
        lines += [f"- ignored {len(inv.foreign)} folders that `sweep.json` does not list (another sweep's)"]
    if inv.stale:
        lines += [f"- ignored {len(inv.stale)} runs finished with an older configuration of this study "
                  "(re-run the sweep command to redo them)"]
    if inv.unfinished or inv.failed or inv.foreign or inv.stale:
        lines.append("")
    params = df.attrs.get("parameters", [])
    vary = varying_parameters(df, params)
    fixed = [p for p in params if p not in vary and p not in BOOKKEEPING]
    listed = ", ".join(f"`{p}`" for p in vary) or "none"
    if "design_row" in df.columns:  # a design sweep: rows, not configurations
        lines.append(f"- design rows with a finished run: {df['design_row'].nunique()}; "
                     f"parameters set by the design: {listed}")
    else:
        reps = df.groupby("config").size()
        lines += [f"- configurations: {df['config'].nunique()}; varying parameters: {listed}",
                  f"- runs per configuration: {reps.min()}" + (f" to {reps.max()}" if reps.max() != reps.min() else "")]
    lines += ["- fixed overrides: " + (", ".join(f"`{p}={_fmt_value(df[p].iloc[0])}`" for p in fixed) or "none"),
              "- one row per run in `runs.parquet`", ""]
    return lines


def _configurations_section(summary: pd.DataFrame) -> list[str]:
    metrics = list(dict.fromkeys(summary["metric"]))
    rows = []
    for label, s in summary.groupby("config", sort=True):
        s = s.set_index("metric")
        cells = [f"{fmt(s.at[m, 'mean'])} {fmt_ci(s.at[m, 'ci_low'], s.at[m, 'ci_high'])}" for m in metrics]
        rows.append([label, str(int(s["n"].max())), *cells])
    return ["## Configurations", "",
            f"Mean over replicates [{CONFIDENCE:.0%} t interval]; `–` where a configuration has one run.", "",
            md_table(["configuration", "runs", *metrics], rows), ""]


def _differences_section(diffs: pd.DataFrame, baseline: str, how: str) -> list[str]:
    key = diffs["paired_by"].dropna().iloc[0] if diffs["paired_by"].notna().any() else None
    pairing = (f"Runs are paired by `{key}`: replicate k of every configuration uses the same root seed "
               "(common random numbers), so d_k = config_k - baseline_k removes the demand both share."
               if key else "Runs could not be paired (replicates are not unique within a configuration); "
               "only Welch intervals are given.")
    rows = []
    order = {m: i for i, m in enumerate(dict.fromkeys(diffs["metric"]))}
    for _, d in diffs.sort_values(["metric", "config"], key=lambda c: c.map(order) if c.name == "metric" else c,
                                  kind="stable").iterrows():
        paired_w = d["ci_high"] - d["ci_low"]
        welch_w = d["welch_ci_high"] - d["welch_ci_low"]
        ratio = welch_w / paired_w if paired_w and not math.isnan(paired_w) and paired_w > 0 else math.nan
        rows.append([d["metric"], d["config"], str(d["n_pairs"]), fmt(d["mean_diff"]),
                     fmt_ci(d["ci_low"], d["ci_high"]), fmt_ci(d["welch_ci_low"], d["welch_ci_high"]), fmt(ratio)])
    return ["## Paired differences from the baseline", "",
            f"Baseline: **{baseline}** ({how}).", "", pairing,
            f"Intervals are {CONFIDENCE:.0%} t intervals; the last column is how many times wider the "
            "unpaired Welch interval is.", "",
            md_table(["metric", "configuration", "pairs", "mean difference", "paired CI", "Welch CI",
                      "Welch / paired width"], rows), ""]


def write_report(out_dir: Path, inv: Inventory, df: pd.DataFrame, summary: pd.DataFrame | None = None,
                 diffs: pd.DataFrame | None = None, baseline: str | None = None, baseline_how: str = "",
                 figures: dict[str, str] | None = None, sensitivity_lines: list[str] | None = None) -> Path:
    """report.md: what was collected, the tables, the figures."""
    sweep_info = _read_json(inv.sweep_dir / "sweep.json")
    lines = [f"# Sweep comparison: `{inv.sweep_dir.name}`", "",
             f"Sweep folder `{inv.sweep_dir}`; written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC "
             "by `python -m sim.compare`.", ""]
    scalars = {k: v for k, v in sweep_info.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    if scalars:
        lines += ["From `sweep.json`: " + "; ".join(f"{k} = {v}" for k, v in list(scalars.items())[:8]), ""]
    lines += _collection_section(inv, df)
    if summary is not None and len(summary):
        lines += _configurations_section(summary)
    if diffs is not None and len(diffs):
        lines += _differences_section(diffs, baseline, baseline_how)
    elif baseline is not None:
        lines += ["## Paired differences from the baseline", "",
                  f"Only one configuration (**{baseline}**): nothing to compare it with.", ""]
    if sensitivity_lines:
        lines += sensitivity_lines
    if figures:
        lines += ["## Figures", ""]
        lines += [f"### {title}\n\n![{title}]({name})\n" for name, title in figures.items()]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines).rstrip() + "\n")
    return path


# ---------------------------------------------------------------- pipeline

def compare(sweep_dir: str | Path, baseline=None, out_dir: str | Path | None = None,
            metrics=None, overwrite: bool = False) -> Path:
    """Collect, summarise, compare, draw and report; returns the report's path.
    Raises CompareError for a missing folder, no finished jobs, a bad baseline
    or metric, or an incomplete Morris design."""
    from sim import sensitivity

    sweep = Path(sweep_dir)
    try:  # the sweep's own compare folder may hold an earlier comparison: only links and system folders refused
        out = (check_out_dir(out_dir, "--out", overwrite, "--overwrite") if out_dir is not None
               else check_out_dir(sweep / OUTPUT_DIRNAME, "--out", True))
    except ConfigError as exc:
        raise CompareError(str(exc)) from None
    inv = inventory(sweep, out)
    df = collect(sweep, inv)
    metrics = available_metrics(df, metrics)
    try:
        design = sensitivity.load_design(sweep)
    except (sensitivity.SensitivityError, ValueError) as exc:  # ValueError: not JSON
        raise CompareError(f"morris_design.json: {exc}") from None
    if design is None:  # a bad baseline fails before anything is written
        base, how = select_baseline(df, baseline)
    elif baseline:
        raise CompareError("--baseline does not apply to a Morris sweep (every run is its own design point)")
    prepare_dir(out, overwrite=True)  # checked above (--out), or the sweep's own compare folder
    write_runs(df, out / "runs.parquet")
    if design is not None:  # every run is its own design point: screening, not configurations
        try:
            table = sensitivity.morris_analysis(df, metrics, design=design)
        except sensitivity.SensitivityError as exc:
            write_report(out, inv, df, sensitivity_lines=["## Sensitivity (Morris)", "", f"Not computed: {exc}", ""])
            raise CompareError(f"sensitivity: {exc}") from None
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), out / "sensitivity.parquet")
        sensitivity.sensitivity_figure(table, out / "sensitivity.png")
        report = write_report(out, inv, df, figures={"sensitivity.png": "Morris screening: mu* per parameter"},
                              sensitivity_lines=sensitivity.report_lines(table, design, df))
        finish_manifest(out, runs=len(df))
        return report
    summary = summarise(df, metrics)
    diffs = paired_differences(df, base, metrics)
    pq.write_table(pa.Table.from_pandas(summary, preserve_index=False), out / "configurations.parquet")
    pq.write_table(pa.Table.from_pandas(diffs, preserve_index=False), out / "differences.parquet")
    figures = {}
    if len(summary):
        metrics_figure(summary, out / "metrics.png")
        figures["metrics.png"] = "Key metrics per configuration"
    if len(diffs):
        differences_figure(diffs, out / "differences.png")
        figures["differences.png"] = "Differences from the baseline (paired and Welch intervals)"
    if response_ecdf_figure(df, sweep, out / "response_ecdf.png"):
        figures["response_ecdf.png"] = "Response-time ECDF per configuration"
    if crime_map_figure(df, sweep, out / "crime_maps.png"):
        figures["crime_maps.png"] = "Where crimes happen: mean per cell per replicate"
    report = write_report(out, inv, df, summary, diffs, base, how, figures)
    finish_manifest(out, runs=len(df), baseline=base)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m sim.compare", description=__doc__.splitlines()[1])
    parser.add_argument("sweep_dir", help="the sweep folder (one sub-folder per job)")
    parser.add_argument("--baseline", nargs="+", metavar="KEY=VALUE",
                        help="select the baseline configuration (default: first in sorted label order)")
    parser.add_argument("--out", help="output folder (default SWEEP_DIR/compare)")
    parser.add_argument("--overwrite", action="store_true", help="write into --out even if it holds other files")
    parser.add_argument("--metrics", help="comma-separated summary metrics (default: the key metrics)")
    args = parser.parse_args(argv)
    metrics = list(dict.fromkeys(m.strip() for m in args.metrics.split(",") if m.strip())) if args.metrics else None
    try:
        report = compare(args.sweep_dir, args.baseline, args.out, metrics, args.overwrite)
    except CompareError as exc:
        print(f"compare error: {exc}", file=sys.stderr)
        return 2
    print(f"compared {args.sweep_dir} -> {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
