"""The comparison's figures (matplotlib, Agg): means, differences from the
baseline, response-time ECDFs and crime maps (the baseline's crimes, the
others' difference from it), one panel per configuration.

The ECDFs and maps read the runs' own ``calls.parquet`` and
``incidents.parquet`` and cut each run's warm-up, as its summary does. Each
figure is drawn by a ``*_fig`` function from plain tables and arrays (tested
in tests/test_figures.py with sim/output/figure_check.py) and saved by its
``*_figure`` wrapper.
"""
from __future__ import annotations

import math
import textwrap
import unicodedata
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sim.compare.collect import read_json, read_table  # noqa: E402
from sim.compare.statistics import CONFIDENCE, SHARE_DIFF_RANGE, is_count_key  # noqa: E402
from sim.core.units import MIN_PER_DAY  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.output.labels import figure_label, is_share_key, unit_of  # noqa: E402
from sim.output.plots import mark_targets, percent_axis, tail_cut  # noqa: E402

_ = Translator("reports")

# response-time targets marked on the ECDF, minutes; DOMAIN.md: "share within 3, 8 and 10 minutes"
TARGETS_MIN = (3.0, 8.0, 10.0)
MAP_PANEL_IN = 3.5  # a crime map panel's width, inches
TICK_CHAR_IN = 0.06  # a tick label's character at 7 pt, inches
TITLE_CHAR_IN = 0.085  # a title character's width at 8 pt, inches (generous: '=' and '_' are wide)
LINE_STYLES = ("-", "--", "-.", ":")  # with the colours, so six curves stay apart in grey print too


def _panels(n: int, width_in: float = 4.2, height_in: float = 2.6, cols: int = 3, labels=()):
    """``n`` panels in rows of ``cols``; the figure widened for the
    configuration ``labels`` the first column names (issue 23: long labels
    squeezed a single panel until its ticks overlapped)."""
    use_cjk_fonts()
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    label_in = TICK_CHAR_IN * max((len(str(c)) for c in labels), default=0)
    fig, axes = plt.subplots(rows, cols, figsize=(width_in * cols + label_in, height_in * rows), squeeze=False,
                             layout="constrained")
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


def _within(ax, low: float | None = None, high: float | None = None) -> None:
    """Keep the x axis inside what the metric can be (issue 23: a share's
    difference axis ran to +-400 points, a count's below 0)."""
    left, right = ax.get_xlim()
    left, right = (left if low is None else max(left, low)), (right if high is None else min(right, high))
    if left < right:
        ax.set_xlim(left, right)


def _save(fig, path) -> None:
    fig.savefig(path, dpi=110)
    plt.close(fig)


def metrics_figure(summary: pd.DataFrame, path: str | Path) -> None:
    _save(metrics_fig(summary), path)


def metrics_fig(summary: pd.DataFrame):
    """Per metric, each configuration's mean with its 95% interval (a share's
    inside 0-100%, a count's above 0: sim.compare.statistics.metric_kind), shares in %."""
    metrics = list(dict.fromkeys(summary["metric"]))
    configs = sorted(summary["config"].unique())
    fig, axes = _panels(len(metrics), height_in=0.9 + 0.35 * len(configs), labels=configs)
    for ax, m in zip(axes, metrics):
        s = summary[summary["metric"] == m].set_index("config").reindex(configs)
        y = np.arange(len(configs))
        ax.errorbar(s["mean"], y, xerr=_errors(s["mean"], s["ci_low"], s["ci_high"]), fmt="o", capsize=3)
        _config_axis(ax, configs, figure_label(m))
        if is_share_key(m):
            percent_axis(ax.xaxis)
            _within(ax, 0.0, 1.0)
        elif (is_count_key(m) or unit_of(m)) and bool((s[["mean", "ci_low"]].fillna(0) >= 0).all(axis=None)):
            _within(ax, 0.0)  # a count or an amount: its interval (log scale) never below 0, nor the axis
    fig.suptitle(_("Mean per configuration with its {level:.0%} interval over replicates").format(
        level=CONFIDENCE), fontsize=10)
    return fig


