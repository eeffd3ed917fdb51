"""The dispatch layer: a priority queue of calls and the rule that picks a unit.

It runs on a bare ``simpy.Environment`` with a ``Fleet`` and an optional travel
model, so the very code path the full model uses can be checked against
queueing theory with travel switched off (VALIDATION.md). It knows units and
calls; it knows nothing of Mesa agents, plots or Hydra.

Life of a call: ``submit`` -> (queue) -> assigned to a unit -> turnout + travel
-> on scene -> clear. Response time = wait for a unit + turnout + travel.
"""
from __future__ import annotations

from bisect import insort
from typing import Callable

import numpy as np

from sim.fleet import Fleet

OUTCOMES = ("served", "lost", "open")  # "open": still queued or in progress when the run ended


class Call:
    """One call for service; the dispatcher fills in its times and unit."""

    __slots__ = ("call_id", "type", "priority", "t_arrival", "x", "y", "on_scene_min", "eligible",
                 "source", "beat", "office", "caller_id", "t_dispatch", "t_on_scene", "t_clear",
                 "unit", "travel_min", "outcome")

    def __init__(self, call_id: int, type: str, priority: int, t_arrival: float, x: float, y: float,
                 on_scene_min: float, eligible: np.ndarray, source: str = "background",
                 beat: int = -1, office: int = 0, caller_id: int = -1):
        self.call_id, self.type, self.priority = call_id, type, priority
        self.t_arrival, self.x, self.y, self.on_scene_min = t_arrival, x, y, on_scene_min
        self.eligible = eligible  # bool per role code: may this role attend alone?
        self.source, self.beat, self.office, self.caller_id = source, beat, office, caller_id
        self.t_dispatch = self.t_on_scene = self.t_clear = self.travel_min = float("nan")
        self.unit = -1
        self.outcome = "open"


class Dispatcher:
    """Non-preemptive priority queue (FCFS within a class) + nearest-unit rule."""

    def __init__(self, env, fleet: Fleet, travel=None, turnout_min: float = 0.0,
                 discipline: str = "priority", capacity: str = "infinite",
                 on_idle: Callable[[int], None] | None = None,
                 on_off_duty: Callable[[int], None] | None = None):
        self.env, self.fleet, self.travel = env, fleet, travel
        self.turnout_min = turnout_min
        self.discipline, self.capacity = discipline, capacity
        self.on_idle = on_idle or (lambda i: None)
        self.on_off_duty = on_off_duty or (lambda i: None)
        self.queue: list[tuple] = []
        self._seq = 0

    # --- public ------------------------------------------------------------
    def submit(self, call: Call) -> None:
        unit = self._nearest_available(call)
        if unit is not None:
            self._assign(call, unit)
        elif self.capacity == "loss":
            call.outcome, call.t_clear = "lost", self.env.now
        else:
            self._seq += 1
            rank = call.priority if self.discipline == "priority" else 0
            insort(self.queue, (rank, call.t_arrival, self._seq, call))

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

    # --- rules -------------------------------------------------------------
    def travel_minutes(self, units: np.ndarray, call: Call) -> np.ndarray:
        if self.travel is None:
            return np.zeros(len(units))
        px, py = self.fleet.positions(self.env.now, units)
        return self.travel.distance_m(px, py, call.x, call.y) / self.fleet.speed[units]

    def _nearest_available(self, call: Call) -> int | None:
        fleet = self.fleet
        candidates = np.flatnonzero(fleet.available() & call.eligible[fleet.role])
        if len(candidates) == 0:
            return None
        if len(candidates) == 1 or self.travel is None:
            return int(candidates[0])
        return int(candidates[np.argmin(self.travel_minutes(candidates, call))])

    def _assign(self, call: Call, i: int) -> None:
        fleet, now = self.fleet, self.env.now
        travel = float(self.travel_minutes(np.array([i]), call)[0])
        fleet.set_busy(i, True, now)
        call.unit, call.t_dispatch, call.travel_min = i, now, travel
        if self.travel is not None:
            fleet.hold(i, now)
            fleet.start_leg(i, now + self.turnout_min, call.x, call.y, travel)
        self.env.process(self._serve(call, i))

    def _serve(self, call: Call, i: int):
        yield self.env.timeout(self.turnout_min + call.travel_min)
        call.t_on_scene = self.env.now
        yield self.env.timeout(call.on_scene_min)
        call.t_clear, call.outcome = self.env.now, "served"
        self.fleet.set_busy(i, False, self.env.now)
        if self.fleet.on_duty[i]:
            self._unit_freed(i)
        else:
            self.on_off_duty(i)

    def _unit_freed(self, i: int) -> None:
        """A unit became available: it takes the most urgent queued call it may
        attend (priority, then arrival order); otherwise the policy places it."""
        role = self.fleet.role[i]
        for k, entry in enumerate(self.queue):
            if entry[3].eligible[role]:
                del self.queue[k]
                self._assign(entry[3], i)
                return
        self.on_idle(i)
