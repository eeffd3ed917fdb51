"""Residents' trust, awareness and participation, and how contacts move them.

State lives in numpy arrays indexed by resident id (``ResidentRegistry``):
age group, living alone, trust (0-1), awareness of the office, participation
in community safety work. Nothing steps residents: a contact (a served call,
a window visit, a home visit) updates one resident at once; visible patrol is
accumulated per cell and applied once a day; joining and leaving community
work is drawn once a week. The rules (README "The community side"):

- a contact's satisfaction = w_t timeliness + w_o outcome + w_c courtesy,
  timeliness = exp(-(response - expected)+ / expected) (Percy 1980);
- trust moves towards each contact's satisfaction, faster when it is worse
  (bad contacts weigh ~4x good ones; Skogan 2006); contacts make people aware;
- a victim reports a crime with chance report_prob x (1 + slope (trust - reference));
- aware residents join community work at a rate rising with trust and leave
  at one falling with it; participants add to guardianship in their cell.
"""
from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

import numpy as np

from sim.core.subsystem import RunTotals, Subsystem
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR, MIN_PER_WEEK, MIN_PER_YEAR

if TYPE_CHECKING:
    from sim.community.config import CommunityConfig
    from sim.community.elderly import ElderlyPlacement

CHANNELS = ("call", "window")  # rated contacts: a served call, a window visit


def beta_params(mean: float, sd: float) -> tuple[float, float] | None:
    """Beta(a, b) with this mean and sd (None: sd 0, everyone at the mean)."""
    if sd <= 0:
        return None
    k = max(mean * (1 - mean) / (sd * sd) - 1.0, 0.05)
    return mean * k, (1 - mean) * k


