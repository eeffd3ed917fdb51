"""``python -m sim.validate [--quick] [--jobs N] [--out DIR]``: run every case
of ../shared/VALIDATION.md through the real model over many seeds and compare
with theory.

Every case is an ordinary configuration of the full model (the
``queueing_check``, ``hypercube`` and ``travel_check`` experiments plus
overrides): the same dispatcher, fleet, records and summary as any run.
Each seed is one independent replication with its warm-up cut; the estimate is
the mean over seeds with a t confidence interval (scipy.stats).

Pass rules:
- full mode (VALIDATION.md's rule): |mean - theory| <= tolerance, and the 95%
  interval is no wider than the tolerance (else the run was too short to tell);
- ``--quick`` (a quarter of the customers, about a minute on 2 cores): |mean - theory| <= QUICK_TOL_FACTOR x tolerance + the 99% half-width.
  A correct model passes with probability about 99% per check whatever the
  sample; what quick mode can catch is printed per check ("catches errors
  over": QUICK_TOL_FACTOR x tolerance + 2 x the 99% half-width, caught with
  probability >= 99.5%): gross errors (a wrong formula, a factor of two, a
  broken queue discipline), not VALIDATION.md's few-percent tolerances. The
  test suite runs the full cases (tests/test_validation.py).

Writes ``report.md``, ``report.png`` and ``report.json`` to ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sim.compose.cli import OneLineParser
from sim.core.checks import ConfigError
from sim.core.outdir import check_out_dir
from sim.output.provenance import finish_manifest, prepare_dir
from sim.validate.cases import cases
from sim.validate.report import figure, markdown
from sim.validate.runner import run_cases
from sim.i18n import Translator

_ = Translator("checks")

MAX_JOBS = 256  # worker processes; assumption (far above any machine this runs on)


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m sim.validate", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a quarter of the customers and a stated wider rule "
                    "(see the report): a first look, about a minute on 2 cores")
    ap.add_argument("--jobs", type=int, default=2, help=f"worker processes, 1-{MAX_JOBS} (default 2)")
    ap.add_argument("--out", default=None, help="report folder (default runs/validation/<time>)")
    ap.add_argument("--overwrite", action="store_true", help="write into --out even if it holds other files")
    ap.add_argument("--case", action="append", default=None,
                    help="run only cases whose name contains this text (repeatable)")
    args = ap.parse_args(argv)
    try:
        selected, out = _checked(args)
    except ConfigError as exc:
        print(f"python -m sim.validate: error: {exc}", file=sys.stderr)
        return 2
    prepare_dir(out, overwrite=True, kind="validate")
    started = time.perf_counter()
    results = run_cases(selected, args.quick, args.jobs)
    seconds = time.perf_counter() - started
    text = markdown(results, args.quick, seconds)
    (out / "report.md").write_text(text)
    (out / "report.json").write_text(json.dumps([r.__dict__ for r in results], indent=2) + "\n")
    figure(results, out / "report.png")
    finish_manifest(out, passed=sum(r.passed for r in results), checks=len(results), quick=args.quick)
    print(text)
    print(f"written to {out}/report.md, report.png, report.json")
    return 0 if all(r.passed for r in results) else 1


def _checked(args: argparse.Namespace) -> tuple[list[int], Path]:
    """The selected cases' indices and the checked output folder; a ConfigError
    before anything is run or written."""
    if not 1 <= args.jobs <= MAX_JOBS:
        raise ConfigError("--jobs", args.jobs, _("must be from 1 to {max_jobs}").format(max_jobs=MAX_JOBS))
    if args.case is not None and not all(t.strip() for t in args.case):
        raise ConfigError("--case", "", _("must be some text of a case name (an empty one matches every case)"))
    all_cases = cases()
    selected = [i for i, c in enumerate(all_cases)
                if not args.case or any(t.lower() in c.name.lower() for t in args.case)]
    if not selected:
        raise ConfigError("--case", " ".join(args.case), _("matches no case; cases: {items}")
                                                         .format(items="; ".join(c.name for c in all_cases)))
    out = check_out_dir(args.out if args.out is not None else
                        f"runs/validation/{time.strftime('%Y-%m-%d_%H-%M-%S')}", "--out", args.overwrite,
                        "--overwrite", kind="validate")
    return selected, out


if __name__ == "__main__":
    sys.exit(main())
