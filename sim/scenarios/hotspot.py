"""Data-driven hot-spot patrol (Sherman & Weisburd 1995; DOMAIN §4, seed 003
§4.2: theft -35% claimed): every ``replan_every_min`` the office re-ranks its
cells by the crimes it knows of in the last ``hotspot_window_days``
(``hot_cells.HotCells``); patrol roles go to a random point of one of the
office's top ``hotspot_cells`` cells and stop ``dwell_min`` there; with
``hotspot_share`` < 1 only that share of the legs, the rest going to random
points of the patrol area as in random patrol (a dose: published hot-spot
experiments doubled presence at the hot spots, not moved all patrol there).

The cell is drawn uniformly from the top list, not in proportion to counts:
the Minneapolis experiment gave every treated hot spot the same dosage, and
with a few crimes per cell a proportional draw would chase noise. The list is
an office's, so ``patrol_scope`` does not apply. ``hot_cells`` (flat indices,
all offices) is the current list, for other policies and displacement metrics.
"""
from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import DeploymentPolicy, register
from sim.scenarios.hot_cells import hot_cells, point_in


@register("hotspot")
class HotspotPatrol(DeploymentPolicy):
    disperses_units = True  # idle staff patrol the area (sim/plan: square-root law)

    def __init__(self, cfg):
        super().__init__(cfg)
        self.replan_every_min = cfg.replan_every_min

    def patrol_roles(self) -> set[int]:
        return {ROLE_CODE[r] for r in self.cfg.patrol_roles}

    def setup(self, model):
        self.roles = self.patrol_roles()
        self.rng = model.rngs["policy"]
        self.ranking = hot_cells(model, self.cfg)

    @property
    def hot_cells(self):
        return self.ranking.cells

    def act(self, model):
        self.ranking.update(model)

    def next_leg(self, model, unit):
        if int(model.fleet.role[unit]) not in self.roles:
            return None
        share = self.cfg.hotspot_share
        if share < 1.0 and self.rng.random() >= share:  # this leg goes to a random point of the patrol area
            area = model.patrol_area(unit, self.cfg.patrol_scope)
            u0, u1, u2 = self.rng.random(3).tolist()
            cx, cy = divmod(int(area[int(u0 * len(area))]), model.district.height)
            size = model.district.cell_size_m
            return (cx + u1) * size, (cy + u2) * size, self.cfg.dwell_min
        cells = self.ranking.by_office[int(model.fleet.office[unit])]
        x, y = point_in(model.district, int(cells[int(self.rng.random() * len(cells))]), self.rng)
        return x, y, self.cfg.dwell_min
