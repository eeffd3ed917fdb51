"""plan.md and the planner's charts, drawn from the plan dictionary alone."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.config import Config  # noqa: E402
from sim.core.markdown import md_table, md_text  # noqa: E402
from sim.core.outdir import write_atomic  # noqa: E402
from sim.i18n import N_, Translator, join_list  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.plan.headline import (SHIFT_WORDS, TARGET_WORDS, met_headline, replications_text,  # noqa: E402
                               district_label, policy_label, shift_verdict, target_verdict)
from sim.plan.search import staffing_text  # noqa: E402
from sim.plan.tiers import TIER_LABELS, present  # noqa: E402
from sim.plan.formats import _pct, attainment_row  # noqa: E402,F401 - station_report's too
from sim.plan.budget_report import budget_line, budget_section  # noqa: E402,F401 - plan.md's, the console's

_ = Translator("reports")

ROLES = ("officers", "auxiliaries", "volunteers")  # plan.json's keys
ROLE_HEADS = {"officers": N_("officers"), "auxiliaries": N_("auxiliaries"), "volunteers": N_("volunteers")}


def role_heads() -> list[str]:
    """The roles' column headings in the current language."""
    return [_(ROLE_HEADS[r]) for r in ROLES]


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _met(key: str, d: dict | None) -> str:
    """A target row's verdict (sim.plan.headline.target_verdict: the headline's district-wide one)."""
    v = target_verdict(key, d)
    if v is None:
        return ""
    return f"**{_(TARGET_WORDS[v])}**" if v == "no" else _(TARGET_WORDS[v])


def curve_figure(plan: dict, path: Path) -> None:
    fig = curve_fig(plan)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_fig(plan: dict):
    """Attainment of the priority-1 target and worst-shift saturation against
    officers + auxiliaries, with 95% bands; the plan, today and the targets marked (the Figure)."""
    from matplotlib.ticker import MaxNLocator

    from sim.output.plots import percent_axis

    use_cjk_fonts()
    pts = [p for p in plan["curve"] if p.get("p1") or p.get("saturation_worst_shift")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    staff = [p["officers"] + p["auxiliaries"] for p in pts]
    t = plan["targets"]
    for ax, key, target, label in (
            (axes[0], "p1", t["p1_share"] if t["p1_within_min"] is not None else None,
             _("priority-1 calls reached within {minutes:g} min").format(minutes=t["p1_within_min"])
             if t["p1_within_min"] else _("n/a")),
            (axes[1], "saturation_worst_shift", t["saturation_max"], _("busy share of on-duty time, worst shift"))):
        rows = [(s, p[key]) for s, p in zip(staff, pts) if p.get(key) and p[key]["estimate"] is not None]
        if rows:
            xs = [s for s, _ in rows]
            ys = [d["estimate"] for _, d in rows]
            lo = [d["ci95"][0] if d["ci95"][0] is not None else d["estimate"] for _, d in rows]
            hi = [d["ci95"][1] if d["ci95"][1] is not None else d["estimate"] for _, d in rows]
            ax.fill_between(xs, lo, hi, alpha=0.25, color="tab:blue", label=_("95% interval"))
            ax.plot(xs, ys, "o-", color="tab:blue", label=_("simulated"))
            for s, p in zip(staff, pts):
                if p["is_plan"] and p.get(key):
                    ax.plot([s], [p[key]["estimate"]], "*", ms=16, color="tab:green", label=_("plan"), zorder=5)
        today = plan["today_attainment"].get(
            next((k for k in plan["today_attainment"] if k.startswith("p1_within")), "") if key == "p1"
            else "saturation_worst_shift")
        if today and today.get("estimate") is not None:
            needs = plan["today_roster_needs"]
            ax.plot([needs["officers"] + needs["auxiliaries"]], [today["estimate"]], "s", ms=9, color="tab:red",
                    label=_("today's roster (needs {needs:.0f} people, has {has})").format(
                        needs=needs["officers"] + needs["auxiliaries"],
                        has=plan["current"]["officers"] + plan["current"]["auxiliaries"]))
        b = plan.get("budget") or {}
        within = (b.get("attainment") or {}).get(next((k for k in b.get("attainment") or {} if k.startswith(
            "p1_within")), "") if key == "p1" else "saturation_worst_shift") if b.get("status") == "cut" else None
        if within and within.get("estimate") is not None:  # the staffing chosen within plan.budget_kyuan_per_year
            ax.plot([b["required"]["officers"] + b["required"]["auxiliaries"]], [within["estimate"]], "D", ms=9,
                    color="tab:orange", zorder=5, label=_("within the budget ({cost} thousand yuan a year)").format(
                        cost=f"{b['annual_cost']['total_kyuan']:,.0f}"))
        if target is not None:
            ax.axhline(target, ls="--", color="grey", label=_("target"))
        ax.set_xlabel(_("officers + auxiliaries (headcount)"))
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.02)
        percent_axis(ax.yaxis)  # shares as percentages
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # headcounts are whole people
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # nothing to show when a target is switched off
            ax.legend(fontsize=8, loc="best")
    fig.suptitle(_("Staffing curve: {district}, policy {policy}").format(district=district_label(plan["district"]),
                                                                          policy=_policy(plan["policy"])))
    return fig


