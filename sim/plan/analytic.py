"""Classical staffing estimates: where the planner's search starts.

Three textbook tools, each answering part of the question:

- **Erlang C** (M/M/c): the chance a call waits and the wait distribution,
  P(Wq <= t) = 1 - C(c, a) exp(-(c mu - lambda) t);
- the **square-root law** (Larson & Odoni §3.8, VALIDATION.md): the nearest of
  N units spread over area A is about 0.63 sqrt(A/N) away (Manhattan); for
  N units as a Poisson scatter, P(D <= r) = 1 - exp(-N 2 r^2 / A), 2 r^2
  being the area of a Manhattan ball of radius r;
- the **workload method** (VALIDATION.md): committed time over on-duty
  time stays under the saturation cap (``block_saturation``), and the relief
  factor turns post-hours into people (``people_for``).

``block_attainment`` joins them into one predicted share of priority-1 calls
reached in time for a block of officers and auxiliaries; the search calibrates
it against the simulation rather than trusting it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recursion (no factorials)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """P(wait) in M/M/c with offered load a = lambda / mu Erlangs; 1 when a >= c."""
    if c <= 0 or a >= c:
        return 1.0
    if a <= 0:
        return 0.0
    b = erlang_b(c, a)
    return b / (1.0 - (a / c) * (1.0 - b))


def wait_within(c: int, lam: float, mu: float, t: float) -> float:
    """P(Wq <= t) in M/M/c (lam, mu per minute, t in minutes); 0 when unstable."""
    if c <= 0 or lam >= c * mu:
        return 0.0
    return 1.0 - erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def smallest_servers(lam: float, mu: float, t: float, share: float, rho_max: float | None = None,
                     c_max: int = 10_000) -> int:
    """The fewest servers with P(Wq <= t) >= share (and utilisation <= rho_max)."""
    c = max(1, math.ceil(lam / mu / (rho_max if rho_max else 1.0) - 1e-12))
    while c <= c_max:
        if wait_within(c, lam, mu, t) >= share and (rho_max is None or lam / (c * mu) <= rho_max + 1e-12):
            return c
        c += 1
    raise ValueError(f"no c <= {c_max} meets the target")


def manhattan_nearest_within(n_free: float, r_m: float, area_m2: float) -> float:
    """Chance the nearest of n_free units scattered over area_m2 is within r_m
    (Manhattan): 1 - exp(-n 2 r^2 / A), the Poisson form of the square-root law."""
    if n_free <= 0 or r_m <= 0:
        return 0.0
    return 1.0 - math.exp(-n_free * 2.0 * r_m * r_m / area_m2)


def people_for(post_hours_per_week: float, relief_per_247_post: float) -> float:
    """People to staff a weekly amount of post-hours: a post round the clock
    (168 h a week) needs ``relief`` people (days off, leave, training)."""
    return post_hours_per_week / 168.0 * relief_per_247_post


@dataclass
class CallClass:
    """One call type's demand in one office and shift block."""

    name: str
    rate_per_min: float
    priority: int
    officer: bool  # an officer may attend
    auxiliary: bool  # an auxiliary may attend
    busy_min: float  # unit-minutes per call: turnout + travel + on-scene (x units needed)
    within_office_p: dict[str, float]  # by role: share of these calls within reach of the office in time


@dataclass
class BlockDemand:
    """What one office faces in one shift block (rates averaged over the week)."""

    classes: list[CallClass]
    area_m2: float  # the office's area (square-root law)
    officer_share_on_duty: float  # 1 - officer_non_community_share
    turnout_min: float
    speed_m_per_min: dict[str, float]  # officer, auxiliary
    disperses: dict[str, bool]  # whether idle officers / auxiliaries patrol the area
    travel_takes_time: bool
    target_min: float | None  # priority-1 arrival target

    @property
    def load(self) -> float:
        """Offered load in Erlangs (unit-minutes per minute)."""
        return sum(c.rate_per_min * c.busy_min for c in self.classes)

    def aux_useful(self) -> bool:
        return any(c.auxiliary and c.rate_per_min > 0 for c in self.classes)


def block_servers(d: BlockDemand, officers: int, auxiliaries: int) -> float:
    return officers * d.officer_share_on_duty + (auxiliaries if d.aux_useful() else 0)


def block_saturation(d: BlockDemand, officers: int, auxiliaries: int) -> float:
    n = block_servers(d, officers, auxiliaries)
    return d.load / n if n > 0 else math.inf


