"""The service windows of a run as a part of the model (sim.core.subsystem):
one window per office (sim.community.window), its clerks the posts after the
fleet's (their capability from sim.policing.workforce), its walk-in
requests in proportion to the office's residents; served visitors rate the
visit when someone listens (the community).
"""
from __future__ import annotations

from functools import partial

import numpy as np

from sim.community.window import ServiceWindow, draw_arrivals, window_summary
from sim.core.subsystem import RunTotals, Subsystem
from sim.core.units import DAYS_PER_YEAR

PLAIN_MEAN_MAX_VALUES = 8  # up to this many clerks, summed in order (what np.mean does for so few, faster)


class ServiceWindows(Subsystem):
    """``cfg``: the window config; ``first_clerk``: the post of the first
    office's first clerk; ``efficiency(post, t)``: a post holder's capability."""

    stage = 3  # walk-ins at the service windows (sim.model)

    def __init__(self, cfg, first_clerk: int, efficiency):
        self.cfg, self.first_clerk, self.efficiency = cfg, first_clerk, efficiency
        self.windows: list[ServiceWindow] = []

    def start(self, model) -> None:
        """Open one window per office (none when ``window.enabled`` is false)."""
        if not self.cfg.enabled:
            return
        w, d = self.cfg, model.district
        raters = model.hooks.window_visited
        for o in range(len(d.offices)):
            area = (d.office_area == o).ravel()
            residents = int(d.residents.ravel()[area].sum())
            rng = model.rngs.child("window", o)
            arrivals = draw_arrivals(rng, w.requests_per_1000_per_year * residents / 1000.0 / DAYS_PER_YEAR,
                                     model.horizon_min, w.open_h, w.close_h, w.online_share, w.self_service_share,
                                     w.service_mean_min, w.service_cv, w.kiosk_min)
            first = self.first_clerk + o * w.clerks_per_office
            efficiency = partial(self._mean_efficiency, list(range(first, first + w.clerks_per_office)))
            weights = d.residents.ravel() * area
            window = ServiceWindow(model.env, w.clerks_per_office, arrivals, efficiency=efficiency)
            if raters:
                visitors = rng.choice(len(weights), size=len(arrivals), p=weights / weights.sum()) if residents else []
                window.on_served = partial(self._served, model.env, raters, window, visitors, efficiency)
            self.windows.append(window)

    def _mean_efficiency(self, posts: list[int], t: float) -> float:
        """Mean capability of a window's clerks at time t (twice per visit).
        Summed in order, which is what np.mean does for up to 8 values, at a
        tenth of its cost; np.mean itself beyond (pairwise summation)."""
        values = [self.efficiency(p, t) for p in posts]
        if len(values) > PLAIN_MEAN_MAX_VALUES:
            return float(np.mean(values))
        total = 0.0
        for v in values:
            total += v
        return total / len(values)

    @staticmethod
    def _served(env, raters, window, visitors, efficiency, k: int) -> None:
        if window.arrivals.kiosk[k]:
            return  # self-service: no one to rate
        wait, capability = window.wait_of(k), efficiency(env.now)
        for rate in raters:
            rate(int(visitors[k]), wait, capability)

    def summary(self, run: RunTotals) -> dict:
        records = [w.records() for w in self.windows]
        if not records:
            return {}
        merged = {k: np.concatenate([r[k] for r in records]) for k in records[0]}
        return window_summary(merged, run.warmup_min)