_policy = policy_label  # a policy (or a combination ``a+b``) by its shared terms


def gap_figure(plan: dict, path: Path) -> None:
    fig = gap_fig(plan)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def gap_fig(plan: dict):
    """Headcount today, required, and (officers) the ministry norm; per office if several (the Figure)."""
    use_cjk_fonts()
    several = plan["offices"] > 1
    fig, axes = plt.subplots(1, 2 if several else 1, figsize=(11 if several else 6, 4.2), squeeze=False,
                             layout="constrained")
    ax = axes[0][0]
    xs = range(len(ROLES))
    ax.bar([x - 0.2 for x in xs], [plan["current"][r] for r in ROLES], 0.4, label=_("today"), color="tab:red")
    ax.bar([x + 0.2 for x in xs], [plan["required"][r] for r in ROLES], 0.4, label=_("required"), color="tab:green")
    ax.plot([-0.4, 0.4], [plan["ministry_norm_officers"]] * 2, "k--",
            label=_("ministry norm (1 per {residents})").format(
                residents=f"{plan['ministry_residents_per_officer']:,}"))
    ax.set_xticks(list(xs), role_heads())
    ax.set_ylabel(_("people"))
    ax.set_title(_("headcount"))
    ax.legend(fontsize=8)
    if several:
        ax = axes[0][1]
        rows = plan["allocation"]
        xs = range(len(rows))
        ax.bar([x - 0.2 for x in xs], [r["current"]["officers"] for r in rows], 0.4, label=_("officers today"),
               color="tab:red")
        ax.bar([x + 0.2 for x in xs], [r["required"]["officers"] for r in rows], 0.4, label=_("officers required"),
               color="tab:green")
        ax.plot(list(xs), [r["ministry_norm_officers"] for r in rows], "k_", ms=18, label=_("ministry norm"))
        ax.set_xticks(list(xs), [str(r["office"]) for r in rows])
        ax.set_xlabel(_("office"))
        ax.set_title(_("officers by office"))
        ax.legend(fontsize=8)
    return fig


def _shift_table(shifts: list[dict]) -> str:
    """On-duty officers and auxiliaries per office and shift, with what they achieve."""
    rows = [[r["office"], r["shift"], r["officers"], r["auxiliaries"],
             f"{r['analytic_start'][0]}+{r['analytic_start'][1]}", f"{r['calls_per_hour']:.2f}",
             _pct(r["p1_attainment"]), _pct(r["p1_unit_free_at_once"]), _pct(r["saturation"]),
             _(SHIFT_WORDS[shift_verdict(r)]), _("yes, by travel") if r.get("unreachable") else ""]
            for r in shifts]
    return md_table([_("office"), _("shift"), *role_heads()[:2], _("analytic start"), _("calls/h"),
                     _("priority-1 in time (95% CI)"), _("priority-1 unit free at once"), _("saturation (95% CI)"),
                     _("met"), _("out of reach")], rows, align="rlrrlrlllll")


