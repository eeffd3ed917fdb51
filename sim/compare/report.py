"""``report.md`` and the ``compare()`` pipeline that writes every output of
``python -m sim.compare``.

A Morris sweep (``morris_design.json`` present) gets ``sim.study.sensitivity``'s
screening instead of the per-configuration sections: every run is its own
design point. The dependency runs one way: this module calls the screening,
the screening knows nothing of sweep folders.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.compare.collect import (BOOKKEEPING, KEY_METRICS, OUTPUT_DIRNAME, CompareError, Inventory,
                                 available_metrics, collect, fmt_value, inventory, read_json, varying_parameters,
                                 write_runs)
from sim.compare.html import write_html_report
from sim.compare.figures import crime_map_figure, differences_figure, metrics_figure, response_ecdf_figure
from sim.compare.statistics import (CONFIDENCE, NONNEGATIVE, REAL, SHARE, metric_kind, paired_differences,
                                    select_baseline, summarise)
from sim.compare.workbook import write_comparison_workbook
from sim.core.checks import ConfigError
from sim.core.outdir import check_out_dir
from sim.core.markdown import fmt_interval, fmt_number, md_code, md_inline, md_table
from sim.output.provenance import finish_manifest, prepare_dir
from sim.study import sensitivity
from sim.compose.sweep_plan import DESIGN_FILE
from sim.i18n import Translator
from sim.output.labels import is_share, metric_label

_ = Translator("reports")


def _shown(metric: str, value):
    """A share as a percentage (its label says %), other values as they are."""
    return value * 100 if is_share(metric) and value is not None else value


# ---------------------------------------------------------------- report

def _collection_section(inv: Inventory, df: pd.DataFrame) -> list[str]:
    """How many jobs were read and why the others were not; what varies."""
    total = len(inv.finished) + len(inv.unfinished) + len(inv.failed)
    lines = [_("## What was collected"), "",
             _("{total} job folders: **{finished} finished** (with `DONE`), {unfinished} unfinished (no `DONE`), "
               "{failed} failed. Only finished jobs are read.").format(
                 total=total, finished=len(inv.finished), unfinished=len(inv.unfinished), failed=len(inv.failed)),
             ""]
    if inv.unfinished:
        names = ", ".join(md_code(p.name) for p in inv.unfinished[:10])
        lines += [_("- unfinished: {names}").format(names=names) + (" ..." if len(inv.unfinished) > 10 else "")]
    for name, error in list(inv.failed.items())[:10]:
        lines += [_("- failed {name}: {error}").format(name=md_code(name), error=md_code(error))]
    if inv.foreign:
        lines += [_("- ignored {n} folders that `sweep.json` does not list (another sweep's)").format(
            n=len(inv.foreign))]
    if inv.stale:
        lines += [_("- ignored {n} runs finished with an older configuration of this study "
                    "(re-run the sweep command to redo them)").format(n=len(inv.stale))]
    if inv.unfinished or inv.failed or inv.foreign or inv.stale:
        lines.append("")
    params = df.attrs.get("parameters", [])
    vary = varying_parameters(df, params)
    fixed = [p for p in params if p not in vary and p not in BOOKKEEPING]
    listed = ", ".join(md_code(p) for p in vary) or _("none")
    if "design_row" in df.columns:  # a design sweep: rows, not configurations
        lines.append(_("- design rows with a finished run: {rows}; parameters set by the design: {listed}").format(
            rows=df["design_row"].nunique(), listed=listed))
    else:
        reps = df.groupby("config").size()
        runs = (_("{lo} to {hi}").format(lo=reps.min(), hi=reps.max()) if reps.max() != reps.min()
                else str(reps.min()))
        lines += [_("- configurations: {n}; varying parameters: {listed}").format(n=df["config"].nunique(),
                                                                                   listed=listed),
                  _("- runs per configuration: {runs}").format(runs=runs)]
    fixed_text = ", ".join(md_code(f"{p}={fmt_value(df[p].iloc[0])}") for p in fixed) or _("none")
    lines += [_("- fixed overrides: {overrides}").format(overrides=fixed_text),
              _("- one row per run in `runs.parquet`"), ""]
    return lines


def _interval_methods(kinds: set[str]) -> str:
    """How the intervals of the metric kinds present were computed (sim.compare.statistics.metric_kind)."""
    methods = {SHARE: _("shares (%): Wilson's score interval on the replicates' effective sample size, inside "
                        "0-100%"),
               NONNEGATIVE: _("counts, times and other amounts that cannot be negative: a t interval on the log "
                              "scale, never below 0"),
               REAL: _("other metrics: a t interval")}
    return "; ".join(text for kind, text in methods.items() if kind in kinds)


def _configurations_section(summary: pd.DataFrame, kinds: dict[str, str] | None = None) -> list[str]:
    """One row per configuration: each metric's mean and interval (``kinds``:
    each metric's kind, which names the interval's method)."""
    metrics = list(dict.fromkeys(summary["metric"]))
    kinds = kinds or {}
    rows = []
    for label, s in summary.groupby("config", sort=True):
        s = s.set_index("metric")
        cells = [f"{fmt_number(_shown(m, s.at[m, 'mean']))} "
                 f"{fmt_interval(_shown(m, s.at[m, 'ci_low']), _shown(m, s.at[m, 'ci_high']))}" for m in metrics]
        rows.append([md_code(label), str(int(s["n"].max())), *cells])
    return [_("## Configurations"), "",
            _("Mean over replicates [{level:.0%} interval]; `–` where a configuration has one run. "
              "Intervals: {methods}.").format(level=CONFIDENCE,
                                              methods=_interval_methods({kinds.get(m, REAL) for m in metrics})),
            "",
            md_table([_("configuration"), _("runs"), *(md_inline(metric_label(m)) for m in metrics)], rows), ""]


def _differences_section(diffs: pd.DataFrame, baseline: str, how: str) -> list[str]:
    """Paired and Welch intervals of each configuration minus the baseline."""
    key = diffs["paired_by"].dropna().iloc[0] if diffs["paired_by"].notna().any() else None
    pairing = (_("Runs are paired by {key}: replicate k of every configuration uses the same root seed "
                 "(common random numbers), so d_k = config_k - baseline_k removes the demand both share.").format(
                     key=md_code(key))
               if key else _("Runs could not be paired (replicates are not unique within a configuration); "
                             "only Welch intervals are given."))
    rows = []
    order = {m: i for i, m in enumerate(dict.fromkeys(diffs["metric"]))}
    for _i, d in diffs.sort_values(["metric", "config"], key=lambda c: c.map(order) if c.name == "metric" else c,
                                  kind="stable").iterrows():
        paired_w = d["ci_high"] - d["ci_low"]
        welch_w = d["welch_ci_high"] - d["welch_ci_low"]
        ratio = welch_w / paired_w if paired_w and not math.isnan(paired_w) and paired_w > 0 else math.nan
        m = d["metric"]
        rows.append([md_inline(metric_label(m)), md_code(d["config"]), str(d["n_pairs"]), fmt_number(_shown(m, d["mean_diff"])),
                     fmt_interval(_shown(m, d["ci_low"]), _shown(m, d["ci_high"])),
                     fmt_interval(_shown(m, d["welch_ci_low"]), _shown(m, d["welch_ci_high"])), fmt_number(ratio)])
    return [_("## Paired differences from the baseline"), "",
            _("Baseline: **{baseline}** ({how}).").format(baseline=md_inline(baseline), how=md_inline(how)), "",
            pairing,
            _("Intervals are {level:.0%} t intervals (shares in percentage points, cut to the possible range of "
              "-100 to +100 points); the last column is how many times wider the unpaired Welch interval is.").format(
                level=CONFIDENCE), "",
            md_table([_("metric"), _("configuration"), _("pairs"), _("mean difference"), _("paired CI"),
                      _("Welch CI"), _("Welch / paired width")], rows), ""]



def write_report(out_dir: Path, inv: Inventory, df: pd.DataFrame, summary: pd.DataFrame | None = None,
                 diffs: pd.DataFrame | None = None, baseline: str | None = None, baseline_how: str = "",
                 figures: dict[str, str] | None = None, sensitivity_lines: list[str] | None = None) -> Path:
    """report.md: what was collected, the tables, the figures."""
    sweep_info = read_json(inv.sweep_dir / "sweep.json")
    lines = [_("# Sweep comparison: {name}").format(name=md_code(inv.sweep_dir.name)), "",
             _("Sweep folder {folder}; written {when} UTC by `python -m sim.compare`.").format(
                 folder=md_code(inv.sweep_dir), when=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M}"), ""]
    command = _sweep_command(sweep_info)
    if command:
        lines += [_("Sweep command (its latest run): {command}").format(command=md_code(command)), ""]
    scalars = {k: v for k, v in sweep_info.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    if scalars:
        lines += [_("From `sweep.json`: {values}").format(
            values="; ".join(md_code(f"{k} = {v}") for k, v in list(scalars.items())[:8])), ""]
    lines += _collection_section(inv, df)
    if summary is not None and len(summary):
        lines += _configurations_section(summary, {m: metric_kind(df[m], m) for m in dict.fromkeys(summary["metric"])
                                                   if m in df.columns})
    if diffs is not None and len(diffs):
        lines += _differences_section(diffs, baseline, baseline_how)
    elif baseline is not None:
        lines += [_("## Paired differences from the baseline"), "",
                  _("Only one configuration (**{baseline}**): nothing to compare it with.").format(
                      baseline=md_inline(baseline)),
                  ""]
    if sensitivity_lines:
        lines += sensitivity_lines
    if figures:
        lines += [_("## Figures"), ""]
        lines += [f"### {title}\n\n![{title}]({name})\n" for name, title in figures.items()]
    path = out_dir / "report.md"
    text = "\n".join(lines).rstrip() + "\n"
    path.write_text(text)
    write_html_report(out_dir / "report.html", text)  # the same report as one page to share (sim/compare/html.py)
    return path


def _sweep_command(sweep_info: dict) -> str | None:
    """The latest invocation's command as ``sweep.json`` records it; None without one."""
    invocations = sweep_info.get("invocations")
    last = invocations[-1] if isinstance(invocations, list) and invocations else None
    command = last.get("command") if isinstance(last, dict) else None
    return " ".join(map(str, command)) if isinstance(command, list) and command else None


