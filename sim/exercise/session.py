"""Plays an exercise on a model and keeps the decision log.

Whatever fires an event (the script, the facilitator's button, a trainee's
order, or a replay of a session's log) goes through ``fire``, at the current
time of a paused clock: the model is run *to* the event's time
(``env.run(until=t)``) and the event applied there. A live session and a
replay of its log therefore apply the same events at the same instants in the
same order, and give identical runs; the counterfactual is the replay of the
log's injects alone.
"""
from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass, field

import pyarrow as pa

from sim.core.units import MIN_PER_HOUR
from sim.exercise.actions import ACTIONS
from sim.exercise.controls import ExerciseControls
from sim.exercise.event import SOURCES, ExerciseEvent
from sim.exercise.event_checks import check_event, check_event_in
from sim.exercise.injects import INJECTS
from sim.i18n import Translator

_ = Translator("exercise")

DECISION_SCHEMA = pa.schema([
    ("seq", pa.int32()), ("t_min", pa.float64()), ("clock", pa.string()), ("source", pa.string()),
    ("category", pa.string()), ("kind", pa.string()), ("params", pa.string()), ("note", pa.string()),
    ("effect", pa.string()),
])


def clock(t_min: float) -> str:
    """'Day 1 18:30' (in the current language) for a time in minutes on the run's clock."""
    day, minute = divmod(int(math.floor(t_min + 1e-9)), 1440)
    return _("Day {day} {hh:02d}:{mm:02d}").format(day=day + 1, hh=minute // 60, mm=minute % 60)


@dataclass(order=True)
class Planned:
    """An event waiting for its time (ordered by time, then by the order given)."""

    t_min: float
    seq: int
    source: str = field(compare=False)
    event: ExerciseEvent = field(compare=False)


@dataclass
class Decision:
    """One row of decisions.parquet: what was fired, when, by whom, and what it did."""

    seq: int
    t_min: float
    clock: str
    source: str
    category: str  # inject | action
    kind: str
    params: dict
    note: str
    effect: str

    def row(self) -> dict:
        return {**self.__dict__, "params": json.dumps(self.params, sort_keys=True)}


class ExerciseSession:
    """``script``: play the exercise's injects (and, with ``actions``, its
    scripted actions); ``replay``: play these log rows instead (dicts as in
    decisions.parquet)."""

    def __init__(self, model, actions: bool = True, replay: list[dict] | None = None, script: bool = True):
        self.model = model
        self.cfg = model.cfg
        self.controls = ExerciseControls(model)
        self.start_min = model.warmup_min
        self.log: list[Decision] = []
        self.pending: list[Planned] = []
        ex = self.cfg.exercise
        if replay is not None:
            for k, row in enumerate(replay):
                event = ExerciseEvent(at_h=row["t_min"] / MIN_PER_HOUR, kind=row["kind"], note=row.get("note", ""),
                                      **json.loads(row["params"]))
                self.pending.append(Planned(row["t_min"], k, row["source"], event))
        elif script:
            events = list(ex.injects) + (list(ex.actions) if actions else [])
            for k, e in enumerate(events):
                self.pending.append(Planned(e.at_h * MIN_PER_HOUR, k, "script", e))
        heapq.heapify(self.pending)

    # --- the clock -------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.model.env.now

    def clock(self) -> str:
        return clock(self.now)

    def advance(self, until_min: float) -> None:
        """Run to ``until_min`` (capped at the horizon), firing every planned
        event due by then at its own time."""
        until = min(until_min, self.model.horizon_min)
        while self.pending and self.pending[0].t_min <= until:
            planned = heapq.heappop(self.pending)
            self._run_to(planned.t_min)
            self._apply(planned.event, planned.source)
        self._run_to(until)

    def _run_to(self, t: float) -> None:
        if t > self.model.env.now:
            self.model.env.run(until=t)

    def finish(self) -> None:
        """Play the rest of the exercise to the horizon and close the run."""
        self.advance(self.model.horizon_min)
        self.model.sync_cells()
        self.model._finish()

    @property
    def finished(self) -> bool:
        return self.now >= self.model.horizon_min

    # --- firing -------------------------------------------------------------------------
    def fire(self, kind: str, source: str, note: str = "", **params) -> Decision:
        """Fire an inject or an action now (from the page); bad parameters raise
        ConfigError naming the parameter, and nothing happens."""
        event = ExerciseEvent(at_h=self.now / MIN_PER_HOUR, kind=kind, note=note, **params)
        return self._apply(event, source)

    def check(self, kind: str, source: str, note: str = "", **params) -> None:
        """What ``fire`` would refuse, raised now and nothing done (a page checks in its seat's
        language, then fires in the session's: one language in the decision log)."""
        self._checked(ExerciseEvent(at_h=self.now / MIN_PER_HOUR, kind=kind, note=note, **params), source)

    def _checked(self, event: ExerciseEvent, source: str) -> str:
        if source not in SOURCES:
            raise ValueError(f"source {source!r}: allowed {', '.join(SOURCES)}")
        category = "inject" if event.kind in INJECTS else "action"
        check_event(event, category, INJECTS if category == "inject" else ACTIONS)
        check_event_in(self.cfg, event, category, units=self.model.fleet.n)
        if self.finished:
            raise ValueError(_("the exercise is over"))
        return category

    def _apply(self, event: ExerciseEvent, source: str) -> Decision:
        category = self._checked(event, source)
        kind = self.controls.kinds[event.kind]
        params = kind.values(event)
        effect = kind.apply(**params)
        decision = Decision(len(self.log), self.now, self.clock(), source, category, event.kind,
                            {k: v for k, v in params.items() if v is not None}, event.note, effect)
        self.log.append(decision)
        return decision

    # --- records ----------------------------------------------------------------------------
    def decisions_table(self) -> pa.Table:
        rows = [d.row() for d in self.log]
        return pa.Table.from_pylist(rows, schema=DECISION_SCHEMA)

    def summary(self) -> dict:
        """The exercise's own numbers, added to summary.json."""
        m, c = self.model, self.controls
        warm = m.warmup_min
        majors = [x for x in m.calls if x.type == "major_incident"]
        responses = [x.t_on_scene - x.t_arrival for x in majors if not math.isnan(x.t_on_scene)]
        return {
            "exercise_injects": sum(d.category == "inject" for d in self.log),
            "exercise_actions": sum(d.category == "action" for d in self.log),
            "exercise_inject_calls": sum(x.source == "inject" and x.t_arrival >= warm for x in m.calls),
            "exercise_major_incidents": len(majors),
            "exercise_major_incident_response_min": sum(responses) / len(responses) if responses else None,
            "exercise_major_incidents_unreached": len(majors) - len(responses),
            "exercise_fraud_refused": c.kinds["fraud_wave"].refused,
            "exercise_staff_hours_called_in": round(c.kinds["call_in"].minutes_called_in / MIN_PER_HOUR, 3),
            "exercise_staff_off_sick": int((c.sick_until > -math.inf).sum()),
        }