def offices_text(n: int) -> str:
    """"1 office" / "3 offices" (the catalogue has no plural forms: one msgid each)."""
    return _("1 office") if n == 1 else _("{n} offices").format(n=n)


def vs_norm(diff: int) -> str:
    """Officers against the ministry norm, in words: "5 below the norm", "2 above the norm", "at the norm"."""
    if diff < 0:
        return _("{n} below the norm").format(n=-diff)
    return _("{n} above the norm").format(n=diff) if diff > 0 else _("at the norm")


def targets_line(targets: dict, skip_station: bool = True) -> str:
    """The targets as the config keys that set them (code, not labels)."""
    keys = ", ".join(f"`target.{k}={v}`" for k, v in targets.items()
                     if v is not None and not (skip_station and k.startswith("station_")))
    return _("Targets: {targets}.").format(targets=keys)


def met_line(plan: dict, long: bool = True) -> str:
    """Targets met, city-wide and in every office and shift, and whether only on the estimates (a sentence;
    sim.plan.headline)."""
    return met_headline(plan, long=long)


def unreachable_lines(plan: dict) -> list[str]:
    return [_("- office {office}, shift {shift}: {why}").format(office=u["office"], shift=u["shift"], why=u["why"])
            for u in plan["unreachable"]]


def markdown(plan: dict, cfg: Config) -> str:
    """plan.md: headcount, shifts, targets, cost, allocation, and how the plan was found."""
    lines = [_("# Staffing plan: {district} ({residents} residents, {offices})").format(
                 district=md_text(district_label(plan["district"])), residents=f"{plan['residents']:,}",
                 offices=offices_text(plan["offices"])),  # names from the config: md_text (raw HTML, escapes)
             "", _("Policy: {name} (`{policy}`).").format(name=md_text(_policy(plan["policy"])),
                                                          policy=md_text(plan["policy"]))
             + " " + md_text(met_line(plan)), "",
             targets_line(plan["targets"]), ""]
    lines += budget_section(plan)
    if plan["unreachable"]:
        lines += [_("Out of reach by staffing alone (travel, not waiting, misses the target; a deployment that "
                    "spreads staff, e.g. `policy=random_patrol`, or a longer target changes that):"), ""]
        lines += unreachable_lines(plan) + [""]
    headcount = [[name, *(f"{plan[key][r]:+d}" if key == "gap" else plan[key][r] for r in ROLES)]
                 for name, key in ((_("required"), "required"), (_("today"), "current"),
                                   (_("gap (required - today)"), "gap"))]
    lines += [_("## Headcount"), "", md_table(["", *role_heads()], headcount, align="lrrr")]
    needs = plan["today_roster_needs"]
    norm = plan["gap_to_ministry_norm_officers"]
    lines += ["", _("Today's roster, as the model runs it (each person on duty every day), would take {officers:g} "
                    "officers and {auxiliaries:g} auxiliaries at these relief factors; the 'today' column of the "
                    "targets table simulates that roster.").format(officers=needs["officers"],
                                                                   auxiliaries=needs["auxiliaries"]),
              "", _("Ministry norm (1 officer per {residents} residents): {norm} officers; the plan has {plan} "
                    "officers ({plan_vs}), today {today} ({today_vs}).").format(
                        residents=f"{cfg.plan.ministry_residents_per_officer:,}", norm=plan["ministry_norm_officers"],
                        plan=plan["required"]["officers"], plan_vs=vs_norm(norm["required_minus_norm"]),
                        today=plan["current"]["officers"], today_vs=vs_norm(norm["current_minus_norm"])),
              _("Posts become people with relief factors {relief} per post round the clock (auxiliaries include "
                "the window clerks over opening hours: {clerks} per office).").format(
                    relief=", ".join(f"`{k}={v:g}`" for k, v in plan["relief_factor"].items()),
                    clerks=plan["window_clerks_per_office"]),
              "", _("## On duty by shift"), "", _shift_table(plan["required_by_shift"])]
    targets = []
    for key, d in plan["attainment"].items():
        label, share = attainment_row(key, d)
        targets.append([label, _pct(d, share), _met(key, d), _pct(plan["today_attainment"].get(key), share)])
    lines += ["", _("## Targets"), "",
              md_table([_("target"), _("plan (95% CI)"), "", _("today, as rostered (95% CI)")], targets)]
    lines += tiers_section(plan)
    lines += cost_section(plan, cfg)
    if plan["offices"] > 1:
        allocation = [[a["office"], f"{a['residents']:,}",
                       f"{a['required']['officers']} / {a['current']['officers']} / {a['ministry_norm_officers']}",
                       f"{a['required']['auxiliaries']} / {a['current']['auxiliaries']}"] for a in plan["allocation"]]
        lines += ["", _("## Allocation across offices"), "",
                  md_table([_("office"), _("residents"), _("officers req. / today / norm"),
                            _("auxiliaries req. / today")], allocation, align="rrll")]
    s = plan["search"]
    lines += ["", _("## How it was found"), "",
              _("Analytic start (Erlang C, square-root law, workload), then {runs} of {days:g} days each, with "
                "common random numbers; the plan was verified on {reps} replications; a target counts as met when "
                "its one-sided {level:.0%} bound clears it. {seconds:.0f} s.").format(
                    runs=replications_text(s), days=s["plan_days"], reps=s["replications"],
                    level=cfg.plan.confidence, seconds=s["seconds"]), ""]
    lines += ["- " + _("{step}: {staffing}").format(step=_(st["step"]), staffing=staffing_text(st["staffing"]))
              for st in s["steps"]]
    lines += [""] + (["![{alt}](staffing_curve.png)".format(alt=_("staffing curve")), ""] if cfg.plan.curve else [])
    lines += ["![{alt}](gap.png)".format(alt=_("headcount gap")), ""]
    lines += [_("Planning assumptions: every on-duty post is filled (turnover, vacancies and absences are the relief "
                "factor's part); grid workers stay as configured; volunteers stay at today's number unless a crime "
                "or satisfaction floor needs more. Today's column simulates the configuration as given."), ""]
    if plan.get("calls_fit"):
        from sim.policing.calls_csv import report_markdown

        lines += [report_markdown(plan["calls_fit"]), ""]
    return "\n".join(lines)


