"""Staff who come and go (``workforce.*``, read by sim.policing.workforce)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.core.checks import check_bounds


@dataclass
class WorkforceConfig:
    """Staff who come and go (issue 6): turnover, vacancies, a training curve
    for new staff, and absences that nobody backfills."""

    turnover_per_year: float = 0.186  # share leaving a year; DOMAIN §2, seed 000 (18.6%; all roles, an assumption)
    vacancy_days: float = 60.0  # mean days a post stays empty before a new hire starts; assumption
    tenure_mean_years: float = 2.3  # tenure of the staff in post at the start; DOMAIN §2, seed 003 §7.4
    new_staff_efficiency: float = 0.61  # a new hire's capability: training raises it 63% (1/1.63); DOMAIN §2, seed 001
    training_days: float = 90.0  # time constant of the training curve: seed 001's 1-3 month induction stage
    absence_share: float = 0.0  # shifts lost to leave, sickness, training and not backfilled; 0 = backfilled
    # like rest days (assumption); VALIDATION.md's relief factor (4.7-5 per 24/7 post) counts them

    BOUNDS: ClassVar[dict] = {
        "turnover_per_year": (0, 10, False), "vacancy_days": (0, 3650, False),
        "tenure_mean_years": (0, 50, True), "new_staff_efficiency": (0, 1, True),
        "training_days": (0, 3650, True), "absence_share": (0, 0.9, False),
    }

    def validate(self, path: str) -> None:
        check_bounds(self, path)
