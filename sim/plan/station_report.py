"""plan.md and the chart of a station plan (``plan.tier=station``), drawn from the plan dictionary alone."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.config import Config  # noqa: E402
from sim.core.markdown import md_table  # noqa: E402
from sim.core.outdir import write_atomic  # noqa: E402
from sim.plan.report import _met, _pct, cost_section, tiers_section  # noqa: E402


def curve_figure(plan: dict, path) -> None:
    """Priority-1 calls reached in time (all tiers, the office alone) and the
    station's own calls finding a unit setting off in time, against the station's cars per shift."""
    pts = plan["curve"]
    cars = [p["cars_per_shift"] for p in pts]
    t = plan["targets"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    series = ((axes[0], "p1", "all tiers", "tab:blue"), (axes[0], "p1_office_alone", "the office alone", "tab:orange"),
              (axes[1], "station_own_off", "the station's own calls", "tab:blue"))
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
            ax.axhline(target, ls="--", color="grey", label="target")
        ax.axvline(plan["station"]["required_cars_per_shift"], color="tab:green", label="plan")
        ax.axvline(plan["station"]["current_cars_per_shift"], color="tab:red", ls=":", label="configured")
        ax.set_xlabel("station patrol cars per shift")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    within = f"{t['p1_within_min']:g}" if t["p1_within_min"] is not None else "n/a"
    axes[0].set_ylabel(f"priority-1 calls reached within {within} min")
    off = f"{t['station_off_within_min']:g}" if t["station_off_within_min"] is not None else "n/a"
    axes[1].set_ylabel(f"calls whose unit sets off within {off} min")
    fig.suptitle(f"Station cars: {plan['district']}, office staffed as configured")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def markdown(plan: dict, cfg: Config) -> str:
    st, t = plan["station"], plan["targets"]
    need, have = st["required_cost"], st["current_cost"]
    lines = [f"# Station plan: {plan['district']} ({plan['residents']:,} residents, {plan['offices']} office(s))", "",
             f"The fewest patrol cars on duty per shift at the parent station (`response.station."
             f"patrol_cars_per_shift`) that meet the district's targets and the station's own (its calls outside "
             f"the district find a unit setting off in time, `target.station_off_*`), the office staffed as "
             f"configured ({plan['office_staffing']['officers']} officers, {plan['office_staffing']['auxiliaries']} "
             f"auxiliaries, {plan['office_staffing']['volunteers']} volunteers). Targets met: "
             f"**{'yes' if plan['targets_met'] else 'no'}**"
             + ("" if plan["targets_met"] or plan["unreachable"] or not plan["targets_met_on_estimate"] else
                " (met on the estimates, but not all shown at the stated confidence)") + ".", "",
             "Targets: " + "; ".join(f"{k} = {v}" for k, v in t.items() if v is not None) + ".", ""]
    if plan["unreachable"]:
        lines += ["Out of reach by cars (they wait at the station; travel, not waiting, misses the target):", ""]
        lines += [f"- office {u['office']}, shift {u['shift']}: {u['why']}" for u in plan["unreachable"]] + [""]
    if plan["beyond_cars"]:
        lines += [f"Missed even with {st['cars_max']} cars per shift, so not the cars' to meet: "
                  + "; ".join(plan["beyond_cars"]) + ".", ""]
    rows = [["required", st["required_cars_per_shift"], need["people"], f"{need['kyuan_per_year']:,.0f}"],
            ["configured", st["current_cars_per_shift"], have["people"], f"{have['kyuan_per_year']:,.0f}"],
            ["gap (required - configured)", f"{st['gap_cars']:+d}", "", f"{st['cost_gap_kyuan_per_year']:+,.0f}"]]
    lines += ["## Patrol cars", "", md_table(["", "cars per shift", "people", "pay, thousand yuan a year"], rows,
                                             align="lrrr"),
              "", f"People: {st['people_per_post']:g} per car around the clock (`response.station.people_per_post`), "
              f"at an officer's pay; the whole station's cars, not the district's share. The station also keeps "
              f"{st['duty_officers_per_shift']} duty officer(s) per shift, not planned here."]
    targets = []
    for key, d in plan["attainment"].items():
        share = key.endswith("share") or key.startswith(("saturation", "satisfaction"))
        fewer = (plan["one_fewer_attainment"] or {}).get(key)
        targets.append([key, _pct(d, share), _met(d), _pct(fewer, share) if plan["one_fewer_attainment"] else "-",
                        _pct(plan["today_attainment"].get(key), share)])
    lines += ["", "## Targets", "",
              md_table(["target", "plan (95% CI)", "", "one car fewer", "configured cars"], targets)]
    lines += tiers_section(plan, "configured cars") + cost_section(plan, cfg)
    curve = [[p["cars_per_shift"], "yes" if p["met"] else "no", _pct(p["p1"]), _pct(p["p1_office_alone"]),
              _pct(p["p1_station_carries"]), _pct(p["station_own_off"]), _pct(p["saturation_worst_shift"]),
              p["replications"]]
             for p in plan["curve"]]
    s = plan["search"]
    lines += ["", "## How it was found", "",
              f"Bisection over 0-{st['cars_max']} cars per shift, {s['replications_run']} simulated replications "
              f"of {s['plan_days']:g} days with common random numbers; the plan and one car fewer were judged on "
              f"{s['replications']} replications; a target counts as met when its one-sided "
              f"{cfg.plan.confidence:.0%} bound clears it. {s['seconds']:.0f} s.", "",
              md_table(["cars", "met", "priority-1 in time", "office alone", "station carries",
                        "station's own calls: unit off in time", "worst-shift saturation", "replications"], curve,
                       align="rlllllll"),
              "", "![station curve](station_curve.png)", ""]
    return "\n".join(lines)


def write_outputs(plan: dict, cfg: Config, out: Path) -> None:
    with write_atomic(out / "station_curve.png", "wb") as f:
        curve_figure(plan, f)
    with write_atomic(out / "plan.md") as f:
        f.write(markdown(plan, cfg))
