"""Background call arrivals: rate x hour-of-day profile x type mix.

The whole background stream of a run is drawn up front from the ``arrivals``
and ``service`` streams only (piecewise-constant hourly Poisson counts, times
uniform within the hour), so it is identical across any policies that do not
change call generation: common random numbers by construction. Crime calls
come from offenders (``sim.policing.crime``) and are drawn from their own streams.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.hour_profiles import HOUR_PROFILES
from sim.core.space import District
from sim.core.units import MIN_PER_HOUR, MIN_PER_YEAR
from sim.policing.calls_config import CallTypeConfig

ACTIVITY_FLOOR_RESIDENTS = 50.0  # passers-by per cell, in residents: street life beyond the cell's homes; assumption
ACTIVITY_FLOOR_SHARE = ACTIVITY_FLOOR_RESIDENTS / 75.0  # the same floor against urban_core's 75 residents a cell
ACTIVITY_FLOOR_SPAN_M = 500.0  # passers-by come from homes within a few minutes' walk; assumption


def activity_floor(district: District):
    """Street life of a cell beyond its own homes, in residents. Invented districts: 50 a cell. A real
    place (cells of any size and density): the same share of the mean residents of the cells within
    ~500 m, so large or thinly peopled cells do not draw calls by their area alone."""
    if district.geo is None:
        return ACTIVITY_FLOOR_RESIDENTS
    from scipy.ndimage import uniform_filter

    size = 2 * int(round(ACTIVITY_FLOOR_SPAN_M / 2 / district.cell_size_m)) + 1
    local = uniform_filter(district.residents.astype(float), size=size, mode="constant")
    return ACTIVITY_FLOOR_SHARE * np.maximum(local, 0.0)  # the filter's rounding leaves -1e-15 in empty cells


def place_weights(district: District, place: str, cell_weights=None) -> np.ndarray:
    """Flat probability over cells of where a call of this kind happens
    (``cell_weights``: an intensity fitted from records, sim/policing/calls_csv.py)."""
    if cell_weights:
        w = np.asarray(cell_weights, dtype=float)
    elif place == "elderly_alone" and district.elderly_alone is not None and district.elderly_alone.sum() > 0:
        w = district.elderly_alone
    elif place in ("residents", "elderly_alone"):
        w = district.residents
    else:
        w = district.activity * (district.residents + activity_floor(district))
    w = w.astype(float).ravel()
    return w / w.sum()


def hourly_profile(call: CallTypeConfig, hours: int) -> np.ndarray:
    """Relative rate of each hour of the run (mean 1 over a week): the
    hour-of-day shape times the weekday shape (sim day 0 is a Monday)."""
    hour_of_day = np.arange(hours) % 24
    shape = (np.asarray(call.hour_weights, float) / np.mean(call.hour_weights) if call.hour_weights
             else HOUR_PROFILES[call.hour_profile])
    out = shape[hour_of_day]
    if call.weekday_weights:
        week = np.asarray(call.weekday_weights, float) / np.mean(call.weekday_weights)
        out = out * week[(np.arange(hours) // 24) % 7]
    return out


@dataclass
class ArrivalStream:
    """Arrays of one run's background calls, sorted by time."""

    t_min: np.ndarray
    type_index: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    on_scene_min: np.ndarray
    u_escalate: np.ndarray  # one uniform per call for dispute escalation (own stream: common random numbers)

    def __len__(self) -> int:
        return len(self.t_min)


def service_minutes(rng: np.random.Generator, dist: str, mean: float, cv: float, size) -> np.ndarray:
    """On-scene (service) times: lognormal with the given mean and coefficient of
    variation (cv=0: constant), exponential, deterministic, or Erlang-2 (cv 0.71)."""
    if dist == "deterministic" or (dist == "lognormal" and cv <= 0):
        return np.full(size, float(mean))
    if dist == "exponential":
        return rng.exponential(mean, size)
    if dist == "erlang2":
        return rng.gamma(2.0, mean / 2.0, size)
    sigma2 = np.log1p(cv * cv)
    return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size)


def generate_arrivals(types: list[tuple[str, CallTypeConfig]], district: District,
                      horizon_min: float, rng_arrivals: np.random.Generator,
                      rng_service: np.random.Generator,
                      rng_escalation: np.random.Generator | None = None) -> ArrivalStream:
    """Draw every background call of the run (non-homogeneous Poisson by hour)."""
    residents = float(district.residents.sum())
    hours = int(np.ceil(horizon_min / MIN_PER_HOUR))
    parts = []
    for k, (_, call) in enumerate(types):
        per_min = call.rate_per_1000_per_year * residents / 1000.0 / MIN_PER_YEAR
        if per_min <= 0 or call.source != "background":
            continue
        counts = rng_arrivals.poisson(per_min * MIN_PER_HOUR * hourly_profile(call, hours))
        t = (np.repeat(np.arange(hours), counts) + rng_arrivals.random(counts.sum())) * MIN_PER_HOUR
        cells = rng_arrivals.choice(district.width * district.height, size=len(t),
                                    p=place_weights(district, call.place, call.cell_weights))
        cx, cy = district.unflatten(cells)
        x = (cx + rng_arrivals.random(len(t))) * district.cell_size_m
        y = (cy + rng_arrivals.random(len(t))) * district.cell_size_m
        scene = service_minutes(rng_service, call.on_scene_dist, call.on_scene_mean_min, call.on_scene_cv, len(t))
        u = rng_escalation.random(len(t)) if rng_escalation is not None else np.ones(len(t))
        parts.append((t, np.full(len(t), k), x, y, scene, u))
    if not parts:
        empty = np.zeros(0)
        return ArrivalStream(empty, empty.astype(int), empty, empty, empty, empty)
    t, k, x, y, s, u = (np.concatenate(a) for a in zip(*parts))
    keep = t < horizon_min
    order = np.argsort(t[keep], kind="stable")
    return ArrivalStream(*(a[keep][order] for a in (t, k, x, y, s, u)))
