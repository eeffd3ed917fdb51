"""The best staffing within a yearly budget (``plan.budget_kyuan_per_year``; issue 23).

The planner first finds the cheapest staffing that meets the targets. If it
costs more than the budget, staff are taken off it one on-duty post at a time
(one officer or one auxiliary in one office and shift; where the auxiliaries-per-
officer rules forbid both, the heaviest allowed pair below, e.g. one of each), each step keeping the
cut that loses the least attainment per thousand yuan saved, judged by
simulation with the same seeds (common random numbers), until the yearly cost
fits; the last step takes, of the cuts that fit, the one with the best
attainment. "Attainment" is the share of priority-1 calls reached in time (or, with
that target off, the worst shift's saturation; then the window's wait). The
chosen staffing is then measured at ``plan.replications_max`` replications
and reported with how far it falls short of each target.

The budget caps the *yearly* cost (staff, running cost, the station's share:
``annual_cost``). Building new offices (``plan.new_offices`` x
``cost.office_build_kyuan``) is a one-off, capital cost: it is reported beside
the budget, never counted in it (a bureau funds building and running from
different budget lines).

Greedy, not exhaustive: a cheaper staffing elsewhere in the grid might do a
little better; each step is the best single cut from where the search stands.
"""
from __future__ import annotations

import math
from typing import Callable

from sim.config import Config
from sim.plan.evaluate import Candidate, Evaluation
from sim.plan.headline import AT_MOST  # attainment keys whose target is a ceiling
from sim.plan.search import Planner, describe, staffing_text
from sim.i18n import Translator

_ = Translator("reports")


def score(cfg: Config, ev: Evaluation) -> float:
    """Higher is better: priority-1 share in time, else minus the worst shift's
    saturation, else minus the worst office's 90th-percentile window wait."""
    ov = ev.overall(cfg)
    for key, sign in (("p1", 1.0), ("saturation_worst_shift", -1.0), ("window_wait_p90_min", -1.0)):
        est = ov.get(key)
        if est is not None and est.estimate is not None and math.isfinite(est.estimate):
            return sign * est.estimate
    return 0.0


def floor_candidate(planner: Planner, cand: Candidate) -> Candidate:
    """The smallest staffing the planner may propose: every block at the fewest
    officers (``plan.officers_min_per_shift``, at least one unit) and auxiliaries
    the ratio allows; window clerks and volunteers as in ``cand``."""
    p = planner.cfg.plan
    o = max(p.officers_min_per_shift, 0)
    a = math.ceil(p.aux_per_officer_min * o - 1e-9)
    if o + a == 0:
        o = 1
    out = cand
    for key in planner.demand:
        out = out.with_block(key[0], key[1], (o, a))
    return out


def cuts(planner: Planner, cand: Candidate) -> list[Candidate]:
    """Every candidate one step lighter in one block: one officer or one auxiliary
    fewer; where the ratio rules block both (``plan.aux_per_officer_min``/``max``,
    auxiliaries nobody may send), the heaviest admissible pairs below it (e.g. an
    officer and an auxiliary fewer), so the search can always reach the floor."""
    out = []
    for key in planner.demand:
        o, a = cand.posts[key[0]][key[1]]
        pairs = [pr for pr in ((o, a - 1), (o - 1, a)) if pr[0] + pr[1] > 0 and planner.admissible(key, pr)]
        if not pairs:
            below = [(i, j) for i in range(o + 1) for j in range(a + 1)
                     if 0 < i + j < o + a and planner.admissible(key, (i, j))]
            most = max((i + j for i, j in below), default=0)
            pairs = [pr for pr in below if pr[0] + pr[1] == most]
        out += [cand.with_block(key[0], key[1], pr) for pr in pairs]
    return out


def shortfall(attainment: dict) -> list[dict]:
    """Per target: the estimate, the target and how far it falls short (0: met on the estimate)."""
    out = []
    for key, d in attainment.items():
        if not d or d.get("target") is None or d.get("estimate") is None:
            continue
        at_most = key.startswith(AT_MOST)
        short = d["estimate"] - d["target"] if at_most else d["target"] - d["estimate"]
        out.append({"target": key, "estimate": d["estimate"], "target_value": d["target"],
                    "short_by": round(max(0.0, short), 4), "met": bool(d.get("met"))})
    return out