# ---------------------------------------------------------------- pipeline

def compare(sweep_dir: str | Path, baseline=None, out_dir: str | Path | None = None,
            metrics=None, overwrite: bool = False, command: str | None = None) -> Path:
    """Collect, summarise, compare, draw and report; returns the report's path
    (``command``: the command line as typed, for comparison.xlsx's provenance).
    Raises CompareError for a missing folder, no finished jobs, a bad baseline
    or metric, or an incomplete Morris design."""
    sweep = Path(sweep_dir)
    try:  # the sweep's own compare folder may hold an earlier comparison: only links and system folders refused
        out = (check_out_dir(out_dir, "--out", overwrite, "--overwrite", kind="compare") if out_dir is not None
               else check_out_dir(sweep / OUTPUT_DIRNAME, "--out", True))
    except ConfigError as exc:
        raise CompareError(str(exc)) from None
    inv = inventory(sweep, out)
    df = collect(sweep, inv)
    metrics = available_metrics(df, metrics)
    design = morris_design(sweep)
    if design is None:  # a bad baseline fails before anything is written
        base, how = select_baseline(df, baseline)
    elif baseline:
        raise CompareError(_("--baseline does not apply to a Morris sweep (every run is its own design point)"))
    prepare_dir(out, overwrite=True, kind="compare")  # checked above (--out), or the sweep's own compare folder
    write_runs(df, out / "runs.parquet")
    if design is not None:  # every run is its own design point: screening, not configurations
        report = _write_screening(out, inv, df, metrics, design)
        write_comparison_workbook(out, sweep, command=command)  # comparison.xlsx and the tables as CSV (issue 23)
        finish_manifest(out, runs=len(df))
        return report
    report = _write_comparison(out, sweep, inv, df, metrics, base, how)
    write_comparison_workbook(out, sweep, base, command)  # comparison.xlsx and the tables as CSV (issue 23)
    finish_manifest(out, runs=len(df), baseline=base)
    return report


