"""The community side's and the response system's figures: the ``community_levers``
experiment, the ``tiered_response`` experiment (with its ``response.p1_speed_factor=1``
variant) and the cost sentences of ### Costs."""
from __future__ import annotations

from .common import Compared, expect, f2, sweep

# --- ### The `community_levers` experiment -----------------------------------------------------------

CL_BASE = "lever=no_visits"
CL_ARMS = {"nv": CL_BASE, "v": "lever=visits", "vv": "lever=visits_volunteers"}
CL_METRICS = ["home_visits", "households_visited_share", "disputes_surfaced_by_visits", "disputes_total",
              "disputes_escalated", "disputes_resolved_share", "trust_mean", "awareness_share", "reporting_rate",
              "crimes_total", "satisfaction_mean", "response_time_mean_min", "busy_hours_per_officer",
              "station_duty_hours_per_officer", "workload_gini", "kpi_composite", "cost_per_office_kyuan_per_year",
              "cost_tiers_kyuan_per_year", "travel_distance_mean_m"]


def community_levers(log) -> dict[str, str]:
    """### The `community_levers` experiment: three arms x 10 replications on urban_core."""
    import pandas as pd

    folder = sweep(log, "community_levers", ["+experiment=community_levers"], ["lever=no_visits"], CL_METRICS)
    c = Compared(folder, CL_BASE)
    runs = pd.read_parquet(folder / "runs.parquet", columns=["config", "disputes_escalated"])
    out: dict[str, str] = {}
    visits = ("v", "vv")

    def cells(row: str, metric: str, mean, diff=None, interval: bool = True) -> None:
        """The row's three cells: the mean, and for the visiting arms the paired difference (and interval)."""
        for arm, config in CL_ARMS.items():
            text = mean(c.mean(config, metric))
            if diff is not None and arm != "nv":
                d = c.diff_row(config, metric)
                text += f" ({diff(d.mean_diff)}" + (f"; {diff(d.ci_low)} to {diff(d.ci_high)})" if interval else ")")
            out[f"cl_{row}_{arm}"] = text

    def count(x: float) -> str:
        return f"{x:,.0f}"

    def share(x: float) -> str:
        return f"{x:.0%}"

    def share1(x: float) -> str:
        return f"{x:.1%}"

    def signed_pts(x: float) -> str:
        text = f"{x * 100:+.1f}"
        return "0.0" if text in ("+0.0", "-0.0") else text  # no signed zero

    def three(x: float) -> str:
        return f"{x:.3f}"

    cells("visits", "home_visits", count)
    cells("households", "households_visited_share", share)
    for arm, config in CL_ARMS.items():
        out[f"cl_surfaced_{arm}"] = (f"{c.mean(config, 'disputes_surfaced_by_visits'):.1f} of "
                                     f"{c.mean(config, 'disputes_total'):.1f}")
    cells("escalated", "disputes_escalated", lambda x: f"{x:.1f}", lambda x: f"{x:+.1f}")
    def pts_cells(row: str, metric: str) -> None:
        """A share's row: the paired difference and its interval in percentage points."""
        for arm, config in CL_ARMS.items():
            text = share1(c.mean(config, metric))
            if arm != "nv":
                d = c.diff_row(config, metric)
                text += f" ({signed_pts(d.mean_diff)} pts; {signed_pts(d.ci_low)} to {signed_pts(d.ci_high)})"
            out[f"cl_{row}_{arm}"] = text

    pts_cells("resolved", "disputes_resolved_share")
    cells("trust", "trust_mean", three, lambda x: f"{x:+.3f}", interval=False)
    cells("aware", "awareness_share", share)
    pts_cells("reported", "reporting_rate")
    cells("crimes", "crimes_total", lambda x: f"{x:.0f}", lambda x: f"{x:+.1f}")
    cells("satisfaction", "satisfaction_mean", three)
    cells("response", "response_time_mean_min", f2, lambda x: f"{x:+.2f}")
    cells("busy", "busy_hours_per_officer", lambda x: f"{x:.0f}", lambda x: f"{x:+.1f}")
    out["cl_station_duty"] = f"{c.mean(CL_BASE, 'station_duty_hours_per_officer'):.0f}"
    cells("gini", "workload_gini", three)
    cells("kpi", "kpi_composite", three, lambda x: f"{x:+.3f}", interval=False)
    cells("cost", "cost_per_office_kyuan_per_year", lambda x: f"{x:.0f}")

    tiers = [c.mean(config, "cost_tiers_kyuan_per_year") for config in CL_ARMS.values()]
    expect(max(tiers) - min(tiers) < 1e-9, "the station's cost is the same in every arm")
    out["cl_tiers_cost"] = f"{tiers[0]:.0f}"

    # the prose under the table
    surfaced = [c.mean(CL_ARMS[a], "disputes_surfaced_by_visits") / c.mean(CL_ARMS[a], "disputes_total") for a in visits]
    expect(min(surfaced) > 0.25, "visits surface more than a quarter of disputes")
    out |= {"cl_surfaced_lo": share(min(surfaced)), "cl_surfaced_hi": share(max(surfaced))}
    for a in visits:
        d = c.diff_row(CL_ARMS[a], "disputes_resolved_share")
        expect(d.mean_diff > 0, "visits settle more disputes")
    out["cl_disputes"] = f"{c.mean(CL_BASE, 'disputes_total'):.0f}"
    esc = {a: c.mean(CL_ARMS[a], "disputes_escalated") for a in CL_ARMS}
    expect(esc["nv"] > max(esc["v"], esc["vv"]), "fewer disputes turn violent with visits")
    for a in visits:
        d = c.diff_row(CL_ARMS[a], "disputes_escalated")
        expect(d.ci_low < 0 < d.ci_high, "the escalations' paired interval includes zero in both visiting arms")
    out |= {"cl_esc_nv": f"{esc['nv']:.1f}", "cl_esc_v": f"{esc['v']:.1f}", "cl_esc_vv": f"{esc['vv']:.1f}",
            "cl_esc_runs": f"{runs.disputes_escalated.min():.0f}-{runs.disputes_escalated.max():.0f}"}
    for a in visits:
        expect(c.mean(CL_ARMS[a], "awareness_share") > 0.5, "visits make most residents aware of the office")
        expect(c.diff_row(CL_ARMS[a], "trust_mean").ci_low > 0, "visits raise trust")
        d = c.diff_row(CL_ARMS[a], "satisfaction_mean")
        expect(d.ci_low < 0 < d.ci_high, "the satisfaction of rated contacts does not move")
    dv, dvv = c.diff_row(CL_ARMS["v"], "crimes_total"), c.diff_row(CL_ARMS["vv"], "crimes_total")
    expect(dv.ci_high < 0 and dvv.ci_high < 0 and dvv.mean_diff < dv.mean_diff,
           "both visiting arms cut crime beyond chance, the arm with 12 volunteers by more")

    def span(metric: str, fmt) -> tuple[str, str]:
        xs = sorted(c.diff_row(CL_ARMS[a], metric).mean_diff for a in visits)
        return fmt(xs[0]), fmt(xs[1])

    for a in visits:
        expect(c.diff_row(CL_ARMS[a], "response_time_mean_min").ci_low > 0, "visits cost a little response time")
        expect(c.diff_row(CL_ARMS[a], "travel_distance_mean_m").ci_low > 0, "units answer from farther away")
        expect(c.diff_row(CL_ARMS[a], "busy_hours_per_officer").ci_high < 0, "officers are less busy with visits")
    out["cl_resp_lo"], out["cl_resp_hi"] = span("response_time_mean_min", f2)
    out["cl_dist_lo"], out["cl_dist_hi"] = span("travel_distance_mean_m", lambda x: f"{x:.0f}")
    hi, lo = span("busy_hours_per_officer", lambda x: f"{-x:.1f}")
    out["cl_busy_lo"], out["cl_busy_hi"] = lo, hi
    expect(c.diff_row(CL_ARMS["vv"], "workload_gini").ci_low > 0, "volunteers spread the work less evenly (Gini up)")
    totals = [c.mean(config, "disputes_total") for config in CL_ARMS.values()]
    expect(max(totals) > min(totals), "the disputes counted differ slightly between arms")
    return out


