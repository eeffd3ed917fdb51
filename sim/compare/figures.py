"""The comparison's figures (matplotlib, Agg): means, differences from the
baseline, response-time ECDFs and crime maps, one panel per configuration.

The ECDFs and maps read the runs' own ``calls.parquet`` and
``incidents.parquet`` and cut each run's warm-up, as its summary does.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sim.compare.collect import read_json, read_table  # noqa: E402
from sim.compare.statistics import CONFIDENCE  # noqa: E402
from sim.core.units import MIN_PER_DAY  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.output.labels import is_share, metric_label  # noqa: E402

_ = Translator("reports")

# response-time targets marked on the ECDF, minutes; DOMAIN.md: "share within 3, 8 and 10 minutes"
TARGETS_MIN = (3.0, 8.0, 10.0)


def _panels(n: int, width_in: float = 4.2, height_in: float = 2.6, cols: int = 3):
    use_cjk_fonts()
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
        s = s[["mean", "ci_low", "ci_high"]] * (100 if is_share(m) else 1)  # a share as its label says: %
        y = np.arange(len(configs))
        ax.errorbar(s["mean"], y, xerr=_errors(s["mean"], s["ci_low"], s["ci_high"]), fmt="o", capsize=3)
        _config_axis(ax, configs, metric_label(m))
    fig.suptitle(_("Mean per configuration with {level:.0%} t interval over replicates").format(level=CONFIDENCE),
                 fontsize=10)
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
        cols = ["welch_diff", "welch_ci_low", "welch_ci_high", "mean_diff", "ci_low", "ci_high"]
        d = d[cols] * (100 if is_share(m) else 1)  # a share's difference in percentage points
        y = np.arange(len(configs))
        ax.errorbar(d["welch_diff"], y + 0.18, xerr=_errors(d["welch_diff"], d["welch_ci_low"], d["welch_ci_high"]),
                    fmt="none", ecolor="0.6", elinewidth=1, capsize=2, label=_("Welch (unpaired)"))
        ax.errorbar(d["mean_diff"], y, xerr=_errors(d["mean_diff"], d["ci_low"], d["ci_high"]), fmt="o",
                    color="C0", capsize=3, label=_("paired"))
        ax.axvline(0, color="k", linewidth=0.8)
        _config_axis(ax, configs, metric_label(m))
    if metrics:
        axes[0].legend(fontsize=7)
    baseline = diffs["baseline"].iloc[0] if len(diffs) else ""
    fig.suptitle(_("Difference from baseline ({baseline}), {level:.0%} intervals").format(
        baseline=baseline, level=CONFIDENCE), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _warmup_min(job_dir: Path) -> float:
    config = read_json(job_dir / "manifest.json").get("config", {})
    return float(config.get("sim", {}).get("warmup_days", 0.0)) * MIN_PER_DAY


def response_ecdf_figure(df: pd.DataFrame, sweep_dir: str | Path, path: str | Path) -> int:
    """ECDF of response times per configuration, calls of all its replicates
    pooled (after the warm-up, as in the summary; calls never reached left out).
    Returns the number of runs whose calls.parquet was read."""
    use_cjk_fonts()
    sweep = Path(sweep_dir)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    read, top = 0, 12.0
    for label, runs in df.groupby("config", sort=True):
        parts = []
        for job in runs["job"]:
            calls = read_table(sweep / job / "calls.parquet", ["t_arrival_min", "response_min"])
            if calls is None:
                continue
            resp = calls.loc[calls["t_arrival_min"] >= _warmup_min(sweep / job), "response_min"].to_numpy()
            parts.append(resp[~np.isnan(resp)])
            read += 1
        resp = np.sort(np.concatenate(parts)) if parts else np.array([])
        if len(resp):
            ax.step(resp, np.arange(1, len(resp) + 1) / len(resp), where="post",
                    label=_("{config} ({calls} calls, {runs} runs)").format(config=label, calls=len(resp),
                                                                             runs=len(runs)))
            top = max(top, float(np.percentile(resp, 99)))
    for target in TARGETS_MIN:
        ax.axvline(target, color="grey", linestyle="--", linewidth=1)
        ax.text(target, 0.03, _("{minutes:g} min ")
                              .format(minutes=target), fontsize=7, color="grey", rotation=90, ha="right", va="bottom")
    ax.set_xlim(0, top * 1.05)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel(_("response time (min) = wait for a unit + turnout + travel"))
    ax.set_ylabel(_("share of calls reached within"))
    ax.set_title(_("Response-time ECDF per configuration (replicates pooled)"))
    if read:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return read


def crime_counts(job_dir: Path) -> tuple[np.ndarray, tuple[float, float]] | None:
    """Crimes per district cell of one run (after the warm-up): (counts[x, y],
    (width_m, height_m)), binned by the run's own ``cell_size_m``."""
    district = read_json(job_dir / "manifest.json").get("config", {}).get("district")
    inc = read_table(job_dir / "incidents.parquet", ["x_m", "y_m", "t_min"])
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
    counts, _x, _y = np.histogram2d(inc["x_m"], inc["y_m"], bins=(x_edges, y_edges))
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
    use_cjk_fonts()
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
        ax.set_title(_("{config}\n({n} runs, {crimes:.1f} crimes per run)").format(config=label, n=n,
                                                                                    crimes=mean.sum()), fontsize=8)
        ax.set_xlabel("x (m)", fontsize=8)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("y (m)", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label=_("mean crimes per cell per replicate"))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return len(maps)