class Community(Subsystem):
    """The residents' side of a run (a part of the model: sim.core.subsystem).
    ``people``: who is elderly and alone, the first draws of ``rng``
    (sim.community.elderly); ``call_ratings``: call id -> its caller's rating,
    the dict the calls table reads."""

    stage = 4  # residents' daily and weekly updates (sim.model)

    def __init__(self, model, cfg: CommunityConfig, rng: np.random.Generator, people: ElderlyPlacement,
                 call_ratings: dict[int, float]):
        self.model, self.cfg, self.rng = model, cfg, rng
        reg = model.residents
        n = len(reg)
        self.n = n
        self.cell = people.cell  # each resident's flat cell
        self.elderly = people.elderly
        self.alone = people.alone
        ab = beta_params(cfg.trust_initial_mean, cfg.trust_initial_sd)
        self.trust = rng.beta(*ab, n) if ab else np.full(n, cfg.trust_initial_mean)
        self.aware = rng.random(n) < cfg.aware_initial_share
        join = min(1.0, cfg.participation_initial_share / max(cfg.aware_initial_share, 1e-9))
        self.participant = self.aware & (rng.random(n) < join)
        self.counts = reg.counts
        self._alone_ids = np.flatnonzero(self.alone)  # sorted, so grouped by cell
        self._alone_start = np.searchsorted(self.cell[self._alone_ids], np.arange(len(reg.counts) + 1))
        self.exposure_min = np.zeros(len(reg.counts))  # visible patrol per cell since the last daily update
        # rated contacts after the warm-up, compact (a run's worth of tuples would grow with its length)
        self.rated = array("d")  # satisfaction of each
        self.rated_channel = array("b")  # CHANNELS index of each
        self.call_satisfaction = call_ratings
        self.visits = 0
        self.visited: set[int] = set()  # households reached

    # --- the model's hooks (sim.core.subsystem) -----------------------------
    def start(self, model) -> None:
        model.env.process(self.daily())

    def callers(self) -> dict:
        return {"elderly_alarm": self.pick_alone_elderly}  # one-click alarms

    def stay_ended(self, x: float, y: float, arrived: float, left: float, patrol: bool) -> None:
        if patrol:  # residents see the patrol
            d = self.model.district
            cx, cy = d.cell_of(x, y)
            self.patrol_seen(int(cx) * d.height + int(cy), left - arrived)

    # --- who is involved -----------------------------------------------------
    def pick_alone_elderly(self, flat: int) -> int:
        """An elderly resident living alone in this cell (-1 if none): one-click
        alarms. One uniform of the registry's stream, as for any background
        caller, so callers stay the same under any policy."""
        u = self.model.residents.uniform()
        a, b = self._alone_start[flat], self._alone_start[flat + 1]
        if b <= a:
            return -1
        return int(self._alone_ids[a + min(int(u * (b - a)), b - a - 1)])

    def household(self, resident_id: int) -> np.ndarray:
        """Resident ids of the household of ``resident_id`` (consecutive ids of one cell)."""
        reg = self.model.residents
        flat = reg.cell_of(resident_id)
        start, count = int(reg.offset[flat]), int(reg.counts[flat])
        size = max(int(round(self.cfg.household_size)), 1)
        h0 = start + (resident_id - start) // size * size
        return np.arange(h0, min(h0 + size, start + count))

    # --- contacts ------------------------------------------------------------
    def timeliness(self, minutes: float, expected: float) -> float:
        return math.exp(-max(minutes - expected, 0.0) / expected)

    def expected_response(self, priority: int) -> float:
        e = self.cfg.expected_response_min
        return e[min(priority, len(e)) - 1]

    def courteous(self, efficiency: float) -> float:
        return 1.0 if self.rng.random() < self.cfg.courtesy_prob * efficiency else 0.0

    def satisfaction(self, timeliness: float, outcome: float, courtesy: float) -> float:
        c = self.cfg
        return c.weight_timeliness * timeliness + c.weight_outcome * outcome + c.weight_courtesy * courtesy

    def contact(self, ids, s: float, channel: str | None) -> None:
        """Residents met staff and rated the contact ``s``: trust moves toward
        it (faster downwards), they now know the office; a rated contact
        (``channel``) counts in the satisfaction survey."""
        t = self.trust[ids]
        rate = np.where(s < t, self.cfg.trust_loss_rate, self.cfg.trust_gain_rate)
        self.trust[ids] = t + rate * (s - t)
        self.aware[ids] = True
        if channel is not None and self.model.env.now >= self.model.warmup_min:
            self.rated.append(s)
            self.rated_channel.append(CHANNELS.index(channel))

    def call_cleared(self, call, outcome: float | None) -> None:
        """The caller of a served call rates it, courtesy by the lead unit's capability."""
        if call.units[0] < 0 or call.caller_id < 0:
            return
        efficiency = self.model.efficiency(call.units[0])
        response = call.t_on_scene - call.t_arrival
        s = self.satisfaction(self.timeliness(response, self.expected_response(call.priority)),
                              1.0 if outcome is None else outcome, self.courteous(efficiency))
        self.call_satisfaction[call.call_id] = s
        self.contact(call.caller_id, s, "call")

    def window_visited(self, flat: int, wait_min: float, efficiency: float) -> None:
        """A walk-in visitor from ``flat``, served by a clerk, rates the visit."""
        self.window_served(self.model.residents.pick_id(flat, self.rng), wait_min, efficiency)

    def window_served(self, resident_id: int, wait_min: float, efficiency: float) -> None:
        s = self.satisfaction(self.timeliness(wait_min, self.cfg.expected_window_wait_min), 1.0,
                              self.courteous(efficiency))
        self.contact(resident_id, s, "window")

    def home_visit(self, flat: int, efficiency: float) -> int:
        """A visit reaches ``households_per_visit`` households of the cell: they
        meet staff with nothing to wait for (timeliness and outcome 1). Returns
        how many residents were reached."""
        reg = self.model.residents
        count = int(reg.counts[flat])
        if count == 0:
            return 0
        self.visits += 1
        start = int(reg.offset[flat])
        size = max(int(round(self.cfg.household_size)), 1)
        households = max(count // size, 1)
        first = int(self.rng.integers(households))
        reached = []
        for k in range(min(self.cfg.households_per_visit, households)):
            h = (first + k) % households
            self.visited.add(start + h * size)
            reached.append(np.arange(start + h * size, min(start + (h + 1) * size, start + count)))
        ids = np.concatenate(reached)
        self.contact(ids, self.satisfaction(1.0, 1.0, self.courteous(efficiency)), None)
        return len(ids)

    # --- reporting ------------------------------------------------------------
    def report_prob(self, resident_id: int, base: float) -> float:
        c = self.cfg
        factor = 1.0 + c.reporting_trust_slope * (float(self.trust[resident_id]) - c.reporting_trust_reference)
        return min(max(base * factor, 0.0), 1.0)

    def aware_share(self, flat: int) -> float:
        a, n = int(self.model.residents.offset[flat]), int(self.counts[flat])
        return float(self.aware[a:a + n].mean()) if n else 0.0

    # --- slow processes ---------------------------------------------------------
    def patrol_seen(self, flat: int, minutes: float) -> None:
        self.exposure_min[flat] += minutes

    def daily(self):
        """SimPy process: visible patrol of the day -> awareness and trust; weekly participation."""
        env = self.model.env
        day = 0
        while True:
            yield env.timeout(MIN_PER_DAY)
            day += 1
            self._apply_patrol_exposure()
            if day % 7 == 0:
                self._participation(MIN_PER_WEEK)

    def _apply_patrol_exposure(self) -> None:
        exposed = self.exposure_min > 0
        if not exposed.any():
            return
        hours = (self.exposure_min / MIN_PER_HOUR)[self.cell]
        who = exposed[self.cell]
        u = self.rng.random(int(who.sum()))
        h = hours[who]
        self.aware[who] |= u < 1.0 - np.exp(-self.cfg.patrol_aware_per_hour * h)
        self.trust[who] += (1.0 - np.exp(-self.cfg.patrol_trust_per_hour * h)) * (1.0 - self.trust[who])
        self.exposure_min[:] = 0.0

    def _participation(self, dt_min: float) -> None:
        c = self.cfg
        years = dt_min / MIN_PER_YEAR
        u = self.rng.random(self.n)
        join = ~self.participant & self.aware & (u < 1.0 - np.exp(-c.participation_join_per_year * self.trust * years))
        quit_ = self.participant & (u < 1.0 - np.exp(-c.participation_quit_per_year * (1.0 - self.trust) * years))
        self.participant = (self.participant | join) & ~quit_
        self.update_guardianship()

    def participating_share_by_cell(self) -> np.ndarray:
        part = np.bincount(self.cell, weights=self.participant, minlength=len(self.counts))
        return np.divide(part, self.counts, out=np.zeros(len(self.counts)), where=self.counts > 0)

    def update_guardianship(self) -> None:
        """Participants watch their neighbourhood: the parts that care (crime) hear it."""
        extra = self.cfg.participation_guardianship * self.participating_share_by_cell()
        for hear in self.model.hooks.participation_changed:
            hear(extra)

    # --- results ------------------------------------------------------------------
    def summary(self, run: RunTotals) -> dict:
        rated, channel = np.frombuffer(self.rated, dtype=float), np.frombuffer(self.rated_channel, dtype=np.int8)
        assert run.warmup_min == self.model.warmup_min, "contacts are kept from the model's warm-up on"
        mean = lambda xs: float(np.mean(xs)) if len(xs) else None  # noqa: E731
        return {
            "satisfaction_mean": mean(rated),
            "satisfaction_calls_mean": mean(rated[channel == CHANNELS.index("call")]),
            "satisfaction_window_mean": mean(rated[channel == CHANNELS.index("window")]),
            "satisfied_share": mean(rated >= 0.7),
            "contacts_rated": len(rated),
            "trust_mean": float(self.trust.mean()) if self.n else None,
            "awareness_share": float(self.aware.mean()) if self.n else None,
            "participation_share": float(self.participant.mean()) if self.n else None,
            "home_visits": int(self.visits),
            "households_visited_share": len(self.visited) / max(self.n / max(self.cfg.household_size, 1.0), 1.0),
            "elderly_alone": int(self.alone.sum()),
        }
