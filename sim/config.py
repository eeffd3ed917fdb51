"""The root config: assembles the subsystems' schemas and checks what spans them.

Each subsystem's schema lives beside the code it configures (``district``:
sim/core/space_config.py, ``calls``: sim/policing/calls_config.py, ``community``
and ``window``: sim/community/config.py, ...); this module holds only the
run-wide sections (``sim``, ``scale``, ``policy``) and ``Config``.

OmegaConf checks keys and types; it does not check ranges or cross-field
rules. Those live in each schema's ``validate(path)``, called once on the whole
tree by ``Config.validate`` after ``OmegaConf.to_object`` so every message can
name the *full* key (``calls.emergency.priority``), which a bare
``__post_init__`` cannot know. Loading a config reads no files, prints nothing
and looks nothing up in the registries: reading ``calls_csv``, the queueing
set-up and checking policy and dispatch names happen when composition prepares
it (sim/compose/prepare.py).

Every default carries a unit in its name and a source: a DOMAIN.md section and
seed document, a paper, or "assumption". This module imports nothing of the
model: the model receives a validated ``Config``, never a raw dict.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Dict, List, Optional

import numpy as np

from sim.community.config import CommunityConfig, WindowConfig
from sim.core.checks import ConfigError, _choice, _range
from sim.core.roles import ROLES
from sim.core.space_config import DistrictConfig
from sim.core.travel_config import TravelConfig
from sim.exercise.schema import ExerciseConfig
from sim.i18n import LANGUAGES, Translator
from sim.output.cost_config import CostConfig
from sim.output.kpi_config import KpiConfig
from sim.plan.config import PlanConfig, TargetConfig
from sim.calibrate.config import CalibrateConfig
from sim.policing.calls_config import CallTypeConfig, default_call_types
from sim.policing.crime_config import CrimeConfig, DisplacementConfig
from sim.policing.dispatch_config import DispatchConfig
from sim.policing.queueing_config import QueueingConfig
from sim.policing.response_config import ResponseConfig
from sim.policing.staffing_config import StaffingConfig
from sim.policing.workforce_config import WorkforceConfig

_ = Translator("checks")


@dataclass
class SimConfig:
    days: float = 28.0  # simulated days; assumption: 4 weeks shows the weekly cycle in ~1 s
    warmup_days: float = 0.0  # days cut from summary statistics; assumption (none needed: staff start idle)
    tick_min: float = 60.0  # minutes one Model.step() advances; assumption (trainer's stepping unit)
    record_every_min: float = 60.0  # timeseries resolution, minutes (issue 2: hourly)
    progress: bool = True  # progress bar on long runs; user choice
    plots: bool = True  # write the two PNGs; user choice
    # write summary.xlsx and each table as CSV beside its Parquet file (~0.5 s CPU and 0.4 MB on the default
    # run; its Parquet tables: 0.13 MB), false for a sweep of many jobs; user choice (issue 23)
    workbook: bool = True
    # write into an output folder that holds files this program did not write (sim/core/outdir.py); user choice, never by default
    overwrite: bool = False

    def validate(self, path: str) -> None:
        _range(f"{path}.days", self.days, 1.0 / 24.0, 36_600)  # an hour (a tabletop step) to 100 years (theory checks)
        _range(f"{path}.warmup_days", self.warmup_days, 0)
        if self.warmup_days >= self.days:
            raise ConfigError(f"{path}.warmup_days", self.warmup_days,
                              _("must be < sim.days ({days})").format(days=self.days))
        _range(f"{path}.tick_min", self.tick_min, 0, 1440, lo_open=True)
        _range(f"{path}.record_every_min", self.record_every_min, 1, 1440)


@dataclass
class ScaleConfig:
    """Multipliers on groups of parameters, for sweeps and sensitivity analysis
    (issue 4): one key moves every call type or travel mode at once. 1.0 = the
    values as configured (assumption: identity)."""

    call_rate_factor: float = 1.0  # x every call type's rate (background calls and crimes); issue 4
    on_scene_time_factor: float = 1.0  # x every call type's mean on-scene time; issue 4
    report_prob_factor: float = 1.0  # x every crime type's reporting probability (capped at 1); issue 4
    travel_speed_factor: float = 1.0  # x every travel mode's speed; issue 4

    def validate(self, path: str) -> None:
        for f in fields(self):
            _range(f"{path}.{f.name}", getattr(self, f.name), 0, 100, lo_open=f.name != "report_prob_factor")


@dataclass
class PolicyConfig:
    """How idle staff are deployed (sim/scenarios/). Kept here, not beside the
    policies: importing any module of sim/scenarios/ runs its ``__init__``, which
    imports every policy (and through them the crime model), so a schema there
    would not be light."""

    # a policy of sim.scenarios.POLICIES, or several joined by "+" (hotspot+cameras); user choice
    name: str = "fixed_post"
    # roles that patrol when idle: auxiliaries, volunteers and grid workers patrol (DOMAIN §2, seed 001)
    patrol_roles: List[str] = field(default_factory=lambda: ["auxiliary", "volunteer", "grid_worker"])
    patrol_scope: str = "beat"  # beat | office_area: where a patroller may go; assumption
    dwell_min: float = 12.0  # stop length at each patrol point; VALIDATION.md Koper curve (11-15 min)
    start_day: float = 0.0  # the policy acts from this day; before it staff wait at posts (before/after designs); issue 5
    hotspot_cells: int = 10  # hot cells per office (2.5% of urban_core's 400); Sherman & Weisburd 1995 treated ~2% of addresses
    hotspot_window_days: float = 28.0  # incidents counted when ranking cells; assumption
    # hotspot: share of patrol legs to the hot cells, the rest random as random_patrol (the dose); 1 = all; assumption
    hotspot_share: float = 1.0
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
        _range(f"{path}.hotspot_share", self.hotspot_share, 0, 1, lo_open=True)
        _range(f"{path}.replan_every_min", self.replan_every_min, 1, 10_080)
        _range(f"{path}.camera_share", self.camera_share, 0, 1)
        _range(f"{path}.visit_share", self.visit_share, 0, 1)
        _range(f"{path}.visit_min", self.visit_min, 1, 480)
        for role in self.visit_roles:
            _choice(f"{path}.visit_roles", role, ROLES)
        if not self.elastic_starts_h:
            raise ConfigError(f"{path}.elastic_starts_h", self.elastic_starts_h, _("needs at least one start hour"))
        for h in self.elastic_starts_h:
            _range(f"{path}.elastic_starts_h", h, 0, 23)


@dataclass
class Config:
    seed: int = 0  # base seed of a study; assumption
    # the language of reports, figures, the tabletop page and messages (sim/i18n): en or zh (simplified Chinese,
    # the users' language: DOMAIN.md); assumption: English by default, as the code and the papers
    lang: str = "en"
    # replication k runs on one root seed derived from (seed, k) in every configuration; user choice (issue 4)
    replicate: int = 0
    design_row: int = -1  # row of a sensitivity design this run belongs to; recorded only, no effect; issue 4
    sim: SimConfig = field(default_factory=SimConfig)
    district: DistrictConfig = field(default_factory=DistrictConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    response: ResponseConfig = field(default_factory=ResponseConfig)  # tiers beyond the office (issue 19)
    travel: TravelConfig = field(default_factory=TravelConfig)
    calls: Dict[str, CallTypeConfig] = field(default_factory=default_call_types)
    crime: CrimeConfig = field(default_factory=CrimeConfig)
    queueing: QueueingConfig = field(default_factory=QueueingConfig)
    scale: ScaleConfig = field(default_factory=ScaleConfig)
    displacement: DisplacementConfig = field(default_factory=DisplacementConfig)
    community: CommunityConfig = field(default_factory=CommunityConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    workforce: WorkforceConfig = field(default_factory=WorkforceConfig)
    kpi: KpiConfig = field(default_factory=KpiConfig)
    cost: CostConfig = field(default_factory=CostConfig)  # what running cost covers, building cost (issue 19)
    target: TargetConfig = field(default_factory=TargetConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    calibrate: CalibrateConfig = field(default_factory=CalibrateConfig)  # python -m sim.calibrate (issue 21)
    # a CSV of the district's historical calls (time, type, x_m, y_m): fits call rates, hour-of-day and
    # weekday profiles and where calls happen (sim/policing/calls_csv.py); null = the configured call types; user choice
    calls_csv: Optional[str] = None
    # the CRS of calls_csv's x,y columns (a pyproj name: EPSG:4547 is CGCS2000's 3-degree zone at 114E), or of
    # its lon,lat columns when not WGS84 (EPSG:4490, CGCS2000); null: lon,lat are WGS84, x_m,y_m model metres;
    # checked against pyproj when the file is read (sim/policing/calls_csv_reader.py); issue 20
    calls_csv_crs: Optional[str] = None
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
        """Every check that needs nothing but the config itself, sections first
        (names in the registries and the exercise's events: sim.compose.prepare)."""
        _choice("lang", self.lang, LANGUAGES)
        _range("seed", self.seed, 0, 2**62)
        _range("replicate", self.replicate, 0, 2**62)
        _range("design_row", self.design_row, -1)
        for f in fields(self):
            node = getattr(self, f.name)
            if is_dataclass(node):
                node.validate(f.name)
        if not self.calls:
            raise ConfigError("calls", {}, _("needs at least one call type"))
        if self.calls_csv_crs is not None:
            if not isinstance(self.calls_csv_crs, str) or not 0 < len(self.calls_csv_crs.strip()) <= 4096 \
                    or "\x00" in self.calls_csv_crs:
                raise ConfigError("calls_csv_crs", self.calls_csv_crs, _("must be a CRS name such as EPSG:4547"))
            if self.calls_csv is None:
                raise ConfigError("calls_csv_crs", self.calls_csv_crs, _("is the CRS of calls_csv's coordinates: "
                                                                         "set calls_csv=PATH too"))
        cells = int(self.district.width_m // self.district.cell_size_m) * int(
            self.district.height_m // self.district.cell_size_m)
        for name, call in self.calls.items():
            call.validate(f"calls.{name}", derived=self.queueing.enabled)
            if call.cell_weights and len(call.cell_weights) != cells:
                raise ConfigError(f"calls.{name}.cell_weights", f"{len(call.cell_weights)} values",
                                  _("needs one weight per cell of the district ({cells})").format(cells=cells))
        s = self.staffing
        if s.posts_m is not None:
            units = self.district.offices * (s.officers + s.auxiliaries + s.volunteers + s.grid_workers)
            if len(s.posts_m) != units:
                raise ConfigError("staffing.posts_m", f"{len(s.posts_m)} posts",
                                  _("needs one [x_m, y_m] per unit ({units})").format(units=units))
            for x, y in s.posts_m:
                if x > self.district.width_m or y > self.district.height_m:
                    raise ConfigError("staffing.posts_m", [x, y], _("must lie inside the district"))
        if s.per_office is not None and len(s.per_office) != self.district.offices:
            raise ConfigError("staffing.per_office", f"{len(s.per_office)} offices",
                              _("needs one entry per office ({offices})").format(offices=self.district.offices))
        units = self.unit_count()
        for beat, members in self.dispatch.preference_lists.items():
            for u in members:
                if units is not None and u >= units:
                    raise ConfigError(f"dispatch.preference_lists.{beat}", u, _("no such unit: units are 0-{value}")
                                                                              .format(value=units - 1))
        if "elastic" in self.policy.names() and self.policy.start_day > 0:
            raise ConfigError("policy.start_day", self.policy.start_day,
                              _("elastic moves shifts for the whole run; use start_day 0 with it"))
        if self.policy.start_day >= self.sim.days:
            raise ConfigError("policy.start_day", self.policy.start_day, _("must be < sim.days ({days})")
                                                                         .format(days=self.sim.days))
        st = self.response.station
        if self.response.has("station") and (st.x_m > self.district.width_m or st.y_m > self.district.height_m):
            raise ConfigError("response.station", [st.x_m, st.y_m],
                              _("must lie inside the district ({width_m:g} x {height_m:g} m)")
                              .format(width_m=self.district.width_m, height_m=self.district.height_m))
        for x, y in self.response.rapid.posts_m if self.response.has("rapid") else ():
            if x > self.district.width_m or y > self.district.height_m:
                raise ConfigError("response.rapid.posts_m", [x, y], _("must lie inside the district"))
        self.queueing.check_length(self.sim.days)
        if self.queueing.enabled and self.district.offices != 1:
            raise ConfigError("district.offices", self.district.offices, _("queueing_check puts queueing.servers "
                                                                           "at one office: use a district with "
                                                                           "one office (district.offices=1)"))
        return self
