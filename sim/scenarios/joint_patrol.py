"""Joint patrol (DOMAIN §2, seeds 001/003: volunteers and grid workers patrol
with the police, cross-area joint patrols 联防): a volunteer or grid worker
(a *follower*) patrols only alongside an officer or auxiliary (a *lead*) of
its office; leads patrol random points of their ``patrol_scope`` like
``random_patrol``. Which roles lead and follow: those of ``patrol_roles``.

Pairing is per stop, not a fixed roster: volunteers' evening shifts and grid
workers' office hours overlap different leads' shifts. A free follower keeps
its lead while the lead is on patrol; otherwise it takes the patrolling lead
of its office with the fewest followers, ties round robin. It goes to the
lead's destination and stays until the lead's stop should end (arrival +
``dwell_min``), then goes where the lead went next. A lead called away
mid-stop leaves its followers to finish that stop; with no lead on patrol
(all busy, off duty or none) a follower waits at its post, looking again
every ``CHECK_MIN``: joint patrols do not walk alone. A lead on patrol is one
on duty, free and heading away from its post, whichever policy sent it, so
``hotspot+joint_patrol`` takes followers to the hot spots with their leads.
"""
import numpy as np

from sim.core.roles import ROLE_CODE
from sim.scenarios.policy import DeploymentPolicy, register
from sim.scenarios.hot_cells import point_in

LEAD_ROLES = ("officer", "auxiliary")
FOLLOWER_ROLES = ("volunteer", "grid_worker")
CHECK_MIN = 5.0  # how often a waiting follower looks for a lead on patrol; assumption


@register("joint_patrol")
class JointPatrol(DeploymentPolicy):
    disperses_units = True  # idle staff patrol the area (sim/plan: square-root law)

    def setup(self, model):
        f = model.fleet
        roles = set(self.cfg.patrol_roles)
        self.leads = {ROLE_CODE[r] for r in LEAD_ROLES if r in roles}
        self.followers = {ROLE_CODE[r] for r in FOLLOWER_ROLES if r in roles}
        is_lead = np.isin(f.role, list(self.leads))
        self.leads_of = [np.flatnonzero(is_lead & (f.office == o)) for o in range(len(model.district.offices))]
        self.partner_of = np.full(f.n, -1)  # each follower's current lead, -1 while waiting
        self.turn = [0] * len(self.leads_of)  # round-robin pointer per office
        self.rng = model.rngs["policy"]

    def next_leg(self, model, unit):
        role = int(model.fleet.role[unit])
        if role in self.leads:
            return self._lead(model, unit)
        if role in self.followers:
            return self._follow(model, unit)
        return None

    def _lead(self, model, unit):
        cells = model.patrol_area(unit, self.cfg.patrol_scope)
        x, y = point_in(model.district, int(cells[int(self.rng.random() * len(cells))]), self.rng)
        return x, y, self.cfg.dwell_min

    @staticmethod
    def on_patrol(f, leads):
        """On duty, free and heading away from the post (one unit or an array)."""
        return f.on_duty[leads] & ~f.busy[leads] & (
            (f.x1[leads] != f.post[leads, 0]) | (f.y1[leads] != f.post[leads, 1]))

    def _pick(self, f, office: int) -> int:
        leads = self.leads_of[office]
        ok = np.flatnonzero(self.on_patrol(f, leads))
        if len(ok) == 0:
            return -1
        attached = (self.partner_of >= 0) & f.on_duty & ~f.busy
        load = np.bincount(self.partner_of[attached], minlength=f.n)[leads[ok]]
        turn = (ok - self.turn[office]) % len(leads)
        k = ok[np.lexsort((turn, load))[0]]
        self.turn[office] = (int(k) + 1) % len(leads)
        return int(leads[k])

    def _follow(self, model, unit):
        f, now = model.fleet, model.env.now
        lead = int(self.partner_of[unit])
        if lead < 0 or not self.on_patrol(f, lead):
            self.partner_of[unit] = -1
            lead = self.partner_of[unit] = self._pick(f, int(f.office[unit]))
        if lead < 0:
            return float(f.post[unit, 0]), float(f.post[unit, 1]), CHECK_MIN  # wait, look again
        x, y = float(f.x1[lead]), float(f.y1[lead])
        stop_end = f.t1[lead] + max(self.cfg.dwell_min, 1.0)
        if stop_end < now:  # the lead stays longer than a patrol stop (another policy's leg)
            return x, y, CHECK_MIN
        return x, y, max(stop_end + 0.1 - now - self._minutes(model, unit, x, y), 1.0)

    @staticmethod
    def _minutes(model, unit: int, x: float, y: float) -> float:
        """The follower's travel time to (x, y), as the model will time it."""
        if not model.cfg.travel.takes_time:
            return 0.0
        px, py = model.fleet.position_of(unit, model.env.now)
        return float(model.travel.distance_m(px, py, x, y)) / model.fleet.speed[unit]
