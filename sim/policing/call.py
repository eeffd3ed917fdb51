"""One call for service: what the dispatcher fills in as it goes (times,
units, outcome) and what the tiers add (which tiers may take it, extra
travel beyond the district, whether it was escalated). sim.policing.dispatch
explains the life of a call."""
from __future__ import annotations

import numpy as np

OUTCOMES = ("served", "lost", "open")  # "open": still queued or in progress when the run ended
NAN = float("nan")


class Call:
    """One call for service; the dispatcher fills in its times and units."""

    __slots__ = ("call_id", "type", "priority", "t_arrival", "x", "y", "on_scene_min", "eligible",
                 "source", "beat", "office", "caller_id", "t_dispatch", "t_on_scene", "t_clear",
                 "travel_m", "outcome", "needs", "units", "arrived", "remaining_min", "preemptions",
                 "epoch", "work_ends", "queued", "violent", "after_clear", "tiers", "extra_travel_min",
                 "escalated", "only_office")

    def __init__(self, call_id: int, type: str, priority: int, t_arrival: float, x: float, y: float,
                 on_scene_min: float, eligible: np.ndarray, source: str = "background",
                 beat: int = -1, office: int = 0, caller_id: int = -1):
        self.call_id, self.type, self.priority = call_id, type, priority
        self.t_arrival, self.x, self.y, self.on_scene_min = t_arrival, x, y, on_scene_min
        self.eligible = eligible  # bool per role code: may this role attend alone?
        self.source, self.beat, self.office, self.caller_id = source, beat, office, caller_id
        self.t_dispatch = self.t_on_scene = self.t_clear = self.travel_m = NAN
        self.outcome = "open"
        self.needs: list[np.ndarray] = [eligible]  # one role mask per unit needed
        self.units: list[int] = [-1]
        self.arrived: list[bool] = [False]
        self.remaining_min = on_scene_min
        self.preemptions = 0
        self.epoch = 0  # bumps on pre-emption: timers of the old assignment then do nothing
        self.work_ends = NAN
        self.after_clear = None  # the model's follow-up once served (clearance, escalation)
        self.queued = False  # its queue entry while it waits (sim.policing.dispatch), else False
        self.violent = False  # violent calls need an officer (and a partner under "team")
        self.tiers = 0  # bits (1 << tier) of the tiers that may take it; 0 = the rule decides on arrival
        self.extra_travel_min = 0.0  # travel beyond the district (the station's own calls elsewhere)
        self.escalated = False  # the command centre widened it to other tiers after a wait
        self.only_office = -1  # until escalated, only this office's units may take it (office_first); -1: any

    @property
    def unit(self) -> int:
        """The first (lead) unit, -1 if none yet."""
        return self.units[0]

    def pending(self) -> list[int]:
        units = self.units
        if len(units) == 1:  # the common case, on the hot path of every call
            return [0] if units[0] < 0 else []
        return [k for k, u in enumerate(units) if u < 0]

    def filled(self) -> bool:
        return -1 not in self.units
