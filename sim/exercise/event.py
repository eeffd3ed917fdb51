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

    at_h: float = 0.0  # hours on the run's clock (0 = midnight starting day 1)
    kind: str = ""
    note: str = ""  # what the facilitator reads out, or why the room decided it
    x_m: Optional[float] = None
    y_m: Optional[float] = None
    radius_m: Optional[float] = None
    duration_h: Optional[float] = None
    units: Optional[int] = None
    on_scene_min: Optional[float] = None
    calls_per_hour: Optional[float] = None
    call_mix: Optional[Dict[str, float]] = None
    role: Optional[str] = None
    count: Optional[int] = None
    office: Optional[int] = None
    relay_min: Optional[float] = None
    speed_factor: Optional[float] = None
    rate_factor: Optional[float] = None
    unit: Optional[int] = None
    task: Optional[str] = None
    policy: Optional[str] = None
    hours: Optional[float] = None


# the parameter fields, in the dataclass's order (checks run in this order, so an event with
# several faults always names the same one first)
WIRE_PARAMS = tuple(f.name for f in dataclasses.fields(ExerciseEvent) if f.name not in ("at_h", "kind", "note"))
_HINTS = typing.get_type_hints(ExerciseEvent)


def param_type(name: str) -> type:
    """The Python type a parameter field holds: float, int, str or dict (Optional[X] -> X)."""
    base = typing.get_args(_HINTS[name])[0]
    return typing.get_origin(base) or base
