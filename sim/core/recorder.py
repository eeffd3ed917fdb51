"""The hourly timeseries of a run: the recorder samples the model's state on
a timer (calls arrived, crimes, queue, staff busy and on duty by role); the
model pushes nothing here. Rows go to a log (sim.core.logs) like the calls'.
"""
from __future__ import annotations

import math

import numpy as np

from sim.core.logs import RecordLog
from sim.core.records import timeseries_table
from sim.core.roles import ROLES


class Recorder:
    """Samples the model's state on a timer; the model pushes nothing here."""

    def __init__(self, model):
        self.model = model
        self.rows = RecordLog(timeseries_table, final_at_once=True)  # one tuple per sample (sim.core.logs)
        self.last_t = -math.inf  # time of the latest sample
        self._last_calls = 0
        self._last_crimes = 0
        self.warmup_totals = None

    def sample_every(self, every_min: float):
        while True:
            yield self.model.env.timeout(every_min)
            self.sample()

    def sample(self) -> None:
        m = self.model
        fleet, now = m.fleet, m.env.now
        office = fleet.tier == 0  # the office's staff (the station's and rapid units are not)
        busy = np.bincount(fleet.role[fleet.busy & office], minlength=len(ROLES)).tolist()  # units per role
        duty = np.bincount(fleet.role[fleet.on_duty & office], minlength=len(ROLES)).tolist()
        self.rows.append((now, len(m.calls) - self._last_calls, len(m.incidents) - self._last_crimes,
                          m.dispatcher.queued(), *busy, *duty))
        self._last_calls, self._last_crimes, self.last_t = len(m.calls), len(m.incidents), now

    def snapshot_warmup(self, _event=None) -> None:
        self.warmup_totals = self.model.fleet.totals(self.model.env.now)
