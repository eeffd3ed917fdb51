"""The service window of a community police office: walk-in residents queue for
police services (certificates, registrations, reports) at clerks (auxiliaries);
online applications and self-service kiosks take load off the window.

Every potential request of the run is drawn up front in a fixed order (times,
one channel uniform each, one clerk service time each) whatever the shares, so
changing the online or kiosk share, or the number of clerks, never changes the
random numbers of any other request: common random numbers by construction.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import simpy

from sim.core.hour_profiles import HOUR_PROFILES
from sim.core.units import MIN_PER_HOUR
from sim.policing.calls import service_minutes


@dataclass
class WindowArrivals:
    """In-person requests of one run, sorted by arrival time (minutes)."""

    t_min: np.ndarray
    kiosk: np.ndarray  # handled at a self-service kiosk (no queue) instead of a clerk
    service_min: np.ndarray  # clerk time before any efficiency factor; kiosk_min for kiosk users
    online: int  # requests handled online (never came)

    def __len__(self) -> int:
        return len(self.t_min)


def _check_share(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1] (got {value})")


def open_hour_weights(open_h: float, close_h: float, profile: str) -> np.ndarray:
    """Expected share of a day's requests in each clock hour: the profile times the
    open part of that hour (fractional opening hours allowed), renormalised."""
    if not 0.0 <= open_h < close_h <= 24.0:
        raise ValueError(f"need 0 <= open_h < close_h <= 24 (got open_h={open_h}, close_h={close_h})")
    if profile not in HOUR_PROFILES:
        raise ValueError(f"profile {profile!r} unknown; known: {', '.join(HOUR_PROFILES)}")
    h = np.arange(24)
    open_frac = np.clip(np.minimum(close_h, h + 1) - np.maximum(open_h, h), 0.0, 1.0)
    w = HOUR_PROFILES[profile] * open_frac
    return w / w.sum()


def draw_arrivals(rng: np.random.Generator, requests_per_day: float, horizon_min: float,
                  open_h: float, close_h: float, online_share: float, self_service_share: float,
                  service_mean_min: float, service_cv: float, kiosk_min: float,
                  service_dist: str = "lognormal", profile: str = "day") -> WindowArrivals:
    """All requests of the run: Poisson by clock hour over the open hours only
    (the window is open every day; assumption), then split into channels."""
    _check_share("online_share", online_share)
    _check_share("self_service_share", self_service_share)
    for name, value in (("requests_per_day", requests_per_day), ("horizon_min", horizon_min),
                        ("kiosk_min", kiosk_min), ("service_cv", service_cv)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0 (got {value})")
    if service_mean_min <= 0:
        raise ValueError(f"service_mean_min must be > 0 (got {service_mean_min})")
    w = open_hour_weights(open_h, close_h, profile)
    hours = int(np.ceil(horizon_min / MIN_PER_HOUR))
    hour = np.arange(hours)
    counts = rng.poisson(requests_per_day * w[hour % 24])
    idx = np.repeat(hour, counts)
    # Uniform over the open part of each hour (times in closed hours have weight 0).
    start_h = np.maximum(idx % 24, open_h)
    span_h = np.minimum(idx % 24 + 1, close_h) - start_h
    t = (idx - idx % 24 + start_h + span_h * rng.random(len(idx))) * MIN_PER_HOUR
    u = rng.random(len(t))
    service = service_minutes(rng, service_dist, service_mean_min, service_cv, len(t))
    inside = t < horizon_min
    came = inside & (u >= online_share)
    kiosk = u < online_share + (1.0 - online_share) * self_service_share
    order = np.argsort(t[came], kind="stable")
    t, kiosk, service = t[came][order], kiosk[came][order], service[came][order]
    return WindowArrivals(t, kiosk, np.where(kiosk, float(kiosk_min), service),
                          int((inside & ~came).sum()))


class ServiceWindow:
    """Clerks serving walk-in visitors first come, first served; kiosk users skip
    the queue. Arrivals stop at closing time but clerks stay until the queue is
    empty. Times are absolute minutes on the ``env`` clock."""

    def __init__(self, env: simpy.Environment, clerks: int, arrivals: WindowArrivals,
                 efficiency: Callable[[float], float] | None = None,
                 on_served: Callable[[int], None] | None = None):
        if clerks < 1:
            raise ValueError(f"clerks must be >= 1 (got {clerks})")
        self.env = env
        self.clerks = simpy.Resource(env, capacity=int(clerks))
        self.arrivals = arrivals
        self.efficiency = efficiency
        self.on_served = on_served
        n = len(arrivals)
        self._wait = np.full(n, np.nan)
        self._service = np.full(n, np.nan)
        self._done = np.full(n, np.nan)
        self._arrived = 0
        env.process(self._feed())

    def _feed(self):
        """One process per visitor, started at its arrival time."""
        for k, t in enumerate(self.arrivals.t_min):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self._arrived = k + 1
            self.env.process(self._visit(k))

    def _visit(self, k: int):
        env, t0 = self.env, self.arrivals.t_min[k]
        if self.arrivals.kiosk[k]:
            self._wait[k], self._service[k] = 0.0, self.arrivals.service_min[k]
            yield env.timeout(self._service[k])
        else:
            with self.clerks.request() as req:
                yield req
                eff = 1.0 if self.efficiency is None else float(self.efficiency(env.now))
                if eff <= 0:
                    raise ValueError(f"efficiency must be > 0 (got {eff} at t={env.now})")
                self._wait[k] = env.now - t0
                self._service[k] = self.arrivals.service_min[k] / eff
                yield env.timeout(self._service[k])
        self._done[k] = env.now
        if self.on_served is not None:
            self.on_served(k)

    def records(self) -> dict[str, np.ndarray]:
        """One row per visitor arrived so far, in arrival order (NaN: not yet)."""
        n = self._arrived
        return {"t_arrival_min": self.arrivals.t_min[:n], "wait_min": self._wait[:n],
                "service_min": self._service[:n], "t_done_min": self._done[:n],
                "kiosk": self.arrivals.kiosk[:n].astype(bool, copy=False)}  # read-only views: no copy per run

    def wait_of(self, k: int) -> float:
        """Visitor k's wait for a clerk (0 at a kiosk; NaN if not yet served)."""
        return float(self._wait[k])

    def queue_length(self) -> int:
        return len(self.clerks.queue)

    def busy_clerks(self) -> int:
        return self.clerks.count


def window_summary(records: dict, warmup_min: float = 0.0) -> dict:
    """Visits and clerk waits of visitors arriving after the warm-up; None where
    there is nothing to average. Unserved counts post-warm-up arrivals not done."""
    after = np.asarray(records["t_arrival_min"]) >= warmup_min
    kiosk = np.asarray(records["kiosk"], dtype=bool)[after]
    wait = np.asarray(records["wait_min"], dtype=float)[after]
    waits = wait[~kiosk & ~np.isnan(wait)]
    visits = int(after.sum())
    some = len(waits) > 0
    return {
        "window_visits": visits,
        "window_kiosk_share": float(kiosk.mean()) if visits else None,
        "window_wait_mean_min": float(waits.mean()) if some else None,
        "window_wait_p90_min": float(np.percentile(waits, 90)) if some else None,
        "window_wait_over_30min_share": float((waits > 30.0).mean()) if some else None,
        "window_unserved_at_end": int(np.isnan(np.asarray(records["t_done_min"], dtype=float)[after]).sum()),
    }
