"""What one run gives each target: a (value, weight) pair per measure, so
replications pool as sum(value x weight) / sum(weight): a plain mean for
summary keys, a share weighted by what it is a share of (``weight_by``), the
Knox ratio as all observed close pairs over all expected ones. Runs in the
worker process; only these small dicts travel back."""
from __future__ import annotations

import math

import numpy as np

from sim.calibrate.problem import Measure
from sim.calibrate.records import DAYS_PER_MONTH, DAYS_PER_YEAR, counted_types
from sim.core.units import MIN_PER_DAY


def run_measures(cfg, measures: list[Measure]) -> dict[str, tuple[float, float]]:
    """Simulate one config and read every measure off it."""
    from sim.run import results, simulate

    summary, tables = results(simulate(cfg))
    return {m.id: measure_of(m, cfg, summary, tables) for m in measures}


def measure_of(m: Measure, cfg, summary: dict, tables: dict) -> tuple[float, float]:
    if m.kind == "summary":
        if m.key not in summary:
            raise KeyError(f"summary.json has no key {m.key!r}")
        value = summary[m.key]
        weight = 1.0 if not m.weight_by else summary.get(m.weight_by)
        if value is None or weight is None or not math.isfinite(float(value)) or float(weight) <= 0:
            return 0.0, 0.0  # undefined in this run (no stops, no calls): carries no weight
        return float(value), float(weight)
    args = dict(m.args)
    if m.kind == "knox_ratio":
        from sim.policing.crime_metrics import knox_counts

        inc = tables["incidents"]
        types = np.asarray(inc.column("type").to_pylist(), dtype=object)
        keep = types == args["type"]
        t = inc.column("t_min").to_numpy()[keep]
        x, y = inc.column("x_m").to_numpy()[keep], inc.column("y_m").to_numpy()[keep]
        observed, expected = knox_counts(t, x, y, args["near_m"], args["soon_days"] * MIN_PER_DAY)
        return (observed / expected, expected) if expected > 0 else (0.0, 0.0)
    calls = tables["calls"]
    warm = cfg.sim.warmup_days * MIN_PER_DAY
    types = np.asarray(calls.column("type").to_pylist(), dtype=object)
    arrived = calls.column("t_arrival_min").to_numpy() >= warm
    count = int(np.sum(arrived & np.isin(types, sorted(counted_types(m, cfg)))))
    days = cfg.sim.days - cfg.sim.warmup_days
    return count / (days / (DAYS_PER_YEAR if m.kind == "calls_per_year" else DAYS_PER_MONTH)), 1.0
