"""Plan the parent station's patrol cars (``plan.tier=station``): search
(sim.plan.station), cost, compare with the configured cars, write.

The office is staffed as configured; the plan is the fewest
``response.station.patrol_cars_per_shift`` that meet the targets, what they
cost (people behind each car around the clock at an officer's pay), and the
gap against the configured number of cars.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from sim.config import Config
from sim.output.provenance import config_hash, git_commit
from sim.plan.costs import building_cost, station_cars_cost
from sim.plan.demand import block_hours, block_label, office_demand
from sim.plan.evaluate import MET, OK, Evaluation
from sim.plan.pipeline import (attainment, begin_plan, calls_fit_report, estimate_dict, headline_keys, plan_cost,
                               replications_text, today, total, write_plan)
from sim.plan.progress import NoProgress, PlanProgress
from sim.plan.runner import Runner
from sim.plan.station import StationResult, StationSearch, named_verdicts, station_off_estimate, station_runner
from sim.plan.tiers import tier_estimates, tier_figures
from sim.i18n import Translator

_ = Translator("reports")


def run_station_plan(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None, log=print,
                     show_progress: bool = False) -> dict:
    out, started = begin_plan(cfg, out_dir, "station")
    progress = PlanProgress(tail=cfg.plan.replications_max) if show_progress else NoProgress()
    if show_progress:
        log = progress.write
    try:
        return _run_station_plan(cfg, out, started, overrides, log, progress)
    finally:
        progress.close()


def _run_station_plan(cfg: Config, out: Path, started: float, overrides, log, progress) -> dict:
    _demand, facts, district = office_demand(cfg)
    runner = station_runner(cfg)
    runner.progress = progress
    progress.phase(_("searching"))
    result = StationSearch(cfg, runner, log=log).run()
    runs = {"search": runner.runs}
    configured = cfg.response.station.patrol_cars_per_shift
    progress.phase(_("configured cars"), cfg.plan.replications_max, known=True)
    today_ev = runner.decide([configured], True, result.at_once)[0]
    runs["configured"] = runner.runs - runs["search"]
    now = total(today(cfg, district))
    ev = result.evaluation
    starts, hours = block_hours(cfg)
    need, have = station_cars_cost(cfg, district, result.cars), station_cars_cost(cfg, district, configured)
    plan = {
        "tier": "station", "district": cfg.district.name, "policy": cfg.policy.name, "residents": facts["residents"],
        "offices": facts["offices"], "response_tiers": cfg.response.tiers,
        "targets": dataclasses.asdict(cfg.target),
        # every target shown at the plan's confidence, none out of reach
        "targets_met": all(v == MET for v in named_verdicts(cfg, ev, set()).values()),
        # every target the cars can meet, met at least on the estimate (the search's criterion)
        "targets_met_on_estimate": all(v in OK for k, v in named_verdicts(cfg, ev, result.at_once).items()
                                       if k not in result.beyond_cars),
        "unreachable": [{"office": o, "shift": block_label(starts[b], hours), "why": why}
                        for (o, b), why in sorted(result.unreachable.items())],
        "beyond_cars": result.beyond_cars,
        "station": {
            "required_cars_per_shift": result.cars, "current_cars_per_shift": configured,
            "gap_cars": result.cars - configured, "cars_max": cfg.plan.max_units_per_shift,
            "duty_officers_per_shift": cfg.response.station.duty_officers_per_shift,
            "people_per_post": cfg.response.station.people_per_post,
            "required_cost": need, "current_cost": have,
            "cost_gap_kyuan_per_year": round(need["kyuan_per_year"] - have["kyuan_per_year"], 1),
        },
        "office_staffing": now,
        "attainment": station_attainment(cfg, ev),
        "one_fewer_attainment": station_attainment(cfg, result.one_fewer) if result.one_fewer is not None else None,
        "today_attainment": station_attainment(cfg, today_ev),
        "tiers": tier_figures(cfg, ev), "today_tiers": tier_figures(cfg, today_ev),
        "annual_cost": plan_cost(cfg, now, district, facts, ev),
        "current_annual_cost": plan_cost(cfg, now, district, facts, today_ev),
        "building_cost": building_cost(cfg),
        "curve": station_curve(cfg, runner, result),
        "search": {"cars_tried": {str(k): v for k, v in sorted(result.tried.items())},
                   "replications_run": runner.runs, "replications_by_part": runs, "plan_days": cfg.plan.days,
                   "replications": len(ev.reps),
                   "seconds": round(time.perf_counter() - started, 1)},
        "config_hash": config_hash(cfg), "git_commit": git_commit(), "overrides": list(overrides or []),
        "calls_fit": calls_fit_report(cfg),
    }
    plan.update(headline_keys(plan))
    log(_("plan: patrol cars per shift at the station {cars} (configured {configured}); {runs}").format(
        cars=result.cars, configured=configured, runs=replications_text(plan["search"])))
    from sim.plan.station_report import write_outputs  # matplotlib only now

    return write_plan(plan, cfg, out, write_outputs)


def station_attainment(cfg: Config, ev: Evaluation) -> dict:
    """The office plan's attainment figures, and the station's own calls (unit off in time, mean response)."""
    out = attainment(cfg, ev)
    t = cfg.target
    if t.station_off_within_min is not None:
        out[f"station_own_off_within_{t.station_off_within_min:g}min_share"] = estimate_dict(
            station_off_estimate(cfg, ev), t.station_off_share)
    out["station_own_response_mean_min"] = tier_figures(cfg, ev)["station_own_calls_response_mean_min"]
    return out


def station_curve(cfg: Config, runner: Runner, result: StationResult) -> list[dict]:
    """Attainment against cars per shift, for every number the search simulated."""
    out = []
    for cars in sorted(result.tried):
        ev: Evaluation = runner.cache[cars]
        ov, tiers = ev.overall(cfg), tier_estimates(cfg, ev)
        out.append({"cars_per_shift": cars, "met": result.tried[cars], "is_plan": cars == result.cars,
                    "replications": len(ev.reps), "p1": estimate_dict(ov.get("p1")),
                    "p1_office_alone": estimate_dict(tiers.get("p1_office")),
                    "p1_station_carries": estimate_dict(tiers.get("p1_beyond")),
                    "p1_unit_free_at_once": estimate_dict(ov.get("p1_at_once")),
                    "station_own_off": estimate_dict(station_off_estimate(cfg, ev)),
                    "saturation_worst_shift": estimate_dict(ov["saturation_worst_shift"])})
    return out