# --- ### The `tiered_response` experiment ------------------------------------------------------------

TR_METRICS = ["response_time_mean_min_p1", "emergency_share_within_3min", "response_time_mean_min",
              "tier_share_station", "station_response_time_mean_min", "utilization_officer",
              "response_time_mean_min_p2", "response_time_mean_min_p3", "response_time_mean_min_p4"]
TR_DISTRICTS = ("urban_core", "rural_mountain", "city")
# the table's arms: (key, response.tiers, dispatch); the office alone under office_first (with one office the
# same runs as under nearest_any)
TR_ARMS = (("alone", "office", "office_first"), ("first", "office_station", "office_first"),
           ("any", "office_station", "nearest_any"))


class _Configs:
    """A comparison's configurations by their parameters, not their labels."""

    def __init__(self, compare_dir, keys: list[str]):
        import pandas as pd

        self.conf = pd.read_parquet(compare_dir / "configurations.parquet").set_index(["config", "metric"])
        runs = pd.read_parquet(compare_dir / "runs.parquet")
        self.labels = {tuple(str(r[k]) for k in keys): r["config"] for _, r in runs.iterrows()}

    def row(self, params: tuple, metric: str):
        return self.conf.loc[(self.labels[params], metric)]

    def mean(self, params: tuple, metric: str) -> float:
        return float(self.row(params, metric)["mean"])


