"""Rosters and time lost to non-community duties."""
import numpy as np

from sim.core.shifts_config import ShiftConfig
from sim.core.shifts import remove_share, roster
from tests.conftest import config


def _hours(intervals):
    return sum(b - a for a, b in intervals) / 60


def test_three_officers_on_three_shifts_cover_the_clock():
    shift = ShiftConfig([8, 16, 0], 8.0, 7)
    week = 7 * 1440.0
    covered = np.zeros(int(week))
    for k in range(3):
        for a, b in roster(k, shift, week):
            covered[int(a):int(b)] += 1
    assert (covered == 1).all()


def test_part_time_volunteer_works_the_configured_days_and_hours():
    intervals = roster(0, ShiftConfig([19], 3.0, 2), 28 * 1440.0)
    assert _hours(intervals) == 4 * 2 * 3  # 4 weeks x 2 evenings x 3 h
    assert all((a % 1440) == 19 * 60 for a, _ in intervals)


def test_non_community_share_is_removed_from_each_shift():
    base = roster(0, ShiftConfig([8], 8.0, 7), 10 * 1440.0)
    cut = remove_share(base, 0.3, np.random.default_rng(0))
    assert np.isclose(_hours(cut), 0.7 * _hours(base))
    for a, b in cut:  # cuts stay inside the original shifts
        assert any(a0 <= a and b <= b0 for a0, b0 in base)


def test_officers_lose_time_in_the_model_auxiliaries_do_not():
    from sim.run import results, simulate

    model = simulate(config("sim.days=7", "staffing.officer_non_community_share=0.5"))
    _, staffed = model.fleet.totals(model.env.now)
    busy, _ = model.fleet.totals(model.env.now)
    roles = np.where(model.fleet.tier == 0, model.fleet.role_name, "station")  # the office's staff only
    officer_hours = (staffed - busy)[roles == "officer"].sum() / 60  # free on duty: not at the station
    aux_hours = staffed[roles == "auxiliary"].sum() / 60
    assert aux_hours >= 5 * 8 * 7 - 1e-6  # 5 auxiliaries, 8 h, 7 days (overtime may add)
    assert officer_hours < 3 * 8 * 7 * 0.55  # about half of 168 officer-hours lost
    assert results(model)[0]["staff_officer"] == 3


def test_share_is_cut_from_each_shift_of_a_round_the_clock_rota():
    from sim.core.shifts import merge

    shifts = roster(0, ShiftConfig([0], 24.0, 7), 28 * 1440.0)
    duty = merge(remove_share(shifts, 0.3, np.random.default_rng(1)))
    assert np.isclose(_hours(duty), 0.7 * 28 * 24)
    gaps = [b[0] - a[1] for a, b in zip(duty, duty[1:])]
    assert max(gaps) <= 2 * 0.3 * 1440 + 1e-6  # never days off in one block
