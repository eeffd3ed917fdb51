"""How plan.md writes a figure (issue 23: shared by sim.plan.report and sim.plan.budget_report)."""
from __future__ import annotations

from sim.i18n import Translator
from sim.output.labels import metric_label

_ = Translator("reports")


def _pct(d: dict | None, share: bool = True) -> str:
    """An estimate with its 95% interval, as a percentage (``share``) or a plain number."""
    if not d or d.get("estimate") is None:
        return _("n/a")
    lo, hi = d["ci95"]
    fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:.1f}")
    return f"{fmt(d['estimate'])} ({fmt(lo)}-{fmt(hi)})" if lo is not None else fmt(d["estimate"])


def attainment_row(key: str, d: dict | None) -> tuple[str, bool]:
    """A target's label and whether it is a share."""
    share = key.endswith("share") or key.startswith(("saturation", "satisfaction"))
    return metric_label(key), share
