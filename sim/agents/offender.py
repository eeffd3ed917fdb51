"""Offenders act in events, not ticks: wait, pick a target by distance decay
and attractiveness, look for guardians, then offend or give up (routine
activity theory: motivated offender + suitable target - capable guardian)."""
from __future__ import annotations

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

    def life(self, crime):
        """SimPy process: one attempt after another, as long as the run lasts."""
        env = self.model.env
        while True:
            wait = crime.time_to_next_attempt(self.stream)
            attempt = np.random.default_rng(int(self.stream.integers(2**63)))
            yield env.timeout(wait)
            kind = crime.pick_kind(env.now, attempt)
            if kind is None:  # thinned out by the hour-of-day profile
                continue
            x, y, flat = crime.choose_target(self.home_flat, kind, attempt)
            self.cell = self.model.cell_at(flat)
            guardians = crime.guardians(x, y, env.now)
            if crime.is_deterred(guardians, attempt.random()):
                self.deterred += 1
                crime.deterred.append((kind, env.now, self.offender_id))
                continue
            self.crimes += 1
            self.model.commit_crime(self, kind, x, y, flat, guardians, attempt)
