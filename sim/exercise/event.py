"""One timeline event as scripts and logs write it: the wire format.

A script's ``injects``/``actions`` entries and a replay's rows are read into
``ExerciseEvent``: a time, a kind, a note and every parameter name any kind
uses. It is one dataclass because Hydra types a list of structured configs by
one schema; what each kind *means* (which of these fields it takes, defaults,
ranges, checks, effect) lives in its own class (``sim.exercise.injects``,
``sim.exercise.actions``). A new kind adds a field here only when it brings a
parameter name no kind used before.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Dict, Optional

SOURCES = ("script", "facilitator", "trainee")  # who fired an event (decisions.parquet)


@dataclass
class ExerciseEvent:
    """One inject or action; only the parameters of its kind may be set."""

    at_h: float = 0.0  # hours on the run's clock (0 = midnight starting day 1); user choice (issue 8)
    kind: str = ""  # the event kind: an inject or an action of the registries; user choice (issue 8)
    note: str = ""  # what the facilitator reads out, or why the room decided it; user choice
    x_m: Optional[float] = None  # metres east of the district's west edge; user choice
    y_m: Optional[float] = None  # metres north of the district's south edge; user choice
    radius_m: Optional[float] = None  # radius of a crowd's area; assumption (the kind's default)
    duration_h: Optional[float] = None  # how long the inject lasts; assumption (the kind's default)
    units: Optional[int] = None  # units a major incident ties up; assumption (the kind's default)
    on_scene_min: Optional[float] = None  # minutes those units stay; assumption (the kind's default)
    calls_per_hour: Optional[float] = None  # extra calls a crowd makes; assumption (the kind's default)
    call_mix: Optional[Dict[str, float]] = None  # call type -> share of those calls; assumption
    role: Optional[str] = None  # the staff role concerned; user choice
    count: Optional[int] = None  # people off sick or called in; user choice
    office: Optional[int] = None  # an office's number; null = every office; user choice
    relay_min: Optional[float] = None  # delay per call while dispatch is down; assumption (the kind's default)
    speed_factor: Optional[float] = None  # x every travel speed in bad weather; assumption (the kind's default)
    rate_factor: Optional[float] = None  # x the fraud rate during a wave; assumption (the kind's default)
    unit: Optional[int] = None  # a unit's number (the page's map labels them); user choice
    task: Optional[str] = None  # what the unit does next: policy | post | hold | patrol; user choice
    policy: Optional[str] = None  # the deployment policy to switch to (policy.name); user choice
    hours: Optional[float] = None  # how long called-in staff stay; assumption (the kind's default)


# the parameter fields, in the dataclass's order (checks run in this order, so an event with
# several faults always names the same one first)
WIRE_PARAMS = tuple(f.name for f in dataclasses.fields(ExerciseEvent) if f.name not in ("at_h", "kind", "note"))
_HINTS = typing.get_type_hints(ExerciseEvent)


def param_type(name: str) -> type:
    """The Python type a parameter field holds: float, int, str or dict (Optional[X] -> X)."""
    base = typing.get_args(_HINTS[name])[0]
    return typing.get_origin(base) or base
