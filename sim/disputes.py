"""Disputes between neighbours: simmer, surface, get mediated, end.

Every dispute call of the background stream is one dispute between
neighbours. It starts ``dispute_simmer_days`` (exponential) before the
parties would call. While it simmers a home visit to the parties' cell may
surface it (``visit_discovery_prob``): it is then mediated early, on the spot,
and the parties' call never comes. Otherwise the call comes and is mediated
late, after a wait that may already have turned it into a fight.

A mediation (the five-step method as its duration, ``community.mediation``)
ends in one of three ways:

- **escalated** (民转刑, seed 004): an assault, reported at once; either the
  dispute came to blows while the parties waited (the longer the response,
  the likelier: ``crime.escalation_*``), or the mediation failed and
  ``failure_escalation_share`` of failures turn criminal;
- **repeat**: the other failures; the dispute simmers again and the parties
  call again after ``repeat_days`` unless a visit surfaces it first;
- **resolved** with chance 1 - failure, failure = (1 - base_success) /
  (mediator skill x training efficiency), halved when surfaced early, doubled
  for the quick method.

Every dispute draws from its own child stream (``disputes``, dispute id), so
the same dispute meets the same luck under any policy (common random numbers).
"""
from __future__ import annotations

import math
from functools import partial


OUTCOME_SCORE = {"resolved": 1.0, "repeat": 0.4, "escalated": 0.0}  # the parties' view of the outcome; assumption


class Dispute:
    __slots__ = ("dispute_id", "party", "flat", "x", "y", "onset", "call_due", "state", "mediations",
                 "surfaced", "attention", "epoch", "rng", "outcome")

    def __init__(self, dispute_id, party, flat, x, y, onset, call_due, rng):
        self.dispute_id, self.party, self.flat, self.x, self.y = dispute_id, party, flat, x, y
        self.onset, self.call_due, self.rng = onset, call_due, rng
        self.state = "simmering"  # simmering -> mediating -> resolved | escalated | simmering (repeat)
        self.mediations = 0
        self.surfaced = 0  # times a visit surfaced it
        self.attention = math.nan  # when the office first learnt of it
        self.epoch = 0  # bumps when the dispute is taken up: the parties' pending call is then void
        self.outcome = "open"


