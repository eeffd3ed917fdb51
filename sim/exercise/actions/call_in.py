"""Recall people: the office's reserves first (seed 003 §5.1: staff drawn from
the station for major events), then off-shift staff of the role, for some
hours; never the sick."""
import numpy as np

from sim.core.roles import ROLE_CODE
from sim.core.units import MIN_PER_HOUR
from sim.exercise.kinds import Action, Param, register
from sim.exercise.params import COUNT, OFFICE, ROLE
from sim.i18n.terms import term
from sim.i18n import Translator

_ = Translator("exercise")


@register("call_in")
class CallIn(Action):
    menu_order = 4
    params = {
        "role": ROLE,
        "count": COUNT,
        "hours": Param(8.0, lo=0.25, hi=168),  # hours on duty: a shift; up to a week
        "office": OFFICE,
    }

    def __init__(self, controls):
        super().__init__(controls)
        self.minutes_called_in = 0.0  # staff time called in (overtime and reserves): what the decisions cost

    def apply(self, role: str, count: int, hours: float, office: int | None) -> str:
        c = self.controls
        m = c.model
        fleet = m.fleet
        free = (fleet.role == ROLE_CODE[role]) & ~fleet.on_duty & (c.sick_until <= c.now) & (fleet.tier == 0)
        if office is not None:
            free &= fleet.office == office
        reserve = np.arange(fleet.n) >= m.n_rostered
        ids = np.concatenate([np.flatnonzero(free & reserve), np.flatnonzero(free & ~reserve)])[:count].tolist()
        until = c.now + hours * MIN_PER_HOUR
        for i in ids:
            self.minutes_called_in += max(0.0, min(until, m.horizon_min) - max(c.now, c.called_until[i]))
            c.called_until[i] = max(c.called_until[i], until)
            m.apply_duty(i)
            c.after(until - c.now, m.apply_duty, i)
        if not ids:
            return _("nobody to call in: every {role} is on duty or sick").format(role=term(role))
        if len(ids) < count:
            return _("on duty for {hours:g} h: {names} (asked for {count})").format(
                hours=hours, names=c.unit_names(ids), count=count)
        return _("on duty for {hours:g} h: {names}").format(hours=hours, names=c.unit_names(ids))