def differences_figure(diffs: pd.DataFrame, path: str | Path) -> None:
    _save(differences_fig(diffs), path)


def differences_fig(diffs: pd.DataFrame):
    """Forest plot: per metric, each configuration minus the baseline; the
    paired interval solid, Welch's unpaired interval thin and grey behind it.
    A share's difference in percentage points, its axis inside +-100 points."""
    metrics = list(dict.fromkeys(diffs["metric"]))
    configs = sorted(diffs["config"].unique())
    fig, axes = _panels(max(len(metrics), 1), height_in=1.1 + 0.35 * len(configs), labels=configs)
    for ax, m in zip(axes, metrics):
        d = diffs[diffs["metric"] == m].set_index("config").reindex(configs)
        cols = ["welch_diff", "welch_ci_low", "welch_ci_high", "mean_diff", "ci_low", "ci_high"]
        share = is_share_key(m)
        d = d[cols] * (100 if share else 1)  # a share's difference in percentage points
        y = np.arange(len(configs))
        ax.errorbar(d["welch_diff"], y + 0.18, xerr=_errors(d["welch_diff"], d["welch_ci_low"], d["welch_ci_high"]),
                    fmt="none", ecolor="0.6", elinewidth=1, capsize=2, label=_("Welch (unpaired)"))
        ax.errorbar(d["mean_diff"], y, xerr=_errors(d["mean_diff"], d["ci_low"], d["ci_high"]), fmt="o",
                    color="C0", capsize=3, label=_("paired"))
        ax.axvline(0, color="k", linewidth=0.8)
        _config_axis(ax, configs, figure_label(m))
        if share:  # a difference of two shares: at most 100 points either way
            _within(ax, 100 * SHARE_DIFF_RANGE[0], 100 * SHARE_DIFF_RANGE[1])
        unit = unit_of(m)
        ax.set_xlabel(_("difference (percentage points)") if share else
                      _("difference ({unit})").format(unit=unit) if unit else _("difference"), fontsize=7)
    if metrics:
        axes[0].legend(fontsize=7)
    baseline = diffs["baseline"].iloc[0] if len(diffs) else ""
    fig.suptitle(_("Difference from baseline ({baseline}), {level:.0%} intervals").format(
        baseline=baseline, level=CONFIDENCE), fontsize=10)
    return fig


def _warmup_min(job_dir: Path) -> float:
    config = read_json(job_dir / "manifest.json").get("config", {})
    return float(config.get("sim", {}).get("warmup_days", 0.0)) * MIN_PER_DAY


def response_times(df: pd.DataFrame, sweep_dir: str | Path) -> tuple[dict[str, tuple[np.ndarray, int]], int]:
    """Per configuration: (response times of the calls of all its replicates
    pooled, after the warm-up as in the summary, calls never reached left out;
    its number of runs), and the number of runs whose calls.parquet was read."""
    sweep = Path(sweep_dir)
    curves, read = {}, 0
    for label, runs in df.groupby("config", sort=True):
        parts = []
        for job in runs["job"]:
            calls = read_table(sweep / job / "calls.parquet", ["t_arrival_min", "response_min"])
            if calls is None:
                continue
            resp = calls.loc[calls["t_arrival_min"] >= _warmup_min(sweep / job), "response_min"].to_numpy()
            parts.append(resp[~np.isnan(resp)])
            read += 1
        curves[label] = (np.concatenate(parts) if parts else np.array([]), len(runs))
    return curves, read


def response_ecdf_figure(df: pd.DataFrame, sweep_dir: str | Path, path: str | Path) -> int:
    """The ECDF figure of a sweep folder; returns the number of runs whose calls.parquet was read."""
    curves, read = response_times(df, sweep_dir)
    _save(response_ecdf_fig(curves), path)
    return read