def morris_design(sweep_dir: str | Path) -> dict | None:
    """The sweep's Morris design, None for an ordinary sweep; a damaged one is a CompareError."""
    try:
        return sensitivity.load_design(sweep_dir)
    except (sensitivity.SensitivityError, ValueError) as exc:  # ValueError: not JSON
        raise CompareError(_("morris_design.json: {exc}").format(exc=exc)) from None


def screen_sweep(sweep_dir: str | Path, metrics=None) -> pd.DataFrame:
    """Morris indices of a finished Morris sweep folder: its runs as ``collect``
    reads them, its design from ``morris_design.json``; ``metrics`` default to
    the key metrics."""
    design = morris_design(sweep_dir)
    if design is None:
        raise CompareError(_("{sweep_dir}: no {design_file}").format(sweep_dir=sweep_dir, design_file=DESIGN_FILE))
    return sensitivity.morris_analysis(collect(sweep_dir), metrics or KEY_METRICS, design)


def _write_screening(out: Path, inv: Inventory, df: pd.DataFrame, metrics: list[str], design: dict) -> Path:
    """sensitivity.parquet, sensitivity.png and report.md of a Morris sweep."""
    try:
        table = sensitivity.morris_analysis(df, metrics, design)
    except sensitivity.SensitivityError as exc:
        write_report(out, inv, df, sensitivity_lines=[_("## Sensitivity (Morris)"), "",
                                                      _("Not computed: {error}").format(error=exc), ""])
        raise CompareError(_("sensitivity: {exc}").format(exc=exc)) from None
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), out / "sensitivity.parquet")
    sensitivity.sensitivity_figure(table, out / "sensitivity.png")
    return write_report(out, inv, df, figures={"sensitivity.png": _("Morris screening: mu* per parameter")},
                        sensitivity_lines=sensitivity.report_lines(table, design, df))


