"""plan.md and the chart of a station plan (``plan.tier=station``), drawn from the plan dictionary alone."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.config import Config  # noqa: E402
from sim.core.markdown import md_table, md_text  # noqa: E402
from sim.core.outdir import write_atomic  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.plan.headline import district_label  # noqa: E402
from sim.plan.report import _met, _pct, _yes, attainment_row, cost_section, met_line, offices_text, \
    targets_line, tiers_section, unreachable_lines  # noqa: E402

_ = Translator("reports")


def curve_figure(plan: dict, path) -> None:
    fig = curve_fig(plan)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def curve_fig(plan: dict):
    """Priority-1 calls reached in time (all tiers, the office alone) and the
    station's own calls finding a unit setting off in time, against the station's cars per shift (the Figure)."""
    from matplotlib.ticker import MaxNLocator

    from sim.output.plots import percent_axis

    use_cjk_fonts()
    pts = plan["curve"]
    cars = [p["cars_per_shift"] for p in pts]
    t = plan["targets"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    series = ((axes[0], "p1", _("all tiers"), "tab:blue"),
              (axes[0], "p1_office_alone", _("the office alone"), "tab:orange"),
              (axes[1], "station_own_off", _("the station's own calls"), "tab:blue"))
    for ax, key, label, colour in series:
        rows = [(c, p[key]) for c, p in zip(cars, pts) if p.get(key) and p[key]["estimate"] is not None]
        if not rows:
            continue
        xs, ds = [c for c, _ in rows], [d for _, d in rows]
        ax.fill_between(xs, [d["ci95"][0] if d["ci95"][0] is not None else d["estimate"] for d in ds],
                        [d["ci95"][1] if d["ci95"][1] is not None else d["estimate"] for d in ds],
                        alpha=0.2, color=colour)
        ax.plot(xs, [d["estimate"] for d in ds], "o-", color=colour, label=label)
    for ax, target in ((axes[0], t["p1_share"] if t["p1_within_min"] is not None else None),
                       (axes[1], t["station_off_share"] if t["station_off_within_min"] is not None else None)):
        if target is not None:
            ax.axhline(target, ls="--", color="grey", label=_("target"))
        ax.axvline(plan["station"]["required_cars_per_shift"], color="tab:green", label=_("plan"))
        ax.axvline(plan["station"]["current_cars_per_shift"], color="tab:red", ls=":", label=_("configured"))
        ax.set_xlabel(_("station patrol cars per shift"))
        ax.set_ylim(0, 1.02)
        percent_axis(ax.yaxis)  # shares as percentages
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole cars
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    within = f"{t['p1_within_min']:g}" if t["p1_within_min"] is not None else _("n/a")
    axes[0].set_ylabel(_("priority-1 calls reached within {minutes} min").format(minutes=within))
    off = f"{t['station_off_within_min']:g}" if t["station_off_within_min"] is not None else _("n/a")
    axes[1].set_ylabel(_("calls whose unit sets off within {minutes} min").format(minutes=off))
    fig.suptitle(_("Station cars: {district}, office staffed as configured").format(
        district=f"district={plan['district']}"))
    return fig


def markdown(plan: dict, cfg: Config) -> str:
    st = plan["station"]
    need, have = st["required_cost"], st["current_cost"]
    staff = plan["office_staffing"]
    lines = [_("# Station plan: {district} ({residents} residents, {offices})").format(
                 district=md_text(district_label(plan["district"])), residents=f"{plan['residents']:,}",
                 offices=offices_text(plan["offices"])), "",
             _("The fewest patrol cars on duty per shift at the parent station (`response.station."
               "patrol_cars_per_shift`) that meet the district's targets and the station's own (its calls outside "
               "the district find a unit setting off in time, `target.station_off_*`), the office staffed as "
               "configured ({officers} officers, {auxiliaries} auxiliaries, {volunteers} volunteers).").format(
                   officers=staff["officers"], auxiliaries=staff["auxiliaries"], volunteers=staff["volunteers"])
             + " " + met_line(plan, long=False), "",
             targets_line(plan["targets"], skip_station=False), ""]
    if plan["unreachable"]:
        lines += [_("Out of reach by cars (they wait at the station; travel, not waiting, misses the target):"), ""]
        lines += unreachable_lines(plan) + [""]
    if plan["beyond_cars"]:
        lines += [_("Missed even with {cars} cars per shift, so not the cars' to meet: {targets}.").format(
            cars=st["cars_max"], targets="; ".join(f"`{k}`" for k in plan["beyond_cars"])), ""]
    rows = [[_("required"), st["required_cars_per_shift"], need["people"], f"{need['kyuan_per_year']:,.0f}"],
            [_("configured"), st["current_cars_per_shift"], have["people"], f"{have['kyuan_per_year']:,.0f}"],
            [_("gap (required - configured)"), f"{st['gap_cars']:+d}", "", f"{st['cost_gap_kyuan_per_year']:+,.0f}"]]
    lines += [_("## Patrol cars"), "",
              md_table(["", _("cars per shift"), _("people"), _("pay, thousand yuan a year")], rows, align="lrrr"),
              "", _("People: {people:g} per car around the clock (`response.station.people_per_post`), at an "
                    "officer's pay; the whole station's cars, not the district's share. The station also keeps "
                    "duty officers ({duty} per shift), not planned here.").format(
                        people=st["people_per_post"], duty=st["duty_officers_per_shift"])]
    targets = []
    for key, d in plan["attainment"].items():
        label, share = attainment_row(key, d)
        fewer = (plan["one_fewer_attainment"] or {}).get(key)
        targets.append([label, _pct(d, share), _met(key, d), _pct(fewer, share) if plan["one_fewer_attainment"] else "-",
                        _pct(plan["today_attainment"].get(key), share)])
    lines += ["", _("## Targets"), "",
              md_table([_("target"), _("plan (95% CI)"), "", _("one car fewer"), _("configured cars")], targets)]
    lines += tiers_section(plan, _("configured cars")) + cost_section(plan, cfg)
    curve = [[p["cars_per_shift"], _yes(p["met"]), _pct(p["p1"]), _pct(p["p1_office_alone"]),
              _pct(p["p1_station_carries"]), _pct(p["station_own_off"]), _pct(p["saturation_worst_shift"]),
              p["replications"]]
             for p in plan["curve"]]
    s = plan["search"]
    lines += ["", _("## How it was found"), "",
              _("Bisection over 0-{cars} cars per shift, {runs} simulated replications of {days:g} days with common "
                "random numbers; the plan and one car fewer were judged on {reps} replications; a target counts as "
                "met when its one-sided {level:.0%} bound clears it. {seconds:.0f} s.").format(
                    cars=st["cars_max"], runs=s["replications_run"], days=s["plan_days"], reps=s["replications"],
                    level=cfg.plan.confidence, seconds=s["seconds"]), "",
              md_table([_("cars"), _("met"), _("priority-1 in time"), _("office alone"), _("station carries"),
                        _("station's own calls: unit off in time"), _("worst-shift saturation"), _("replications")],
                       curve, align="rlllllll"),
              "", "![{alt}](station_curve.png)".format(alt=_("station curve")), ""]
    return "\n".join(lines)


def write_outputs(plan: dict, cfg: Config, out: Path) -> None:
    with write_atomic(out / "station_curve.png", "wb") as f:
        curve_figure(plan, f)
    with write_atomic(out / "plan.md") as f:
        f.write(markdown(plan, cfg))
