"""The planner's walk-through (## Planning staffing): office plans in town, in the mountains and
in the city, two plans side by side with a budget, and station plans. Every figure is read from
the plans' own plan.json, plans.md and plan.md."""
from __future__ import annotations

import json
import re
import shutil

from .common import ROOT, RUNS, expect, fresh, run


def plan(log, name: str, *overrides: str) -> dict:
    """Run one plan into runs/docs/plan/NAME; its plan.json."""
    folder = fresh(RUNS / "plan" / name)
    if not (folder / "DONE").exists():  # with --reuse, a finished plan is read as it is
        run(log, "sim.plan", *overrides, f"hydra.run.dir={folder}")
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


def pct(x: float) -> str:
    return f"{x:.1%}"


def kyuan(x: float) -> str:
    return f"{x:,.0f}"


def est(p: dict, key: str) -> float:
    return float(p["attainment"][key]["estimate"])


def ci(p: dict, key: str, fmt=pct, part: str = "attainment") -> str:
    lo, hi = p[part][key]["ci95"]
    return f"{fmt(lo)}-{fmt(hi)}"


def on_duty(p: dict, office: int = 0) -> str:
    """On-duty officers+auxiliaries per shift of one office, e.g. '1+0, 1+0, 1+0'."""
    rows = sorted((r for r in p["required_by_shift"] if r["office"] == office), key=lambda r: r["shift"])
    return ", ".join(f"{r['officers']}+{r['auxiliaries']}" for r in rows)


def every_shift_alike(p: dict) -> str | None:
    """The one on-duty pair every office and shift has, or None."""
    pairs = {(r["officers"], r["auxiliaries"]) for r in p["required_by_shift"]}
    return f"{next(iter(pairs))[0]}+{next(iter(pairs))[1]}" if len(pairs) == 1 else None


def tiers(p: dict, prefix: str, today: bool = False) -> dict[str, str]:
    t = p["today_tiers" if today else "tiers"]
    return {f"{prefix}_p1": pct(t["p1_within_target_share"]["estimate"]),
            f"{prefix}_p1_office": pct(t["p1_office_alone_share"]["estimate"]),
            f"{prefix}_p1_station": pct(t["p1_station_carries_share"]["estimate"])}


def p1_key(p: dict) -> str:
    return f"p1_within_{p['targets']['p1_within_min']:g}min_share"


# --- blocks ----------------------------------------------------------------------------------------

