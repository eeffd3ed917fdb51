"""The protocol every part of the model speaks (ARCHITECTURE.md: "a feature
talks to the model through a small protocol").

A part (staffing, the call feed, incidents, crime, the community, disputes,
the service windows) is started once, hears what happens through a few hooks,
and writes its keys of ``summary.json``. Every hook does nothing by default,
so a part overrides only what it listens to; a part that is switched off is
simply not in the model's list, so nobody guards against it being absent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class RunTotals:
    """What a part's summary is computed from, once the run is over (sim.run)."""

    tables: dict  # "calls" (a pyarrow Table or sim.core.records.Columns), "incidents", "units"
    busy_min: np.ndarray  # per unit, after the warm-up
    staffed_min: np.ndarray  # per unit, after the warm-up
    warmup_min: float
    horizon_min: float
    end_min: float  # the clock when the run stopped


class Subsystem:
    """A part of the model: override ``start``, the hooks it listens to and ``summary``."""

    stage = 9  # when ``start`` runs among the parts: sim.model's stage number (9: starts nothing)

    def start(self, model) -> None:
        """Start the part's processes on the model's clock."""

    def callers(self) -> dict[str, Callable[[int], int]]:
        """Call kinds whose caller this part picks: kind -> f(flat cell) -> resident id (-1: nobody)."""
        return {}

    def takes_background_call(self, k: int, u_escalate: float) -> bool:
        """Background call ``k`` of the stream is due: True if this part makes it itself."""
        return False

    def report_prob(self, resident_id: int, p: float) -> float:
        """A victim's chance of reporting a crime, as this part adjusts it."""
        return p

    def call_cleared(self, call, outcome: float | None) -> None:
        """A unit finished ``call``; ``outcome``: what its follow-up achieved (0-1, None: nothing to achieve)."""

    def incident(self, kind: str, t_min: float, x: float, y: float) -> None:
        """A crime or an assault happened."""

    def stay_ended(self, x: float, y: float, arrived: float, left: float, patrol: bool) -> None:
        """A unit on duty stood at (x, y) from ``arrived`` to ``left`` (``patrol``: a patrol stop)."""

    def home_visit(self, flat: int, efficiency: float) -> None:
        """Staff finished a home visit in ``flat`` (their capability ``efficiency``)."""

    def window_visited(self, flat: int, wait_min: float, efficiency: float) -> None:
        """A clerk served a walk-in visitor who lives in ``flat`` after ``wait_min`` in the queue."""

    def participation_changed(self, extra_guardianship: np.ndarray) -> None:
        """Residents' community work changed: extra guardianship per flat cell (0: none)."""

    def keep_history(self, retain: bool) -> None:
        """A streamed run: keep per-event history in memory (``retain``) or only counts."""

    def release_inputs(self) -> None:
        """The run is over: drop what was drawn up front for the whole horizon."""

    def summary(self, run: RunTotals) -> dict:
        """This part's keys of summary.json, in their order."""
        return {}


def listening(parts: list[Subsystem], hook: str) -> list[Callable]:
    """The bound ``hook`` of every part that overrides it, in the parts' order:
    a hot path then calls only the parts that do something."""
    default = getattr(Subsystem, hook)
    return [getattr(part, hook) for part in parts if getattr(type(part), hook) is not default]


class Hooks:
    """Who listens to what, found once the model's parts are all built: each
    hook's listeners (``hooks.stay_ended``: bound methods, in the parts'
    order) and the merged ``callers``. Whoever has news reads it from here."""

    NAMES = ("takes_background_call", "report_prob", "call_cleared", "incident", "stay_ended", "home_visit",
             "window_visited", "participation_changed", "keep_history", "release_inputs")

    def __init__(self, parts: list[Subsystem]):
        for name in self.NAMES:
            setattr(self, name, listening(parts, name))
        self.callers = {kind: pick for part in parts for kind, pick in part.callers().items()}
