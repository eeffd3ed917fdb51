"""Replications of candidates, in parallel, each run at most once.

Replication k of every candidate uses the same root seed (common random
numbers), so differences between candidates are differences of staffing, not
of luck. Replications are added sequentially: ``plan.replications_min`` at
first, then more while any verdict is undecided, up to
``plan.replications_max``.
"""
from __future__ import annotations

import os
from typing import Callable, Hashable

from joblib import Parallel, delayed

from sim.config import Config
from sim.i18n import language
from sim.plan.evaluate import Evaluation, candidate_config, measure
from sim.plan.progress import NoProgress


def _one(cfg: Config) -> dict:
    with language(cfg.lang):  # a worker process does not inherit the planner's language
        return measure(cfg)


class Runner:
    """``configure(cfg, candidate, k)``: the run of replication k of a candidate
    (the office's staffing by default; the station plan's cars: sim.plan.station);
    ``undecided(evaluation, at_once)``: does it need more replications (default:
    any of the office plan's verdicts undecided)?"""

    def __init__(self, cfg: Config, progress=None,
                 configure: Callable[[Config, Hashable, int], Config] = candidate_config,
                 undecided: Callable[[Evaluation, set], bool] | None = None):
        self.cfg, self.configure = cfg, configure
        self.undecided = undecided or (lambda ev, at_once: ev.undecided(cfg, at_once))
        jobs = cfg.plan.jobs or os.cpu_count() or 1
        self.jobs = jobs
        # results as they come (in order), so the progress bar moves run by run
        self.pool = Parallel(n_jobs=jobs, backend="loky", return_as="generator") if jobs > 1 else None
        self.cache: dict[Hashable, Evaluation] = {}
        self.runs = 0
        self.progress = progress or NoProgress()  # sim.plan.progress

    def ensure(self, cands: list[Hashable], reps: int) -> list[Evaluation]:
        """Every candidate with at least ``reps`` replications (all missing runs in one batch)."""
        todo = []
        for cand in cands:
            ev = self.cache.setdefault(cand, Evaluation(cand))
            todo += [(cand, k) for k in range(len(ev.reps), reps)]
        if todo:
            results = self.run_configs([self.configure(self.cfg, cand, k) for cand, k in todo])
            for (cand, k), res in zip(todo, results):
                assert len(self.cache[cand].reps) == k, "replications must be added in order"
                self.cache[cand].reps.append(res)
        return [self.cache[c] for c in cands]

    def run_configs(self, configs: list[Config]) -> list[dict]:
        """Measure runs (in the pool if there is one), counted in ``runs`` and on the progress bar."""
        self.progress.queued(len(configs))
        results = []
        stream = map(_one, configs) if self.pool is None else self.pool(delayed(_one)(c) for c in configs)
        for res in stream:
            results.append(res)
            self.runs += 1
            self.progress.tick()
        return results

    def decide(self, cands: list[Hashable], full: bool = False, at_once: set = frozenset()) -> list[Evaluation]:
        """Sequential replications: start with the minimum (or the maximum if
        ``full``) and add a batch while any candidate's verdicts are undecided
        (``at_once``: blocks judged on a free unit at once, see ``Evaluation``)."""
        p = self.cfg.plan
        reps = p.replications_max if full else p.replications_min
        evs = self.ensure(cands, reps)
        step = max(2, self.jobs)
        while True:
            open_ = [ev.cand for ev in evs if self.undecided(ev, at_once) and len(ev.reps) < p.replications_max]
            if not open_:
                return evs
            reps = min(p.replications_max, max(len(self.cache[c].reps) for c in open_) + step)
            self.ensure(open_, reps)
