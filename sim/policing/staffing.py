"""Staff on and off duty: every post's roster for the whole run, built up
front (shifts, officers' non-community duty, absences, vacant spells:
sim.core.shifts, sim.policing.workforce), then played out as one SimPy
process per post; and the staffing keys of summary.json.
"""
from __future__ import annotations

import numpy as np

from sim.core.roles import ROLES
from sim.core.shifts import merge, remove_share, roster, split_share
from sim.core.subsystem import RunTotals, Subsystem
from sim.policing.workforce import drop_absences, relief_factor

ABSENCE_STREAM_OFFSET = 2**31  # workforce child streams of absences: post i uses 2**31 + i (careers use i)
STATION_ABSENCE_OFFSET = 2**32  # ... and of its station-duty blocks, 2**32 + i (issue 19: never shifts the others)
RELIEF_ROLES = ("officer", "auxiliary")  # roles whose relief factor summary.json reports (VALIDATION.md)


class Staffing(Subsystem):
    """``n_rostered``: posts on the rosters (an exercise's reserves come after
    them, on duty only when called in); ``clerks``: window clerks, posts after
    the office staff's (sim.community.service_windows); ``tier_shifts``: the
    shifts of the station's and rapid units, the fleet's last rows (sim.policing.tiers);
    ``duty_at_station``: officers' station duty is spent at the station
    (``station_spells``, played by sim.policing.station_duty) rather than off duty."""

    stage = 1  # rosters (sim.model)

    def __init__(self, model, n_rostered: int, workforce, cfg, workforce_cfg, clerks: int,
                 tier_shifts: list | None = None, duty_at_station: bool = False):
        self.model = model  # the clock, the streams, the policy's shifts and the dispatcher, read at start
        self.fleet, self.n_rostered, self.workforce, self.cfg = model.fleet, n_rostered, workforce, cfg
        self.absence_share, self.clerks = workforce_cfg.absence_share, clerks
        n = self.fleet.n
        self.rostered = np.zeros(n, dtype=bool)  # what the roster says now
        self.duty_start = np.full(n, np.inf)  # start of the current or last shift
        self.duty_end = np.full(n, -np.inf)  # end of the last shift
        self.duty_min = np.zeros(n)  # community on-duty minutes per post (relief factor)
        self.duty_intervals: list[np.ndarray] = []  # per post, (start, end) rows: the planner's staffed time by shift
        self.duty_override = _as_rostered  # an exercise's sick and called-in staff (sim.exercise.controls.duty)
        first = self.fleet.n - len(tier_shifts or [])  # the tiers' rows come last (sim.policing.tiers)
        self.tier_shifts = {first + j: shift for j, shift in enumerate(tier_shifts or [])}
        self.duty_at_station = duty_at_station
        self.station_spells: dict[int, np.ndarray] = {}  # officer post -> (start, end) rows at the station

    def start(self, model) -> None:
        """Build every post's roster and start playing it out."""
        staffing_rng, s = model.rngs["staffing"], self.cfg
        counters: dict[str, int] = {}
        for i, role in enumerate(self.fleet.role_name):
            if i in self.tier_shifts:  # a station or rapid unit: one shift a day, always filled
                duty = np.array(roster(0, self.tier_shifts[i], model.horizon_min), dtype=float).reshape(-1, 2)
                self.duty_intervals.append(np.empty((0, 2)))  # not the office's staff (the planner's)
                model.env.process(self._roster(i, duty))
                continue
            if i >= self.n_rostered:  # reserves: on duty only when called in (sim.exercise)
                self.duty_intervals.append(np.empty((0, 2)))
                continue
            k = counters[role] = counters.get(role, -1) + 1
            duty = roster(k, model.policy.shift(role, s.shifts[role]), model.horizon_min)
            spells = []
            if role == "officer" and self.duty_at_station:
                duty, spells = split_share(duty, s.officer_non_community_share, staffing_rng)
            elif role == "officer":
                duty = remove_share(duty, s.officer_non_community_share, staffing_rng)
            duty = drop_absences(duty, self.absence_share, model.rngs.child("workforce", ABSENCE_STREAM_OFFSET + i))
            duty = merge(self.workforce.cut_vacancies(i, duty))
            self.duty_min[i] = sum(b - a for a, b in duty)
            played = duty
            if role == "officer" and self.duty_at_station:
                spells = drop_absences(spells, self.absence_share,
                                       model.rngs.child("workforce", STATION_ABSENCE_OFFSET + i))
                spells = self.workforce.cut_vacancies(i, spells)
                self.station_spells[i] = np.array(spells, dtype=float).reshape(-1, 2)
                played = merge(duty + spells)  # on duty through the station block: busy there, recallable
            self.duty_intervals.append(np.array(duty, dtype=float).reshape(-1, 2))  # community duty (the planner's)
            model.env.process(self._roster(i, np.array(played, dtype=float).reshape(-1, 2)))

    def release_inputs(self) -> None:
        self.duty_intervals.clear()

    def _roster(self, i: int, duty: np.ndarray):
        env = self.model.env
        for k in range(len(duty)):
            start, end = float(duty[k, 0]), float(duty[k, 1])
            yield env.timeout(start - env.now)
            self.rostered[i] = True
            self.apply_duty(i)
            yield env.timeout(end - env.now)
            self.rostered[i] = False
            self.apply_duty(i)

    def apply_duty(self, i: int) -> None:
        """Put post i on or off duty as its roster says, unless an exercise
        has it off sick or called in."""
        on = self.duty_override(i, bool(self.rostered[i]))
        if on == bool(self.fleet.on_duty[i]):
            return
        now = self.model.env.now
        if on:
            self.duty_start[i] = now
        else:
            self.duty_end[i] = now
        self.model.dispatcher.set_on_duty(i, on)

    def efficiency(self, post: int) -> float:
        """Capability of whoever holds this post now (new staff are in training;
        station and rapid units are always fully trained)."""
        if post in self.tier_shifts:
            return 1.0
        return self.workforce.efficiency(post, self.model.env.now)

    # --- results ------------------------------------------------------------------
    def headcount(self) -> dict[str, int]:
        """People by role (window clerks are auxiliaries; an exercise's reserves are not staff)."""
        roles = np.asarray(self.fleet.role_name)[:self.n_rostered]
        out = {r: int((roles == r).sum()) for r in ROLES}
        out["auxiliary"] += self.clerks
        return out

    def summary(self, run: RunTotals) -> dict:
        """Window clerks, relief factors, departures, vacancies, capability."""
        roles = np.asarray(self.fleet.role_name)[:self.n_rostered]
        out: dict = {"window_clerks": self.clerks}
        for role in RELIEF_ROLES:
            sel = roles == role
            duty_min = float(self.duty_min[:self.n_rostered][sel].sum())
            out[f"relief_factor_{role}"] = relief_factor(int(sel.sum()), duty_min, run.horizon_min)
        w = self.workforce
        out["staff_departures"] = w.departures(run.warmup_min)
        posts = len(w.careers)
        out["vacancy_share"] = (sum(w.vacant_minutes(p, run.horizon_min) for p in range(posts))
                                / (posts * run.horizon_min)) if posts else None
        out["efficiency_mean"] = (float(np.mean([w.efficiency(p, run.end_min) for p in range(posts)]))
                                  if posts else None)
        return out


def _as_rostered(i: int, rostered: bool) -> bool:
    return rostered
