"""``python -m sim.compare SWEEP_DIR [--baseline key=value ...] [--out DIR] [--metrics m1,m2]``:
collect a finished sweep into one tidy table and compare its configurations.

Writes ``runs.parquet``, ``configurations.parquet``, ``differences.parquet``,
four figures and ``report.md`` to ``--out`` (default ``SWEEP_DIR/compare``);
a Morris sweep gets ``sensitivity.parquet`` and ``sensitivity.png`` instead
(``sim.compare.report``). A reason to stop is one line on stderr, exit code 2.
"""
from __future__ import annotations

import sys

from sim.compare.collect import CompareError
from sim.compare.report import compare
from sim.compose.cli import OneLineParser

DESCRIPTION = "collect a finished sweep into one tidy table and compare its configurations."


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m sim.compare", description=DESCRIPTION)
    parser.add_argument("sweep_dir", help="the sweep folder (one sub-folder per job)")
    parser.add_argument("--baseline", nargs="+", metavar="KEY=VALUE",
                        help="select the baseline configuration (default: first in sorted label order)")
    parser.add_argument("--out", help="output folder (default SWEEP_DIR/compare)")
    parser.add_argument("--overwrite", action="store_true", help="write into --out even if it holds other files")
    parser.add_argument("--metrics", help="comma-separated summary metrics (default: the key metrics)")
    args = parser.parse_args(argv)
    metrics = list(dict.fromkeys(m.strip() for m in args.metrics.split(",") if m.strip())) if args.metrics else None
    try:
        report = compare(args.sweep_dir, args.baseline, args.out, metrics, args.overwrite)
    except CompareError as exc:
        print(f"compare error: {exc}", file=sys.stderr)
        return 2
    print(f"compared {args.sweep_dir} -> {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
