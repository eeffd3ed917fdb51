"""The model's dispatcher as ``dispatch.*`` and ``travel.*`` configure it, its
hooks answered by the parts the model names (patrol, call intake, staffing)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.policing.dispatch import Dispatcher
from sim.policing.dispatch_rules import DISPATCH_RULES

if TYPE_CHECKING:
    from sim.config import Config


def configured_dispatcher(model, cfg: Config) -> Dispatcher:
    """The model's fleet, travel, patrol and call intake answer the dispatcher;
    new staff are slower on scene (``model.staffing.efficiency``, unless
    everyone is fully trained). ``model.station_duty``:
    officers at the station, who take a block when idle and may be recalled
    (sim.policing.station_duty); ``model.station_area``: the station's own
    calls, whose records it keeps (sim.policing.tiers)."""
    env, fleet, travel, patrol, intake = model.env, model.fleet, model.travel, model.patrol, model.intake
    efficiency = model.staffing.efficiency if cfg.workforce.new_staff_efficiency < 1.0 else None
    station_duty, station_area = model.station_duty, model.station_area
    dc, travel_cfg = cfg.dispatch, cfg.travel
    present = int(np.bitwise_or.reduce(1 << np.unique(fleet.tier).astype(np.int64))) if fleet.n else 1
    rule = DISPATCH_RULES[dc.name]({int(k): list(v) for k, v in dc.preference_lists.items()}, present,
                                   cfg.response.escalate_after_min, cfg.response.escalate_after_min_p1)
    on_idle, on_clear, on_final = patrol.unit_idle, intake.cleared, intake.finished
    if station_duty is not None:
        on_idle = lambda i: station_duty.claim(i) or patrol.unit_idle(i)  # noqa: E731
    if station_area is not None:
        own = station_area.source
        on_clear = lambda call: None if call.source == own else intake.cleared(call)  # noqa: E731
        on_final = lambda call: station_area.finished(call) if call.source == own else intake.finished(call)  # noqa: E731
    recall = station_duty if station_duty is not None and station_duty.priority_max > 0 else None
    dispatcher = Dispatcher(env, fleet, travel, travel_cfg.turnout_min, dc.discipline, dc.capacity, rule=rule,
                      travel_takes_time=travel_cfg.takes_time,
                      preempt_priority_min=dc.preempt_priority_min if dc.preempt else None,
                      on_idle=on_idle, on_off_duty=patrol.go_to_post, on_clear=on_clear, on_final=on_final,
                      scene_factor=(lambda i: 1.0 / efficiency(i)) if efficiency is not None else None,
                      recall=recall)
    if cfg.response.tiers != "office":  # the command centre's emergency dispatch; the office alone is the model before it
        dispatcher.p1_speed_factor = cfg.response.p1_speed_factor
        modes = [cfg.staffing.mode[role] for role in fleet.role_name[:model.n_office_units]] + model.tier_posts.modes
        fleet.siren[:] = np.array(modes) == "car"  # cars only: an e-bike or a patrol on foot has no siren
    if station_area is not None:  # its calls are the station's even when no station unit exists
        dispatcher.multi_tier = True
    return dispatcher
