"""Typed configuration: dataclass schemas, Hydra ConfigStore, range checks.

OmegaConf checks keys and types; it does not check ranges or cross-field
rules. Those live in each schema's ``validate(path)``, called once on the whole
tree after ``OmegaConf.to_object`` so every message can name the *full* key
(``calls.emergency.priority``), which a bare ``__post_init__`` cannot know.

Every default carries a unit in its name and a source: a DOMAIN.md section and
seed document, a paper, or "assumption". This module imports nothing of the
model: the model receives a validated ``Config``, never a raw dict.
"""
from __future__ import annotations

import functools
import math
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, Dict, List, Optional

import numpy as np

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf, ValueNode

from sim.checks import ConfigError, _choice, _range  # noqa: F401  (ConfigError is imported from here too)
from sim.exercise.schema import ExerciseConfig, register_exercises

ROLES = ("officer", "auxiliary", "volunteer", "grid_worker")
STAFF_COUNT_KEYS = {"officer": "officers", "auxiliary": "auxiliaries", "volunteer": "volunteers",
                    "grid_worker": "grid_workers"}
MODES = ("foot", "ebike", "car")
DISTRICT_KINDS = ("urban", "rural", "city", "uniform")
TRAVEL_MODELS = ("manhattan", "road", "east_west")
BEAT_LAYOUTS = ("wedges", "nearest_post")
SERVICE_DISTS = ("lognormal", "exponential", "deterministic", "erlang2")
DISPATCH_NAMES = ("nearest", "beat_first", "team")
HOUR_PROFILES = ("flat", "day", "evening", "night", "office_hours")
PLACES = ("residents", "activity", "elderly_alone")
CALL_SOURCES = ("background", "crime")
# calls in one queueing_check run: about 15 minutes and, with records streamed to disk, flat memory; assumption
MAX_QUEUEING_CALLS = 20_000_000
LAND_USES = (
    "residential", "commercial", "market", "school", "park",
    "farmland", "road", "mountain", "office",
)


# ConfigError and the small range/choice checkers live in sim/checks.py (the exercise schema uses them too)


# --- schemas --------------------------------------------------------------

@dataclass
class SimConfig:
    days: float = 28.0  # simulated days; assumption: 4 weeks shows the weekly cycle in ~1 s
    warmup_days: float = 0.0  # days cut from summary statistics; assumption (none needed: staff start idle)
    tick_min: float = 60.0  # minutes one Model.step() advances; assumption (trainer's stepping unit)
    record_every_min: float = 60.0  # timeseries resolution, minutes (issue 2: hourly)
    progress: bool = True  # progress bar on long runs
    plots: bool = True  # write the two PNGs
    # write into an output folder that holds files this program did not write (sim/outdir.py); never by default
    overwrite: bool = False

    def validate(self, path: str) -> None:
        _range(f"{path}.days", self.days, 1.0 / 24.0, 36_600)  # an hour (a tabletop step) to 100 years (theory checks)
        _range(f"{path}.warmup_days", self.warmup_days, 0)
        if self.warmup_days >= self.days:
            raise ConfigError(f"{path}.warmup_days", self.warmup_days,
                              f"must be < sim.days ({self.days})")
        _range(f"{path}.tick_min", self.tick_min, 0, 1440, lo_open=True)
        _range(f"{path}.record_every_min", self.record_every_min, 1, 1440)


