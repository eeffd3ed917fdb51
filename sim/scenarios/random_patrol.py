"""Random preventive patrol (Kansas City style): patrol roles walk to a random
cell of their beat (or office area), stop ``dwell_min`` there, and go on.
Other roles wait at their post."""

from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import DeploymentPolicy, register


@register("random_patrol")
class RandomPatrol(DeploymentPolicy):
    disperses_units = True  # idle staff patrol the area (sim/plan: square-root law)

    def setup(self, model):
        self.patrol_roles = {ROLE_CODE[r] for r in self.cfg.patrol_roles}
        self.rng = model.rngs["policy"]

    def next_leg(self, model, unit):
        if int(model.fleet.role[unit]) not in self.patrol_roles:
            return None
        cells = model.patrol_area(unit, self.cfg.patrol_scope)
        u0, u1, u2 = self.rng.random(3).tolist()
        cx, cy = divmod(int(cells[int(u0 * len(cells))]), model.district.height)
        size = model.district.cell_size_m
        return (cx + u1) * size, (cy + u2) * size, self.cfg.dwell_min
