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

Memory stays flat however long the run: when the call stream is drawn, only a
few numbers per future dispute are kept (its onset, party and parked random
stream); the ``Dispute`` object is made when the dispute begins (its onset),
and dropped from the book when it is settled or escalated, its outcome counted.
"""
from __future__ import annotations

import math
from bisect import insort
from functools import partial

import numpy as np

from sim.core.rng import ParkedRng
from sim.core.subsystem import RunTotals, Subsystem
from sim.core.units import MIN_PER_DAY


OUTCOME_SCORE = {"resolved": 1.0, "repeat": 0.4, "escalated": 0.0}  # the parties' view of the outcome; assumption


class Dispute:
    __slots__ = ("dispute_id", "party", "flat", "x", "y", "onset", "call_due", "state", "mediations",
                 "surfaced", "attention", "epoch", "rng", "outcome", "order")

    def __init__(self, dispute_id, party, flat, x, y, onset, call_due, rng):
        self.dispute_id, self.party, self.flat, self.x, self.y = dispute_id, party, flat, x, y
        self.onset, self.call_due, self.rng = onset, call_due, rng
        self.state = "simmering"  # simmering -> mediating -> resolved | escalated | simmering (repeat)
        self.mediations = 0
        self.surfaced = 0  # times a visit surfaced it
        self.attention = math.nan  # when the office first learnt of it
        self.epoch = 0  # bumps when the dispute is taken up: the parties' pending call is then void
        self.outcome = "open"
        self.order = (0, dispute_id)  # place in its cell's simmering list: new ones by id, then repeats in turn


class DisputeBook(Subsystem):
    """Every dispute of a run (a part of the model: sim.core.subsystem)."""

    stage = 2  # planned from the background stream, before its first call comes (sim.model)

    def __init__(self, model, child, visit_rng: np.random.Generator, escalate):
        """``child(i)``: dispute i's own generator; ``visit_rng``: whether a
        visit finds a dispute (the community's stream); ``escalate(party, x,
        y)``: an assault (sim.policing.incidents)."""
        self.model, self.child, self.visit_rng, self.escalate = model, child, visit_rng, escalate
        self.cfg = model.cfg.community
        self.live: dict[int, Dispute] = {}  # begun and not yet settled or escalated
        self.simmering: dict[int, list[Dispute]] = {}  # flat cell -> disputes a visit could surface
        self.by_call: dict[int, Dispute] = {}  # stream index of a dispute call -> its dispute, until the call
        self.history: list[Dispute] | None = []  # every dispute begun (None: not kept, a streamed run)
        self.mediation_records: list[tuple] | None = []  # (time, dispute, early, role, outcome); None: not kept
        self.ended: dict[str, int] = dict.fromkeys(("disputes", "mediated", "resolved", "escalated",
                                                    "surfaced", "repeat_calls"), 0)  # settled ones, after warm-up
        self.mediations: dict[str, int] = dict.fromkeys(("all", "resolved", "early", "early_resolved"), 0)
        self._resimmered = 0
        self._planned = None
        self._next = 0

    # --- the model's hooks (sim.core.subsystem) -----------------------------
    def start(self, model) -> None:
        self.plan(model.feed.stream, model.district, [name for name, _ in model.call_types])

    def takes_background_call(self, k: int, u_escalate: float) -> bool:
        """A dispute call is the parties calling, unless a visit took the dispute up already."""
        dispute = self.for_call(k)
        if dispute is None:
            return False
        self.call_due(dispute, 0, u_escalate)
        return True

    def home_visit(self, flat: int, efficiency: float) -> None:
        """Simmering disputes of the visited cell may surface: mediated on the spot."""
        for dispute in self.visit(flat):
            self.mediate_early(dispute)

    def keep_history(self, keep: bool) -> None:
        """Keep every dispute and mediation for inspection (tests, short runs) or only counts."""
        self.history = [] if keep else None
        self.mediation_records = [] if keep else None

    def release_inputs(self) -> None:
        """The run is over: disputes that never began are not needed any more."""
        self._planned = None

    # --- the disputes behind the background stream's dispute calls --------------------
    def plan(self, stream, district, names: list[str]) -> None:
        """Draw each dispute's onset and party from its own stream (in stream
        order: dispute k is the k-th dispute call) and keep only those numbers
        and where and when its call comes (compact arrays); a dispute begins at
        its onset (those already simmering at the start at once), when its
        stream is made again and moved past the two draws made here."""
        if "dispute" not in names:
            return
        calls = np.flatnonzero(stream.type_index == names.index("dispute"))
        n = len(calls)
        onset, party = np.empty(n), np.empty(n, np.int64)
        x, y, t_call = stream.x_m[calls].copy(), stream.y_m[calls].copy(), stream.t_min[calls].copy()
        cx, cy = district.cell_of(x, y)
        flat = cx.astype(np.int64) * district.height + cy.astype(np.int64)
        for k in range(n):
            onset[k], party[k] = self._first_draws(self.child(k), float(t_call[k]), int(flat[k]))
        self._planned = {"call": calls, "onset": onset, "party": party, "x": x, "y": y, "t_call": t_call,
                         "flat": flat, "order": np.argsort(onset, kind="stable")}
        order = self._planned["order"]
        while self._next < n and onset[order[self._next]] <= 0.0:
            self._begin(int(order[self._next]))
            self._next += 1
        self._schedule_next()

    def _first_draws(self, rng, t_call: float, flat: int) -> tuple[float, int]:
        """A dispute's first two draws: how long it simmered before the call, and who calls."""
        onset = max(t_call - float(rng.exponential(self.cfg.dispute_simmer_days * MIN_PER_DAY)), 0.0)
        return onset, self.model.residents.pick_id(flat, rng)

    def _schedule_next(self) -> None:
        p = self._planned
        if self._next < len(p["order"]):
            due = p["onset"][p["order"][self._next]]
            self.model.env.timeout(due - self.model.env.now).callbacks.append(self._begin_due)

    def _begin_due(self, _event) -> None:
        self._begin(int(self._planned["order"][self._next]))
        self._next += 1
        self._schedule_next()

    def _begin(self, k: int) -> None:
        p = self._planned
        rng = self.child(k)
        self._first_draws(rng, float(p["t_call"][k]), int(p["flat"][k]))  # the same two draws as in plan()
        dispute = Dispute(k, int(p["party"][k]), int(p["flat"][k]), float(p["x"][k]), float(p["y"][k]),
                          float(p["onset"][k]), float(p["t_call"][k]), ParkedRng(rng))
        self.live[k] = dispute
        self.by_call[int(p["call"][k])] = dispute
        if self.history is not None:
            self.history.append(dispute)
        insort(self.simmering.setdefault(dispute.flat, []), dispute, key=_order)

    def for_call(self, j: int) -> Dispute | None:
        """The dispute behind background call ``j`` of the stream (None: not a dispute call)."""
        return self.by_call.pop(j, None)

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
            if d.onset <= now and d.state == "simmering" and self.visit_rng.random() < self.cfg.visit_discovery_prob:
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
        self._count_mediation(d, early, outcome, self.model.fleet.role_name[unit])
        d.outcome = outcome
        if outcome == "escalated":
            d.state = "escalated"
            self._settled(d)
            self.escalate(d.party, call.x, call.y)
        elif outcome == "resolved":
            d.state = "resolved"
            self._settled(d)
        else:  # simmers again; the parties call again unless a visit finds it first
            d.state = "simmering"
            d.onset = self.model.env.now
            d.call_due = self.model.env.now + float(d.rng.exponential(m.repeat_days * MIN_PER_DAY))
            self._resimmered += 1
            d.order = (1, self._resimmered)
            insort(self.simmering[d.flat], d, key=_order)
            self.model.env.timeout(d.call_due - self.model.env.now).callbacks.append(
                lambda _e, d=d, epoch=d.epoch: self.call_due(d, epoch, float(d.rng.random())))
        return OUTCOME_SCORE[outcome]

    def _count_mediation(self, d: Dispute, early: bool, outcome: str, role: str) -> None:
        now = self.model.env.now
        if self.mediation_records is not None:
            self.mediation_records.append((now, d.dispute_id, early, role, outcome))
        if now >= self.model.warmup_min:
            self.mediations["all"] += 1
            self.mediations["resolved"] += outcome == "resolved"
            self.mediations["early"] += early
            self.mediations["early_resolved"] += early and outcome == "resolved"

    def _settled(self, d: Dispute) -> None:
        """A dispute ends (resolved or escalated): count it, drop it from the book."""
        del self.live[d.dispute_id]
        if not math.isnan(d.attention) and d.attention >= self.model.warmup_min:
            self._count(self.ended, d)

    @staticmethod
    def _count(counts: dict, d: Dispute) -> None:
        counts["disputes"] += 1
        counts["mediated"] += d.mediations > 0
        counts["resolved"] += d.mediations > 0 and d.outcome == "resolved"
        counts["escalated"] += d.outcome == "escalated"
        counts["surfaced"] += d.surfaced > 0
        counts["repeat_calls"] += max(d.mediations - 1, 0)

    # --- results --------------------------------------------------------------------------
    def summary(self, run: RunTotals) -> dict:
        warmup_min = run.warmup_min
        assert warmup_min == self.model.warmup_min, "disputes are counted from the model's warm-up on"
        counts = dict(self.ended)
        still_open = 0
        for d in self.live.values():  # begun and not settled: open or repeating at the end
            if not math.isnan(d.attention) and d.attention >= warmup_min:
                self._count(counts, d)
                still_open += d.outcome in ("open", "repeat")
        recs = self.mediations
        return {
            "disputes_total": counts["disputes"],
            "disputes_resolved_share": counts["resolved"] / counts["mediated"] if counts["mediated"] else None,
            "disputes_escalated": counts["escalated"],
            "disputes_open_at_end": still_open,
            "disputes_surfaced_by_visits": counts["surfaced"],
            "mediations_total": recs["all"],
            "mediation_success_share": recs["resolved"] / recs["all"] if recs["all"] else None,
            "mediation_early_success_share": (recs["early_resolved"] / recs["early"]) if recs["early"] else None,
            "dispute_repeat_calls": counts["repeat_calls"],
        }


def _order(d: Dispute) -> tuple:
    return d.order
