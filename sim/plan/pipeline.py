"""Plan one district: search, convert posts to people, compare, write.

On-duty posts become headcount with the relief factor (a post round the clock
needs about 4.7-5 people, VALIDATION.md); the gap is required minus today's
headcount (positive: short) and is also set against the ministry norm of one
officer per 3,000 residents (DOMAIN §2, seed 004).
"""
from __future__ import annotations

import dataclasses
import math
import time
from datetime import datetime, timezone
from pathlib import Path

from sim.config import Config, ConfigError
from sim.core.orphans import mark_parent
from sim.core.units import MIN_PER_HOUR
from sim.derived import office_staff_counts
from sim.output.provenance import DONE, config_hash, finish_manifest, git_commit, prepare_dir, write_json_atomic
from sim.plan.analytic import people_for
from sim.plan.costs import annual_cost, building_cost
from sim.plan.demand import block_hours, block_label, office_demand
from sim.plan.headline import headline_keys, replications_text, target_verdict
from sim.plan.evaluate import MET, OK, Candidate, Evaluation, as_configured
from sim.plan.budget import within_budget
from sim.plan.progress import NoProgress, PlanProgress
from sim.plan.runner import Runner
from sim.plan.search import Planner, describe, staffing_text
from sim.plan.tiers import tier_figures
from sim.policing.dispatch_rules import DISPATCH_RULES
from sim.run_any import is_exercise
from sim.i18n import Translator

_ = Translator("reports")

ROLE_KEYS = {"officer": "officers", "auxiliary": "auxiliaries", "volunteer": "volunteers"}


def check_plannable(cfg: Config) -> Config:
    """What the planner cannot honour fails before any run."""
    if is_exercise(cfg):
        raise ConfigError("exercise", cfg.exercise.name or "injects/actions", _("the planner sizes staffing for "
                                                                                "everyday demand, not a tabletop "
                                                                                "exercise; run exercises with python "
                                                                                "-m sim or sim.tabletop"))
    if cfg.queueing.enabled:
        raise ConfigError("queueing.enabled", True, _("the planner plans a district, not the queueing check; "
                                                      "leave +experiment=queueing_check out"))
    if "elastic" in cfg.policy.names():
        raise ConfigError("policy.name", cfg.policy.name,
                          _("the planner sets every shift itself and elastic moves shifts; plan without elastic"))
    t = cfg.target
    if t.p1_within_min is None and t.saturation_max is None and t.window_wait_p90_min is None \
            and t.satisfaction_min is None and t.crimes_per_1000_max is None:
        raise ConfigError("target", "all null", _("every target is switched off: there is nothing to plan for; "
                                                  "set at least one target.* (e.g. target.p1_within_min=8)"))
    if cfg.plan.tier == "station" and not cfg.response.has("station"):
        raise ConfigError("plan.tier", cfg.plan.tier, _("response.tiers={tiers} has no station to plan; use "
                                                        "response.tiers=office_station (or "
                                                        "office_station_rapid), or plan.tier=office")
                                                      .format(tiers=cfg.response.tiers))
    if cfg.plan.tier == "station" and not DISPATCH_RULES[cfg.dispatch.name].sends_other_tiers:
        raise ConfigError("plan.tier", cfg.plan.tier, _("dispatch={name} never sends the station to the "
                                                        "district's calls; use dispatch=office_first or "
                                                        "dispatch=nearest_any").format(name=cfg.dispatch.name))
    if cfg.plan.tier == "station" and cfg.plan.budget_kyuan_per_year is not None:
        raise ConfigError("plan.budget_kyuan_per_year", cfg.plan.budget_kyuan_per_year,
                          _("caps the office plan's yearly cost; the station plan (plan.tier=station) reports what "
                            "its cars cost: set plan.budget_kyuan_per_year=null"))
    if cfg.plan.new_offices > cfg.district.offices:
        raise ConfigError("plan.new_offices", cfg.plan.new_offices, _("must be <= the district's offices "
                                                                      "({offices}): the planner staffs the "
                                                                      "configured offices, it never adds one")
                                                                    .format(offices=cfg.district.offices))
    drawn = [c for c in cfg.calls.values() if c.rate_per_1000_per_year > 0]
    if not drawn:
        raise ConfigError("calls", "all rates 0", _("no call type has a rate above 0: there is no demand to plan for"))
    if t.p1_within_min is not None and not any(c.priority == 1 for c in drawn):
        raise ConfigError("target.p1_within_min", t.p1_within_min, _("no call type with a rate has priority 1; "
                                                                     "switch the target off "
                                                                     "(target.p1_within_min=null) or give a call "
                                                                     "type priority 1"))
    return cfg


