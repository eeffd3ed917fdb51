"""Storm or flood: every unit travels slower for some hours (trips under way
keep their time)."""
import numpy as np

from sim.core.units import MIN_PER_HOUR
from sim.exercise.kinds import Inject, Param, register
from sim.exercise.params import DURATION_H
from sim.i18n import Translator

_ = Translator("exercise")


@register("severe_weather")
class SevereWeather(Inject):
    menu_order = 5
    params = {
        "duration_h": DURATION_H.with_default(6.0),  # a storm; assumption
        "speed_factor": Param(0.5, lo=0.05, hi=1.0),  # speed x this; assumption
    }

    def __init__(self, controls):
        super().__init__(controls)
        self.base_speed = controls.model.fleet.speed.copy()
        self.factors: list[float] = []  # speed factors of the storms now raging

    def apply(self, duration_h: float, speed_factor: float) -> str:
        self.factors.append(speed_factor)
        self._set_speeds()
        self.controls.after(duration_h * MIN_PER_HOUR, self._over, speed_factor)
        return _("travel at {speed_factor:.0%} of normal speed for {duration_h:g} h "
                 "(trips under way keep their time)").format(
            speed_factor=speed_factor, duration_h=duration_h)

    def _over(self, factor: float) -> None:
        self.factors.remove(factor)
        self._set_speeds()

    def _set_speeds(self) -> None:
        self.controls.model.fleet.speed[:] = self.base_speed * float(np.prod(self.factors) if self.factors else 1.0)
