"""One candidate's runs and how close they come to the targets.

A candidate (parameter values) becomes a calibration preset filed in the
ConfigStore, so its runs compose exactly as runs of the preset it would
become. Every target arm runs replicates 0..N-1 (the same seeds for every
candidate: common random numbers, so a better score is a better fit, not
better luck); arms that several targets share run once."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from omegaconf import OmegaConf

from sim.calibrate.measures import run_measures
from sim.calibrate.problem import Problem
from sim.calibrate.statistics import simulated, standard_error
from sim.compose.conf_files import CONF_DIR
from sim.compose.loader import load_configs
from sim.compose.structured import register_calibration

UNDEFINED_PENALTY = 1e6  # objective of a candidate whose statistic is undefined (e.g. no crime in the baseline)


@dataclass
class Outcome:
    """What a candidate's runs gave: per target its simulated value, 95%
    interval and standardised distance from the target."""

    targets: dict = field(default_factory=dict)
    objective: float = math.nan  # sum of weight x ((simulated - target) / sd)^2 over fitted targets
    log_likelihood: float = math.nan  # Gaussian, sd^2 + the simulation's own se^2 (synthetic likelihood)
    runs: int = 0


def nested(values: dict[str, float]) -> dict:
    """{"crime.a": 1} -> {"crime": {"a": 1}}"""
    out: dict = {}
    for key, value in values.items():
        node = out
        *path, leaf = key.split(".")
        for name in path:
            node = node.setdefault(name, {})
        node[leaf] = value
    return out


def preset_values(name: str) -> dict:
    """The settings of a calibration preset file (conf/calibration/NAME.yaml), flat."""
    path = CONF_DIR / "calibration" / f"{name}.yaml"
    node = OmegaConf.to_container(OmegaConf.load(path)) if path.is_file() else {}
    flat: dict = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            flat[prefix] = value

    walk("", node or {})
    return flat


def init_ray(address: str, jobs: int) -> None:
    """Ray for joblib: the cluster at HOST:PORT, or "local" (started here, on
    the loopback only); the Ray launcher's environment (no auth token, no usage
    report, short connection timeouts)."""
    import ray
    from ray.util.joblib import register_ray

    from sim.compose.launchers import RAY_ENV

    os.environ.update(RAY_ENV)
    register_ray()
    if ray.is_initialized():
        return
    ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False,
             **({"num_cpus": jobs or os.cpu_count(), "_node_ip_address": "127.0.0.1"} if address == "local" else {}))


class Evaluator:
    """Runs candidates of ``problem`` on the base command's overrides, with
    ``jobs`` worker processes (joblib: loky here, Ray with ``ray_address``)."""

    def __init__(self, problem: Problem, base_overrides: list[str], base_preset: str, replications: int,
                 jobs: int, ray_address: str = "", first_replicate: int = 0, claims: bool = False, pool=None):
        self.problem, self.base, self.replications = problem, list(base_overrides), replications
        self.first_replicate = first_replicate  # replicates first..first+replications-1
        self.start_values = preset_values(base_preset)  # what the chosen preset sets beside the parameters
        self.jobs = jobs or os.cpu_count() or 1
        self.ray_address = ray_address
        # claims are shown, never fitted: the search leaves their runs out, the final check runs them
        self.targets = [t for t in problem.targets if claims or not t.claim]
        self.arms = {}  # overrides (tuple) -> measures needed
        for t in self.targets:
            for overrides in t.arms.values():
                self.arms.setdefault(tuple(overrides), {})[t.measure.id] = t.measure
        self._pool = pool  # another evaluator's workers (the final check reuses the search's)

    def pool(self):
        from joblib import Parallel, parallel_config

        if self._pool is None:
            if self.ray_address:
                init_ray(self.ray_address, self.jobs)
                with parallel_config(backend="ray"):
                    self._pool = Parallel(n_jobs=self.jobs)
            else:
                self._pool = Parallel(n_jobs=self.jobs, backend="loky") if self.jobs > 1 else None
        return self._pool

    def configs(self, params: dict[str, float], label: str) -> list[tuple[tuple, int, object]]:
        """(arm, replicate, validated Config) of every run of a candidate."""
        register_calibration(label, nested({**self.start_values, **params}))
        jobs = [(arm, k) for arm in self.arms for k in range(self.replications)]
        overrides = [[*self.base, f"calibration={label}", *arm, f"replicate={self.first_replicate + k}"]
                     for arm, k in jobs]
        return [(arm, k, cfg) for (arm, k), cfg in zip(jobs, load_configs(overrides))]

    def evaluate(self, params: dict[str, float], label: str) -> Outcome:
        from joblib import delayed

        runs = self.configs(params, label)
        measures = [list(self.arms[arm].values()) for arm, _, _ in runs]
        pool = self.pool()
        if pool is None:
            got = [run_measures(cfg, ms) for (_, _, cfg), ms in zip(runs, measures)]
        else:
            got = pool(delayed(run_measures)(cfg, ms) for (_, _, cfg), ms in zip(runs, measures))
        per_arm: dict[tuple, list[dict]] = {}
        for (arm, k, _), values in zip(runs, got):
            per_arm.setdefault(arm, [None] * self.replications)[k] = values
        return self.score(per_arm, len(runs))

    def score(self, per_arm: dict[tuple, list[dict]], runs: int) -> Outcome:
        out = Outcome(runs=runs)
        objective = loglik = 0.0
        for t in self.targets:
            arms = {name: np.array([rep[t.measure.id] for rep in per_arm[tuple(ov)]], dtype=float)
                    for name, ov in t.arms.items()}
            value, ci = simulated(t.statistic, arms)
            defined = math.isfinite(value)
            z = (value - t.value) / t.sd if defined else math.nan
            out.targets[t.name] = {
                "target": t.value, "band": list(t.band), "sd": t.sd, "simulated": value if defined else None,
                "ci95": [c if math.isfinite(c) else None for c in ci],
                "inside": bool(defined and t.band[0] <= value <= t.band[1]), "z": z if defined else None,
                "claim": t.claim, "source": t.source, **({"observed": t.observed} if t.observed else {}),
            }
            if t.claim:
                continue
            if not defined:
                objective += UNDEFINED_PENALTY
                loglik -= UNDEFINED_PENALTY
                continue
            objective += t.weight * z * z
            loglik -= 0.5 * t.weight * (value - t.value) ** 2 / (t.sd ** 2 + standard_error(ci) ** 2)
        out.objective, out.log_likelihood = objective, loglik
        return out

    def close(self) -> None:
        if self.ray_address:
            import ray

            ray.shutdown()
