"""Beat patrol, "fixed grid, fixed person, fixed responsibility" (DOMAIN §1,
seed 000; "1+2" teams, §2 seed 001): each unit of a patrol role walks its own
beat (``fleet.beat``) and never leaves it for a patrol stop; the preset lets
officers and the auxiliaries of their team patrol.

A unit visits every cell of its beat once per round, in a fresh random order
each round, stopping ``dwell_min`` at a random point of each: the whole patch
is covered evenly, where random points can leave corners unvisited for long.
A grid worker in the patrol roles walks the part of its beat that is its own
grid cells (DOMAIN §1), or the whole beat if none is. A unit whose beat has no
cells (``district.beats=nearest_post`` with several posts on one spot, e.g.
everyone at the office) walks its office area.
"""
import numpy as np

from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import DeploymentPolicy, register
from sim.scenarios.hot_cells import area_cells, point_in


@register("beat")
class BeatPatrol(DeploymentPolicy):
    disperses_units = True  # idle staff patrol the area (sim/plan: square-root law)

    def setup(self, model):
        self.roles = {ROLE_CODE[r] for r in self.cfg.patrol_roles}
        self.rng = model.rngs["policy"]
        self._cells: dict[int, np.ndarray] = {}
        self._round: dict[int, list[int]] = {}  # cells still to visit this round, per unit

    def cells(self, model, unit: int) -> np.ndarray:
        cells = self._cells.get(unit)
        if cells is None:
            cells = area_cells(model, ("beat", int(model.fleet.beat[unit])))
            if len(cells) == 0:  # an empty beat (posts sharing one spot under district.beats=nearest_post)
                cells = area_cells(model, ("office_area", int(model.fleet.office[unit])))
            if unit in model.grid_worker_blocks:
                own = np.intersect1d(cells, model.patrol_area(unit, "beat"))
                cells = own if len(own) else cells
            self._cells[unit] = cells
        return cells

    def next_leg(self, model, unit):
        if int(model.fleet.role[unit]) not in self.roles:
            return None
        todo = self._round.get(unit)
        if not todo:
            todo = self._round[unit] = self.rng.permutation(self.cells(model, unit)).tolist()
        x, y = point_in(model.district, todo.pop(), self.rng)
        return x, y, self.cfg.dwell_min
