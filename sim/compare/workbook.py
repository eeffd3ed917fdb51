"""``compare/comparison.xlsx`` and the comparison's tables as CSV (issue 23).

Built from the Parquet tables ``sim.compare`` has just written in its output
folder, so every cell equals the file's value:

- ``summary``: one row per configuration, the baseline marked, each metric's
  mean over its runs (shares shown as percentages);
- ``configurations``: each configuration's and metric's n, mean, sd and interval;
- ``differences``: paired and Welch differences from the baseline;
- ``sensitivity``: the Morris screening (a Morris sweep: no configurations);
- ``runs``: one row per run, with its configuration hash (the job's DONE);
- ``provenance``: the sweep, its command and commit, this comparison's.

``runs``, ``configurations``, ``differences`` and ``sensitivity`` are also
written as CSV (UTF-8 with a byte-order mark) beside their Parquet files.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.i18n import N_, Translator
from sim.output.labels import metric_label, unit_beside
from sim.output.provenance import git_commit
from sim.output.csv_table import write_csv
from sim.output.workbook import Sheet, write_workbook

_ = Translator("reports")

WORKBOOK = "comparison.xlsx"
TABLES = ("runs", "configurations", "differences", "sensitivity")  # written as CSV when present
# headers of the comparison tables' own columns (metrics are labelled by sim.output.labels)
HEADERS = {
    "job": N_("job folder"),
    "config": N_("configuration"),
    "baseline": N_("baseline"),
    "is_baseline": N_("baseline"),
    "runs": N_("runs"),
    "metric": N_("metric key"),
    "label": N_("metric"),
    "unit": N_("unit"),
    "n": N_("runs"),
    "mean": N_("mean"),
    "sd": N_("standard deviation"),
    "ci_low": N_("interval low"),
    "ci_high": N_("interval high"),
    "paired_by": N_("paired by"),
    "n_pairs": N_("pairs"),
    "mean_diff": N_("mean difference"),
    "sd_diff": N_("standard deviation of the differences"),
    "n_config": N_("runs of the configuration"),
    "n_baseline": N_("runs of the baseline"),
    "welch_diff": N_("Welch difference"),
    "welch_ci_low": N_("Welch interval low"),
    "welch_ci_high": N_("Welch interval high"),
    "replicate": N_("replicate"),
    "seed": N_("seed"),
    "root_seed": N_("root seed"),
    "config_hash": N_("configuration hash"),
    "parameter": N_("parameter"),
    "mu": N_("mean elementary effect (mu)"),
    "mu_star": N_("mean absolute elementary effect (mu*)"),
    "sigma": N_("standard deviation of the elementary effects (sigma)"),
    "mu_star_conf": N_("mu* confidence half-width"),
    "rank": N_("rank"),
}
# columns in the metric's own unit: a share metric's are shown as percentages (differences: points)
IN_METRIC_UNITS = {"mean", "sd", "ci_low", "ci_high", "mean_diff", "sd_diff", "welch_diff", "welch_ci_low",
                   "welch_ci_high", "mu", "mu_star", "sigma", "mu_star_conf"}


def _headers(columns) -> dict[str, str]:
    return {c: _(HEADERS[c]) for c in columns if c in HEADERS}


def _with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """A long table (one metric a row) with the metric's label and unit after its key (the unit where the
    label does not name it)."""
    out = table.copy()
    at = list(out.columns).index("metric") + 1
    out.insert(at, "label", [metric_label(m) for m in out["metric"]])
    out.insert(at + 1, "unit", [unit_beside(m) for m in out["metric"]])  # none where the label names it
    return out


def _long_sheet(name: str, table: pd.DataFrame) -> Sheet:
    table = _with_labels(table)
    return Sheet(name, table, headers=_headers(table.columns), row_metric="metric",
                 row_values=IN_METRIC_UNITS & set(table.columns))


def summary_table(configurations: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """One row per configuration: baseline or not, runs, each metric's mean."""
    wide = configurations.pivot(index="config", columns="metric", values="mean")
    wide = wide[list(dict.fromkeys(configurations["metric"]))]  # the metrics in the report's order
    runs = configurations.groupby("config")["n"].max()
    out = pd.DataFrame({"config": wide.index,
                        "is_baseline": [_("yes") if c == baseline else "" for c in wide.index],
                        "runs": runs.reindex(wide.index).to_numpy()})
    for m in wide.columns:
        out[m] = wide[m].to_numpy()
    return out


def _config_hashes(sweep: Path, jobs) -> list:
    """Each run's configuration hash, from its job's DONE (None if unreadable)."""
    out = []
    for job in jobs:
        try:
            out.append(json.loads((sweep / str(job) / "DONE").read_text()).get("config_hash"))
        except (OSError, ValueError, AttributeError):
            out.append(None)
    return out


def provenance(out: Path, sweep: Path, runs: int, baseline: str | None, command: str | None = None) -> dict:
    """The provenance sheet: this comparison's (``command`` as it was typed:
    --baseline, --metrics, the language) and the sweep's last invocation's."""
    info = {"git_commit": git_commit(), "source": str(sweep), "runs": runs}
    if baseline is not None:
        info["baseline"] = baseline
    try:
        last = json.loads((sweep / "sweep.json").read_text())["invocations"][-1]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        last = {}
    if last.get("command"):
        info["sweep_command"] = " ".join(map(str, last["command"]))
    if last.get("git_commit"):
        info["sweep_git_commit"] = last["git_commit"]
    info["command"] = command or f"python -m sim.compare {sweep}"
    return info


def write_comparison_workbook(out: Path, sweep: Path, baseline: str | None = None,
                              command: str | None = None) -> Path:
    """comparison.xlsx and the CSV files of the comparison in ``out`` (its
    Parquet tables already written there), in the current language."""
    out, sweep = Path(out), Path(sweep)
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES if (out / f"{name}.parquet").is_file()}
    for name in tables:
        write_csv(out / f"{name}.csv", out / f"{name}.parquet")
    sheets = []
    if "configurations" in tables and len(tables["configurations"]):
        summary = summary_table(tables["configurations"], baseline)
        sheets.append(Sheet("summary", summary, headers=_headers(summary.columns)))
        sheets.append(_long_sheet("configurations", tables["configurations"]))
    if "differences" in tables and len(tables["differences"]):
        sheets.append(_long_sheet("differences", tables["differences"]))
    if "sensitivity" in tables:
        sheets.append(_long_sheet("sensitivity", tables["sensitivity"]))
    runs = tables["runs"].copy()
    if "job" in runs.columns:
        runs.insert(list(runs.columns).index("job") + 1, "config_hash", _config_hashes(sweep, runs["job"]))
    sheets.append(Sheet("runs", runs, headers=_headers(runs.columns)))
    return write_workbook(out / WORKBOOK, sheets, provenance(out, sweep, len(runs), baseline, command))