def tiers_section(plan: dict, today_label: str | None = None) -> list[str]:
    """Who reached priority-1 calls in time: the office alone, the station's (and rapid) units."""
    today_label = today_label or _("today, as rostered")
    fig, today = plan["tiers"], plan["today_tiers"]
    tiers = present(fig)  # no row for a tier response.tiers leaves out
    rows = []
    if "p1_within_min" in fig:
        for name, key in ((_("priority-1 within {minutes:g} min, any tier").format(minutes=fig["p1_within_min"]),
                           "p1_within_target_share"),
                          (_("... reached by the office alone"), "p1_office_alone_share"),
                          (_("... carried by the station (station and rapid units)"), "p1_station_carries_share")):
            if key == "p1_within_target_share" or "station" in tiers:
                rows.append([name, _pct(fig[key]), _pct(today.get(key))])
    for tier, d in fig["tier_shares"].items():
        if tier in tiers:
            rows.append([_("calls led by {tier}").format(tier=_(TIER_LABELS[tier])), _pct(d),
                         _pct(today["tier_shares"].get(tier))])
    if "station" in tiers:
        rows.append([_("the station's own calls (outside the district): mean response, min"),
                     _pct(fig["station_own_calls_response_mean_min"], share=False),
                     _pct(today.get("station_own_calls_response_mean_min"), share=False)])
    planned = (_("The office is planned given the backup of the tiers beyond it (`response.tiers=office` plans it "
                 "alone).") if plan["tier"] == "office" else
               _("The station's cars are planned around the office as configured."))
    return ["", _("## Response tiers (`response.tiers={tiers}`)").format(tiers=fig["response_tiers"]), "",
            planned + " " + _("A call counts for the tier of its lead unit, so the office's part and the station's "
                              "add up to the share reached in time. Leaning on the station slows its own calls "
                              "(seed 003 §7.1)."), "",
            md_table(["", _("plan (95% CI)"), _("{today} (95% CI)").format(today=today_label)], rows, align="lll")]


