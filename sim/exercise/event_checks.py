"""The checks every event passes wherever it comes from (a script, the page,
a replayed log): a known kind and its own parameters, a time inside the
exercise, places, offices and units that exist."""
from __future__ import annotations

import math

from sim.core.checks import ConfigError, _choice
from sim.exercise.actions import ACTIONS
from sim.exercise.event import ExerciseEvent
from sim.exercise.injects import INJECTS
from sim.exercise.kinds import EventKind
from sim.i18n import Translator

_ = Translator("exercise")


def kind_of(name: str) -> type[EventKind]:
    """The class of a registered inject or action (KeyError if none)."""
    return INJECTS[name] if name in INJECTS else ACTIONS[name]


def check_event(event: ExerciseEvent, path: str, kinds: dict[str, type[EventKind]]) -> None:
    """A kind of ``kinds`` (INJECTS or ACTIONS) with its own parameters in range."""
    _choice(f"{path}.kind", event.kind, tuple(kinds))
    kinds[event.kind].check(event, path)


def check_event_time(cfg, at_h: float, where: str, per_hour: float = 1.0) -> None:
    """An event time inside the exercise (``at_h`` in hours; shown in the key's
    unit: ``per_hour`` 60 for minutes)."""
    start_h, end_h = cfg.sim.warmup_days * 24.0, cfg.sim.days * 24.0
    if not math.isfinite(at_h) or not start_h <= at_h < end_h:
        text = (_("must lie in the exercise: [{start:g}, {end:g}) hours (from the end of sim.warmup_days to "
                  "sim.days)") if per_hour == 1.0 else
                _("must lie in the exercise: [{start:g}, {end:g}) minutes (from the end of sim.warmup_days to "
                  "sim.days)"))
        raise ConfigError(where, at_h * per_hour, text.format(start=start_h * per_hour, end=end_h * per_hour))


def check_event_in(cfg, event: ExerciseEvent, where: str, units: int | None = None) -> None:
    """A checked event's parameters against the district, call types and
    policies (and the number of units, when the model is built)."""
    kind_of(event.kind).check_in(cfg, event, where, units)