def plan_town(log) -> dict[str, str]:
    """Walk-through steps 1-3: urban_core at 3 and 8 minutes (with the station, and alone), rural_mountain."""
    out: dict[str, str] = {}
    p = plan(log, "urban_3min")
    expect(every_shift_alike(p) == "1+0", "the 3-minute plan puts 1+0 on duty on every shift")
    expect(not p["targets_met"] and len(p["unreachable"]) > 0, "the 3-minute target is out of reach by travel")
    out |= { "pt3_officers": str(p["required"]["officers"]),
            "pt3_aux": str(p["required"]["auxiliaries"]), "pt3_today_officers": str(p["current"]["officers"]),
            "pt3_today_aux": str(p["current"]["auxiliaries"]), "pt3_norm": str(p["ministry_norm_officers"]),
            "pt3_today_p1": pct(p["today_tiers"]["p1_within_target_share"]["estimate"]),
            "pt3_at_once": pct(est(p, "p1_unit_free_at_once_share")),
            "pt3_cost": kyuan(p["annual_cost"]["total_kyuan"]),
            "pt3_cost_today": kyuan(p["current_annual_cost"]["total_kyuan"]),
            "pt3_station_cost": kyuan(p["annual_cost"]["tiers"])}
    out |= tiers(p, "pt3")

    p = plan(log, "urban_8min", "target.p1_within_min=8")
    k = p1_key(p)
    expect(p["targets_met"], "the 8-minute plan meets its targets")
    expect(every_shift_alike(p) == "1+0", "the 8-minute plan puts 1+0 on duty on every shift")
    g = p["gap"]
    out |= { "pt8_officers": str(p["required"]["officers"]),
            "pt8_aux": str(p["required"]["auxiliaries"]), "pt8_vol": str(p["required"]["volunteers"]),
            "pt8_today_officers": str(p["current"]["officers"]), "pt8_today_aux": str(p["current"]["auxiliaries"]),
            "pt8_today_vol": str(p["current"]["volunteers"]),
            "pt8_gap_officers": f"{g['officers']:+d}", "pt8_gap_aux": f"{g['auxiliaries']:+d}",
            "pt8_gap_vol": f"{g['volunteers']:+d}" if g["volunteers"] else "0",
            "pt8_norm": str(p["ministry_norm_officers"]),
            "pt8_p1": pct(est(p, k)), "pt8_p1_ci": ci(p, k),
            "pt8_today_p1": pct(p["today_attainment"][k]["estimate"]), "pt8_today_p1_ci": ci(p, k, part="today_attainment"),
            "pt8_p1_office": pct(p["tiers"]["p1_office_alone_share"]["estimate"]),
            "pt8_p1_station": pct(p["tiers"]["p1_station_carries_share"]["estimate"]),
            "pt8_today_p1_office": pct(p["today_tiers"]["p1_office_alone_share"]["estimate"]),
            "pt8_today_p1_station": pct(p["today_tiers"]["p1_station_carries_share"]["estimate"]),
            "pt8_led_station": pct(p["tiers"]["tier_shares"]["station"]["estimate"]),
            "pt8_today_led_station": pct(p["today_tiers"]["tier_shares"]["station"]["estimate"]),
            "pt8_station_own": f"{p['tiers']['station_own_calls_response_mean_min']['estimate']:.1f}",
            "pt8_today_station_own": f"{p['today_tiers']['station_own_calls_response_mean_min']['estimate']:.1f}",
            "pt8_sat": pct(est(p, "saturation_worst_shift")), "pt8_sat_ci": ci(p, "saturation_worst_shift"),
            "pt8_today_sat": pct(p["today_attainment"]["saturation_worst_shift"]["estimate"]),
            "pt8_today_sat_ci": ci(p, "saturation_worst_shift", part="today_attainment"),
            "pt8_window": f"{est(p, 'window_wait_p90_min_worst_office'):.1f}",
            "pt8_today_window": f"{p['today_attainment']['window_wait_p90_min_worst_office']['estimate']:.1f}",
            "pt8_cost": kyuan(p["annual_cost"]["total_kyuan"]),
            "pt8_cost_today": kyuan(p["current_annual_cost"]["total_kyuan"])}
    own = [t["station_own_calls_response_mean_min"]["estimate"] for t in (p["tiers"], p["today_tiers"])]
    expect(abs(own[0] - own[1]) <= 0.3, "the station's own calls do not slow under the plan")
    led, led_today = p["tiers"]["tier_shares"]["station"]["estimate"], p["today_tiers"]["tier_shares"]["station"]["estimate"]
    expect(led > 3 * led_today, "the cheapest plan hands many more calls to the station than today's roster")
    out |= {"pt8_led_station_r": f"{led:.0%}", "pt8_today_led_station_r": f"{led_today:.0%}"}
    curve = RUNS / "plan" / "urban_8min" / "staffing_curve.png"
    shutil.copyfile(curve, ROOT / "docs" / "plan_urban_core_8min.png")

    p = plan(log, "urban_alone_3min", "response.tiers=office")
    out |= { "pa3_officers": str(p["required"]["officers"]),
            "pa3_aux": str(p["required"]["auxiliaries"]), "pa3_p1": pct(est(p, p1_key(p)))}
    expect(p["required"]["officers"] > int(out["pt3_officers"]), "planned alone the office needs more officers")
    expect(len(p["unreachable"]) > 0, "planned alone at 3 minutes the target is out of reach by travel")

    p = plan(log, "rural_3min", "district=rural_mountain")
    expect(not p["targets_met"] and len(p["unreachable"]) > 0, "the rural 3-minute target is out of reach")
    out |= { "pr3_officers": str(p["required"]["officers"]),
            "pr3_aux": str(p["required"]["auxiliaries"])}
    out |= tiers(p, "pr3")
    p = plan(log, "rural_20min", "district=rural_mountain", "target.p1_within_min=20")
    expect(est(p, p1_key(p)) < p["targets"]["p1_share"], "at 20 minutes the mountains still miss the target")
    out |= { "pr20_officers": str(p["required"]["officers"]),
            "pr20_on_duty": on_duty(p), "pr20_norm": str(p["ministry_norm_officers"])}
    out |= tiers(p, "pr20")
    return out