def headcount(cfg: Config, cand: Candidate) -> list[dict[str, int]]:
    """People per office for a candidate: block posts x block hours / 24 x relief,
    plus window clerks over their opening hours, rounded up per office."""
    _starts, hours = block_hours(cfg)
    relief = cfg.plan.relief_factor
    clerk_hours = (cfg.window.close_h - cfg.window.open_h) * 7 if cfg.window.enabled else 0.0
    out = []
    for office, row in enumerate(cand.posts):
        officer_hours = sum(o for o, _ in row) * hours * 7
        aux_hours = sum(a for _, a in row) * hours * 7 + cand.clerks * clerk_hours
        out.append({"officers": math.ceil(people_for(officer_hours, relief["officer"]) - 1e-9),
                    "auxiliaries": math.ceil(people_for(aux_hours, relief["auxiliary"]) - 1e-9),
                    "volunteers": cand.volunteers[office]})
    return out


def today(cfg: Config, district) -> list[dict[str, int]]:
    clerks = cfg.window.clerks_per_office if cfg.window.enabled else 0
    out = []
    for o in range(len(district.offices)):
        counts = office_staff_counts(cfg, district, o)
        out.append({"officers": counts["officer"], "auxiliaries": counts["auxiliary"] + clerks,
                    "volunteers": counts["volunteer"]})
    return out


def grid_workers(cfg: Config, district) -> int:
    """Grid workers in all offices: the planner keeps them as configured (they count in the cost)."""
    return sum(office_staff_counts(cfg, district, o)["grid_worker"] for o in range(len(district.offices)))


def plan_cost(cfg: Config, people: dict[str, int], district, facts: dict, ev: Evaluation) -> dict:
    """A year of ``people`` (plan keys) in the district's offices, with the
    district's share of the station's units as measured in ``ev``'s runs."""
    return annual_cost(cfg, {**people, "grid_workers": grid_workers(cfg, district)}, facts["offices"],
                       facts["residents"], float(ev.reps[0]["tiers_cost_kyuan"]) if ev.reps else 0.0)


def roster_needs(cfg: Config, now: list[dict[str, int]]) -> dict[str, float]:
    """People needed to staff today's roster as the model runs it: each person
    of the config is on duty ``hours`` x ``days_per_week`` a week, which takes
    ``relief`` people per post round the clock in reality (days off, leave)."""
    s, relief = cfg.staffing.shifts, cfg.plan.relief_factor
    clerk_hours = (cfg.window.close_h - cfg.window.open_h) * 7 if cfg.window.enabled else 0.0
    clerks = cfg.window.clerks_per_office if cfg.window.enabled else 0
    out = {"officers": 0.0, "auxiliaries": 0.0}
    for office in now:
        out["officers"] += people_for(office["officers"] * s["officer"].hours * s["officer"].days_per_week,
                                      relief["officer"])
        out["auxiliaries"] += people_for((office["auxiliaries"] - clerks) * s["auxiliary"].hours
                                         * s["auxiliary"].days_per_week + clerks * clerk_hours, relief["auxiliary"])
    return {k: round(v, 1) for k, v in out.items()}


def total(rows: list[dict[str, int]]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in ROLE_KEYS.values()}


def curve_candidates(planner: Planner, best: Candidate, span: int = 3) -> list[Candidate]:
    """The plan with every block k units lighter or heavier (auxiliaries where
    they may be sent, else officers), for the staffing curve."""
    out = []
    for delta in range(-span, span + 1):
        cand = best
        for key in planner.demand:
            o, a = best.posts[key[0]][key[1]]
            pair = (o, a + delta) if planner.demand[key].aux_useful() else (o + delta, a)
            if delta < 0 and not planner.admissible(key, pair):
                pair = (max(planner.cfg.plan.officers_min_per_shift, o + min(delta, 0)), max(0, a + min(delta, 0)))
            if pair[0] >= 0 and pair[1] >= 0 and pair[0] + pair[1] > 0:
                cand = cand.with_block(key[0], key[1], pair)
        if cand not in out:
            out.append(cand)
    return out


def estimate_dict(est, target: float | None = None, at_least: bool = True) -> dict | None:
    if est is None:
        return None
    d = est.as_dict()
    if target is not None:
        d["target"] = target
        d["met"] = bool(est.bound_low >= target) if at_least else bool(est.bound_high <= target)
    return d


