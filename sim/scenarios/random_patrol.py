"""Random preventive patrol (Kansas City style): patrol roles walk to a random
cell of their beat (or office area), stop ``dwell_min`` there, and go on.
Other roles wait at their post."""
import numpy as np

from sim.fleet import ROLE_CODE
from sim.scenarios import DeploymentPolicy, register


@register("random_patrol")
class RandomPatrol(DeploymentPolicy):
    def setup(self, model):
        self.patrol_roles = np.array([ROLE_CODE[r] for r in self.cfg.patrol_roles])
        self.rng = model.rngs["policy"]

    def next_leg(self, model, unit):
        if model.fleet.role[unit] not in self.patrol_roles:
            return None
        cells = model.patrol_area(unit, self.cfg.patrol_scope)
        u = self.rng.random(3)
        cx, cy = model.district.unflatten(int(cells[int(u[0] * len(cells))]))
        size = model.district.cell_size_m
        return float((cx + u[1]) * size), float((cy + u[2]) * size), self.cfg.dwell_min