@dataclass
class DistrictConfig:
    name: str = "urban_core"
    kind: str = "urban"  # urban | rural | city: selects the layout generator
    width_m: float = 2000.0  # DOMAIN §1, seed 000: office radius <= 1.5 km in cities
    height_m: float = 2000.0  # DOMAIN §1, seed 000
    cell_size_m: float = 100.0  # assumption: one city block
    residents: int = 30000  # DOMAIN §1: "one community, one office"; issue 2 preset
    offices: int = 1  # DOMAIN §1, seed 000: one community, one office
    grid_block_cells: int = 5  # side of one grid-management cell (网格) in cells; assumption (500 m)
    travel: str = "manhattan"  # manhattan (urban) | road (shortest paths over cell costs) | east_west
    beats: str = "wedges"  # equal-population sectors round the office (DOMAIN §1) | nearest_post (Voronoi, Larson)
    # uniform kind: relative demand of each column of cells (west to east); [] = all equal (VALIDATION.md cases)
    column_weights: List[float] = field(default_factory=list)
    valleys: int = 0  # rural: number of valleys carrying roads and villages; seed 002
    villages: int = 0  # rural: number of village clusters; seed 002
    # minutes-per-metre multiplier by land use for road travel; assumption
    travel_cost_factor: Dict[str, float] = field(default_factory=lambda: {
        "road": 1.0, "residential": 1.5, "commercial": 1.5, "market": 2.0, "school": 1.5,
        "park": 3.0, "office": 1.0, "farmland": 4.0, "mountain": 12.0})

    def validate(self, path: str) -> None:
        _choice(f"{path}.kind", self.kind, DISTRICT_KINDS)
        _choice(f"{path}.travel", self.travel, TRAVEL_MODELS)
        _choice(f"{path}.beats", self.beats, BEAT_LAYOUTS)
        _range(f"{path}.cell_size_m", self.cell_size_m, 10, 1000)
        min_cells = 1 if self.kind == "uniform" else 3
        _range(f"{path}.width_m", self.width_m, self.cell_size_m * min_cells, 50_000)
        _range(f"{path}.height_m", self.height_m, self.cell_size_m * min_cells, 50_000)
        if self.column_weights:
            if self.kind != "uniform":
                raise ConfigError(f"{path}.column_weights", list(self.column_weights),
                                  "only for kind=uniform")
            cols = int(self.width_m // self.cell_size_m)
            if (len(self.column_weights) != cols or not all(math.isfinite(w) for w in self.column_weights)
                    or min(self.column_weights) < 0 or sum(self.column_weights) <= 0):
                raise ConfigError(f"{path}.column_weights", list(self.column_weights),
                                  f"needs {cols} finite non-negative weights (one per column), not all zero")
        _range(f"{path}.residents", self.residents, 1, 5_000_000)
        _range(f"{path}.offices", self.offices, 1, 100)
        _range(f"{path}.grid_block_cells", self.grid_block_cells, 1, 100)
        _range(f"{path}.valleys", self.valleys, 0, 20)
        _range(f"{path}.villages", self.villages, 0, 500)
        if self.kind == "rural" and (self.valleys < 1 or self.villages < 1):
            raise ConfigError(f"{path}.valleys", self.valleys,
                              "a rural district needs valleys >= 1 and villages >= 1")
        if self.kind == "rural" and self.offices != 1:
            raise ConfigError(f"{path}.offices", self.offices, "a rural district has exactly 1 office")
        cells = (self.width_m // self.cell_size_m) * (self.height_m // self.cell_size_m)
        if self.kind in ("urban", "city") and cells < 64 * self.offices:
            raise ConfigError(f"{path}.offices", self.offices,
                              f"needs at least 64 cells per office; the grid has {int(cells)}")
        if self.kind == "rural" and cells < 400:
            raise ConfigError(f"{path}.width_m", self.width_m, "a rural district needs at least 20 x 20 cells")
        if cells > 40_000:
            raise ConfigError(f"{path}.cell_size_m", self.cell_size_m,
                              f"gives {int(cells)} cells; at most 40000 allowed")
        for use, factor in self.travel_cost_factor.items():
            _choice(f"{path}.travel_cost_factor", use, LAND_USES)
            _range(f"{path}.travel_cost_factor.{use}", factor, 0, lo_open=True)


@dataclass
class ShiftConfig:
    starts_h: List[int] = field(default_factory=lambda: [8, 16, 0])  # staff rotate over these start hours
    hours: float = 8.0  # shift length, hours; assumption (three-shift rota)
    days_per_week: int = 7  # assumption: rest days backfilled by the parent station

    def validate(self, path: str) -> None:
        if not self.starts_h:
            raise ConfigError(f"{path}.starts_h", self.starts_h, "needs at least one start hour")
        for h in self.starts_h:
            _range(f"{path}.starts_h", h, 0, 23)
        _range(f"{path}.hours", self.hours, 0, 24, lo_open=True)
        _range(f"{path}.days_per_week", self.days_per_week, 1, 7)


def _default_shifts() -> Dict[str, ShiftConfig]:
    return {
        "officer": ShiftConfig([8, 16, 0], 8.0, 7),  # assumption: 24 h cover rota
        "auxiliary": ShiftConfig([8, 16, 0], 8.0, 7),  # assumption
        "volunteer": ShiftConfig([19], 3.0, 2),  # DOMAIN §2, seed 001: part-time night patrols
        "grid_worker": ShiftConfig([9], 8.0, 5),  # assumption: office-hours grid work
    }


@dataclass
class StaffingConfig:
    name: str = "street_1_5_2_4"
    officers: Optional[int] = 3  # per office; DOMAIN §2, seed 001 ("1+5+2+4": 3 incl. chief)
    residents_per_officer: Optional[int] = None  # ministry norm 3000; DOMAIN §2, seed 004
    auxiliaries: int = 5  # per office; DOMAIN §2, seed 001
    volunteers: int = 4  # per office; DOMAIN §2, seed 001
    grid_workers: int = 2  # per office; DOMAIN §2, seed 001
    officer_non_community_share: float = 0.3  # of shift time; assumption (seed 004 reports the pull, no figure)
    mode: Dict[str, str] = field(default_factory=lambda: {
        "officer": "car", "auxiliary": "ebike", "volunteer": "foot", "grid_worker": "foot"})  # assumption
    shifts: Dict[str, ShiftConfig] = field(default_factory=_default_shifts)
    # officer+auxiliary+volunteer mix for staffing sweeps (issue 4), e.g. "3+5+4" (":" also works); it replaces the
    # three counts above, sized by exactly one of the two totals below; null = use the counts
    mix: Optional[str] = None
    mix_headcount: Optional[int] = None  # people per office shared out by the mix (fixed headcount)
    mix_budget_kyuan_per_year: Optional[float] = None  # staff cost per office, thousand yuan a year (fixed cost)
    # yearly cost of one person, thousand yuan; assumption (no per-role figure in the seeds; an office's
    # running cost is 0.3-0.5 M yuan a year excluding sworn salaries, DOMAIN §5, seed 003 §5.3)
    cost_kyuan_per_year: Dict[str, float] = field(default_factory=lambda: {
        "officer": 150.0, "auxiliary": 60.0, "volunteer": 3.0, "grid_worker": 50.0})
    # fixed idle posts [x_m, y_m], one per unit in roster order (officers, auxiliaries,
    # volunteers, grid workers, office by office); null = every unit waits at its office
    posts_m: Optional[List[Any]] = None  # [[x_m, y_m], ...]; Any: OmegaConf rejects ints in nested float lists
    # counts office by office, e.g. [{officer: 4, auxiliary: 9}, {officer: 3}] (the planner's allocation across
    # offices); a role left out keeps the count above; null = every office gets the counts above
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
            raise ConfigError("staffing.mix", self.mix, "must be officer+auxiliary+volunteer, three numbers "
                              "from 0 to 1000000, not all 0 (e.g. 3+5+4)")
        return shares

    def mix_counts(self) -> dict[str, int]:
        """Officers, auxiliaries and volunteers per office from the mix: at fixed
        headcount the total is shared by largest remainders; at fixed cost the
        budget buys whole people in the mix's proportions, then the largest
        remainders while money is left, never exceeding the budget."""
        roles = ("officer", "auxiliary", "volunteer")
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
                                  "set exactly one of staffing.mix_headcount and staffing.mix_budget_kyuan_per_year")
            if self.mix_headcount is not None:
                _range(f"{path}.mix_headcount", self.mix_headcount, 1, 1500)
            else:
                _range(f"{path}.mix_budget_kyuan_per_year", self.mix_budget_kyuan_per_year, 0, 1e6, lo_open=True)
                for role in ("officer", "auxiliary", "volunteer"):
                    if role not in self.cost_kyuan_per_year:
                        raise ConfigError(f"{path}.cost_kyuan_per_year", dict(self.cost_kyuan_per_year),
                                          f"needs a cost for {role}")
                if sum(self.mix_counts().values()) == 0:
                    costs = ", ".join(f"{r} {self.cost_kyuan_per_year[r]:g}" for r in ("officer", "auxiliary",
                                                                                         "volunteer"))
                    raise ConfigError(f"{path}.mix_budget_kyuan_per_year", self.mix_budget_kyuan_per_year,
                                      f"buys nobody of the mix at the costs in staffing.cost_kyuan_per_year "
                                      f"({costs} thousand yuan a year each)")
            if self.residents_per_officer is not None:
                raise ConfigError(f"{path}.mix", self.mix, "cannot be combined with staffing.residents_per_officer")
            if self.posts_m is not None:
                raise ConfigError(f"{path}.mix", self.mix, "cannot be combined with staffing.posts_m")
        elif (self.officers is None) == (self.residents_per_officer is None):
            raise ConfigError(f"{path}.officers", self.officers,
                              "set exactly one of officers and residents_per_officer")
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
                raise ConfigError(f"{path}.posts_m", "...", "needs explicit staffing.officers")
            for k, post in enumerate(self.posts_m):
                try:
                    self.posts_m[k] = [float(v) for v in post]
                except (TypeError, ValueError):
                    raise ConfigError(f"{path}.posts_m", post, "each post is [x_m, y_m]") from None
                if len(post) != 2:
                    raise ConfigError(f"{path}.posts_m", list(post), "each post is [x_m, y_m]")
                for v in self.posts_m[k]:
                    _range(f"{path}.posts_m", v, 0)
        for k, counts in enumerate(self.per_office or []):
            for role, n in counts.items():
                _choice(f"{path}.per_office[{k}]", role, ROLES)
                _range(f"{path}.per_office[{k}].{role}", n, 0, 500)
        if self.per_office is not None and (self.mix is not None or self.residents_per_officer is not None):
            raise ConfigError(f"{path}.per_office", "...", "cannot be combined with staffing.mix or residents_per_officer")
        for key in self.mode:
            _choice(f"{path}.mode", key, ROLES)
        for key in self.shifts:
            _choice(f"{path}.shifts", key, ROLES)
        for role in ROLES:
            if role not in self.mode:
                raise ConfigError(f"{path}.mode", dict(self.mode), f"needs a mode for {role}")
            _choice(f"{path}.mode.{role}", self.mode[role], MODES)
            if role not in self.shifts:
                raise ConfigError(f"{path}.shifts", list(self.shifts), f"needs a shift for {role}")
            self.shifts[role].validate(f"{path}.shifts.{role}")


@dataclass
class TravelConfig:
    speed_kmh: Dict[str, float] = field(default_factory=lambda: {
        "foot": 5.0, "ebike": 15.0, "car": 25.0})  # assumption: urban door-to-door speeds
    turnout_min: float = 1.0  # assignment to departure; DOMAIN §3, seed 000 ("1-minute response")
    takes_time: bool = True  # false: distances chosen/recorded, travel folded into service (VALIDATION.md)

    def validate(self, path: str) -> None:
        for mode in MODES:
            if mode not in self.speed_kmh:
                raise ConfigError(f"{path}.speed_kmh", dict(self.speed_kmh), f"needs a speed for {mode}")
        for mode, v in self.speed_kmh.items():
            _choice(f"{path}.speed_kmh", mode, MODES)
            _range(f"{path}.speed_kmh.{mode}", v, 0.5, 200)
        _range(f"{path}.turnout_min", self.turnout_min, 0, 60)


@dataclass
class CallTypeConfig:
    priority: int = 3  # 1 = highest
    rate_per_1000_per_year: float = 0.0  # background: calls; crime: crimes committed (before deterrence)
    on_scene_mean_min: float = 20.0  # mean on-scene time, minutes
    on_scene_cv: float = 0.6  # coefficient of variation of on-scene time (lognormal); assumption
    eligible_roles: List[str] = field(default_factory=lambda: ["officer", "auxiliary"])
    violent: bool = False  # violent calls need an officer (auxiliary never alone)
    source: str = "background"  # background (Poisson) | crime (offenders' reported crimes)
    hour_profile: str = "day"
    place: str = "residents"  # where it happens: by residents, or by activity (shops, market)
    report_prob: float = 1.0  # crime source only: share of crimes reported to the office
    on_scene_dist: str = "lognormal"  # lognormal (uses cv) | exponential | deterministic | erlang2
    contact: bool = True  # crime source only: false = non-contact (fraud): presence does not deter it
    near_repeat: bool = False  # crime source only: each one raises the risk around it (crime.near_repeat_*)
    # fitted from a district's own records (``calls_csv``, sim/calls_csv.py); [] = use the named shapes above
    hour_weights: List[float] = field(default_factory=list)  # 24 relative rates, hour 0-23 (replaces hour_profile)
    weekday_weights: List[float] = field(default_factory=list)  # 7 relative rates, Monday first (sim day 0 = Monday)
    cell_weights: List[float] = field(default_factory=list)  # relative intensity per cell, flat index x * rows + y

    def validate(self, path: str, derived: bool = False) -> None:
        """``derived``: made by the queueing check from ``queueing.*`` (checked
        there): its rate is the theory's, per hour, not a residents' rate."""
        _range(f"{path}.priority", self.priority, 1, 9)
        for key, n in (("hour_weights", 24), ("weekday_weights", 7), ("cell_weights", None)):
            w = getattr(self, key)
            if w and ((n is not None and len(w) != n) or min(w) < 0 or sum(w) <= 0
                      or not all(math.isfinite(v) for v in w)):
                raise ConfigError(f"{path}.{key}", f"{len(w)} values",
                                  f"needs {n or 'one per cell:'} non-negative finite weights, not all zero")
        _range(f"{path}.rate_per_1000_per_year", self.rate_per_1000_per_year, 0, None if derived else 10_000)
        _range(f"{path}.on_scene_mean_min", self.on_scene_mean_min, 0, 24 * 60, lo_open=True)
        _range(f"{path}.on_scene_cv", self.on_scene_cv, 0, 5)
        _range(f"{path}.report_prob", self.report_prob, 0, 1)
        _choice(f"{path}.source", self.source, CALL_SOURCES)
        _choice(f"{path}.on_scene_dist", self.on_scene_dist, SERVICE_DISTS)
        _choice(f"{path}.hour_profile", self.hour_profile, HOUR_PROFILES)
        _choice(f"{path}.place", self.place, PLACES)
        if not self.eligible_roles:
            raise ConfigError(f"{path}.eligible_roles", [], "needs at least one role")
        for role in self.eligible_roles:
            _choice(f"{path}.eligible_roles", role, ROLES)
        if (self.priority == 1 or self.violent) and (
                {"volunteer", "grid_worker"} & set(self.eligible_roles)):
            raise ConfigError(f"{path}.eligible_roles", list(self.eligible_roles),
                              "volunteers and grid workers are never sent to emergencies or violent calls")
        if self.violent and "officer" not in self.eligible_roles:
            raise ConfigError(f"{path}.eligible_roles", list(self.eligible_roles),
                              "a violent call needs 'officer' (auxiliaries never go alone)")


def _default_calls() -> Dict[str, CallTypeConfig]:
    """The call mix; rates are assumptions sized to DOMAIN §3 (about 18-40 min handling)."""
    return {
        # fights, domestic violence; DOMAIN §3 seed 000: "3-minute arrival" target
        "emergency": CallTypeConfig(1, 6.0, 35.0, 0.6, ["officer"], True, "background", "evening"),
        # one-click alarm; DOMAIN §3 seed 003 §1.2: 37 rescues/yr at one office
        # from elderly residents living alone (community.elderly_*): 4 per 1,000 residents is about 0.05
        # per such person a year, 120 a year in urban_core, where one office rescued 37 (seed 003 §1.2)
        "elderly_alarm": CallTypeConfig(1, 4.0, 25.0, 0.6, ["officer", "auxiliary"], False,
                                        "background", "day", "elderly_alone"),
        # DOMAIN §3 seed 000: ~2,300 disputes/yr in one city
        "dispute": CallTypeConfig(2, 25.0, 40.0, 0.6, ["officer", "auxiliary"], False,
                                  "background", "evening"),
        # crimes committed per 1,000 residents a year; reported share; assumption
        "theft": CallTypeConfig(2, 25.0, 25.0, 0.6, ["officer", "auxiliary"], False,
                                "crime", "evening", "activity", 0.6),
        "burglary": CallTypeConfig(2, 4.0, 45.0, 0.6, ["officer", "auxiliary"], False,
                                   "crime", "night", "residents", 0.9, near_repeat=True),
        # DOMAIN §3 seed 003 §7.1: telecom fraud, non-contact (patrols do not deter it; awareness does)
        "fraud": CallTypeConfig(3, 10.0, 30.0, 0.6, ["officer", "auxiliary"], False,
                                "crime", "day", "residents", 0.7, contact=False),
        # street robbery and violence (DOMAIN §2, seeds 000, 003 §7.1); rate an assumption
        "robbery": CallTypeConfig(1, 3.0, 40.0, 0.6, ["officer"], True, "crime", "evening", "activity", 0.85),
        # assaults come only from disputes that escalate (crime.escalation_*; seeds 000/004 "民转刑")
        "assault": CallTypeConfig(1, 0.0, 35.0, 0.6, ["officer"], True, "crime", "evening", "residents", 1.0),
        # disputes a home visit surfaced, mediated on the spot (rate 0: made by the model; DOMAIN §3, §2:
        # volunteers help with mediation); dispute and mediation on-scene times follow community.mediation
        "mediation": CallTypeConfig(3, 0.0, 50.0, 0.6, ["officer", "auxiliary", "volunteer", "grid_worker"], False,
                                    "background", "day"),
        # DOMAIN §3 seed 001/003: service requests handled in 10-15 min
        "service_request": CallTypeConfig(3, 60.0, 15.0, 0.6, ["officer", "auxiliary"], False,
                                          "background", "office_hours", "activity"),
        # DOMAIN §3 seed 001/002: hazards found and rectified; volunteers and grid workers attend
        "hazard_report": CallTypeConfig(4, 15.0, 20.0, 0.6, ["officer", "auxiliary", "volunteer", "grid_worker"],
                                        False, "background", "day", "activity"),
    }


@dataclass
class CrimeConfig:
    """Routine activity: a motivated offender, a suitable target, no capable
    guardian (issue 5; README "The crime model")."""

    enabled: bool = True
    offenders_per_10k_residents: float = 5.0  # assumption
    guardian_radius_m: float = 150.0  # staff within this distance guard a target; assumption
    deterrence_per_guardian: float = 0.7  # hazard per guardian: P(deterred) = 1 - exp(-hazard); assumption
    # guardians beyond the radius still deter, fading over this distance: offenders overrate the
    # reach of presence, so benefits diffuse next door (Clarke & Weisburd 1994; Weisburd et al. 2006)
    diffusion_m: float = 100.0  # assumption; 0 = presence deters only within the radius
    journey_mean_m: float = 800.0  # mean journey-to-crime distance (distance decay); assumption
    # target attractiveness = land-use weight ** this: crime concentrates in few places (the law of
    # crime concentration, Weisburd 2015: ~50% of crime on ~4% of street segments); at 100 m cells
    # 2.0 puts ~20% of street crime in the top 4% of cells before distance decay; assumption
    concentration_exponent: float = 2.0
    report_delay_mean_min: float = 15.0  # crime to call, exponential mean; assumption
    camera_deterrence: float = 0.5  # hazard of a camera on the target cell; assumption (seed 003: theft -42% claimed)
    resident_guardianship_per_1000: float = 0.05  # hazard per 1,000 residents of the target cell at home; assumption
    # residual deterrence (Koper 1995, VALIDATION.md): a stop of d minutes leaves hazard
    # residual_max * (1 - exp(-d / residual_build_min)), fading as exp(-t / residual_decay_min) after it
    residual_max: float = 2.5  # calibrated to Koper: crime within 30 min after leaving 15% (drive-through) vs 4% (10-16 min)
    residual_build_min: float = 5.0  # Koper: about 10 min of presence before residual deterrence shows; calibrated
    residual_decay_min: float = 60.0  # assumption: the effect fades over an hour or two
    # near repeat (Johnson et al. 2007, VALIDATION.md): a burglary raises burglary risk around it
    near_repeat_radius_m: float = 200.0  # Johnson et al. 2007
    near_repeat_days: float = 14.0  # Johnson et al. 2007; decay time constant of the raised risk
    near_repeat_boost: float = 2.0  # attractiveness x (1 + boost) next to a fresh burglary; assumption
    # displacement: a deterred offender may strike elsewhere (mobile offenders; seed 003 §7.1 +17% next door)
    displacement_prob: float = 0.0  # share of deterred attempts carried out elsewhere; Weisburd et al. 2006: rare
    displacement_min_m: float = 200.0  # a displaced attempt goes 1-3x this far from the deterred target; assumption
    # clearance: a cleared crime takes its offender off the street for a while
    clearance_prob: float = 0.1  # share of served crime calls cleared by an arrest; assumption
    incapacitation_days: float = 15.0  # PRC Public Security Administration Punishments Law: detention up to 15 days
    # non-contact crime (fraud) is not deterred by presence but by awareness campaigns (DOMAIN §3, seed 003 §7.1)
    # (who is aware is resident state: community.aware_initial_share and how contacts and patrols spread it)
    awareness_efficacy: float = 0.5  # chance an aware target refuses a fraud attempt; assumption
    # disputes that escalate to assault (民转刑; DOMAIN §3 seeds 000/004)
    escalation_prob_max: float = 0.1  # a dispute left very long turns into an assault with this chance; assumption
    escalation_wait_min: float = 30.0  # time scale: P = max * (1 - exp(-response / this)); assumption

    # field: (lowest, highest, lowest excluded): checked by validate
    BOUNDS: ClassVar[dict] = {
        "offenders_per_10k_residents": (0, 1000, False),
        "guardian_radius_m": (0, 5000, False),
        "deterrence_per_guardian": (0, 20, False),
        "diffusion_m": (0, 5000, False),
        "journey_mean_m": (10, 50_000, False),
        "concentration_exponent": (0, 10, False),
        "report_delay_mean_min": (0, 10_000, False),
        "camera_deterrence": (0, 20, False),
        "resident_guardianship_per_1000": (0, 20, False),
        "residual_max": (0, 20, False),
        "residual_build_min": (0, 1440, True),
        "residual_decay_min": (0, 10_080, True),
        "near_repeat_radius_m": (0, 5000, False),
        "near_repeat_days": (0, 365, True),
        "near_repeat_boost": (0, 100, False),
        "displacement_prob": (0, 1, False),
        "displacement_min_m": (0, 50_000, False),
        "clearance_prob": (0, 1, False),
        "incapacitation_days": (0, 3650, False),
        "awareness_efficacy": (0, 1, False),
        "escalation_prob_max": (0, 1, False),
        "escalation_wait_min": (0, 10_000, True),
    }

    def validate(self, path: str) -> None:
        _check_bounds(self, path)


def _check_bounds(obj, path: str) -> None:
    """Range-check every field named in ``obj.BOUNDS``: (lowest, highest, lowest excluded)."""
    for name, (low, high, low_open) in obj.BOUNDS.items():
        _range(f"{path}.{name}", getattr(obj, name), low, high, lo_open=low_open)


@dataclass
class MediationConfig:
    """How disputes are mediated (issue 6; DOMAIN §3): the five-step method
    (listen, empathise, explain the law, negotiate, follow up) as a duration,
    mediator skill, and the outcome: resolved, repeat or escalated."""

    base_success: float = 0.89  # a fully trained officer's success rate; DOMAIN §3, seed 000 (89%)
    method: str = "five_step"  # five_step | quick (listen and negotiate only)
    # minutes per step; the steps are seed 001/003's, the durations an assumption (sum 50 min)
    five_step_min: Dict[str, float] = field(default_factory=lambda: {
        "listen": 10.0, "empathise": 5.0, "explain_law": 10.0, "negotiate": 15.0, "follow_up": 10.0})
    quick_failure_factor: float = 2.0  # failure odds x this when steps are skipped; assumption
    # mediator skill by role: failure chance = (1 - base_success) / (skill x training efficiency); assumption
    skill: Dict[str, float] = field(default_factory=lambda: {
        "officer": 1.0, "auxiliary": 0.85, "volunteer": 0.8, "grid_worker": 0.8})
    early_failure_factor: float = 0.5  # disputes surfaced by a home visit, before they come to a head; assumption
    failure_escalation_share: float = 0.15  # failed mediations that turn criminal (民转刑, seed 004); assumption
    repeat_days: float = 14.0  # a dispute that was not settled comes back after this long on average; assumption

    BOUNDS: ClassVar[dict] = {
        "base_success": (0, 1, False), "quick_failure_factor": (1, 100, False),
        "early_failure_factor": (0, 1, False), "failure_escalation_share": (0, 1, False),
        "repeat_days": (0, 3650, True),
    }

    def minutes(self) -> float:
        """On-scene minutes of one mediation by the configured method."""
        steps = self.five_step_min
        if self.method == "quick":
            return steps["listen"] + steps["negotiate"]
        return float(sum(steps.values()))

    def validate(self, path: str) -> None:
        _check_bounds(self, path)
        _choice(f"{path}.method", self.method, ("five_step", "quick"))
        for step in ("listen", "empathise", "explain_law", "negotiate", "follow_up"):
            if step not in self.five_step_min:
                raise ConfigError(f"{path}.five_step_min", dict(self.five_step_min), f"needs a duration for {step}")
        for step, v in self.five_step_min.items():
            _choice(f"{path}.five_step_min", step, ("listen", "empathise", "explain_law", "negotiate", "follow_up"))
            _range(f"{path}.five_step_min.{step}", v, 0, 480)
        if self.minutes() <= 0:
            raise ConfigError(f"{path}.five_step_min", dict(self.five_step_min), "the method must take some time")
        for role in ROLES:
            if role not in self.skill:
                raise ConfigError(f"{path}.skill", dict(self.skill), f"needs a skill for {role}")
        for role, v in self.skill.items():
            _choice(f"{path}.skill", role, ROLES)
            _range(f"{path}.skill.{role}", v, 0, 10, lo_open=True)


@dataclass
class CommunityConfig:
    """Residents' state and how contacts move it (issue 6; README "The community
    side"): trust, awareness, participation, reporting, disputes, home visits."""

    enabled: bool = True  # false: no resident state, no mediation outcomes (theory checks)
    elderly_share: float = 0.198  # residents aged 60+; DOMAIN §3, seed 003 §1.2 (19.8%)
    elderly_alone_share: float = 0.39  # of the elderly, living alone: 1.1 of 2.8 hundred million; seed 003 §1.2
    household_size: float = 3.0  # residents per household; DOMAIN §2, seed 004 (1,000 households = 3,000 residents)
    trust_initial_mean: float = 0.6  # trust in the office, 0-1, at the start; assumption
    trust_initial_sd: float = 0.15  # spread of initial trust across residents (a Beta); assumption
    aware_initial_share: float = 0.3  # residents who know the office and its anti-fraud advice; seed 003 §2.3 (< 30%)
    participation_initial_share: float = 0.08  # residents in community safety work; seed 003 §2.3 (< 30%); assumption
    # a contact's satisfaction (0-1) = weights x (timeliness, outcome, courtesy); procedural justice
    # weighs most (Tyler 1990; Skogan 2005); assumption
    weight_timeliness: float = 0.35
    weight_outcome: float = 0.25
    weight_courtesy: float = 0.40
    # expected response by priority 1, 2, 3, 4+ (minutes): timeliness = exp(-(response - expected)+ / expected);
    # priority 1: the national goal of 10 min, DOMAIN §3 seed 003; the others an assumption (Percy 1980:
    # satisfaction follows response time against expectation)
    expected_response_min: List[float] = field(default_factory=lambda: [10.0, 20.0, 30.0, 60.0])
    expected_window_wait_min: float = 15.0  # seed 003 §7.2: a 45-min wait raised complaints 30%; assumption
    courtesy_prob: float = 0.9  # a fully trained staff member is courteous with this chance; assumption
    trust_gain_rate: float = 0.1  # trust moves this share toward a better-than-trust contact; assumption
    trust_loss_rate: float = 0.4  # ... and this share toward a worse one: bad contacts weigh ~4x (Skogan 2006)
    # crime report chance x (1 + slope (trust - reference)), capped at 1: people who trust the police
    # report more (Tyler & Fagan 2008; Goudriaan et al. 2004); calls.*.report_prob hold at the reference trust
    reporting_trust_slope: float = 1.5  # assumption
    reporting_trust_reference: float = 0.6  # assumption: the default initial trust
    patrol_aware_per_hour: float = 0.01  # chance per hour of patrol in a resident's cell that they notice it; assumption
    patrol_trust_per_hour: float = 0.01  # trust gain x (1 - trust) per hour of patrol in the cell; assumption
    households_per_visit: int = 3  # households one home visit (大走访) reaches; assumption
    visit_discovery_prob: float = 0.5  # a visit surfaces each simmering dispute of its cell with this chance; assumption
    dispute_simmer_days: float = 7.0  # mean time from a dispute's start to the parties' call; assumption
    participation_join_per_year: float = 0.1  # aware residents join at this rate x trust; assumption
    participation_quit_per_year: float = 0.4  # participants leave at this rate x (1 - trust); assumption
    participation_guardianship: float = 3.0  # resident guardianship x (1 + this x cell's participating share); assumption
    mediation: MediationConfig = field(default_factory=MediationConfig)

    BOUNDS: ClassVar[dict] = {
        "elderly_share": (0, 1, False), "elderly_alone_share": (0, 1, False), "household_size": (1, 20, False),
        "trust_initial_mean": (0, 1, True), "trust_initial_sd": (0, 0.5, False),
        "aware_initial_share": (0, 1, False), "participation_initial_share": (0, 1, False),
        "weight_timeliness": (0, 1, False), "weight_outcome": (0, 1, False), "weight_courtesy": (0, 1, False),
        "expected_window_wait_min": (0, 1440, True), "courtesy_prob": (0, 1, False),
        "trust_gain_rate": (0, 1, False), "trust_loss_rate": (0, 1, False), "reporting_trust_slope": (0, 20, False),
        "reporting_trust_reference": (0, 1, False),
        "patrol_aware_per_hour": (0, 1, False), "patrol_trust_per_hour": (0, 1, False),
        "households_per_visit": (1, 100, False), "visit_discovery_prob": (0, 1, False),
        "dispute_simmer_days": (0, 365, True), "participation_join_per_year": (0, 100, False),
        "participation_quit_per_year": (0, 100, False), "participation_guardianship": (0, 100, False),
    }

    def validate(self, path: str) -> None:
        _check_bounds(self, path)
        if self.trust_initial_mean >= 1:
            raise ConfigError(f"{path}.trust_initial_mean", self.trust_initial_mean, "must be < 1")
        w = self.weight_timeliness + self.weight_outcome + self.weight_courtesy
        if abs(w - 1.0) > 1e-6:
            raise ConfigError(f"{path}.weight_courtesy", self.weight_courtesy,
                              f"the three satisfaction weights must add up to 1 (they add up to {w:g})")
        if not self.expected_response_min:
            raise ConfigError(f"{path}.expected_response_min", [], "needs one expectation per priority (1 first)")
        for v in self.expected_response_min:
            _range(f"{path}.expected_response_min", v, 0, 1440, lo_open=True)
        self.mediation.validate(f"{path}.mediation")


@dataclass
class WindowConfig:
    """The service window of each office (issue 6; DOMAIN §3: 78 services at the office)."""

    enabled: bool = True
    clerks_per_office: int = 1  # auxiliaries at the window, besides staffing.auxiliaries; seed 001 (service module)
    requests_per_1000_per_year: float = 250.0  # service requests by every channel; assumption
    open_h: float = 9.0  # opening hour; assumption
    close_h: float = 17.0  # closing hour (the queue is still served); assumption
    online_share: float = 0.3  # requests done online (一网通办); assumption
    self_service_share: float = 0.2  # of those who come, the share a kiosk serves; assumption (seed 003: kiosks)
    service_mean_min: float = 12.0  # clerk minutes per request; DOMAIN §3: 30 -> 10 min target (seeds 001/003)
    service_cv: float = 0.6  # assumption
    kiosk_min: float = 5.0  # assumption

    BOUNDS: ClassVar[dict] = {
        "clerks_per_office": (0, 100, False), "requests_per_1000_per_year": (0, 100_000, False),
        "open_h": (0, 23, False), "close_h": (1, 24, False), "online_share": (0, 1, False),
        "self_service_share": (0, 1, False), "service_mean_min": (0, 480, True), "service_cv": (0, 5, False),
        "kiosk_min": (0, 480, False),
    }

    def validate(self, path: str) -> None:
        _check_bounds(self, path)
        if self.close_h <= self.open_h:
            raise ConfigError(f"{path}.close_h", self.close_h, f"must be > window.open_h ({self.open_h})")
        if self.enabled and self.clerks_per_office < 1 and self.requests_per_1000_per_year > 0:
            raise ConfigError(f"{path}.clerks_per_office", self.clerks_per_office,
                              "an open window needs at least 1 clerk (or window.enabled=false)")


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
        _check_bounds(self, path)


@dataclass
class KpiConfig:
    """How offices are judged (issue 6; DOMAIN §5): the composite KPI and cost."""

    # composite KPI weights; DOMAIN §5, seed 001
    weights: Dict[str, float] = field(default_factory=lambda: {
        "satisfaction": 0.4, "dispute_resolution": 0.3, "hazard_rectification": 0.2, "innovation": 0.1})
    hazard_deadline_h: float = 24.0  # a hazard counts as rectified if its report is closed within this; assumption
    innovation_score: Optional[float] = None  # 0-1, an input: not simulated; null = KPI over the measured parts
    office_running_cost_kyuan_per_year: float = 400.0  # per office; DOMAIN §5, seed 003 §5.3 (0.3-0.5 M yuan)

    PARTS: ClassVar[tuple] = ("satisfaction", "dispute_resolution", "hazard_rectification", "innovation")

    def validate(self, path: str) -> None:
        if set(self.weights) != set(self.PARTS):
            raise ConfigError(f"{path}.weights", dict(self.weights), "needs exactly: " + ", ".join(self.PARTS))
        for k, v in self.weights.items():
            _range(f"{path}.weights.{k}", v, 0, 1)
        if abs(sum(self.weights.values()) - 1.0) > 1e-6:
            raise ConfigError(f"{path}.weights", dict(self.weights), "must add up to 1")
        _range(f"{path}.hazard_deadline_h", self.hazard_deadline_h, 0, 8760, lo_open=True)
        if self.innovation_score is not None:
            _range(f"{path}.innovation_score", self.innovation_score, 0, 1)
        _range(f"{path}.office_running_cost_kyuan_per_year", self.office_running_cost_kyuan_per_year, 0, 1e6)


@dataclass
class PolicyConfig:
    name: str = "fixed_post"  # a policy of sim.scenarios.POLICIES, or several joined by "+" (hotspot+cameras)
    patrol_roles: List[str] = field(default_factory=lambda: ["auxiliary", "volunteer", "grid_worker"])
    patrol_scope: str = "beat"  # beat | office_area: where a patroller may go
    dwell_min: float = 12.0  # stop length at each patrol point; VALIDATION.md Koper curve (11-15 min)
    start_day: float = 0.0  # the policy acts from this day; before it staff wait at posts (before/after designs); issue 5
    hotspot_cells: int = 10  # hot cells per office (2.5% of urban_core's 400); Sherman & Weisburd 1995 treated ~2% of addresses
    hotspot_window_days: float = 28.0  # incidents counted when ranking cells; assumption
    replan_every_min: float = 60.0  # how often data-driven policies refresh their lists; assumption
    camera_share: float = 0.5  # share of hot cells given a camera (cameras policy); assumption
    visit_share: float = 0.5  # home_visits: share of free legs spent on home visits (大走访); assumption
    visit_min: float = 30.0  # home_visits: minutes at the door for community.households_per_visit households; assumption
    visit_roles: List[str] = field(default_factory=lambda: ["officer", "auxiliary"])  # who visits (DOMAIN §2)
    elastic_starts_h: List[int] = field(default_factory=lambda: [10, 14, 18])  # elastic shifts cover 10:00-02:00,
    # the evening peak of calls and crime (DOMAIN §4, seed 004: staff where and when incidents cluster); assumption

    def names(self) -> list[str]:
        return [n.strip() for n in self.name.split("+")]

    def validate(self, path: str) -> None:
        for role in self.patrol_roles:
            _choice(f"{path}.patrol_roles", role, ROLES)
        _choice(f"{path}.patrol_scope", self.patrol_scope, ("beat", "office_area"))
        _range(f"{path}.dwell_min", self.dwell_min, 0, 480)
        _range(f"{path}.start_day", self.start_day, 0)
        _range(f"{path}.hotspot_cells", self.hotspot_cells, 1, 100_000)
        _range(f"{path}.hotspot_window_days", self.hotspot_window_days, 0, 3650, lo_open=True)
        _range(f"{path}.replan_every_min", self.replan_every_min, 1, 10_080)
        _range(f"{path}.camera_share", self.camera_share, 0, 1)
        _range(f"{path}.visit_share", self.visit_share, 0, 1)
        _range(f"{path}.visit_min", self.visit_min, 1, 480)
        for role in self.visit_roles:
            _choice(f"{path}.visit_roles", role, ROLES)
        if not self.elastic_starts_h:
            raise ConfigError(f"{path}.elastic_starts_h", self.elastic_starts_h, "needs at least one start hour")
        for h in self.elastic_starts_h:
            _range(f"{path}.elastic_starts_h", h, 0, 23)


@dataclass
class DispatchConfig:
    name: str = "nearest"  # nearest | beat_first | team (sim/dispatch_rules.py); issue 3
    discipline: str = "priority"  # priority (non-preemptive, FCFS within class) | fcfs; issue 3
    capacity: str = "infinite"  # infinite queue | loss (a call finding no free unit is lost); issue 3
    preempt: bool = False  # a priority-1 call may take a unit off a low-priority call; issue 3, off by default
    preempt_priority_min: int = 3  # service requests and hazard reports are pre-emptible; issue 3
    # optional ordered unit lists per beat (Larson's district preferences); {} = own team, then nearest
    preference_lists: Dict[int, List[int]] = field(default_factory=dict)

    def validate(self, path: str) -> None:
        _choice(f"{path}.name", self.name, DISPATCH_NAMES)
        _choice(f"{path}.discipline", self.discipline, ("priority", "fcfs"))
        _choice(f"{path}.capacity", self.capacity, ("infinite", "loss"))
        _range(f"{path}.preempt_priority_min", self.preempt_priority_min, 2, 9)
        for beat, units in self.preference_lists.items():
            for u in units:
                _range(f"{path}.preference_lists.{beat}", u, 0)


@dataclass
class QueueingConfig:
    """The degenerate set-up of the real model used to check it against queueing
    theory (issue 3): crime, patrol and travel time off; one call type per
    priority class; identical officers on duty around the clock."""

    enabled: bool = False
    arrival_rate_per_hour: Any = 2.0  # a number, or a list: one rate per priority class (1 first)
    service_mean_min: float = 20.0  # mean time a unit is busy per call
    service_dist: str = "exponential"  # exponential | deterministic | erlang2 | lognormal
    service_cv: float = 1.0  # lognormal only
    servers: int = 1  # c: identical units
    discipline: str = "fcfs"  # fcfs | priority (non-preemptive)
    capacity: str = "infinite"  # infinite | loss

    def rates(self) -> list[float]:
        r = self.arrival_rate_per_hour
        values = list(r) if isinstance(r, (list, tuple)) else [r]
        if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in values):
            raise TypeError("rates are numbers")
        return [float(x) for x in values]

    def validate(self, path: str) -> None:
        try:
            rates = self.rates()
        except (TypeError, ValueError):
            raise ConfigError(f"{path}.arrival_rate_per_hour", self.arrival_rate_per_hour,
                              "must be a number or a list of numbers") from None
        if not rates or len(rates) > 9:
            raise ConfigError(f"{path}.arrival_rate_per_hour", rates, "needs 1 to 9 rates")
        for r in rates:
            _range(f"{path}.arrival_rate_per_hour", r, 0, 10_000, lo_open=True)
        _range(f"{path}.service_mean_min", self.service_mean_min, 0, 10_000, lo_open=True)
        _choice(f"{path}.service_dist", self.service_dist, SERVICE_DISTS)
        _range(f"{path}.service_cv", self.service_cv, 0, 10)
        _range(f"{path}.servers", self.servers, 1, 500)  # as staffing.officers: the servers are officers
        _choice(f"{path}.discipline", self.discipline, ("priority", "fcfs"))
        _choice(f"{path}.capacity", self.capacity, ("infinite", "loss"))

    def load(self) -> float:
        """Offered load per server (rho): steady-state theory needs < 1 with an infinite queue."""
        return sum(self.rates()) * self.service_mean_min / 60.0 / self.servers

    def check_length(self, days: float) -> None:
        """A theory check stays a check: at most MAX_QUEUEING_CALLS calls per run."""
        calls = sum(self.rates()) * 24.0 * days
        if self.enabled and calls > MAX_QUEUEING_CALLS:
            raise ConfigError("sim.days", days, f"at queueing.arrival_rate_per_hour={self.arrival_rate_per_hour} "
                              f"that is {calls:,.0f} calls; at most {MAX_QUEUEING_CALLS:,} per run "
                              f"(sim.days <= {MAX_QUEUEING_CALLS / (sum(self.rates()) * 24.0):,.1f})")


