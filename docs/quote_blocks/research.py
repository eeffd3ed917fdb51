"""The researcher's figures: one simulated year of each preset (## Plausibility), and the
walk-through's staffing sweep, norm-against-reality comparison and Morris screening."""
from __future__ import annotations

import json

from .common import RUNS, Compared, difference, expect, f2, fewer_points, fresh, pts, run, sweep


PLAUS_DISTRICTS = ("urban_core", "rural_mountain", "city")


def plausibility(log) -> dict[str, str]:
    """One simulated year of each preset (## Plausibility)."""
    import pandas as pd

    out: dict[str, str] = {}
    p1_in_3 = []
    for d in PLAUS_DISTRICTS:
        folder = fresh(RUNS / "plausibility" / d)
        run(log, "sim", f"district={d}", "sim.days=365", "sim.plots=false", f"hydra.run.dir={folder}")
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        calls = pd.read_parquet(folder / "calls.parquet", columns=["priority", "response_min"])
        years, k = s["sim_days"] / 365.0, 1000.0 / s["residents"]
        out[f"pl_{d}_calls"] = f"{s['calls_total'] * k / years:.0f}"
        out[f"pl_{d}_crimes"] = f"{s['crimes_total'] * k / years:.1f}"
        out[f"pl_{d}_crimes_reported"] = f"{s['crimes_reported'] * k / years:.1f}"
        out[f"pl_{d}_disputes"] = f"{s['disputes_total'] / s['offices'] / years:.0f}"
        out[f"pl_{d}_cost_office"] = f"{s['cost_per_office_kyuan_per_year']:.0f}"
        out[f"pl_{d}_cost_resident"] = f"{s['cost_per_resident_yuan_per_year']:.0f}"
        for p in (1, 2, 3, 4):
            r = calls.loc[calls.priority == p, "response_min"]
            shares = ", ".join(f"{(r <= t).sum() / len(r):.0%}" for t in (3, 8, 10))
            out[f"pl_{d}_p{p}"] = f"{s[f'response_time_mean_min_p{p}']:.1f} ({shares})"
        out[f"pl_{d}_tiers"] = f"{s['tier_share_office']:.1%} / {s['tier_share_station']:.1%}"
        out[f"pl_{d}_station_mean"] = f"{s['station_response_time_mean_min']:.1f}"
        out[f"pl_{d}_util_officer"] = f"{s['utilization_officer']:.0%}"
        if d != "rural_mountain":
            p1_in_3.append(s["emergency_share_within_3min"])
    out["pl_town_p1_within_3"] = f"{min(p1_in_3):.0%}-{max(p1_in_3):.0%}".replace("%-", "-")
    return out


SS_BASE = "staffing.mix=3+5+4, policy=fixed_post"
SS_METRICS = ["response_time_mean_min", "response_time_mean_min_p1", "emergency_share_within_3min",
              "share_within_8min", "tier_share_station"]


def staffing_sweep(log) -> dict[str, str]:
    """The researcher's walk-through, step 4: the staffing sweep with two policies."""
    c = Compared(sweep(log, "staffing_sweep", ["+experiment=staffing_sweep", "policy=fixed_post,random_patrol"],
                       ["policy=fixed_post", "staffing.mix=3+5+4"], SS_METRICS), SS_BASE)
    out: dict[str, str] = {}
    shenzhen, patrol = "staffing.mix=1+8+0, policy=fixed_post", "staffing.mix=3+5+4, policy=random_patrol"
    d = c.diff_row(shenzhen, "response_time_mean_min")
    expect(d.mean_diff > 0, "1+8+0 raises the mean response time")
    out |= difference("ss_180_mean", d)
    st, st0 = c.mean(shenzhen, "tier_share_station"), c.mean(SS_BASE, "tier_share_station")
    expect(st > st0, "the station leads more calls under 1+8+0")
    out |= {"ss_180_station": f"{st:.1%}", "ss_base_station": f"{st0:.1%}"}
    d = c.diff_row(shenzhen, "response_time_mean_min_p1")
    expect(d.mean_diff > 0, "1+8+0 raises priority 1's mean")
    out |= difference("ss_180_p1", d)
    d = c.diff_row(shenzhen, "emergency_share_within_3min")
    expect(d.mean_diff < 0, "1+8+0 reaches fewer priority-1 calls within 3 minutes")
    out |= fewer_points("ss_180_p1_3", d)
    d = c.diff_row(patrol, "response_time_mean_min")
    expect(d.mean_diff > 0 and d.ci_low > 0 and d.welch_ci_low < 0 < d.welch_ci_high,
           "patrolling adds to the mean (paired interval above 0, Welch's around 0)")
    width = (d.welch_ci_high - d.welch_ci_low) / (d.ci_high - d.ci_low)
    out |= difference("ss_patrol_mean", d) | {
            "ss_patrol_welch_lo": f2(d.welch_ci_low), "ss_patrol_welch_hi": f2(d.welch_ci_high),
            "ss_patrol_welch_width": f"{width:.1f}"}
    d = c.diff_row(patrol, "share_within_8min")
    expect(d.mean_diff < 0, "patrolling cuts calls reached within 8 minutes")
    out |= fewer_points("ss_patrol_8", d)
    return out


NVR_METRICS = ["response_time_mean_min", "emergency_share_within_3min", "utilization_officer", "crimes_total",
               "tier_share_station"]


