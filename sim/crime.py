"""Where and when offenders strike, and who guards the target.

Attempts by all offenders together form a Poisson process whose rate, with no
guardians anywhere, equals the configured crime rate of each type
(``rate_per_1000_per_year`` of ``source: crime`` call types), shaped by each
type's hour-of-day profile (thinning). Targets are chosen by attractiveness x
distance decay from the offender's home. A target with g staff within
``guardian_radius_m`` is abandoned with probability 1 - exp(-k g).

Common random numbers: each offender has its own stream, and every attempt
draws its waiting time and one seed for a private generator from it, whatever
happens next. So a policy that deters one attempt changes that attempt's
outcome only; every offender's sequence of attempts (times, targets, victims,
whether a crime would be reported) is the same under any policy.
"""
from __future__ import annotations

import numpy as np

from sim.calls import HOUR_PROFILES, MIN_PER_YEAR, place_weights
from sim.config import CallTypeConfig, CrimeConfig
from sim.fleet import ROLE_CODE


class CrimeModel:
    def __init__(self, cfg: CrimeConfig, kinds: list[tuple[str, CallTypeConfig]], district, fleet,
                 n_offenders: int):
        self.cfg, self.district, self.fleet = cfg, district, fleet
        self.kinds = [name for name, _ in kinds]
        self.kind_cfg = dict(kinds)
        residents = float(district.residents.sum())
        rates = np.array([c.rate_per_1000_per_year * residents / 1000.0 / MIN_PER_YEAR for _, c in kinds])
        self.total_rate_per_min = float(rates.sum())
        self.kind_p = rates / rates.sum() if rates.sum() > 0 else rates
        self.profiles = np.array([HOUR_PROFILES[c.hour_profile] for _, c in kinds])
        self.peak = float(self.profiles.max()) if len(kinds) else 1.0
        self.n_offenders = n_offenders
        self.place_w = {name: place_weights(district, c.place) for name, c in kinds}
        xs, ys = district.unflatten(np.arange(district.width * district.height))
        self.cell_x, self.cell_y = district.cell_centre_m(xs, ys)
        self.deterred: list[tuple[str, float]] = []  # (kind, time) of each abandoned attempt

    def time_to_next_attempt(self, rng: np.random.Generator) -> float:
        """Candidate attempts per offender at the peak-hour rate (thinned later)."""
        rate = self.total_rate_per_min * self.peak / self.n_offenders
        return float(rng.exponential(1.0 / rate)) if rate > 0 else float("inf")

    def pick_kind(self, t_min: float, rng: np.random.Generator) -> str | None:
        k = int(rng.choice(len(self.kinds), p=self.kind_p))
        hour = int(t_min // 60) % 24
        if rng.random() * self.peak > self.profiles[k, hour]:
            return None
        return self.kinds[k]

    def choose_target(self, home_flat: int, kind: str, rng: np.random.Generator) -> tuple[float, float, int]:
        d = np.abs(self.cell_x - self.cell_x[home_flat]) + np.abs(self.cell_y - self.cell_y[home_flat])
        w = self.place_w[kind] * np.exp(-d / self.cfg.journey_mean_m)
        flat = int(rng.choice(len(w), p=w / w.sum()))
        size = self.district.cell_size_m
        cx, cy = self.district.unflatten(flat)
        return float((cx + rng.random()) * size), float((cy + rng.random()) * size), flat

    def guardians(self, x: float, y: float, t_min: float) -> int:
        """On-duty staff within the guardian radius (straight-line), one numpy pass."""
        on = np.flatnonzero(self.fleet.on_duty)
        if len(on) == 0:
            return 0
        px, py = self.fleet.positions(t_min, on)
        return int(np.count_nonzero((px - x) ** 2 + (py - y) ** 2 <= self.cfg.guardian_radius_m ** 2))

    def witnesses(self, x: float, y: float, t_min: float) -> int:
        """On-duty volunteers and grid workers near a crime see it and report it
        (DOMAIN §2: volunteers report what they see)."""
        watchers = np.flatnonzero(self.fleet.on_duty & (self.fleet.role >= ROLE_CODE["volunteer"]))
        if len(watchers) == 0:
            return 0
        px, py = self.fleet.positions(t_min, watchers)
        return int(np.count_nonzero((px - x) ** 2 + (py - y) ** 2 <= self.cfg.guardian_radius_m ** 2))

    def is_deterred(self, guardians: int, u: float) -> bool:
        """``u``: a uniform drawn for every attempt, guarded or not (common random numbers)."""
        return bool(u < 1.0 - np.exp(-self.cfg.deterrence_per_guardian * guardians))
