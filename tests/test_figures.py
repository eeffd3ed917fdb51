"""Readable figures (issue 23): every figure the project writes, drawn in
process from small synthetic inputs in English and Chinese, passes
sim/output/figure_check.py (no overlapping text, no text cut at the edge, no
raw identifier); the check itself catches a bad figure; the response-time
axis is cut where it matters with the targets kept; shares are shown as
percentages, crime maps as differences from the baseline, and a share's
interval stays inside [0, 1]."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from matplotlib.ticker import PercentFormatter
from scipy import stats

from sim.i18n import language
from sim.output.figure_check import problems, raw_names

RNG = np.random.default_rng(23)


def heavy_tail(n: int = 3000, tail: float = 0.03) -> np.ndarray:
    """Response times: gamma around 4.5 min, and `tail` of calls queued for 1-15 hours."""
    x = RNG.gamma(3, 1.5, n)
    hit = RNG.random(n) < tail
    x[hit] = RNG.uniform(60, 900, hit.sum())
    return x


# ---------------------------------------------------------------- synthetic inputs

@pytest.fixture(scope="module")
def district():
    from sim.config import Config
    from sim.core.space import beats_by_population, build_district

    d = build_district(Config().district, np.random.default_rng(0))
    d.beat, d.beat_office = beats_by_population(d, [3] * len(d.offices))
    return d


def _summary_and_diffs():
    configs = ["policy=fixed_post", "policy=hotspot", "policy=random_patrol"]
    metrics = {"response_time_mean_min": (4.0, 0.3), "share_within_8min": (0.93, 0.02), "crimes_total": (40.0, 5.0),
               "station_led_share": (0.05, 0.01)}
    summary = pd.DataFrame([{"config": c, "metric": m, "n": 5, "mean": mu, "sd": sd, "ci_low": max(mu - 2 * sd, 0),
                             "ci_high": mu + 2 * sd} for c in configs for m, (mu, sd) in metrics.items()])
    diffs = pd.DataFrame([{"config": c, "baseline": configs[0], "metric": m, "paired_by": "replicate", "n_pairs": 5,
                           "mean_diff": sd, "sd_diff": sd, "ci_low": 0, "ci_high": 2 * sd, "n_config": 5,
                           "n_baseline": 5, "welch_diff": sd, "welch_ci_low": -sd, "welch_ci_high": 3 * sd}
                          for c in configs[1:] for m, (mu, sd) in metrics.items()])
    return summary, diffs


def _maps():
    grid = RNG.poisson(3.0, (12, 8)).astype(float)
    return [(f"policy={p}", grid + RNG.normal(0, 1, grid.shape) * i, (3000.0, 2000.0), 5)
            for i, p in enumerate(["fixed_post", "hotspot", "random_patrol"])]


LONG_LABELS = [f"policy={p}, dispatch={d}" for p in ["volunteer_night_patrol", "joint_patrol", "random_patrol",
                                                       "fixed_post"] for d in ["nearest", "priority_queue"]]


def _long_maps():
    """Eight configurations named as a two-group sweep names them (issue 23: their titles overlapped)."""
    grid = RNG.poisson(3.0, (6, 4)).astype(float)
    return [(label, grid + i, (3000.0, 2000.0), 2) for i, label in enumerate(LONG_LABELS)]


def _estimate(v):
    return {"estimate": v, "ci95": [max(v - 0.05, 0), min(v + 0.05, 1)]}


def _plan():
    curve = [{"officers": 8 + i, "auxiliaries": 4, "volunteers": 0, "is_plan": i == 3,
              "p1": _estimate(0.6 + 0.07 * i), "saturation_worst_shift": _estimate(0.8 - 0.06 * i)} for i in range(6)]
    return {"district": "urban_core", "policy": "fixed_post", "offices": 2, "curve": curve,
            "targets": {"p1_within_min": 3.0, "p1_share": 0.9, "saturation_max": 0.6},
            "today_attainment": {"p1_within_3min_share": {"estimate": 0.7}, "saturation_worst_shift": {"estimate": 0.7}},
            "today_roster_needs": {"officers": 14.4, "auxiliaries": 4.0},
            "current": {"officers": 10, "auxiliaries": 4, "volunteers": 2},
            "required": {"officers": 11, "auxiliaries": 4, "volunteers": 0},
            "ministry_norm_officers": 10, "ministry_residents_per_officer": 3000,
            "allocation": [{"office": o, "current": {"officers": 5}, "required": {"officers": 5 + o},
                            "ministry_norm_officers": 5} for o in range(2)]}


def _station_plan():
    curve = [{"cars_per_shift": c, "p1": _estimate(0.8 + 0.03 * c), "p1_office_alone": _estimate(0.8),
              "station_own_off": _estimate(0.5 + 0.1 * c)} for c in range(5)]
    return {"district": "city", "curve": curve, "station": {"required_cars_per_shift": 2, "current_cars_per_shift": 3},
            "targets": {"p1_within_min": 8.0, "p1_share": 0.9, "station_off_within_min": 5.0,
                        "station_off_share": 0.7}}


def _targets():
    return {"hot_spot_effect": {"target": -0.11, "band": [-0.16, -0.06], "simulated": -0.09, "ci95": [-0.12, -0.05],
                                "inside": True},
            "near_repeat_knox": {"target": 1.4, "band": [1.2, 1.6], "simulated": 1.1, "ci95": [1.0, 1.2],
                                 "inside": False},
            "mediation_success": {"target": 0.89, "band": [0.82, 0.96], "simulated": None, "ci95": [None, None],
                                  "inside": False, "claim": True}}


def _results():
    from sim.validate.judge import Result

    return [Result(f"M/M/{c} lambda=2, mu=3", check, 0.5, 0.01, 0.5 + 0.004 * c, 0.004, 0.006, 20, 200000, c != 2,
                   "M/M/c") for c in (1, 2, 3) for check in ("P(wait)", "Wq (min)", "utilisation")]


def _morris():
    rows = [{"metric": m, "parameter": p, "mu": 0.1 * i, "mu_star": 0.1 * i + 0.05, "sigma": 0.02,
             "mu_star_conf": 0.01, "rank": 4 - i}
            for m in ("response_time_mean_min", "share_within_8min")
            for i, p in enumerate(("scale.call_rate_factor", "scale.travel_speed_factor", "crime.diffusion_m"))]
    return pd.DataFrame(rows)


def _exercise_dirs(root):
    dirs = {}
    for run in ("exercise", "counterfactual"):
        d = root / run
        d.mkdir(parents=True, exist_ok=True)
        t = np.arange(0, 1440, 10.0)
        pd.DataFrame({"t_min": t, "calls_queued": RNG.integers(0, 4, len(t)), "busy_officer": RNG.integers(0, 3, len(t)),
                      "busy_auxiliary": RNG.integers(0, 5, len(t))}).to_parquet(d / "timeseries.parquet")
        pd.DataFrame({"t_arrival_min": np.sort(RNG.uniform(0, 1440, 60)),
                      "response_min": RNG.gamma(3, 2, 60)}).to_parquet(d / "calls.parquet")
        pd.DataFrame({"t_min": RNG.uniform(0, 1440, 30)}).to_parquet(d / "incidents.parquet")
        dirs[run] = d
    return dirs


@pytest.fixture(scope="module")
def builders(district, tmp_path_factory):
    """Figure name -> a function drawing it (a Figure or a list of Figures) in the current language."""
    from sim.calibrate.figures import convergence_fig, targets_fig
    from sim.compare import figures as compare
    from sim.config import Config
    from sim.exercise.report import chart_figures
    from sim.output import plots
    from sim.plan import report as plan_report
    from sim.plan import station_report
    from sim.study.sensitivity import sensitivity_fig
    from sim.validate.report import results_fig

    calls = pa.table({"response_min": heavy_tail(), "priority": RNG.integers(1, 5, 3000)})
    w, h = district.extent_m
    incidents = pa.table({"x_m": RNG.uniform(0, w, 150), "y_m": RNG.uniform(0, h, 150),
                          "reported": RNG.random(150) < 0.6})
    summary, diffs = _summary_and_diffs()
    curves = {f"policy={p}": (heavy_tail(800, 0.01 * i), 3) for i, p in
              enumerate(["beat", "elastic", "fixed_post", "hotspot", "joint_patrol", "random_patrol"])}
    crime = Config().crime
    dirs = _exercise_dirs(tmp_path_factory.mktemp("exercise"))
    decisions = [{"t_min": 300.0, "category": "inject"}, {"t_min": 360.0, "category": "decision"}]
    return {
        "response_times": lambda: plots.response_time_fig(calls),
        "incident_map": (lambda: plots.incident_map_fig(district, incidents), False),  # saved with bbox_inches="tight"
        "crime_model": lambda: plots.crime_model_fig(crime, crime),
        "compare_metrics": lambda: compare.metrics_fig(summary),
        "compare_differences": lambda: compare.differences_fig(diffs),
        "compare_ecdf": lambda: compare.response_ecdf_fig(curves),
        # eight long labels (issue 23: titles overlapped, the colour bar sat on a y-axis label)
        "compare_crime_maps": lambda: compare.crime_map_fig(_long_maps(), LONG_LABELS[0]),
        "sensitivity": lambda: sensitivity_fig(_morris()),
        "plan_curve": lambda: plan_report.curve_fig(_plan()),
        "plan_gap": lambda: plan_report.gap_fig(_plan()),
        "station_curve": lambda: station_report.curve_fig(_station_plan()),
        "calibration_targets": lambda: targets_fig(_targets(), "literature: targets and the calibrated model",
                                                   {"hot_spot_effect": "relative_change", "near_repeat_knox": "ratio",
                                                    "mediation_success": "value"}),
        "calibration_convergence": lambda: convergence_fig(list(range(20)), list(RNG.gamma(2, 5, 20)),
                                                           ["explore"] * 8 + ["refine"] * 12),
        "validate": lambda: results_fig(_results()),
        "exercise_charts": (lambda: [f for _t, f in chart_figures(dirs, decisions, 0.0)], False, 90),
    }


FIGURES = ["response_times", "incident_map", "crime_model", "compare_metrics", "compare_differences", "compare_ecdf",
           "compare_crime_maps", "sensitivity", "plan_curve", "plan_gap", "station_curve", "calibration_targets",
           "calibration_convergence", "validate", "exercise_charts"]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_readable(builders, name, lang):
    build = builders[name]
    build, edges, dpi = (build + (110,))[:3] if isinstance(build, tuple) else (build, True, 110)
    with language(lang):
        figs = build()
        figs = figs if isinstance(figs, list) else [figs]
        found = [p for fig in figs for p in problems(fig, edges=edges, dpi=dpi)]
    for fig in figs:
        plt.close(fig)
    assert found == [], f"{name} ({lang}): {found}"


# ---------------------------------------------------------------- the check can fail

def test_the_check_finds_overlapping_text_and_raw_names():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("response_mean_min")
    ax.text(0.5, 0.5, "3-min arrival target")
    ax.text(0.52, 0.5, "10-min goal")
    found = problems(fig)
    plt.close(fig)
    assert any(p.startswith("overlap:") and "10-min goal" in p for p in found), found
    assert any("raw name 'response_mean_min'" in p for p in found), found
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_ylabel("a label far too long to fit beside the axes of this small figure " * 3)
    assert any(p.startswith("cut at the edge") for p in problems(fig))
    plt.close(fig)


def test_raw_names_spare_overrides_files_and_words():
    assert raw_names("policy=random_patrol, staffing.mix=3+5+4 (sim/policing/crime.py)") == []
    assert raw_names("p_wait and 响应share_within_8min") == ["p_wait", "share_within_8min"]
    assert raw_names("calls reached within 8 min (%)") == []


def test_target_labels_never_overlap_on_a_long_axis():
    """The per-run figure printed its 3- and 10-minute labels on top of each other on a 900-minute axis."""
    from sim.output.plots import mark_targets

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.set_xlim(0, 900)
    pad = mark_targets(ax, [(3.0, "3-min arrival target"), (10.0, "10-min goal"), (8.0, "8 min")])
    ax.set_title("Response times", pad=pad)
    assert problems(fig) == []
    rows = {round(t.get_transform().transform((0, 1))[1]) for t in ax.texts}
    assert len(rows) == 3  # three labels in three rows above the axes
    plt.close(fig)


# ---------------------------------------------------------------- what the figures show

def test_ecdf_axis_is_cut_at_the_range_that_matters():
    from sim.compare.figures import TARGETS_MIN, response_ecdf_fig

    sample = heavy_tail(5000, 0.03)
    with language("en"):
        fig = response_ecdf_fig({"policy=a": (sample, 3), "policy=b": (sample * 1.1, 3)})
    ax = fig.axes[0]
    right = ax.get_xlim()[1]
    assert max(TARGETS_MIN) < right < sample.max() / 10  # 42 min, not 900
    assert "axis cut at 42 min" in ax.get_xlabel() and "99th percentile" in ax.get_xlabel()
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert {t.get_text() for t in ax.texts} == {"3 min", "8 min", "10 min"}
    assert all("after 42 min" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)
    light = RNG.gamma(3, 1.5, 4000)  # no long tail: the 99th percentile (about 15 min) is the cut
    with language("en"):
        fig = response_ecdf_fig({"policy=a": (light, 3)})
    assert fig.axes[0].get_xlim()[1] == pytest.approx(np.percentile(light, 99) * 1.05)
    plt.close(fig)


def test_crime_maps_show_the_difference_from_the_baseline():
    from sim.compare.figures import crime_map_fig

    maps = _maps()
    with language("en"):
        fig = crime_map_fig(maps, "policy=hotspot")
    panels = [ax for ax in fig.axes if ax.images]
    assert panels[0].get_title().startswith("baseline: policy=hotspot")
    base = maps[1][1]
    for ax, (label, mean, _e, _n) in zip(panels[1:], [m for m in maps if m[0] != "policy=hotspot"]):
        image = ax.images[0]
        assert image.norm.vcenter == 0 and image.norm.vmin == -image.norm.vmax
        np.testing.assert_allclose(image.get_array().T, mean - base)
        assert ax.get_title().startswith(f"{label} minus baseline")
    plt.close(fig)


def test_shares_are_percentages_and_the_incident_map_has_a_land_use_key(builders):
    from sim.compare.figures import metrics_fig

    summary, _diffs = _summary_and_diffs()
    with language("en"):
        fig = metrics_fig(summary)
    by_title = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert isinstance(by_title["calls reached within 8 min (%)"].xaxis.get_major_formatter(), PercentFormatter)
    assert isinstance(by_title["station led share (%)"].xaxis.get_major_formatter(), PercentFormatter)
    assert not isinstance(by_title["response mean (min)"].xaxis.get_major_formatter(), PercentFormatter)
    plt.close(fig)
    with language("en"):
        fig = builders["incident_map"][0]()
    key = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
    assert {"residential", "commercial", "park", "office"} <= key
    plt.close(fig)


# ---------------------------------------------------------------- intervals on shares

def test_wilson_bounds_stay_in_0_1_and_match_scipy():
    from sim.compare.statistics import wilson_interval

    for n in (1, 10, 1000):
        lo, hi = wilson_interval(0, n)
        assert lo == 0 and 0 < hi < 1
        lo, hi = wilson_interval(n, n)
        assert 0 < lo < 1 and hi == 1
    for k, n in ((3, 10), (0, 25), (25, 25), (412, 1000)):
        ref = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert wilson_interval(k, n) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_share_interval_stays_inside_0_1_where_the_t_interval_leaves_it():
    from sim.compare.statistics import share_interval, summarise, t_interval

    near_zero, near_one = [0.0, 0.01, 0.02], [0.99, 1.0, 1.0]
    assert t_interval(near_zero)[3] < 0 and t_interval(near_one)[4] > 1  # what the report showed before
    for values in (near_zero, near_one, [0.0, 0.0, 0.0], [0.4, 0.5, 0.6, 0.55]):
        n, mean, _sd, lo, hi = share_interval(values)
        assert 0 <= lo <= mean <= hi <= 1
    _n, mean, _sd, lo, hi = share_interval([0.4, 0.5, 0.6, 0.55, 0.45] * 8)  # interior, many replicates: ~ t
    t_lo, t_hi = t_interval([0.4, 0.5, 0.6, 0.55, 0.45] * 8)[3:]
    assert (lo, hi) == pytest.approx((t_lo, t_hi), abs=2e-3)
    df = pd.DataFrame({"config": ["a"] * 3, "p_wait": near_zero, "response_time_mean_min": [-1.0, 0.0, 1.0]})
    table = summarise(df, ["p_wait", "response_time_mean_min"]).set_index("metric")
    assert table.at["p_wait", "ci_low"] >= 0  # a share: bounded
    assert table.at["response_time_mean_min", "ci_low"] == pytest.approx(t_interval([-1.0, 0.0, 1.0])[3])
    assert not math.isnan(table.at["p_wait", "ci_high"])


def test_count_and_share_difference_intervals_stay_in_range():
    """Issue 23: a count's interval went below 0 (3.5 [-2.9, 9.9] crimes), a share's Welch difference past
    +-100 points and differences.png's axis to +-400 points, with 2-3 replicates."""
    from sim.compare.figures import differences_fig, metrics_fig
    from sim.compare.statistics import (NONNEGATIVE, REAL, SHARE, log_t_interval, metric_kind, paired_differences,
                                        summarise, t_interval, welch_interval)

    assert [metric_kind([1, 2], k) for k in ("crimes_total", "calls_lost", "response_time_mean_min", "p_wait",
                                             "trust_mean")] == [NONNEGATIVE, NONNEGATIVE, NONNEGATIVE, REAL, REAL]
    assert metric_kind([0.1, 0.2], "p_wait") == SHARE and metric_kind([-1, 2], "crimes_total") == REAL
    crimes = [0.0, 3.0, 7.5]
    assert t_interval(crimes)[3] < 0  # what the report showed before
    n, mean, sd, lo, hi = log_t_interval(crimes)
    half = stats.t.ppf(0.975, 2) * sd / (mean * math.sqrt(3))  # delta method on the log scale, computed here
    assert (lo, hi) == pytest.approx((mean * math.exp(-half), mean * math.exp(half))) and 0 < lo < mean < hi
    df = pd.DataFrame({"config": ["a"] * 3 + ["b"] * 3, "replicate": [0, 1, 2] * 2,
                       "crimes_total": crimes + [1.0, 9.0, 2.0], "p_wait": [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]})
    table = summarise(df, ["crimes_total", "p_wait"]).set_index(["config", "metric"])
    assert (table["ci_low"] >= 0).all() and (table["ci_high"] <= [math.inf, 1, math.inf, 1]).all()
    diffs = paired_differences(df, "a", ["crimes_total", "p_wait"]).set_index("metric")
    share = diffs.loc["p_wait"]
    assert t_interval([1.0, -1.0, 1.0])[3] < -1  # unclipped paired interval of these shares
    assert -1 <= share["ci_low"] <= share["mean_diff"] <= share["ci_high"] <= 1
    assert welch_interval([1.0, 0.0, 1.0], [0.0, 1.0, 0.0])[2] > 1  # unclipped Welch interval
    assert -1 <= share["welch_ci_low"] < share["welch_ci_high"] == 1
    assert diffs.at["crimes_total", "ci_low"] == pytest.approx(t_interval([1.0, 6.0, -5.5])[3])  # a count's: any sign
    fig = differences_fig(diffs.reset_index().assign(welch_ci_low=[-5.0, -4.0], welch_ci_high=[5.0, 4.0]))
    share_ax = next(ax for ax in fig.axes if "percentage points" in ax.get_xlabel())
    assert share_ax.get_xlim()[0] >= -100 and share_ax.get_xlim()[1] <= 100
    plt.close(fig)
    fig = metrics_fig(table.reset_index())
    assert all(ax.get_xlim()[0] >= 0 for ax in fig.axes if ax.get_visible() and ax.get_title())
    plt.close(fig)