@dataclass
class ScaleConfig:
    """Multipliers on groups of parameters, for sweeps and sensitivity analysis
    (issue 4): one key moves every call type or travel mode at once. 1.0 = the
    values as configured (assumption: identity)."""

    call_rate_factor: float = 1.0  # x every call type's rate (background calls and crimes)
    on_scene_time_factor: float = 1.0  # x every call type's mean on-scene time
    report_prob_factor: float = 1.0  # x every crime type's reporting probability (capped at 1)
    travel_speed_factor: float = 1.0  # x every travel mode's speed

    def validate(self, path: str) -> None:
        for f in fields(self):
            _range(f"{path}.{f.name}", getattr(self, f.name), 0, 100, lo_open=f.name != "report_prob_factor")


@dataclass
class DisplacementConfig:
    """Areas for displacement metrics (sim/crime_metrics.py; issue 5)."""

    treated_cells: int = 10  # per office: its highest-risk cells form the treated area, as policy.hotspot_cells
    buffer_m: float = 300.0  # ring around it; assumption (Bowers & Johnson 2003 use rings of a few hundred m)
    control_gap_m: float = 300.0  # control area starts this far beyond the buffer; assumption

    def validate(self, path: str) -> None:
        _range(f"{path}.treated_cells", self.treated_cells, 1, 1_000_000)
        _range(f"{path}.buffer_m", self.buffer_m, 0, 50_000, lo_open=True)
        _range(f"{path}.control_gap_m", self.control_gap_m, 0, 50_000)


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


