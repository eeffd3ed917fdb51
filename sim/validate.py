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
import functools
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import stats

from sim.checks import ConfigError
from sim.cli import OneLineParser
from sim.orphans import mark_parent, watch_parent
from sim.outdir import check_out_dir
from sim.plan.analytic import erlang_c as erlang_c_p_wait
from sim.provenance import finish_manifest, prepare_dir

MILE_M = 1609.344
MAX_JOBS = 256  # worker processes; assumption (far above any machine this runs on)
QUICK_TOL_FACTOR = 2.0  # quick mode's stated tolerance: twice VALIDATION.md's; assumption (a first look)


@dataclass
class Check:
    label: str
    metric: Callable[[dict, dict], float]  # (summary, units by id) -> value
    theory: float
    tol: float  # absolute
    source: str


@dataclass
class Case:
    name: str
    overrides: list[str]
    checks: list[Check]
    days: float  # per seed, full mode
    seeds: int = 20
    warmup_days: float = 5.0
    quick_share: float = 0.25  # share of the days in --quick mode
    extra: dict = field(default_factory=dict)  # per-seed override makers

    def cost(self) -> float:
        """Rough relative cost of one replication (simulated days x units)."""
        rate = next((o.split("=")[1] for o in self.overrides if "arrival_rate_per_hour" in o), "1")
        return self.days * sum(float(r) for r in rate.strip("[]").split(","))

    def job_overrides(self, seed: int, quick: bool) -> list[str]:
        days = self.days * (self.quick_share if quick else 1.0)
        out = [*self.overrides, f"seed={seed}", f"sim.days={days:.4f}",
               f"sim.warmup_days={min(self.warmup_days, days / 10):.4f}",
               "sim.progress=false", "sim.plots=false"]
        return out

    def job_config(self, seed: int, quick: bool):
        """The validated config of one replication. Composed once per case and
        worker (Hydra compose costs ~0.4 s), then given its seed and length; the
        result equals ``load_config(self.job_overrides(seed, quick))``."""
        import dataclasses

        base = _base_config(tuple(self.job_overrides(0, quick)))
        return dataclasses.replace(base, seed=seed).validate()


def _s(key: str) -> Callable[[dict, dict], float]:
    return lambda s, u: s[key]


def _rel(value: float, rel: float) -> float:
    return abs(value) * rel


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and Wq of M/M/c (Erlang C), in the time unit of 1/mu."""
    p_wait = erlang_c_p_wait(c, lam / mu)
    return p_wait, p_wait / (c * mu - lam)


def _mmc_case(name: str, lam: float, mu: float, c: int, days: float, source: str) -> Case:
    """lam, mu per hour. Checks P(wait), Wq, W, utilisation, Little's law twice."""
    p_wait, wq_h = erlang_c(lam, mu, c)
    wq, w = wq_h * 60, (wq_h + 1 / mu) * 60
    ov = ["+experiment=queueing_check", f"queueing.arrival_rate_per_hour={lam}",
          f"queueing.service_mean_min={60 / mu}", f"queueing.servers={c}"]
    little_q = lambda s, u: s["queue_length_mean"] / (s["arrival_rate_per_hour"] / 60 * s["wait_mean_min"])  # noqa: E731
    little_s = lambda s, u: s["system_length_mean"] / (s["arrival_rate_per_hour"] / 60 * s["system_time_mean_min"])  # noqa: E731
    return Case(name, ov, [
        Check("P(wait)", _s("p_wait"), p_wait, 0.01, source),
        Check("Wq (min)", _s("wait_mean_min"), wq, _rel(wq, 0.05), source),
        Check("W (min)", _s("system_time_mean_min"), w, _rel(w, 0.05), source),
        Check("utilisation", _s("utilization"), lam / (c * mu), 0.01, "lambda / (c mu)"),
        Check("Little: Lq / (lambda Wq)", little_q, 1.0, 0.02, "Little's law"),
        Check("Little: L / (lambda W)", little_s, 1.0, 0.02, "Little's law"),
    ], days)