def _write_comparison(out: Path, sweep: Path, inv: Inventory, df: pd.DataFrame, metrics: list[str],
                      base: str, how: str) -> Path:
    """The tables, figures and report.md of an ordinary sweep: configurations against the baseline."""
    summary = summarise(df, metrics)
    diffs = paired_differences(df, base, metrics)
    pq.write_table(pa.Table.from_pandas(summary, preserve_index=False), out / "configurations.parquet")
    pq.write_table(pa.Table.from_pandas(diffs, preserve_index=False), out / "differences.parquet")
    figures = {}
    if len(summary):
        metrics_figure(summary, out / "metrics.png")
        figures["metrics.png"] = _("Key metrics per configuration")
    if len(diffs):
        differences_figure(diffs, out / "differences.png")
        figures["differences.png"] = _("Differences from the baseline (paired and Welch intervals)")
    if response_ecdf_figure(df, sweep, out / "response_ecdf.png"):
        figures["response_ecdf.png"] = _("Response-time ECDF per configuration")
    if crime_map_figure(df, sweep, out / "crime_maps.png", base):
        figures["crime_maps.png"] = _("Where crimes happen: the baseline's crimes per cell, the others' difference "
                                      "from it")
    return write_report(out, inv, df, summary, diffs, base, how, figures)
