"""``report.md`` and ``report.png`` of a validation: every check with its
theory value, the simulated mean and interval, and the verdict."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.markdown import md_table
from sim.validate.judge import QUICK_TOL_FACTOR, Result

COLUMNS = ["case", "check", "theory", "simulated (95% CI)", "tolerance", "seeds", "customers", "pass",
           "catches errors over"]


def markdown(results: list[Result], quick: bool, seconds: float) -> str:
    """The report: the pass rule, what quick mode can detect, one row per check."""
    rule = (f"|mean - theory| <= {QUICK_TOL_FACTOR:g} x tolerance + 99% CI half-width (quick look)" if quick
            else "|mean - theory| <= tolerance and 95% CI half-width <= tolerance")
    lines = [f"# Validation against VALIDATION.md ({'quick' if quick else 'full'} mode)", "",
             f"Pass rule: {rule}. Mean over seeds (one replication each, warm-up cut); "
             f"{seconds:.0f} s wall.", ""]
    if quick:
        lines += ["What quick mode can and cannot detect: a correct model passes each check with probability "
                  "about 99%. An error larger than the last column fails its check with probability at least "
                  "99.5%: gross errors (a wrong formula, a factor of two, a broken queue discipline). Smaller "
                  "errors, such as a bias of a few percent, pass unnoticed: run the full validation (without "
                  "--quick) to hold the model to VALIDATION.md's tolerances.", ""]
    rows = [[r.case, r.check, f"{r.theory:.5g}", f"{r.mean:.5g} ± {r.half95:.2g}", f"± {r.tol:.2g}", r.seeds,
             f"{r.customers:,}", "pass" if r.passed else "**FAIL**", f"{r.catches:.2g}"] for r in results]
    passed = sum(r.passed for r in results)
    lines += [md_table(COLUMNS, rows), "", f"{passed} of {len(results)} checks pass."]
    return "\n".join(lines) + "\n"


def figure(results: list[Result], path: Path) -> None:
    """report.png: ``results_fig`` saved."""
    import matplotlib.pyplot as plt

    fig = results_fig(results)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def results_fig(results: list[Result]):
    """Each check's error in tolerances, with its 95% interval; the tolerance
    band shaded, passes green and failures red. Check names are queueing
    notation as VALIDATION.md writes them (kept as written)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from sim.i18n import Translator
    from sim.i18n.fonts import use_cjk_fonts

    _ = Translator("checks")
    use_cjk_fonts()
    fig, ax = plt.subplots(figsize=(8.5, 0.3 * len(results) + 1.6), layout="constrained")
    y = np.arange(len(results))[::-1]
    err = [(r.mean - r.theory) / r.tol for r in results]
    half = [r.half95 / r.tol for r in results]
    colours = ["tab:green" if r.passed else "tab:red" for r in results]
    ax.axvspan(-1, 1, color="0.9")
    ax.axvline(0, color="k", linewidth=0.8)
    for yi, e, h, c in zip(y, err, half, colours):
        ax.errorbar(e, yi, xerr=h, fmt="none", ecolor=c, capsize=3)
    ax.scatter(err, y, c=colours, zorder=3)
    ax.set_yticks(y, [f"{r.case}: {r.check}" for r in results], fontsize=7)
    ax.set_ylim(-0.7, len(results) - 0.3)
    ax.set_xlabel(_("(simulated - theory) / tolerance, with the 95% interval"))
    ax.set_title(_("Simulator against published results ({passed} of {n} checks pass)").format(
        passed=sum(r.passed for r in results), n=len(results)))
    ax.legend([plt.Rectangle((0, 0), 1, 1, color="0.9"), Line2D([], [], marker="o", ls="", color="tab:green"),
               Line2D([], [], marker="o", ls="", color="tab:red")],
              [_("within the tolerance"), _("pass"), _("fail")], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