def _cobham() -> Case:
    rates, mu = (0.2, 0.6, 1.2), 3.0
    lam = sum(rates)
    p_wait, _ = erlang_c(lam, mu, 1)
    r0 = p_wait / mu  # C(c, a) / (c mu) with c = 1
    s = np.cumsum([r / mu for r in rates])
    wq = [60 * r0 / ((1 - (s[k - 1] if k else 0.0)) * (1 - s[k])) for k in range(3)]
    fcfs = 60 * erlang_c(lam, mu, 1)[1]
    conserved = lambda s_, u: sum(r * s_[f"wait_mean_min_p{k + 1}"] for k, r in enumerate(rates)) / lam  # noqa: E731
    src = "Cobham, non-preemptive priorities"
    return Case("priorities M/M/1 (0.2, 0.6, 1.2), mu=3", [
        "+experiment=queueing_check", "queueing.arrival_rate_per_hour=[0.2,0.6,1.2]",
        "queueing.service_mean_min=20", "queueing.servers=1", "queueing.discipline=priority"], [
        *[Check(f"Wq class {k + 1} (min)", _s(f"wait_mean_min_p{k + 1}"), wq[k], _rel(wq[k], 0.05), src)
          for k in range(3)],
        Check("conservation: weighted Wq (min)", conserved, fcfs, _rel(fcfs, 0.05), "= FCFS Wq"),
    ], days=302)


def _mg1(dist: str, wq_h: float, days: float) -> Case:
    wq = wq_h * 60
    return Case(f"M/G/1 {dist}, lambda=0.8, mu=1", [
        "+experiment=queueing_check", "queueing.arrival_rate_per_hour=0.8",
        "queueing.service_mean_min=60", f"queueing.service_dist={dist}", "queueing.servers=1"], [
        Check("Wq (min)", _s("wait_mean_min"), wq, _rel(wq, 0.05), "Pollaczek-Khinchine")], days,
        warmup_days=20)


def _allen_cunneen(lam: float, c: int, days: float) -> Case:
    wq = 60 * erlang_c(lam, 1.0, c)[1] * (1 + 0.5) / 2  # Erlang-2: Cs^2 = 0.5
    return Case(f"M/E2/{c} lambda={lam:g}, mu=1", [
        "+experiment=queueing_check", f"queueing.arrival_rate_per_hour={lam}",
        "queueing.service_mean_min=60", "queueing.service_dist=erlang2", f"queueing.servers={c}"], [
        Check("Wq (min)", _s("wait_mean_min"), wq, _rel(wq, 0.10),
              "Allen-Cunneen (runs 4-7% low): +-10%")], days)


def _travel_cases() -> list[Case]:
    one = Case("travel: one unit, uniform 2 x 1 km", ["+experiment=travel_check"], [
        Check("E[D] (m)", _s("travel_distance_mean_m"), 1000.0, 20.0,
              "Larson & Odoni eq. 3.12a: (X + Y) / 3")], days=10, warmup_days=0.0)
    n, area = 16, 2000.0 * 1000.0
    scale = math.sqrt(math.pi / 8) * math.sqrt(area / n)
    nearest = Case("travel: nearest of 16 units", ["+experiment=travel_check", f"staffing.officers={n}",
                                                   "policy.dwell_min=120"], [
        Check("E[D] / (0.6267 sqrt(A/N))", lambda s, u: s["travel_distance_mean_m"] / scale, 1.07, 0.05,
              "Larson & Odoni: sqrt(pi/8) sqrt(A/N), +4-10% at N=16")], days=10, warmup_days=0.0)
    return [one, nearest]


def _hypercube() -> Case:
    src = "Larson 1974; Larson & Odoni §5.3.3"
    return Case("hypercube: 2 units, loss, w = 1/2", ["+experiment=hypercube"], [
        Check("rho1", lambda s, u: u[0]["utilization"], 0.49010, 0.01, src),
        Check("rho2", lambda s, u: u[1]["utilization"], 0.43773, 0.01, src),
        Check("mean travel (mi)", lambda s, u: s["travel_distance_mean_m"] / MILE_M, 0.46246, 0.01, src),
        Check("interdistrict share", _s("interdistrict_share"), 0.2879, 0.01, src),
    ], days=94)


