"""One role's shift pattern (``staffing.shifts.ROLE``), read by the rosters
(sim.core.shifts); the staffing schema holds one per role."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from sim.core.checks import ConfigError, _range
from sim.i18n import Translator

_ = Translator("checks")


@dataclass
class ShiftConfig:
    # staff rotate over these start hours; assumption (three-shift rota)
    starts_h: List[int] = field(default_factory=lambda: [8, 16, 0])
    hours: float = 8.0  # shift length, hours; assumption (three-shift rota)
    days_per_week: int = 7  # working days a week; assumption: rest days backfilled by the parent station

    def validate(self, path: str) -> None:
        if not self.starts_h:
            raise ConfigError(f"{path}.starts_h", self.starts_h, _("needs at least one start hour"))
        for h in self.starts_h:
            _range(f"{path}.starts_h", h, 0, 23)
        _range(f"{path}.hours", self.hours, 0, 24, lo_open=True)
        _range(f"{path}.days_per_week", self.days_per_week, 1, 7)