class DisputeBook:
    def __init__(self, model, child):
        """``child(i)``: dispute i's own generator."""
        self.model, self.child = model, child
        self.cfg = model.cfg.community
        self.disputes: list[Dispute] = []
        self.simmering: dict[int, list[Dispute]] = {}  # flat cell -> disputes a visit could surface
        self.mediation_records: list[tuple] = []  # (time, dispute, early, role, outcome)

    def from_call(self, x: float, y: float, flat: int, t_call: float) -> Dispute:
        """The dispute behind a background dispute call (made when the stream is read)."""
        k = len(self.disputes)
        rng = self.child(k)
        onset = max(t_call - float(rng.exponential(self.cfg.dispute_simmer_days * 1440.0)), 0.0)
        party = self.model.residents.pick_id(flat, rng)
        d = Dispute(k, party, flat, x, y, onset, t_call, rng)
        self.disputes.append(d)
        self.simmering.setdefault(flat, []).append(d)
        return d

    # --- the parties call ----------------------------------------------------------
    def call_due(self, d: Dispute, epoch: int, u_escalate: float) -> None:
        """The parties call, unless the dispute was taken up meanwhile."""
        if epoch != d.epoch or d.state != "simmering":
            return
        self._take_up(d)
        call = self.model.new_call("dispute", d.x, d.y, self._scene(), "background" if d.mediations == 0
                                   else "repeat", caller_id=d.party)
        call.after_clear = partial(self.mediated, d, False, u_escalate)

    # --- home visits --------------------------------------------------------------------
    def visit(self, flat: int) -> list[Dispute]:
        """A visit to ``flat`` surfaces its simmering disputes, each with
        ``visit_discovery_prob``; the caller sends someone to mediate them."""
        now, found = self.model.env.now, []
        for d in list(self.simmering.get(flat, [])):
            if d.onset <= now and d.state == "simmering" and self.model.community.rng.random() < self.cfg.visit_discovery_prob:
                d.surfaced += 1
                self._take_up(d)
                found.append(d)
        return found

    def mediate_early(self, d: Dispute) -> None:
        call = self.model.new_call("mediation", d.x, d.y, self._scene(), "visit", caller_id=d.party)
        call.after_clear = partial(self.mediated, d, True, None)

    def _take_up(self, d: Dispute) -> None:
        d.epoch += 1
        d.state = "mediating"
        if math.isnan(d.attention):
            d.attention = self.model.env.now
        self.simmering[d.flat].remove(d)

    def _scene(self) -> float:
        """On-scene minutes of a mediation: the method's steps (a draw's spread is not modelled)."""
        return self.cfg.mediation.minutes()

    # --- outcome ------------------------------------------------------------------------
    def mediated(self, d: Dispute, early: bool, u_escalate: float | None, call) -> float:
        """Decide how a mediation ended; returns the parties' view of the outcome (0-1)."""
        m, crime = self.cfg.mediation, self.model.cfg.crime
        d.mediations += 1
        unit = call.unit
        u_fail, u_escalate_fail = d.rng.random(), d.rng.random()
        response = call.t_on_scene - call.t_arrival
        if u_escalate is not None and u_escalate < crime.escalation_prob_max * (
                1.0 - math.exp(-max(response, 0.0) / crime.escalation_wait_min)):
            outcome = "escalated"  # came to blows while waiting
        else:
            role = self.model.fleet.role_name[unit]
            skill = m.skill[role] * self.model.efficiency(unit)
            fail = (1.0 - m.base_success) / skill
            fail *= m.early_failure_factor if early else 1.0
            fail *= m.quick_failure_factor if m.method == "quick" else 1.0
            if u_fail >= min(fail, 1.0):
                outcome = "resolved"
            elif u_escalate_fail < m.failure_escalation_share:
                outcome = "escalated"
            else:
                outcome = "repeat"
        self.mediation_records.append((self.model.env.now, d.dispute_id, early, self.model.fleet.role_name[unit],
                                       outcome))
        d.outcome = outcome
        if outcome == "escalated":
            d.state = "escalated"
            self.model.escalate(d.party, call.x, call.y)
        elif outcome == "resolved":
            d.state = "resolved"
        else:  # simmers again; the parties call again unless a visit finds it first
            d.state = "simmering"
            d.onset = self.model.env.now
            d.call_due = self.model.env.now + float(d.rng.exponential(m.repeat_days * 1440.0))
            self.simmering[d.flat].append(d)
            self.model.env.timeout(d.call_due - self.model.env.now).callbacks.append(
                lambda _e, d=d, epoch=d.epoch: self.call_due(d, epoch, float(d.rng.random())))
        return OUTCOME_SCORE[outcome]

    # --- results --------------------------------------------------------------------------
    def summary(self, warmup_min: float) -> dict:
        ds = [d for d in self.disputes if not math.isnan(d.attention) and d.attention >= warmup_min]
        mediated = [d for d in ds if d.mediations > 0]
        recs = [r for r in self.mediation_records if r[0] >= warmup_min]
        early = [r for r in recs if r[2]]
        return {
            "disputes_total": len(ds),
            "disputes_resolved_share": (sum(d.outcome == "resolved" for d in mediated) / len(mediated)
                                        if mediated else None),
            "disputes_escalated": sum(d.outcome == "escalated" for d in ds),
            "disputes_open_at_end": sum(d.outcome in ("open", "repeat") for d in ds),
            "disputes_surfaced_by_visits": sum(d.surfaced > 0 for d in ds),
            "mediations_total": len(recs),
            "mediation_success_share": (sum(r[4] == "resolved" for r in recs) / len(recs)) if recs else None,
            "mediation_early_success_share": (sum(r[4] == "resolved" for r in early) / len(early)) if early else None,
            "dispute_repeat_calls": sum(max(d.mediations - 1, 0) for d in ds),
        }
