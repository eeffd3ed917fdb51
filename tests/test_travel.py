"""Travel distances against geometry and Larson & Odoni's results."""
import numpy as np
from scipy import stats

from sim.core.space import LAND_USE_CODE, build_district
from sim.core.travel import ManhattanTravel, RoadTravel
from tests.conftest import config


def test_manhattan_distance_is_right_angle():
    t = ManhattanTravel()
    assert t.distance_m(0.0, 0.0, 300.0, -400.0) == 700.0
    np.testing.assert_allclose(t.distance_m(np.array([0.0, 100.0]), np.array([0.0, 0.0]), 50.0, 50.0),
                               [100.0, 100.0])


def test_mean_manhattan_distance_in_a_rectangle_matches_larson_odoni():
    """Unit and incident uniform in an X x Y rectangle: E[D] = (X + Y) / 3 (eq. 3.12a)."""
    rng = np.random.default_rng(1)
    X, Y, n = 2000.0, 1000.0, 200_000
    d = ManhattanTravel().distance_m(rng.uniform(0, X, n), rng.uniform(0, Y, n),
                                     rng.uniform(0, X, n), rng.uniform(0, Y, n))
    lo, hi = stats.t.interval(0.99, n - 1, loc=d.mean(), scale=stats.sem(d))
    assert lo <= (X + Y) / 3 <= hi


def test_nearest_of_n_units_matches_sqrt_law():
    """Nearest of N uniform units, Manhattan: E[D] -> 0.6267 sqrt(A/N), +4-10% at N=16."""
    rng = np.random.default_rng(2)
    side, n_units, reps = 1000.0, 16, 20_000
    ux, uy = rng.uniform(0, side, (reps, n_units)), rng.uniform(0, side, (reps, n_units))
    cx, cy = rng.uniform(0, side, (reps, 1)), rng.uniform(0, side, (reps, 1))
    nearest = (np.abs(ux - cx) + np.abs(uy - cy)).min(axis=1)
    ratio = nearest.mean() / (np.sqrt(np.pi / 8) * np.sqrt(side**2 / n_units))
    assert 1.0 < ratio < 1.12


def test_road_travel_follows_valleys_not_straight_lines():
    d = build_district(config("district=rural_mountain").district, np.random.default_rng(0))
    road = RoadTravel(d)
    size = d.cell_size_m
    road_cells = np.argwhere(d.land_use == LAND_USE_CODE["road"])
    mountain = np.argwhere(d.land_use == LAND_USE_CODE["mountain"])
    (ax, ay), (bx, by) = road_cells[0], road_cells[-1]
    pa, pb = (ax + 0.5) * size, (ay + 0.5) * size
    qa, qb = (bx + 0.5) * size, (by + 0.5) * size
    along = float(road.distance_m(pa, pb, qa, qb))
    straight = abs(qa - pa) + abs(qb - pb)
    assert along >= straight - 1e-6  # never shorter than right-angle distance at road speed
    # crossing a ridge costs more than the same distance along a road
    mx, my = mountain[len(mountain) // 2]
    up = float(road.distance_m((mx + 0.5) * size, (my + 0.5) * size, (mx + 1.5) * size, (my + 0.5) * size))
    assert up > size * 5
    # symmetric, and zero-ish within the same cell
    assert np.isclose(road.distance_m(qa, qb, pa, pb), along)


def test_road_scalar_and_vector_paths_agree():
    d = build_district(config("district=rural_mountain").district, np.random.default_rng(3))
    road = RoadTravel(d)
    rng = np.random.default_rng(4)
    w, h = d.extent_m
    xs, ys = rng.uniform(0, w, 50), rng.uniform(0, h, 50)
    size = d.cell_size_m
    tx, ty = (int(rng.integers(d.width)) + 0.5) * size, (int(rng.integers(d.height)) + 0.5) * size
    vec = road.distance_m(xs, ys, tx, ty)
    scal = [road.distance_m(float(x), float(y), tx, ty) for x, y in zip(xs, ys)]
    np.testing.assert_allclose(vec, scal)
    same = road.distance_m(tx + 1.0, ty, tx, ty)  # same cell: local right-angle offset
    assert np.isclose(same, 1.0 * d.travel_factor[d.cell_of(tx, ty)])