def _interval(row, fmt, unit: str = "") -> str:
    """A mean with the comparison tool's 95% interval in brackets (a share's and a time's need not be symmetric)."""
    import math

    if row["mean"] is None or math.isnan(row["mean"]):
        return "-"
    if row["ci_low"] is None or math.isnan(row["ci_low"]):
        return fmt(row["mean"]) + unit
    return f"{fmt(row['mean'])}{unit} ({fmt(row['ci_low'])}-{fmt(row['ci_high'])}{unit})"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}"


def _min1(x: float) -> str:
    return f"{x:.1f}"


def tiered_response(log) -> dict[str, str]:
    """### The `tiered_response` experiment: three districts x office alone / + station (office_first,
    nearest_any) x 5 replications, and urban_core's office_first arm with response.p1_speed_factor=1."""
    folder = sweep(log, "tiered_response", ["+experiment=tiered_response"], [], TR_METRICS)
    c = _Configs(folder, ["district", "response.tiers", "dispatch"])
    variant = sweep(log, "tiered_response_p1_speed_1",
                    ["+experiment=tiered_response", "district=urban_core", "response.tiers=office_station",
                     "dispatch=office_first", "response.p1_speed_factor=1"], [], TR_METRICS)
    out: dict[str, str] = {}
    for d in TR_DISTRICTS:
        for arm, tiers, dispatch in TR_ARMS:
            p = (d, tiers, dispatch)
            k = f"tr_{d}_{arm}"
            out[f"{k}_p1"] = _interval(c.row(p, "response_time_mean_min_p1"), _min1)
            out[f"{k}_p1_3"] = _interval(c.row(p, "emergency_share_within_3min"), _pct, "%")
            out[f"{k}_all"] = _interval(c.row(p, "response_time_mean_min"), _min1)
            st = c.mean(p, "tier_share_station")
            out[f"{k}_station"] = f"{st:.1%}" if 0 < st < 0.1 else f"{st:.0%}"
            out[f"{k}_own"] = _interval(c.row(p, "station_response_time_mean_min"), _min1)
            out[f"{k}_util"] = f"{c.mean(p, 'utilization_officer'):.0%}"
        alone = c.mean((d, "office", "office_first"), "response_time_mean_min_p1")
        expect(c.mean((d, "office", "office_first"), "tier_share_station") == 0, "the office alone leads every call")
        expect(c.mean((d, "office_station", "office_first"), "response_time_mean_min_p1") < alone,
               "the station's backup shortens priority 1's wait")

    for d in ("urban_core", "rural_mountain"):
        expect(all(c.mean((d, "office", "office_first"), m) == c.mean((d, "office", "nearest_any"), m)
                   for m in TR_METRICS if m != "station_response_time_mean_min"),
               "with one office the office-alone arm is the same run under both rules")
    uc = ("urban_core", "office", "office_first"), ("urban_core", "office_station", "office_first")
    expect(c.mean(uc[0], "response_time_mean_min_p1") > 3 * c.mean(uc[1], "response_time_mean_min_p1"),
           "the office alone cannot answer violent calls quickly")
    out["tr_uc_alone_p1"] = _min1(c.mean(uc[0], "response_time_mean_min_p1"))
    out["tr_uc_first_station"] = f"{c.mean(uc[1], 'tier_share_station'):.1%}"
    p1 = c.mean(uc[1], "response_time_mean_min_p1")
    others = [c.mean(uc[1], f"response_time_mean_min_p{q}") for q in (2, 3, 4)]
    expect(p1 < min(others), "with the station's backup priority 1 is the fastest class")
    out["tr_uc_first_p1"] = _min1(p1)

    import pandas as pd

    v = pd.read_parquet(variant / "configurations.parquet").set_index("metric")
    vp1, v_others = float(v.loc["response_time_mean_min_p1", "mean"]), [
        float(v.loc[f"response_time_mean_min_p{q}", "mean"]) for q in (2, 3, 4)]
    expect(int(v.loc["response_time_mean_min_p1", "n"]) == 5, "the variant runs the same 5 replications")
    expect(vp1 > max(v_others), "without lights and sirens priority 1 is a shade slower than the other classes")
    expect(vp1 > p1, "the lights-and-sirens factor is part of priority 1's speed")
    expect(v.loc["emergency_share_within_3min", "mean"] < c.mean(uc[1], "emergency_share_within_3min"),
           "the 3-minute share needs the faster run too")
    out["tr_v_p1"] = _interval(v.loc["response_time_mean_min_p1"], _min1)
    out["tr_v_p1_3"] = _interval(v.loc["emergency_share_within_3min"], _pct, "%")
    out["tr_v_others"] = f"{_min1(min(v_others))}-{_min1(max(v_others))}"

    shaves = []
    for d in TR_DISTRICTS:
        first, any_ = (d, "office_station", "office_first"), (d, "office_station", "nearest_any")
        shaves.append(c.mean(first, "response_time_mean_min_p1") - c.mean(any_, "response_time_mean_min_p1"))
        expect(c.mean(any_, "tier_share_station") > c.mean(first, "tier_share_station"),
               "nearest_any hands more calls to the station")
    expect(min(shaves) > 0, "nearest_any shaves a further bit off priority 1's mean")
    out["tr_shave_lo"], out["tr_shave_hi"] = _min1(min(shaves)), _min1(max(shaves))
    out["tr_uc_any_station"] = f"{c.mean(('urban_core', 'office_station', 'nearest_any'), 'tier_share_station'):.0%}"
    out["tr_rm_any_station"] = f"{c.mean(('rural_mountain', 'office_station', 'nearest_any'), 'tier_share_station'):.0%}"

    rm = ("rural_mountain", "office", "office_first"), ("rural_mountain", "office_station", "office_first")
    out["tr_rm_alone_p1"] = f"{c.mean(rm[0], 'response_time_mean_min_p1'):.0f}"
    out["tr_rm_first_p1"] = f"{c.mean(rm[1], 'response_time_mean_min_p1'):.0f}"
    out["tr_rm_first_all"] = f"{c.mean(rm[1], 'response_time_mean_min'):.0f}"
    out["tr_rm_first_p1_3"] = f"{c.mean(rm[1], 'emergency_share_within_3min'):.0%}"
    expect(c.mean(rm[1], "response_time_mean_min") > 3 * c.mean(uc[1], "response_time_mean_min"),
           "in the mountains distance dominates")
    ua, uf = c.mean(uc[0], "utilization_officer"), c.mean(uc[1], "utilization_officer")
    expect(uf > ua, "officers' utilisation rises with station duty counted")
    out["tr_util_alone"], out["tr_util_first"] = f"{ua:.0%}", f"{uf:.0%}"
    return out


