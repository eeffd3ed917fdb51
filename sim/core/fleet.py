"""Where every unit is and what it is doing, as numpy arrays.

A unit never moves minute by minute: it holds one straight *leg* (from, to,
departure, arrival) and its position is interpolated when someone asks
(dispatch, guardianship, the map). Questions about all units at once
("who is near this target?") are one vectorised expression.

The fleet knows nothing of Mesa agents, calls or policies; it also keeps the
time accounting behind utilisation (busy time over staffed time).
"""
from __future__ import annotations

import numpy as np

from sim.core.roles import ROLE_CODE


class Fleet:
    def __init__(self, roles: list[str], posts_xy: np.ndarray, speeds_m_per_min: np.ndarray,
                 offices: np.ndarray | None = None, beats: np.ndarray | None = None,
                 tiers: np.ndarray | None = None, extra_turnout_min: np.ndarray | None = None):
        n = len(roles)
        self.n = n
        self.role = np.array([ROLE_CODE[r] for r in roles], dtype=np.int8)
        self.role_name = list(roles)
        self.post = np.asarray(posts_xy, dtype=float).reshape(n, 2)
        self.speed = np.asarray(speeds_m_per_min, dtype=float)
        self.office = np.zeros(n, int) if offices is None else np.asarray(offices)
        self.beat = np.full(n, -1) if beats is None else np.asarray(beats)
        # response tier of each unit: 0 office, 1 station, 2 rapid (sim.policing.response_config.TIER_NAMES)
        self.tier = np.zeros(n, dtype=np.int8) if tiers is None else np.asarray(tiers, dtype=np.int8)
        # minutes a unit needs beyond the dispatcher's turnout (a duty officer hands over the desk)
        self.siren = np.zeros(n, dtype=bool)  # a police car: lights and sirens on priority-1 runs (set by the model)
        self.extra_turnout = np.zeros(n) if extra_turnout_min is None else np.asarray(extra_turnout_min, float)
        # current leg
        self.x0, self.y0 = self.post[:, 0].copy(), self.post[:, 1].copy()
        self.x1, self.y1 = self.x0.copy(), self.y0.copy()
        self.t0 = np.zeros(n)
        self.t1 = np.zeros(n)
        self.leg_token = np.zeros(n, dtype=np.int64)  # bumps when a leg is superseded
        self.on_stay = None  # callback(unit, x, y, arrived, left, leg token) when a stay ends
        # state
        self.on_duty = np.zeros(n, dtype=bool)
        self.busy = np.zeros(n, dtype=bool)
        # accounting (minutes)
        self._staffed_since = np.full(n, np.nan)
        self._busy_since = np.full(n, np.nan)
        self.staffed_min = np.zeros(n)
        self.busy_min = np.zeros(n)
        self.idle_since = np.zeros(n)  # when each unit last became free (tie-breaks: idle longest)

    # --- positions ---------------------------------------------------------
    def positions(self, t: float, idx=slice(None)) -> tuple[np.ndarray, np.ndarray]:
        t1 = self.t1[idx]
        if not (t1 > t).any():  # nobody under way: everyone is at the end of their leg
            return self.x1[idx], self.y1[idx]
        span = t1 - self.t0[idx]
        frac = np.clip(np.divide(t - self.t0[idx], span, out=np.ones_like(span), where=span > 0), 0, 1)
        return (self.x0[idx] + (self.x1[idx] - self.x0[idx]) * frac,
                self.y0[idx] + (self.y1[idx] - self.y0[idx]) * frac)

    def position_of(self, i: int, t: float) -> tuple[float, float]:
        """Scalar twin of ``positions`` for one unit (the hot path of every leg)."""
        t0, t1 = self.t0[i], self.t1[i]
        frac = 1.0 if t1 <= t0 else min(max((t - t0) / (t1 - t0), 0.0), 1.0)
        x0, y0 = self.x0[i], self.y0[i]
        return float(x0 + (self.x1[i] - x0) * frac), float(y0 + (self.y1[i] - y0) * frac)

    def start_leg(self, i: int, t: float, x: float, y: float, minutes: float) -> float:
        """Send unit i from where it is now towards (x, y); returns arrival time.
        If it had arrived at its last destination, that stay ends now
        (``on_stay``: residual deterrence, patrol-stop records)."""
        if self.on_stay is not None and self.t1[i] < t:
            self.on_stay(i, float(self.x1[i]), float(self.y1[i]), float(self.t1[i]), t, int(self.leg_token[i]))
        px, py = self.position_of(i, t)
        self.x0[i], self.y0[i], self.t0[i] = px, py, t
        self.x1[i], self.y1[i], self.t1[i] = x, y, t + minutes
        self.leg_token[i] += 1
        return t + minutes

    def hold(self, i: int, t: float) -> None:
        """Stop unit i where it is (e.g. while its assignment turns out)."""
        px, py = self.position_of(i, t)
        self.start_leg(i, t, px, py, 0.0)

    # --- state and accounting ---------------------------------------------
    def available(self) -> np.ndarray:
        return self.on_duty & ~self.busy

    def _staffed(self, i: int) -> bool:
        return bool(self.on_duty[i] or self.busy[i])

    def _sync_staffed(self, i: int, was: bool, t: float) -> None:
        now = self._staffed(i)
        if now and not was:
            self._staffed_since[i] = t
        elif was and not now:
            self.staffed_min[i] += t - self._staffed_since[i]
            self._staffed_since[i] = np.nan

    def set_on_duty(self, i: int, flag: bool, t: float) -> None:
        was = self._staffed(i)
        self.on_duty[i] = flag
        if flag and not self.busy[i]:
            self.idle_since[i] = t
        self._sync_staffed(i, was, t)

    def set_busy(self, i: int, flag: bool, t: float) -> None:
        was = self._staffed(i)
        if flag and not self.busy[i]:
            self._busy_since[i] = t
        elif not flag and self.busy[i]:
            self.busy_min[i] += t - self._busy_since[i]
            self.idle_since[i] = t
        self.busy[i] = flag
        self._sync_staffed(i, was, t)

    def totals(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Busy and staffed minutes per unit up to time t (open spells included)."""
        busy = self.busy_min + np.where(self.busy, t - np.nan_to_num(self._busy_since), 0.0)
        staffed_open = self.on_duty | self.busy
        staffed = self.staffed_min + np.where(staffed_open, t - np.nan_to_num(self._staffed_since), 0.0)
        return busy, staffed
