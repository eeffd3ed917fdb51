"""The model's dispatcher as ``dispatch.*`` and ``travel.*`` configure it, its
hooks answered by the parts the model names (patrol, call intake, staffing)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sim.policing.dispatch import Dispatcher
from sim.policing.dispatch_rules import DISPATCH_RULES

if TYPE_CHECKING:
    from sim.core.travel_config import TravelConfig
    from sim.policing.dispatch_config import DispatchConfig


def configured_dispatcher(env, fleet, travel, travel_cfg: TravelConfig, dc: DispatchConfig, patrol, intake,
                          efficiency: Callable[[int], float] | None) -> Dispatcher:
    """``efficiency(unit)``: the lead unit's capability, which stretches its
    time on scene (None: everyone fully trained)."""
    return Dispatcher(env, fleet, travel, travel_cfg.turnout_min, dc.discipline, dc.capacity,
                      rule=DISPATCH_RULES[dc.name]({int(k): list(v) for k, v in dc.preference_lists.items()}),
                      travel_takes_time=travel_cfg.takes_time,
                      preempt_priority_min=dc.preempt_priority_min if dc.preempt else None,
                      on_idle=patrol.unit_idle, on_off_duty=patrol.go_to_post,
                      on_clear=intake.cleared, on_final=intake.finished,
                      scene_factor=(lambda i: 1.0 / efficiency(i)) if efficiency is not None else None)