def plan_city(log) -> dict[str, str]:
    """Walk-through step 4: the city's eight offices at 8 minutes."""
    p = plan(log, "city_8min", "district=city", "target.p1_within_min=8")
    k = "window_wait_p90_min_worst_office"
    reps = p["search"]["replications_by_part"]
    expect(p["shifts_short"] == 0, "no office shift of the city plan falls short")
    expect(not p["targets_met_city_wide"] and p["targets_met_city_wide_on_estimate"],
           "the city plan's city-wide targets are met on the estimates")
    expect(not p["targets_met"] and p["targets_met_on_estimate"], "its office shifts meet theirs on the estimates")
    md = (RUNS / "plan" / "city_8min" / "plan.md").read_text(encoding="utf-8")
    headline = re.search(r"Targets met city-wide: [^.]*\.", md)
    expect(headline is not None, "plan.md's first paragraph gives the two halves of the headline")
    headline = headline.group(0)
    duty = every_shift_alike(p)
    expect(duty == "1+0", "one officer and no auxiliary on duty in every office and shift")
    out = { "pc_officers": str(p["required"]["officers"]),
           "pc_aux": str(p["required"]["auxiliaries"]), "pc_today_officers": str(p["current"]["officers"]),
           "pc_today_aux": str(p["current"]["auxiliaries"]), "pc_norm": str(p["ministry_norm_officers"]),
           "pc_headline": headline.strip().replace("*", "").rstrip("."),
           "pc_window": f"{est(p, k):.1f}", "pc_window_hi": f"{p['attainment'][k]['ci95'][1]:.1f}",
           "pc_cost": kyuan(p["annual_cost"]["total_kyuan"]), "pc_cost_today": kyuan(p["current_annual_cost"]["total_kyuan"]),
           "pc_reps": str(p["search"]["replications_run"]), "pc_reps_search": str(reps["search"]),
           "pc_reps_curve": str(reps["curve"]), "pc_reps_today": str(reps["today"])}
    expect(p["attainment"][k]["ci95"][1] > p["targets"]["window_wait_p90_min"],
           "the worst office's window-wait interval reaches past the target")
    return out | tiers(p, "pc")