# --- ### Costs -----------------------------------------------------------------------------------------

def costs(log) -> dict[str, str]:
    """### Costs: the reference team's pay, the staff half it is scaled into, one more officer (no runs:
    sim.output.kpi.cost_summary on the default config)."""
    from sim.compose.loader import load_config
    from sim.output.kpi import cost_summary

    cfg = load_config([])
    team, pay = dict(cfg.cost.included_staff), cfg.staffing.cost_kyuan_per_year
    print(f"  reference team {team}, pay {dict(pay)}", file=log, flush=True)
    reference_pay = sum(n * pay.get(role, 0.0) for role, n in team.items())
    base = cost_summary(team, cfg, 1)
    staff_part = sum(v for k, v in base.items() if k.startswith("cost_") and k not in (
        "cost_running_kyuan_per_year", "cost_tiers_kyuan_per_year", "cost_total_kyuan_per_year",
        "cost_per_office_kyuan_per_year", "cost_per_resident_yuan_per_year") and v is not None)
    more = cost_summary({**team, "officer": team["officer"] + 1}, cfg, 1)
    adds = more["cost_total_kyuan_per_year"] - base["cost_total_kyuan_per_year"]
    expect(cfg.cost.running_includes_staff, "the default running cost includes staff pay")
    expect(reference_pay > cfg.kpi.office_running_cost_kyuan_per_year,
           "the reference team's pay exceeds the office running cost said to include it (Known limitations)")
    expect(staff_part < reference_pay and adds < pay["officer"],
           "the reference team's pay is scaled down: one more officer adds less than his pay")
    return {"cost_ref_pay": f"{reference_pay:.0f}", "cost_staff_part": f"{staff_part:.0f}",
            "cost_one_officer": f"{adds:.0f}"}