def _default_relief() -> Dict[str, float]:
    # people per post staffed around the clock; VALIDATION.md workload method: 4.7-5 after days off,
    # leave and training (the midpoint 4.85 for both roles is an assumption)
    return {"officer": 4.85, "auxiliary": 4.85}


@dataclass
class PlanConfig:
    """How the staffing planner searches (``python -m sim.plan``; issue 7)."""

    shift_starts_h: List[int] = field(default_factory=lambda: [0, 8, 16])  # shift blocks 00-08, 08-16, 16-24; assumption
    relief_factor: Dict[str, float] = field(default_factory=_default_relief)  # people per 24/7 post; see above
    volunteer_hours_per_week_max: float = 168.0  # cap on an office's volunteer hours (one post round the clock); assumption
    officers_min_per_shift: int = 1  # at least one sworn officer on every shift (issue 7)
    aux_per_officer_min: float = 0.0  # on-duty auxiliaries per officer, lower bound; assumption
    aux_per_officer_max: float = 8.0  # upper bound: Shenzhen officer:auxiliary = 1:8; DOMAIN §2, seed 000
    max_units_per_shift: int = 30  # units per office and shift the search may use; beyond, a target is out of reach; assumption
    confidence: float = 0.9  # met when the one-sided bound at this confidence level (0-1) clears the target; assumption
    replications_min: int = 4  # sequential replications: start with this many seeds ...; assumption
    replications_max: int = 12  # ... and add seeds while undecided, up to this many; assumption
    days: float = 56.0  # simulated days per replication (eight weekly cycles); assumption
    warmup_days: float = 2.0  # cut from every replication; assumption
    ministry_residents_per_officer: int = 3000  # ministry norm: 1 community officer per 3,000 residents; DOMAIN §2, seed 004
    jobs: int = 2  # worker processes for the replications; 0 = one per core; assumption (2-core machines)
    curve: bool = True  # also simulate the staffing curve (attainment against staff) for the chart

    def validate(self, path: str) -> None:
        if not self.shift_starts_h or sorted(set(self.shift_starts_h)) != list(self.shift_starts_h):
            raise ConfigError(f"{path}.shift_starts_h", list(self.shift_starts_h),
                              "needs increasing, distinct start hours, e.g. [0, 8, 16]")
        for h in self.shift_starts_h:
            _range(f"{path}.shift_starts_h", h, 0, 23)
        n = len(self.shift_starts_h)
        if 24 % n or any(b - a != 24 // n for a, b in zip(self.shift_starts_h, self.shift_starts_h[1:])):
            raise ConfigError(f"{path}.shift_starts_h", list(self.shift_starts_h),
                              "needs equal shifts covering the day (24 / count hours apart), e.g. [0, 8, 16]")
        for role, v in self.relief_factor.items():
            _choice(f"{path}.relief_factor", role, ("officer", "auxiliary"))
            _range(f"{path}.relief_factor.{role}", v, 1, 20)
        for role in ("officer", "auxiliary"):
            if role not in self.relief_factor:
                raise ConfigError(f"{path}.relief_factor", dict(self.relief_factor), f"needs a factor for {role}")
        _range(f"{path}.volunteer_hours_per_week_max", self.volunteer_hours_per_week_max, 0, 100_000)
        _range(f"{path}.officers_min_per_shift", self.officers_min_per_shift, 0, 100)
        _range(f"{path}.aux_per_officer_min", self.aux_per_officer_min, 0, 100)
        _range(f"{path}.aux_per_officer_max", self.aux_per_officer_max, self.aux_per_officer_min, 100)
        _range(f"{path}.max_units_per_shift", self.max_units_per_shift, 1, 500)
        if self.officers_min_per_shift > self.max_units_per_shift:
            raise ConfigError(f"{path}.officers_min_per_shift", self.officers_min_per_shift,
                              f"must be <= plan.max_units_per_shift ({self.max_units_per_shift})")
        _range(f"{path}.confidence", self.confidence, 0.5, 0.999)
        _range(f"{path}.replications_min", self.replications_min, 2, 1000)
        _range(f"{path}.replications_max", self.replications_max, self.replications_min, 1000)
        _range(f"{path}.days", self.days, 1, 3650)
        _range(f"{path}.warmup_days", self.warmup_days, 0, self.days - 0.5)
        _range(f"{path}.ministry_residents_per_officer", self.ministry_residents_per_officer, 100, 1_000_000)
        _range(f"{path}.jobs", self.jobs, 0, 256)


@dataclass
class Config:
    seed: int = 0  # base seed of a study; assumption
    replicate: int = 0  # replication k runs on one root seed derived from (seed, k) in every configuration
    design_row: int = -1  # row of a sensitivity design this run belongs to; recorded only, no effect
    sim: SimConfig = field(default_factory=SimConfig)
    district: DistrictConfig = field(default_factory=DistrictConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    travel: TravelConfig = field(default_factory=TravelConfig)
    calls: Dict[str, CallTypeConfig] = field(default_factory=_default_calls)
    crime: CrimeConfig = field(default_factory=CrimeConfig)
    queueing: QueueingConfig = field(default_factory=QueueingConfig)
    scale: ScaleConfig = field(default_factory=ScaleConfig)
    displacement: DisplacementConfig = field(default_factory=DisplacementConfig)
    community: CommunityConfig = field(default_factory=CommunityConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    kpi: KpiConfig = field(default_factory=KpiConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    # a CSV of the district's historical calls (time, type, x_m, y_m): fits call rates, hour-of-day and
    # weekday profiles and where calls happen (sim/calls_csv.py); null = the configured call types
    calls_csv: Optional[str] = None
    exercise: ExerciseConfig = field(default_factory=ExerciseConfig)  # a tabletop exercise (+exercise=NAME; issue 8)

    def unit_count(self) -> int | None:
        """Units on the rosters of all offices plus an exercise's reserves (unit
        numbers run 0 to this - 1); None when it depends on the district's
        residents (``staffing.residents_per_officer``)."""
        offices = self.district.offices
        counts = [self.staffing.office_counts(o) for o in range(offices)]
        if any(c["officer"] is None for c in counts):
            return None
        reserves = sum(int(v) for v in self.exercise.reserves.values())
        return sum(sum(c.values()) for c in counts) + reserves * offices

    @property
    def root_seed(self) -> int:
        """The seed every random stream of this run derives from: replication k
        uses the same root seed whatever the policy or staffing (common random
        numbers). Replicate 0 is ``seed`` itself; replicate k > 0 is a 63-bit
        number derived from (seed, k), so studies with different base seeds
        never share a replication."""
        if self.replicate == 0:
            return self.seed
        state = np.random.SeedSequence(self.seed, spawn_key=(self.replicate,)).generate_state(2, np.uint32)
        return int((int(state[0]) << 31) ^ int(state[1]))

    def validate(self) -> "Config":
        _range("seed", self.seed, 0, 2**62)
        _range("replicate", self.replicate, 0, 2**62)
        _range("design_row", self.design_row, -1)
        for f in fields(self):
            node = getattr(self, f.name)
            if is_dataclass(node):
                node.validate(f.name)
        if not self.calls:
            raise ConfigError("calls", {}, "needs at least one call type")
        cells = int(self.district.width_m // self.district.cell_size_m) * int(
            self.district.height_m // self.district.cell_size_m)
        for name, call in self.calls.items():
            call.validate(f"calls.{name}", derived=self.queueing.enabled)
            if call.cell_weights and len(call.cell_weights) != cells:
                raise ConfigError(f"calls.{name}.cell_weights", f"{len(call.cell_weights)} values",
                                  f"needs one weight per cell of the district ({cells})")
        s = self.staffing
        if s.posts_m is not None:
            units = self.district.offices * (s.officers + s.auxiliaries + s.volunteers + s.grid_workers)
            if len(s.posts_m) != units:
                raise ConfigError("staffing.posts_m", f"{len(s.posts_m)} posts",
                                  f"needs one [x_m, y_m] per unit ({units})")
            for x, y in s.posts_m:
                if x > self.district.width_m or y > self.district.height_m:
                    raise ConfigError("staffing.posts_m", [x, y], "must lie inside the district")
        if s.per_office is not None and len(s.per_office) != self.district.offices:
            raise ConfigError("staffing.per_office", f"{len(s.per_office)} offices",
                              f"needs one entry per office ({self.district.offices})")
        units = self.unit_count()
        for beat, members in self.dispatch.preference_lists.items():
            for u in members:
                if units is not None and u >= units:
                    raise ConfigError(f"dispatch.preference_lists.{beat}", u, f"no such unit: units are 0-{units - 1}")
        from sim.scenarios import POLICIES  # registry only: no model code

        if "elastic" in self.policy.names() and self.policy.start_day > 0:
            raise ConfigError("policy.start_day", self.policy.start_day,
                              "elastic moves shifts for the whole run; use start_day 0 with it")
        names = self.policy.names()
        for name in names:
            if name not in POLICIES:
                raise ConfigError("policy.name", self.policy.name, "allowed: " + ", ".join(sorted(POLICIES))
                                  + (" (several joined by +)" if len(names) > 1 else ""))
        if len(set(names)) != len(names):
            raise ConfigError("policy.name", self.policy.name, "names a policy twice")
        if self.policy.start_day >= self.sim.days:
            raise ConfigError("policy.start_day", self.policy.start_day, f"must be < sim.days ({self.sim.days})")
        self.exercise.check_against(self)
        self.queueing.check_length(self.sim.days)
        if self.queueing.enabled and self.district.offices != 1:
            raise ConfigError("district.offices", self.district.offices, "queueing_check puts queueing.servers at "
                              "one office: use a district with one office (district.offices=1)")
        return self


@functools.cache
def register_configs() -> None:
    """Register the schema so YAML groups in conf/ are merged onto typed nodes.
    Once per process: storing the schema costs ~0.15 s, and every compose,
    sweep plan and launch asks for it."""
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    register_exercises(store)  # sim/scenarios/exercises/NAME.yaml -> +exercise=NAME


@functools.cache
def _type_hints(schema: type) -> dict[str, Any]:
    """``typing.get_type_hints`` of a schema class, cached: it re-evaluates every
    annotation string on each call, ~35 times per validated config. Read only."""
    return typing.get_type_hints(schema)


def _holds_literal(node: Any, key: Any) -> bool:
    """Whether ``node[key]`` is a plain scalar (not missing, not an interpolation),
    so there are no keys below it to check. Looking at the child node skips
    ``DictConfig.__getitem__``'s resolution, most of the cost of the key check
    (OmegaConf 2.3 internals: the node's ``_content`` dict; pinned in pyproject)."""
    child = node.__dict__["_content"][key]
    return isinstance(child, ValueNode) and not child._is_missing() and not child._is_interpolation()


def _reject_unknown_keys(node: Any, schema: Any, path: str) -> None:
    """Hydra's ``+key=value`` adds keys even to typed nodes, and to_object then
    drops them silently: a misspelled ``+staffing.oficers=10`` would run with the
    default. Every key of a dataclass node must be one of its fields."""
    hints = _type_hints(schema)
    for key in node.keys():
        full = f"{path}.{key}" if path else str(key)
        if key not in hints:
            raise ConfigError(full, OmegaConf.select(node, str(key)),
                              "unknown key; allowed: " + ", ".join(sorted(hints)))
        if _holds_literal(node, key):
            continue
        hint, value = hints[key], node[key]
        if OmegaConf.is_list(value) and typing.get_origin(hint) in (list, List):
            item = typing.get_args(hint)[0]
            if is_dataclass(item):  # e.g. exercise.injects[k]
                for k, element in enumerate(value):
                    if OmegaConf.is_dict(element):
                        _reject_unknown_keys(element, item, f"{full}[{k}]")
            continue
        if not OmegaConf.is_dict(value):
            continue
        if is_dataclass(hint):
            _reject_unknown_keys(value, hint, full)
        elif typing.get_origin(hint) is dict and is_dataclass(typing.get_args(hint)[1]):
            for k in value.keys():
                if OmegaConf.is_dict(value[k]):
                    _reject_unknown_keys(value[k], typing.get_args(hint)[1], f"{full}.{k}")


def to_config(cfg: Any) -> Config:
    """Turn a composed DictConfig into a validated, typed ``Config``."""
    _reject_unknown_keys(cfg, Config, "")
    obj = OmegaConf.to_object(cfg)
    if not isinstance(obj, Config):  # composed without the schema (should not happen)
        obj = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(Config), cfg))
    obj.validate()
    if obj.calls_csv is not None:  # the district's own records replace the call rates and shapes
        from sim.calls_csv import apply_calls_csv

        obj = apply_calls_csv(obj).validate()
    if obj.queueing.enabled:  # the user's keys were checked above; the call types made from queueing.* carry
        # the theory's rates (a dispatch centre's 200 calls/h is 58,000 calls per 1,000 residents a year: fine for
        # theory, nonsense as a residents' rate), so their rates are not held to the residents' range
        from sim.queueing_setup import degenerate

        obj = degenerate(obj).validate()
    return obj
