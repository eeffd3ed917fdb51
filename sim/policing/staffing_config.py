"""Who is on the rosters (``staffing.*``): counts per office and how they
are stated (counts, the ministry norm, a mix at fixed headcount or cost, an
allocation across offices), travel modes and shift patterns; read by the model
when it builds staff and by the planner."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from sim.core.checks import ConfigError, _choice, _range
from sim.core.roles import ROLES
from sim.core.shifts_config import ShiftConfig
from sim.core.travel_config import MODES
from sim.i18n import Translator

_ = Translator("checks")

MIX_ROLES = ROLES[:3]  # who a "a+b+c" staffing mix counts: officers, auxiliaries, volunteers (DOMAIN.md §2)
STAFF_COUNT_KEYS = {"officer": "officers", "auxiliary": "auxiliaries", "volunteer": "volunteers",
                    "grid_worker": "grid_workers"}


def _default_shifts() -> Dict[str, ShiftConfig]:
    return {
        "officer": ShiftConfig([8, 16, 0], 8.0, 7),  # assumption: 24 h cover rota
        "auxiliary": ShiftConfig([8, 16, 0], 8.0, 7),  # assumption
        "volunteer": ShiftConfig([19], 3.0, 2),  # DOMAIN §2, seed 001: part-time night patrols
        "grid_worker": ShiftConfig([9], 8.0, 5),  # assumption: office-hours grid work
    }


@dataclass
class StaffingConfig:
    name: str = "street_1_5_2_4"  # the preset's name, shown in reports; user choice
    officers: Optional[int] = 3  # per office; DOMAIN §2, seed 001 ("1+5+2+4": 3 incl. chief)
    residents_per_officer: Optional[int] = None  # ministry norm 3000; DOMAIN §2, seed 004
    auxiliaries: int = 5  # per office; DOMAIN §2, seed 001
    volunteers: int = 4  # per office; DOMAIN §2, seed 001
    grid_workers: int = 2  # per office; DOMAIN §2, seed 001
    officer_non_community_share: float = 0.3  # of shift time; assumption (seed 004 reports the pull, no figure)
    # travel mode of each role (travel.speed_kmh)
    mode: Dict[str, str] = field(default_factory=lambda: {
        "officer": "car", "auxiliary": "ebike", "volunteer": "foot", "grid_worker": "foot"})  # assumption
    shifts: Dict[str, ShiftConfig] = field(default_factory=_default_shifts)
    # officer+auxiliary+volunteer mix for staffing sweeps (issue 4), e.g. "3+5+4" (":" also works); it replaces the
    # three counts above, sized by exactly one of the two totals below; null = use the counts
    mix: Optional[str] = None
    mix_headcount: Optional[int] = None  # people per office shared out by the mix (fixed headcount); issue 4
    mix_budget_kyuan_per_year: Optional[float] = None  # staff cost per office, a year (fixed cost); issue 4
    # yearly cost of one person, thousand yuan; assumption (no per-role figure in the seeds; an office's
    # running cost of 0.3-0.5 M yuan a year includes staff pay, DOMAIN §7, seed 003 §5.3: see cost.*)
    cost_kyuan_per_year: Dict[str, float] = field(default_factory=lambda: {
        "officer": 150.0, "auxiliary": 60.0, "volunteer": 3.0, "grid_worker": 50.0})
    # fixed idle posts [x_m, y_m], one per unit in roster order (officers, auxiliaries,
    # volunteers, grid workers, office by office); null = every unit waits at its office; user choice
    posts_m: Optional[List[Any]] = None  # [[x_m, y_m], ...]; Any: OmegaConf rejects ints in nested float lists
    # counts office by office, e.g. [{officer: 4, auxiliary: 9}, {officer: 3}] (the planner's allocation across
    # offices); a role left out keeps the count above; null = every office gets the counts above; user choice
    # or the planner's output (issue 7)
    per_office: Optional[List[Dict[str, int]]] = None

    def mix_shares(self) -> list[float]:
        """The officer, auxiliary, volunteer shares of ``mix`` ("3+5+4", as the
        documents write staffing; with ":" Hydra puts backslashes in folder names)."""
        parts = str(self.mix).replace(":", "+").split("+")
        try:
            shares = [float(x) for x in parts]
        except ValueError:
            shares = []
        if len(shares) != 3 or any(not math.isfinite(s) or not 0 <= s <= 1e6 for s in shares) or sum(shares) <= 0:
            raise ConfigError("staffing.mix", self.mix, _("must be officer+auxiliary+volunteer, three numbers "
                                                          "from 0 to 1000000, not all 0 (e.g. 3+5+4)"))
        return shares

    def mix_counts(self) -> dict[str, int]:
        """Officers, auxiliaries and volunteers per office from the mix: at fixed
        headcount the total is shared by largest remainders; at fixed cost the
        budget buys whole people in the mix's proportions, then the largest
        remainders while money is left, never exceeding the budget."""
        roles = MIX_ROLES
        shares = np.array(self.mix_shares())
        if self.mix_headcount is not None:
            exact = shares / shares.sum() * self.mix_headcount
            counts = np.floor(exact).astype(int)
            for i in np.argsort(-(exact - counts), kind="stable")[: self.mix_headcount - counts.sum()]:
                counts[i] += 1
        else:
            cost = np.array([self.cost_kyuan_per_year[r] for r in roles])
            exact = shares * self.mix_budget_kyuan_per_year / float(shares @ cost)
            counts = np.floor(exact + 1e-9).astype(int)
            left = self.mix_budget_kyuan_per_year - float(counts @ cost)
            for i in np.argsort(-(exact - counts), kind="stable"):
                if shares[i] > 0 and cost[i] <= left + 1e-9:
                    counts[i] += 1
                    left -= cost[i]
        return {r: int(n) for r, n in zip(roles, counts)}

    def office_counts(self, office: int, office_residents: int | None = None) -> dict[str, int | None]:
        """People of each role at one office, from whichever way the config
        states them. With ``residents_per_officer`` the officers follow the
        office's residents (``office_residents``; None: not known here, and
        ``officer`` is None, meaning at least one)."""
        counts = {role: getattr(self, key) for role, key in STAFF_COUNT_KEYS.items()}
        if self.mix is not None:  # staffing sweeps: officer:auxiliary:volunteer at fixed headcount or cost
            counts.update(self.mix_counts())
        if self.residents_per_officer is not None:  # ministry norm: 1 per 3,000 (DOMAIN §2, seed 004)
            counts["officer"] = (None if office_residents is None
                                 else int(np.ceil(office_residents / self.residents_per_officer)))
        if self.per_office is not None:  # an allocation across offices (the planner's)
            counts.update(self.per_office[office])
        return counts

    def validate(self, path: str) -> None:
        for role, v in self.cost_kyuan_per_year.items():
            _choice(f"{path}.cost_kyuan_per_year", role, ROLES)
            _range(f"{path}.cost_kyuan_per_year.{role}", v, 0, 10_000, lo_open=True)
        if self.mix is not None:
            self.mix_shares()
            if (self.mix_headcount is None) == (self.mix_budget_kyuan_per_year is None):
                raise ConfigError(f"{path}.mix", self.mix,
                                  _("set exactly one of staffing.mix_headcount and "
                                    "staffing.mix_budget_kyuan_per_year"))
            if self.mix_headcount is not None:
                _range(f"{path}.mix_headcount", self.mix_headcount, 1, 1500)
            else:
                _range(f"{path}.mix_budget_kyuan_per_year", self.mix_budget_kyuan_per_year, 0, 1e6, lo_open=True)
                for role in MIX_ROLES:
                    if role not in self.cost_kyuan_per_year:
                        raise ConfigError(f"{path}.cost_kyuan_per_year", dict(self.cost_kyuan_per_year),
                                          _("needs a cost for {role}").format(role=role))
                if sum(self.mix_counts().values()) == 0:
                    costs = ", ".join(f"{r} {self.cost_kyuan_per_year[r]:g}" for r in ("officer", "auxiliary",
                                                                                         "volunteer"))
                    raise ConfigError(f"{path}.mix_budget_kyuan_per_year", self.mix_budget_kyuan_per_year,
                                      _("buys nobody of the mix at the costs in staffing.cost_kyuan_per_year "
                                        "({costs} thousand yuan a year each)").format(costs=costs))
            if self.residents_per_officer is not None:
                raise ConfigError(f"{path}.mix", self.mix, _("cannot be combined with staffing.residents_per_officer"))
            if self.posts_m is not None:
                raise ConfigError(f"{path}.mix", self.mix, _("cannot be combined with staffing.posts_m"))
        elif (self.officers is None) == (self.residents_per_officer is None):
            raise ConfigError(f"{path}.officers", self.officers,
                              _("set exactly one of officers and residents_per_officer"))
        if self.officers is not None:
            _range(f"{path}.officers", self.officers, 0, 500)
        if self.residents_per_officer is not None:
            _range(f"{path}.residents_per_officer", self.residents_per_officer, 100, 1_000_000)
        _range(f"{path}.auxiliaries", self.auxiliaries, 0, 500)
        _range(f"{path}.volunteers", self.volunteers, 0, 500)
        _range(f"{path}.grid_workers", self.grid_workers, 0, 500)
        _range(f"{path}.officer_non_community_share", self.officer_non_community_share, 0, 0.95)
        if self.posts_m is not None:
            if self.officers is None:
                raise ConfigError(f"{path}.posts_m", "...", _("needs explicit staffing.officers"))
            for k, post in enumerate(self.posts_m):
                try:
                    self.posts_m[k] = [float(v) for v in post]
                except (TypeError, ValueError):
                    raise ConfigError(f"{path}.posts_m", post, _("each post is [x_m, y_m]")) from None
                if len(post) != 2:
                    raise ConfigError(f"{path}.posts_m", list(post), _("each post is [x_m, y_m]"))
                for v in self.posts_m[k]:
                    _range(f"{path}.posts_m", v, 0)
        for k, counts in enumerate(self.per_office or []):
            for role, n in counts.items():
                _choice(f"{path}.per_office[{k}]", role, ROLES)
                _range(f"{path}.per_office[{k}].{role}", n, 0, 500)
        if self.per_office is not None and (self.mix is not None or self.residents_per_officer is not None):
            raise ConfigError(f"{path}.per_office", "...", _("cannot be combined with staffing.mix or "
                                                             "residents_per_officer"))
        for key in self.mode:
            _choice(f"{path}.mode", key, ROLES)
        for key in self.shifts:
            _choice(f"{path}.shifts", key, ROLES)
        for role in ROLES:
            if role not in self.mode:
                raise ConfigError(f"{path}.mode", dict(self.mode), _("needs a mode for {role}").format(role=role))
            _choice(f"{path}.mode.{role}", self.mode[role], MODES)
            if role not in self.shifts:
                raise ConfigError(f"{path}.shifts", list(self.shifts), _("needs a shift for {role}").format(role=role))
            self.shifts[role].validate(f"{path}.shifts.{role}")
