"""Suite 2: how cost grows with work. Residents x1..x8 (calls, offenders and
window visitors grow with them) and call rates x1..x8, everything else as in
``urban_core``; the exponent b of cost = a * factor^b, fitted on logs.
b <= 1.1 (issue 9): no part of the model grows faster than its work."""
from __future__ import annotations

from benchmarks.measure import Result, child, median, power_law

FACTORS = (1, 2, 4, 8)
BASE_RESIDENTS = 30_000  # conf/district/urban_core.yaml


def axes(factor: int) -> dict[str, list[str]]:
    return {"residents": [f"district.residents={BASE_RESIDENTS * factor}"],
            "call rate": [f"scale.call_rate_factor={factor}"]}


def run(repeats: int, days: float, log=print) -> list[Result]:
    out = []
    for axis in ("residents", "call rate"):
        costs, calls = [], []
        for factor in FACTORS:
            runs = [child("one_run", [f"sim.days={days}", *axes(factor)[axis]]) for _ in range(repeats)]
            costs.append(median(r["total_s"] for r in runs))
            calls.append(runs[0]["calls"])
            log(f"scaling: {axis} x{factor}: {costs[-1]:.2f} s, {calls[-1]} calls")
        fit = power_law(FACTORS, costs)
        by_calls = power_law(calls, costs)
        out.append(Result("scaling", f"{axis} x1, x2, x4, x8", "cost exponent", fit["exponent"], "", 1.1,
                          detail={"95% CI": "{:.2f}-{:.2f}".format(*fit["ci95"]), "r2": fit["r2"],
                                  "seconds": " / ".join(f"{c:.2f}" for c in costs),
                                  "calls": " / ".join(str(c) for c in calls),
                                  "exponent against calls": by_calls["exponent"]}))
    return out