def cost_section(plan: dict, cfg: Config) -> list[str]:
    """A year of staff, running cost and the station's share; the one-off building cost."""
    from sim.i18n.terms import term

    keys = ("officers", "auxiliaries", "volunteers", "grid_workers", "office_running", "tiers", "total_kyuan")
    costs = [[name, *(f"{c[k]:,.0f}" for k in keys)]
             for name, c in ((_("plan"), plan["annual_cost"]), (_("today"), plan["current_annual_cost"]))]
    c = cfg.cost
    if c.running_includes_staff:
        plural = {"officer": N_("officers"), "auxiliary": N_("auxiliaries"), "volunteer": N_("volunteers"),
                  "grid_worker": N_("grid workers")}
        team = join_list(_("{n} {role}").format(n=n, role=_(plural[role]) if role in plural else term(role))
                         for role, n in c.included_staff.items() if n)
        note = _("The running cost ({running} per office) includes the pay of an office's reference team ({team}; "
                 "`cost.running_includes_staff`, seed 003 §5.3); the columns split each office's cost among the roles "
                 "and the rest of the running cost as summary.json's `cost_*` do (`sim.output.kpi.cost_summary`), so "
                 "staff beyond or short of that team cost more or less.").format(
                     running=f"{cfg.kpi.office_running_cost_kyuan_per_year:,.0f}", team=team)
    else:
        note = _("Each role's column is everyone's pay, on top of the running cost "
                 "(`cost.running_includes_staff=false`).")
    a, b = plan["annual_cost"], plan["building_cost"]
    return ["", _("## Annual cost (thousand yuan)"), "",
            md_table(["", *role_heads(), _("grid workers"), _("running"), _("station's share"), _("total")], costs,
                     align="lrrrrrrr"),
            "", note + " " + _("The station's share is the district's share (by residents) of the pay of the "
                               "station's and rapid units. Per office {per_office} thousand yuan a year; per resident "
                               "{per_resident} yuan.").format(per_office=f"{a['per_office_kyuan']:,.0f}",
                                                             per_resident=f"{a['per_resident_yuan']:,.1f}"), "",
            _("One-off building cost: new offices {n} x {each} = **{total} thousand yuan** (`plan.new_offices`, "
              "`cost.office_build_kyuan`, seed 003 §5.3). The planner staffs the district's configured offices and "
              "never proposes another; `plan.new_offices` says how many of them are still to be built.").format(
                  n=b["new_offices"], each=f"{b['kyuan_per_office']:,.0f}", total=f"{b['total_kyuan']:,.0f}")]


def write_outputs(plan: dict, cfg: Config, out: Path) -> None:
    figures = (("staffing_curve.png", curve_figure),) if cfg.plan.curve else ()  # plan.curve=false: no curve run
    for name, draw in (*figures, ("gap.png", gap_figure)):
        with write_atomic(out / name, "wb") as f:
            draw(plan, f)
    with write_atomic(out / "plan.md") as f:
        f.write(markdown(plan, cfg))
