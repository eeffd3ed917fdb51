"""Morris elementary-effects screening of a finished sweep (SALib).

A Morris sweep runs one job per row of a design matrix X (``morris_design.json``
in the sweep folder, written by the sweep; row i is the job whose overrides
contain ``design_row=i``). The rows form trajectories that move one parameter at
a time, so each step gives one elementary effect of that parameter. Why Morris:
with ten-odd uncertain knobs and runs costing seconds each, r(k+1) runs rank
the knobs by influence before anyone spends a full variance-based analysis.

X is taken from the design file, not re-read from the overrides: the design is
what SALib's trajectories were built from. Y is the metric of the job of each
row (the mean over its replicates if a row was run more than once). Every row
is needed, because an elementary effect is a difference between neighbouring
rows of one trajectory.

SALib's unscaled effects are Delta y / Delta with Delta the step as a fraction
of each parameter's range, so ``mu_star`` is in the metric's units per full
range of the parameter: comparable across parameters.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from SALib.analyze import morris  # noqa: E402

from sim.core.markdown import fmt_number, md_code, md_inline, md_table  # noqa: E402
from sim.compose.sweep_plan import DESIGN_FILE  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.output.labels import figure_label, is_share_key, metric_label, unit_of  # noqa: E402

_ = Translator("reports")

BOOTSTRAP_RESAMPLES = 1000  # resamples for mu_star_conf, count
CONFIDENCE = 0.95  # coverage of mu_star_conf, probability
COLUMNS = ["metric", "parameter", "mu", "mu_star", "sigma", "mu_star_conf", "rank"]


class SensitivityError(Exception):
    """Why the screening cannot be computed, in one line."""


def load_design(sweep_dir: str | Path) -> dict | None:
    """The sweep's Morris design, or None for an ordinary sweep."""
    path = Path(sweep_dir) / DESIGN_FILE
    if not path.exists():
        return None
    design = json.loads(path.read_text())
    if not isinstance(design, dict):
        raise SensitivityError(_("{path}: not a design").format(path=path))
    missing = [k for k in ("names", "bounds", "X") if k not in design]
    if missing:
        raise SensitivityError(_("{path}: missing {items}").format(path=path, items=', '.join(missing)))
    names, bounds, x = design["names"], design["bounds"], design["X"]
    try:
        ok = (isinstance(names, list) and all(isinstance(n, str) for n in names) and isinstance(bounds, list)
              and len(bounds) == len(names) and all(len(b) == 2 and float(b[0]) < float(b[1]) for b in bounds)
              and isinstance(x, list) and all(isinstance(r, list) and len(r) == len(names)
                                               and all(math.isfinite(float(v)) for v in r) for r in x))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SensitivityError(_("{path}: damaged (names, [low, high] bounds and rows X of one number per name)")
                               .format(path=path))
    return design


def problem(design: dict) -> dict:
    """SALib's problem dictionary for the design."""
    return {"num_vars": len(design["names"]), "names": list(design["names"]),
            "bounds": [list(map(float, b)) for b in design["bounds"]]}


def design_outputs(runs: pd.DataFrame, design: dict, metric: str) -> np.ndarray:
    """Y in design-row order: the metric of each row's run(s), averaged over
    replicates. Raises if any row has no finished run."""
    n_rows = len(design["X"])
    if "design_row" not in runs.columns:
        raise SensitivityError(_("no run has a design_row override; is this a Morris sweep?"))
    rows = pd.to_numeric(runs["design_row"], errors="coerce")
    outside = sorted(set(rows.dropna().astype(int)) - set(range(n_rows)))
    if outside or rows.isna().any():
        raise SensitivityError(_("design_row values outside 0..{value}: {value2}")
                               .format(value=n_rows - 1, value2=outside or _("unset")))
    y = runs[metric].groupby(rows.astype(int)).mean().reindex(range(n_rows))
    absent = sorted(set(range(n_rows)) - set(rows.astype(int)))
    if absent:
        shown = ", ".join(map(str, absent[:10])) + (" ..." if len(absent) > 10 else "")
        raise SensitivityError((_("{n} of {n_rows} design rows have no finished run (row {shown}); "
                                  "Morris needs every row of every trajectory") if len(absent) == 1 else
                                _("{n} of {n_rows} design rows have no finished run (rows {shown}); "
                                  "Morris needs every row of every trajectory"))
                               .format(n=len(absent), n_rows=n_rows, shown=shown))
    return y.to_numpy(dtype=float)


