"""Home visits (大走访; DOMAIN §3, seeds 003 §9.2 and 004): staff with free
time knock on doors. For each free leg of a ``visit_roles`` unit, with chance
``visit_share`` it visits a household in its patrol area (a cell drawn by
population), stays ``visit_min`` and, if not called away, the visit counts
(``model.home_visit``): households reached, their trust and awareness raised,
simmering disputes of the cell surfaced and mediated on the spot. Otherwise
the next policy named decides (``home_visits+random_patrol``), or the unit
waits at its post.
"""
from functools import partial

import numpy as np

from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import DeploymentPolicy, register


@register("home_visits")
class HomeVisits(DeploymentPolicy):
    def setup(self, model):
        self.roles = {ROLE_CODE[r] for r in self.cfg.visit_roles}
        self.rng = model.rngs["policy"]
        self._weights: dict = {}

    def _cells(self, model, unit):
        cells = model.patrol_area(unit, self.cfg.patrol_scope)
        key = id(cells)
        if key not in self._weights:
            w = model.district.residents.ravel()[cells].astype(float)
            self._weights[key] = (cells, np.cumsum(w) / w.sum() if w.sum() > 0 else None)
        return self._weights[key]

    def next_leg(self, model, unit):
        if model.community is None or int(model.fleet.role[unit]) not in self.roles:
            return None
        u = self.rng.random(4)
        if u[0] >= self.cfg.visit_share:
            return None
        cells, cum = self._cells(model, unit)
        if cum is None:
            return None
        flat = int(cells[min(int(np.searchsorted(cum, u[1])), len(cells) - 1)])
        cx, cy = model.district.unflatten(flat)
        size = model.district.cell_size_m
        return (float((cx + u[2]) * size), float((cy + u[3]) * size), self.cfg.visit_min,
                partial(model.home_visit, unit, flat))
