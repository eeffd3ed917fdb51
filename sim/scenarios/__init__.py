"""Deployment policies: registered classes with a small lifecycle.

A policy decides where idle, on-duty staff go; it never touches calls or the
queue. The model asks it at three moments:

- ``setup(model)`` once, after the district and staff exist;
- ``next_leg(model, unit)`` whenever a unit is free to move (shift start, call
  cleared, previous patrol stop over): return ``(x_m, y_m, dwell_min)`` for a
  patrol stop, or ``None`` to wait at the unit's post;
- ``act(model)`` every ``replan_every_min`` minutes if set (e.g. hourly
  hot-spot lists); ``finish(model)`` at the end of the run.

New policies (hotspot, beat, joint_patrol, elastic) are new modules that
subclass ``DeploymentPolicy`` and use ``@register``: the model is untouched.
"""
from __future__ import annotations

from typing import ClassVar

from sim.registry import registrar

POLICIES: dict[str, type["DeploymentPolicy"]] = {}
register = registrar(POLICIES)


class DeploymentPolicy:
    name: ClassVar[str] = ""
    replan_every_min: ClassVar[float | None] = None

    def __init__(self, cfg):
        self.cfg = cfg  # the validated PolicyConfig

    def setup(self, model) -> None:
        pass

    def next_leg(self, model, unit: int) -> tuple[float, float, float] | None:
        return None

    def act(self, model) -> None:
        pass

    def finish(self, model) -> None:
        pass


def make_policy(cfg) -> DeploymentPolicy:
    return POLICIES[cfg.name](cfg)


from sim.scenarios import fixed_post, random_patrol  # noqa: E402,F401  (registration)
