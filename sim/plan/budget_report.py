"""The budget's part of plan.md and the console (``plan.budget_kyuan_per_year``; issue 23):
its outcome in a sentence, the staffing chosen within it and how far each target falls short."""
from __future__ import annotations

from sim.i18n import Translator
from sim.plan.search import staffing_text

_ = Translator("reports")


def short_by_text(value: float, share: bool) -> str:
    """How far a target is missed: percentage points for a share (a difference of two shares), else the number."""
    return _("{value} percentage points").format(value=f"{value * 100:.1f}") if share else f"{value:.1f}"


def budget_line(plan: dict) -> str | None:
    """The budget's outcome in one sentence (plan.md, the console, ``compare``); None without a budget."""
    b = plan.get("budget")
    if not b:
        return None
    money = lambda v: f"{v:,.0f}"  # noqa: E731
    if b["status"] == "fits":
        return _("Budget {budget} thousand yuan a year: the plan costs {cost}, within it ({left} to spare).").format(
            budget=money(b["kyuan_per_year"]), cost=money(b["unconstrained_cost_kyuan"]),
            left=money(b["kyuan_per_year"] - b["unconstrained_cost_kyuan"]))
    if b["status"] == "too_small":
        return _("Budget {budget} thousand yuan a year: too small for even the smallest staffing the planner may "
                 "propose ({minimum} a year); no staffing is chosen within it. The plan below is what the targets "
                 "need: {cost} a year.").format(budget=money(b["kyuan_per_year"]),
                                                minimum=money(b["minimum_cost_kyuan"]),
                                                cost=money(b["unconstrained_cost_kyuan"]))
    if b["status"] == "unreachable":
        return _("Budget {budget} thousand yuan a year: taking staff off the plan found no staffing within it "
                 "(the cheapest reached costs {reached} a year); no staffing is chosen within it. The plan below "
                 "is what the targets need: {cost} a year.").format(
                     budget=money(b["kyuan_per_year"]), reached=money((b.get("cheapest_reached") or {}).get(
                         "cost_kyuan", b["minimum_cost_kyuan"])), cost=money(b["unconstrained_cost_kyuan"]))
    short = [r for r in b["shortfall"] if r["short_by"] > 0]
    today = b.get("today_roster") or {}
    if today.get("at_least_as_good"):  # never pay more for less
        p1 = next((k for k in plan["today_attainment"] if k.startswith("p1_within_")), None)
        d = plan["today_attainment"].get(p1) if p1 else None
        reach = (_(" and reaches {share} of priority-1 calls in time").format(share=f"{d['estimate']:.1%}")
                 if d and d.get("estimate") is not None else "")
        note = " " + _("Today's roster costs {cost} a year{reach}: within the budget it is at least as good on the "
                       "estimates as that staffing (the planner's grid of on-duty posts cannot hold a roster of the "
                       "configured shifts, so it is compared, not searched); keep it rather than pay more for "
                       "less.").format(
                           cost=money(today["cost_kyuan"]), reach=reach)
    else:
        note = ""
    return _("Budget {budget} thousand yuan a year: the plan that meets the targets would cost {cost}; within the "
             "budget, {people} cost {within} a year and {verdict}.").format(
                 budget=money(b["kyuan_per_year"]), cost=money(b["unconstrained_cost_kyuan"]),
                 people=_("{officers} officers, {auxiliaries} auxiliaries").format(**b["required"]),
                 within=money(b["annual_cost"]["total_kyuan"]),
                 verdict=((_("fall short of one target") if len(short) == 1 else
                           _("fall short of {n} targets").format(n=len(short))) if short else
                          _("still meet the targets on the estimates"))) + note


def budget_section(plan: dict) -> list[str]:
    """plan.md's budget: the staffing chosen under the cap, its attainment and shortfall, against the plan's."""
    from sim.core.markdown import md_table
    from sim.plan.formats import _pct, attainment_row

    b = plan.get("budget")
    if not b:
        return []
    lines = [_("## Within the budget"), "", budget_line(plan), ""]
    if b["status"] == "cut":
        rows = []
        for r in b["shortfall"]:
            label, share = attainment_row(r["target"], None)
            fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:.1f}")
            rows.append([label, _pct(b["attainment"][r["target"]], share), fmt(r["target_value"]),
                         short_by_text(r["short_by"], share) if r["short_by"] > 0 else
                         # met at plan.confidence, or only on the point estimate (the headline's words)
                         _("met") if r["met"] else _("met on the estimate"),
                         _pct(plan["attainment"].get(r["target"]), share)])
        lines += [_("Staffing within the budget: {staffing} (on duty per office and shift, officers+auxiliaries); "
                    "found by taking one post at a time off the plan, the one that loses the least attainment per "
                    "thousand yuan saved, the last one the best of those within the budget (steps: {steps}; judged "
                    "on {reps} replications).").format(
                        staffing=staffing_text(b["staffing"]), steps=len(b["steps"]), reps=b["replications"]), "",
                  md_table([_("target"), _("within the budget (95% CI)"), _("target value"), _("short by"),
                            _("the plan (95% CI)")], rows, align="lllll"), ""]
    lines += [_("The budget caps the yearly cost (staff, running cost, the station's share); the one-off cost of "
                "building new offices ({build} thousand yuan) is not counted in it.").format(
                    build=f"{plan['building_cost']['total_kyuan']:,.0f}"), ""]
    return lines
