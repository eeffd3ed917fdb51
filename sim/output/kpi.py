"""How offices are judged (DOMAIN §5): the composite KPI, workload fairness, cost.

The composite KPI of seed 001 weighs four parts (``kpi.weights``), each 0-1:

- **satisfaction**: ``satisfaction_mean``, the mean rating of every rated
  contact after the warm-up (callers whose call was served, window visitors
  served by a clerk; sim.community.trust);
- **dispute resolution**: ``disputes_resolved_share``, disputes settled among
  those mediated at least once (sim.community.disputes);
- **hazard rectification**: the share of hazard reports closed within
  ``kpi.hazard_deadline_h`` (still open at the end counts as not rectified);
- **innovation**: not simulated; ``kpi.innovation_score`` is an input. Left
  null, the KPI is the weighted mean of the measured parts only (weights
  rescaled to add up to 1), and ``kpi_innovation`` is null.

Cost a year, thousand yuan (``cost_summary``; seed 003 §5.3, ``cost.*``):

- ``cost.running_includes_staff=true`` (default): an office with the
  reference team (``cost.included_staff``) costs the running cost
  (``kpi.office_running_cost_kyuan_per_year``) in all: a fixed part
  (``cost.non_staff_share``: upkeep, activities, supplies), ``cost_running_...``,
  and a staff part scaled by the staff's pay against the reference team's
  (``staffing.cost_kyuan_per_year``), shared among the roles as
  ``cost_{role}_...``. Twice the reference team's pay doubles the staff part;
  no staff leaves the fixed part.
- ``false``: ``cost_{role}_...`` is everyone's pay, on top of the running cost.

Either way ``cost_per_office_...`` is the offices' cost over their number,
``cost_tiers_...`` the district's share of the station's and rapid units
(computed by the caller), ``cost_total_...`` offices plus tiers and
``cost_per_resident_yuan_per_year`` the total over the residents, in yuan.
"""
from __future__ import annotations

import numpy as np

from sim.core.records import Columns
from sim.core.roles import ROLES
from sim.core.units import MIN_PER_HOUR


def gini(values) -> float | None:
    """Gini coefficient of non-negative values (0 = equal, 1 = one person does it all)."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), float(np.sum(x))
    if n == 0 or total <= 0:
        return None if n == 0 else 0.0
    return float((2.0 * np.sum(np.arange(1, n + 1) * x) / (n * total)) - (n + 1.0) / n)


def hazard_rectified_share(calls, warmup_min: float, deadline_h: float) -> float | None:
    col = calls if isinstance(calls, Columns) else Columns(calls)
    t0 = col("t_arrival_min")
    t1 = col("t_clear_min")
    sel = col.equals("type", "hazard_report") & (t0 >= warmup_min)
    if not sel.any():
        return None
    closed = np.nan_to_num(t1[sel] - t0[sel], nan=np.inf) <= deadline_h * MIN_PER_HOUR
    return float(closed.mean())


def composite(parts: dict[str, float | None], weights: dict[str, float]) -> float | None:
    known = {k: v for k, v in parts.items() if v is not None}
    w = sum(weights[k] for k in known)
    return sum(weights[k] * v for k, v in known.items()) / w if w > 0 else None


def kpi_summary(summary: dict, calls, cfg, warmup_min: float) -> dict:
    parts = {
        "satisfaction": summary.get("satisfaction_mean"),
        "dispute_resolution": summary.get("disputes_resolved_share"),
        "hazard_rectification": hazard_rectified_share(calls, warmup_min, cfg.kpi.hazard_deadline_h),
        "innovation": cfg.kpi.innovation_score,
    }
    out = {f"kpi_{k}": v for k, v in parts.items()}
    out["kpi_composite"] = composite(parts, cfg.kpi.weights)
    return out


def workload_summary(units, busy_min: np.ndarray) -> dict:
    """Busy hours per person by role and how evenly they are shared (Gini)."""
    roles = np.asarray(units["role"].to_pylist())
    out = {"workload_gini": gini(busy_min)}
    for role in ROLES:
        sel = roles == role
        out[f"workload_gini_{role}"] = gini(busy_min[sel]) if sel.any() else None
        out[f"busy_hours_per_{role}"] = float(busy_min[sel].mean() / MIN_PER_HOUR) if sel.any() else None
    return out


def cost_summary(headcount: dict[str, int], cfg, offices: int, residents: int | None = None,
                 tiers_kyuan_per_year: float = 0.0) -> dict:
    """Cost a year (module docstring): offices (staff and running cost), tiers,
    per office and per resident. ``headcount``: people by role in all offices.
    ``residents`` None: no cost per resident."""
    pay, running = cfg.staffing.cost_kyuan_per_year, offices * cfg.kpi.office_running_cost_kyuan_per_year
    if cfg.cost.running_includes_staff:
        reference = offices * sum(n * pay.get(role, 0.0) for role, n in cfg.cost.included_staff.items())
        scale = running * (1.0 - cfg.cost.non_staff_share) / reference if reference > 0 else 0.0
        out = {f"cost_{role}_kyuan_per_year": float(n * pay.get(role, 0.0) * scale) for role, n in headcount.items()}
        out["cost_running_kyuan_per_year"] = float(running * cfg.cost.non_staff_share)
    else:
        out = {f"cost_{role}_kyuan_per_year": float(n * pay.get(role, 0.0)) for role, n in headcount.items()}
        out["cost_running_kyuan_per_year"] = float(running)
    offices_total = sum(out.values())
    total = offices_total + tiers_kyuan_per_year
    out["cost_tiers_kyuan_per_year"] = float(tiers_kyuan_per_year)
    out["cost_total_kyuan_per_year"] = float(total)
    out["cost_per_office_kyuan_per_year"] = float(offices_total / offices) if offices else None
    out["cost_per_resident_yuan_per_year"] = float(total * 1000.0 / residents) if residents else None
    return out


def building_cost_kyuan(new_offices: int, cfg) -> float:
    """One-off cost of building ``new_offices`` offices, thousand yuan (``cost.office_build_kyuan``)."""
    if new_offices < 0:
        raise ValueError(f"new_offices={new_offices}: must be >= 0")
    return float(new_offices * cfg.cost.office_build_kyuan)
