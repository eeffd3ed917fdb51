"""Running the cases: every seed of every selected case is one replication of
the real model, spread over worker processes, biggest first.

Each worker composes a case's config once (``Case.job_config``); the values
are put back in (case, seed) order before judging, so the result does not
depend on the number of workers.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.core.orphans import mark_parent, watch_parent
from sim.validate.cases import Check, cases
from sim.validate.judge import Result, judge


def run_job(config, checks: list[Check]) -> tuple[list[float], int]:
    """One replication: build and run the model, return each check's value."""
    from sim.run import results, simulate  # the model's imports: only when a case runs, not for --help

    summary, tables = results(simulate(config))
    units = {row["unit_id"]: row for row in tables["units"].to_pylist()}
    return [float(c.metric(summary, units)) for c in checks], int(summary["calls_total"])


def _job(args):
    """One (case, seed) in a worker: the case list is rebuilt there (checks hold lambdas)."""
    case_index, seed, quick = args
    case = cases()[case_index]
    return case_index, seed, run_job(case.job_config(seed, quick), case.checks)


def run_cases(selected: list[int], quick: bool, jobs: int) -> list[Result]:
    """Every seed of the selected cases (indices into ``cases()``), judged per check."""
    all_cases = cases()
    # biggest jobs first, so neither worker idles at the end
    tasks = sorted(((i, seed, quick) for i in selected for seed in range(all_cases[i].seeds)),
                   key=lambda t: -all_cases[t[0]].cost())
    values: dict[int, list[list[float]]] = {i: [] for i in selected}
    customers: dict[int, int] = {i: 0 for i in selected}
    if jobs > 1:
        mark_parent()  # the workers end if this process is killed (sim.core.orphans)
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
