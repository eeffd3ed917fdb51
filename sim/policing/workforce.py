"""Staff who come and go: turnover, vacancies, a training curve, absences.

A fleet row is a *post* (a position), not a person. Each post's career is
drawn once, up front, from its own child stream (``workforce``, post index):
the person in post at the start has served an exponential tenure; people
leave at a constant hazard (18.6% a year, DOMAIN §2); an emptied post stays
vacant for a while; a new hire starts at a lower capability that grows along
a training curve. Rosters then lose the vacant spells (and, optionally,
whole shifts to absences nobody backfills), so no event is needed at run time.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.units import MIN_PER_DAY, MIN_PER_YEAR

if TYPE_CHECKING:
    from sim.policing.workforce_config import WorkforceConfig


@dataclass
class Career:
    hires: list[float]  # hire times of the people holding the post, minutes (the first is <= 0)
    vacancies: list[tuple[float, float]]  # spells with nobody in post


def draw_career(rng: np.random.Generator, cfg: WorkforceConfig, horizon_min: float) -> Career:
    """Every draw is made in a fixed order whatever the parameters' values."""
    tenure = rng.exponential(cfg.tenure_mean_years * MIN_PER_YEAR)
    hires, vacancies = [-float(tenure)], []
    hazard = -math.log(1.0 - min(cfg.turnover_per_year, 0.999999)) / MIN_PER_YEAR  # share a year -> rate
    t = 0.0
    while hazard > 0:
        leave = t + float(rng.exponential(1.0 / hazard))
        if leave >= horizon_min:
            break
        back = leave + float(rng.exponential(cfg.vacancy_days * MIN_PER_DAY)) if cfg.vacancy_days > 0 else leave
        vacancies.append((leave, back))
        hires.append(back)
        t = back
    return Career(hires, vacancies)


class Workforce:
    """Careers of every post; efficiency of whoever holds a post at a time."""

    def __init__(self, cfg: WorkforceConfig, careers: list[Career]):
        self.cfg, self.careers = cfg, careers

    @classmethod
    def draw(cls, cfg: WorkforceConfig, n_posts: int, horizon_min: float, child) -> "Workforce":
        """``child(i)``: post i's own generator (e.g. ``RngStreams.child("workforce", i)``)."""
        return cls(cfg, [draw_career(child(i), cfg, horizon_min) for i in range(n_posts)])

    def efficiency(self, post: int, t_min: float) -> float:
        """Capability of the post holder at ``t_min``: 1 for trained staff, from
        ``new_staff_efficiency`` at hire towards 1 with time constant ``training_days``."""
        hires = self.careers[post].hires
        hired = hires[max(bisect_right(hires, t_min) - 1, 0)]
        e0 = self.cfg.new_staff_efficiency
        return 1.0 - (1.0 - e0) * math.exp(-(t_min - hired) / (self.cfg.training_days * MIN_PER_DAY))

    def cut_vacancies(self, post: int, duty: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Duty intervals minus the post's vacant spells."""
        out = list(duty)
        for a, b in self.careers[post].vacancies:
            out = [piece for s, e in out for piece in ((s, min(e, a)), (max(s, b), e)) if piece[1] - piece[0] > 1e-9]
        return out

    def departures(self, since_min: float = 0.0) -> int:
        return sum(a >= since_min for c in self.careers for a, _ in c.vacancies)

    def vacant_minutes(self, post: int, until_min: float) -> float:
        return sum(max(0.0, min(b, until_min) - max(a, 0.0)) for a, b in self.careers[post].vacancies)


def drop_absences(duty: list[tuple[float, float]], share: float,
                  rng: np.random.Generator) -> list[tuple[float, float]]:
    """Drop whole shifts with probability ``share`` (leave, sickness, training
    not backfilled); one uniform per shift whatever ``share`` is."""
    u = rng.random(len(duty))
    return [s for s, keep in zip(duty, u >= share) if keep]


def relief_factor(headcount: int, duty_min: float, horizon_min: float) -> float | None:
    """People per continuously staffed post: headcount / (duty time / run time).
    VALIDATION.md: about 4.7-5 per 24/7 post after days off, leave and training."""
    return headcount * horizon_min / duty_min if duty_min > 0 else None
