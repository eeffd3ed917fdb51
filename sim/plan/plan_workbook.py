"""plan.xlsx (issue 23): a plan's tables for Excel or WPS, from plan.json's dictionary alone.

Sheets: ``summary`` (the verdicts, headcount, cost and attainment, one figure
a row), ``by_shift`` (on duty per office and shift, with attainment and
saturation), ``attainment`` (each target: plan and today with 95% intervals),
``allocation`` (per office), ``cost`` (the parts of the yearly cost), ``budget``
(with ``plan.budget_kyuan_per_year``), then ``provenance``. Numbers are
plan.json's numbers; shares are 0-1 numbers shown as percentages
(sim.output.workbook), except how far the budget's staffing misses a share
target: in percentage points, as plan.md says it. A station plan
(``plan.tier=station``) has the summary, attainment and cost sheets.
"""
from __future__ import annotations

from pathlib import Path

from sim.i18n import N_, Translator
from sim.output.labels import metric_label

_ = Translator("reports")

WORKBOOK = "plan.xlsx"
ROLES = ("officers", "auxiliaries", "volunteers")
ROLE_NAMES = {"officers": N_("officers"), "auxiliaries": N_("auxiliaries"), "volunteers": N_("volunteers")}
COST_KEYS = ("officers", "auxiliaries", "volunteers", "grid_workers", "office_running", "tiers", "total_kyuan")
COST_NAMES = {"officers": N_("officers"), "auxiliaries": N_("auxiliaries"), "volunteers": N_("volunteers"),
              "grid_workers": N_("grid workers"), "office_running": N_("running cost"),
              "tiers": N_("the station's share"), "total_kyuan": N_("total")}


def _est(d, part: str = "estimate"):
    if not isinstance(d, dict):
        return None
    if part == "estimate":
        return d.get("estimate")
    ci = d.get("ci95") or [None, None]
    return ci[0] if part == "low" else ci[1]


def _is_share(key: str) -> bool:
    from sim.output.labels import is_share_key

    return is_share_key(key) or key.startswith(("saturation", "satisfaction"))


def summary_rows(plan: dict) -> list[tuple[str, str, object]]:
    """(key, label, value) of the summary sheet, in order."""
    from sim.plan.headline import (BUDGET_STATUS, VERDICT_WORDS, city_wide_verdict, district_label,
                                   every_shift_verdict, headline_keys, met_headline, policy_label)

    h = headline_keys(plan)  # from the plan's rows, as the headline
    yes = lambda v: _("yes") if v else _("no")  # noqa: E731
    rows = [("headline", _("headline"), met_headline(plan, bold=False)),
            ("district", _("district"), district_label(plan["district"])),
            ("policy", _("policy"), policy_label(plan["policy"])),
            ("residents", _("residents"), plan["residents"]), ("offices", _("offices"), plan["offices"]),
            ("targets_met_city_wide", _("targets met city-wide") if plan["offices"] > 1 else
             _("targets met district-wide"),  # as the headline (sim.plan.headline.where_all)
             _(VERDICT_WORDS[city_wide_verdict(plan)])),
            ("targets_met", _("targets met in every office and shift") if plan["offices"] > 1 else
             _("targets met in every shift"),
             _(VERDICT_WORDS[every_shift_verdict(plan)]) if plan["tier"] == "office" else yes(plan["targets_met"]))]
    if plan["tier"] == "office":
        rows.append(("shifts_short", _("office shifts short of a target") if plan["offices"] > 1 else
                     _("shifts short of a target"), h["shifts_short"]))
        for role in ROLES:
            name = _(ROLE_NAMES[role])
            rows += [(f"required.{role}", _("required: {role}").format(role=name), plan["required"][role]),
                     (f"current.{role}", _("today: {role}").format(role=name), plan["current"][role]),
                     (f"gap.{role}", _("gap (required - today): {role}").format(role=name), plan["gap"][role])]
        rows.append(("ministry_norm_officers", _("ministry norm: officers"), plan["ministry_norm_officers"]))
    else:
        st = plan["station"]
        rows += [("station.required_cars_per_shift", _("required: station cars per shift"),
                  st["required_cars_per_shift"]),
                 ("station.current_cars_per_shift", _("configured: station cars per shift"),
                  st["current_cars_per_shift"]),
                 ("station.required_cost.kyuan_per_year", _("the cars' pay a year (thousand yuan)"),
                  st["required_cost"]["kyuan_per_year"])]
    rows += [("annual_cost.total_kyuan", _("annual cost (thousand yuan)"), plan["annual_cost"]["total_kyuan"]),
             ("current_annual_cost.total_kyuan", _("today's annual cost (thousand yuan)"),
              plan["current_annual_cost"]["total_kyuan"]),
             ("building_cost.total_kyuan", _("building new offices, once (thousand yuan)"),
              plan["building_cost"]["total_kyuan"])]
    b = plan.get("budget")
    if b:
        rows += [("budget.kyuan_per_year", _("budget (thousand yuan a year)"), b["kyuan_per_year"]),
                 ("budget.status", _("budget: outcome"), _(BUDGET_STATUS.get(b["status"], b["status"]))),
                 ("budget.unconstrained_cost_kyuan", _("the plan that meets the targets, a year (thousand yuan)"),
                  b["unconstrained_cost_kyuan"])]
        if b.get("annual_cost"):
            rows.append(("budget.annual_cost.total_kyuan", _("within the budget: annual cost (thousand yuan)"),
                         b["annual_cost"]["total_kyuan"]))
    for key, d in plan["attainment"].items():
        if isinstance(d, dict):
            rows.append((f"attainment.{key}", metric_label(key), d.get("estimate")))
    rows.append(("search.replications_run", _("simulated replications"), plan["search"]["replications_run"]))
    return rows


