"""``./dev bench [--repeats N] [--quick] [--only SUITES] [--out DIR]``
(``python -m benchmarks``): the speed and scale benchmarks of issue 9.

Suites (``--only`` takes a comma-separated subset):

- ``year``: one simulated year of urban_core and city, wall time and peak
  memory on one core (targets: urban_core <= 5 s; city <= 60 s and <= 1 GB);
- ``scaling``: residents x1..x8 and call rates x1..x8, fitted cost exponent
  (target <= 1.1);
- ``per_call``: the full model against a bare SimPy M/M/c queue fed the same
  arrivals, side by side (target: <= 5x per call);
- ``sweep``: ``python -m sim -m`` with the joblib launcher at 1 and 2 workers
  (target: parallel efficiency >= 80%);
- ``memory``: the whole ``python -m sim`` command for 1 and 10 simulated years
  of city, peak memory of each (target: 10 years <= 1.2 x one year);
- ``gis``: a district from generated GIS files (areas, roads, offices) at
  125 k to 1 M residents on 100 m cells: first and cached build, one simulated
  year, cost exponent in residents (issue 20 targets: 1 M builds in <= 60 s
  and runs a year in <= 60 s; exponent <= 1.1);
- ``calibration``: ``python -m sim.calibrate targets=literature`` at 1 and 2
  worker processes, seconds per candidate (target: parallel efficiency >= 80%).

Each figure is a median of ``--repeats`` fresh processes. Results go to
``DIR/latest.md`` (tables with target and verdict) and ``DIR/latest.json``
(default DIR: benchmarks/results/). ``--quick`` shortens every run (a smoke
test of the harness; its figures are not comparable with the targets).

``./dev bench --profile [overrides]`` profiles one run of the model with
pyinstrument instead (default: one year of urban_core) and writes
``DIR/profile.txt`` and ``DIR/profile.html``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import calibration, gis_scale, memory, per_call, scaling, sweep, year
from benchmarks.measure import Result, markdown
from sim.compose.cli import OneLineParser

HERE = Path(__file__).resolve().parent
SUITES = ("year", "scaling", "per_call", "sweep", "memory", "gis", "calibration")


def run_suites(names: list[str], repeats: int, quick: bool) -> list[Result]:
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    out: list[Result] = []
    for name in names:
        if name == "year":
            out += year.run(repeats, 30.0 if quick else 365.0, log)
        elif name == "scaling":
            out += scaling.run(repeats, 14.0 if quick else 182.0, log)
        elif name == "per_call":
            out += per_call.run(max(repeats, 3), 5.0 if quick else 60.0, log)
        elif name == "sweep":
            out += sweep.run(repeats, 4 if quick else 8, 7.0 if quick else 365.0, log)
        elif name == "memory":
            out += memory.run(repeats, 2.0 if quick else 10.0, log, ["district=urban_core"] if quick else None)
        elif name == "gis":
            out += gis_scale.run(repeats, quick, log)
        elif name == "calibration":
            out += calibration.run(repeats, quick, log)
    return out


def context(repeats: int, quick: bool) -> str:
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mode = "QUICK mode: shortened runs, not comparable with the targets. " if quick else ""
    return (f"{mode}{when}; {platform.processor() or platform.machine()}, {cpus} cores available; "
            f"Python {platform.python_version()}; medians of {repeats} fresh processes.")


def profile(overrides: list[str], out_dir: Path) -> None:
    """One run under pyinstrument: the call tree that shows what dominates."""
    from pyinstrument import Profiler

    from sim.compose.loader import load_config
    from sim.model import CommunityPolicingModel

    cfg = load_config(["sim.progress=false", "sim.plots=false", *(overrides or ["sim.days=365"])])
    profiler = Profiler(interval=0.001)
    with profiler:
        CommunityPolicingModel(cfg).run()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "profile.txt").write_text(profiler.output_text(unicode=False, color=False))
    (out_dir / "profile.html").write_text(profiler.output_html())
    print(profiler.output_text(unicode=False, color=False))
    print(f"-> {out_dir / 'profile.txt'}, {out_dir / 'profile.html'}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m benchmarks", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="fresh processes per figure (median)")
    ap.add_argument("--quick", action="store_true", help="short runs: checks the harness, not the targets")
    ap.add_argument("--only", default=",".join(SUITES), help="comma-separated: " + ", ".join(SUITES))
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--profile", action="store_true", help="profile one run (overrides follow) instead")
    args, rest = ap.parse_known_args(argv)
    if args.profile:
        profile(rest, args.out)
        return 0
    if rest:
        ap.error(f"unexpected arguments: {' '.join(rest)}")
    names = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in names if s not in SUITES]
    if unknown or args.repeats < 1:
        ap.error(f"--only takes {', '.join(SUITES)}; --repeats >= 1 (got {args.only!r}, {args.repeats})")
    results = run_suites(names, args.repeats, args.quick)
    text = markdown(results, context(args.repeats, args.quick))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text)
    (args.out / "latest.json").write_text(json.dumps(
        {"context": context(args.repeats, args.quick), "quick": args.quick,
         "results": [r.as_dict() for r in results]}, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
