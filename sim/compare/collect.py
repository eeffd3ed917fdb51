"""What a sweep folder holds, read into one tidy table (one row per run).

Why it is built this way:

- One row per run (``runs.parquet``), every override a column, so any later
  question about the sweep is a group-by away and never needs the folders again.
- A job counts only when its ``DONE`` file exists: the sweep writes it last, so
  a folder without it is unfinished or failed. Those are counted and named in
  the report, never read.
- A damaged ``summary.json`` or Parquet table makes a job failed, not a
  finished run with its metrics silently missing.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.i18n import Translator

KEY_METRICS = ("response_time_mean_min", "response_time_p90_min", "emergency_share_within_3min",
               "share_within_8min", "p_wait", "crimes_total", "crimes_reported",
               "utilization_officer", "utilization_auxiliary")
BOOKKEEPING = ("replicate", "seed", "root_seed", "design_row")  # identify a run, not a configuration
OUTPUT_DIRNAME = "compare"
_ = Translator("reports")
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


def read_json(path: Path) -> dict:
    """A JSON object from a job's file; empty if it is missing, damaged or not an object."""
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


def read_table(path: Path, columns: list[str]) -> pd.DataFrame | None:
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
    overrides = read_json(job_dir / "manifest.json").get("overrides", [])
    return [str(o) for o in overrides] if isinstance(overrides, list) else []


def inventory(sweep_dir: str | Path, out_dir: str | Path | None = None) -> Inventory:
    """Sort the sweep's job folders into finished, unfinished, failed, foreign
    and stale (``out_dir``, the comparison's own folder, is not a job)."""
    sweep = Path(sweep_dir)
    if not sweep.is_dir():
        raise CompareError(_("{folder}: no such directory").format(folder=sweep))
    if not (sweep / "sweep.json").is_file() and not (sweep / "multirun.yaml").is_file():
        raise CompareError(_("{folder}: not a sweep folder (no sweep.json or multirun.yaml); compare reads the "
                             "folder of one `python -m sim -m` sweep").format(folder=sweep))
    skip = Path(out_dir).resolve() if out_dir else (sweep / OUTPUT_DIRNAME).resolve()
    inv = Inventory(sweep)
    manifest = read_json(sweep / "sweep.json")  # written by python -m sim -m: the jobs of this sweep
    jobs = manifest.get("jobs", []) if manifest else []
    if not isinstance(jobs, list) or not all(isinstance(j, dict) and isinstance(j.get("dir"), str) for j in jobs):
        raise CompareError(_("{file}: damaged (its jobs are not a list of job records)").format(
            file=sweep / "sweep.json"))
    listed = {j["dir"]: j.get("config_hash") for j in jobs} if manifest else None
    for job in sorted(p for p in sweep.iterdir() if p.is_dir() and p.resolve() != skip):
        if not any((job / m).exists() for m in MARKERS):
            continue
        if listed is not None and job.name not in listed:  # left by another sweep in the same folder
            inv.foreign.append(job)
            continue
        wanted = listed.get(job.name) if listed is not None else None
        if wanted and (job / "DONE").exists() and read_json(job / "DONE").get("config_hash") != wanted:
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
            error = str(read_json(job / "FAILED").get("error", "")).strip()
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
        raise CompareError(_("{folder}: no finished jobs (a job is finished when its DONE file exists; "
                             "{unfinished} unfinished, {failed} failed)").format(
                                 folder=inv.sweep_dir, unfinished=len(inv.unfinished), failed=len(inv.failed)))
    records, parameters, metrics = [], {}, {}
    for job in inv.finished:
        params = parse_overrides(job_overrides(job))
        summary = read_json(job / "summary.json")
        done = read_json(job / "DONE")
        manifest_seed = read_json(job / "manifest.json").get("root_seed")
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


def fmt_value(v) -> str:
    """A parameter value as text, exact (so distinct values never share a label)
    and short: integral floats without ``.0``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "unset"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(float(v))
    return str(v)


def varying_parameters(df: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The parameters that take more than one value across the sweep."""
    return [p for p in parameters if p not in BOOKKEEPING and df[p].map(fmt_value).nunique() > 1]


def config_labels(df: pd.DataFrame, parameters: list[str]) -> pd.Series:
    """A short label per run naming only the parameters that vary across the
    sweep, e.g. ``policy=random_patrol, staffing.mix=3+5+4``: runs with equal
    labels are replicates of one configuration."""
    vary = varying_parameters(df, parameters)
    if not vary:
        return pd.Series("all runs", index=df.index, dtype=object)
    return df[vary].apply(lambda r: ", ".join(f"{p}={fmt_value(r[p])}" for p in vary), axis=1).astype(object)


def available_metrics(df: pd.DataFrame, wanted=None) -> list[str]:
    """``wanted`` (default: the key metrics) that exist and are not all null.
    A metric asked for by name that does not exist is an error."""
    if wanted is not None:
        unknown = [m for m in wanted if m not in df.columns]
        if unknown:
            raise CompareError(_("unknown metric {metrics}; available: {available}").format(
                metrics=", ".join(unknown), available=", ".join(df.attrs.get("metrics", []))))
    return [m for m in (wanted or KEY_METRICS) if m in df.columns and df[m].notna().any()]


def write_runs(df: pd.DataFrame, path: Path) -> None:
    """runs.parquet, with the parameter and metric column names in its metadata."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"sim.compare"] = json.dumps({k: df.attrs.get(k, []) for k in ("parameters", "metrics")}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
