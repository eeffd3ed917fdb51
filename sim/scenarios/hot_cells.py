"""What the data-driven policies know: hot cells and busy hours.

- ``HotCells`` ranks each office's cells by the crimes the office knows of in
  the last ``hotspot_window_days`` (Sherman & Weisburd 1995; DOMAIN §4, seed
  003 §4.2). *Known* means reported: a crime counts from the moment its call
  arrives (``source == "crime"``), so the ranking never peeks at unreported
  crimes or at a report still on its way. Cells with equal counts, and all
  cells before any crime is known, are ordered by a land-use prior: the
  configured crime types' place weights (theft: street activity, burglary:
  residents) mixed by their rates, i.e. where crime is expected to fall.
- ``CallClock`` counts every call so far by hour of day and cell, with a
  population prior (elastic policing, seed 004).

Both are built once per model and shared (``shared``), so ``hotspot+cameras``
patrols and films the same cells and each ranking is computed once per
re-plan. Counting reads only the calls made since the last refresh (each
new call is handed over as it is made, ``model.calls.listeners``), so a refresh
costs the calls since the last one plus an argsort per office.
"""
from __future__ import annotations

import weakref
from collections import deque

import numpy as np

from sim.core.units import MIN_PER_DAY
from sim.policing.crime import crime_risk
from sim.core.space import NOT_PATROLLED

_SHARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

CALL_CLOCK_PRIOR_DAYS = 28.0  # the population prior weighs as much as four weeks of calls; assumption
CALL_CLOCK_SPREAD_H = 1  # an hour's profile pools calls of the hours either side (calls cluster in
# periods, and one year gives < 1 call per cell and hour of day in urban_core); assumption


def shared(model, key: str, factory):
    """One ``factory(model)`` per model and key, for every policy of a run."""
    per_model = _SHARED.setdefault(model, {})
    if key not in per_model:
        per_model[key] = factory(model)
    return per_model[key]


