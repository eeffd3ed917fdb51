"""CommunityPolicingModel: wiring only; the rules live in the modules it wires.

One clock: a ``simpy.Environment`` in minutes. Everything that happens is a
SimPy process or a timed callback:

1. rosters put staff on and off duty (``sim.shifts``);
2. background calls arrive from a pre-drawn stream (``sim.calls``);
3. offenders attempt crimes; reported ones become calls after a delay
   (``sim.agents.offender``, ``sim.crime``);
4. the dispatcher queues calls and sends units (``sim.dispatch``);
5. a unit that becomes free asks the deployment policy where to go
   (``sim.scenarios``); the policy may also re-plan on its own timer;
6. the recorder samples hourly state (``sim.records``).

``Model.step()`` (for Mesa habits and the browser view) advances the clock by
``sim.tick_min`` minutes; ``run()`` runs to the horizon in one go.
"""
from __future__ import annotations

import dataclasses
import math
from functools import partial

import mesa
import numpy as np
import simpy
from mesa.discrete_space import OrthogonalMooreGrid

from sim.agents import STAFF_CLASSES, Offender
from sim.agents.resident import ResidentRegistry
from sim.calls import generate_arrivals, service_minutes
from sim.community import Community
from sim.config import CallTypeConfig, Config, ConfigError
from sim.crime import CrimeModel
from sim.dispatch import Call, Dispatcher
from sim.dispatch_rules import DISPATCH_RULES
from sim.disputes import DisputeBook
from sim.fleet import ROLE_NAMES, Fleet
from sim.logs import RecordLog
from sim.records import CALL_SCHEMA, INCIDENT_SCHEMA, TIMESERIES_SCHEMA, Recorder, calls_table, incidents_table
from sim.rng import RngStreams, choice_cdf, draw_index
from sim.scenarios import make_policy
from sim.shifts import merge, remove_share, roster
from sim.space import (LAND_USE_CODE, assign_beats, assign_beats_to_posts, build_district,
                       grid_blocks_by_office)
from sim.travel import make_travel
from sim.window import ServiceWindow, draw_arrivals
from sim.workforce import Workforce, drop_absences


def scaled_call_types(cfg: Config) -> list[tuple[str, CallTypeConfig]]:
    """The call types with the sweep multipliers of ``cfg.scale`` applied. Rates
    and means scale the draws without changing which random numbers are drawn
    for on-scene times and reporting, so common random numbers survive."""
    sc = cfg.scale
    return [(name, dataclasses.replace(
        c, rate_per_1000_per_year=c.rate_per_1000_per_year * sc.call_rate_factor,
        on_scene_mean_min=c.on_scene_mean_min * sc.on_scene_time_factor,
        report_prob=min(1.0, c.report_prob * sc.report_prob_factor)))
        for name, c in cfg.calls.items()]


def office_staff_counts(cfg: Config, district, office: int) -> dict[str, int]:
    """People of each role at one office, from whichever way the config states it."""
    return cfg.staffing.office_counts(office, int(district.residents[district.office_area == office].sum()))


