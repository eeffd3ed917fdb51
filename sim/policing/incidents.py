"""Crimes and assaults once they have happened: one row each in the
incidents log, a report that becomes a call after a delay, and what serving
that call achieves (an arrest: the offender is off the street).

A dispute that waited too long for a unit may turn into an assault (民转刑,
seed 004): an incident the parties report at once.
"""
from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

from sim.core.logs import RecordLog
from sim.core.records import incidents_table
from sim.core.subsystem import RunTotals, Subsystem
from sim.core.units import MIN_PER_DAY

if TYPE_CHECKING:
    from sim.policing.crime_config import CrimeConfig

NO_CATCH_OUTCOME = 0.5  # a served crime call with nobody caught: half an outcome in the victim's eyes; assumption


class IncidentBook(Subsystem):
    """``assaults``: whether an assault can happen at all (a crime model runs
    and ``assault`` is a call type); ``new_call``: the call intake."""

    def __init__(self, model, cfg: CrimeConfig, call_cfg: dict, new_call, assaults: bool):
        self.model = model  # the parts' hooks, read as incidents happen
        self.env, self.cfg, self.call_cfg = model.env, cfg, call_cfg
        self.log = RecordLog(incidents_table)  # incident rows by incident_id (sim.core.logs)
        self.residents, self.new_call, self.assaults = model.residents, new_call, assaults

    def record(self, kind, x, y, offender, victim, guardians, reported, delay, scene, u_clear) -> None:
        """One incident; if it is reported, a call follows after ``delay`` minutes."""
        incident_id = len(self.log)
        self.log.append([incident_id, kind, self.env.now, x, y,
                         offender.offender_id if offender is not None else -1,
                         victim.resident_id, guardians, reported, -1])
        for hear in self.model.hooks.incident:
            hear(kind, self.env.now, x, y)
        if reported:
            self.env.timeout(delay).callbacks.append(
                partial(self._report, incident_id, victim, scene, offender, u_clear))
        else:
            self.log.finish(incident_id)

    def _report(self, incident_id: int, victim, scene: float, offender, u_clear: float, _event) -> None:
        row = self.log[incident_id]
        kind, x, y = row[1], row[3], row[4]
        call = self.new_call(kind, x, y, scene, "crime", caller_id=victim.resident_id)
        row[9] = call.call_id
        self.log.finish(incident_id)
        if offender is not None:
            call.after_clear = partial(self._clearance, offender, u_clear)

    def _clearance(self, offender, u_clear: float, call) -> float:
        """A served crime call clears the crime (an arrest) with clearance_prob:
        the offender is off the street for incapacitation_days."""
        c = self.cfg
        if u_clear < c.clearance_prob:
            offender.arrested(self.env.now + c.incapacitation_days * MIN_PER_DAY)
            return 1.0
        return NO_CATCH_OUTCOME

    def escalation(self, u: float, call) -> None:
        """The longer a dispute waited for a unit, the likelier it became an
        assault: decided (and recorded) when the dispute call is cleared, so
        disputes still waiting at the end of the run do not escalate."""
        c = self.cfg
        response = call.t_on_scene - call.t_arrival
        if not self.assaults or call.caller_id < 0:
            return  # no party to be assaulted
        if u < c.escalation_prob_max * (1.0 - math.exp(-max(response, 0.0) / c.escalation_wait_min)):
            self.escalate(call.caller_id, call.x, call.y)

    def escalate(self, party: int, x: float, y: float) -> None:
        """A dispute turned into an assault on ``party``: an incident the parties report at once."""
        if not self.assaults or party < 0:
            return
        victim = self.residents.agent(party)
        self.residents.victimised[party] += 1
        scene = self.call_cfg["assault"].on_scene_mean_min
        self.record("assault", x, y, None, victim, 0, True, 0.0, scene, 1.0)

    def summary(self, run: RunTotals) -> dict:
        rep = run.tables["incidents"]
        after = rep["t_min"].to_numpy() >= run.warmup_min
        return {"reporting_rate": (float(rep["reported"].to_numpy(zero_copy_only=False)[after].mean())
                                   if after.any() else None)}