def attainment(cfg: Config, ev: Evaluation) -> dict:
    t, ov = cfg.target, ev.overall(cfg)
    out = {}
    if t.p1_within_min is not None:
        out[f"p1_within_{t.p1_within_min:g}min_share"] = estimate_dict(ov["p1"], t.p1_share)
        out["p1_unit_free_at_once_share"] = estimate_dict(ov["p1_at_once"])
    out["saturation_worst_shift"] = estimate_dict(ov["saturation_worst_shift"], t.saturation_max, at_least=False)
    out["saturation_mean"] = estimate_dict(ov["saturation"])
    if cfg.window.enabled:
        out["window_wait_p90_min_worst_office"] = estimate_dict(ov["window_wait_p90_min"], t.window_wait_p90_min,
                                                                at_least=False)
    out["satisfaction"] = estimate_dict(ov["satisfaction"], t.satisfaction_min)
    out["crimes_per_1000_per_year"] = estimate_dict(ov["crimes_per_1000"], t.crimes_per_1000_max, at_least=False)
    for key, d in out.items():  # met: at the stated confidence; met_on_estimate: the point estimate meets it
        if d is not None and "met" in d:
            d["met_on_estimate"] = target_verdict(key, d) in ("yes", "on_estimate")
    return out


def begin_plan(cfg: Config, out_dir: str | Path, tier: str) -> tuple[Path, float]:
    """Checks, the plan folder (no stale plan.json), the workers' watch; (folder, start time)."""
    check_plannable(cfg)
    if cfg.plan.tier != tier:
        raise ValueError(f"plan.tier={cfg.plan.tier} is not planned here ({tier}): see sim.plan.__main__")
    out = prepare_dir(out_dir, cfg, kind="plan")
    (out / "plan.json").unlink(missing_ok=True)
    mark_parent()  # the replication workers end if this process is killed (sim.core.orphans)
    return out, time.perf_counter()


def run_plan(cfg: Config, out_dir: str | Path, overrides: list[str] | None = None, log=print,
             show_progress: bool = False) -> dict:
    """The office's staffing, given the station's backup (``plan.tier=office``;
    the station's cars: sim.plan.station_pipeline). ``show_progress``: a
    progress bar on stderr (a terminal only; ``log`` lines print above it)."""
    out, started = begin_plan(cfg, out_dir, "office")
    demand, facts, district = office_demand(cfg)
    progress = PlanProgress(tail=tail_runs(cfg)) if show_progress else NoProgress()
    if show_progress:
        log = progress.write
    try:
        return _run_plan(cfg, out, started, demand, facts, district, overrides, log, progress)
    finally:
        progress.close()


def tail_runs(cfg: Config) -> int:
    """Runs known to come after the search: the staffing curve (at most 7
    candidates; the plan's own runs are cached) and today's roster."""
    return (7 * cfg.plan.replications_min if cfg.plan.curve else 0) + cfg.plan.replications_min


