"""Suite 1: one simulated year of each benchmark scenario on one core: wall
time (model build + run) and peak memory, median of fresh processes."""
from __future__ import annotations

from benchmarks.measure import Result, child, median, spread

# (case, overrides, wall-time target s, peak-memory target MB); targets: issue 9
CASES = [
    ("urban_core", [], 5.0, None),
    ("city", ["district=city"], 60.0, 1024.0),
    ("urban_core, random_patrol", ["policy=random_patrol"], None, None),
    ("city, random_patrol", ["district=city", "policy=random_patrol"], None, None),
]


def run(repeats: int, days: float, log=print) -> list[Result]:
    out = []
    for case, overrides, wall_target, memory_target in CASES:
        runs = [child("one_run", [f"sim.days={days}", *overrides]) for _ in range(repeats)]
        wall = [r["total_s"] for r in runs]
        first = runs[0]
        detail = {"runs": len(runs), "range s": "-".join(f"{v:.2f}" for v in spread(wall)),
                  "calls": first["calls"], "crimes": first["crimes"], "events": first["events"],
                  "us per call": 1e6 * median(wall) / max(first["calls"], 1),
                  "us per event": 1e6 * median(wall) / max(first["events"] or 1, 1)}
        out.append(Result("one simulated year", case, "wall time", median(wall), "s",
                          wall_target if days >= 365 else None, detail=detail))
        out.append(Result("one simulated year", case, "peak memory", max(r["peak_rss_mb"] for r in runs), "MB",
                          memory_target if days >= 365 else None))
        log(f"year: {case}: {median(wall):.2f} s, {out[-1].value:.0f} MB")
    return out