def response_ecdf_fig(curves: dict[str, tuple[np.ndarray, int]]):
    """ECDF of response times per configuration ({label: (times, runs)}), the
    3/8/10-minute targets marked. The axis ends where it matters (``tail_cut``:
    the 99th percentile of all calls, at least the largest target, at most 4
    times it), said under the axis; each curve's share beyond the cut in its
    legend entry."""
    use_cjk_fonts()
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    pooled = np.concatenate([c[0] for c in curves.values()]) if curves else np.array([])
    cut, note = tail_cut(pooled, TARGETS_MIN)
    drawn = 0
    for i, (label, (resp, runs)) in enumerate(sorted(curves.items())):
        if not len(resp):
            continue
        resp = np.sort(resp)
        beyond = float((resp > cut).mean())
        text = _("{config} ({calls} calls, {runs} runs)").format(config=label, calls=len(resp), runs=runs)
        if beyond:
            text += _("; {share:.1%} after {cut:.0f} min").format(share=beyond, cut=cut)
        ax.step(resp, np.arange(1, len(resp) + 1) / len(resp), where="post", label=text,
                color=f"C{i % 10}", linestyle=LINE_STYLES[i % len(LINE_STYLES)], linewidth=1.4)
        drawn += 1
    ax.set_xlim(0, cut)
    ax.set_ylim(0, 1.01)
    percent_axis(ax.yaxis)
    pad = mark_targets(ax, [(t, _("{minutes:g} min").format(minutes=t)) for t in TARGETS_MIN])
    xlabel = _("response time (min) = wait for a unit + turnout + travel")
    ax.set_xlabel(xlabel + ("\n" + note if note else ""))
    ax.set_ylabel(_("calls reached within (%)"))
    ax.set_title(_("Response-time ECDF per configuration (replicates pooled)"), pad=pad)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(fontsize=7, loc="lower right")
    return fig


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


def crime_maps(df: pd.DataFrame, sweep_dir: str | Path) -> list[tuple[str, np.ndarray, tuple[float, float], int]]:
    """Per configuration: (label, mean crimes per cell per replicate, (width_m,
    height_m), runs read); configurations whose runs disagree on the grid are left out."""
    sweep = Path(sweep_dir)
    maps = []
    for label, runs in df.groupby("config", sort=True):
        got = [c for c in (crime_counts(sweep / job) for job in runs["job"]) if c is not None]
        shapes = {c[0].shape for c in got}
        if got and len(shapes) == 1:
            maps.append((label, sum(c[0] for c in got) / len(got), got[0][1], len(got)))
    return maps


def crime_map_figure(df: pd.DataFrame, sweep_dir: str | Path, path: str | Path, baseline: str | None = None) -> int:
    """The crime maps of a sweep folder (``baseline``: its label; default the
    first configuration, as select_baseline's default). Returns the number of
    configurations drawn."""
    maps = crime_maps(df, sweep_dir)
    if maps:
        _save(crime_map_fig(maps, baseline), path)
    return len(maps)


