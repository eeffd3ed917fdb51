"""CommunityPolicingModel: wiring only; the rules live in the parts it wires.

One clock: a ``simpy.Environment`` in minutes. The model builds the district,
the fleet and the parts (``sim.core.subsystem``: each starts its processes,
hears what happens through hooks and writes its keys of summary.json), then
starts them in this stage order (also the order of events due at one minute):

1. rosters put staff on and off duty (``sim.policing.staffing``);
2. background calls arrive from a pre-drawn stream, the disputes behind them
   planned first (``sim.policing.intake``, ``sim.community.disputes``);
3. walk-ins queue at the service windows (``sim.community.service_windows``);
4. residents' trust, awareness and participation move daily and weekly
   (``sim.community.trust``);
5. offenders attempt crimes; reported ones become calls after a delay
   (``sim.policing.offending``, ``sim.policing.incidents``);
6. the recorder samples hourly state (``sim.core.recorder``);
7. the deployment policy re-plans on its timer and takes over at ``policy.start_day``
   (``sim.scenarios``: a free unit asks ``sim.policing.patrol`` where to go);
8. the warm-up ends.

The dispatcher sends units to calls as they come (``sim.policing.dispatch``), the office's
first, then the station's or rapid units (``sim.policing.tiers``, ``sim.policing.station_duty``).
``step()`` (Mesa habits, the browser view) advances ``sim.tick_min`` minutes.
"""
from __future__ import annotations

import dataclasses
from functools import partial

import mesa
import simpy
from mesa.discrete_space import OrthogonalMooreGrid

from sim.agents import attend_mask, make_staff, recruit_offenders
from sim.agents.resident import ResidentRegistry
from sim.community.disputes import DisputeBook
from sim.community.elderly import place_elderly
from sim.community.service_windows import ServiceWindows
from sim.community.trust import Community
from sim.config import Config
from sim.core.recorder import Recorder
from sim.core.records import CALL_SCHEMA, INCIDENT_SCHEMA, TIMESERIES_SCHEMA
from sim.core.rng import RngStreams
from sim.core.subsystem import Hooks
from sim.core.units import MIN_PER_DAY
from sim.geo import district_and_travel
from sim.derived import (mode_speed_m_per_min, offender_count, scaled_call_types, speed_m_per_min,
                         staff_counts_by_office, window_clerks)
from sim.policing.crime import CrimeModel
from sim.policing.dispatch_setup import configured_dispatcher
from sim.policing.incidents import IncidentBook
from sim.policing.intake import BackgroundCalls, CallIntake
from sim.policing.offending import CrimeOutcomes, NoCrime, Offending
from sim.policing.patrol import Patrol
from sim.policing.staff_layout import draw_beats, grid_worker_blocks, lay_out_staff, unit_beats
from sim.policing.staffing import Staffing
from sim.policing.tiers import tier_parts, tier_posts
from sim.policing.workforce import Workforce
from sim.scenarios import make_policy


