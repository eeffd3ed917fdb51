"""Issue 19, part 4: what an office costs (seed 003 §5.3) and how much demand a
district's residents make (DOMAIN §7).

Expected costs are worked out here from the config's own numbers (pay per
role, running cost, reference team), never copied from the code's output.
"""
import math

import numpy as np
import pytest

from sim.core.checks import ConfigError
from sim.derived import scaled_call_types
from sim.model import CommunityPolicingModel
from sim.output.kpi import building_cost_kyuan, cost_summary
from sim.run import results, simulate
from tests.conftest import config


def _prices(cfg):
    return cfg.staffing.cost_kyuan_per_year, cfg.kpi.office_running_cost_kyuan_per_year, cfg.cost.included_staff


# --- cost ------------------------------------------------------------------------------------------

def test_running_cost_includes_the_reference_team_and_scales_with_pay():
    cfg = config()
    assert cfg.cost.running_includes_staff  # seed 003 §5.3: the running cost includes staff pay
    pay, running, team = _prices(cfg)
    fixed = cfg.cost.non_staff_share
    offices, residents, tiers = 2, 50_000, 300.0
    # two offices, each with the reference team plus 2 officers and less 1 volunteer
    heads = {role: offices * n for role, n in team.items()}
    heads["officer"] += offices * 2
    heads["volunteer"] -= offices * 1
    s = cost_summary(heads, cfg, offices, residents, tiers)
    reference_pay = sum(n * pay[r] for r, n in team.items())
    team_pay = reference_pay + 2 * pay["officer"] - pay["volunteer"]
    per_office = running * fixed + running * (1 - fixed) * team_pay / reference_pay
    assert s["cost_per_office_kyuan_per_year"] == pytest.approx(per_office)
    assert s["cost_running_kyuan_per_year"] == pytest.approx(offices * running * fixed)
    officers_pay = (team["officer"] + 2) * pay["officer"]
    assert s["cost_officer_kyuan_per_year"] == pytest.approx(offices * running * (1 - fixed) * officers_pay / reference_pay)
    assert all(s[f"cost_{r}_kyuan_per_year"] >= 0 for r in team)  # shares of the staff part, never "savings"
    assert s["cost_tiers_kyuan_per_year"] == tiers
    assert s["cost_total_kyuan_per_year"] == pytest.approx(offices * per_office + tiers)
    assert s["cost_per_resident_yuan_per_year"] == pytest.approx((offices * per_office + tiers) * 1000 / residents)
    # exactly the reference team: the running cost and nothing else
    exact = cost_summary({role: n for role, n in team.items()}, cfg, 1, 10_000)
    assert exact["cost_total_kyuan_per_year"] == pytest.approx(running)
    assert exact["cost_per_resident_yuan_per_year"] == pytest.approx(running * 1000 / 10_000)
    assert 300 <= exact["cost_per_office_kyuan_per_year"] <= 500  # seed 003 §5.3


def test_switched_off_everyone_is_paid_on_top_of_the_running_cost():
    cfg = config("cost.running_includes_staff=false")
    pay, running, _ = _prices(cfg)
    heads = {"officer": 3, "auxiliary": 6, "volunteer": 4, "grid_worker": 2}
    s = cost_summary(heads, cfg, 1, 30_000, 50.0)
    staff = 3 * pay["officer"] + 6 * pay["auxiliary"] + 4 * pay["volunteer"] + 2 * pay["grid_worker"]
    for role, n in heads.items():
        assert s[f"cost_{role}_kyuan_per_year"] == pytest.approx(n * pay[role])
    assert s["cost_per_office_kyuan_per_year"] == pytest.approx(staff + running)
    assert s["cost_total_kyuan_per_year"] == pytest.approx(staff + running + 50.0)
    assert s["cost_per_resident_yuan_per_year"] == pytest.approx((staff + running + 50.0) * 1000 / 30_000)


def test_an_office_without_staff_costs_its_fixed_part():
    cfg = config()
    pay, running, team = _prices(cfg)
    empty = cost_summary({role: 0 for role in team}, cfg, 3, 9_000, 120.0)
    assert empty["cost_per_office_kyuan_per_year"] == pytest.approx(running * cfg.cost.non_staff_share)
    assert empty["cost_total_kyuan_per_year"] == pytest.approx(3 * running * cfg.cost.non_staff_share + 120.0)
    double = cost_summary({role: 2 * n for role, n in team.items()}, cfg, 1, 1_000)  # twice the team: twice the staff part
    assert double["cost_per_office_kyuan_per_year"] == pytest.approx(running * (1 + (1 - cfg.cost.non_staff_share)))
    all_fixed = cost_summary({role: 9 for role in team}, config("cost.non_staff_share=1"), 1, 1_000)
    assert all_fixed["cost_per_office_kyuan_per_year"] == pytest.approx(running)
    # without the switch the same empty office pays its whole running cost
    off = cost_summary({role: 0 for role in team}, config("cost.running_includes_staff=false"), 3, 9_000)
    assert off["cost_per_office_kyuan_per_year"] == pytest.approx(running)


