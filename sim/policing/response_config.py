"""The response system around the office (``response.*``): the parent
station (派出所) and the city's rapid-response units as tiers beyond the
office, and where office officers spend their station duty.

Read by sim.policing.tiers (units, rosters, the station's own calls) and the
dispatcher (which tier may take a call). Presets per district are in
conf/response/ (chosen with the district: ``response: ${district}``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, List, Optional

from sim.core.checks import ConfigError, _choice, _range, check_bounds
from sim.i18n import Translator

_ = Translator("checks")

TIER_SETS = {"office": ("office",), "office_station": ("office", "station"),
             "office_station_rapid": ("office", "station", "rapid")}
RECALL_RULES = ("none", "p1", "any")
DUTY_PLACES = ("auto", "station", "off_map")


@dataclass
class StationConfig:
    """The parent station: its position, its duty units per shift and the
    rest of its jurisdiction (the calls it answers besides the district's)."""

    # position in the district, east of its west edge (snapped to the nearest road cell in rural districts);
    # assumption: near the urban_core district's east edge
    x_m: float = 1950.0
    y_m: float = 1050.0  # position north of the district's south edge; assumption
    # a gis district (district=gis, helsinki): [x, y] in the areas' CRS (lon, lat for OpenStreetMap);
    # null = the middle of the district (x_m, y_m are set from it: model metres are not known before the build);
    # user choice
    point: Optional[List[float]] = None
    patrol_cars_per_shift: int = 2  # patrol cars on duty at any time (each one unit); assumption, see presets
    duty_officers_per_shift: int = 1  # duty-desk officers (值班民警), sent when needed after a hand-over; assumption
    duty_turnout_min: float = 2.0  # extra minutes for a duty officer to hand over the desk; assumption
    shift_starts_h: List[int] = field(default_factory=lambda: [8, 16, 0])  # 24 h cover; assumption (three shifts)
    shift_hours: float = 8.0  # hours per shift; assumption
    mode: str = "car"  # travel mode of station units (DOMAIN §7: patrol cars)
    # residents of the station's jurisdiction outside this district: its own calls, at the district's
    # per-resident rates (an urban station serves ~100-150 k people, DOMAIN §7: one office per 50 k); assumption
    area_residents: int = 120_000
    area_travel_mean_min: float = 6.0  # mean drive from the station to its own calls; assumption (urban 2-3 km)
    people_per_post: float = 4.7  # people behind one 24 h post (days off, leave); VALIDATION.md relief factor 4.7-5

    BOUNDS: ClassVar[dict] = {
        "x_m": (0, 200_000, False), "y_m": (0, 200_000, False),  # inside the district (sim.config checks)
        "patrol_cars_per_shift": (0, 200, False), "duty_officers_per_shift": (0, 200, False),
        "duty_turnout_min": (0, 120, False), "shift_hours": (0, 24, True),
        "area_residents": (0, 10_000_000, False), "area_travel_mean_min": (0, 240, False),
        "people_per_post": (1, 20, False),
    }

    def units_per_shift(self) -> int:
        return self.patrol_cars_per_shift + self.duty_officers_per_shift

    def validate(self, path: str) -> None:
        check_bounds(self, path)
        if self.point is not None and (len(self.point) != 2 or not all(math.isfinite(v) for v in self.point)):
            raise ConfigError(f"{path}.point", list(self.point), _("is [x, y] in the gis district's CRS"))
        if not self.shift_starts_h:
            raise ConfigError(f"{path}.shift_starts_h", [], _("needs at least one start hour"))
        for h in self.shift_starts_h:
            _range(f"{path}.shift_starts_h", h, 0, 23)
        if len(set(self.shift_starts_h)) != len(self.shift_starts_h):
            raise ConfigError(f"{path}.shift_starts_h", list(self.shift_starts_h),
                              _("needs distinct start hours (each starts one shift of units every day)"))
        _choice(f"{path}.mode", self.mode, ("foot", "ebike", "car"))


@dataclass
class RapidConfig:
    """City rapid-response units (快反/巡特警): cars waiting at their own posts."""

    units_per_post: int = 1  # cars on duty at each post around the clock; assumption
    # posts [[x_m, y_m], ...] inside the district; [] = one post between each office and the district centre;
    # assumption
    posts_m: List[Any] = field(default_factory=list)
    mode: str = "car"  # travel mode of rapid units; assumption (patrol cars, as the station's: DOMAIN §7)

    def validate(self, path: str) -> None:
        _range(f"{path}.units_per_post", self.units_per_post, 0, 50)
        _choice(f"{path}.mode", self.mode, ("foot", "ebike", "car"))
        if len(self.posts_m) > 100:
            raise ConfigError(f"{path}.posts_m", f"{len(self.posts_m)} posts", _("at most 100 posts"))
        for k, post in enumerate(self.posts_m):
            try:
                xy = [float(v) for v in post]
            except (TypeError, ValueError):
                raise ConfigError(f"{path}.posts_m", post, _("each post is [x_m, y_m]")) from None
            if len(xy) != 2:
                raise ConfigError(f"{path}.posts_m", list(post), _("each post is [x_m, y_m]"))
            for v in xy:
                _range(f"{path}.posts_m", v, 0, 50_000)
            self.posts_m[k] = xy


@dataclass
class StationDutyConfig:
    """Office officers' share of each shift spent on station duty (cases, duty
    desk, meetings; DOMAIN §7, seed 004), ``staffing.officer_non_community_share``."""

    # auto: at the station when the station is a tier, else off the map (the model before issue 19);
    # station: on duty at the station, busy, recallable; off_map: off duty (the share simply vanishes)
    where: str = "auto"
    recall: str = "p1"  # which calls may recall an officer from station duty: none | p1 | any; assumption
    recall_turnout_min: float = 3.0  # extra minutes to break off station work; assumption

    def validate(self, path: str) -> None:
        _choice(f"{path}.where", self.where, DUTY_PLACES)
        _choice(f"{path}.recall", self.recall, RECALL_RULES)
        _range(f"{path}.recall_turnout_min", self.recall_turnout_min, 0, 120)


@dataclass
class ResponseConfig:
    # which tiers answer the district's calls: office | office_station | office_station_rapid (issue 19)
    tiers: str = "office_station"
    # office_first: minutes a call waits for a capable office unit before the command centre sends the
    # station's (or a rapid unit); seed 003 §4.2: nearby units on scene within 3 min of the call; assumption
    escalate_after_min: float = 2.0
    # ... and for priority-1 calls: the command centre sends the nearest free unit of any tier at once
    # (seed 003 §4.2: on scene within 3 min of the call); null = escalate_after_min; assumption
    escalate_after_min_p1: Optional[float] = 0.0
    # speed of priority-1 runs by car (lights and sirens, 警灯警笛: officers' and the station's cars, not
    # e-bikes or foot patrols) over ordinary driving when the command centre dispatches (tiers beyond the
    # office); assumption: 30% faster in town traffic; 1 = no difference
    p1_speed_factor: float = 1.3
    station: StationConfig = field(default_factory=StationConfig)
    rapid: RapidConfig = field(default_factory=RapidConfig)
    station_duty: StationDutyConfig = field(default_factory=StationDutyConfig)

    def tier_names(self) -> tuple[str, ...]:
        return TIER_SETS[self.tiers]

    def has(self, tier: str) -> bool:
        return tier in TIER_SETS[self.tiers]

    def duty_at_station(self) -> bool:
        """Do office officers spend their station duty at the station (else off the map)?"""
        where = self.station_duty.where
        return where == "station" or (where == "auto" and self.has("station"))

    def validate(self, path: str) -> None:
        _choice(f"{path}.tiers", self.tiers, tuple(TIER_SETS))
        _range(f"{path}.escalate_after_min", self.escalate_after_min, 0, 1440)
        _range(f"{path}.p1_speed_factor", self.p1_speed_factor, 0.5, 3)
        if self.escalate_after_min_p1 is not None:
            _range(f"{path}.escalate_after_min_p1", self.escalate_after_min_p1, 0, 1440)
        self.station.validate(f"{path}.station")
        self.rapid.validate(f"{path}.rapid")
        self.station_duty.validate(f"{path}.station_duty")
