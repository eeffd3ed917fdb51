"""The cheapest integer staffing per office and shift block that meets the targets.

1. **Start** from the analytic estimate of every block (``sim.plan.analytic``):
   the cheapest (officers, auxiliaries) whose predicted attainment and
   saturation meet the targets; window clerks from Erlang C. Where it finds
   none, the cap is simulated: a block the cap meets (the analytic model knows
   nothing of the station's backup) starts from a bisection on officers.
2. **Climb**: simulate (common random numbers, sequential replications). A
   block that misses a target moves to the cheapest pair that dominates it and
   that the analytic model, *corrected by how far it overrated this block*,
   says is enough; at least one unit more.
3. **Descend**: blocks that meet everything try the cheaper neighbours in turn
   (one officer fewer, an officer swapped for an auxiliary, one auxiliary
   fewer), all blocks at once in one joint run; a block keeps a move that
   still meets the targets. Pairs shown to fail are remembered, with every
   pair they dominate (fewer of both never helps).
4. **Verify** the final staffing jointly at full replications; repeat if a
   block slipped (neighbouring shifts share calls across the hand-over).

Optional district-wide floors (satisfaction, crime) are then met by adding
volunteers (within the hours cap, if the policy sends them on patrol) or one
auxiliary per block at a time.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from sim.config import Config
from sim.plan.analytic import block_attainment, block_saturation, cheapest_block, smallest_servers
from sim.plan.demand import window_load
from sim.plan.evaluate import MET, OK, Candidate, Evaluation
from sim.plan.runner import Runner
from sim.i18n import N_, Translator

_ = Translator("reports")

# the search's steps as plan.json records them (English keys), translated where shown (log, plan.md)
STEPS = (N_("analytic start finds no staffing for some shifts; simulated the cap"),
         N_("bisect the shifts the analytic model gave up on"), N_("climb"),
         N_("descend officer -1"), N_("descend officer -> auxiliary"), N_("descend auxiliary -1"), N_("floor"))


@dataclass
class SearchResult:
    best: Candidate
    evaluation: Evaluation
    start: Candidate
    unreachable: dict[tuple[int, int], str] = field(default_factory=dict)  # block -> why
    steps: list[dict] = field(default_factory=list)
    seconds: float = 0.0


class Planner:
    def __init__(self, cfg: Config, demand: dict, facts: dict, runner: Runner, log=print):
        self.cfg, self.demand, self.facts, self.runner, self.log = cfg, demand, facts, runner, log
        p = cfg.plan
        self.cost = {r: cfg.staffing.cost_kyuan_per_year[r] * p.relief_factor[r] for r in ("officer", "auxiliary")}
        self.failed: dict[tuple[int, int], set[tuple[int, int]]] = {k: set() for k in demand}
        self.unreachable: dict[tuple[int, int], str] = {}  # blocks whose priority-1 target is out of reach
        self.steps: list[dict] = []

    def _decide(self, cands: list[Candidate], full: bool = False) -> list[Evaluation]:
        return self.runner.decide(cands, full, set(self.unreachable))

    # --- constraints -----------------------------------------------------------
    def admissible(self, key: tuple[int, int], pair: tuple[int, int]) -> bool:
        p = self.cfg.plan
        o, a = pair
        if o < p.officers_min_per_shift or o < 0 or a < 0 or o + a > p.max_units_per_shift:
            return False
        if not self.demand[key].aux_useful() and a > math.ceil(p.aux_per_officer_min * o - 1e-9):
            return False  # auxiliaries nobody may send
        return p.aux_per_officer_min * o - 1e-9 <= a <= p.aux_per_officer_max * o + 1e-9 or (o == 0 and a == 0)

    def known_to_fail(self, key, pair) -> bool:
        return any(pair[0] <= f[0] and pair[1] <= f[1] for f in self.failed[key])

    def _cheapest(self, key, at_least=(0, 0), offset=0.0, sat_offset=0.0):
        t, p = self.cfg.target, self.cfg.plan
        share = t.p1_share if t.p1_within_min is not None else None
        return cheapest_block(self.demand[key], share,
                              t.saturation_max, self.cost, p.officers_min_per_shift,
                              (p.aux_per_officer_min, p.aux_per_officer_max), p.max_units_per_shift,
                              at_least, offset, sat_offset, at_once=key in self.unreachable)

    def _cap_pair(self, key) -> tuple[int, int]:
        """The most a block may have, as officers (who may take every call) with
        as few auxiliaries as the ratio asks: the test of what staff can reach."""
        p = self.cfg.plan
        o = max(p.officers_min_per_shift, math.floor(p.max_units_per_shift / (1 + p.aux_per_officer_min) + 1e-9))
        return o, min(math.ceil(p.aux_per_officer_min * o - 1e-9), p.max_units_per_shift - o)

    # --- start -------------------------------------------------------------------
    def start(self, volunteers: tuple[int, ...]) -> Candidate:
        """Analytic pairs; where the analytic model finds none up to the cap,
        simulate the cap: if it still misses the priority-1 target there, that
        target is out of reach for the block (reported), which is then sized
        for a free unit at once (``_drop``)."""
        offices, blocks = self.facts["offices"], len(self.cfg.plan.shift_starts_h)
        pairs = {(o, b): self._cheapest((o, b)) for o in range(offices) for b in range(blocks)}
        hopeless = [k for k, v in pairs.items() if v is None]
        clerks = self.window_start()
        if hopeless:
            cap = self._candidate({k: (v if v is not None else self._cap_pair(k)) for k, v in pairs.items()},
                                  clerks, volunteers)
            ev = self._decide([cap])[0]
            self._note("analytic start finds no staffing for some shifts; simulated the cap", cap, ev)
            pessimistic = []  # the analytic model was too pessimistic (the station's backup, say; or no p1 target)
            for key in hopeless:
                if ev.block_verdicts(self.cfg)[key].get("p1", MET) in OK:
                    pessimistic.append(key)
                else:
                    self._drop(key, ev, _("at the most staff allowed"))
                    pairs[key] = self._cheapest(key) or self._cap_pair(key)
            if pessimistic:
                pairs.update(self._bisect(pairs, pessimistic, clerks, volunteers))
        return self._candidate(pairs, clerks, volunteers)

    def _bisect(self, pairs: dict, keys: list, clerks: int, volunteers: tuple[int, ...]) -> dict:
        """Blocks the cap meets though the analytic model found no staffing: the
        fewest officers (with the fewest auxiliaries the ratio asks) that meet
        their targets, by bisection between the minimum and the cap, every such
        block in the same run at each step (descending one officer at a time
        from the cap would take as many runs as the cap has officers)."""
        p = self.cfg.plan
        aux = lambda o: min(math.ceil(p.aux_per_officer_min * o - 1e-9), p.max_units_per_shift - o)  # noqa: E731
        lo = {k: max(p.officers_min_per_shift, 1) for k in keys}
        hi = {k: self._cap_pair(k)[0] for k in keys}
        while any(lo[k] < hi[k] for k in keys):
            mids = {k: (lo[k] + hi[k]) // 2 for k in keys if lo[k] < hi[k]}
            trial = self._candidate({**pairs, **{k: (hi[k], aux(hi[k])) for k in keys},
                                     **{k: (m, aux(m)) for k, m in mids.items()}}, clerks, volunteers)
            ev = self._decide([trial])[0]
            ok = self.block_ok(ev)
            for k, m in mids.items():
                if ok[k]:
                    hi[k] = m
                else:
                    lo[k] = m + 1
                    self.failed[k].add((m, aux(m)))
            self._note("bisect the shifts the analytic model gave up on", trial, ev)
        return {k: (hi[k], aux(hi[k])) for k in keys}

    def _candidate(self, pairs: dict, clerks: int, volunteers: tuple[int, ...]) -> Candidate:
        offices, blocks = self.facts["offices"], len(self.cfg.plan.shift_starts_h)
        return Candidate(tuple(tuple(pairs[(o, b)] for b in range(blocks)) for o in range(offices)),
                         clerks, volunteers)

    def _drop(self, key, ev: Evaluation, where: str) -> None:
        """The priority-1 target is out of reach for this block whatever its
        staff: travel, not waiting, is what misses it (with staff waiting at
        the office, exactly the calls beyond reach in time). Staffing controls
        only whether a unit is free, so the block is planned for the target
        share of priority-1 calls finding one at once."""
        t = self.cfg.target
        est = ev.block_estimates(self.cfg)[key]["p1"]
        got = estimate_text(est)
        d = self.demand[key]
        p1 = [c for c in d.classes if c.priority == 1]
        why = _("priority-1 within {minutes:g} min: {got} {where}").format(minutes=t.p1_within_min, got=got,
                                                                            where=where)
        if not any(d.disperses.values()) and d.travel_takes_time and p1:
            rate = sum(c.rate_per_min for c in p1)
            reach = sum(c.rate_per_min * max(c.within_office_p[r] for r in ("officer", "auxiliary") if getattr(c, r))
                        for c in p1) / rate
            why += _("; only {share:.0%} of these calls are within reach of the office in time").format(share=reach)
        self.unreachable[key] = why + _("; planned instead so that {share:.0%} of priority-1 calls find a unit "
                                        "free at once").format(share=t.p1_share)
        self.failed[key].clear()  # those failures were against the arrival target

    def block_ok(self, ev: Evaluation) -> dict[tuple[int, int], bool]:
        """Per block: every target met (out-of-reach priority-1 targets judged on dispatch at once)."""
        return {key: all(v in OK for v in blk.values())
                for key, blk in ev.block_verdicts(self.cfg, set(self.unreachable)).items()}

    def window_start(self) -> int:
        """Clerks per office from Erlang C at the busiest office's mean open-hour load."""
        cfg = self.cfg
        if not cfg.window.enabled:
            return cfg.window.clerks_per_office
        if cfg.target.window_wait_p90_min is None:
            return max(1, cfg.window.clerks_per_office)
        lam, mu = window_load(cfg, max(self.facts["residents_by_office"]))
        if lam <= 0:
            return 1
        return smallest_servers(lam, mu, cfg.target.window_wait_p90_min, 0.9)

    # --- moves -------------------------------------------------------------------
    def climb(self, key, pair, est: dict) -> tuple[int, int] | None:
        """The next pair for a block that missed a target."""
        d, t = self.demand[key], self.cfg.target
        offset = sat_offset = 0.0
        at_once = key in self.unreachable
        predicted = block_attainment(d, *pair, at_once)
        p1 = est.get("p1_at_once" if at_once else "p1")
        if p1 is not None and predicted is not None:
            offset = max(0.0, predicted - p1.estimate)
        if est.get("saturation") is not None and t.saturation_max is not None:
            sat_offset = max(0.0, est["saturation"].bound_high - block_saturation(d, *pair))
        nxt = self._cheapest(key, at_least=pair, offset=offset, sat_offset=sat_offset)
        if nxt is None or nxt == pair or self.known_to_fail(key, nxt):
            steps = [(pair[0], pair[1] + 1), (pair[0] + 1, pair[1])]
            steps = [s for s in steps if self.admissible(key, s) and not self.known_to_fail(key, s)]
            nxt = max(steps, key=lambda s: self._gain_per_cost(key, pair, s), default=None)
        return nxt

    def _gain_per_cost(self, key, pair, step) -> float:
        """Predicted improvement of one more unit per unit of cost; officers win
        ties (they may take every call)."""
        d, t = self.demand[key], self.cfg.target
        at_once = key in self.unreachable
        gain = 0.0
        before, after = block_attainment(d, *pair, at_once), block_attainment(d, *step, at_once)
        if before is not None and after is not None:
            gain += after - before
        if t.saturation_max is not None:
            gain += max(0.0, block_saturation(d, *pair) - block_saturation(d, *step))
        role = "officer" if step[0] > pair[0] else "auxiliary"
        return gain / self.cost[role] + (1e-12 if role == "officer" else 0.0)

    # --- the search ---------------------------------------------------------------
    def run(self, volunteers: tuple[int, ...], max_rounds: int = 12, start: Candidate | None = None) -> SearchResult:
        """``start``: begin from this candidate instead of the analytic one (tests)."""
        started = time.perf_counter()
        cand = start = start or self.start(volunteers)
        self.log(_("analytic start: {staffing}").format(staffing=staffing_text(describe(start))))
        ev = self._decide([cand])[0]
        for _round in range(max_rounds):
            cand, ev, changed = self._climb_round(cand, ev)
            if not changed:
                break
        cand, ev = self._descend(cand, ev)
        for _check in range(3):  # verify jointly; a block that slipped climbs again
            ev = self._decide([cand], full=True)[0]
            if self._blocks_met(ev) and self._window_met(ev):
                break
            for _round in range(max_rounds):
                cand, ev, changed = self._climb_round(cand, ev)
                if not changed:
                    break
        ev = self._decide([cand], full=True)[0]  # what the plan reports: always at full replications
        cand, ev = self._floors(cand, ev)
        return SearchResult(cand, ev, start, dict(self.unreachable), self.steps, time.perf_counter() - started)

    def _blocks_met(self, ev: Evaluation) -> bool:
        return all(self.block_ok(ev).values())

    def _window_met(self, ev: Evaluation) -> bool:
        return all(v in OK for v in ev.window_verdicts(self.cfg))

    def _climb_round(self, cand: Candidate, ev: Evaluation):
        ok, ests = self.block_ok(ev), ev.block_estimates(self.cfg)
        new, changed = cand, False
        for key, fine in ok.items():
            if fine:
                continue
            pair = cand.posts[key[0]][key[1]]
            self.failed[key].add(pair)
            nxt = self.climb(key, pair, ests[key])
            if nxt is None:
                if key not in self.unreachable and ev.block_verdicts(self.cfg)[key].get("p1", MET) not in OK:
                    self._drop(key, ev, _("with {officers}+{auxiliaries}, the most the search may add").format(
                        officers=pair[0], auxiliaries=pair[1]))
                continue
            new, changed = new.with_block(key[0], key[1], nxt), True
        if not self._window_met(ev):
            new, changed = Candidate(new.posts, new.clerks + 1, new.volunteers), True
        if changed:
            self._note("climb", new, ev)
            ev = self._decide([new])[0]
        return new, ev, changed

    def _descend(self, cand: Candidate, ev: Evaluation):
        """Try each kind of cheaper move on every block at once until none is kept."""
        while True:
            kept = False
            for move in range(3):
                trial, moved = cand, []
                for key in self.demand:
                    pair = cand.posts[key[0]][key[1]]
                    o, a = pair
                    option = [(o - 1, a), (o - 1, a + 1), (o, a - 1)][move]
                    if self.admissible(key, option) and not self.known_to_fail(key, option):
                        trial = trial.with_block(key[0], key[1], option)
                        moved.append((key, option))
                if not moved:
                    continue
                tev = self._decide([trial])[0]
                ok = self.block_ok(tev)
                for key, option in moved:
                    if ok[key]:
                        cand = cand.with_block(key[0], key[1], option)
                        kept = True
                    else:
                        self.failed[key].add(option)
                self._note(f"descend {['officer -1', 'officer -> auxiliary', 'auxiliary -1'][move]}", trial, tev)
            if cand.clerks > 1 and self.cfg.window.enabled:
                fewer = Candidate(cand.posts, cand.clerks - 1, cand.volunteers)
                if self._window_met(self._decide([fewer])[0]):
                    cand, kept = fewer, True
            if not kept:
                break
        return cand, self._decide([cand])[0]

    def _floors(self, cand: Candidate, ev: Evaluation):
        """District-wide floors (satisfaction, crime): volunteers first while the
        hours cap allows and the policy sends them on patrol, else one more
        auxiliary (or officer) in every block."""
        cfg, p = self.cfg, self.cfg.plan
        vol_hours = cfg.staffing.shifts["volunteer"].hours * cfg.staffing.shifts["volunteer"].days_per_week
        for _step in range(10):
            verdicts = ev.global_verdicts(cfg)
            if all(v in OK for v in verdicts.values()):
                break
            if "volunteer" in cfg.policy.patrol_roles and all(
                    (v + 1) * vol_hours <= p.volunteer_hours_per_week_max for v in cand.volunteers):
                cand = Candidate(cand.posts, cand.clerks, tuple(v + 1 for v in cand.volunteers))
            else:
                grown = cand
                for key in self.demand:
                    o, a = cand.posts[key[0]][key[1]]
                    nxt = next((s for s in ((o, a + 1), (o + 1, a)) if self.admissible(key, s)), None)
                    if nxt is not None:
                        grown = grown.with_block(key[0], key[1], nxt)
                if grown == cand:
                    break
                cand = grown
            self._note("floor", cand, ev)
            ev = self._decide([cand], full=True)[0]
        return cand, ev

    def _note(self, what: str, cand: Candidate, ev: Evaluation) -> None:
        step = {"step": what, "staffing": describe(cand), "replications": len(ev.reps)}
        self.steps.append(step)
        self.log(_("{step}: {staffing}").format(step=_(what), staffing=staffing_text(describe(cand))))


def describe(cand: Candidate) -> str:
    """Compact text of a candidate: office: officers+auxiliaries per block; clerks (plan.json keeps it)."""
    offices = "; ".join(" ".join(f"{o}+{a}" for o, a in row) for row in cand.posts)
    return f"[{offices}] clerks {cand.clerks}"


def staffing_text(described: str) -> str:
    """``describe``'s text in the current language (the console, plan.md)."""
    posts, sep, clerks = described.rpartition(" clerks ")
    return _("{posts} clerks {n}").format(posts=posts, n=clerks) if sep else described


def estimate_text(est) -> str:
    """A share with its 95% interval, for a sentence."""
    if est is None:
        return _("n/a")
    return _("{estimate:.0%} (95% CI {low:.0%}-{high:.0%})").format(estimate=est.estimate, low=est.low,
                                                                   high=est.high)
