"""The search: an Optuna study kept in a journal file in the run folder, so a
calibration killed at any moment (even SIGKILL) continues from its last
finished candidate when the same command runs again.

The first ``explore_share`` of the trials are scrambled Sobol points over the
parameters' bounds (log-spaced for log-uniform priors): an even, known
proposal, so they double as the importance sample the posterior rests on
(sim.calibrate.posterior). The rest are TPE proposals that home in on the
best fit. Each trial's sampler is seeded from (seed, trial number), so a
resumed calibration asks the same candidates an uninterrupted one would."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import TrialState

from sim.calibrate.problem import Problem

# QMCSampler has been "experimental" since Optuna 3.0; its interface is pinned with optuna==5.0.0
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

STUDY = "calibration"
JOURNAL = "study.journal"
JOURNAL_LOCK = JOURNAL + ".lock"  # Optuna's own, held for each write; a killed run may leave it


def journal_storage(path: Path) -> JournalStorage:
    """The study's journal, locked with a plain file (O_EXCL), not Optuna's
    default symbolic link: an output folder holding a link is refused
    (sim.core.outdir), so a run killed mid-write would lock its own resume out."""
    return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path) + ".lock")))
EXPLORE, REFINE = "explore", "refine"


def distributions(problem: Problem) -> dict:
    return {p.key: (IntDistribution(int(p.low), int(p.high), log=p.prior == "log_uniform") if p.integer
                    else FloatDistribution(p.low, p.high, log=p.prior == "log_uniform"))
            for p in problem.parameters}


class Study:
    def __init__(self, out: Path, problem: Problem, trials: int, explore_share: float, seed: int):
        optuna.logging.set_verbosity(logging.WARNING)
        self.problem, self.trials, self.seed = problem, trials, seed
        self.explore = int(trials * explore_share + 0.5)  # half up (round() would give 0 of 1 trial)
        self.storage = journal_storage(out / JOURNAL)
        self.study = optuna.create_study(study_name=STUDY, storage=self.storage, direction="minimize",
                                         load_if_exists=True)
        self.dists = distributions(problem)
        self.study.set_user_attr("fingerprint", problem.fingerprint())

    def recover(self) -> int:
        """Candidates a killed run left unfinished are failed and asked again
        (same parameters, first in line). Returns how many."""
        stale = [t for t in self.study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING]
        for t in stale:
            self.study.tell(t.number, state=TrialState.FAIL)
            self.study.enqueue_trial(t.params, user_attrs={"retry_of": t.number, "phase": t.user_attrs.get("phase")})
        return len(stale)

    def complete(self) -> list:
        return [t for t in self.study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]

    def remaining(self) -> int:
        return max(0, self.trials - len(self.complete()))

    def ask(self):
        """The next candidate, with its phase recorded."""
        done = len(self.complete())
        phase = EXPLORE if done < self.explore else REFINE
        number = len(self.study.get_trials(deepcopy=False))
        seed = (self.seed * 1_000_003 + number) % 2**31
        if phase == EXPLORE:
            # independent_sampler: Optuna's fallback for parameters outside the relative space (none here)
            self.study.sampler = optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=self.seed,
                                                            warn_independent_sampling=False,
                                                            warn_asynchronous_seeding=False)
        else:
            self.study.sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True,
                                                            n_startup_trials=min(10, max(1, self.explore)))
        trial = self.study.ask(self.dists)
        if "phase" not in trial.user_attrs or trial.user_attrs["phase"] is None:
            trial.set_user_attr("phase", phase)
        return trial

    def tell(self, trial, outcome) -> None:
        trial.set_user_attr("targets", outcome.targets)
        trial.set_user_attr("log_likelihood", outcome.log_likelihood)
        trial.set_user_attr("runs", outcome.runs)
        self.study.tell(trial, outcome.objective)

    def fail(self, trial, reason: str) -> None:
        trial.set_user_attr("invalid", reason)
        self.study.tell(trial, state=TrialState.FAIL)

    def failed(self) -> int:
        return sum(t.state == TrialState.FAIL and "invalid" in t.user_attrs
                   for t in self.study.get_trials(deepcopy=False))
