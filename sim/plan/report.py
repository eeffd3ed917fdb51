"""plan.md and the planner's charts, drawn from the plan dictionary alone."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.config import Config  # noqa: E402
from sim.core.markdown import md_table  # noqa: E402
from sim.core.outdir import write_atomic  # noqa: E402
from sim.plan.tiers import TIER_LABELS  # noqa: E402

ROLES = ("officers", "auxiliaries", "volunteers")


def _pct(d: dict | None, share: bool = True) -> str:
    """An estimate with its 95% interval, as a percentage (``share``) or a plain number."""
    if not d or d.get("estimate") is None:
        return "n/a"
    lo, hi = d["ci95"]
    fmt = (lambda v: f"{v:.1%}") if share else (lambda v: f"{v:.1f}")
    return f"{fmt(d['estimate'])} ({fmt(lo)}-{fmt(hi)})" if lo is not None else fmt(d["estimate"])


def _met(d: dict | None) -> str:
    if not d or "met" not in d:
        return ""
    return "met" if d["met"] else "**not met**"


def curve_figure(plan: dict, path: Path) -> None:
    """Attainment of the priority-1 target and worst-shift saturation against
    officers + auxiliaries, with 95% bands; the plan, today and the targets marked."""
    pts = [p for p in plan["curve"] if p.get("p1") or p.get("saturation_worst_shift")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    staff = [p["officers"] + p["auxiliaries"] for p in pts]
    t = plan["targets"]
    for ax, key, target, label in (
            (axes[0], "p1", t["p1_share"] if t["p1_within_min"] is not None else None,
             f"priority-1 calls reached within {t['p1_within_min']:g} min" if t["p1_within_min"] else "n/a"),
            (axes[1], "saturation_worst_shift", t["saturation_max"], "busy share of on-duty time, worst shift")):
        rows = [(s, p[key]) for s, p in zip(staff, pts) if p.get(key) and p[key]["estimate"] is not None]
        if rows:
            xs = [s for s, _ in rows]
            ys = [d["estimate"] for _, d in rows]
            lo = [d["ci95"][0] if d["ci95"][0] is not None else d["estimate"] for _, d in rows]
            hi = [d["ci95"][1] if d["ci95"][1] is not None else d["estimate"] for _, d in rows]
            ax.fill_between(xs, lo, hi, alpha=0.25, color="tab:blue", label="95% interval")
            ax.plot(xs, ys, "o-", color="tab:blue", label="simulated")
            for s, p in zip(staff, pts):
                if p["is_plan"] and p.get(key):
                    ax.plot([s], [p[key]["estimate"]], "*", ms=16, color="tab:green", label="plan", zorder=5)
        today = plan["today_attainment"].get(
            next((k for k in plan["today_attainment"] if k.startswith("p1_within")), "") if key == "p1"
            else "saturation_worst_shift")
        if today and today.get("estimate") is not None:
            needs = plan["today_roster_needs"]
            ax.plot([needs["officers"] + needs["auxiliaries"]], [today["estimate"]], "s", ms=9, color="tab:red",
                    label=f"today's roster (needs {needs['officers'] + needs['auxiliaries']:.0f} people, "
                          f"has {plan['current']['officers'] + plan['current']['auxiliaries']})")
        if target is not None:
            ax.axhline(target, ls="--", color="grey", label="target")
        ax.set_xlabel("officers + auxiliaries (headcount)")
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # nothing to show when a target is switched off
            ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"Staffing curve: {plan['district']}, policy {plan['policy']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def gap_figure(plan: dict, path: Path) -> None:
    """Headcount today, required, and (officers) the ministry norm; per office if several."""
    several = plan["offices"] > 1
    fig, axes = plt.subplots(1, 2 if several else 1, figsize=(11 if several else 6, 4.2), squeeze=False)
    ax = axes[0][0]
    xs = range(len(ROLES))
    ax.bar([x - 0.2 for x in xs], [plan["current"][r] for r in ROLES], 0.4, label="today", color="tab:red")
    ax.bar([x + 0.2 for x in xs], [plan["required"][r] for r in ROLES], 0.4, label="required", color="tab:green")
    ax.plot([-0.4, 0.4], [plan["ministry_norm_officers"]] * 2, "k--",
            label=f"ministry norm (1 per {plan['ministry_residents_per_officer']:,})")
    ax.set_xticks(list(xs), ROLES)
    ax.set_ylabel("people")
    ax.set_title("headcount")
    ax.legend(fontsize=8)
    if several:
        ax = axes[0][1]
        rows = plan["allocation"]
        xs = range(len(rows))
        ax.bar([x - 0.2 for x in xs], [r["current"]["officers"] for r in rows], 0.4, label="officers today",
               color="tab:red")
        ax.bar([x + 0.2 for x in xs], [r["required"]["officers"] for r in rows], 0.4, label="officers required",
               color="tab:green")
        ax.plot(list(xs), [r["ministry_norm_officers"] for r in rows], "k_", ms=18, label="ministry norm")
        ax.set_xticks(list(xs), [str(r["office"]) for r in rows])
        ax.set_xlabel("office")
        ax.set_title("officers by office")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _shift_table(shifts: list[dict]) -> str:
    """On-duty officers and auxiliaries per office and shift, with what they achieve."""
    rows = [[r["office"], r["shift"], r["officers"], r["auxiliaries"],
             f"{r['analytic_start'][0]}+{r['analytic_start'][1]}", f"{r['calls_per_hour']:.2f}",
             _pct(r["p1_attainment"]), _pct(r["p1_unit_free_at_once"]), _pct(r["saturation"]),
             ("yes" if r["shown_at_confidence"] else "on the estimate") if r["targets_met"] else "no"]
            for r in shifts]
    return md_table(["office", "shift", "officers", "auxiliaries", "analytic start", "calls/h",
                     "priority-1 in time (95% CI)", "priority-1 unit free at once", "saturation (95% CI)", "met"],
                    rows, align="rlrrlrllll")


def markdown(plan: dict, cfg: Config) -> str:
    """plan.md: headcount, shifts, targets, cost, allocation, and how the plan was found."""
    t = plan["targets"]
    lines = [f"# Staffing plan: {plan['district']} ({plan['residents']:,} residents, {plan['offices']} office(s))",
             "", f"Policy `{plan['policy']}`. Targets met: **{'yes' if plan['targets_met'] else 'no'}**"
             + ("" if plan["targets_met"] or plan["unreachable"] or not plan["targets_met_on_estimate"] else
                " (met on the estimates, but not all shown at the stated confidence: see the table by shift)")
             + ".", "",
             "Targets: " + "; ".join(f"{k} = {v}" for k, v in t.items()
                                     if v is not None and not k.startswith("station_")) + ".", ""]
    if plan["unreachable"]:
        lines += ["Out of reach by staffing alone (travel, not waiting, misses the target; a deployment that "
                  "spreads staff, e.g. `policy=random_patrol`, or a longer target changes that):", ""]
        lines += [f"- office {u['office']}, shift {u['shift']}: {u['why']}" for u in plan["unreachable"]]
        lines += [""]
    headcount = [[name, *(f"{plan[key][r]:+d}" if key == "gap" else plan[key][r] for r in ROLES)]
                 for name, key in (("required", "required"), ("today", "current"), ("gap (required - today)", "gap"))]
    lines += ["## Headcount", "", md_table(["", *ROLES], headcount, align="lrrr")]
    needs = plan["today_roster_needs"]
    lines += ["", f"Today's roster, as the model runs it (each person on duty every day), would take "
              f"{needs['officers']:g} officers and {needs['auxiliaries']:g} auxiliaries at these relief factors; "
              f"the 'today' column of the targets table simulates that roster.",
              "", f"Ministry norm (1 officer per {cfg.plan.ministry_residents_per_officer:,} residents): "
              f"{plan['ministry_norm_officers']} officers; the plan needs "
              f"{plan['gap_to_ministry_norm_officers']['required_minus_norm']:+d} against it, today has "
              f"{plan['gap_to_ministry_norm_officers']['current_minus_norm']:+d}.",
              f"Posts become people with relief factors {plan['relief_factor']} per post round the clock "
              f"(auxiliaries include {plan['window_clerks_per_office']} window clerk(s) per office over opening hours).",
              "", "## On duty by shift", "", _shift_table(plan["required_by_shift"])]
    targets = []
    for key, d in plan["attainment"].items():
        share = key.endswith("share") or key.startswith(("saturation", "satisfaction"))
        targets.append([key, _pct(d, share), _met(d), _pct(plan["today_attainment"].get(key), share)])
    lines += ["", "## Targets", "", md_table(["target", "plan (95% CI)", "", "today, as rostered (95% CI)"], targets)]
    lines += tiers_section(plan)
    lines += cost_section(plan, cfg)
    if plan["offices"] > 1:
        allocation = [[a["office"], f"{a['residents']:,}",
                       f"{a['required']['officers']} / {a['current']['officers']} / {a['ministry_norm_officers']}",
                       f"{a['required']['auxiliaries']} / {a['current']['auxiliaries']}"] for a in plan["allocation"]]
        lines += ["", "## Allocation across offices", "",
                  md_table(["office", "residents", "officers req. / today / norm", "auxiliaries req. / today"],
                           allocation, align="rrll")]
    s = plan["search"]
    lines += ["", "## How it was found", "",
              f"Analytic start (Erlang C, square-root law, workload), then {s['replications_run']} simulated "
              f"replications of {s['plan_days']:g} days with common random numbers; the plan was verified on "
              f"{s['replications']} replications; a target counts as met when its one-sided "
              f"{cfg.plan.confidence:.0%} bound clears it. {s['seconds']:.0f} s.", ""]
    lines += [f"- {st['step']}: {st['staffing']}" for st in s["steps"]]
    lines += ["", "![staffing curve](staffing_curve.png)", "", "![headcount gap](gap.png)", ""]
    lines += ["Planning assumptions: every on-duty post is filled (turnover, vacancies and absences are the "
              "relief factor's part); grid workers stay as configured; volunteers stay at today's number unless "
              "a crime or satisfaction floor needs more. Today's column simulates the configuration as given.", ""]
    if plan.get("calls_fit"):
        from sim.policing.calls_csv import report_markdown

        lines += [report_markdown(plan["calls_fit"]), ""]
    return "\n".join(lines)


def tiers_section(plan: dict, today_label: str = "today, as rostered") -> list[str]:
    """Who reached priority-1 calls in time: the office alone, the station's (and rapid) units."""
    fig, today = plan["tiers"], plan["today_tiers"]
    rows = []
    if "p1_within_min" in fig:
        for name, key in ((f"priority-1 within {fig['p1_within_min']:g} min, any tier", "p1_within_target_share"),
                          ("... reached by the office alone", "p1_office_alone_share"),
                          ("... carried by the station (station and rapid units)", "p1_station_carries_share")):
            rows.append([name, _pct(fig[key]), _pct(today.get(key))])
    for tier, d in fig["tier_shares"].items():
        rows.append([f"calls led by {TIER_LABELS[tier]}", _pct(d), _pct(today["tier_shares"].get(tier))])
    rows.append(["the station's own calls (outside the district): mean response, min",
                 _pct(fig["station_own_calls_response_mean_min"], share=False),
                 _pct(today.get("station_own_calls_response_mean_min"), share=False)])
    planned = ("The office is planned given the backup of the tiers beyond it (`response.tiers=office` plans it "
               "alone)." if plan["tier"] == "office" else "The station's cars are planned around the office as "
               "configured.")
    return ["", f"## Response tiers (`response.tiers={fig['response_tiers']}`)", "",
            planned + " A call counts for the tier of its lead unit, so the office's part and the station's add "
            "up to the share reached in time. Leaning on the station slows its own calls (seed 003 §7.1).", "",
            md_table(["", "plan (95% CI)", f"{today_label} (95% CI)"], rows, align="lll")]


