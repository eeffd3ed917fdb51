"""Simulate one staffing candidate over replications and judge every target.

A candidate is on-duty posts per office and shift block (officers,
auxiliaries), window clerks per office and volunteers per office. It becomes
an ordinary ``Config``: each person works one block every day (rotas, leave
and vacancies are the relief factor's business, so turnover and absences are
off while planning), and replication k uses the same root seed for every
candidate, so candidates face the same calls (common random numbers).

Each target gets a verdict from a one-sided t bound across replications at the
plan's confidence: met, missed, or undecided (more replications are added,
up to ``plan.replications_max``). Still undecided then, it is settled on the
point estimate ("met on the estimate") so the search does not add staff for
want of evidence, and the plan reports it as not shown at the confidence.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.config import Config
from sim.core.roles import TIER_NAMES
from sim.core.shifts_config import ShiftConfig
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR, MIN_PER_YEAR
from sim.plan.demand import block_hours, block_of

MET, MISSED, UNDECIDED = "met", "missed", "undecided"
LIKELY = "met on the estimate"  # still undecided at plan.replications_max, the point estimate meets it
OK = (MET, LIKELY)  # what the search accepts; a plan's targets_met needs MET throughout
DISPATCHED_AT_ONCE_MIN = 0.5  # a priority-1 call "found a free unit" if assigned within this; assumption


@dataclass(frozen=True)
class Candidate:
    posts: tuple[tuple[tuple[int, int], ...], ...]  # [office][block] -> (officers, auxiliaries) on duty
    clerks: int  # window clerks per office
    volunteers: tuple[int, ...]  # headcount per office, on their configured shifts

    def officers(self, office: int) -> int:
        return sum(o for o, _ in self.posts[office])

    def auxiliaries(self, office: int) -> int:
        return sum(a for _, a in self.posts[office])

    def with_block(self, office: int, block: int, pair: tuple[int, int]) -> "Candidate":
        rows = [list(r) for r in self.posts]
        rows[office][block] = tuple(pair)
        return dataclasses.replace(self, posts=tuple(tuple(r) for r in rows))

    def units(self) -> int:
        return sum(o + a for row in self.posts for o, a in row)


def candidate_config(base: Config, cand: Candidate, replicate: int) -> Config:
    """The run of one replication of a candidate. People are built office by
    office, so the k-th officer of the whole district takes the k-th start hour."""
    starts, hours = block_hours(base)
    officer_starts, aux_starts, per_office = [], [], []
    for office, row in enumerate(cand.posts):
        for b, (o, a) in enumerate(row):
            officer_starts += [starts[b]] * o
            aux_starts += [starts[b]] * a
        per_office.append({"officer": cand.officers(office), "auxiliary": cand.auxiliaries(office),
                           "volunteer": cand.volunteers[office]})
    shifts = dict(base.staffing.shifts)
    shifts["officer"] = ShiftConfig(officer_starts or [0], hours, 7)
    shifts["auxiliary"] = ShiftConfig(aux_starts or [0], hours, 7)
    staffing = dataclasses.replace(base.staffing, officers=0, residents_per_officer=None, mix=None,
                                   mix_headcount=None, mix_budget_kyuan_per_year=None, posts_m=None,
                                   per_office=per_office, shifts=shifts)
    p = base.plan
    return dataclasses.replace(
        base, replicate=replicate, staffing=staffing,
        sim=dataclasses.replace(base.sim, days=p.days, warmup_days=p.warmup_days, progress=False, plots=False,
                                record_every_min=MIN_PER_DAY),
        window=dataclasses.replace(base.window, clerks_per_office=cand.clerks),
        workforce=dataclasses.replace(base.workforce, turnover_per_year=0.0, absence_share=0.0))


def as_configured(base: Config, replicate: int) -> Config:
    """Replication k of the configuration as given (today's rosters), at the plan's length."""
    p = base.plan
    return dataclasses.replace(base, replicate=replicate, sim=dataclasses.replace(
        base.sim, days=p.days, warmup_days=p.warmup_days, progress=False, plots=False, record_every_min=MIN_PER_DAY))


def minutes_in_block(start, end, b0_min: float, b1_min: float) -> np.ndarray:
    """Minutes of [start, end) that fall in the daily window [b0, b1) (vectorised);
    a window past midnight (b1 > 1440) is its two parts."""
    if b1_min > MIN_PER_DAY:
        return minutes_in_block(start, end, b0_min, MIN_PER_DAY) + minutes_in_block(start, end, 0.0, b1_min - MIN_PER_DAY)

    def upto(t):
        t = np.asarray(t, float)
        day, rest = np.divmod(t, MIN_PER_DAY)
        return day * (b1_min - b0_min) + np.clip(rest - b0_min, 0.0, b1_min - b0_min)
    return np.maximum(upto(end) - upto(start), 0.0)


def measure(cfg: Config) -> dict:
    """Run one replication and keep only what the targets need, by office and block."""
    from sim.core.orphans import watch_parent
    from sim.run import simulate, tiers_cost  # the model: imported in the worker

    watch_parent()  # a worker ends with the plan that launched it
    model = simulate(cfg)
    starts, hours = block_hours(cfg)
    offices, blocks = len(model.district.offices), len(starts)
    warm, end = model.warmup_min, model.horizon_min
    calls = model.calls
    t_arr = np.fromiter((c.t_arrival for c in calls), float, len(calls))
    prio = np.fromiter((c.priority for c in calls), int, len(calls))
    office = np.fromiter((c.office for c in calls), int, len(calls))
    resp = np.fromiter((c.t_on_scene - c.t_arrival for c in calls), float, len(calls))
    wait = np.fromiter((c.t_dispatch - c.t_arrival for c in calls), float, len(calls))
    block = block_of(t_arr, starts, hours)
    target = cfg.target.p1_within_min
    counted = (t_arr >= warm) & (t_arr < end - 60.0)  # the last hour is censored: leave it out
    p1 = counted & (prio == 1)
    hits = np.zeros((offices, blocks))
    at_once = np.zeros((offices, blocks))  # a unit free at once (the part of the target staffing controls)
    n = np.zeros((offices, blocks))
    if target is not None:
        np.add.at(n, (office[p1], block[p1]), 1)
        np.add.at(hits, (office[p1], block[p1]), (resp[p1] <= target + 1e-9).astype(float))
        np.add.at(at_once, (office[p1], block[p1]), (wait[p1] <= DISPATCHED_AT_ONCE_MIN).astype(float))
    fleet = model.fleet
    tier = lead_tiers(calls, fleet)
    hits_tier, calls_tier = np.zeros((len(TIER_NAMES), offices, blocks)), np.zeros(len(TIER_NAMES))
    for k in range(len(TIER_NAMES)):  # who reached priority-1 calls in time, who led every dispatched call
        if target is not None:
            sel = p1 & (tier == k) & (resp <= target + 1e-9)
            np.add.at(hits_tier[k], (office[sel], block[sel]), 1.0)
        calls_tier[k] = float((counted & (tier == k) & ~np.isnan(wait)).sum())  # as summary.json's tier_share_*
    # saturation: minutes the office's officers and auxiliaries were committed to calls over their
    # on-duty minutes (the station's and rapid units, fleet.tier > 0, are not the office's staff)
    planned = np.isin(np.asarray(fleet.role_name), ("officer", "auxiliary")) & (np.asarray(fleet.tier) == 0)
    busy = np.zeros((offices, blocks))
    staffed = np.zeros((offices, blocks))
    t_disp = np.fromiter((c.t_dispatch for c in calls), float, len(calls))
    t_clear = np.fromiter((c.t_clear for c in calls), float, len(calls))
    t0 = np.maximum(np.where(np.isnan(t_disp), t_arr, t_disp), warm)
    t1 = np.minimum(np.where(np.isnan(t_clear), end, t_clear), end)
    pairs = [(k, u) for k, c in enumerate(calls) for u in c.units if u >= 0 and planned[u]]
    k_idx = np.array([k for k, _ in pairs], int)
    u_idx = np.array([u for _, u in pairs], int)
    duty = [(u, a, e) for u, spans in enumerate(model.staffing.duty_intervals) if planned[u] for a, e in spans]
    d_unit = np.array([u for u, _, _ in duty], int)
    d_a = np.clip(np.array([a for _, a, _ in duty], float), warm, end)
    d_e = np.clip(np.array([e for _, _, e in duty], float), warm, end)
    for b, s in enumerate(starts):
        b0, b1 = s * MIN_PER_HOUR, (s + hours) * MIN_PER_HOUR
        if len(k_idx):
            np.add.at(busy[:, b], fleet.office[u_idx],
                      minutes_in_block(t0[k_idx], np.maximum(t1[k_idx], t0[k_idx]), b0, b1))
        if len(d_unit):
            np.add.at(staffed[:, b], fleet.office[d_unit], minutes_in_block(d_a, d_e, b0, b1))
    rated = model.intake.ratings  # callers' ratings (none without the community)
    ratings = [rated[c.call_id] for c in calls if c.t_arrival >= warm and c.call_id in rated]
    satisfaction = float(np.mean(ratings)) if ratings else np.nan
    years = (end - warm) / MIN_PER_YEAR
    crimes = sum(1 for inc in model.incidents if inc[2] >= warm)
    residents = float(model.district.residents.sum())
    window_p90 = np.full(offices, np.nan)
    for o, w in enumerate(model.service_windows.windows):
        r = w.records()
        after = (r["t_arrival_min"] >= warm) & ~r["kiosk"] & ~np.isnan(r["wait_min"])
        if after.any():
            window_p90[o] = float(np.percentile(r["wait_min"][after], 90))
    return {"p1_hits": hits, "p1_at_once": at_once, "p1_n": n, "busy": busy, "staffed": staffed, "satisfaction": satisfaction,
            "crimes_per_1000": crimes / years / residents * 1000.0 if residents else np.nan,
            "window_p90": window_p90, "p1_hits_tier": hits_tier, "calls_tier": calls_tier,
            "tiers_cost_kyuan": tiers_cost(model), **station_own_calls(model, cfg)}


def station_own_calls(model, cfg: Config) -> dict:
    """The station's own calls outside the district (none without a station),
    counted as the district's are: their mean response (what leaning on the
    station costs its jurisdiction, seed 003 §7.1) and how many had a unit set
    off within ``target.station_off_within_min`` (the station plan's target)."""
    calls = [c for c in (model.station_area.calls if model.station_area is not None else ())
             if model.warmup_min <= c.t_arrival < model.horizon_min - 60.0]
    resp = np.array([c.t_on_scene - c.t_arrival for c in calls], float)
    off = np.array([c.t_dispatch - c.t_arrival + cfg.travel.turnout_min + model.fleet.extra_turnout[c.units[0]]
                    if c.units[0] >= 0 else np.nan for c in calls], float)
    within = cfg.target.station_off_within_min
    return {"station_own_response_min": float(np.nanmean(resp)) if np.isfinite(resp).any() else np.nan,
            "station_own_n": float(len(calls)),
            "station_own_off_hits": float((off <= within + 1e-9).sum()) if within is not None else 0.0}


def lead_tiers(calls, fleet) -> np.ndarray:
    """Tier of each call's lead unit (0 office, 1 station, 2 rapid; calls.parquet ``tier``), -1 if none."""
    lead = np.fromiter((c.units[0] for c in calls), int, len(calls))
    return np.where(lead >= 0, np.asarray(fleet.tier, int)[np.maximum(lead, 0)], -1)


@dataclass
class Estimate:
    estimate: float
    low: float  # two-sided 95% interval
    high: float
    bound_low: float  # one-sided bounds at the plan's confidence
    bound_high: float
    n_reps: int

    def as_dict(self) -> dict:
        r = lambda v: None if v is None or not math.isfinite(v) else round(float(v), 4)  # noqa: E731
        return {"estimate": r(self.estimate), "ci95": [r(self.low), r(self.high)], "replications": self.n_reps}


def clopper_pearson(hits: float, n: float, level: float) -> tuple[float, float]:
    """Exact one-sided binomial bounds at ``level`` (each side)."""
    lo = 0.0 if hits <= 0 else float(stats.beta.ppf(1 - level, hits, n - hits + 1))
    hi = 1.0 if hits >= n else float(stats.beta.ppf(level, hits + 1, n - hits))
    return lo, hi


def ratio_estimate(num: np.ndarray, den: np.ndarray, confidence: float, counts: bool = False) -> Estimate | None:
    """Ratio of sums across replications with a replication-level (cluster)
    variance, so replications with few or no calls weigh in proportion.
    ``counts``: num and den count calls, so the bounds are also no tighter than
    the exact binomial ones (every replication at 100% gives no variance, yet
    8 calls out of 8 do not show 90%)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    k = len(num)
    if den.sum() <= 0:
        return None
    p = num.sum() / den.sum()
    if k < 2:
        return Estimate(p, -math.inf, math.inf, -math.inf, math.inf, k)
    resid = num - p * den
    se = math.sqrt(float((resid ** 2).sum()) / (k * (k - 1))) / den.mean()
    t95, tc = stats.t.ppf(0.975, k - 1), stats.t.ppf(confidence, k - 1)
    low, high, b_low, b_high = p - t95 * se, p + t95 * se, p - tc * se, p + tc * se
    if counts:
        hits, n = round(float(num.sum())), round(float(den.sum()))
        cp_low, cp_high = clopper_pearson(hits, n, 0.975)
        low, high = min(low, cp_low), max(high, cp_high)
        cp_low, cp_high = clopper_pearson(hits, n, confidence)
        b_low, b_high = min(b_low, cp_low), max(b_high, cp_high)
    return Estimate(p, max(low, 0.0), min(high, 1.0), b_low, b_high, k)  # shares


def _estimate(values: np.ndarray, bounds) -> Estimate | None:
    """The mean of the finite values with ``bounds(v, m)`` -> (low, high, b_low, b_high);
    unbounded from a single value, None from none."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return None
    m = float(v.mean())
    if len(v) < 2:
        return Estimate(m, -math.inf, math.inf, -math.inf, math.inf, len(v))
    return Estimate(m, *bounds(v, m), len(v))


def mean_estimate(values: np.ndarray, confidence: float) -> Estimate | None:
    def bounds(v, m):
        se = float(v.std(ddof=1)) / math.sqrt(len(v))
        t95, tc = stats.t.ppf(0.975, len(v) - 1), stats.t.ppf(confidence, len(v) - 1)
        low = m - t95 * se if v.min() < 0 else max(m - t95 * se, 0.0)  # waits, rates, ratings are never negative
        return low, m + t95 * se, m - tc * se, m + tc * se

    return _estimate(values, bounds)


def share_estimate(values: np.ndarray, confidence: float) -> Estimate | None:
    """The mean of per-replication shares (0-1: callers' mean satisfaction) with
    intervals that stay inside [0, 1] (``share_interval``, as the comparison's
    reports: Wilson's on the replications' effective sample size); the one-sided
    bounds at ``confidence`` are the two-sided interval at 2 x confidence - 1."""
    from sim.output.intervals import share_interval

    return _estimate(values, lambda v, m: (*share_interval(v, 0.95)[3:], *share_interval(v, 2 * confidence - 1)[3:]))


def verdict(est: Estimate | None, limit: float, at_least: bool, settle: bool = False) -> str:
    """Met when the one-sided bound clears the limit, missed when the opposite
    bound is on the wrong side, undecided otherwise (no data: met, nothing to
    miss); ``settle``: no more replications will come, so an undecided verdict
    goes by the point estimate."""
    if est is None:
        return MET
    if at_least:
        v = MET if est.bound_low >= limit else MISSED if est.bound_high < limit else UNDECIDED
        meets = est.estimate >= limit
    else:
        v = MET if est.bound_high <= limit else MISSED if est.bound_low > limit else UNDECIDED
        meets = est.estimate <= limit
    if v == UNDECIDED and settle:
        return LIKELY if meets else MISSED
    return v


@dataclass
class Evaluation:
    """Every replication of one candidate, and the verdicts they support."""

    cand: object  # a Candidate (the office plan), cars per shift (the station plan) or None (as configured)
    reps: list[dict] = field(default_factory=list)

    def stack(self, key: str) -> np.ndarray:
        return np.stack([r[key] for r in self.reps])

    def settled(self, cfg: Config) -> bool:
        return len(self.reps) >= cfg.plan.replications_max

    def block_estimates(self, cfg: Config) -> dict[tuple[int, int], dict[str, Estimate | None]]:
        conf = cfg.plan.confidence
        hits, at_once, n = self.stack("p1_hits"), self.stack("p1_at_once"), self.stack("p1_n")
        busy, staffed = self.stack("busy"), self.stack("staffed")
        on = cfg.target.p1_within_min is not None
        out = {}
        for o in range(hits.shape[1]):
            for b in range(hits.shape[2]):
                out[(o, b)] = {
                    "p1": ratio_estimate(hits[:, o, b], n[:, o, b], conf, counts=True) if on else None,
                    "p1_at_once": ratio_estimate(at_once[:, o, b], n[:, o, b], conf, counts=True) if on else None,
                    "saturation": ratio_estimate(busy[:, o, b], staffed[:, o, b], conf),
                }
        return out

    def block_verdicts(self, cfg: Config, at_once: frozenset | set = frozenset()) -> dict[tuple[int, int], dict[str, str]]:
        """``at_once``: blocks whose priority-1 target is out of reach by travel,
        judged instead on the share of priority-1 calls that find a unit free at once."""
        t = cfg.target
        out = {}
        for key, est in self.block_estimates(cfg).items():
            v = {}
            if t.p1_within_min is not None:
                v["p1"] = verdict(est["p1_at_once" if key in at_once else "p1"], t.p1_share, True, self.settled(cfg))
            if t.saturation_max is not None:
                v["saturation"] = verdict(est["saturation"], t.saturation_max, False, self.settled(cfg))
            out[key] = v
        return out

    def window_estimates(self, cfg: Config) -> list[Estimate | None]:
        w = self.stack("window_p90") if self.reps and len(self.reps[0]["window_p90"]) else np.zeros((0, 0))
        return [mean_estimate(w[:, o], cfg.plan.confidence) for o in range(w.shape[1])]

    def window_verdicts(self, cfg: Config) -> list[str]:
        lim = cfg.target.window_wait_p90_min
        if lim is None or not cfg.window.enabled:
            return []
        return [verdict(e, lim, False, self.settled(cfg)) for e in self.window_estimates(cfg)]

    def overall(self, cfg: Config) -> dict[str, Estimate | None]:
        """District-wide attainment of every target (the plan's ``attainment``)."""
        conf = cfg.plan.confidence
        out: dict[str, Estimate | None] = {}
        if cfg.target.p1_within_min is not None:
            n = self.stack("p1_n").sum(axis=(1, 2))
            out["p1"] = ratio_estimate(self.stack("p1_hits").sum(axis=(1, 2)), n, conf, counts=True)
            out["p1_at_once"] = ratio_estimate(self.stack("p1_at_once").sum(axis=(1, 2)), n, conf, counts=True)
        busy, staffed = self.stack("busy"), self.stack("staffed")
        out["saturation"] = ratio_estimate(busy.sum(axis=(1, 2)), staffed.sum(axis=(1, 2)), conf)
        out["saturation_worst_shift"] = max(
            (e for e in (ratio_estimate(busy[:, o, b], staffed[:, o, b], conf)
                         for o in range(busy.shape[1]) for b in range(busy.shape[2])) if e is not None),
            key=lambda e: e.estimate, default=None)
        if cfg.window.enabled:
            w = self.stack("window_p90")
            out["window_wait_p90_min"] = mean_estimate(np.nanmax(w, axis=1) if w.size else w, conf)
        out["satisfaction"] = share_estimate(self.stack("satisfaction"), conf)  # a 0-1 share: inside [0, 1]
        out["crimes_per_1000"] = mean_estimate(self.stack("crimes_per_1000"), conf)
        return out

    def global_verdicts(self, cfg: Config) -> dict[str, str]:
        t, ov = cfg.target, self.overall(cfg)
        v = {}
        if t.satisfaction_min is not None:
            v["satisfaction"] = verdict(ov["satisfaction"], t.satisfaction_min, True, self.settled(cfg))
        if t.crimes_per_1000_max is not None:
            v["crimes"] = verdict(ov["crimes_per_1000"], t.crimes_per_1000_max, False, self.settled(cfg))
        return v

    def undecided(self, cfg: Config, at_once: set = frozenset()) -> bool:
        verdicts = [v for blk in self.block_verdicts(cfg, at_once).values() for v in blk.values()]
        verdicts += self.window_verdicts(cfg) + list(self.global_verdicts(cfg).values())
        return UNDECIDED in verdicts

    def all_met(self, cfg: Config, at_once: set = frozenset(), accept: tuple = (MET,)) -> bool:
        verdicts = [v for blk in self.block_verdicts(cfg, at_once).values() for v in blk.values()]
        verdicts += self.window_verdicts(cfg) + list(self.global_verdicts(cfg).values())
        return all(v in accept for v in verdicts)