BLOCKS = {"community_levers": community_levers, "tiered_response": tiered_response, "costs": costs}


TEMPLATES = {
    "community_levers": """\
| measure | no visits | visits | visits + volunteers |
|---|---|---|---|
| home visits | {cl_visits_nv} | {cl_visits_v} | {cl_visits_vv} |
| households visited | {cl_households_nv} | {cl_households_v} | {cl_households_vv} |
| disputes surfaced by visits | {cl_surfaced_nv} | {cl_surfaced_v} | {cl_surfaced_vv} |
| disputes escalated to assault | {cl_escalated_nv} | {cl_escalated_v} | {cl_escalated_vv} |
| disputes resolved | {cl_resolved_nv} | {cl_resolved_v} | {cl_resolved_vv} |
| trust (mean) | {cl_trust_nv} | {cl_trust_v} | {cl_trust_vv} |
| aware of the office | {cl_aware_nv} | {cl_aware_v} | {cl_aware_vv} |
| crimes reported | {cl_reported_nv} | {cl_reported_v} | {cl_reported_vv} |
| crimes | {cl_crimes_nv} | {cl_crimes_v} | {cl_crimes_vv} |
| satisfaction of rated contacts | {cl_satisfaction_nv} | {cl_satisfaction_v} | {cl_satisfaction_vv} |
| mean response, min | {cl_response_nv} | {cl_response_v} | {cl_response_vv} |
| officer busy hours ({cl_station_duty} of them station duty) | {cl_busy_nv} | {cl_busy_v} | {cl_busy_vv} |
| workload Gini (all staff) | {cl_gini_nv} | {cl_gini_v} | {cl_gini_vv} |
| composite KPI | {cl_kpi_nv} | {cl_kpi_v} | {cl_kpi_vv} |
| cost of the office, thousand yuan a year | {cl_cost_nv} | {cl_cost_v} | {cl_cost_vv} |
""",
    "tiered_response": """\
| district | arm | priority-1 mean response (min) | priority 1 within 3 min | all calls mean (min) | led by the station | station's own calls, mean response (min) | officer utilisation |
|---|---|---|---|---|---|---|---|
| urban_core | office alone | {tr_urban_core_alone_p1} | {tr_urban_core_alone_p1_3} | {tr_urban_core_alone_all} | {tr_urban_core_alone_station} | {tr_urban_core_alone_own} | {tr_urban_core_alone_util} |
| urban_core | + station, `office_first` | {tr_urban_core_first_p1} | {tr_urban_core_first_p1_3} | {tr_urban_core_first_all} | {tr_urban_core_first_station} | {tr_urban_core_first_own} | {tr_urban_core_first_util} |
| urban_core | + station, `nearest_any` | {tr_urban_core_any_p1} | {tr_urban_core_any_p1_3} | {tr_urban_core_any_all} | {tr_urban_core_any_station} | {tr_urban_core_any_own} | {tr_urban_core_any_util} |
| rural_mountain | office alone | {tr_rural_mountain_alone_p1} | {tr_rural_mountain_alone_p1_3} | {tr_rural_mountain_alone_all} | {tr_rural_mountain_alone_station} | {tr_rural_mountain_alone_own} | {tr_rural_mountain_alone_util} |
| rural_mountain | + station, `office_first` | {tr_rural_mountain_first_p1} | {tr_rural_mountain_first_p1_3} | {tr_rural_mountain_first_all} | {tr_rural_mountain_first_station} | {tr_rural_mountain_first_own} | {tr_rural_mountain_first_util} |
| rural_mountain | + station, `nearest_any` | {tr_rural_mountain_any_p1} | {tr_rural_mountain_any_p1_3} | {tr_rural_mountain_any_all} | {tr_rural_mountain_any_station} | {tr_rural_mountain_any_own} | {tr_rural_mountain_any_util} |
| city | office alone (`office_first`) | {tr_city_alone_p1} | {tr_city_alone_p1_3} | {tr_city_alone_all} | {tr_city_alone_station} | {tr_city_alone_own} | {tr_city_alone_util} |
| city | + station, `office_first` | {tr_city_first_p1} | {tr_city_first_p1_3} | {tr_city_first_all} | {tr_city_first_station} | {tr_city_first_own} | {tr_city_first_util} |
| city | + station, `nearest_any` | {tr_city_any_p1} | {tr_city_any_p1_3} | {tr_city_any_all} | {tr_city_any_station} | {tr_city_any_own} | {tr_city_any_util} |
""",
}
