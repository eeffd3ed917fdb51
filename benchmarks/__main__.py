"""``./dev bench [--repeats N] [--quick]``: one simulated year of each
benchmark scenario, N fresh processes each, median wall time against target.

Writes benchmarks/results/latest.json and latest.md. Targets (issue 2):
urban_core <= 10 s, city <= 120 s for one simulated year on one core.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = [
    # name, overrides, target seconds (issue 2)
    ("urban_core, 1 year, fixed_post", ["sim.days=365"], 10.0),
    ("urban_core, 1 year, random_patrol", ["sim.days=365", "policy=random_patrol"], 10.0),
    ("urban_core, 1 year, hotspot", ["sim.days=365", "policy=hotspot"], 10.0),
    ("rural_mountain, 1 year, random_patrol", ["district=rural_mountain", "sim.days=365",
                                               "policy=random_patrol"], None),
    ("city, 1 year, fixed_post", ["district=city", "sim.days=365"], 120.0),
    ("city, 1 year, random_patrol", ["district=city", "sim.days=365", "policy=random_patrol"], 120.0),
]


def run_once(overrides: list[str]) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-m", "benchmarks.one_run", *overrides], cwd=HERE.parent,
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"benchmark run {' '.join(overrides)} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="30 simulated days instead of a year")
    args = ap.parse_args()
    rows = []
    for name, overrides, target in CASES:
        if args.quick:
            overrides = [o if not o.startswith("sim.days") else "sim.days=30" for o in overrides]
        runs = [run_once(overrides) for _ in range(args.repeats)]
        med = statistics.median(r["total_s"] for r in runs)
        row = {"case": name, "median_s": round(med, 2),
               "setup_s": round(statistics.median(r["setup_s"] for r in runs), 2),
               "min_s": round(min(r["total_s"] for r in runs), 2),
               "calls": runs[0]["calls"], "crimes": runs[0]["crimes"],
               "us_per_call": round(1e6 * med / max(runs[0]["calls"], 1), 1),
               "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
               "target_s": target, "meets_target": None if target is None or args.quick else med <= target}
        rows.append(row)
        print(json.dumps(row), flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| case | median s | setup s | calls | us/call | peak MB | target s | met |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['median_s']} | {r['setup_s']} | {r['calls']} | {r['us_per_call']} "
                     f"| {r['peak_rss_mb']} | {r['target_s'] or '-'} | {r['meets_target']} |")
    (out / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
