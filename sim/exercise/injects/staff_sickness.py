"""Staff go off sick: people of a role leave now, those on duty first."""
import numpy as np

from sim.core.roles import ROLE_CODE
from sim.core.units import MIN_PER_HOUR
from sim.exercise.kinds import Inject, register
from sim.exercise.params import COUNT, DURATION_H, OFFICE, ROLE
from sim.i18n.terms import term
from sim.i18n import Translator

_ = Translator("exercise")


@register("staff_sickness")
class StaffSickness(Inject):
    menu_order = 3
    params = {
        "role": ROLE.with_default("auxiliary"),  # assumption
        "count": COUNT,
        "duration_h": DURATION_H.with_default(None),  # None: for the rest of the exercise
        "office": OFFICE,
    }

    def apply(self, role: str, count: int, duration_h: float | None, office: int | None) -> str:
        """``count`` people of ``role`` go off sick: those on duty first (in a
        random order), then those due on later; null duration = to the end."""
        c, rng = self.controls, self.controls.inject_rng()
        m = c.model
        fleet = m.fleet
        pool = (fleet.role == ROLE_CODE[role]) & (c.sick_until <= c.now)
        pool[m.n_rostered:] = False  # the rostered staff; reserves are called in fresh
        if office is not None:
            pool &= fleet.office == office
        ids = np.flatnonzero(pool)
        ids = ids[rng.permutation(len(ids))]
        ids = np.concatenate([ids[fleet.on_duty[ids]], ids[~fleet.on_duty[ids]]])[:count].tolist()
        until = m.horizon_min if duration_h is None else c.now + duration_h * MIN_PER_HOUR
        for i in ids:
            c.sick_until[i] = until
            m.apply_duty(i)
            if until < m.horizon_min:
                c.after(until - c.now, m.apply_duty, i)
        if not ids:
            return _("no {role} to fall sick").format(role=term(role))
        if duration_h is None:
            return _("off sick to the end: {names}").format(names=c.unit_names(ids))
        return _("off sick for {duration_h:g} h: {names}").format(duration_h=duration_h, names=c.unit_names(ids))