def test_cost_per_resident_needs_the_residents_and_building_cost_counts_new_offices():
    cfg = config()
    assert cost_summary({"officer": 3}, cfg, 1)["cost_per_resident_yuan_per_year"] is None  # the old call
    assert building_cost_kyuan(0, cfg) == 0.0
    assert building_cost_kyuan(3, cfg) == pytest.approx(3 * cfg.cost.office_build_kyuan)
    assert 500 <= cfg.cost.office_build_kyuan <= 1000  # seed 003 §5.3: 0.5-1 M yuan
    assert building_cost_kyuan(2, config("cost.office_build_kyuan=900")) == pytest.approx(1800.0)
    with pytest.raises(ValueError):
        building_cost_kyuan(-1, cfg)


@pytest.mark.parametrize("override,key", [
    ("cost.included_staff.officer=-1", "cost.included_staff.officer=-1"),
    ("cost.office_build_kyuan=-5", "cost.office_build_kyuan=-5"),
    ("cost.office_build_kyuan=nan", "cost.office_build_kyuan=nan"),
    ("cost.non_staff_share=1.5", "cost.non_staff_share=1.5"),
    ("+cost.included_staff.sergeant=2", "cost.included_staff='sergeant'"),
    ("district.call_rate_factor=0", "district.call_rate_factor=0"),
    ("district.crime_rate_factor=101", "district.crime_rate_factor=101"),
    ("district.crime_rate_factor=-0.5", "district.crime_rate_factor=-0.5"),
])
def test_bad_cost_and_demand_values_name_their_key(override, key):
    with pytest.raises(ConfigError) as err:
        config(override)
    assert str(err.value).startswith(key), str(err.value)
    assert "\n" not in str(err.value)


# --- demand per district --------------------------------------------------------------------------

def test_district_factors_scale_background_and_crime_rates():
    cfg = config("district.call_rate_factor=0.5", "district.crime_rate_factor=2", "scale.call_rate_factor=1.5")
    scaled = dict(scaled_call_types(cfg))
    for name, call in cfg.calls.items():
        factor = 2.0 if call.source == "crime" else 0.5
        assert scaled[name].rate_per_1000_per_year == pytest.approx(call.rate_per_1000_per_year * 1.5 * factor)
        assert scaled[name].on_scene_mean_min == call.on_scene_mean_min  # only rates move
        assert scaled[name].report_prob == call.report_prob


def test_factor_one_leaves_the_call_types_identical():
    cfg = config()
    assert (cfg.district.call_rate_factor, cfg.district.crime_rate_factor) == (1.0, 1.0)
    assert scaled_call_types(cfg) == list(cfg.calls.items())


def test_the_queueing_check_keeps_its_theory_rates():
    plain = dict(scaled_call_types(config("+experiment=queueing_check")))
    scaled = dict(scaled_call_types(config("+experiment=queueing_check", "district.call_rate_factor=0.5")))
    assert scaled == plain


def test_crime_factor_leaves_the_background_stream_alone():
    """Common random numbers: more crime changes no background call; more
    background calls change their number, drawn from the same stream."""
    def stream(*overrides):
        s = CommunityPolicingModel(config("sim.days=30", *overrides)).feed.stream
        return s.t_min, s.type_index, s.x_m
    base, crime = stream(), stream("district.crime_rate_factor=3")
    assert all(np.array_equal(a, b) for a, b in zip(base, crime))
    assert len(stream("district.call_rate_factor=0.5")[0]) < 0.7 * len(base[0])


def _per_1000_year(n: int, summary: dict, days: float) -> float:
    return n * 1000.0 * 365.0 / days / summary["residents"]


@pytest.mark.slow
def test_rural_residents_call_less_than_urban_ones():
    """90 days of each preset: background calls per resident in the mountains
    are the urban rate times the preset's factor (a 95% interval on the rate
    ratio holds the factor and lies below 1); all calls and crimes per resident
    are fewer too."""
    days = 90
    rural_cfg = config("district=rural_mountain", f"sim.days={days}")
    factor = rural_cfg.district.call_rate_factor
    assert factor < 1 and rural_cfg.district.crime_rate_factor < 1
    urban, u_tab = results(simulate(config(f"sim.days={days}")))
    rural, r_tab = results(simulate(rural_cfg))
    n_u = sum(1 for s in u_tab["calls"].column("source").to_pylist() if s == "background")
    n_r = sum(1 for s in r_tab["calls"].column("source").to_pylist() if s == "background")
    ratio = (n_r / rural["residents"]) / (n_u / urban["residents"])
    half_width = 1.96 * math.sqrt(1 / n_r + 1 / n_u)  # Poisson counts, log scale
    lo, hi = ratio * math.exp(-half_width), ratio * math.exp(half_width)
    assert lo <= factor <= hi and hi < 1, (n_u, n_r, lo, ratio, hi)
    assert _per_1000_year(rural["calls_total"], rural, days) < _per_1000_year(urban["calls_total"], urban, days)
    c_ratio = (rural["crimes_total"] / rural["residents"]) / (urban["crimes_total"] / urban["residents"])
    c_hi = c_ratio * math.exp(1.96 * math.sqrt(1 / rural["crimes_total"] + 1 / urban["crimes_total"]))
    assert c_hi < 1, (rural["crimes_total"], urban["crimes_total"], c_ratio)