def morris_analysis(runs: pd.DataFrame, metrics: list[str], design: dict,
                    num_resamples: int = BOOTSTRAP_RESAMPLES) -> pd.DataFrame:
    """Morris indices per metric and parameter: mu, mu_star, sigma,
    mu_star_conf and rank (1 = largest mu_star).

    ``runs``: one row per finished run with its ``design_row`` (as
    ``sim.compare.collect`` reads a sweep folder; ``sim.compare.report.screen_sweep``
    does both); ``design`` as ``load_design`` returns it. Metrics that are
    missing, or undefined at some design row, are skipped and named in
    ``attrs["skipped"]``."""
    spec = problem(design)
    x = np.asarray(design["X"], dtype=float)
    if x.shape[1] != spec["num_vars"]:
        raise SensitivityError(_("design X has {value} columns for {value2} names")
                               .format(value=x.shape[1], value2=spec['num_vars']))
    levels = int(design.get("levels", 4))
    frames, skipped = [], {}
    for metric in metrics:
        if metric not in runs.columns or runs[metric].isna().all():
            skipped[metric] = "not in the runs"
            continue
        y = design_outputs(runs, design, metric)
        if np.isnan(y).any():
            skipped[metric] = f"undefined at {int(np.isnan(y).sum())} design rows"
            continue
        si = morris.analyze(spec, x, y, num_resamples=num_resamples, conf_level=CONFIDENCE,
                            num_levels=levels, seed=design.get("seed"))
        frame = pd.DataFrame({"metric": metric, "parameter": list(si["names"]),
                              **{k: np.asarray(si[k], dtype=float)
                                 for k in ("mu", "mu_star", "sigma", "mu_star_conf")}})
        frame["rank"] = frame["mu_star"].rank(ascending=False, method="min").astype(int)
        frames.append(frame.sort_values(["rank", "parameter"]))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    table = table[COLUMNS]
    table.attrs["skipped"] = skipped
    return table


def sensitivity_figure(table: pd.DataFrame, path: str | Path) -> None:
    fig = sensitivity_fig(table)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sensitivity_fig(table: pd.DataFrame):
    """One panel per metric: mu_star per parameter, largest on top, with its
    bootstrap interval; parameters and metrics named in words
    (sim.output.labels.figure_label), a share's mu* in percentage points."""
    metrics = list(dict.fromkeys(table["metric"]))
    n_params = table["parameter"].nunique() if len(table) else 1
    cols = min(3, max(len(metrics), 1))
    rows = max(math.ceil(len(metrics) / cols), 1)
    use_cjk_fonts()
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, (1.7 + 0.32 * n_params) * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax, metric in zip(axes.flat, metrics):
        t = table[table["metric"] == metric].sort_values("mu_star")
        y = np.arange(len(t))
        scale = 100 if is_share_key(metric) else 1  # a share's effect in percentage points
        ax.barh(y, t["mu_star"] * scale, xerr=t["mu_star_conf"] * scale, color="C0", alpha=0.8, capsize=3)
        ax.set_yticks(y, [figure_label(p) for p in t["parameter"]], fontsize=7)
        ax.set_title(figure_label(metric), fontsize=9)
        unit = unit_of(metric)
        ax.set_xlabel(_("mu*, percentage points per full range") if scale == 100 else
                      _("mu*, {unit} per full range").format(unit=unit) if unit else
                      _("mu*, metric units per full range"), fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(_("Morris screening: mean absolute elementary effect, {level:.0%} bootstrap interval").format(
        level=CONFIDENCE), fontsize=10)
    return fig


def report_lines(table: pd.DataFrame, design: dict, runs: pd.DataFrame) -> list[str]:
    """The report.md section: design, how to read the indices, one table per metric."""
    n_rows, k = len(design["X"]), len(design["names"])
    lines = [_("## Sensitivity (Morris)"), "",
             _("Every run of a Morris sweep is its own design point, so there are no per-configuration means or "
               "paired differences here. Design: {k} parameters, {trajectories} trajectories, {levels} levels, "
               "{rows} design rows, {runs} finished runs.").format(
                 k=k, trajectories=design.get("trajectories", n_rows // (k + 1)), levels=design.get("levels", 4),
                 rows=n_rows, runs=len(runs)), "",
             _("- `mu*` (mean |elementary effect|, in the metric's units per full range of the parameter) ranks "
               "influence; `sigma` large next to `mu*` means non-linear effects or interactions; `mu` far below "
               "`mu*` means effects of both signs."), ""]
    bounds = ", ".join(f"{md_code(n)} [{fmt_number(lo)}, {fmt_number(hi)}]"
                       for n, (lo, hi) in zip(design["names"], design["bounds"]))
    lines += [_("- parameter ranges: {bounds}").format(bounds=bounds), ""]
    for metric, reason in table.attrs.get("skipped", {}).items():
        lines.append(_("- skipped {metric}: {reason}").format(metric=md_code(metric), reason=md_inline(reason)))
    for metric, t in table.groupby("metric", sort=False):
        rows = [[str(r["rank"]), md_code(r["parameter"]),
                 *(fmt_number(r[k]) for k in ("mu_star", "mu_star_conf", "mu", "sigma"))]
                for _row, r in t.sort_values("rank").iterrows()]
        lines += ["", f"### {md_inline(metric_label(metric))}", "",
                  md_table([_("rank"), _("parameter"), "mu*", "± (95%)", "mu", "sigma"], rows)]
    return lines + [""]