class CommunityPolicingModel(mesa.Model):
    def __init__(self, cfg: Config):
        self.rngs = RngStreams(cfg.root_seed)
        super().__init__(rng=self.rngs["mesa"])
        self.cfg = cfg
        self.env = simpy.Environment()
        self.horizon_min = cfg.sim.days * 1440.0
        self.warmup_min = cfg.sim.warmup_days * 1440.0
        self.district = build_district(cfg.district, self.rngs["district"])
        self.travel = make_travel(cfg.district.travel, self.district)
        self.grid = OrthogonalMooreGrid((self.district.width, self.district.height), random=self.random)
        self.call_types = scaled_call_types(cfg)
        self.call_cfg = dict(self.call_types)
        self.calls = RecordLog(self._calls_table)  # Call objects by call_id (sim.logs)
        self.incidents = RecordLog(incidents_table)  # incident rows by incident_id
        self._build_staff()
        n_clerks = cfg.window.clerks_per_office * len(self.district.offices) if cfg.window.enabled else 0
        self.workforce = Workforce.draw(cfg.workforce, self.fleet.n + n_clerks, self.horizon_min,
                                        lambda i: self.rngs.child("workforce", i))
        dc = cfg.dispatch
        self.dispatcher = Dispatcher(
            self.env, self.fleet, self.travel, cfg.travel.turnout_min, dc.discipline, dc.capacity,
            rule=DISPATCH_RULES[dc.name]({int(k): list(v) for k, v in dc.preference_lists.items()}),
            travel_takes_time=cfg.travel.takes_time,
            preempt_priority_min=dc.preempt_priority_min if dc.preempt else None,
            on_idle=self._unit_idle, on_off_duty=self._unit_off_duty, on_clear=self._call_cleared,
            on_final=self._call_final,
            scene_factor=(lambda i: 1.0 / self.efficiency(i)) if cfg.workforce.new_staff_efficiency < 1.0 else None)
        self._call_kind = {name: (c.priority, c.violent,
                                  np.array([STAFF_CLASSES[r].can_attend(c) for r in ROLE_NAMES]))
                           for name, c in self.call_types}  # looked up once per call
        self._beat_of = self.district.beat.ravel().tolist()
        self._office_of = self.district.office_area.ravel().tolist()
        self.residents = ResidentRegistry(self, self.district.residents, self.rngs["residents"])
        self.community = Community(self, cfg.community, self.rngs["community"]) if cfg.community.enabled else None
        self._build_offenders()
        if self.crime is not None:
            self.crime.aware_share = (self.community.aware_share if self.community is not None
                                      else (lambda flat, s=cfg.community.aware_initial_share: s))
        self.disputes = DisputeBook(self, lambda k: self.rngs.child("disputes", k)) if self.community else None
        self._leg_action: dict[int, tuple] = {}  # unit -> (leg token, what to do when the stay is over)
        self.arrests = 0
        self._patrol_token = np.full(len(self.fleet.role), -1, dtype=np.int64)
        self._rostered = np.zeros(len(self.fleet.role), dtype=bool)  # what the roster says now
        self.controls = None  # an exercise's injects and decisions (sim.exercise.controls), when one runs
        self._replan_generation = 0
        self._duty_start = np.full(len(self.fleet.role), np.inf)  # start of the current or last shift
        self._duty_end = np.full(len(self.fleet.role), -np.inf)  # end of the last shift
        if self.crime is not None or self.community is not None:
            self.fleet.on_stay = self._stay_ended
        self._patrol_cells: dict = {}
        self.policy = make_policy(cfg.policy)
        self.policy_start_min = cfg.policy.start_day * 1440.0
        self.policy.setup(self)
        self.recorder = Recorder(self)
        self._start_processes()

    # --- construction ------------------------------------------------------
    def _staff_counts(self, office: int) -> dict[str, int]:
        return office_staff_counts(self.cfg, self.district, office)

    def _build_staff(self) -> None:
        d, s = self.district, self.cfg.staffing
        per_office = [self._staff_counts(o) for o in range(len(d.offices))]
        roles, posts, offices, rank, agents = [], [], [], [], []
        for o, counts in enumerate(per_office):
            for role in ROLE_NAMES:
                for j in range(counts[role]):
                    roles.append(role)
                    posts.append(d.cell_centre_m(*d.offices[o]))
                    offices.append(o)
                    rank.append(j)
        posts = np.array(posts, float).reshape(-1, 2)
        if s.posts_m is not None:
            if len(s.posts_m) != len(roles):
                raise ConfigError("staffing.posts_m", f"{len(s.posts_m)} posts",
                                  f"needs one [x_m, y_m] per unit: {len(roles)}")
            posts = np.array(s.posts_m, float)
        # an exercise's reserves: off the roster, at their office, after everyone else (unit numbers unchanged)
        self.n_rostered = len(roles)
        reserves = self.cfg.exercise.reserves
        for o in range(len(d.offices)):
            for role in ROLE_NAMES:
                for j in range(int(reserves.get(role, 0))):
                    roles.append(role)
                    offices.append(o)
                    rank.append(per_office[o][role] + j)
        if len(roles) > self.n_rostered:
            extra = [d.cell_centre_m(*d.offices[o]) for o in offices[self.n_rostered:]]
            posts = np.vstack([posts, np.array(extra, float)])
        if d.beat_layout == "nearest_post":
            officer_posts = [posts[[i for i, r in enumerate(roles[:self.n_rostered])
                                    if r == "officer" and offices[i] == o]] for o in range(len(d.offices))]
            assign_beats_to_posts(d, officer_posts, self.travel)
        else:
            assign_beats(d, [max(1, c["officer"]) for c in per_office])
        first_beat = np.searchsorted(d.beat_office, np.arange(len(d.offices)))
        n_beats = np.bincount(d.beat_office, minlength=len(d.offices))
        beats = [int(first_beat[o] + j % n_beats[o]) for o, j in zip(offices, rank)]  # "1+2" teams
        factor = self.cfg.scale.travel_speed_factor
        speeds = [self.cfg.travel.speed_kmh[s.mode[r]] * factor * 1000.0 / 60.0 for r in roles]
        self.fleet = Fleet(roles, posts, np.array(speeds),
                           np.array(offices, int), np.array(beats, int))
        # each grid cell (网格) of an office has one responsible grid worker (DOMAIN §1)
        self.grid_worker_blocks: dict[int, np.ndarray] = {}
        blocks = grid_blocks_by_office(d)
        for o in range(len(d.offices)):
            workers = [i for i, r in enumerate(roles) if r == "grid_worker" and offices[i] == o]
            for rank, i in enumerate(workers):
                self.grid_worker_blocks[i] = blocks[o][rank::len(workers)]
        for i, role in enumerate(roles):
            agent = STAFF_CLASSES[role](self, i, offices[i], beats[i])
            agent.cell = self.cell_at_xy(*self.fleet.post[i])
            agents.append(agent)
        self.staff = agents

    def _build_offenders(self) -> None:
        kinds = [(n, c) for n, c in self.call_types if c.source == "crime"]
        total = int(self.district.residents.sum())
        n = int(round(self.cfg.crime.offenders_per_10k_residents * total / 10_000))
        if not self.cfg.crime.enabled or not kinds or n == 0:
            self.crime, self.offenders = None, []
            return
        rng = self.rngs["crime"]
        self.crime = CrimeModel(self.cfg.crime, kinds, self.district, self.fleet, n)
        self._passer_by_cdf = choice_cdf(self.district.residents.ravel() / total)  # anyone, by where they live
        p = self.district.residents.ravel() / total
        homes = rng.choice(len(p), size=n, p=p)
        self.offenders = [Offender(self, k, int(h), self.rngs.child("crime", k))
                          for k, h in enumerate(homes)]

    def _start_processes(self) -> None:
        env, s = self.env, self.cfg.staffing
        staffing_rng = self.rngs["staffing"]
        self.duty_min = np.zeros(self.fleet.n)  # community on-duty minutes per post (relief factor)
        self.duty_intervals: list[np.ndarray] = []  # per post, (start, end) rows: the planner's staffed time by shift
        counters: dict[str, int] = {}
        for i, role in enumerate(self.fleet.role_name):
            if i >= self.n_rostered:  # reserves: on duty only when called in (sim.exercise)
                self.duty_intervals.append(np.empty((0, 2)))
                continue
            k = counters[role] = counters.get(role, -1) + 1
            duty = roster(k, self.policy.shift(role, s.shifts[role]), self.horizon_min)
            if role == "officer":
                duty = remove_share(duty, s.officer_non_community_share, staffing_rng)
            duty = drop_absences(duty, self.cfg.workforce.absence_share, self.rngs.child("workforce", 2**31 + i))  # absences
            duty = merge(self.workforce.cut_vacancies(i, duty))
            self.duty_min[i] = sum(b - a for a, b in duty)
            duty = np.array(duty, dtype=float).reshape(-1, 2)  # compact: a run's rosters are built up front
            self.duty_intervals.append(duty)
            env.process(self._roster(i, duty))
        self.stream = generate_arrivals(self.call_types, self.district, self.horizon_min,
                                        self.rngs["arrivals"], self.rngs["service"], self.rngs["escalation"])
        if self.disputes is not None:  # the dispute behind each dispute call (visits may surface it before)
            self.disputes.plan(self.stream, self.district, [n for n, _ in self.call_types])
        self._feed = self._background_calls()
        self._next_background_call(None)
        self.windows = self._open_windows() if self.cfg.window.enabled else []
        if self.community is not None:
            env.process(self.community.daily())
        for offender in self.offenders:
            env.process(offender.life(self.crime))
        env.process(self.recorder.sample_every(self.cfg.sim.record_every_min))
        if self.policy.replan_every_min:
            env.process(self._replan())
        if self.policy_start_min > 0:
            env.timeout(self.policy_start_min).callbacks.append(self._start_policy)
        if self.warmup_min > 0:
            env.timeout(self.warmup_min).callbacks.append(self._end_warmup)

    def _end_warmup(self, _event) -> None:
        self.recorder.snapshot_warmup()
        self.dispatcher.reset_areas()

    # --- processes -----------------------------------------------------------
    def _roster(self, i: int, duty: np.ndarray):
        for k in range(len(duty)):
            start, end = float(duty[k, 0]), float(duty[k, 1])
            yield self.env.timeout(start - self.env.now)
            self._rostered[i] = True
            self.apply_duty(i)
            yield self.env.timeout(end - self.env.now)
            self._rostered[i] = False
            self.apply_duty(i)

    def apply_duty(self, i: int) -> None:
        """Put unit i on or off duty as its roster says, unless an exercise
        has it off sick or called in (``controls.duty``)."""
        on = bool(self._rostered[i])
        if self.controls is not None:
            on = self.controls.duty(i, on)
        if on == bool(self.fleet.on_duty[i]):
            return
        if on:
            self._duty_start[i] = self.env.now
        else:
            self._duty_end[i] = self.env.now
        self.dispatcher.set_on_duty(i, on)

    def _background_calls(self, chunk: int = 4096):
        """The pre-drawn stream as tuples, a chunk at a time (the arrays stay
        compact; Python floats for the whole run would grow with its length)."""
        s, names = self.stream, [name for name, _ in self.call_types]
        for a in range(0, len(s), chunk):
            b = min(a + chunk, len(s))
            yield from zip(s.t_min[a:b].tolist(), [names[k] for k in s.type_index[a:b].tolist()],
                           s.x_m[a:b].tolist(), s.y_m[a:b].tolist(), s.on_scene_min[a:b].tolist(),
                           s.u_escalate[a:b].tolist(), range(a, b))

    def _next_background_call(self, _event) -> None:
        """Submit the call that is due (if any) and time the next one: a chain of
        timed callbacks through the pre-drawn stream."""
        if _event is not None:
            _, name, x, y, scene, u_escalate, k = self._due
            dispute = self.disputes.for_call(k) if self.disputes is not None else None
            if dispute is not None:  # the parties call, unless a visit took the dispute up already
                self.disputes.call_due(dispute, 0, u_escalate)
            else:
                call = self.new_call(name, x, y, scene, "background")
                if name == "dispute":
                    call.after_clear = partial(self._escalation, u_escalate)
        self._due = next(self._feed, None)
        if self._due is not None:
            self.env.timeout(self._due[0] - self.env.now).callbacks.append(self._next_background_call)

    def _start_policy(self, _event) -> None:
        """Set every idle on-duty unit going when the policy starts."""
        for i in np.flatnonzero(self.fleet.on_duty & ~self.fleet.busy).tolist():
            self._unit_idle(i)

    def _replan(self, generation: int = 0):
        while True:
            yield self.env.timeout(self.policy.replan_every_min)
            if generation != self._replan_generation:
                return  # the policy was replaced
            self.policy.act(self)

    def replace_policy(self, policy) -> None:
        """Switch the deployment policy mid-run (a tabletop decision): the new
        one is set up now, re-plans on its own timer, and every idle unit on
        duty is placed by it at once."""
        self.policy.finish(self)
        self.policy = policy
        policy.setup(self)
        self._replan_generation += 1
        if policy.replan_every_min:
            self.env.process(self._replan(self._replan_generation))
        for i in np.flatnonzero(self.fleet.on_duty & ~self.fleet.busy).tolist():
            self._unit_idle(i)

    # --- public methods used by agents, policies and the recorder ------------
    def new_call(self, kind: str, x: float, y: float, on_scene_min: float, source: str,
                 caller_id: int | None = None, needs: list | None = None) -> Call:
        d = self.district
        cx = min(max(int(x // d.cell_size_m), 0), d.width - 1)
        cy = min(max(int(y // d.cell_size_m), 0), d.height - 1)
        flat = cx * d.height + cy
        if caller_id is None and kind == "elderly_alarm" and self.community is not None:
            caller_id = self.community.pick_alone_elderly(flat)  # one-click alarms
        if caller_id is None:
            caller_id = self.residents.pick_id(flat)
        if caller_id >= 0:
            self.residents.calls_made[caller_id] += 1
        priority, violent, eligible = self._call_kind[kind]
        call = Call(len(self.calls), kind, priority, self.env.now, x, y, on_scene_min, eligible,
                    source, self._beat_of[flat], self._office_of[flat], caller_id)
        call.violent = violent
        self.calls.append(call)
        self.dispatcher.submit(call, needs)
        return call

    def register_call_kind(self, kind: str, priority: int, violent: bool, roles: list[str]) -> np.ndarray:
        """A call type made by the model or an exercise rather than configured (e.g. a major incident)."""
        mask = np.array([r in roles for r in ROLE_NAMES])
        self._call_kind[kind] = (priority, violent, mask)
        return mask

    def commit_crime(self, offender, kind: str, x: float, y: float, flat: int, guardians: int,
                     rng: np.random.Generator) -> None:
        """Record a crime; if it is reported, a call follows after a delay. ``rng``
        is the attempt's own generator: every draw below is made for every crime."""
        passer_by = draw_index(rng, self._passer_by_cdf)
        victim_id = self.residents.pick_id(flat, rng)
        if victim_id < 0:  # nobody lives at the target (a shop, a market): a passer-by
            victim_id = self.residents.pick_id(passer_by, rng)
        victim = self.residents.agent(victim_id)
        self.residents.victimised[victim_id] += 1
        cfg = self.call_cfg[kind]
        u_report, delay = rng.random(), float(rng.exponential(self.cfg.crime.report_delay_mean_min))
        scene = float(service_minutes(rng, cfg.on_scene_dist, cfg.on_scene_mean_min, cfg.on_scene_cv, 1)[0])
        u_clear = rng.random()
        witnesses = self.crime.witnesses(x, y, self.env.now)
        seen = witnesses > 0 or bool(self.crime.cameras[flat])  # volunteers and cameras report what they see
        p_report = cfg.report_prob if self.community is None else self.community.report_prob(victim_id, cfg.report_prob)
        reported = bool(u_report < p_report or seen)
        self.record_incident(kind, x, y, offender, victim, guardians, reported, delay, scene, u_clear)

    def record_incident(self, kind, x, y, offender, victim, guardians, reported, delay, scene, u_clear):
        incident_id = len(self.incidents)
        self.incidents.append([incident_id, kind, self.env.now, x, y,
                               offender.offender_id if offender is not None else -1,
                               victim.resident_id, guardians, reported, -1])
        if self.crime is not None:
            self.crime.committed(kind, self.env.now, x, y)
        if reported:
            self.env.timeout(delay).callbacks.append(
                partial(self._report, incident_id, victim, scene, offender, u_clear))
        else:
            self.incidents.finish(incident_id)

    def _report(self, incident_id: int, victim, scene: float, offender, u_clear: float, _event) -> None:
        row = self.incidents[incident_id]
        kind, x, y = row[1], row[3], row[4]
        call = self.new_call(kind, x, y, scene, "crime", caller_id=victim.resident_id)
        row[9] = call.call_id
        self.incidents.finish(incident_id)
        if offender is not None:
            call.after_clear = partial(self._clearance, offender, u_clear)

    def _call_final(self, call: Call) -> None:
        self.calls.finish(call.call_id)

    def _calls_table(self, calls: list[Call]):
        """Arrow rows of some calls (sim.logs): once a call's row is made while
        streaming, its rating is no longer kept in memory."""
        rated = self.community.call_satisfaction if self.community is not None else {}
        if self.calls.streaming and not self.calls.retain:
            rated = {c.call_id: rated.pop(c.call_id) for c in calls if c.call_id in rated}
        return calls_table(calls, self.fleet, rated)

    def stream_records(self, out, retain: bool = False) -> None:
        """Write calls, incidents and the hourly samples to ``out`` as the run
        goes (flat memory: sim.logs); ``retain`` keeps them in memory as well."""
        for log, name, schema in ((self.calls, "calls", CALL_SCHEMA), (self.incidents, "incidents", INCIDENT_SCHEMA),
                                  (self.recorder.rows, "timeseries", TIMESERIES_SCHEMA)):
            log.stream_to(out / f"{name}.parquet", schema, retain)
        if self.disputes is not None:
            self.disputes.keep_history(retain)
        if self.crime is not None and not retain:
            self.crime.deterred = None

    def release_inputs(self) -> None:
        """After the run: drop what was drawn up front for the whole horizon
        (the background call stream, rosters, the disputes' draws), which the
        summary does not read, before the records are read back (sim.run)."""
        self.stream = None
        self._feed = None
        self.duty_intervals = []
        if self.disputes is not None:
            self.disputes.release_plan()

    def _call_cleared(self, call: Call) -> None:
        outcome = call.after_clear(call) if call.after_clear is not None else None
        if self.community is not None and call.units[0] >= 0:
            self.community.call_cleared(call, outcome, self.efficiency(call.units[0]))

    def _clearance(self, offender, u_clear: float, call: Call) -> None:
        """A served crime call clears the crime (an arrest) with clearance_prob:
        the offender is off the street for incapacitation_days."""
        c = self.cfg.crime
        if u_clear < c.clearance_prob:
            offender.arrested(self.env.now + c.incapacitation_days * 1440.0)
            self.arrests += 1
            return 1.0
        return 0.5  # served, nobody caught: half an outcome in the victim's eyes; assumption

    def _escalation(self, u: float, call: Call) -> None:
        """The longer a dispute waited for a unit, the likelier it became an
        assault (民转刑): an incident, reported at once by the parties.
        Decided (and recorded) when the dispute call is cleared: disputes
        still waiting at the end of the run do not escalate."""
        c = self.cfg.crime
        response = call.t_on_scene - call.t_arrival
        if self.crime is None or "assault" not in self.call_cfg or call.caller_id < 0:
            return  # no party to be assaulted
        if u < c.escalation_prob_max * (1.0 - math.exp(-max(response, 0.0) / c.escalation_wait_min)):
            self.escalate(call.caller_id, call.x, call.y)

    def escalate(self, party: int, x: float, y: float) -> None:
        """A dispute turned into an assault on ``party`` (民转刑): an incident the
        parties report at once."""
        if self.crime is None or "assault" not in self.call_cfg or party < 0:
            return
        victim = self.residents.agent(party)
        self.residents.victimised[party] += 1
        scene = self.call_cfg["assault"].on_scene_mean_min
        self.record_incident("assault", x, y, None, victim, 0, True, 0.0, scene, 1.0)

    def efficiency(self, post: int) -> float:
        """Capability of whoever holds this post now (new staff are in training)."""
        return self.workforce.efficiency(post, self.env.now)

    def home_visit(self, unit: int, flat: int) -> None:
        """A unit finished a home visit (大走访) in ``flat``: households reached,
        simmering disputes of the cell surfaced and mediated on the spot."""
        if self.community is None:
            return
        self.community.home_visit(flat, self.efficiency(unit))
        for dispute in self.disputes.visit(flat):
            self.disputes.mediate_early(dispute)

    def _open_windows(self) -> list:
        """One service window per office; its clerks are posts after the fleet's."""
        w, d, out = self.cfg.window, self.district, []
        for o in range(len(d.offices)):
            area = (d.office_area == o).ravel()
            residents = int(d.residents.ravel()[area].sum())
            rng = self.rngs.child("window", o)
            arrivals = draw_arrivals(rng, w.requests_per_1000_per_year * residents / 1000.0 / 365.0,
                                     self.horizon_min, w.open_h, w.close_h, w.online_share, w.self_service_share,
                                     w.service_mean_min, w.service_cv, w.kiosk_min)
            posts = range(self.fleet.n + o * w.clerks_per_office, self.fleet.n + (o + 1) * w.clerks_per_office)
            efficiency = partial(self._mean_efficiency, list(posts))
            weights = d.residents.ravel() * area
            window = ServiceWindow(self.env, w.clerks_per_office, arrivals, efficiency=efficiency)
            if self.community is not None:
                visitors = rng.choice(len(weights), size=len(arrivals), p=weights / weights.sum()) if residents else []
                window.on_served = partial(self._window_served, window, visitors, efficiency)
            out.append(window)
        return out

    def _mean_efficiency(self, posts: list[int], t: float) -> float:
        """Mean capability of a window's clerks at time t (twice per visit).
        Summed in order, which is what np.mean does for up to 8 values, at a
        tenth of its cost; np.mean itself beyond (pairwise summation)."""
        values = [self.workforce.efficiency(p, t) for p in posts]
        if len(values) > 8:
            return float(np.mean(values))
        total = 0.0
        for v in values:
            total += v
        return total / len(values)

    def _window_served(self, window, visitors, efficiency, k: int) -> None:
        if window.arrivals.kiosk[k]:
            return  # self-service: no one to rate
        resident = self.residents.pick_id(int(visitors[k]), self.community.rng)
        self.community.window_served(resident, window.wait_of(k), efficiency(self.env.now))

    def patrol_area(self, unit: int, scope: str) -> np.ndarray:
        """Flat cells a unit may patrol, off the mountainside: a grid worker's own
        grid cells; otherwise its beat or its office area (``scope``)."""
        d = self.district
        if unit in self.grid_worker_blocks:
            key = ("grid", unit)
        else:
            key = (scope, int(self.fleet.beat[unit] if scope == "beat" else self.fleet.office[unit]))
        cells = self._patrol_cells.get(key)
        if cells is None:
            if key[0] == "grid":
                area = np.isin(d.grid_block, self.grid_worker_blocks[unit]) & (
                    d.office_area == self.fleet.office[unit])
            else:
                area = d.beat == key[1] if key[0] == "beat" else d.office_area == key[1]
            cells = d.cells_where(area & (d.land_use != LAND_USE_CODE["mountain"]))
            if len(cells) == 0:
                cells = d.cells_where(area)
            if len(cells) == 0:  # e.g. more grid workers than grid cells: the office area
                cells = d.cells_where(d.office_area == self.fleet.office[unit])
            self._patrol_cells[key] = cells
        return cells

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

    # --- movement between calls ----------------------------------------------
    def redeploy(self, i: int) -> None:
        """Send an idle on-duty unit where its orders or the policy say, now."""
        if self.fleet.on_duty[i] and not self.fleet.busy[i]:
            self._unit_idle(i)

    def _unit_idle(self, i: int) -> None:
        ordered = self.controls.next_leg(i) if self.controls is not None else None  # a trainee's order first
        if ordered == "post" or (ordered is None and self.env.now < self.policy_start_min):
            self._go_to_post(i)  # (before/after designs: the policy starts later)
            return
        leg = ordered if ordered is not None else self.policy.next_leg(self, i)
        if leg is None:
            self._go_to_post(i)
            return
        x, y, dwell = leg[:3]
        now = self.env.now
        minutes = self._leg_minutes(i, x, y)
        self.fleet.start_leg(i, now, x, y, minutes)
        token = int(self.fleet.leg_token[i])
        if (x, y) != (float(self.fleet.post[i, 0]), float(self.fleet.post[i, 1])):
            self._patrol_token[i] = token  # a wait at the post is not a patrol stop
        if len(leg) > 3:  # e.g. a home visit: done when the stay is over, unless interrupted
            self._leg_action[i] = (token, leg[3])
        self.env.timeout(minutes + max(dwell, 1.0)).callbacks.append(partial(self._leg_done, i, token))

    def _stay_ended(self, i: int, x: float, y: float, arrived: float, left: float, token: int) -> None:
        """Only the on-duty part of a stay deters: from this shift's start (a
        unit parked at its post overnight) to now, or to the shift's end when
        the stay ends as the shift does. A leg scheduled after turnout starts
        later than now: the stay ends now."""
        left = min(left, self.env.now)
        arrived = max(arrived, self._duty_start[i])
        if not self.fleet.on_duty[i]:
            left = min(left, self._duty_end[i])
        if left > arrived:
            patrol = token == self._patrol_token[i]
            if self.crime is not None:
                self.crime.record_stay(x, y, arrived, left, patrol=patrol)
            if patrol and self.community is not None:  # residents see the patrol
                cx, cy = self.district.cell_of(x, y)
                self.community.patrol_seen(int(cx) * self.district.height + int(cy), left - arrived)

    def _leg_done(self, i: int, token: int, _event) -> None:
        if self.fleet.leg_token[i] == token and self.fleet.on_duty[i] and not self.fleet.busy[i]:
            action = self._leg_action.pop(i, None)
            if action is not None and action[0] == token:
                action[1]()
            if self.fleet.leg_token[i] == token and self.fleet.on_duty[i] and not self.fleet.busy[i]:
                self._unit_idle(i)

    def _go_to_post(self, i: int) -> None:
        now = self.env.now
        x, y = self.fleet.post[i]
        if self.fleet.t1[i] <= now and self.fleet.x1[i] == x and self.fleet.y1[i] == y:
            return  # already there
        self.fleet.start_leg(i, now, x, y, self._leg_minutes(i, x, y))

    def _leg_minutes(self, i: int, x: float, y: float) -> float:
        """Travel time of a move; zero when travel is folded into service."""
        if not self.cfg.travel.takes_time:
            return 0.0
        px, py = self.fleet.position_of(i, self.env.now)
        return float(self.travel.distance_m(px, py, x, y)) / self.fleet.speed[i]

    def _unit_off_duty(self, i: int) -> None:
        self._go_to_post(i)

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
            self.env.run(until=min(day * 1440.0, self.horizon_min))
            if progress is not None:
                progress(self.env.now / 1440.0)
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