def by_shift_sheet(plan: dict):
    """On duty per office and shift; its met column counts the shifts the headline counts."""
    from sim.output.workbook import Sheet
    from sim.plan.headline import SHIFT_WORDS, shift_verdict

    s = plan["required_by_shift"]
    return Sheet("by_shift", {
        "office": [r["office"] for r in s], "shift": [r["shift"] for r in s],
        "officers": [r["officers"] for r in s], "auxiliaries": [r["auxiliaries"] for r in s],
        "calls_per_hour": [r["calls_per_hour"] for r in s],
        "p1": [_est(r["p1_attainment"]) for r in s], "p1_low": [_est(r["p1_attainment"], "low") for r in s],
        "p1_high": [_est(r["p1_attainment"], "high") for r in s],
        "p1_at_once": [_est(r["p1_unit_free_at_once"]) for r in s],
        "saturation": [_est(r["saturation"]) for r in s],
        "saturation_high": [_est(r["saturation"], "high") for r in s],
        "targets_met": [_(SHIFT_WORDS[shift_verdict(r)]) for r in s],  # the headline's count of short shifts
        "out_of_reach": [r.get("unreachable") or "" for r in s]},
        percent={"p1", "p1_low", "p1_high", "p1_at_once", "saturation", "saturation_high"},
        headers={"office": _("office"), "shift": _("shift"), "officers": _("officers on duty"),
                 "auxiliaries": _("auxiliaries on duty"), "calls_per_hour": _("calls/h"),
                 "p1": _("priority-1 in time (%)"), "p1_low": _("... 95% CI low (%)"),
                 "p1_high": _("... 95% CI high (%)"), "p1_at_once": _("priority-1 unit free at once (%)"),
                 "saturation": _("saturation (%)"), "saturation_high": _("... 95% CI high (%)"),
                 "targets_met": _("met"), "out_of_reach": _("out of reach")})


def attainment_sheet(plan: dict):
    """Each target: plan and today with 95% intervals; met as the targets table of plan.md says it."""
    from sim.output.workbook import Sheet
    from sim.plan.headline import TARGET_WORDS, target_verdict

    att = [(k, d) for k, d in plan["attainment"].items() if isinstance(d, dict)]
    today = plan.get("today_attainment") or {}
    return Sheet("attainment", {
        "key": [k for k, _d in att], "target_name": [metric_label(k) for k, _d in att],
        "estimate": [d.get("estimate") for _k, d in att], "low": [_est(d, "low") for _k, d in att],
        "high": [_est(d, "high") for _k, d in att], "target": [d.get("target") for _k, d in att],
        "met": [None if target_verdict(k, d) is None else _(TARGET_WORDS[target_verdict(k, d)]) for k, d in att],
        "today": [_est(today.get(k)) for k, _d in att]},
        headers={"key": _("key"), "target_name": _("target"), "estimate": _("plan"), "low": _("95% CI low"),
                 "high": _("95% CI high"), "target": _("target value"), "met": _("met"),
                 "today": _("today, as rostered")},
        row_metric="key", row_values={"estimate", "low", "high", "target", "today"},
        percent={k for k, _d in att if _is_share(k)})


