"""Send a unit to a point, where it holds until told otherwise."""
from sim.exercise.kinds import Action, register
from sim.exercise.params import UNIT, X_M, Y_M
from sim.i18n import Translator

_ = Translator("exercise")


@register("move_unit")
class MoveUnit(Action):
    menu_order = 1
    params = {"unit": UNIT, "x_m": X_M, "y_m": Y_M}

    def apply(self, unit: int, x_m: float, y_m: float) -> str:
        c = self.controls
        c.check_unit(unit)
        c.orders[unit] = ("hold", float(x_m), float(y_m))
        return c.now_or_later(unit, _("to ({x_m:.0f}, {y_m:.0f}) m and hold").format(x_m=x_m, y_m=y_m))
