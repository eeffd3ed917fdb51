"""What an office costs (``cost.*``, read by sim.output.kpi and the planner).

Seed 003 §5.3 (DOMAIN §5, §7): running an office costs 0.3-0.5 M yuan a
year *including* staff pay, upkeep, activities and supplies; building one
costs 0.5-1 M yuan once. ``kpi.office_running_cost_kyuan_per_year`` is that
running cost; this section says what it covers and what a new office costs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict

from sim.core.checks import ConfigError, _range
from sim.core.roles import ROLES
from sim.i18n import Translator

_ = Translator("reports")


@dataclass
class CostConfig:
    """How staff pay and the office's running cost add up (issue 19)."""

    # true: the running cost is the whole yearly cost of an office with the team below: a fixed part
    # (upkeep, activities, supplies) and a staff part that grows and shrinks with the staff's pay
    # (staffing.cost_kyuan_per_year) against that team's; seed 003 §5.3.
    # false: everyone's pay on top of the running cost (the formula before issue 19)
    running_includes_staff: bool = True
    # the fixed, non-staff part of the running cost; assumption: Zhejiang funds 0.2 M yuan a year per office
    # for its running (DOMAIN §7, seed 003 §4.4) against 0.3-0.5 M in all (§5.3), about half
    non_staff_share: float = 0.5
    # the team the running cost pays for: the "1+5+2+4" street office (3 officers incl. the chief,
    # 5 auxiliaries, 4 volunteers, 2 grid workers); DOMAIN §2, seed 001
    included_staff: Dict[str, int] = field(default_factory=lambda: {
        "officer": 3, "auxiliary": 5, "volunteer": 4, "grid_worker": 2})
    office_build_kyuan: float = 750.0  # one-off, per new office; DOMAIN §5, seed 003 §5.3 (0.5-1 M yuan): the middle

    def validate(self, path: str) -> None:
        for role, n in self.included_staff.items():
            if role not in ROLES:
                raise ConfigError(f"{path}.included_staff", role, _("allowed roles: {items}")
                                                                  .format(items=", ".join(ROLES)))
            if isinstance(n, bool) or not isinstance(n, int):
                raise ConfigError(f"{path}.included_staff.{role}", n, _("must be a whole number of people"))
            _range(f"{path}.included_staff.{role}", n, 0, 500)
        _range(f"{path}.office_build_kyuan", self.office_build_kyuan, 0, 1e6)
        _range(f"{path}.non_staff_share", self.non_staff_share, 0, 1)
        if self.running_includes_staff and not any(self.included_staff.values()):
            raise ConfigError(f"{path}.included_staff", dict(self.included_staff),
                              _("needs at least one person: the running cost includes their pay (or set "
                                "cost.running_includes_staff=false)"))
