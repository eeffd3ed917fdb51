"""The fewest patrol cars the parent station needs on every shift
(``plan.tier=station``; issue 19, seed 003 §7.1: a tiered office/station response).

The office stays as configured (today's rosters, as the office plan's "today"
column runs them). A candidate is a number of cars on duty per shift
(``response.station.patrol_cars_per_shift``); replication k uses the same seeds
for every number (common random numbers) and every target is judged by the
office plan's verdicts (sequential replications, one-sided bounds at
``plan.confidence``, settled on the estimate at ``plan.replications_max``),
plus one the office plan leaves out: the station's own calls outside the
district must find a unit setting off in time (``target.station_off_*``), or
the fewest cars for the district would strip the station's own jurisdiction.

1. **The cap** (``plan.max_units_per_shift`` cars), at full replications, shows
   what cars can reach. The cars wait at the station, so a shift whose
   priority-1 arrival target the cap still misses is out of reach by travel;
   it is judged instead on priority-1 calls finding a unit free at once, as
   in the office plan. A target the cap misses even then (a window wait, say)
   is not the cars' to meet: it is reported, not searched for.
2. **Bisection** over 0..cap for the fewest cars meeting the rest (more cars
   never make a target worse, up to noise).
3. **Verify** at full replications: one more car while the answer misses, one
   fewer while that still meets. The answer meets; one car fewer does not (or
   the answer is 0).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from sim.config import Config
from sim.plan.demand import block_hours, block_label
from sim.plan.evaluate import MET, OK, UNDECIDED, Estimate, Evaluation, as_configured, ratio_estimate, verdict
from sim.plan.runner import Runner
from sim.plan.search import estimate_text
from sim.i18n import Translator

_ = Translator("reports")


def station_config(base: Config, cars: int, replicate: int) -> Config:
    """Replication k of the configuration as given, with ``cars`` patrol cars per shift at the station."""
    cfg = as_configured(base, replicate)
    r = cfg.response
    return dataclasses.replace(cfg, response=dataclasses.replace(
        r, station=dataclasses.replace(r.station, patrol_cars_per_shift=int(cars))))


STATION_OFF = "station's own calls: unit off in time"  # the verdict on target.station_off_*


def station_off_estimate(cfg: Config, ev: Evaluation) -> Estimate | None:
    """Share of the station's own calls whose unit set off within ``target.station_off_within_min``."""
    if cfg.target.station_off_within_min is None:
        return None
    return ratio_estimate(ev.stack("station_own_off_hits"), ev.stack("station_own_n"), cfg.plan.confidence,
                          counts=True)


def named_verdicts(cfg: Config, ev: Evaluation, at_once: set) -> dict[str, str]:
    """Every verdict of an evaluation, by a name a planner can read: the
    district's targets as the office plan judges them, and the station's own calls."""
    starts, hours = block_hours(cfg)
    out = {f"{name}, office {o}, {block_label(starts[b], hours)}": v
           for (o, b), blk in ev.block_verdicts(cfg, at_once).items() for name, v in blk.items()}
    out.update({f"window wait, office {o}": v for o, v in enumerate(ev.window_verdicts(cfg))})
    out.update(ev.global_verdicts(cfg))
    if cfg.target.station_off_within_min is not None:
        out[STATION_OFF] = verdict(station_off_estimate(cfg, ev), cfg.target.station_off_share, True, ev.settled(cfg))
    return out


@dataclass
class StationResult:
    cars: int  # the fewest patrol cars per shift that meet what cars can meet
    evaluation: Evaluation  # at full replications
    one_fewer: Evaluation | None  # cars - 1, at full replications (None when cars is 0)
    at_once: set  # shifts judged on a unit free at once (the arrival target out of reach)
    unreachable: dict[tuple[int, int], str] = field(default_factory=dict)
    beyond_cars: list[str] = field(default_factory=list)  # targets missed even at the cap
    tried: dict[int, bool] = field(default_factory=dict)  # cars -> met, at the replications run
    seconds: float = 0.0


def station_runner(cfg: Config) -> Runner:
    """Replications of car numbers, added while any of their verdicts (the station's own included) is undecided."""
    return Runner(cfg, configure=station_config,
                  undecided=lambda ev, at_once: UNDECIDED in named_verdicts(cfg, ev, at_once).values())


class StationSearch:
    def __init__(self, cfg: Config, runner: Runner, log=print):
        self.cfg, self.runner, self.log = cfg, runner, log
        self.at_once: set = set()
        self.beyond: set[str] = set()
        self.tried: dict[int, bool] = {}

    def meets(self, ev: Evaluation) -> bool:
        """Every target the cars can meet is met (at least on the estimate)."""
        return all(v in OK for k, v in named_verdicts(self.cfg, ev, self.at_once).items() if k not in self.beyond)

    def judge(self, cars: int, full: bool = False) -> bool:
        ev = self.runner.decide([cars], full, self.at_once)[0]
        met = self.tried[cars] = self.meets(ev)
        text = (_("station, cars per shift {cars}: the targets are met ({n} replications)") if met else
                _("station, cars per shift {cars}: the targets are missed ({n} replications)"))
        self.log(text.format(cars=cars, n=len(ev.reps)))
        return met

    def run(self) -> StationResult:
        started = time.perf_counter()
        cap = self.cfg.plan.max_units_per_shift
        unreachable = self._reach(cap)
        lo, hi = 0, cap
        while lo < hi:
            mid = (lo + hi) // 2
            if self.judge(mid):
                hi = mid
            else:
                lo = mid + 1
        cars = lo
        while cars < cap and not self.judge(cars, full=True):
            cars += 1
        while cars > 0 and self.judge(cars - 1, full=True):
            cars -= 1
        ev = self.runner.decide([cars], True, self.at_once)[0]
        fewer = self.runner.decide([cars - 1], True, self.at_once)[0] if cars > 0 else None
        return StationResult(cars, ev, fewer, set(self.at_once), unreachable, sorted(self.beyond), dict(self.tried),
                             time.perf_counter() - started)

    def _reach(self, cap: int) -> dict[tuple[int, int], str]:
        """What ``cap`` cars reach: shifts whose arrival target is out of reach,
        and targets no number of cars meets."""
        cfg, t = self.cfg, self.cfg.target
        ev = self.runner.decide([cap], True)[0]
        ests, out = ev.block_estimates(cfg), {}
        starts, hours = block_hours(cfg)
        for key, blk in ev.block_verdicts(cfg).items():
            if blk.get("p1", MET) not in OK:
                est = ests[key]["p1"]
                got = estimate_text(est)
                self.at_once.add(key)
                out[key] = _("priority-1 within {minutes:g} min: {got} even with {cap} cars per shift; judged instead "
                             "on {share:.0%} of priority-1 calls finding a unit free at once").format(
                                 minutes=t.p1_within_min, got=got, cap=cap, share=t.p1_share)
        self.beyond = {k for k, v in named_verdicts(cfg, ev, self.at_once).items() if v not in OK}
        self.tried[cap] = True  # by construction: everything the cap misses is left out
        for k in sorted(self.beyond):
            self.log(_("station: {target} is missed even with {cap} cars per shift: not the cars' to meet").format(
                target=k, cap=cap))
        return out