def _md_table_rows(text: str) -> dict[str, list[str]]:
    """A Markdown table's rows by their first cell (plans.md, plan.md)."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.setdefault(cells[0], cells[1:])
    return rows


def _section(text: str, heading: str) -> str:
    """The first Markdown table after a heading of plan.md."""
    after = text[text.index(heading):]
    lines = after.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


COMPARE_ROWS = ("required: officers", "required: auxiliaries", "annual cost (thousand yuan)", "budget: outcome",
                "within the budget: officers", "within the budget: auxiliaries",
                "within the budget: annual cost (thousand yuan)", "within the budget: priority-1 in time")


def plan_compare(log) -> dict[str, str]:
    """Walk-through step 4b: two office-alone plans at 8 minutes, one under a budget, side by side."""
    folder = fresh(RUNS / "plan" / "compare")
    run(log, "sim.plan", "-m", "response.tiers=office", "target.p1_within_min=8",
        "plan.budget_kyuan_per_year=null,600", f"hydra.sweep.dir={folder}")
    free = json.loads(next(folder.glob("plan.budget_kyuan_per_year=null*/plan.json")).read_text(encoding="utf-8"))
    capped_dir = next(folder.glob("plan.budget_kyuan_per_year=600*"))
    capped = json.loads((capped_dir / "plan.json").read_text(encoding="utf-8"))
    b = capped["budget"]
    k = p1_key(free)
    expect(b["status"] == "cut", "under 600 thousand yuan the planner takes posts off")
    expect(b["annual_cost"]["total_kyuan"] <= 600, "the staffing chosen fits the budget")
    expect(b["attainment"][k]["estimate"] < free["targets"]["p1_share"], "within the budget priority 1 falls short")
    expect(free["required"] == capped["required"], "the plan that meets the targets is the same in both")
    expect(free["targets_met_city_wide"], "planned alone at 8 minutes the targets are met district-wide")
    rows = _md_table_rows((folder / "compare" / "plans.md").read_text(encoding="utf-8"))
    header = rows[""]  # plans.md's own column order and names
    expect(header[0].endswith("=null") and header[1].endswith("=600"), "plans.md shows the plan without a budget first")
    table = "\n".join([f"| | {' | '.join(f'`{h}`' for h in header)} |", "|---|---:|---:|",
                        *(f"| {r} | {' | '.join(rows[r])} |" for r in COMPARE_ROWS)])
    budget_md = _section((capped_dir / "plan.md").read_text(encoding="utf-8"), "Within the budget")
    short = b["attainment"][k]
    return {"pb_officers": str(free["required"]["officers"]), "pb_aux": str(free["required"]["auxiliaries"]),
            "pb_on_duty": on_duty(free), "pb_cost": kyuan(free["annual_cost"]["total_kyuan"]),
            "pb_cost_today": kyuan(free["current_annual_cost"]["total_kyuan"]), "pb_p1": pct(est(free, k)),
            "pb_reps_budget": str(capped["search"]["replications_by_part"]["budget"]),
            "pb_reps_capped": str(capped["search"]["replications_run"]),
            "pb_cut_posts": str(len(b["steps"])), "pb_cut_on_duty": ", ".join(re.findall(r"\d+\+\d+", b["staffing"])),
            "pb_cut_officers": str(b["required"]["officers"]), "pb_cut_aux": str(b["required"]["auxiliaries"]),
            "pb_cut_cost": kyuan(b["annual_cost"]["total_kyuan"]), "pb_cut_p1": pct(short["estimate"]),
            "pb_compare_rows": table, "pb_budget_table": budget_md}


def plan_station(log) -> dict[str, str]:
    """Planning the station (plan.tier=station): urban_core, rural_mountain, and the city at 8 minutes."""
    out: dict[str, str] = {}
    p = plan(log, "station_urban", "plan.tier=station")
    st = p["station"]
    curve = {c["cars_per_shift"]: c for c in p["curve"]}
    expect(st["required_cars_per_shift"] < st["current_cars_per_shift"], "fewer cars than configured are enough")
    expect(all(c["p1"]["estimate"] < p["targets"]["p1_share"] for c in curve.values() if c["p1"])
           and len(p["unreachable"]) > 0, "priority-1 within 3 minutes is out of reach by travel either way")
    none = curve.get(0)
    expect(none is not None and not none["met"], "with no car the station's own calls miss their target")
    out |= {"ps_urban_cars": str(st["required_cars_per_shift"]), "ps_urban_configured": str(st["current_cars_per_shift"]),
            "ps_urban_people": f"{st['required_cost']['people']:.1f}",
            "ps_urban_cost": kyuan(st["required_cost"]["kyuan_per_year"]),
            "ps_urban_cost_configured": kyuan(st["current_cost"]["kyuan_per_year"]),
            "ps_urban_p1_plan": pct(curve[st["required_cars_per_shift"]]["p1"]["estimate"]),
            "ps_urban_p1_configured": pct(p["today_tiers"]["p1_within_target_share"]["estimate"]),
            "ps_urban_off_none": pct(none["station_own_off"]["estimate"])}
    p = plan(log, "station_rural", "plan.tier=station", "district=rural_mountain")
    st = p["station"]
    off = next(v for k, v in p["attainment"].items() if k.startswith("station_own_off_within"))
    expect(st["required_cars_per_shift"] == 0 and off["estimate"] >= p["targets"]["station_off_share"],
           "in the mountains the duty officer alone meets the station's own target")
    out["ps_rural_off"] = pct(off["estimate"])
    p = plan(log, "station_city", "plan.tier=station", "district=city", "target.p1_within_min=8")
    st = p["station"]
    expect(st["required_cars_per_shift"] < st["current_cars_per_shift"], "the city needs fewer cars than configured")
    out |= {"ps_city_cars": str(st["required_cars_per_shift"]), "ps_city_configured": str(st["current_cars_per_shift"])}
    return out


BLOCKS = {"plan_town": plan_town, "plan_city": plan_city, "plan_compare": plan_compare,
          "plan_station": plan_station}

TEMPLATES = {
    "plan_8min_headcount": """\
| | officers | auxiliaries | volunteers |
|---|---:|---:|---:|
| required | {pt8_officers} | {pt8_aux} | {pt8_vol} |
| today ("1+5+2+4" + 1 window clerk) | {pt8_today_officers} | {pt8_today_aux} | {pt8_today_vol} |
| gap | {pt8_gap_officers} | {pt8_gap_aux} | {pt8_gap_vol} |
| ministry norm (30,000 / 3,000) | {pt8_norm} | | |
""",
    "plan_8min_targets": """\
| target | plan (95% CI) | today's roster |
|---|---|---|
| priority-1 within 8 min | {pt8_p1} ({pt8_p1_ci}) | {pt8_today_p1} ({pt8_today_p1_ci}) |
| ... by the office alone / carried by the station | {pt8_p1_office} / {pt8_p1_station} | {pt8_today_p1_office} / {pt8_today_p1_station} |
| calls led by the station's units | {pt8_led_station} | {pt8_today_led_station} |
| the station's own calls, mean response | {pt8_station_own} min | {pt8_today_station_own} min |
| worst-shift saturation | {pt8_sat} ({pt8_sat_ci}) | {pt8_today_sat} ({pt8_today_sat_ci}) |
| window wait, 90th percentile | {pt8_window} min | {pt8_today_window} min |
""",
    "plan_compare_rows": """\
{pb_compare_rows}
""",
    "plan_budget_table": """\
{pb_budget_table}
""",
}
