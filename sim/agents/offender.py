"""Offenders act in events, not ticks: wait, pick a target by distance decay
and attractiveness, look for guardians, then offend or give up (routine
activity theory: motivated offender + suitable target - capable guardian)."""
from __future__ import annotations

from mesa.discrete_space import CellAgent


class Offender(CellAgent):
    def __init__(self, model, offender_id: int, home_flat: int):
        super().__init__(model)
        self.offender_id = offender_id
        self.home_flat = home_flat
        self.cell = model.cell_at(home_flat)
        self.crimes = 0
        self.deterred = 0

    def life(self, crime):
        """SimPy process: one attempt after another, as long as the run lasts."""
        env = self.model.env
        while True:
            yield env.timeout(crime.time_to_next_attempt())
            kind = crime.pick_kind(env.now)
            if kind is None:  # thinned out by the hour-of-day profile
                continue
            x, y, flat = crime.choose_target(self.home_flat, kind)
            self.cell = self.model.cell_at(flat)
            guardians = crime.guardians(x, y, env.now)
            if crime.is_deterred(guardians):
                self.deterred += 1
                crime.deterred.append((kind, env.now))
                continue
            self.crimes += 1
            self.model.commit_crime(self, kind, x, y, flat, guardians)
