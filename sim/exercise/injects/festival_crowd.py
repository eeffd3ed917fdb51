"""A festival crowd: extra calls around a point for some hours; rates an
assumption (DOMAIN §4: events load offices)."""
import math

import numpy as np

from sim.core.checks import ConfigError
from sim.core.units import MIN_PER_HOUR
from sim.exercise.kinds import Inject, Param, register
from sim.exercise.params import DURATION_H, X_M, Y_M
from sim.i18n import Translator

_ = Translator("exercise")

MAX_SHARE = 1e6  # a call type's share in the mix (shares are relative); as staffing.mix; assumption


def festival_mix() -> dict[str, float]:
    # a crowd's calls: lost children and directions, quarrels, pickpockets, fights; assumption
    return {"service_request": 0.5, "dispute": 0.25, "theft": 0.15, "emergency": 0.1}


@register("festival_crowd")
class FestivalCrowd(Inject):
    menu_order = 2
    params = {
        "x_m": X_M,
        "y_m": Y_M,
        "radius_m": Param(300.0, lo=10, hi=100_000),  # metres around the point; assumption (a park)
        "duration_h": DURATION_H.with_default(5.0),  # an evening fair; assumption
        "calls_per_hour": Param(6.0, lo=0, hi=1000),  # extra calls; assumption
        "call_mix": Param(festival_mix, on_page=False),  # call type -> share
    }

    @classmethod
    def check_values(cls, values, path):
        mix = values["call_mix"]
        shares = list((mix or {}).values())
        if not all(math.isfinite(v) and 0 <= v <= MAX_SHARE for v in shares) or sum(shares) <= 0:
            raise ConfigError(f"{path}.call_mix", mix, _("needs call types with finite shares from 0 to "
                                                         "{max_share:g}, not all zero").format(max_share=MAX_SHARE))

    @classmethod
    def check_config(cls, cfg, values, where):
        for name in values["call_mix"] or {}:
            if name not in cfg.calls:
                raise ConfigError(f"{where}.call_mix", name, _("unknown call type; known: {items}")
                                                             .format(items=", ".join(cfg.calls)))

    def apply(self, x_m: float, y_m: float, radius_m: float, duration_h: float, calls_per_hour: float,
              call_mix: dict[str, float]) -> str:
        """Extra calls around a point: Poisson in time, uniform over the disc
        (kept inside the district), types drawn from ``call_mix``."""
        c, rng = self.controls, self.controls.inject_rng()
        m = c.model
        names = sorted(call_mix)  # a canonical order: the log stores the mix with sorted keys
        p = np.array([call_mix[k] for k in names], float)
        p /= p.sum()
        end = c.now + duration_h * MIN_PER_HOUR
        w, h = m.district.width * m.district.cell_size_m, m.district.height * m.district.cell_size_m

        def crowd():
            while calls_per_hour > 0:
                gap = float(rng.exponential(MIN_PER_HOUR / calls_per_hour))
                r, a = radius_m * math.sqrt(rng.random()), 2 * math.pi * rng.random()
                k = int(rng.choice(len(names), p=p))
                scene = c.scene_minutes(rng, names[k])
                if c.now + gap >= end:
                    return
                yield m.env.timeout(gap)
                x = min(max(x_m + r * math.cos(a), 0.0), w - 1e-6)
                y = min(max(y_m + r * math.sin(a), 0.0), h - 1e-6)
                m.new_call(names[k], x, y, scene, "inject")

        m.env.process(crowd())
        return _("{calls_per_hour:g} extra calls/h within {radius_m:g} m of ({x_m:.0f}, {y_m:.0f}) "
                 "for {duration_h:g} h").format(
            calls_per_hour=calls_per_hour, radius_m=radius_m, x_m=x_m, y_m=y_m, duration_h=duration_h)
