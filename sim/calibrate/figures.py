"""The calibration's two figures: each target against what the calibrated
model gives (with the target's band and the simulation's 95% interval), and
how the search converged (every candidate's distance, the best so far).

A target is named in words (its key's words, sim.output.labels.figure_label)
with its statistic; a relative change is shown as a percentage.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.i18n import N_, Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.output.labels import figure_label  # noqa: E402
from sim.output.plots import percent_axis  # noqa: E402

_ = Translator("checks")

STATISTICS = {"value": N_("value"), "difference": N_("difference, treatment - baseline"),
              "ratio": N_("ratio, treatment / baseline"), "relative_change": N_("relative change (%)")}
PHASES = {"explore": N_("explore (candidates)"), "refine": N_("refine (candidates)")}


def targets_figure(targets: dict, path: Path, title: str, statistics: dict[str, str] | None = None) -> None:
    with warnings.catch_warnings():  # target names in Chinese without a CJK font: boxes, not a warning a glyph
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig = targets_fig(targets, title, statistics)
        fig.savefig(path, dpi=110)
    plt.close(fig)


def targets_fig(targets: dict, title: str, statistics: dict[str, str] | None = None):
    """One row per target: its band and value, the simulated estimate with its
    95% interval (blue inside the band, red outside). ``statistics``: target ->
    its statistic (value, difference, ratio, relative_change)."""
    use_cjk_fonts()
    statistics = statistics or {}
    names = list(targets)
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 1.3 + 0.8 * len(names)), squeeze=False,
                             layout="constrained")
    for ax, name in zip(axes[:, 0], names):
        t = targets[name]
        lo, hi = t["band"]
        ax.axvspan(lo, hi, color="tab:green", alpha=0.18, label=_("target band (95%)"))
        ax.axvline(t["target"], color="tab:green", lw=1.5, label=_("target"))
        sim = t["simulated"]
        if sim is not None:
            ci = [c if c is not None else sim for c in t["ci95"]]
            colour = "tab:blue" if t["inside"] else "tab:red"
            ax.errorbar([sim], [0], xerr=[[sim - ci[0]], [ci[1] - sim]], fmt="o", color=colour, capsize=4,
                        label=_("simulated (95% interval)"))
            span = [x for x in (lo, hi, *ci) if x is not None and math.isfinite(x)]
        else:
            span = [lo, hi]
        pad = 0.15 * (max(span) - min(span) or 1.0)
        ax.set_xlim(min(span) - pad, max(span) + pad)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=7)
        statistic = statistics.get(name)
        label = figure_label(name) + (_(" (claim)") if t.get("claim") else "")
        if statistic in STATISTICS:
            label += "\n" + _(STATISTICS[statistic])
        if statistic == "relative_change":
            percent_axis(ax.xaxis)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=9)
    return fig


def convergence_figure(numbers: list[int], objectives: list[float], phases: list[str], path: Path) -> None:
    fig = convergence_fig(numbers, objectives, phases)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def convergence_fig(numbers: list[int], objectives: list[float], phases: list[str]):
    """Every candidate's distance from the targets by trial, and the best so far."""
    use_cjk_fonts()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    colours = {"explore": "tab:gray", "refine": "tab:blue"}
    for phase in ("explore", "refine"):
        xs = [n for n, ph in zip(numbers, phases) if ph == phase]
        ys = [o for o, ph in zip(objectives, phases) if ph == phase]
        if xs:
            ax.scatter(xs, ys, s=14, color=colours[phase], label=_(PHASES[phase]))
    best, run = [], math.inf
    for o in objectives:
        run = min(run, o)
        best.append(run)
    ax.step(numbers, best, where="post", color="tab:red", label=_("best so far"))
    if objectives and min(objectives) > 0:
        ax.set_yscale("log")
    ax.set_xlabel(_("trial (candidate number)"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel(_("distance from the targets\nsum of ((simulated - target) / sd)^2"))
    ax.set_title(_("How the search converged"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