def crime_map_fig(maps, baseline: str | None = None):
    """The baseline's mean crimes per cell per replicate (levels, sequential
    colours), then each other configuration minus the baseline, cell by cell
    (a diverging scale centred on 0: red more crime, blue less). A
    configuration on another grid than the baseline's is shown as levels on
    the baseline's scale, and its title says so."""
    use_cjk_fonts()
    base = next((m for m in maps if m[0] == baseline), maps[0])
    others = [m for m in maps if m is not base]
    diffs = [m[1] - base[1] for m in others if m[1].shape == base[1].shape]
    span = max((float(np.abs(d).max()) for d in diffs), default=0.0) or 1.0
    cols = min(len(maps), 4)
    rows = math.ceil(len(maps) / cols)
    # a panel wide enough for the longest unbreakable part of a label (issue 23: long labels overlapped)
    longest = max((len(word) for m in maps for word in str(m[0]).split()), default=0)
    panel_in = max(MAP_PANEL_IN, (longest + 2) * TITLE_CHAR_IN)
    wrap = max(int(panel_in / TITLE_CHAR_IN) - 2, 8)
    lines = max(_fill(_("{config} minus baseline\n{n} runs, {diff:+.1f} crimes per run").format(
        config=m[0], n=0, diff=0.0), wrap).count("\n") + 1 for m in maps)
    height_in = max((3.3 + 0.15 * lines) * rows + 0.8, 5.0)  # at least the difference colour bar's label
    fig, grid = plt.subplots(rows, cols, figsize=(panel_in * cols + 1.6, height_in),
                             squeeze=False, layout="constrained")
    for ax in grid.flat[len(maps):]:
        ax.set_visible(False)
    axes = list(grid.flat[:len(maps)])
    vmax = float(base[1].max()) or 1.0
    level = _draw_map(axes[0], base[1], base[2], "magma_r", vmin=0, vmax=vmax)
    axes[0].set_title(_fill(_("baseline: {config}\n{n} runs, {crimes:.1f} crimes per run").format(
        config=base[0], n=base[3], crimes=base[1].sum()), wrap), fontsize=8)
    diff_axes, image = [], None
    for ax, (label, mean, extent, n) in zip(axes[1:], others):
        if mean.shape != base[1].shape:
            _draw_map(ax, mean, extent, "magma_r", vmin=0, vmax=vmax)
            ax.set_title(_fill(_("{config}: another grid, levels\n{n} runs, {crimes:.1f} crimes per run").format(
                config=label, n=n, crimes=mean.sum()), wrap), fontsize=8)
            continue
        image = _draw_map(ax, mean - base[1], extent, "RdBu_r", norm=TwoSlopeNorm(0.0, -span, span))
        ax.set_title(_fill(_("{config} minus baseline\n{n} runs, {diff:+.1f} crimes per run").format(
            config=label, n=n, diff=mean.sum() - base[1].sum()), wrap), fontsize=8)
        diff_axes.append(ax)
    for ax in axes:
        ax.set_xlabel(_("x (m)"), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(_("y (m)"), fontsize=8)
    # under the baseline's map: on its left it sat on the panel's y-axis label (issue 23)
    bar = fig.colorbar(level, ax=axes[0], shrink=0.9, location="bottom" if len(axes) > 1 else "right",
                       label=_("baseline: crimes per cell per replicate"))
    bar.ax.tick_params(labelsize=7)
    if len(axes) > 1:  # a horizontal bar: five ticks fit its width
        bar.ax.xaxis.set_major_locator(MaxNLocator(5))
    if image is not None:
        bar = fig.colorbar(image, ax=diff_axes, shrink=0.8)
        bar.set_label(_("difference from baseline: crimes per cell per replicate"), fontsize=9)
    if not others:
        fig.suptitle(_("One configuration: no difference to show"), fontsize=9)
    return fig


def _wrap(line: str, width: int) -> list[str]:
    """``line`` in lines of at most ``width`` characters (a CJK character
    counted twice), broken at spaces only: an override such as
    ``policy=volunteer_night_patrol`` is never split."""
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in line)
    return textwrap.wrap(line, max(width - wide // 2, 8), break_long_words=False, break_on_hyphens=False) or [""]


def _fill(title: str, width: int) -> str:
    """A panel's title, each of its lines wrapped to ``width`` characters."""
    return "\n".join(part for line in title.split("\n") for part in _wrap(line, width))


def _draw_map(ax, values: np.ndarray, extent: tuple[float, float], cmap: str, **scale):
    w_m, h_m = extent
    return ax.imshow(values.T, origin="lower", extent=(0, w_m, 0, h_m), cmap=cmap, interpolation="nearest",
                     **scale)
