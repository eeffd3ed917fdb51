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
"""
from __future__ import annotations

import math
from bisect import insort
from functools import partial
from typing import Callable

import numpy as np

from sim.policing.dispatch_rules import DispatchRule, NearestRule
from sim.core.fleet import Fleet

OUTCOMES = ("served", "lost", "open")  # "open": still queued or in progress when the run ended
NAN = float("nan")


class Call:
    """One call for service; the dispatcher fills in its times and units."""

    __slots__ = ("call_id", "type", "priority", "t_arrival", "x", "y", "on_scene_min", "eligible",
                 "source", "beat", "office", "caller_id", "t_dispatch", "t_on_scene", "t_clear",
                 "travel_m", "outcome", "needs", "units", "arrived", "remaining_min", "preemptions",
                 "epoch", "work_ends", "queued", "violent", "after_clear")

    def __init__(self, call_id: int, type: str, priority: int, t_arrival: float, x: float, y: float,
                 on_scene_min: float, eligible: np.ndarray, source: str = "background",
                 beat: int = -1, office: int = 0, caller_id: int = -1):
        self.call_id, self.type, self.priority = call_id, type, priority
        self.t_arrival, self.x, self.y, self.on_scene_min = t_arrival, x, y, on_scene_min
        self.eligible = eligible  # bool per role code: may this role attend alone?
        self.source, self.beat, self.office, self.caller_id = source, beat, office, caller_id
        self.t_dispatch = self.t_on_scene = self.t_clear = self.travel_m = NAN
        self.outcome = "open"
        self.needs: list[np.ndarray] = [eligible]  # one role mask per unit needed
        self.units: list[int] = [-1]
        self.arrived: list[bool] = [False]
        self.remaining_min = on_scene_min
        self.preemptions = 0
        self.epoch = 0  # bumps on pre-emption: timers of the old assignment then do nothing
        self.work_ends = NAN
        self.after_clear = None  # the model's follow-up once served (clearance, escalation)
        self.queued = False
        self.violent = False  # violent calls need an officer (and a partner under "team")

    @property
    def unit(self) -> int:
        """The first (lead) unit, -1 if none yet."""
        return self.units[0]

    def pending(self) -> list[int]:
        units = self.units
        if len(units) == 1:  # the common case, on the hot path of every call
            return [0] if units[0] < 0 else []
        return [k for k, u in enumerate(units) if u < 0]

    def filled(self) -> bool:
        return -1 not in self.units


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
                 scene_factor: Callable[[int], float] | None = None):
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
        self.queue: list[tuple] = []
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
        call.needs = self.rule.needs(self, call) if needs is None else list(needs)
        call.units = [-1] * len(call.needs)
        call.arrived = [False] * len(call.needs)
        if self.capacity == "loss" and not self._can_fill_now(call):
            call.outcome, call.t_clear = "lost", self.env.now
            self.on_final(call)
            return
        self._count(+1)
        self._fill(call)
        if not call.filled() and self.preempt_priority_min is not None and call.priority == 1:
            self._preempt_for(call)
        if not call.filled():
            self._enqueue(call)

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

    def _candidates(self, call: Call, k: int, pool: np.ndarray) -> np.ndarray:
        mask = pool & self._units_of(call.needs[k])
        if len(call.units) > 1:
            taken = [u for u in call.units if u >= 0]
            if taken:
                mask[taken] = False
        return mask.nonzero()[0]

    def _can_fill_now(self, call: Call) -> bool:
        free = self.fleet.available().copy()
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

    def _assign(self, call: Call, k: int, i: int) -> None:
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
        minutes = distance / fleet.speed[i] if self.travel_takes_time else 0.0
        if k == 0 and math.isnan(call.travel_m):
            call.travel_m = distance
        call.units[k] = i
        if self.travel is not None and self.travel_takes_time:
            fleet.hold(i, now)
            fleet.start_leg(i, now + self.turnout_min, call.x, call.y, minutes)
        if call.filled():
            if math.isnan(call.t_dispatch):
                call.t_dispatch = now
            if call.queued:
                self._dequeue(call)
        # timed callbacks rather than processes: two events per trip instead of four;
        # a zero-length trip (unit already there, travel folded into service) arrives now
        delay = self.turnout_min + minutes
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
        insort(self.queue, (rank, call.t_arrival, self._seq, call))
        call.queued = True

    def _dequeue(self, call: Call) -> None:
        self._advance_areas()
        for k, entry in enumerate(self.queue):
            if entry[3] is call:
                del self.queue[k]
                break
        call.queued = False

    def _unit_freed(self, i: int) -> None:
        """A unit became available: it fills the most urgent queued call it may
        attend (priority, then arrival order); otherwise the policy places it."""
        role = self.fleet.role[i]
        for entry in self.queue:
            call = entry[3]
            for k in call.pending():
                if call.needs[k][role] and i not in call.units:
                    self._assign(call, k, i)
                    return
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
