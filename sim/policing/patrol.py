"""Where units go between calls, and what their stays count for.

An idle unit on duty follows an exercise's order if it has one, else the
deployment policy's next leg (sim.scenarios), else waits at its post; before
the policy starts (``policy.start_day``) everyone waits at the post. A leg is
one straight move in the fleet (sim.core.fleet) and a stay at its end; when
the stay ends, its on-duty part is told to the parts that care (residual
deterrence, patrol stops, residents seeing the patrol).
"""
from __future__ import annotations

from functools import partial

import numpy as np

from sim.core.space import NOT_PATROLLED

MIN_STAY_MIN = 1.0  # shortest stay at a leg's end, minutes (a zero dwell would re-plan at once); assumption


class Patrol:
    """``staffing``: shift starts and ends (sim.policing.staffing);
    ``grid_worker_blocks``: grid cells (网格) of each grid worker."""

    def __init__(self, model, staffing, grid_worker_blocks: dict, takes_time: bool, policy_start_min: float):
        self.model = model  # the policy and the parts' hooks, read when a unit is idle
        self.env, self.fleet, self.travel, self.district = model.env, model.fleet, model.travel, model.district
        self.staffing, self.grid_worker_blocks = staffing, grid_worker_blocks
        self.takes_time, self.policy_start_min = takes_time, policy_start_min
        self.orders = _no_order  # an exercise's orders come first (sim.exercise.controls.next_leg)
        self._leg_action: dict[int, tuple] = {}  # unit -> (leg token, what to do when the stay is over)
        self._patrol_token = np.full(self.fleet.n, -1, dtype=np.int64)
        self._cells: dict = {}
        self._replan_generation = 0

    # --- the policy's timers --------------------------------------------------------
    def start(self) -> None:
        """The policy re-plans on its own timer; at ``policy.start_day`` every idle unit sets off."""
        if self.model.policy.replan_every_min:
            self.env.process(self._replan())
        if self.policy_start_min > 0:
            self.env.timeout(self.policy_start_min).callbacks.append(self._start_policy)

    def follow_new_policy(self) -> None:
        """The model's policy was replaced: its own timer, and every idle unit placed by it now."""
        self._replan_generation += 1
        if self.model.policy.replan_every_min:
            self.env.process(self._replan(self._replan_generation))
        self._place_idle_units()

    def _replan(self, generation: int = 0):
        model = self.model
        while True:
            yield self.env.timeout(model.policy.replan_every_min)
            if generation != self._replan_generation:
                return  # the policy was replaced
            model.policy.act(model)

    def _start_policy(self, _event) -> None:
        self._place_idle_units()

    def _place_idle_units(self) -> None:
        for i in np.flatnonzero(self.fleet.on_duty & ~self.fleet.busy).tolist():
            self.unit_idle(i)

    # --- legs -------------------------------------------------------------------------
    def redeploy(self, i: int) -> None:
        """Send an idle on-duty unit where its orders or the policy say, now."""
        if self.fleet.on_duty[i] and not self.fleet.busy[i]:
            self.unit_idle(i)

    def unit_idle(self, i: int) -> None:
        if self.fleet.tier[i]:  # a station or rapid unit waits at its post; the policy places office staff
            self.go_to_post(i)
            return
        ordered = self.orders(i)  # a trainee's order first
        if ordered == "post" or (ordered is None and self.env.now < self.policy_start_min):
            self.go_to_post(i)  # (before/after designs: the policy starts later)
            return
        leg = ordered if ordered is not None else self.model.policy.next_leg(self.model, i)
        if leg is None:
            self.go_to_post(i)
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
        self.env.timeout(minutes + max(dwell, MIN_STAY_MIN)).callbacks.append(partial(self._leg_done, i, token))

    def _leg_done(self, i: int, token: int, _event) -> None:
        fleet = self.fleet
        if fleet.leg_token[i] == token and fleet.on_duty[i] and not fleet.busy[i]:
            action = self._leg_action.pop(i, None)
            if action is not None and action[0] == token:
                action[1]()
            if fleet.leg_token[i] == token and fleet.on_duty[i] and not fleet.busy[i]:
                self.unit_idle(i)

    def go_to_post(self, i: int) -> None:
        now = self.env.now
        x, y = self.fleet.post[i]
        if self.fleet.t1[i] <= now and self.fleet.x1[i] == x and self.fleet.y1[i] == y:
            return  # already there
        self.fleet.start_leg(i, now, x, y, self._leg_minutes(i, x, y))

    def _leg_minutes(self, i: int, x: float, y: float) -> float:
        """Travel time of a move; zero when travel is folded into service."""
        if not self.takes_time:
            return 0.0
        px, py = self.fleet.position_of(i, self.env.now)
        return float(self.travel.distance_m(px, py, x, y)) / self.fleet.speed[i]

    def stay_ended(self, i: int, x: float, y: float, arrived: float, left: float, token: int) -> None:
        """Only the on-duty part of a stay counts: from this shift's start (a
        unit parked at its post overnight) to now, or to the shift's end when
        the stay ends as the shift does. A leg scheduled after turnout starts
        later than now: the stay ends now (the fleet's ``on_stay``)."""
        left = min(left, self.env.now)
        arrived = max(arrived, self.staffing.duty_start[i])
        if not self.fleet.on_duty[i]:
            left = min(left, self.staffing.duty_end[i])
        if left > arrived:
            patrol = token == self._patrol_token[i]
            for hear in self.model.hooks.stay_ended:
                hear(x, y, arrived, left, patrol)

    # --- areas ------------------------------------------------------------------------
    def patrol_area(self, unit: int, scope: str) -> np.ndarray:
        """Flat cells a unit may patrol, off the mountainside: a grid worker's own
        grid cells; otherwise its beat or its office area (``scope``)."""
        d, fleet = self.district, self.fleet
        if unit in self.grid_worker_blocks:
            key = ("grid", unit)
        else:
            key = (scope, int(fleet.beat[unit] if scope == "beat" else fleet.office[unit]))
        cells = self._cells.get(key)
        if cells is None:
            if key[0] == "grid":
                area = np.isin(d.grid_block, self.grid_worker_blocks[unit]) & (d.office_area == fleet.office[unit])
            else:
                area = d.beat == key[1] if key[0] == "beat" else d.office_area == key[1]
            cells = d.cells_where(area & ~np.isin(d.land_use, NOT_PATROLLED))
            if len(cells) == 0:
                cells = d.cells_where(area)
            if len(cells) == 0:  # e.g. more grid workers than grid cells: the office area
                cells = d.cells_where(d.office_area == fleet.office[unit])
            self._cells[key] = cells
        return cells


def _no_order(i: int) -> None:
    return None
