"""The deployment-policy base class, its registry and ``make_policy``
(the lifecycle is described in ``sim/scenarios/__init__.py``)."""
from __future__ import annotations

from typing import ClassVar

from sim.core.registry import registrar

POLICIES: dict[str, type["DeploymentPolicy"]] = {}
register = registrar(POLICIES)


class DeploymentPolicy:
    name: ClassVar[str] = ""
    replan_every_min: ClassVar[float | None] = None
    # idle staff spread over the area instead of waiting at posts: the planner's travel
    # estimate then follows the square-root law, not the distance from the office (sim/plan)
    disperses_units: ClassVar[bool] = False

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

    def shift(self, role: str, shift):
        return shift


class CompositePolicy(DeploymentPolicy):
    """Several policies at once (``hotspot+cameras``), asked in the order named."""

    def __init__(self, cfg, parts: list[DeploymentPolicy]):
        super().__init__(cfg)
        self.parts = parts
        periods = [p.replan_every_min for p in parts if p.replan_every_min]
        self.replan_every_min = min(periods) if periods else None
        self.disperses_units = any(p.disperses_units for p in parts)

    def setup(self, model) -> None:
        for p in self.parts:
            p.setup(model)

    def next_leg(self, model, unit: int):
        for p in self.parts:
            leg = p.next_leg(model, unit)
            if leg is not None:
                return leg
        return None

    def act(self, model) -> None:
        for p in self.parts:
            if p.replan_every_min:
                p.act(model)

    def finish(self, model) -> None:
        for p in self.parts:
            p.finish(model)

    def shift(self, role: str, shift):
        for p in self.parts:
            shift = p.shift(role, shift)
        return shift


def make_policy(cfg) -> DeploymentPolicy:
    names = cfg.names()
    if len(names) == 1:
        return POLICIES[names[0]](cfg)
    return CompositePolicy(cfg, [POLICIES[n](cfg) for n in names])
