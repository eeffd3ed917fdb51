"""The calibration's two figures: each target against what the calibrated
model gives (with the target's band and the simulation's 95% interval), and
how the search converged (every candidate's distance, the best so far)."""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def targets_figure(targets: dict, path: Path, title: str) -> None:
    with warnings.catch_warnings():  # target names in Chinese without a CJK font: boxes, not a warning a glyph
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        _targets_figure(targets, path, title)


def _targets_figure(targets: dict, path: Path, title: str) -> None:
    names = list(targets)
    fig, axes = plt.subplots(len(names), 1, figsize=(7.5, 0.9 + 0.75 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        t = targets[name]
        lo, hi = t["band"]
        ax.axvspan(lo, hi, color="tab:green", alpha=0.18, label="target band (95%)")
        ax.axvline(t["target"], color="tab:green", lw=1.5, label="target")
        sim = t["simulated"]
        if sim is not None:
            ci = [c if c is not None else sim for c in t["ci95"]]
            colour = "tab:blue" if t["inside"] else "tab:red"
            ax.errorbar([sim], [0], xerr=[[sim - ci[0]], [ci[1] - sim]], fmt="o", color=colour, capsize=4,
                        label="simulated (95% interval)")
            span = [x for x in (lo, hi, *ci) if x is not None and math.isfinite(x)]
        else:
            span = [lo, hi]
        pad = 0.15 * (max(span) - min(span) or 1.0)
        ax.set_xlim(min(span) - pad, max(span) + pad)
        ax.set_yticks([])
        ax.set_ylabel(name + (" (claim)" if t.get("claim") else ""), rotation=0, ha="right", va="center",
                      fontsize=8)
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(0, 1.9), ncol=3, fontsize=7, frameon=False)
    axes[0, 0].set_title(title, fontsize=9, pad=26)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def convergence_figure(numbers: list[int], objectives: list[float], phases: list[str], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    colours = {"explore": "tab:gray", "refine": "tab:blue"}
    for phase in ("explore", "refine"):
        xs = [n for n, ph in zip(numbers, phases) if ph == phase]
        ys = [o for o, ph in zip(objectives, phases) if ph == phase]
        if xs:
            ax.scatter(xs, ys, s=14, color=colours[phase], label=f"{phase} (candidates)")
    best, run = [], math.inf
    for o in objectives:
        run = min(run, o)
        best.append(run)
    ax.step(numbers, best, where="post", color="tab:red", label="best so far")
    if objectives and min(objectives) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("distance: sum of ((simulated - target) / sd)^2")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
