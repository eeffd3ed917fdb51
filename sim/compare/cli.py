"""``python -m sim.compare SWEEP_DIR [--baseline key=value ...] [--out DIR] [--metrics m1,m2] [lang=zh]``:
collect a finished sweep into one tidy table and compare its configurations.

Writes ``runs.parquet``, ``configurations.parquet``, ``differences.parquet``,
four figures and ``report.md`` to ``--out`` (default ``SWEEP_DIR/compare``);
a Morris sweep gets ``sensitivity.parquet`` and ``sensitivity.png`` instead
(``sim.compare.report``). A reason to stop is one line on stderr, exit code 2.
The report's language is this command's (``lang=zh`` as the Hydra apps take
it, or ``--lang zh``), whatever language the sweep's runs were made in.
"""
from __future__ import annotations

import shlex
import sys

from sim.compare.collect import CompareError
from sim.compare.report import compare
from sim.compose.cli import OneLineParser
from sim.i18n import LANGUAGES, Translator, language

_ = Translator("reports")

DESCRIPTION = "collect a finished sweep into one tidy table and compare its configurations."


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m sim.compare", description=DESCRIPTION)
    parser.add_argument("sweep_dir", help="the sweep folder (one sub-folder per job)")
    parser.add_argument("--baseline", nargs="+", metavar="KEY=VALUE",
                        help="select the baseline configuration (default: first in sorted label order)")
    parser.add_argument("--out", help="output folder (default SWEEP_DIR/compare)")
    parser.add_argument("--overwrite", action="store_true", help="write into --out even if it holds other files")
    parser.add_argument("--metrics", help="comma-separated summary metrics (default: the key metrics)")
    parser.add_argument("--lang", help=f"language of the report and figures: {', '.join(LANGUAGES)} (default en; "
                        "also as lang=zh, as python -m sim takes it)")
    argv = list(sys.argv[1:] if argv is None else argv)
    given = [a.partition("=")[2] for a in argv if a.startswith("lang=")]  # the Hydra apps' way
    args = parser.parse_args([a for a in argv if not a.startswith("lang=")])
    lang = args.lang if args.lang is not None else (given[-1] if given else "en")
    if lang not in LANGUAGES:
        parser.error(f"lang={lang!r}: allowed: {', '.join(LANGUAGES)}")
    args.command = shlex.join(["python", "-m", "sim.compare", *argv])  # comparison.xlsx's provenance, as typed
    with language(lang):
        return _compare(args)


def _compare(args) -> int:
    metrics = list(dict.fromkeys(m.strip() for m in args.metrics.split(",") if m.strip())) if args.metrics else None
    try:
        report = compare(args.sweep_dir, args.baseline, args.out, metrics, args.overwrite,
                         getattr(args, "command", None))
    except CompareError as exc:
        print(_("compare error: {error}").format(error=exc), file=sys.stderr)
        return 2
    print(_("compared {sweep} -> {report}").format(sweep=args.sweep_dir, report=report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
