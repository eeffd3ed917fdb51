"""The dispatcher's schema (``dispatch.*``, read by sim.policing.dispatch).
Whether ``dispatch.name`` is a registered rule is looked up when the config is
prepared (sim.compose.prepare), so this module needs no rule code."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List

from sim.core.checks import _choice, _range


@dataclass
class DispatchConfig:
    name: str = "office_first"  # nearest | beat_first | team | office_first | nearest_any (sim/policing/dispatch_rules.py); issues 3, 19
    discipline: str = "priority"  # priority (non-preemptive, FCFS within class) | fcfs; issue 3
    capacity: str = "infinite"  # infinite queue | loss (a call finding no free unit is lost); issue 3
    preempt: bool = False  # a priority-1 call may take a unit off a low-priority call; issue 3, off by default
    preempt_priority_min: int = 3  # service requests and hazard reports are pre-emptible; issue 3
    # optional ordered unit lists per beat (Larson's district preferences, Larson 1974); {} = own team, then
    # nearest; user choice
    preference_lists: Dict[int, List[int]] = field(default_factory=dict)

    def validate(self, path: str) -> None:
        _choice(f"{path}.discipline", self.discipline, ("priority", "fcfs"))
        _choice(f"{path}.capacity", self.capacity, ("infinite", "loss"))
        _range(f"{path}.preempt_priority_min", self.preempt_priority_min, 2, 9)
        for beat, units in self.preference_lists.items():
            for u in units:
                _range(f"{path}.preference_lists.{beat}", u, 0)