def cost_section(plan: dict, cfg: Config) -> list[str]:
    """A year of staff, running cost and the station's share; the one-off building cost."""
    keys = ("officers", "auxiliaries", "volunteers", "grid_workers", "office_running", "tiers", "total_kyuan")
    costs = [[name, *(f"{c[k]:,.0f}" for k in keys)]
             for name, c in (("plan", plan["annual_cost"]), ("today", plan["current_annual_cost"]))]
    c = cfg.cost
    if c.running_includes_staff:
        plural = {"officer": "officers", "auxiliary": "auxiliaries", "volunteer": "volunteers",
                  "grid_worker": "grid workers"}
        team = ", ".join(f"{n} {plural.get(role, role)}" for role, n in c.included_staff.items() if n)
        note = (f"The running cost ({cfg.kpi.office_running_cost_kyuan_per_year:,.0f} per office) includes the pay "
                f"of an office's reference team ({team}; `cost.running_includes_staff`, seed 003 §5.3); the columns "
                f"split each office's cost among the roles and the rest of the running cost as summary.json's "
                f"`cost_*` do (`sim.output.kpi.cost_summary`), so staff beyond or short of that team cost more or less.")
    else:
        note = "Each role's column is everyone's pay, on top of the running cost (`cost.running_includes_staff=false`)."
    a, b = plan["annual_cost"], plan["building_cost"]
    return ["", "## Annual cost (thousand yuan)", "",
            md_table(["", *ROLES, "grid workers", "running", "station's share", "total"], costs, align="lrrrrrrr"),
            "", note + f" The station's share is the district's share (by residents) of the pay of the station's "
            f"and rapid units. Per office {a['per_office_kyuan']:,.0f} thousand yuan a year; per resident "
            f"{a['per_resident_yuan']:,.1f} yuan.", "",
            f"One-off building cost: {b['new_offices']} new office(s) x {b['kyuan_per_office']:,.0f} = "
            f"**{b['total_kyuan']:,.0f} thousand yuan** (`plan.new_offices`, `cost.office_build_kyuan`, seed 003 "
            f"§5.3). The planner staffs the district's configured offices and never proposes another; "
            f"`plan.new_offices` says how many of them are still to be built."]


def write_outputs(plan: dict, cfg: Config, out: Path) -> None:
    for name, draw in (("staffing_curve.png", curve_figure), ("gap.png", gap_figure)):
        with write_atomic(out / name, "wb") as f:
            draw(plan, f)
    with write_atomic(out / "plan.md") as f:
        f.write(markdown(plan, cfg))