def cases() -> list[Case]:
    return [
        # days per seed (20 seeds) sized so the 95% CI half-width is about 0.7 x tolerance
        _mmc_case("M/M/1 lambda=2, mu=3", 2, 3, 1, 227, "M/M/1"),
        _mmc_case("M/M/2 lambda=2, mu=3", 2, 3, 2, 174, "Erlang C"),
        _mmc_case("M/M/3 lambda=1.5, mu=1", 1.5, 1, 3, 690, "Larson & Odoni §5.4.4"),
        _mmc_case("M/M/10 lambda=8, mu=1", 8, 1, 10, 325, "Erlang C"),
        _cobham(),
        _mg1("deterministic", 2.0, 396),
        _mg1("erlang2", 3.0, 950),
        _mg1("exponential", 4.0, 1965),
        # Allen-Cunneen with Erlang-2 service; for deterministic service an independent
        # simulation puts M/D/c 9-11% above the approximation, so +-10% is no fair test there
        _allen_cunneen(1.5, 3, 178),
        _allen_cunneen(8.0, 10, 96),
        *_travel_cases(),
        _hypercube(),
    ]


# --- running -----------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _base_config(overrides: tuple[str, ...]):
    from sim.compose import load_config

    return load_config(list(overrides))


def run_job(config, checks: list[Check]) -> tuple[list[float], int]:
    """One replication: build and run the model, return each check's value."""
    from sim.run import results, simulate

    summary, tables = results(simulate(config))
    units = {row["unit_id"]: row for row in tables["units"].to_pylist()}
    return [float(c.metric(summary, units)) for c in checks], int(summary["calls_total"])


def _job(args):
    case_index, seed, quick = args
    case = cases()[case_index]
    return case_index, seed, run_job(case.job_config(seed, quick), case.checks)


@dataclass
class Result:
    case: str
    check: str
    theory: float
    tol: float
    mean: float
    half95: float
    half99: float
    seeds: int
    customers: int
    passed: bool
    source: str
    catches: float = float("nan")  # an error larger than this fails the check with probability >= 99.5%


def judge(values: list[float], check: Check, quick: bool, case: str, customers: int) -> Result:
    x = np.asarray(values, dtype=float)
    n = len(x)
    mean = float(x.mean())
    sem = float(stats.sem(x)) if n > 1 else float("inf")
    h95 = float(stats.t.ppf(0.975, n - 1) * sem) if n > 1 else float("inf")
    h99 = float(stats.t.ppf(0.995, n - 1) * sem) if n > 1 else float("inf")
    if quick:
        passed = abs(mean - check.theory) <= QUICK_TOL_FACTOR * check.tol + h99
        catches = QUICK_TOL_FACTOR * check.tol + 2 * h99
    else:
        passed = abs(mean - check.theory) <= check.tol and h95 <= check.tol
        catches = check.tol + h95 if h95 <= check.tol else float("nan")
    return Result(case, check.label, check.theory, check.tol, mean, h95, h99, n, customers, bool(passed),
                  check.source, catches)


def run_cases(selected: list[int], quick: bool, jobs: int) -> list[Result]:
    all_cases = cases()
    # biggest jobs first, so neither worker idles at the end
    tasks = sorted(((i, seed, quick) for i in selected for seed in range(all_cases[i].seeds)),
                   key=lambda t: -all_cases[t[0]].cost())
    values: dict[int, list[list[float]]] = {i: [] for i in selected}
    customers: dict[int, int] = {i: 0 for i in selected}
    if jobs > 1:
        mark_parent()  # the workers end if this process is killed (sim.orphans)
        with ProcessPoolExecutor(max_workers=jobs, initializer=watch_parent) as pool:
            outputs = list(pool.map(_job, tasks))
    else:
        outputs = [_job(t) for t in tasks]
    for i, _seed, (vals, n) in sorted(outputs, key=lambda o: (o[0], o[1])):
        values[i].append(vals)
        customers[i] += n
    out = []
    for i in selected:
        case = all_cases[i]
        per_check = np.array(values[i]).T
        for check, vals in zip(case.checks, per_check):
            out.append(judge(list(vals), check, quick, case.name, customers[i]))
    return out


