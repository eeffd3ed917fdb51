"""The levers injects and trainee decisions pull on a running model.

The model keeps one hook for the exercise (``model.controls``) and asks it two
things: who is on duty (``duty``: off sick, called in) and where an idle unit
goes (``next_leg``: a trainee's order before the policy). The dispatcher's
intake delay, the fleet's speeds and the policy are public already. Each kind
(``sim.exercise.injects``, ``sim.exercise.actions``) gets one instance per
session, holding its own state, and acts through the helpers here.

Every inject that draws draws from its own child stream (``injects``, k) and
trainee-ordered patrols from ``actions``, so neither shifts the background
calls, the crimes or each other: a run without the trainees' actions (the
counterfactual) meets the very same calls and injects.
"""
from __future__ import annotations

import numpy as np

from sim.exercise.actions import ACTIONS
from sim.exercise.injects import INJECTS
from sim.policing.calls import service_minutes
from sim.i18n.terms import term
from sim.i18n import Translator

_ = Translator("exercise")

HOLD_RECHECK_MIN = 60.0  # a unit told to hold a spot re-confirms it hourly (an idle leg); assumption


class ExerciseControls:
    def __init__(self, model):
        self.model = model
        n = model.fleet.n
        self.sick_until = np.full(n, -np.inf)
        self.called_until = np.full(n, -np.inf)
        self.orders: dict[int, tuple] = {}  # unit -> ("post",) | ("hold", x, y) | ("patrol",)
        self.injects_fired = 0
        self._actions_rng = model.rngs["actions"]
        model.controls = self
        self.kinds = {name: kind(self) for name, kind in {**INJECTS, **ACTIONS}.items()}  # name -> its instance

    @property
    def now(self) -> float:
        return self.model.env.now

    # --- hooks the model asks --------------------------------------------------
    def duty(self, i: int, rostered: bool) -> bool:
        if self.sick_until[i] > self.now:
            return False
        return rostered or self.called_until[i] > self.now

    def next_leg(self, i: int):
        order = self.orders.get(i)
        if order is None:
            return None
        if order[0] == "post":
            return "post"
        if order[0] == "hold":
            return order[1], order[2], HOLD_RECHECK_MIN
        m = self.model  # patrol the office area
        cells = m.patrol_area(i, "office_area")
        u0, u1, u2 = self._actions_rng.random(3).tolist()
        cx, cy = divmod(int(cells[int(u0 * len(cells))]), m.district.height)
        size = m.district.cell_size_m
        return (cx + u1) * size, (cy + u2) * size, m.cfg.policy.dwell_min

    # --- helpers for the kinds ----------------------------------------------------
    def after(self, minutes: float, fn, *args) -> None:
        """Call ``fn(*args)`` ``minutes`` from now (an inject ending)."""
        self.model.env.timeout(minutes).callbacks.append(lambda _e: fn(*args))

    def inject_rng(self) -> np.random.Generator:
        """A fresh stream for the inject firing now (the k-th to draw)."""
        self.injects_fired += 1
        return self.model.rngs.child("injects", self.injects_fired)

    def scene_minutes(self, rng: np.random.Generator, call_type: str) -> float:
        """One on-scene time of a call type, drawn as the background calls' are."""
        c = self.model.call_cfg[call_type]
        return float(service_minutes(rng, c.on_scene_dist, c.on_scene_mean_min, c.on_scene_cv, 1)[0])

    def check_unit(self, unit: int) -> None:
        if not 0 <= unit < self.model.fleet.n:
            raise ValueError(_("unit {unit} does not exist (units 0-{value})")
                             .format(unit=unit, value=self.model.fleet.n - 1))

    def now_or_later(self, unit: int, what: str) -> str:
        """Redeploy a unit given a new order if it is free; say when it obeys."""
        m, fleet = self.model, self.model.fleet
        name = self.unit_names([unit])  # "auxiliary 4" / "辅警4号": the staff table's words
        if fleet.on_duty[unit] and not fleet.busy[unit]:
            m.redeploy(unit)
            return _("{name} {order}").format(name=name, order=what)
        if fleet.busy[unit]:
            return _("{name} {order} (after its call)").format(name=name, order=what)
        return _("{name} {order} (when it comes on duty)").format(name=name, order=what)

    def unit_names(self, ids: list[int]) -> str:
        names = self.model.fleet.role_name
        return _(", ").join(_("{role} {unit}").format(role=term(names[i]), unit=i) for i in ids)
