"""What policing experiments found (VALIDATION.md), reproduced over many seeds:
the Koper curve, Kansas City against hot-spot patrol, the hot-spot effect
band, near-repeat burglary (Knox test), diffusion of benefits. Each check runs
the named experiment's configuration (conf/experiment/*.yaml) on common
random numbers: replicate k of every arm sees the same offenders and calls."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.policing.crime_metrics import knox_ratio
from sim.run import results, simulate
from tests.conftest import config

SEEDS = range(6)


def summaries(*overrides: str, seeds=SEEDS) -> list[dict]:
    return [results(simulate(config(*overrides, f"replicate={k}")))[0] for k in seeds]


@pytest.mark.slow
def test_koper_curve_falls_steeply_to_10_15_minutes_then_flattens():
    """Koper 1995: crime within 30 min after the patroller leaves falls with the
    stop's length up to about 10-15 minutes, with little gain after."""
    share = {}
    for dwell in (1, 5, 15, 30):
        runs = summaries("+experiment=koper_curve", f"policy.dwell_min={dwell}", "sim.days=14")
        hits = sum(s["crime_after_stop_30min_share"] * s["patrol_stops"] for s in runs)
        share[dwell] = hits / sum(s["patrol_stops"] for s in runs)
    early_gain = share[1] - share[15]
    assert share[15] < 0.5 * share[1]  # a 15-minute stop halves it at least
    assert share[5] < share[1]
    assert abs(share[30] - share[15]) < 0.35 * early_gain  # then nearly flat


@pytest.mark.slow
def test_random_patrol_level_matters_much_less_than_hot_spot_patrol():
    """Kansas City (Kelling et al. 1974): 0x, 1x, 3x random car patrol made no
    significant difference; hot-spot patrol (Sherman & Weisburd 1995) cuts
    hot-spot crime by 5-40% (band around the published 6-16%)."""
    crimes = {n: np.array([s["crimes_street"] for s in summaries("+experiment=kansas_city",
                                                               f"staffing.volunteers={n}")]) for n in (0, 1, 3)}
    one_vs_none = (crimes[1] - crimes[0]) / crimes[0].mean()
    random_spot = np.array([s["crimes_treated"] for s in summaries("+experiment=hot_spots", "policy=random_patrol")])
    hot_spot = np.array([s["crimes_treated"] for s in summaries("+experiment=hot_spots", "policy=hotspot")])
    hot_effect = (random_spot.sum() - hot_spot.sum()) / random_spot.sum()
    assert 0.05 <= hot_effect <= 0.40
    assert abs(one_vs_none.mean()) < 0.5 * hot_effect  # adding the normal patrol level: a small change
    low, high = stats.t.interval(0.95, len(one_vs_none) - 1, one_vs_none.mean(), stats.sem(one_vs_none))
    assert low > -hot_effect and high < hot_effect  # even its 95% interval stays inside the hot-spot effect
    assert abs(crimes[3].sum() - crimes[0].sum()) / crimes[0].sum() < hot_effect


@pytest.mark.slow
def test_near_repeat_burglaries_cluster_in_space_and_time():
    """Johnson et al. 2007: burglaries within ~200 m and ~2 weeks of each other
    are more common than chance (Knox test); without near-repeat risk they are not."""
    def knox(*extra):
        model = simulate(config("sim.days=180", "calls.burglary.rate_per_1000_per_year=40", "seed=3", *extra))
        inc = results(model)[1]["incidents"].to_pandas()
        b = inc[inc["type"] == "burglary"]
        assert len(b) > 100
        return knox_ratio(b["t_min"].to_numpy(), b["x_m"].to_numpy(), b["y_m"].to_numpy(),
                          200.0, 14 * 1440.0, np.random.default_rng(0), permutations=199)

    ratio, p = knox()
    assert ratio > 1.1 and p <= 0.01  # Johnson et al. 2007 report Knox ratios of about 1.2-1.6 near by
    ratio_off, p_off = knox("crime.near_repeat_boost=0")
    assert ratio_off < ratio and p_off > 0.01


@pytest.mark.slow
def test_hot_spot_patrol_diffuses_benefits_by_default_and_displaces_crime_with_mobile_offenders():
    """Weisburd et al. 2006: focused patrol usually lowers crime next door too
    (crime=default); seed 003 reports the opposite (+17% next door), which
    mobile offenders reproduce (crime=mobile). Paired by replicate: the same
    offenders with staff at posts or at the hot spots, after the policy starts."""
    def change(crime, seeds):
        arms = [np.array([[s["crimes_treated_after"], s["crimes_buffer_after"]]
                          for s in summaries("+experiment=displacement", f"policy={p}", f"crime={crime}",
                                             seeds=seeds)]) for p in ("fixed_post", "hotspot")]
        return arms[1] - arms[0]

    default = change("default", range(6))
    assert default[:, 0].mean() < 0  # the treated area improves
    assert default[:, 1].mean() < 0 and stats.ttest_1samp(default[:, 1], 0.0).pvalue < 0.05  # and next door
    mobile = change("mobile", range(10))
    assert mobile[:, 0].mean() < 0  # the treated area improves
    assert mobile[:, 1].mean() > 0  # but crime moves next door
    assert stats.ttest_1samp(mobile[:, 1], 0.0, alternative="greater").pvalue < 0.05