def test_comparison_figures_stay_readable_with_many_long_labels():
    """Issue 23: with eight configurations named like ``policy=volunteer_night_patrol,
    dispatch=nearest`` the crime maps' titles ran into each other (checked in
    en and zh by test_every_figure_is_readable, compare_crime_maps), and a
    single metric's panel was squeezed until its ticks overlapped."""
    from sim.compare import figures as compare

    with language("zh"):
        fig = compare.crime_map_fig(_long_maps(), LONG_LABELS[0])
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    plt.close(fig)
    assert len(titles) == 8 and titles[0].startswith("基准方案")
    assert all(max(map(len, t.split("\n"))) <= 48 for t in titles), titles  # wrapped
    assert all(len(t.split("\n")) >= 3 for t in titles[1:]), titles
    assert "policy=volunteer_night_patrol," in titles[1]  # broken at spaces, never inside an override
    with language("en"):  # one configuration: its colour bar upright beside it, not under it
        fig = compare.crime_map_fig(_long_maps()[:1])
        assert problems(fig) == []
    plt.close(fig)
    summary = pd.DataFrame([{"config": c, "metric": "share_within_8min", "n": 2, "mean": 0.9, "sd": 0.02,
                             "ci_low": 0.86, "ci_high": 0.94} for c in LONG_LABELS])
    diffs = pd.DataFrame([{"config": c, "baseline": LONG_LABELS[0], "metric": "crimes_total", "paired_by": "replicate",
                           "n_pairs": 2, "mean_diff": 1.0, "sd_diff": 1.0, "ci_low": 0.0, "ci_high": 2.0, "n_config": 2,
                           "n_baseline": 2, "welch_diff": 1.0, "welch_ci_low": -1.0, "welch_ci_high": 3.0}
                          for c in LONG_LABELS[1:]])
    with language("en"):  # the ECDF's legend: test_every_figure_is_readable's six labels
        for build in (lambda: compare.metrics_fig(summary), lambda: compare.differences_fig(diffs)):
            fig = build()
            found = problems(fig)
            plt.close(fig)
            assert found == [], found
