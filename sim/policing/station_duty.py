"""Office officers' station duty as time somewhere (issue 19; DOMAIN §7, seed 004).

An office officer spends ``staffing.officer_non_community_share`` of each
shift on the parent station's work (duty desk, cases, meetings). Before issue
19 that time simply vanished from the roster; here (``response.station_duty.where``
= station) the officer is on duty but busy at the station: he drives there,
works, and is free again when the block ends. A block that falls while he is
on a call starts when he is next free and still ends on time. Priority calls
that find no free unit may recall him (``response.station_duty.recall``):
he breaks off, sets off from the station after ``recall_turnout_min``, and the
rest of the block is lost to the station. Minutes at the station and recalls
are counted for the summary.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from sim.core.subsystem import RunTotals, Subsystem

RECALL_PRIORITY_MAX = {"none": 0, "p1": 1, "any": 99}  # calls of priority <= this may recall an officer


class StationDuty(Subsystem):
    """``staffing.station_spells[i]``: (start, end) rows of post i's station-duty
    blocks, drawn when the rosters start; ``station_xy``: where the work is done."""

    stage = 1  # with the rosters (sim.model)

    def __init__(self, model, staffing, station_xy: tuple[float, float], cfg):
        self.model, self.env, self.fleet = model, model.env, model.fleet
        self.staffing, self.station_xy = staffing, station_xy
        self.spells: dict[int, np.ndarray] = {}
        self.priority_max, self.turnout_min = RECALL_PRIORITY_MAX[cfg.recall], cfg.recall_turnout_min
        n = self.fleet.n
        self.at_station = np.zeros(n, dtype=bool)
        self._ends = np.full(n, -np.inf)  # end of the block in progress or waiting to start
        self._since = np.zeros(n)
        self._token = np.zeros(n, dtype=np.int64)
        self.station_min = np.zeros(n)
        self.recalls = 0
        self.recalled_min = 0.0  # station work lost to recalls

    def start(self, model) -> None:
        self.spells = self.staffing.station_spells  # the rosters (stage 1, started before this part) drew them
        for i, rows in self.spells.items():
            if len(rows):
                model.env.process(self._play(i, rows))

    def _play(self, i: int, rows: np.ndarray):
        env = self.env
        for k in range(len(rows)):
            start, end = float(rows[k, 0]), float(rows[k, 1])
            yield env.timeout(start - env.now)
            self._ends[i] = end
            if self.fleet.on_duty[i] and not self.fleet.busy[i]:
                self._begin(i)

    # --- the dispatcher's questions --------------------------------------------------
    def claim(self, i: int) -> bool:
        """Unit i is idle: does a station block due now take it? (Before the policy places it.)"""
        if self._ends[i] > self.env.now + 1e-9 and not self.at_station[i] and self.fleet.on_duty[i]:
            self._begin(i)
            return True
        return False

    def allows(self, call) -> bool:
        return call.priority <= self.priority_max

    def pool(self) -> np.ndarray:
        return self.at_station.copy()

    def recalled(self, i: int) -> None:
        """The dispatcher took unit i off station duty for a call (it stays busy)."""
        now = self.env.now
        self._account(i, now)
        self.recalls += 1
        self.recalled_min += max(self._ends[i] - now, 0.0)
        self._ends[i] = -np.inf
        self._token[i] += 1

    # --- blocks -----------------------------------------------------------------------
    def _begin(self, i: int) -> None:
        now, fleet = self.env.now, self.fleet
        fleet.set_busy(i, True, now)
        self.at_station[i] = True
        self._since[i] = now
        x, y = self.station_xy
        px, py = fleet.position_of(i, now)
        minutes = float(self.model.travel.distance_m(px, py, x, y)) / fleet.speed[i] if self.model.travel else 0.0
        fleet.start_leg(i, now, x, y, min(minutes, self._ends[i] - now))
        self._token[i] += 1
        self.env.timeout(self._ends[i] - now).callbacks.append(partial(self._end, i, int(self._token[i])))

    def _end(self, i: int, token: int, _event) -> None:
        if token != self._token[i] or not self.at_station[i]:
            return  # recalled meanwhile
        self._account(i, self.env.now)
        self._ends[i] = -np.inf
        self.model.dispatcher.release(i)

    def _account(self, i: int, now: float) -> None:
        self.at_station[i] = False
        self.station_min[i] += now - self._since[i]

    # --- results ------------------------------------------------------------------------
    def summary(self, run: RunTotals) -> dict:
        officers = max(len(self.spells), 1)
        minutes = self.station_min + np.where(self.at_station, run.end_min - self._since, 0.0)
        return {
            "station_duty_hours_per_officer": float(minutes.sum()) / 60.0 / officers,
            "station_duty_recalls": int(self.recalls),
            "station_duty_recalled_hours": float(self.recalled_min) / 60.0,
        }