class CommunityPolicingModel(mesa.Model):
    def __init__(self, cfg: Config):
        self.rngs = RngStreams(cfg.root_seed)
        super().__init__(rng=self.rngs["mesa"])
        self.cfg, self.env = cfg, simpy.Environment()
        self.horizon_min = cfg.sim.days * MIN_PER_DAY
        self.warmup_min = cfg.sim.warmup_days * MIN_PER_DAY
        self.policy_start_min = cfg.policy.start_day * MIN_PER_DAY
        self.call_types = scaled_call_types(cfg)
        self.call_cfg = dict(self.call_types)
        self._controls = None
        self._build_district_and_fleet()
        self.parts = self._build_parts()  # in the order of their keys in summary.json
        self.hooks = Hooks(self.parts)
        # what agents, policies and exercises call on the model: the owning parts' methods
        self.new_call, self.register_call_kind = self.intake.new_call, self.intake.register_call_kind
        self.record_incident = self.incident_book.record
        self.apply_duty, self.efficiency = self.staffing.apply_duty, self.staffing.efficiency
        self.redeploy, self.patrol_area = self.patrol.redeploy, self.patrol.patrol_area
        if self.hooks.stay_ended:
            self.fleet.on_stay = self.patrol.stay_ended
        self.policy = make_policy(cfg.policy)
        self.policy.setup(self)
        self.recorder = Recorder(self)
        self._start_processes()

    # --- construction ------------------------------------------------------
    def _build_district_and_fleet(self) -> None:
        """The district with its beats and elderly living alone, the fleet, the staff agents."""
        cfg, c = self.cfg, self.cfg.community
        district, self.travel = district_and_travel(cfg.district, self.rngs["district"])
        self.grid = OrthogonalMooreGrid((district.width, district.height), random=self.random)
        per_office = staff_counts_by_office(cfg, district)
        layout = lay_out_staff(district, per_office, cfg.staffing.posts_m, cfg.exercise.reserves)
        beat, beat_office = draw_beats(layout, district, per_office, self.travel)
        self._people = (place_elderly(district.residents, c.elderly_share, c.elderly_alone_share,
                                      self.rngs["community"]) if c.enabled else None)  # the stream's first draws
        self.district = dataclasses.replace(district, beat=beat, beat_office=beat_office, elderly_alone=(
            self._people.alone_per_cell(district.residents.shape) if c.enabled else None))
        self.tier_posts = tier_posts(cfg.response, district)  # the station's and rapid units, after the office's
        self.fleet = layout.fleet([speed_m_per_min(cfg, role) for role in layout.roles],
                                  unit_beats(layout, beat_office, len(district.offices)), self.tier_posts,
                                  [mode_speed_m_per_min(cfg, mode) for mode in self.tier_posts.modes])
        self.n_rostered, self.n_office_units = layout.n_rostered, len(layout.roles)
        self.grid_worker_blocks = grid_worker_blocks(layout, self.district)
        self.staff = make_staff(self, self.fleet)

    def _build_parts(self) -> list:
        cfg, d = self.cfg, self.district
        clerks = window_clerks(cfg, len(d.offices))
        self.workforce = Workforce.draw(cfg.workforce, self.n_office_units + clerks, self.horizon_min,
                                        partial(self.rngs.child, "workforce"))
        self.staffing = Staffing(self, self.n_rostered, self.workforce, cfg.staffing, cfg.workforce, clerks,
                                 self.tier_posts.shifts, cfg.response.duty_at_station())
        self.patrol = Patrol(self, self.staffing, self.grid_worker_blocks, cfg.travel.takes_time, self.policy_start_min)
        self.residents = ResidentRegistry(self, d.residents, self.rngs["residents"])
        self.intake = CallIntake(self, {name: (c.priority, c.violent, attend_mask(c)) for name, c in self.call_types})
        self.calls = self.intake.calls  # Call objects by call_id
        self.station_duty, self.station_area = tier_parts(self, cfg.response, self.staffing, self.intake.kinds)
        self.dispatcher = configured_dispatcher(self, cfg)
        self.community = (Community(self, cfg.community, self.rngs["community"], self._people, self.intake.ratings)
                          if cfg.community.enabled else None)
        self._build_crime()
        self.incident_book = IncidentBook(self, cfg.crime, self.call_cfg, self.intake.new_call,
                                          assaults=self.crime is not None and "assault" in self.call_cfg)
        self.incidents = self.incident_book.log  # incident rows by incident_id
        outcomes = CrimeOutcomes(self.call_cfg, d, self.call_types, cfg.displacement, cfg.crime, self.policy_start_min)
        self.offending = (Offending(self, self.crime, self.offenders, outcomes, self.incident_book) if self.crime
                          else NoCrime(outcomes))
        self.disputes = (DisputeBook(self, partial(self.rngs.child, "disputes"), self.community.rng,
                                     self.incident_book.escalate) if self.community else None)
        self.service_windows = ServiceWindows(cfg.window, self.n_office_units, self.workforce.efficiency)
        self.feed = BackgroundCalls(self, self.call_types, self.horizon_min, self.intake.new_call,
                                    self.incident_book.escalation)
        community_side = [part for part in (self.community, self.disputes) if part is not None]
        tiers = [part for part in (self.station_duty, self.station_area) if part is not None]
        return [self.offending, *community_side, self.incident_book, self.service_windows, self.staffing, self.feed,
                *tiers]

    def _build_crime(self) -> None:
        """The crime model and its offenders (none: crime off, no crime types or nobody to offend)."""
        cfg, d = self.cfg, self.district
        kinds = [(name, c) for name, c in self.call_types if c.source == "crime"]
        n = offender_count(cfg, d)
        self.crime, self.offenders = None, []
        if cfg.crime.enabled and kinds and n:
            aware = (self.community.aware_share if self.community  # who refuses a fraudster
                     else (lambda flat, share=cfg.community.aware_initial_share: share))
            self.crime = CrimeModel(cfg.crime, kinds, d, self.fleet, n, aware)
            self.offenders = recruit_offenders(self, n, d.residents, self.rngs)

    def _start_processes(self) -> None:
        for part in sorted(self.parts, key=lambda p: p.stage):  # stages 1-5 of the module docstring
            part.start(self)
        self.env.process(self.recorder.sample_every(self.cfg.sim.record_every_min))
        self.patrol.start()
        if self.warmup_min > 0:
            self.env.timeout(self.warmup_min).callbacks.append(self._end_warmup)

    def _end_warmup(self, _event) -> None:
        self.recorder.snapshot_warmup()
        self.dispatcher.reset_areas()

    # --- what agents, policies, exercises and the recorder call ---------------------
    def home_visit(self, unit: int, flat: int) -> None:
        """A unit finished a home visit (大走访) in ``flat``: households reached,
        simmering disputes of the cell surfaced and mediated on the spot."""
        efficiency = self.efficiency(unit)
        for hear in self.hooks.home_visit:
            hear(flat, efficiency)

    def replace_policy(self, policy) -> None:
        """Switch the deployment policy mid-run (a tabletop decision): the new
        one is set up now, re-plans on its own timer, and every idle unit on
        duty is placed by it at once."""
        self.policy.finish(self)
        self.policy = policy
        policy.setup(self)
        self.patrol.follow_new_policy()

    @property
    def controls(self):
        """An exercise's injects and decisions (sim.exercise.controls), when one runs."""
        return self._controls

    @controls.setter
    def controls(self, controls) -> None:
        """Its orders come before the policy's legs; its sick and called-in staff override the roster."""
        self._controls = controls
        self.patrol.orders = controls.next_leg
        self.staffing.duty_override = controls.duty

    def cell_at(self, flat: int):
        return self.grid[(int(flat) // self.district.height, int(flat) % self.district.height)]

    def cell_at_xy(self, x: float, y: float):
        cx, cy = self.district.cell_of(x, y)
        return self.grid[(int(cx), int(cy))]

    def sync_cells(self) -> None:
        """Move staff agents' Mesa cells to their interpolated positions."""
        xs, ys = self.fleet.positions(self.env.now)
        for agent in self.staff:
            agent.cell = self.cell_at_xy(xs[agent.unit], ys[agent.unit])

    # --- records -------------------------------------------------------------------
    def stream_records(self, out, retain: bool = False) -> None:
        """Write calls, incidents and the hourly samples to ``out`` as the run
        goes (flat memory: sim.core.logs); ``retain`` keeps them in memory as well."""
        station = [(self.station_area.calls, "station_calls", CALL_SCHEMA)] if self.station_area else []
        for log, name, schema in ((self.calls, "calls", CALL_SCHEMA), (self.incidents, "incidents", INCIDENT_SCHEMA),
                                  (self.recorder.rows, "timeseries", TIMESERIES_SCHEMA), *station):
            log.stream_to(out / f"{name}.parquet", schema, retain)
        for keep in self.hooks.keep_history:
            keep(retain)

    # --- running ---------------------------------------------------------------
    def step(self) -> None:
        if self.env.now >= self.horizon_min:
            self.running = False
            return
        self.env.run(until=min(self.env.now + self.cfg.sim.tick_min, self.horizon_min))
        self.sync_cells()
        if self.env.now >= self.horizon_min:
            self._finish()

    def run(self, progress=None) -> None:
        """Run to the horizon, a simulated day at a time (for the progress bar)."""
        day = 0
        while self.env.now < self.horizon_min:
            day += 1
            self.env.run(until=min(day * MIN_PER_DAY, self.horizon_min))
            if progress is not None:
                progress(self.env.now / MIN_PER_DAY)
        self.sync_cells()
        self._finish()

    def _finish(self) -> None:
        """Close the run: last (partial) timeseries row at the horizon; policy wrap-up."""
        if not self.running:
            return
        if self.recorder.last_t < self.env.now:
            self.recorder.sample()
        self.policy.finish(self)
        self.running = False

