"""Offenders act in events, not ticks: wait, pick a target by distance decay
and attractiveness, look for guardians, then offend or give up (routine
activity theory: motivated offender + suitable target - capable guardian)."""
from __future__ import annotations

import copy
import math

import numpy as np
from mesa.discrete_space import CellAgent


class Offender(CellAgent):
    def __init__(self, model, offender_id: int, home_flat: int, stream):
        super().__init__(model)
        self.offender_id = offender_id
        self.stream = stream  # this offender's own random stream
        self.home_flat = home_flat
        self.cell = model.cell_at(home_flat)
        self.crimes = 0
        self.deterred = 0
        self.displaced = 0
        self.arrests = 0
        self.free_at = 0.0  # minutes: off the street (arrested) until then

    def life(self, crime, commit):
        """SimPy process: one attempt after another, as long as the run lasts;
        ``commit`` records a crime (sim.policing.offending). Every attempt draws
        its seed whatever happens, so the sequence of attempts is the same
        under any policy (common random numbers)."""
        env = self.model.env
        while True:
            wait = crime.time_to_next_attempt(self.stream)
            attempt = np.random.default_rng(int(self.stream.integers(2**63)))
            yield env.timeout(wait)
            if env.now < self.free_at:  # incapacitated after an arrest
                continue
            kind = crime.pick_kind(env.now, attempt)
            if kind is None:  # thinned out by the hour-of-day profile
                continue
            x, y, flat = crime.choose_target(self.home_flat, kind, attempt, env.now)
            u_deter, u_move = attempt.random(), attempt.random()
            if crime.aware_refusal(kind, u_deter, flat):
                self._deterred(crime, kind)
                continue
            hazard, guardians = crime.hazard(kind, x, y, flat, env.now)
            elsewhere = None
            if crime.kind_cfg[kind].contact:
                stays = math.exp(-hazard)
                crime.expect(env.now, x, y, flat, stays)
                if crime.cfg.displacement_prob > 0:
                    # where he would strike if deterred, drawn from a copy of this attempt's generator: the
                    # same place as below if he is, and the draws the crime itself makes stay as they were
                    elsewhere = self._elsewhere(crime, kind, copy.deepcopy(attempt), x, y)
                    if not elsewhere[4]:
                        crime.expect(env.now, *elsewhere[:3], (1.0 - stays) * crime.cfg.displacement_prob)
            if crime.is_deterred(hazard, u_deter):
                if u_move >= crime.cfg.displacement_prob:
                    self._deterred(crime, kind)
                    continue
                # a mobile offender strikes next door instead, unless he sees staff or a camera there
                x, y, flat, guardians, blocked = self._elsewhere(crime, kind, attempt, x, y)
                if blocked:
                    self._deterred(crime, kind)
                    continue
                self.displaced += 1
            self.cell = self.model.cell_at(flat)
            self.crimes += 1
            commit(self, kind, x, y, flat, guardians, attempt)

    def _elsewhere(self, crime, kind: str, attempt, x: float, y: float) -> tuple:
        """(x, y, flat, staff there, blocked) of a displaced attempt's new target."""
        x, y, flat = crime.choose_target(self.home_flat, kind, attempt, self.model.env.now, avoid=(x, y))
        guardians = crime.guardians(x, y, self.model.env.now)
        return x, y, flat, guardians, bool(guardians > 0 or crime.cameras[flat])

    def _deterred(self, crime, kind: str) -> None:
        self.deterred += 1
        now = self.model.env.now
        crime.deterred_after_warmup += now >= self.model.warmup_min
        if crime.deterred is not None:
            crime.deterred.append((kind, now, self.offender_id))

    def arrested(self, until_min: float) -> None:
        self.arrests += 1
        self.free_at = max(self.free_at, until_min)


def recruit_offenders(model, n: int, residents_per_cell: np.ndarray, rngs) -> list[Offender]:
    """``n`` offenders living where residents live (their homes: one draw of
    the ``crime`` stream for all), each with its own child stream (``crime``, k)."""
    p = residents_per_cell.ravel() / int(residents_per_cell.sum())
    homes = rngs["crime"].choice(len(p), size=n, p=p)
    return [Offender(model, k, int(h), rngs.child("crime", k)) for k, h in enumerate(homes)]
