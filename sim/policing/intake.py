"""Where calls come from and how they enter the dispatcher.

``CallIntake`` takes every call (background, crime reports, mediations, an
exercise's injects): it finds the caller, the beat and office of the place
and who may attend, logs the call and submits it; once a unit has served it,
its follow-up runs (clearance, escalation) and the parts hear of it.
``BackgroundCalls`` feeds the pre-drawn background stream (sim.policing.calls)
to the intake as a chain of timed callbacks, one call at a time.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from sim.core.logs import RecordLog
from sim.core.records import calls_table
from sim.core.roles import ROLES
from sim.core.subsystem import Subsystem
from sim.policing.calls import generate_arrivals
from sim.policing.call import Call

FEED_CHUNK_CALLS = 4096  # background calls turned into Python tuples at a time; assumption (memory vs speed)


class CallIntake:
    """``kinds``: call kind -> (priority, violent, which roles may attend it alone)."""

    def __init__(self, model, kinds: dict[str, tuple[int, bool, np.ndarray]]):
        self.model = model  # the dispatcher and the parts' hooks, read as calls come
        self.env, self.district, self.residents, self.fleet = model.env, model.district, model.residents, model.fleet
        self.kinds = kinds  # looked up once per call
        self.ratings: dict[int, float] = {}  # call id -> its caller's rating (sim.community.trust)
        self.calls = RecordLog(self._table)  # Call objects by call_id (sim.core.logs)
        self._beat_of = self.district.beat.ravel().tolist()
        self._office_of = self.district.office_area.ravel().tolist()

    def new_call(self, kind: str, x: float, y: float, on_scene_min: float, source: str,
                 caller_id: int | None = None, needs: list | None = None) -> Call:
        d = self.district
        cx = min(max(int(x // d.cell_size_m), 0), d.width - 1)
        cy = min(max(int(y // d.cell_size_m), 0), d.height - 1)
        flat = cx * d.height + cy
        if caller_id is None:
            pick = self.model.hooks.callers.get(kind)  # e.g. one-click alarms: an elderly resident living alone
            caller_id = pick(flat) if pick is not None else self.residents.pick_id(flat)
        if caller_id >= 0:
            self.residents.calls_made[caller_id] += 1
        priority, violent, eligible = self.kinds[kind]
        call = Call(len(self.calls), kind, priority, self.env.now, x, y, on_scene_min, eligible,
                    source, self._beat_of[flat], self._office_of[flat], caller_id)
        call.violent = violent
        self.calls.append(call)
        self.model.dispatcher.submit(call, needs)
        return call

    def _table(self, calls: list):
        """Arrow rows of some calls (sim.core.logs): once a call's row is made while
        streaming, its rating is no longer kept in memory."""
        rated = self.ratings
        if self.calls.streaming and not self.calls.retain:
            rated = {c.call_id: rated.pop(c.call_id) for c in calls if c.call_id in rated}
        return calls_table(calls, self.fleet, rated)

    def register_call_kind(self, kind: str, priority: int, violent: bool, roles: list[str]) -> np.ndarray:
        """A call type made by the model or an exercise rather than configured (e.g. a major incident)."""
        mask = np.array([r in roles for r in ROLES])
        self.kinds[kind] = (priority, violent, mask)
        return mask

    def cleared(self, call: Call) -> None:
        """A unit served the call: its follow-up first, then whoever listens (the caller's rating)."""
        outcome = call.after_clear(call) if call.after_clear is not None else None
        for hear in self.model.hooks.call_cleared:
            hear(call, outcome)

    def finished(self, call: Call) -> None:
        """The call will not change any more (served or lost): its row may be written."""
        self.calls.finish(call.call_id)


class BackgroundCalls(Subsystem):
    """The whole background stream, drawn up front from its own streams (common
    random numbers); a part may make a due call itself (the dispute behind it)."""

    stage = 2  # background calls (sim.model)

    def __init__(self, model, call_types: list, horizon_min: float, new_call, escalation):
        self.model, self.env, self.new_call, self.escalation = model, model.env, new_call, escalation
        self.names = [name for name, _ in call_types]
        rngs = model.rngs
        self.stream = generate_arrivals(call_types, model.district, horizon_min,
                                        rngs["arrivals"], rngs["service"], rngs["escalation"])
        self._feed = None
        self._due = None

    def start(self, model) -> None:
        self._feed = self._background_calls()
        self._next_background_call(None)

    def release_inputs(self) -> None:
        self.stream = None
        self._feed = None

    def _background_calls(self, chunk: int = FEED_CHUNK_CALLS):
        """The pre-drawn stream as tuples, a chunk at a time (the arrays stay
        compact; Python floats for the whole run would grow with its length)."""
        s, names = self.stream, self.names
        for a in range(0, len(s), chunk):
            b = min(a + chunk, len(s))
            yield from zip(s.t_min[a:b].tolist(), [names[k] for k in s.type_index[a:b].tolist()],
                           s.x_m[a:b].tolist(), s.y_m[a:b].tolist(), s.on_scene_min[a:b].tolist(),
                           s.u_escalate[a:b].tolist(), range(a, b))

    def _next_background_call(self, _event) -> None:
        """Submit the call that is due (if any) and time the next one."""
        if _event is not None:
            _, name, x, y, scene, u_escalate, k = self._due
            if not any(take(k, u_escalate) for take in self.model.hooks.takes_background_call):
                call = self.new_call(name, x, y, scene, "background")
                if name == "dispute":  # no dispute book: the wait alone may turn it into an assault
                    call.after_clear = partial(self.escalation, u_escalate)
        self._due = next(self._feed, None)
        if self._due is not None:
            self.env.timeout(self._due[0] - self.env.now).callbacks.append(self._next_background_call)