def within_budget(cfg: Config, planner: Planner, best: Candidate, ev: Evaluation,
                  cost_of: Callable[[Candidate, Evaluation], dict], people_of: Callable[[Candidate], dict],
                  attainment_of: Callable[[Evaluation], dict], current: dict, log=print,
                  today: tuple[Evaluation, float] | None = None) -> dict | None:
    """plan.json's ``budget`` (None without ``plan.budget_kyuan_per_year``): the
    staffing chosen under the cap, its cost, attainment and shortfall, and what
    the unconstrained plan costs. ``status``: ``fits`` (the plan is within the
    budget), ``cut`` (staff taken off to fit), ``too_small`` (not even the
    smallest staffing allowed fits; nothing is chosen) or ``unreachable`` (the
    cuts found nothing within the budget; nothing is chosen: a staffing over the
    budget is never reported as within it). ``today``: today's roster
    (its evaluation and yearly cost), a candidate too: when staff are cut and it
    fits the budget with at least the chosen staffing's attainment (``score``),
    ``today_roster.at_least_as_good`` says so (the grid of on-duty posts cannot
    hold a roster of the configured shifts, so it is reported, not searched)."""
    budget = cfg.plan.budget_kyuan_per_year
    if budget is None:
        return None
    runner = planner.runner
    unconstrained = cost_of(best, ev)["total_kyuan"]
    floor = floor_candidate(planner, best)
    floor_cost = cost_of(floor, ev)["total_kyuan"]
    out = {"kyuan_per_year": budget, "unconstrained_cost_kyuan": unconstrained, "minimum_cost_kyuan": floor_cost,
           "minimum_staffing": describe(floor), "building_cost_counted": False, "steps": []}
    if unconstrained <= budget + 1e-9:
        chosen, cev, status = best, ev, "fits"
    elif floor_cost > budget + 1e-9:
        log(_("budget: {budget:,.0f} thousand yuan a year does not pay for even the smallest staffing allowed "
              "({cost:,.0f}); no staffing is chosen within it").format(budget=budget, cost=floor_cost))
        return {**out, "status": "too_small", "staffing": None, "required": None, "gap": None,
                "annual_cost": None, "attainment": None, "shortfall": None, "targets_met": False}
    else:
        chosen, cev, status = best, ev, "cut"
        reps = cfg.plan.replications_min
        cost = unconstrained
        while cost > budget + 1e-9:
            options = [c for c in cuts(planner, chosen) if cost_of(c, cev)["total_kyuan"] < cost - 1e-9]
            if not options:
                break
            here = score(cfg, runner.ensure([chosen], reps)[0])
            evs = runner.ensure(options, reps)
            fitting = [ce for ce in zip(options, evs) if cost_of(*ce)["total_kyuan"] <= budget + 1e-9]
            if fitting:  # the last cut: the best attainment among those within the budget
                chosen, cev = max(fitting, key=lambda ce: (score(cfg, ce[1]), describe(ce[0])))
            else:  # on the way: the least attainment lost per thousand yuan saved
                chosen, cev = min(zip(options, evs), key=lambda ce: (
                    (here - score(cfg, ce[1])) / (cost - cost_of(*ce)["total_kyuan"]), describe(ce[0])))
            cost = cost_of(chosen, cev)["total_kyuan"]
            out["steps"].append({"staffing": describe(chosen), "cost_kyuan": cost, "score": round(score(cfg, cev), 4)})
            log(_("budget: {staffing}, {cost:,.0f} thousand yuan a year").format(
                staffing=staffing_text(describe(chosen)), cost=cost))
        if cost > budget + 1e-9:  # never report a staffing over the budget as within it
            log(_("budget: no staffing the planner may propose was found within {budget:,.0f} thousand yuan a "
                  "year (the cheapest reached costs {cost:,.0f}); no staffing is chosen within it").format(
                      budget=budget, cost=cost))
            return {**out, "status": "unreachable", "staffing": None, "required": None, "gap": None,
                    "annual_cost": None, "attainment": None, "shortfall": None, "targets_met": False,
                    "cheapest_reached": {"staffing": describe(chosen), "cost_kyuan": cost}}
        cev = runner.ensure([chosen], cfg.plan.replications_max)[0]
    people = people_of(chosen)
    attainment = attainment_of(cev)
    short = shortfall(attainment)
    if today is not None and status == "cut":  # never pay more for less: today's roster, if it fits
        today_ev, today_cost = today
        fits = today_cost <= budget + 1e-9
        out["today_roster"] = {"cost_kyuan": today_cost, "fits": fits, "score": round(score(cfg, today_ev), 4),
                               "chosen_score": round(score(cfg, cev), 4),
                               "at_least_as_good": bool(fits and score(cfg, today_ev) >= score(cfg, cev))}
    return {**out, "status": status, "staffing": describe(chosen), "required": people,
            "gap": {k: people[k] - current[k] for k in people}, "annual_cost": cost_of(chosen, cev),
            "attainment": attainment, "shortfall": short, "replications": len(cev.reps),
            "targets_met": all(s["met"] for s in short)}
