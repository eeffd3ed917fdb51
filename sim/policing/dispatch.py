"""The dispatch layer: a priority queue of calls and the rule that picks units.

It runs on a bare ``simpy.Environment`` with a ``Fleet`` and an optional travel
model, so the very code path the full model uses can be checked against
queueing theory with travel switched off (VALIDATION.md). It knows units and
calls; it knows nothing of Mesa agents, plots or Hydra.

Life of a call: ``submit`` -> (queue) -> each unit it needs is assigned and
travels (turnout + travel) -> when the last one arrives, on-scene work starts
-> clear, and every unit is freed. A call needing two units (a violent call
under the "1+2" team rule) stays queued until both are assigned; each assigned
unit sets off at once. Times recorded:

- ``t_dispatch``: when the call became fully assigned;
- ``t_on_scene``: when the last needed unit arrived (response = this - arrival);
- so wait = t_dispatch - t_arrival and travel = t_on_scene - t_dispatch add up
  to the response time.

Optional pre-emption: a priority-1 call that finds no free unit may take one
off a low-priority single-unit call, which goes back to the queue (keeping its
place) and resumes its remaining on-scene work later.

Tiers (issue 19): every unit belongs to a tier (office, station, rapid:
``fleet.tier``) and every call says which tiers may take it (``call.tiers``,
bits ``1 << tier``). The dispatch rule sets a call's tiers when it arrives and
may widen them after a wait (``office_first`` escalates to the station after
``response.escalate_after_min``). With office units only, none of this
changes a draw or an event: the model before tiers.
"""
from __future__ import annotations

import math
from bisect import bisect_left, insort
from functools import partial
from typing import Callable

import numpy as np

from sim.core.fleet import Fleet
from sim.policing.call import NAN, Call
from sim.policing.dispatch_rules import DispatchRule, NearestRule