def norm_vs_reality(log) -> dict[str, str]:
    """The researcher's walk-through, step 4: the ministry norm against seed 004's staffing."""
    base, real = "staffing=ministry_norm", "staffing=seed004_urban"
    c = Compared(sweep(log, "norm_vs_reality", ["+experiment=norm_vs_reality"], [base], NVR_METRICS), base)
    out: dict[str, str] = {}
    d = c.diff_row(real, "response_time_mean_min")
    expect(d.mean_diff > 0, "understaffing adds to the mean response")
    out |= difference("nvr_mean", d)
    d = c.diff_row(real, "emergency_share_within_3min")
    expect(d.mean_diff < 0, "understaffing cuts priority-1 calls reached within 3 minutes")
    out |= fewer_points("nvr_p1_3", d)
    d = c.diff_row(real, "utilization_officer")
    expect(d.mean_diff > 0, "understaffing raises officer utilisation")
    out["nvr_util"] = pts(d.mean_diff)
    d = c.diff_row(real, "crimes_total")  # 28-day runs: a month
    expect(d.mean_diff > 0, "understaffing raises crime")
    out |= difference("nvr_crime", d, lambda x: f"{x:.1f}")
    st, st0 = c.mean(real, "tier_share_station"), c.mean(base, "tier_share_station")
    expect(st > st0, "the station leads more calls when the office is understaffed")
    out |= {"nvr_station": f"{st:.1%}", "nvr_base_station": f"{st0:.1%}"}
    return out


def sensitivity(log) -> dict[str, str]:
    """The researcher's walk-through, step 5: Morris screening on urban_core."""
    import pandas as pd

    folder = sweep(log, "sensitivity", ["+experiment=sensitivity"], [], ["response_time_mean_min", "crimes_total"])
    s = pd.read_parquet(folder / "sensitivity.parquet").set_index(["metric", "parameter"])

    def ranked(metric: str) -> list[str]:
        return list(s.loc[metric].sort_values("mu_star", ascending=False).index)

    expect(ranked("response_time_mean_min")[0] == "scale.travel_speed_factor", "travel speed ranks first for response")
    expect(ranked("crimes_total")[:3] == ["scale.call_rate_factor", "crime.deterrence_per_guardian",
                                          "scale.report_prob_factor"],
           "crime counts rank call rate, deterrence, reporting")

    def mu_star(metric: str, parameter: str) -> float:
        return float(s.loc[(metric, parameter), "mu_star"])

    return {"sens_travel_mean": f"{mu_star('response_time_mean_min', 'scale.travel_speed_factor'):.1f}",
            "sens_rate_mean": f2(mu_star("response_time_mean_min", "scale.call_rate_factor")),
            "sens_rate_crimes": f"{mu_star('crimes_total', 'scale.call_rate_factor'):.0f}",
            "sens_deter_crimes": f"{mu_star('crimes_total', 'crime.deterrence_per_guardian'):.0f}",
            "sens_report_crimes": f"{mu_star('crimes_total', 'scale.report_prob_factor'):.0f}"}


BLOCKS = {"plausibility": plausibility, "staffing_sweep": staffing_sweep, "norm_vs_reality": norm_vs_reality,
          "sensitivity": sensitivity}


TEMPLATES = {
    "plausibility_volumes": """\
| | urban_core | rural_mountain | city | published (source) |
|---|---|---|---|---|
| calls per 1,000 residents a year | {pl_urban_core_calls} | {pl_rural_mountain_calls} | {pl_city_calls} | Huainan 2012: 268,007 valid 110 calls for 2.456 M residents = 109 (DOMAIN §7 divides by 3.4 M, today's boundary: Shou County joined in 2015); rural lower: `district.call_rate_factor` 0.6 (Ankang, a mountain prefecture, about 70) |
| crimes per 1,000 a year (reported) | {pl_urban_core_crimes} ({pl_urban_core_crimes_reported}) | {pl_rural_mountain_crimes} ({pl_rural_mountain_crimes_reported}) | {pl_city_crimes} ({pl_city_crimes_reported}) | Huainan 2012: 3.7 criminal and 7.0 public-order cases per 1,000 reached 110; unreported crime is not in those figures; rural `district.crime_rate_factor` 0.5 (assumption: fewer shops and strangers) |
| disputes per office a year | {pl_urban_core_disputes} | {pl_rural_mountain_disputes} | {pl_city_disputes} | 23 (national mean settled through offices, seed 003 §1.4) to 320 (a best-practice office with a volunteer alliance, §5.1); Huainan: 5.2 dispute calls per 1,000 (the default `calls.dispute` rate) |
| cost per office (k yuan a year) | {pl_urban_core_cost_office} | {pl_rural_mountain_cost_office} | {pl_city_cost_office} | 300-500 including staff (seed 003 §5.3); the window clerk is a sixth auxiliary |
| cost per resident (yuan a year), with the station's share | {pl_urban_core_cost_resident} | {pl_rural_mountain_cost_resident} | {pl_city_cost_resident} | no published figure; one office per 50,000 people (seed 003 §2.1) at 400 k is 8 yuan for the office alone |
""",
    "plausibility_priorities": """\
| district | priority 1 | priority 2 | priority 3 | priority 4 | led by office / station |
|---|---|---|---|---|---|
| urban_core | {pl_urban_core_p1} | {pl_urban_core_p2} | {pl_urban_core_p3} | {pl_urban_core_p4} | {pl_urban_core_tiers} |
| rural_mountain | {pl_rural_mountain_p1} | {pl_rural_mountain_p2} | {pl_rural_mountain_p3} | {pl_rural_mountain_p4} | {pl_rural_mountain_tiers} |
| city | {pl_city_p1} | {pl_city_p2} | {pl_city_p3} | {pl_city_p4} | {pl_city_tiers} |
""",
}


