"""The posterior from the explore phase: kernel ABC by importance sampling.

The explore trials are scrambled Sobol points spread evenly over the
parameters' bounds (in log space for log-uniform priors), so each is a draw
from a known proposal: the prior's shape over the bounds, flat for uniform
and log-uniform priors. Weighting each by its prior density (relative to the
proposal) times the Gaussian likelihood of its simulated targets, with the
targets' sd and the simulation's own standard error added in quadrature
(Wilkinson 2013: ABC with a Gaussian kernel is exact inference under that
error model), gives a weighted sample of the posterior. Summaries are
those of the weighted sample smoothed by a Gaussian kernel half the Sobol
points' spacing wide (in the sampled space, cut at the bounds): a sample of
n points in d dimensions cannot place a parameter closer than that, so the
interval never claims more than the design can tell. The effective sample
size (Kish) says how many trials carry it; a small one means: run more."""
from __future__ import annotations

import math

import numpy as np

from sim.calibrate.problem import Problem

QUANTILES = (0.025, 0.5, 0.975)


def posterior(problem: Problem, trials: list) -> dict:
    """{"effective_sample_size", "trials", "parameters": key -> {mean, sd, q025, q50, q975}}
    from complete explore trials (optuna FrozenTrial list)."""
    usable = [t for t in trials if t.user_attrs.get("phase") == "explore"
              and math.isfinite(t.user_attrs.get("log_likelihood", math.nan))]
    if not usable:
        return {"effective_sample_size": 0.0, "trials": 0, "parameters": {}}
    loglik = np.array([t.user_attrs["log_likelihood"] for t in usable])
    logprior = np.array([sum(math.log(max(p.prior_density(t.params[p.key]), 1e-300)) for p in problem.parameters)
                         for t in usable])
    logw = loglik + logprior
    w = np.exp(logw - logw.max())
    w /= w.sum()
    ess = float(1.0 / np.sum(w ** 2))
    spacing = 0.5 * len(usable) ** (-1.0 / max(1, len(problem.parameters)))
    out = {}
    for p in problem.parameters:
        x = np.array([t.params[p.key] for t in usable], dtype=float)
        out[p.key] = smoothed_summary(x, w, p.low, p.high, p.prior == "log_uniform", spacing)
    return {"effective_sample_size": ess, "trials": len(usable), "parameters": out}


def smoothed_summary(x: np.ndarray, w: np.ndarray, low: float, high: float, log: bool, spacing: float,
                     grid_points: int = 2001) -> dict:
    """Mean, sd and quantiles of the weighted points each spread as a normal of
    sd ``spacing`` x the range (in log space for log priors), cut at the bounds."""
    f = np.log if log else (lambda v: v)
    u, lo, hi = f(x), f(low), f(high)
    grid = np.linspace(lo, hi, grid_points)
    h = spacing * (hi - lo)
    dens = np.sum(w[:, None] * np.exp(-0.5 * ((grid[None, :] - u[:, None]) / h) ** 2), axis=0)
    dens /= dens.sum()
    values = np.exp(grid) if log else grid
    mean = float(np.sum(dens * values))
    sd = float(math.sqrt(max(0.0, np.sum(dens * (values - mean) ** 2))))
    cdf = np.cumsum(dens)
    q = [float(values[min(len(values) - 1, np.searchsorted(cdf, level))]) for level in QUANTILES]
    return {"mean": mean, "sd": sd, "q025": q[0], "q50": q[1], "q975": q[2]}