def sheets(plan: dict) -> list:
    from sim.output.workbook import Sheet

    rows = summary_rows(plan)
    share_keys = {k for k, _l, _v in rows if k.startswith("attainment.") and _is_share(k.split(".", 1)[1])}
    out = [Sheet("summary", {"key": [r[0] for r in rows], "figure": [r[1] for r in rows],
                             "value": [r[2] for r in rows]},
                 headers={"key": _("key"), "figure": _("figure"), "value": _("value")},
                 percent=share_keys, row_metric="key", row_values={"value"})]
    if plan.get("required_by_shift"):
        out.append(by_shift_sheet(plan))
    out.append(attainment_sheet(plan))
    if plan.get("allocation"):
        a = plan["allocation"]
        cols = {"office": [r["office"] for r in a], "residents": [r["residents"] for r in a],
                "area_km2": [r["area_km2"] for r in a]}
        heads = {"office": _("office"), "residents": _("residents"), "area_km2": _("area (km²)")}
        for role in ROLES:
            name = _(ROLE_NAMES[role])
            for part, label in (("required", _("required: {role}")), ("current", _("today: {role}")),
                                ("gap", _("gap (required - today): {role}"))):
                cols[f"{part}_{role}"] = [r[part][role] for r in a]
                heads[f"{part}_{role}"] = label.format(role=name)
        cols["ministry_norm_officers"] = [r["ministry_norm_officers"] for r in a]
        heads["ministry_norm_officers"] = _("ministry norm: officers")
        out.append(Sheet("allocation", cols, headers=heads))
    keys = [k for k in COST_KEYS if k in plan["annual_cost"]]
    out.append(Sheet("cost", {"key": keys, "part": [_(COST_NAMES[k]) for k in keys],
                              "plan": [plan["annual_cost"][k] for k in keys],
                              "today": [plan["current_annual_cost"][k] for k in keys]},
                     headers={"key": _("key"), "part": _("part"), "plan": _("plan (thousand yuan a year)"),
                              "today": _("today (thousand yuan a year)")}))
    b = plan.get("budget")
    if b and b.get("shortfall"):
        out.append(budget_sheet(b["shortfall"]))
    return out


def short_by_value(target: str, short_by: float) -> float:
    """How far a target is missed as plan.md's "Within the budget" table says it
    (sim.plan.budget_report.short_by_text): a share's in percentage points (a
    difference of two shares, 0.065 -> 6.5, not a 6.5% share), else in the
    target's own unit. plan.json's short_by is rounded to 4 decimals, so 2 keep it whole."""
    return round(short_by * 100, 2) if _is_share(target) else short_by


def budget_sheet(shortfall: list[dict]):
    """Each target within the budget: estimate and target value (shares as percentages) and how far it falls
    short (a share's in percentage points, as plan.md)."""
    from sim.output.workbook import Sheet

    s = shortfall
    return Sheet("budget", {
        "key": [r["target"] for r in s], "target_name": [metric_label(r["target"]) for r in s],
        "estimate": [r["estimate"] for r in s], "target": [r["target_value"] for r in s],
        "short_by": [short_by_value(r["target"], r["short_by"]) for r in s]},
        headers={"key": _("key"), "target_name": _("target"), "estimate": _("within the budget"),
                 "target": _("target value"), "short_by": _("short by (a share: percentage points)")},
        row_metric="key", row_values={"estimate", "target"},
        percent={r["target"] for r in s if _is_share(r["target"])})


def write_plan_workbook(plan: dict, out: Path) -> Path:
    import json

    from sim.core.outdir import MANIFEST
    from sim.output.workbook import write_workbook

    try:
        seed = json.loads((Path(out) / MANIFEST).read_text()).get("root_seed")
    except (OSError, ValueError):
        seed = None
    provenance = {"config_hash": plan.get("config_hash"), "root_seed": seed, "git_commit": plan.get("git_commit"),
                  "overrides": " ".join(plan.get("overrides") or []), "source": "plan.json"}
    return write_workbook(Path(out) / WORKBOOK, sheets(plan), provenance)