def block_attainment(d: BlockDemand, officers: int, auxiliaries: int, at_once: bool = False) -> float | None:
    """Predicted share of priority-1 calls reached within the target (``at_once``:
    that find an eligible unit free, the part of the target staffing controls).

    Waiting: a priority-1 call waits only when every unit that may take it is
    busy; with overall utilisation rho that is about Erlang C over the eligible
    pool at load rho x pool. Without travel time (the queueing set-up) the wait
    distribution is exact M/M/c. With travel, the call is in time if it does
    not wait and the nearest free eligible unit is close enough: at the office
    (the share of calls within reach of it) or, for patrolling roles, the
    square-root law over the free units.
    """
    p1 = [c for c in d.classes if c.priority == 1 and c.rate_per_min > 0]
    if not p1 or d.target_min is None:
        return None
    n_total = block_servers(d, officers, auxiliaries)
    rho = d.load / n_total if n_total > 0 else math.inf
    hit = 0.0
    q = d.officer_share_on_duty  # each officer is present (not pulled away) independently with this chance
    present = stats.binom.pmf(np.arange(officers + 1), officers, q) if officers > 0 else np.array([1.0])
    for c in p1:
        o = officers * q if c.officer else 0.0
        a = auxiliaries if c.auxiliary else 0
        pool = o + a
        if pool <= 0 or rho >= 1:
            continue
        if not d.travel_takes_time:
            # exact M/M/c when one pool takes everything (the queueing check)
            lam = sum(k.rate_per_min for k in d.classes)
            mu = lam / d.load
            hit += c.rate_per_min * wait_within(int(round(pool)), lam, mu, d.target_min)
            continue
        # no eligible unit free: k officers present (binomial), each unit busy at rate rho
        p_wait = 0.0
        for k, pk in enumerate(present):
            n = (k if c.officer else 0) + a
            p_wait += pk * (1.0 if n == 0 else erlang_c(n, rho * n))
        if at_once:
            hit += c.rate_per_min * (1.0 - p_wait)
            continue
        reach = d.target_min - d.turnout_min
        p_travel = 0.0
        if reach > 0:
            miss = 1.0
            for role, n in (("officer", o), ("auxiliary", a)):
                if n <= 0:
                    continue
                if d.disperses[role]:
                    miss *= 1.0 - manhattan_nearest_within(n * (1 - rho), d.speed_m_per_min[role] * reach,
                                                           d.area_m2)
                else:
                    miss *= 1.0 - c.within_office_p[role]
            p_travel = 1.0 - miss
        hit += c.rate_per_min * (1.0 - p_wait) * p_travel
    total = sum(c.rate_per_min for c in p1)
    return hit / total


def cheapest_block(d: BlockDemand, share: float | None, saturation_max: float | None, cost: dict[str, float],
                   officers_min: int, aux_ratio: tuple[float, float], max_units: int,
                   at_least: tuple[int, int] = (0, 0), offset: float = 0.0,
                   saturation_offset: float = 0.0, at_once: bool = False) -> tuple[int, int] | None:
    """The cheapest (officers, auxiliaries) the analytic model says meets the
    targets, searched over every admissible pair; ``offset`` is how far the
    model overrates attainment for this block (calibrated by simulation), and
    ``at_least`` a pair the answer must dominate. None: nothing up to
    ``max_units`` qualifies."""
    best, best_cost = None, math.inf
    aux_ok = d.aux_useful()
    for o in range(max(officers_min, at_least[0]), max_units + 1):
        a_lo = max(math.ceil(aux_ratio[0] * o - 1e-9), at_least[1])
        a_hi = min(math.floor(aux_ratio[1] * o + 1e-9), max_units - o) if aux_ok else a_lo
        for a in range(a_lo, a_hi + 1):
            price = o * cost["officer"] + a * cost["auxiliary"]
            if price >= best_cost:
                break
            if saturation_max is not None and block_saturation(d, o, a) + saturation_offset > saturation_max:
                continue
            if share is not None:
                f = block_attainment(d, o, a, at_once)
                if f is not None and f - offset < share:
                    continue
            best, best_cost = (o, a), price
    return best


def travel_within_share(minutes_to_cell: np.ndarray, weights: np.ndarray, reach_min: float) -> float:
    """Share of call weight within ``reach_min`` minutes of travel."""
    w = np.asarray(weights, float)
    return float(w[np.asarray(minutes_to_cell) <= reach_min].sum() / w.sum()) if w.sum() > 0 else 0.0