class Dispatcher:
    """Non-preemptive priority queue (FCFS within a class) + a dispatch rule."""

    def __init__(self, env, fleet: Fleet, travel=None, turnout_min: float = 0.0,
                 discipline: str = "priority", capacity: str = "infinite",
                 rule: DispatchRule | None = None, travel_takes_time: bool = True,
                 preempt_priority_min: int | None = None,
                 on_idle: Callable[[int], None] | None = None,
                 on_off_duty: Callable[[int], None] | None = None,
                 on_clear: Callable[[Call], None] | None = None,
                 on_final: Callable[[Call], None] | None = None,
                 scene_factor: Callable[[int], float] | None = None,
                 recall=None):
        self.env, self.fleet, self.travel = env, fleet, travel
        self.turnout_min = turnout_min
        self.discipline, self.capacity = discipline, capacity
        self.rule = rule or NearestRule()
        self.travel_takes_time = travel_takes_time
        self.preempt_priority_min = preempt_priority_min
        self.on_idle = on_idle or (lambda i: None)
        self.on_off_duty = on_off_duty or (lambda i: None)
        self.on_clear = on_clear or (lambda call: None)  # a call was served (clearance, escalation)
        self.on_final = on_final or (lambda call: None)  # a call will not change any more (served or lost)
        self.scene_factor = scene_factor  # on-scene time multiplier of a lead unit (new staff are slower)
        self.intake_delay_min = 0.0  # minutes before a new call reaches the dispatcher (sim.exercise outages)
        # officers busy at the station who may be recalled (sim.policing.station_duty.StationDuty); None: nobody
        self.recall = recall
        # any unit beyond the office, or a rule that keeps a call to its own office first: check each call
        self.multi_tier = bool(fleet.tier.any()) or (
            self.rule.own_office_first and len(np.unique(fleet.office[fleet.tier == 0])) > 1)
        self.p1_speed_factor = 1.0  # priority-1 runs of cars with lights and sirens (response.p1_speed_factor)
        self._units_by_tiers: dict[int, np.ndarray] = {}
        self.queue: list[tuple] = []  # (rank, arrival, seq, call), the most urgent first
        # the same entries by who may take them ((tiers, only_office): sim.policing.call): a freed unit looks
        # only at calls it may take, so a long queue of the station's own calls costs the office nothing
        self._queues: dict[tuple[int, int], list[tuple]] = {}
        self.current: dict[int, Call] = {}  # unit -> the call it is on
        self._units_by_need: dict[bytes, np.ndarray] = {}
        self._seq = 0
        # time-integrals of queue and system sizes (Little's law)
        self.in_system = 0
        self.area_queue = self.area_system = 0.0
        self._area_since = self._last_t = 0.0

    # --- public ------------------------------------------------------------
    def submit(self, call: Call, needs: list[np.ndarray] | None = None) -> None:
        """Take a call (``needs``: role masks, one per unit, to override the
        rule's, e.g. a major incident needing several units at once). While
        ``intake_delay_min`` > 0 (a platform outage: calls relayed by phone)
        the dispatcher sees the call only that much later."""
        if self.intake_delay_min > 0:
            self.env.timeout(self.intake_delay_min).callbacks.append(partial(self._take, call, needs))
        else:
            self._take(call, needs)

    def _take(self, call: Call, needs: list[np.ndarray] | None = None, _event=None) -> None:
        if not call.tiers:
            call.tiers = self.rule.tiers(self, call)
            if self.multi_tier and self.rule.own_office_first:
                call.only_office = call.office
        call.needs = self.rule.needs(self, call) if needs is None else list(needs)
        call.units = [-1] * len(call.needs)
        call.arrived = [False] * len(call.needs)
        wider = self.rule.escalation(self, call) if self.multi_tier else 0
        after = self.rule.escalate_after(call) if (wider & ~call.tiers) or call.only_office >= 0 else None
        at_once = after is not None and after <= 0  # the command centre does not wait (priority 1 by default)
        if self.capacity == "loss" and not self._can_fill_now(call):
            if at_once:  # lost only if no tier it may widen to has a free unit either
                call.tiers, call.only_office, call.escalated = call.tiers | wider, -1, True
            if not at_once or not self._can_fill_now(call):
                call.outcome, call.t_clear, call.escalated = "lost", self.env.now, False
                self.on_final(call)
                return
        self._count(+1)
        self._fill(call)
        if not call.filled() and at_once:  # the other tiers before taking a unit off another call
            self._widen(call, wider)
        if not call.filled() and self.preempt_priority_min is not None and call.priority == 1:
            self._preempt_for(call)
        if not call.filled() and self.recall is not None and self.recall.allows(call):
            self._recall_for(call)
        if not call.filled():
            self._enqueue(call)
            if after is not None and after > 0:
                self.env.timeout(after).callbacks.append(partial(self._escalate, call, wider))

    def set_on_duty(self, i: int, flag: bool) -> None:
        """Shift start/end. A busy unit finishes its call before going off."""
        if bool(self.fleet.on_duty[i]) == flag:
            return
        self.fleet.set_on_duty(i, flag, self.env.now)
        if self.fleet.busy[i]:
            return
        if flag:
            self._unit_freed(i)
        else:
            self.on_off_duty(i)

    def release(self, i: int) -> None:
        """A unit busy with something other than a call (station duty) is free again."""
        self.fleet.set_busy(i, False, self.env.now)
        if self.fleet.on_duty[i]:
            self._unit_freed(i)
        else:
            self.on_off_duty(i)

    def queued(self) -> int:
        return len(self.queue)

    def reset_areas(self) -> None:
        """Start the Little's-law integrals afresh (end of warm-up)."""
        self._advance_areas()
        self.area_queue = self.area_system = 0.0
        self._area_since = self.env.now

    def mean_sizes(self) -> tuple[float, float]:
        """Time-average number waiting and number in system since the last reset."""
        self._advance_areas()
        span = self.env.now - self._area_since
        return (self.area_queue / span, self.area_system / span) if span > 0 else (NAN, NAN)

    # --- rules -------------------------------------------------------------
    def distances_m(self, units: np.ndarray, call: Call) -> np.ndarray:
        if self.travel is None:
            return np.zeros(len(units))
        px, py = self.fleet.positions(self.env.now, units)
        return np.asarray(self.travel.distance_m(px, py, call.x, call.y), dtype=float)

    def travel_minutes(self, units: np.ndarray, call: Call) -> np.ndarray:
        """Travel time of each unit to the call (distance if travel takes no time)."""
        d = self.distances_m(units, call)
        return d / self.fleet.speed[units] if self.travel_takes_time else d

    def _units_of(self, need: np.ndarray) -> np.ndarray:
        """Units whose role satisfies a role mask (roles never change: cached)."""
        key = need.tobytes()
        units = self._units_by_need.get(key)
        if units is None:
            units = self._units_by_need[key] = need[self.fleet.role]
        return units

    def _units_in(self, call: Call) -> np.ndarray:
        """Units of the call's tiers (and of its office while it is kept to it); cached."""
        key = (call.tiers, call.only_office)
        units = self._units_by_tiers.get(key)
        if units is None:
            units = ((call.tiers >> self.fleet.tier.astype(np.int64)) & 1).astype(bool)
            if call.only_office >= 0:
                units &= self.fleet.office == call.only_office
            self._units_by_tiers[key] = units
        return units

    def _candidates(self, call: Call, k: int, pool: np.ndarray) -> np.ndarray:
        mask = pool & self._units_of(call.needs[k])
        if self.multi_tier:
            mask &= self._units_in(call)
        if len(call.units) > 1:
            taken = [u for u in call.units if u >= 0]
            if taken:
                mask[taken] = False
        return mask.nonzero()[0]

    def _can_fill_now(self, call: Call) -> bool:
        free = self.fleet.available().copy()
        if self.multi_tier:
            free &= self._units_in(call)
        for need in call.needs:
            options = np.flatnonzero(free & self._units_of(need))
            if len(options) == 0:
                return False
            free[options[0]] = False
        return True

    def _fill(self, call: Call) -> None:
        for k in call.pending():
            candidates = self._candidates(call, k, self.fleet.available())
            if len(candidates):
                self._assign(call, k, self.rule.choose(self, call, candidates))

    def _assign(self, call: Call, k: int, i: int, extra_turnout_min: float = 0.0) -> None:
        fleet, now = self.fleet, self.env.now
        if i in self.current:  # a broken invariant must stop the run, not skew it
            raise RuntimeError(f"unit {i} is already on call {self.current[i].call_id}")
        if not fleet.busy[i]:
            fleet.set_busy(i, True, now)
        self.current[i] = call
        if self.travel is None:
            distance = 0.0
        else:  # one unit: the scalar path (this runs once per assignment)
            px, py = fleet.position_of(i, now)
            distance = float(self.travel.distance_m(px, py, call.x, call.y))
        speed = fleet.speed[i] * self.p1_speed_factor if call.priority == 1 and fleet.siren[i] else fleet.speed[i]
        minutes = distance / speed + call.extra_travel_min if self.travel_takes_time else 0.0
        turnout = self.turnout_min
        if self.multi_tier or extra_turnout_min:
            turnout += float(fleet.extra_turnout[i]) + extra_turnout_min
        if k == 0 and math.isnan(call.travel_m):
            call.travel_m = distance
        call.units[k] = i
        if self.travel is not None and self.travel_takes_time:
            fleet.hold(i, now)
            fleet.start_leg(i, now + turnout, call.x, call.y, minutes)
        if call.filled():
            if math.isnan(call.t_dispatch):
                call.t_dispatch = now
            if call.queued:
                self._dequeue(call)
        # timed callbacks rather than processes: two events per trip instead of four;
        # a zero-length trip (unit already there, travel folded into service) arrives now
        delay = turnout + minutes
        if delay > 0:
            self.env.timeout(delay).callbacks.append(partial(self._arrive, call, k, call.epoch))
        else:
            self._arrive(call, k, call.epoch, None)

    def _arrive(self, call: Call, k: int, epoch: int, _event) -> None:
        if epoch != call.epoch:
            return  # pre-empted on the way: the call is back in the queue
        call.arrived[k] = True
        if all(call.arrived):
            if math.isnan(call.t_on_scene):
                call.t_on_scene = self.env.now
                if self.scene_factor is not None:
                    call.remaining_min *= self.scene_factor(call.units[0])
            call.work_ends = self.env.now + call.remaining_min
            self.env.timeout(call.remaining_min).callbacks.append(partial(self._clear, call, epoch))

    def _clear(self, call: Call, epoch: int, _event) -> None:
        if epoch != call.epoch:
            return  # pre-empted on scene: the remaining work was saved by _bump
        call.t_clear, call.outcome, call.remaining_min = self.env.now, "served", 0.0
        self._count(-1)
        self.on_clear(call)
        self.on_final(call)
        for i in call.units:
            self.fleet.set_busy(i, False, self.env.now)
            del self.current[i]
            if self.fleet.on_duty[i]:
                self._unit_freed(i)
            else:
                self.on_off_duty(i)

    # --- tiers: escalation and recall ---------------------------------------------
    def _escalate(self, call: Call, wider: int, _event) -> None:
        """The call waited ``escalate_after_min``: the other tiers may take it now."""
        if call.queued and not call.filled():
            self._widen(call, wider)

    def _widen(self, call: Call, wider: int) -> None:
        if call.queued:
            self._requeue(call, call.tiers | wider, -1)  # and any office's units
        else:
            call.tiers, call.only_office = call.tiers | wider, -1
        call.escalated = True
        self._fill(call)

    def _recall_for(self, call: Call) -> None:
        """No free unit: break an officer off station duty (``response.station_duty.recall``)."""
        pool = self.recall.pool()
        for k in call.pending():
            candidates = self._candidates(call, k, pool)
            if len(candidates):
                i = self.rule.choose(self, call, candidates)
                pool[i] = False
                self.recall.recalled(i)
                self._assign(call, k, i, self.recall.turnout_min)

    # --- pre-emption -------------------------------------------------------
    def _preempt_for(self, call: Call) -> None:
        busy = np.zeros(self.fleet.n, dtype=bool)
        for i, other in self.current.items():
            if other.priority >= self.preempt_priority_min and len(other.units) == 1:
                busy[i] = True
        for k in call.pending():
            candidates = self._candidates(call, k, busy)
            if len(candidates):
                i = self.rule.choose(self, call, candidates)
                busy[i] = False
                self._bump(self.current[i])
                self._assign(call, k, i)

    def _bump(self, victim: Call) -> None:
        """Take the unit off a low-priority call; it resumes later from the queue."""
        if all(victim.arrived):  # on scene: save the remaining work
            victim.remaining_min = max(victim.work_ends - self.env.now, 0.0)
        victim.epoch += 1
        del self.current[victim.units[0]]
        victim.units, victim.arrived = [-1], [False]
        victim.preemptions += 1
        self._enqueue(victim)

    # --- queue ---------------------------------------------------------------
    def _enqueue(self, call: Call) -> None:
        self._advance_areas()
        self._seq += 1
        rank = call.priority if self.discipline == "priority" else 0
        entry = (rank, call.t_arrival, self._seq, call)
        insort(self.queue, entry)
        insort(self._queues.setdefault((call.tiers, call.only_office), []), entry)
        call.queued = entry

    def _dequeue(self, call: Call) -> None:
        """Entries are found by bisection (their keys are unique: the sequence number)."""
        self._advance_areas()
        entry = call.queued
        del self.queue[bisect_left(self.queue, entry)]
        self._take_out(entry)
        call.queued = False

    def _take_out(self, entry: tuple) -> None:
        call = entry[3]
        queue = self._queues[(call.tiers, call.only_office)]
        del queue[bisect_left(queue, entry)]

    def _requeue(self, call: Call, tiers: int, only_office: int) -> None:
        """A queued call's tiers widen: it moves to the sub-queue of its new takers, keeping its place."""
        entry = call.queued
        self._take_out(entry)
        call.tiers, call.only_office = tiers, only_office
        insort(self._queues.setdefault((tiers, only_office), []), entry)

    def _unit_freed(self, i: int) -> None:
        """A unit became available: it fills the most urgent queued call it may
        attend (priority, then arrival order); otherwise the policy places it."""
        role = self.fleet.role[i]
        tier, office = int(self.fleet.tier[i]), int(self.fleet.office[i])
        best = None
        for (tiers, only_office), queue in self._queues.items():
            if not (tiers >> tier) & 1 or (only_office >= 0 and office != only_office):
                continue
            for entry in queue:
                if best is not None and entry >= best[0]:
                    break
                call = entry[3]
                k = next((k for k in call.pending() if call.needs[k][role] and i not in call.units), None)
                if k is not None:
                    best = (entry, k)
                    break
        if best is not None:
            self._assign(best[0][3], best[1], i)
        else:
            self.on_idle(i)

    def _count(self, delta: int) -> None:
        self._advance_areas()
        self.in_system += delta

    def _advance_areas(self) -> None:
        now = self.env.now
        dt = now - self._last_t
        if dt > 0:
            self.area_queue += dt * len(self.queue)
            self.area_system += dt * self.in_system
            self._last_t = now
