"""The queueing check as a plain configuration of the real model.

``queueing.enabled`` rewrites the config, not the code: one call type per
priority class with flat hourly Poisson arrivals, ``servers`` identical
officers on duty around the clock with no time lost, no turnover and no
training curve, crime, community, window and patrol off,
travel folded into service (distances still recorded), turnout zero. Every
call then runs through the same dispatcher, fleet, records and summary as a
full run. District, posts, beats and the dispatch rule are left as configured,
so Larson's hypercube case is this set-up plus posts and beat preferences.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from sim.core.shifts_config import ShiftConfig
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR, MIN_PER_YEAR
from sim.policing.calls_config import CallTypeConfig

if TYPE_CHECKING:  # the root config sits above the features: named for the reader only
    from sim.config import Config


def degenerate(cfg: Config) -> Config:
    """The queueing check's set-up of ``cfg`` (called by sim.compose.prepare)."""
    q = cfg.queueing
    residents = cfg.district.residents
    calls = {
        f"class{k}": CallTypeConfig(
            priority=k,
            rate_per_1000_per_year=rate / MIN_PER_HOUR * MIN_PER_YEAR * 1000.0 / residents,
            on_scene_mean_min=q.service_mean_min, on_scene_cv=q.service_cv,
            on_scene_dist=q.service_dist, eligible_roles=["officer"], violent=False,
            source="background", hour_profile="flat", place="residents")
        for k, rate in enumerate(q.rates(), start=1)
    }
    always = {role: ShiftConfig([0], 24.0, 7) for role in cfg.staffing.shifts}
    staffing = dataclasses.replace(cfg.staffing, officers=q.servers, residents_per_officer=None,
                                   auxiliaries=0, volunteers=0, grid_workers=0,
                                   officer_non_community_share=0.0, shifts=always)
    return dataclasses.replace(
        cfg,
        calls=calls,
        staffing=staffing,
        crime=dataclasses.replace(cfg.crime, enabled=False),
        community=dataclasses.replace(cfg.community, enabled=False),
        window=dataclasses.replace(cfg.window, enabled=False),
        workforce=dataclasses.replace(cfg.workforce, turnover_per_year=0.0, new_staff_efficiency=1.0,
                                      absence_share=0.0),
        policy=dataclasses.replace(cfg.policy, name="fixed_post"),
        travel=dataclasses.replace(cfg.travel, takes_time=False, turnout_min=0.0),
        dispatch=dataclasses.replace(cfg.dispatch, discipline=q.discipline, capacity=q.capacity),
        response=dataclasses.replace(cfg.response, tiers="office"),  # the office's servers alone
        sim=dataclasses.replace(cfg.sim, record_every_min=max(cfg.sim.record_every_min, MIN_PER_DAY)),
    )