# --- report ------------------------------------------------------------------

def markdown(results: list[Result], quick: bool, seconds: float) -> str:
    rule = (f"|mean - theory| <= {QUICK_TOL_FACTOR:g} x tolerance + 99% CI half-width (quick look)" if quick
            else "|mean - theory| <= tolerance and 95% CI half-width <= tolerance")
    lines = [f"# Validation against VALIDATION.md ({'quick' if quick else 'full'} mode)", "",
             f"Pass rule: {rule}. Mean over seeds (one replication each, warm-up cut); "
             f"{seconds:.0f} s wall.", ""]
    if quick:
        lines += ["What quick mode can and cannot detect: a correct model passes each check with probability "
                  "about 99%. An error larger than the last column fails its check with probability at least "
                  "99.5%: gross errors (a wrong formula, a factor of two, a broken queue discipline). Smaller "
                  "errors, such as a bias of a few percent, pass unnoticed: run the full validation (without "
                  "--quick) to hold the model to VALIDATION.md's tolerances.", ""]
    lines += ["| case | check | theory | simulated (95% CI) | tolerance | seeds | customers | pass | catches errors over |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.case} | {r.check} | {r.theory:.5g} | {r.mean:.5g} ± {r.half95:.2g} | "
                     f"± {r.tol:.2g} | {r.seeds} | {r.customers:,} | {'pass' if r.passed else '**FAIL**'} | "
                     f"{r.catches:.2g} |")
    passed = sum(r.passed for r in results)
    lines += ["", f"{passed} of {len(results)} checks pass."]
    return "\n".join(lines) + "\n"


def figure(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.32 * len(results) + 1.2))
    y = np.arange(len(results))[::-1]
    err = [(r.mean - r.theory) / r.tol for r in results]
    half = [r.half95 / r.tol for r in results]
    colours = ["tab:green" if r.passed else "tab:red" for r in results]
    ax.axvspan(-1, 1, color="0.9", label="tolerance")
    ax.axvline(0, color="k", linewidth=0.8)
    for yi, e, h, c in zip(y, err, half, colours):
        ax.errorbar(e, yi, xerr=h, fmt="none", ecolor=c, capsize=3)
    ax.scatter(err, y, c=colours, zorder=3)
    ax.set_yticks(y, [f"{r.case}: {r.check}" for r in results], fontsize=7)
    ax.set_xlabel("(simulated - theory) / tolerance, with 95% CI")
    ax.set_title("Simulator vs published results")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
        if not 1 <= args.jobs <= MAX_JOBS:
            raise ConfigError("--jobs", args.jobs, f"must be from 1 to {MAX_JOBS}")
        if args.case is not None and not all(t.strip() for t in args.case):
            raise ConfigError("--case", "", "must be some text of a case name (an empty one matches every case)")
        all_cases = cases()
        selected = [i for i, c in enumerate(all_cases)
                    if not args.case or any(t.lower() in c.name.lower() for t in args.case)]
        if not selected:
            raise ConfigError("--case", " ".join(args.case), "matches no case; cases: "
                              + "; ".join(c.name for c in all_cases))
        out = check_out_dir(args.out if args.out is not None else
                            f"runs/validation/{time.strftime('%Y-%m-%d_%H-%M-%S')}", "--out", args.overwrite,
                            "--overwrite")
    except ConfigError as exc:
        print(f"python -m sim.validate: error: {exc}", file=sys.stderr)
        return 2
    prepare_dir(out, overwrite=True)
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


if __name__ == "__main__":
    sys.exit(main())