def _run_plan(cfg: Config, out: Path, started: float, demand, facts, district, overrides, log, progress) -> dict:
    runner = Runner(cfg, progress=progress)
    planner = Planner(cfg, demand, facts, runner, log=log)
    now = today(cfg, district)
    progress.phase(_("searching"))
    result = planner.run(tuple(r["volunteers"] for r in now))
    best, ev = result.best, result.evaluation
    runs = {"search": runner.runs}
    curve = []
    if cfg.plan.curve:
        progress.phase(_("staffing curve"), 7 * cfg.plan.replications_min, known=True)
        cands = curve_candidates(planner, best)
        for cand, cev in zip(cands, runner.ensure(cands, cfg.plan.replications_min)):
            people = total(headcount(cfg, cand))
            ov = cev.overall(cfg)
            curve.append({"staffing": describe(cand), "officers": people["officers"],
                          "auxiliaries": people["auxiliaries"], "units_on_duty": cand.units(),
                          "p1": estimate_dict(ov.get("p1")), "saturation_worst_shift":
                              estimate_dict(ov["saturation_worst_shift"]), "is_plan": cand == best})
    runs["curve"] = runner.runs - sum(runs.values())
    progress.phase(_("today's roster"), cfg.plan.replications_min, known=True)
    today_ev = today_evaluation(cfg, runner)
    runs["today"] = runner.runs - sum(runs.values())
    required_rows = headcount(cfg, best)
    required, current = total(required_rows), total(now)
    norm_rows = [math.ceil(r / cfg.plan.ministry_residents_per_officer - 1e-9) for r in facts["residents_by_office"]]
    ests = ev.block_estimates(cfg)
    verdicts = ev.block_verdicts(cfg, set(result.unreachable))
    starts, hours = block_hours(cfg)
    by_shift = []
    for (o, b), d in demand.items():
        officers, aux = best.posts[o][b]
        by_shift.append({
            "office": o, "shift": block_label(starts[b], hours), "officers": officers, "auxiliaries": aux,
            "analytic_start": list(result.start.posts[o][b]),
            "calls_per_hour": round(sum(c.rate_per_min for c in d.classes) * MIN_PER_HOUR, 3),
            "p1_attainment": estimate_dict(ests[(o, b)]["p1"], cfg.target.p1_share
                                           if cfg.target.p1_within_min is not None else None),
            "p1_unit_free_at_once": estimate_dict(ests[(o, b)]["p1_at_once"]),
            "saturation": estimate_dict(ests[(o, b)]["saturation"], cfg.target.saturation_max, at_least=False),
            "targets_met": all(v in OK for v in verdicts[(o, b)].values()),  # at-once where unreachable
            "shown_at_confidence": all(v == MET for v in verdicts[(o, b)].values()),
            "unreachable": result.unreachable.get((o, b)),
        })
    allocation = [{"office": o, "residents": facts["residents_by_office"][o],
                   "area_km2": round(facts["area_km2_by_office"][o], 2),
                   "required": required_rows[o], "current": now[o], "ministry_norm_officers": norm_rows[o],
                   "gap": {k: required_rows[o][k] - now[o][k] for k in ROLE_KEYS.values()}}
                  for o in range(facts["offices"])]
    cost_of = lambda cand, cev: plan_cost(cfg, total(headcount(cfg, cand)), district, facts, cev)  # noqa: E731
    progress.phase(_("budget"))
    budget = within_budget(cfg, planner, best, ev, cost_of, lambda cand: total(headcount(cfg, cand)),
                           lambda cev: attainment(cfg, cev), current, log=log,
                           today=(today_ev, plan_cost(cfg, current, district, facts, today_ev)["total_kyuan"]))
    runs["budget"] = runner.runs - sum(runs.values())
    plan = {
        "tier": "office", "district": cfg.district.name, "policy": cfg.policy.name, "residents": facts["residents"],
        "offices": facts["offices"], "response_tiers": cfg.response.tiers,
        "targets": dataclasses.asdict(cfg.target),
        "targets_met": bool(ev.all_met(cfg) and not result.unreachable),
        # every target met at least on the point estimate (out-of-reach shifts judged on a free unit at once)
        "targets_met_on_estimate": bool(ev.all_met(cfg, set(result.unreachable), OK)),
        "unreachable": [{"office": o, "shift": block_label(starts[b], hours), "why": why}
                        for (o, b), why in sorted(result.unreachable.items())],
        "required": required, "current": current,
        "today_roster_needs": roster_needs(cfg, now),
        "gap": {k: required[k] - current[k] for k in ROLE_KEYS.values()},
        "required_by_shift": by_shift,
        "window_clerks_per_office": best.clerks,
        "ministry_norm_officers": sum(norm_rows),
        "ministry_residents_per_officer": cfg.plan.ministry_residents_per_officer,
        "gap_to_ministry_norm_officers": {"required_minus_norm": required["officers"] - sum(norm_rows),
                                          "current_minus_norm": current["officers"] - sum(norm_rows)},
        "relief_factor": dict(cfg.plan.relief_factor),
        "attainment": attainment(cfg, ev),
        "today_attainment": attainment(cfg, today_ev),
        "tiers": tier_figures(cfg, ev), "today_tiers": tier_figures(cfg, today_ev),
        "annual_cost": plan_cost(cfg, required, district, facts, ev),
        "current_annual_cost": plan_cost(cfg, current, district, facts, today_ev),
        "building_cost": building_cost(cfg),
        "allocation": allocation,
        "curve": curve,
        "budget": budget,
        "search": {"steps": result.steps, "replications_run": runner.runs, "replications_by_part": runs,
                   "plan_days": cfg.plan.days, "replications": len(ev.reps),
                   "seconds": round(time.perf_counter() - started, 1)},
        "config_hash": config_hash(cfg), "git_commit": git_commit(), "overrides": list(overrides or []),
        "calls_fit": calls_fit_report(cfg),
    }
    plan.update(headline_keys(plan))
    log(_("plan: {staffing}; {runs}").format(staffing=staffing_text(describe(best)),
                                             runs=replications_text(plan["search"])))
    from sim.plan.report import write_outputs  # matplotlib only now

    return write_plan(plan, cfg, out, write_outputs)


def write_plan(plan: dict, cfg: Config, out: Path, write_outputs) -> dict:
    """plan.md and charts (``write_outputs``), plan.xlsx, plan.json, the manifest, then DONE."""
    from sim.plan.plan_workbook import write_plan_workbook

    write_outputs(plan, cfg, out)
    write_plan_workbook(plan, out)
    write_json_atomic(out / "plan.json", plan)
    finish_manifest(out, config_hash=plan["config_hash"], git_commit=plan["git_commit"])
    write_json_atomic(out / DONE, {"config_hash": plan["config_hash"],
                                    "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return plan


def today_evaluation(cfg: Config, runner: Runner) -> Evaluation:
    """Today's staffing as the model rosters it (config as given), same seeds."""
    configs = [as_configured(cfg, k) for k in range(cfg.plan.replications_min)]
    return Evaluation(None, runner.run_configs(configs))


def calls_fit_report(cfg: Config) -> dict | None:
    if cfg.calls_csv is None:
        return None
    from sim.policing.calls_csv import fit_report

    return fit_report(cfg)
