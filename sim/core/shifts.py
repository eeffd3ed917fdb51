"""Duty rosters: when each staff member is on community duty.

A roster is a list of (start_min, end_min) intervals per person, built once
for the whole run. Officers lose a share of each shift to non-community duties
(station duty, guard duty, meetings; DOMAIN §2, seed 004) as one contiguous
block at a random point of the shift, drawn from the ``staffing`` stream.
"""
from __future__ import annotations

import numpy as np

from sim.core.shifts_config import ShiftConfig
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR


def roster(index: int, shift: ShiftConfig, horizon_min: float) -> list[tuple[float, float]]:
    """On-duty shifts of the index-th person of a role: people rotate over the
    start hours, and their working days are staggered across the week."""
    start_h = shift.starts_h[index % len(shift.starts_h)]
    stagger = index // len(shift.starts_h)
    days = int(np.ceil(horizon_min / MIN_PER_DAY)) + 1
    out = []
    for day in range(-1, days):  # day -1: a night shift running into day 0
        if (day + stagger) % 7 >= shift.days_per_week:
            continue
        a = day * MIN_PER_DAY + start_h * MIN_PER_HOUR
        b = a + shift.hours * MIN_PER_HOUR
        a, b = max(a, 0.0), min(b, horizon_min)
        if b > a:
            out.append((a, b))
    return out  # one interval per shift; ``merge`` joins back-to-back ones


def merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def remove_share(intervals: list[tuple[float, float]], share: float,
                 rng: np.random.Generator) -> list[tuple[float, float]]:
    """Cut one block of ``share`` x length out of each shift at a random point
    (per shift, before merging: a 24/7 rota must not lose days in one block)."""
    if share <= 0:
        return intervals
    out = []
    for a, b in intervals:
        lost = share * (b - a)
        cut = a + rng.random() * (b - a - lost)
        out += [(a, cut), (cut + lost, b)]
    return [(a, b) for a, b in out if b - a > 1e-9]


def split_share(intervals: list[tuple[float, float]], share: float,
                rng: np.random.Generator) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """``remove_share`` that also returns the blocks it cut (officers' station
    duty spent at the station, issue 19), with the very same draws."""
    if share <= 0:
        return intervals, []
    kept, cut = [], []
    for a, b in intervals:
        lost = share * (b - a)
        at = a + rng.random() * (b - a - lost)
        kept += [(a, at), (at + lost, b)]
        cut.append((at, at + lost))
    return [(a, b) for a, b in kept if b - a > 1e-9], [(a, b) for a, b in cut if b - a > 1e-9]