def flat_of(district, x: float, y: float) -> int:
    """Flat cell index (cx * H + y) of a point, clipped to the district."""
    size = district.cell_size_m
    cx = min(max(int(x // size), 0), district.width - 1)
    cy = min(max(int(y // size), 0), district.height - 1)
    return cx * district.height + cy


def point_in(district, flat: int, rng: np.random.Generator) -> tuple[float, float]:
    """A uniform random point of a cell (metres)."""
    cx, cy = district.unflatten(int(flat))
    u = rng.random(2)
    size = district.cell_size_m
    return float((cx + u[0]) * size), float((cy + u[1]) * size)


def area_cells(model, key: tuple[str, int]) -> np.ndarray:
    """Flat cells of a beat (``("beat", b)``) or office area (``("office_area", o)``),
    off the mountainside when the area has other cells. Unlike
    ``model.patrol_area`` this ignores grid workers' own grid cells."""
    cache = shared(model, "area_cells", lambda m: {})
    cells = cache.get(key)
    if cells is None:
        d = model.district
        area = (d.beat if key[0] == "beat" else d.office_area) == key[1]
        cells = d.cells_where(area & ~np.isin(d.land_use, NOT_PATROLLED))
        if len(cells) == 0:
            cells = d.cells_where(area)
        cache[key] = cells
    return cells


def crime_prior(model) -> np.ndarray:
    """Flat share of expected street crime per cell (sim.policing.crime.crime_risk): the
    same ranking the displacement metrics' treated area uses."""
    return crime_risk(model.district, model.call_types, model.cfg.crime.concentration_exponent)


class HotCells:
    """Each office's top ``hotspot_cells`` cells by known crimes in the window."""

    def __init__(self, model, k: int, window_days: float):
        d = self.district = model.district
        self.k, self.window_min = int(k), float(window_days) * MIN_PER_DAY
        n = d.width * d.height
        self.counts = np.zeros(n)
        self.office_cells = [d.cells_where(d.office_area == o) for o in range(len(d.offices))]
        prior = crime_prior(model)
        # tie-break in [0, 0.5): never outranks one known crime
        self.tiebreak = np.zeros(n)
        for cells in self.office_cells:
            if len(cells):
                self.tiebreak[cells] = 0.5 * prior[cells] / max(prior[cells].max(), 1e-300)
        self._events: deque = deque()  # (t_min, flat) of known crimes inside the window
        self._heard: list = list(model.calls)  # calls not yet counted: those so far, then each new one
        model.calls.listeners.append(self._heard.append)
        self._updated_at = -1.0
        self.version = 0  # bumps whenever any office's list changes
        self.history: list[tuple[float, np.ndarray]] = []  # (time, cells) at each change: displacement metrics
        self.by_office: list[np.ndarray] = [np.empty(0, int)] * len(self.office_cells)
        self.cells = np.empty(0, int)
        self.mask = np.zeros(n, dtype=bool)
        self._rank(0.0)

    def update(self, model) -> bool:
        """Read calls since the last update, drop crimes older than the window,
        re-rank if anything changed; returns whether the lists changed."""
        now = model.env.now
        if now == self._updated_at:
            return False
        self._updated_at = now
        changed = False
        for call in self._heard:
            if call.source == "crime":
                flat = flat_of(self.district, call.x, call.y)
                self._events.append((call.t_arrival, flat))
                self.counts[flat] += 1
                changed = True
        self._heard.clear()
        horizon = now - self.window_min
        while self._events and self._events[0][0] < horizon:
            self.counts[self._events.popleft()[1]] -= 1
            changed = True
        return self._rank(now) if changed else False

    def _rank(self, now: float) -> bool:
        lists = []
        for cells in self.office_cells:
            score = self.counts[cells] + self.tiebreak[cells]
            lists.append(cells[np.argsort(-score, kind="stable")[:self.k]])
        if self.cells.size and all(np.array_equal(a, b) for a, b in zip(lists, self.by_office)):
            return False
        self.by_office = lists
        self.cells = np.concatenate(lists) if lists else np.empty(0, int)
        self.mask[:] = False
        self.mask[self.cells] = True
        self.version += 1
        self.history.append((now, self.cells.copy()))
        return True


def hot_cells(model, cfg) -> HotCells:
    """The run's shared ``HotCells`` (built from the policy config on first use)."""
    return shared(model, "hot_cells", lambda m: HotCells(m, cfg.hotspot_cells, cfg.hotspot_window_days))


class CallClock:
    """Every call so far by hour of day and cell; ``order(hour, cells)`` gives
    ``cells`` busiest first for that hour (pooled over +-``CALL_CLOCK_SPREAD_H``
    hours), a population prior worth ``CALL_CLOCK_PRIOR_DAYS`` days of calls
    filling in where calls are few."""

    def __init__(self, model):
        d = self.district = model.district
        residents = d.residents.ravel().astype(float)
        total = residents.sum()
        calls_per_hour = sum(c.rate_per_1000_per_year for _, c in model.call_types) * total / 1000.0 / (365 * 24)
        share = residents / total if total > 0 else np.full(residents.size, 1.0 / residents.size)
        self.prior = CALL_CLOCK_PRIOR_DAYS * calls_per_hour * share  # expected calls per cell and hour of day
        self.counts = np.zeros((24, residents.size))
        self._heard: list = list(model.calls)  # calls not yet counted: those so far, then each new one
        model.calls.listeners.append(self._heard.append)
        self._updated_at = -1.0
        self.version = 0
        self._cache: dict = {}

    def update(self, model) -> None:
        now = model.env.now
        if now == self._updated_at:
            return
        self._updated_at = now
        for call in self._heard:
            self.counts[int(call.t_arrival // 60) % 24, flat_of(self.district, call.x, call.y)] += 1
        if self._heard:
            self.version += 1
            self._cache.clear()
            self._heard.clear()

    def order(self, hour: int, key, cells: np.ndarray) -> np.ndarray:
        """``cells`` (an area named by ``key``) busiest first at ``hour``; cached
        until the next call is counted."""
        hit = self._cache.get((hour, key))
        if hit is None:
            hours = [(hour + dh) % 24 for dh in range(-CALL_CLOCK_SPREAD_H, CALL_CLOCK_SPREAD_H + 1)]
            score = self.counts[hours][:, cells].sum(axis=0) + len(hours) * self.prior[cells]
            hit = self._cache[(hour, key)] = cells[np.argsort(-score, kind="stable")]
        return hit


def call_clock(model) -> CallClock:
    return shared(model, "call_clock", CallClock)
