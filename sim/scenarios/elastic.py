"""Elastic policing (弹性警务; DOMAIN §4, seed 004: staff where and when
incidents cluster instead of uniform 24/7 cover).

When: auxiliaries' shifts start at ``elastic_starts_h`` (default 10, 14, 18:
cover 10:00-02:00, the evening peak). Officers keep the 24-hour rota (violent
calls need an officer at any hour); volunteers and grid workers keep theirs
(part-time citizens and street-office staff: not the police's to roster).

Where: an idle unit of a patrol role stands at the busiest cell of its beat
(``patrol_scope``: or office area) for the current hour of day, by all calls
so far (``hot_cells.CallClock``: hour +-1, population prior), until the next
hour; then it is asked again. A beat's units spread over its busiest cells:
each takes the busiest one no other unit of the beat is holding.
"""
import dataclasses

from sim.core.roles import ROLE_CODE
from sim.core.units import MIN_PER_HOUR
from sim.scenarios.policy import DeploymentPolicy, register
from sim.scenarios.hot_cells import area_cells, call_clock

ELASTIC_ROLES = ("auxiliary",)  # whose shift starts move (module docstring)


@register("elastic")
class Elastic(DeploymentPolicy):
    def __init__(self, cfg):
        super().__init__(cfg)
        self.replan_every_min = cfg.replan_every_min

    def shift(self, role, shift):
        if role in ELASTIC_ROLES:
            return dataclasses.replace(shift, starts_h=list(self.cfg.elastic_starts_h))
        return shift

    def setup(self, model):
        self.roles = {ROLE_CODE[r] for r in self.cfg.patrol_roles}
        self.clock = call_clock(model)
        self.holding: dict[tuple, dict[int, int]] = {}  # area -> {unit: flat cell it was sent to}

    def act(self, model):
        self.clock.update(model)

    def next_leg(self, model, unit):
        f = model.fleet
        if int(f.role[unit]) not in self.roles:
            return None
        scope = self.cfg.patrol_scope
        key = (scope, int(f.beat[unit] if scope == "beat" else f.office[unit]))
        now = model.env.now
        order = self.clock.order(int(now // 60) % 24, key, area_cells(model, key))
        held = self.holding.setdefault(key, {})
        held.pop(unit, None)
        d = model.district
        taken = set()
        for v, flat in list(held.items()):
            x, y = d.cell_centre_m(*d.unflatten(flat))
            if f.on_duty[v] and not f.busy[v] and f.x1[v] == x and f.y1[v] == y:
                taken.add(flat)
            else:
                del held[v]  # left for a call or went off duty
        flat = next((int(c) for c in order if int(c) not in taken), int(order[0]))
        held[unit] = flat
        x, y = d.cell_centre_m(*d.unflatten(flat))
        return float(x), float(y), max(MIN_PER_HOUR - now % MIN_PER_HOUR, 1.0)
