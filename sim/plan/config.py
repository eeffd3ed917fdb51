"""The staffing planner's schemas (``python -m sim.plan``): what it must
meet (``target.*``) and how it searches (``plan.*``). Light: no planner code
is imported, so the root config can hold them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from sim.core.checks import ConfigError, _choice, _range
from sim.i18n import Translator

_ = Translator("reports")

PLAN_TIERS = ("office", "station")  # plan.tier: what the planner sizes (issue 19)


@dataclass
class TargetConfig:
    """What the staffing planner must meet (``python -m sim.plan``; issue 7).
    null switches a target off."""

    # priority-1 arrival within this many minutes: "1-minute response, 3-minute arrival"; DOMAIN §3, seeds 000/003
    p1_within_min: Optional[float] = 3.0
    p1_share: float = 0.9  # share of priority-1 calls that must arrive in time; DOMAIN §6 (90% within 3 min)
    window_wait_p90_min: Optional[float] = 15.0  # 90th percentile window wait; DOMAIN §3 seed 003 (Shenzhen 15 min)
    saturation_max: Optional[float] = 0.6  # busy share of on-duty time; ICMA "Rule of 60" (VALIDATION.md)
    satisfaction_min: Optional[float] = None  # optional floor on callers' mean satisfaction (0-1); assumption
    crimes_per_1000_max: Optional[float] = None  # optional ceiling: crimes a year per 1,000 residents; assumption
    # the station's own calls outside the district, judged by the station plan only (plan.tier=station; the office
    # plan reports them): share whose unit sets off (dispatch + turnout) within this many minutes of the call.
    # Ankang PSB's weekly 110 bulletin, central city: 70.7% of units off within 5 min (DOMAIN §7, outside the seeds)
    station_off_within_min: Optional[float] = 5.0
    station_off_share: float = 0.7  # ... at least this share; DOMAIN §7: Ankang's 70.7%, rounded down

    def validate(self, path: str) -> None:
        if self.p1_within_min is not None:
            _range(f"{path}.p1_within_min", self.p1_within_min, 0, 240, lo_open=True)
        _range(f"{path}.p1_share", self.p1_share, 0, 1, lo_open=True)
        if self.window_wait_p90_min is not None:
            _range(f"{path}.window_wait_p90_min", self.window_wait_p90_min, 0, 1440, lo_open=True)
        if self.saturation_max is not None:
            _range(f"{path}.saturation_max", self.saturation_max, 0, 1, lo_open=True)
        if self.satisfaction_min is not None:
            _range(f"{path}.satisfaction_min", self.satisfaction_min, 0, 1)
        if self.crimes_per_1000_max is not None:
            _range(f"{path}.crimes_per_1000_max", self.crimes_per_1000_max, 0, 10_000)
        if self.station_off_within_min is not None:
            _range(f"{path}.station_off_within_min", self.station_off_within_min, 0, 1440, lo_open=True)
        _range(f"{path}.station_off_share", self.station_off_share, 0, 1, lo_open=True)


def _default_relief() -> Dict[str, float]:
    # people per post staffed around the clock; VALIDATION.md workload method: 4.7-5 after days off,
    # leave and training (the midpoint 4.85 for both roles is an assumption)
    return {"officer": 4.85, "auxiliary": 4.85}


@dataclass
class PlanConfig:
    """How the staffing planner searches (``python -m sim.plan``; issue 7)."""

    shift_starts_h: List[int] = field(default_factory=lambda: [0, 8, 16])  # shift blocks 00-08, 08-16, 16-24; assumption
    relief_factor: Dict[str, float] = field(default_factory=_default_relief)  # people per 24/7 post; VALIDATION.md
    volunteer_hours_per_week_max: float = 168.0  # cap on an office's volunteer hours (one post round the clock); assumption
    officers_min_per_shift: int = 1  # at least one sworn officer on every shift (issue 7)
    aux_per_officer_min: float = 0.0  # on-duty auxiliaries per officer, lower bound; assumption
    aux_per_officer_max: float = 8.0  # upper bound: Shenzhen officer:auxiliary = 1:8; DOMAIN §2, seed 000
    # units per office and shift the search may use (plan.tier=station: patrol cars per shift); beyond, a target
    # is out of reach; assumption
    max_units_per_shift: int = 30
    confidence: float = 0.9  # met when the one-sided bound at this confidence level (0-1) clears the target; assumption
    replications_min: int = 4  # sequential replications: start with this many seeds ...; assumption
    replications_max: int = 12  # ... and add seeds while undecided, up to this many; assumption
    days: float = 56.0  # simulated days per replication (eight weekly cycles); assumption
    warmup_days: float = 2.0  # cut from every replication; assumption
    ministry_residents_per_officer: int = 3000  # ministry norm: 1 community officer per 3,000 residents; DOMAIN §2, seed 004
    jobs: int = 2  # worker processes for the replications; 0 = one per core; assumption (2-core machines)
    curve: bool = True  # also simulate the staffing curve (attainment against staff); user choice
    # what to plan (issue 19): office = the office's staffing, given the station's backup (response.*);
    # station = the fewest response.station.patrol_cars_per_shift, the office staffed as configured
    tier: str = "office"
    # how many of the district's offices are still to be built: their one-off building cost
    # (cost.office_build_kyuan) is reported; the planner staffs the configured offices, it never adds one;
    # user choice
    new_offices: int = 0
    # cap on the plan's yearly cost (staff, running cost, the station's share), thousand yuan a year, null = no
    # cap: over it, the planner cuts on-duty posts one at a time (least attainment lost per yuan saved) and
    # reports the best staffing within it and how far it falls short (sim/plan/budget.py); the one-off building
    # cost of new offices is not counted in it; issue 23, user choice
    budget_kyuan_per_year: Optional[float] = None

    def validate(self, path: str) -> None:
        if not self.shift_starts_h or sorted(set(self.shift_starts_h)) != list(self.shift_starts_h):
            raise ConfigError(f"{path}.shift_starts_h", list(self.shift_starts_h),
                              _("needs increasing, distinct start hours, e.g. [0, 8, 16]"))
        for h in self.shift_starts_h:
            _range(f"{path}.shift_starts_h", h, 0, 23)
        n = len(self.shift_starts_h)
        if 24 % n or any(b - a != 24 // n for a, b in zip(self.shift_starts_h, self.shift_starts_h[1:])):
            raise ConfigError(f"{path}.shift_starts_h", list(self.shift_starts_h),
                              _("needs equal shifts covering the day (24 / count hours apart), e.g. [0, 8, 16]"))
        for role, v in self.relief_factor.items():
            _choice(f"{path}.relief_factor", role, ("officer", "auxiliary"))
            _range(f"{path}.relief_factor.{role}", v, 1, 20)
        for role in ("officer", "auxiliary"):
            if role not in self.relief_factor:
                raise ConfigError(f"{path}.relief_factor", dict(self.relief_factor), _("needs a factor for {role}")
                                                                                     .format(role=role))
        _range(f"{path}.volunteer_hours_per_week_max", self.volunteer_hours_per_week_max, 0, 100_000)
        _range(f"{path}.officers_min_per_shift", self.officers_min_per_shift, 0, 100)
        _range(f"{path}.aux_per_officer_min", self.aux_per_officer_min, 0, 100)
        _range(f"{path}.aux_per_officer_max", self.aux_per_officer_max, self.aux_per_officer_min, 100)
        _range(f"{path}.max_units_per_shift", self.max_units_per_shift, 1, 500)
        if self.officers_min_per_shift > self.max_units_per_shift:
            raise ConfigError(f"{path}.officers_min_per_shift", self.officers_min_per_shift,
                              _("must be <= plan.max_units_per_shift ({max_units_per_shift})")
                              .format(max_units_per_shift=self.max_units_per_shift))
        _range(f"{path}.confidence", self.confidence, 0.5, 0.999)
        _range(f"{path}.replications_min", self.replications_min, 2, 1000)
        _range(f"{path}.replications_max", self.replications_max, self.replications_min, 1000)
        _range(f"{path}.days", self.days, 1, 3650)
        _range(f"{path}.warmup_days", self.warmup_days, 0, self.days - 0.5)
        _range(f"{path}.ministry_residents_per_officer", self.ministry_residents_per_officer, 100, 1_000_000)
        _range(f"{path}.jobs", self.jobs, 0, 256)
        _choice(f"{path}.tier", self.tier, PLAN_TIERS)
        if isinstance(self.new_offices, bool) or not isinstance(self.new_offices, int):
            raise ConfigError(f"{path}.new_offices", self.new_offices, _("must be a whole number of offices"))
        _range(f"{path}.new_offices", self.new_offices, 0, 1000)
        if self.budget_kyuan_per_year is not None:
            _range(f"{path}.budget_kyuan_per_year", self.budget_kyuan_per_year, 0, 1e9, lo_open=True)
